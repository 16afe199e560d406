"""Automatic checks on a transcript: what a rule can answer without a person.

Each check says passed (True/False) or not applicable (None) with a detail.
The transcript is taken as it stands, so a contact still in progress gets
provisional answers that settle when it closes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from switchboard.qa.domain.rules import CheckRules, phrases_in

Role = Literal["customer", "agent"]


@dataclass(frozen=True)
class Line:
    role: Role
    text: str
    at: datetime
    sensitive: bool = False  # a card or ID number was redacted from it


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_checks(lines: list[Line], channel: str, rules: CheckRules) -> list[CheckResult]:
    ordered = sorted(lines, key=lambda line: line.at)
    agent = [line for line in ordered if line.role == "agent"]
    results = [greeting(agent, rules), closing(agent, rules), forbidden(agent, rules), sensitive_data(agent)]
    timed = channel in rules.timed_channels
    results.append(first_response(ordered, rules) if timed else _not_timed("first_response", channel))
    results.append(response_time(ordered, rules) if timed else _not_timed("response_time", channel))
    return results


def greeting(agent: list[Line], rules: CheckRules) -> CheckResult:
    if not agent:
        return CheckResult("greeting", None, "no agent message yet")
    found = phrases_in(agent[0].text, rules.greeting_phrases)
    if found:
        return CheckResult("greeting", True, f"first agent message greets ({found[0]!r})")
    return CheckResult("greeting", False, "the first agent message has no greeting")


def closing(agent: list[Line], rules: CheckRules) -> CheckResult:
    if not agent:
        return CheckResult("closing", None, "no agent message yet")
    for line in agent[-2:]:
        found = phrases_in(line.text, rules.closing_phrases)
        if found:
            return CheckResult("closing", True, f"the agent closed with {found[0]!r}")
    return CheckResult("closing", False, "the last agent messages offer no further help")


def forbidden(agent: list[Line], rules: CheckRules) -> CheckResult:
    if not agent:
        return CheckResult("forbidden_phrases", None, "no agent message yet")
    hits = sorted({p for line in agent for p in phrases_in(line.text, rules.forbidden_phrases)})
    if hits:
        return CheckResult("forbidden_phrases", False, "the agent said: " + ", ".join(map(repr, hits)))
    return CheckResult("forbidden_phrases", True, "no forbidden phrase")


def sensitive_data(agent: list[Line]) -> CheckResult:
    """The agent never wrote or read out a card or national ID number (the customer may)."""
    if not agent:
        return CheckResult("sensitive_data", None, "no agent message yet")
    disclosed = sum(line.sensitive for line in agent)
    if disclosed:
        return CheckResult("sensitive_data", False,
                           f"{disclosed} agent message(s) contained a card or ID number (redacted)")
    return CheckResult("sensitive_data", True, "no card or ID number in the agent's messages")


def first_response(ordered: list[Line], rules: CheckRules) -> CheckResult:
    first_customer = next((line for line in ordered if line.role == "customer"), None)
    if first_customer is None:
        return CheckResult("first_response", None, "the customer has not written")
    reply = next((line for line in ordered if line.role == "agent" and line.at >= first_customer.at), None)
    if reply is None:
        return CheckResult("first_response", None, "no agent reply yet")
    seconds = (reply.at - first_customer.at).total_seconds()
    passed = seconds <= rules.first_response_seconds
    return CheckResult("first_response", passed,
                       f"first reply after {seconds:.0f}s (target {rules.first_response_seconds:.0f}s)")


def response_time(ordered: list[Line], rules: CheckRules) -> CheckResult:
    """Every customer turn (a run of customer messages) answered within the target."""
    waits: list[float] = []
    waiting_since: datetime | None = None
    for line in ordered:
        if line.role == "customer" and waiting_since is None:
            waiting_since = line.at
        elif line.role == "agent" and waiting_since is not None:
            waits.append((line.at - waiting_since).total_seconds())
            waiting_since = None
    if not waits:
        return CheckResult("response_time", None, "no answered customer turn yet")
    late = [w for w in waits if w > rules.response_seconds]
    detail = (f"{len(late)} of {len(waits)} replies later than {rules.response_seconds:.0f}s; "
              f"longest {max(waits):.0f}s")
    return CheckResult("response_time", not late, detail)


def _not_timed(check: str, channel: str) -> CheckResult:
    return CheckResult(check, None, f"not timed on {channel}")
