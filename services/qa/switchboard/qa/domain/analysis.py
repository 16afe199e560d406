"""Everything the rules and models say about one transcript, in one pure function.

The service applies the same steps line by line as messages arrive
(`transcripts.py`); this whole-transcript form serves re-analysis and the
benchmark (bench/qa_checks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from switchboard.qa.domain import sentiment
from switchboard.qa.domain.checks import CheckResult, Line, run_checks
from switchboard.qa.domain.redaction import redact
from switchboard.qa.domain.rules import CheckRules, phrases_in
from switchboard.qa.domain.topics import topic_terms


@dataclass(frozen=True)
class Analysis:
    lines: list[Line]                 # redacted
    scores: list[float]               # per line
    sentiment: float | None           # the customer's, over the contact
    growing_angrier: bool
    sensitive_lines: int
    forbidden_hits: list[str]
    checks: list[CheckResult]
    topics: set[str]                  # from the customer's lines


def analyse(
    raw: list[Line], channel: str, rules: CheckRules,
    score: Callable[[str], float] = sentiment.score,
) -> Analysis:
    lines, scores, sensitive, hits = [], [], 0, []
    topics: set[str] = set()
    for line in raw:
        redacted = redact(line.text)
        sensitive += redacted.found
        lines.append(Line(line.role, redacted.text, line.at, redacted.found))
        scores.append(score(redacted.text))
        if line.role == "agent":
            hits.extend(phrases_in(redacted.text, rules.forbidden_phrases))
        else:
            topics |= topic_terms(redacted.text)
    customer = [s for line, s in zip(lines, scores, strict=True) if line.role == "customer"]
    return Analysis(
        lines=lines, scores=scores, sentiment=sentiment.conversation_score(customer),
        growing_angrier=sentiment.is_growing_angrier(
            customer, drop=rules.sentiment_drop, floor=rules.sentiment_floor),
        sensitive_lines=sensitive, forbidden_hits=hits, checks=run_checks(lines, channel, rules),
        topics=topics,
    )
