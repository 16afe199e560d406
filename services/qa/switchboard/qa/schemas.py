"""QA's API request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from switchboard.qa.domain.scorecards import Answer
from switchboard.qa.models import Evaluation, ScorecardVersion


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: str
    role: str
    agent_id: str | None
    text: str
    redactions: dict[str, int]
    language: str
    sentiment: float
    at: datetime


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    conversation_id: str
    channel: str
    agent_id: str | None
    queue_id: str | None
    task_id: str | None
    disposition: str | None
    handle_seconds: float | None
    opened_at: datetime
    closed_at: datetime | None
    message_count: int
    sentiment: float | None
    growing_angrier: bool
    sensitive_data: bool
    checks: list[dict[str, Any]]


class TranscriptOut(ContactOut):
    messages: list[MessageOut]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    seq: int
    conversation_id: str
    agent_id: str | None
    kind: str
    severity: str
    detail: str
    at: datetime


class ScorecardOut(BaseModel):
    id: str
    name: str
    version: int
    current_version: int
    definition: dict[str, Any]
    created_at: datetime


class AssignEvaluation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str
    scorecard_id: str
    evaluator_id: str = Field(min_length=1, max_length=128)


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Answer] = Field(default_factory=dict)
    comment: str | None = Field(default=None, max_length=4000)


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluator_id: str = Field(min_length=1, max_length=128)


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class ReReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Answer] = Field(default_factory=dict)
    comment: str = Field(min_length=1, max_length=4000)


class EvaluationOut(BaseModel):
    id: str
    conversation_id: str
    channel: str
    agent_id: str | None
    scorecard_version_id: str
    evaluator_id: str
    calibration_id: str | None
    reason: str
    status: str
    answers: dict[str, Any]
    prefilled: list[str]
    comment: str | None
    score: float | None
    failed_critical: bool
    dispute_reason: str | None
    review_comment: str | None
    assigned_at: datetime
    submitted_at: datetime | None
    scorecard_id: str
    version: int  # the scorecard version the evaluation was made with (scored against)

    @classmethod
    def of(cls, evaluation: Evaluation, form: ScorecardVersion) -> EvaluationOut:
        own = {name: getattr(evaluation, name) for name in cls.model_fields
               if name not in ("scorecard_id", "version")}
        return cls(**own, scorecard_id=form.scorecard_id, version=form.version)


class CalibrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str
    scorecard_id: str
    evaluator_ids: list[str] = Field(min_length=2, max_length=20)


class QuestionSpreadOut(BaseModel):
    key: str
    values: list[float | None]
    spread: float
    stdev: float
    agree: bool


class CalibrationOut(BaseModel):
    calibration_id: str
    conversation_id: str
    evaluations: list[EvaluationOut]
    submitted: int
    score_spread: float | None
    questions: list[QuestionSpreadOut]
