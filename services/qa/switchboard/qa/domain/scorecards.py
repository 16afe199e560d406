"""Scorecards: forms of weighted questions, and the arithmetic of one evaluation.

A question is yes/no or a scale (0..scale_max), has a weight, may be critical
(a "no" fails the whole evaluation: score 0), may allow "n.a." (left out of the
total), may apply only to some channels, and may name the automatic check that
answers it. Score = 100 * points earned / points possible over the applicable,
answered-not-n.a. questions; 100 when every question is n.a.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from switchboard.qa.domain.checks import CheckResult

AUTO_CHECKS = (
    "greeting", "closing", "forbidden_phrases", "sensitive_data", "first_response", "response_time")
AnswerValue = Literal["yes", "no", "na"] | int


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    text: str = Field(min_length=1, max_length=500)
    kind: Literal["yes_no", "scale"] = "yes_no"
    weight: float = Field(default=1.0, gt=0, le=100)
    scale_max: int = Field(default=5, ge=1, le=10)
    critical: bool = False
    allow_na: bool = True
    channels: list[Literal["sms", "email", "chat", "voice"]] | None = None  # None: every channel
    auto_check: Literal[AUTO_CHECKS] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _rules(self) -> Question:
        if self.critical and self.kind != "yes_no":
            raise ValueError(f"question {self.key}: a critical question must be yes/no")
        if self.auto_check and self.kind != "yes_no":
            raise ValueError(f"question {self.key}: only a yes/no question can be answered by a check")
        return self

    def applies_to(self, channel: str) -> bool:
        return self.channels is None or channel in self.channels


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    questions: list[Question] = Field(min_length=1)


class ScorecardDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> ScorecardDefinition:
        keys = [q.key for q in self.questions()]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"question keys must be unique: {', '.join(duplicates)}")
        return self

    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: AnswerValue
    comment: str | None = Field(default=None, max_length=2000)


class AnswerError(ValueError):
    """An answer that does not fit the form; names the question."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"question {key}: {problem}")
        self.key = key


@dataclass(frozen=True)
class Score:
    score: float
    failed_critical: bool
    points: dict[str, float]  # question key -> points earned (applicable, not n.a.)


def check_answers(form: ScorecardDefinition, answers: dict[str, Answer], channel: str, *,
                  complete: bool) -> None:
    """Raise AnswerError for the first answer that does not fit (or, if `complete`, is missing)."""
    by_key = {q.key: q for q in form.questions()}
    for key, answer in answers.items():
        question = by_key.get(key)
        if question is None:
            raise AnswerError(key, "is not on this scorecard")
        _check_value(question, answer.value, channel)
    if complete:
        for question in form.questions():
            if question.applies_to(channel) and question.key not in answers:
                raise AnswerError(question.key, "is not answered")


def _check_value(question: Question, value: AnswerValue, channel: str) -> None:
    if not question.applies_to(channel):
        if value != "na":
            raise AnswerError(question.key, f"does not apply to {channel}; answer na")
        return
    if value == "na":
        if not question.allow_na:
            raise AnswerError(question.key, "must be answered (n.a. is not allowed)")
    elif question.kind == "yes_no" and value not in ("yes", "no"):
        raise AnswerError(question.key, "takes yes, no or na")
    elif question.kind == "scale" and (
        isinstance(value, str) or isinstance(value, bool) or not 0 <= value <= question.scale_max
    ):
        raise AnswerError(question.key, f"takes a number from 0 to {question.scale_max} or na")


def score(form: ScorecardDefinition, answers: dict[str, Answer], channel: str) -> Score:
    earned = possible = 0.0
    points: dict[str, float] = {}
    failed_critical = False
    for question in form.questions():
        answer = answers.get(question.key)
        if answer is None or answer.value == "na" or not question.applies_to(channel):
            continue
        if question.kind == "yes_no":
            got = question.weight if answer.value == "yes" else 0.0
            failed_critical = failed_critical or (question.critical and answer.value == "no")
        else:
            got = question.weight * float(answer.value) / question.scale_max
        points[question.key] = round(got, 4)
        earned += got
        possible += question.weight
    total = 100.0 if possible == 0 else 100.0 * earned / possible
    return Score(0.0 if failed_critical else round(total, 2), failed_critical, points)


def prefill(form: ScorecardDefinition, checks: list[CheckResult], channel: str) -> dict[str, Answer]:
    """Answers the automatic checks can give; a check with no verdict leaves the question open."""
    verdicts = {c.check: c for c in checks}
    answers: dict[str, Answer] = {}
    for question in form.questions():
        if not question.applies_to(channel):
            answers[question.key] = Answer(value="na", comment="does not apply to this channel")
            continue
        verdict = verdicts.get(question.auto_check or "")
        if verdict is not None and verdict.passed is not None:
            answers[question.key] = Answer(value="yes" if verdict.passed else "no",
                                           comment=f"automatic check: {verdict.detail}")
    return answers


def numeric(question: Question, value: AnswerValue) -> float | None:
    """An answer on 0..1, for comparing evaluators; None for n.a."""
    if value == "na":
        return None
    if question.kind == "yes_no":
        return 1.0 if value == "yes" else 0.0
    return float(value) / question.scale_max
