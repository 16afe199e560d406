"""Roll-ups of settled evaluations: score trends per agent, queue or period; questions failed most."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any, Literal

from switchboard.qa.domain.scorecards import Answer, ScorecardDefinition, numeric

Grouping = Literal["agent", "queue", "day", "week"]


@dataclass(frozen=True)
class Scored:
    agent_id: str | None
    queue_id: str | None
    score: float
    failed_critical: bool
    at: datetime


@dataclass(frozen=True)
class ScoreRow:
    key: str
    period: str
    evaluations: int
    average_score: float
    failed_critical: int


@dataclass(frozen=True)
class FailedQuestion:
    scorecard: str
    key: str
    text: str
    answered: int
    failed: int
    fail_rate: float


def period_of(at: datetime, period: Literal["day", "week"]) -> str:
    if period == "day":
        return at.date().isoformat()
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def score_rollup(
    items: Iterable[Scored], by: Grouping, period: Literal["day", "week"] | None
) -> list[ScoreRow]:
    """Average score per group, and per period within it when asked (a trend)."""
    groups: dict[tuple[str, str], list[Scored]] = defaultdict(list)
    for item in items:
        if by in ("day", "week"):
            key = period_of(item.at, by)  # type: ignore[arg-type]
        else:
            key = (item.agent_id if by == "agent" else item.queue_id) or "(unknown)"
        groups[(key, period_of(item.at, period) if period else "")].append(item)
    return [
        ScoreRow(key=key, period=when, evaluations=len(rows),
                 average_score=round(sum(r.score for r in rows) / len(rows), 2),
                 failed_critical=sum(r.failed_critical for r in rows))
        for (key, when), rows in sorted(groups.items())
    ]


def questions_failed(sheets: Iterable[tuple[ScorecardDefinition, dict[str, Answer]]]) -> list[FailedQuestion]:
    """A yes/no answered no, or a scale answered below half, is a fail; n.a. is not counted."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    texts: dict[tuple[str, str], str] = {}
    for form, answers in sheets:
        for question in form.questions():
            answer = answers.get(question.key)
            value = numeric(question, answer.value) if answer is not None else None
            if value is None:
                continue
            slot = (form.name, question.key)
            texts[slot] = question.text
            counts[slot][0] += 1
            counts[slot][1] += value < 0.5
    rows = [FailedQuestion(scorecard=s, key=k, text=texts[(s, k)], answered=a, failed=f,
                           fail_rate=round(f / a, 4))
            for (s, k), (a, f) in counts.items()]
    return sorted(rows, key=lambda r: (-r.failed, -r.fail_rate, r.scorecard, r.key))


def to_csv(rows: Iterable[Any], row_type: type) -> str:
    """Dataclass rows as CSV; the header line names `row_type`'s fields even when there are no rows,
    so a spreadsheet or a script reading the export always finds its columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(row_type)])
    writer.writeheader()
    writer.writerows(asdict(row) for row in rows)
    return out.getvalue()
