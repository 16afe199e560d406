"""Calibration: several evaluators score the same contact; how far apart are they?"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import pstdev

from switchboard.qa.domain.scorecards import Answer, ScorecardDefinition, numeric


@dataclass(frozen=True)
class QuestionSpread:
    key: str
    values: list[float | None]  # per evaluator, 0..1; None for n.a. or unanswered
    spread: float               # max - min over the answered values
    stdev: float
    agree: bool


def spread_per_question(
    form: ScorecardDefinition, sheets: list[dict[str, Answer]]
) -> list[QuestionSpread]:
    result = []
    for question in form.questions():
        values = [
            numeric(question, sheet[question.key].value) if question.key in sheet else None
            for sheet in sheets
        ]
        answered = [v for v in values if v is not None]
        spread = max(answered) - min(answered) if answered else 0.0
        result.append(QuestionSpread(
            key=question.key, values=values, spread=round(spread, 4),
            stdev=round(pstdev(answered), 4) if len(answered) > 1 else 0.0,
            agree=spread == 0 and len(answered) in (0, len(values)),
        ))
    return sorted(result, key=lambda s: (-s.spread, s.key))
