"""CSAT roll-ups: average score and the share of satisfied answers per agent, queue or period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

GroupBy = Literal["agent", "queue", "day", "week"]


@dataclass(frozen=True)
class Rated:
    agent_id: str | None
    queue_id: str | None
    score: int
    at: datetime


@dataclass(frozen=True)
class CsatRow:
    key: str
    responses: int
    average: float
    csat_percent: float  # share of answers at or above `satisfied_from` (top boxes)


def group_key(item: Rated, group_by: GroupBy) -> str:
    if group_by == "agent":
        return item.agent_id or "(unknown)"
    if group_by == "queue":
        return item.queue_id or "(unknown)"
    if group_by == "day":
        return item.at.date().isoformat()
    year, week, _ = item.at.isocalendar()
    return f"{year}-W{week:02d}"


def csat(items: list[Rated], group_by: GroupBy, satisfied_from: int) -> list[CsatRow]:
    groups: dict[str, list[int]] = defaultdict(list)
    for item in items:
        groups[group_key(item, group_by)].append(item.score)
    return [
        CsatRow(key=key, responses=len(scores), average=round(sum(scores) / len(scores), 2),
                csat_percent=round(100.0 * sum(s >= satisfied_from for s in scores) / len(scores), 1))
        for key, scores in sorted(groups.items())
    ]
