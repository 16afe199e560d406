"""What the simulator has done so far, and the short line it prints every few seconds."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

CHANNELS = ("voice", "chat", "sms", "email")


class Tally:
    """Counts by name: contacts sent per channel, offers accepted, tasks completed, ..."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.problems: Counter[str] = Counter()

    def problem(self, detail: str) -> None:
        """Something the platform refused or a request that failed: counted, and kept for the end."""
        self.counts["errors"] += 1
        self.problems[detail[:200]] += 1

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def __getitem__(self, what: str) -> int:
        return self.counts[what]


def status_line(elapsed: float, tally: Tally, live: dict[str, Any] | None) -> str:
    """One line: what was sent, what agents did, what waits now (from routing's live figures)."""
    sent = " ".join(f"{channel} {tally[f'sent {channel}']}" for channel in CHANNELS)
    parts = [f"[{elapsed:5.0f}s] sent {sent}",
             f"offers accepted {tally['offers accepted']}, completed {tally['tasks completed']}"]
    if live is not None:
        waiting = {q["name"]: q["waiting"] for q in live.get("queues", []) if q["waiting"]}
        detail = ", ".join(f"{name} {n}" for name, n in sorted(waiting.items()))
        parts.append(f"waiting {sum(waiting.values())}" + (f" ({detail})" if detail else ""))
        states = live.get("agents_by_state", {})
        parts.append("agents " + " ".join(f"{state} {n}" for state, n in sorted(states.items()) if n))
    parts.append(f"to customers sms {tally['sms to customers']} email {tally['emails to customers']}, "
                 f"surveys answered {tally['survey replies']}")
    if tally["errors"] or tally["throttled"]:
        parts.append(f"errors {tally['errors']}, throttled {tally['throttled']}")
    return " | ".join(parts)


def refusal(response: httpx.Response) -> str:
    """A refused request, in one line: method, path, status and the problem's detail."""
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        detail = response.text
    return f"{response.request.method} {response.request.url.path}: {response.status_code} {detail}"
