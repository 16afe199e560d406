"""Matching a customer's reply (e.g. "5") to the survey last sent to that address."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

SurveyKind = Literal["csat", "nps"]
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10)}
SCORE_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.!]?\s*$")


@dataclass(frozen=True)
class SentSurvey:
    survey_id: str
    kind: SurveyKind
    address: str
    sent_at: datetime
    conversation_id: str | None
    agent_id: str | None
    answer_window: timedelta = timedelta(hours=48)


def score_of(reply: str, kind: SurveyKind) -> int | None:
    """The score a reply gives on the survey's scale, or None when it is not a score."""
    match = SCORE_REPLY.match(reply)
    if not match:
        return None
    low, high = SCALES[kind]
    score = int(match.group(1))
    return score if low <= score <= high else None


def match_reply(
    surveys: Iterable[SentSurvey], address: str, reply: str, at: datetime
) -> tuple[SentSurvey, int] | None:
    """The newest survey to this address still open at `at` whose scale the reply fits."""
    open_ones = [
        s for s in surveys
        if s.address == address and s.sent_at <= at <= s.sent_at + s.answer_window
    ]
    for survey in sorted(open_ones, key=lambda s: s.sent_at, reverse=True):
        score = score_of(reply, survey.kind)
        if score is not None:
            return survey, score
    return None
