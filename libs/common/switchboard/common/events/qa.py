"""Events published by `qa`: evaluations and alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from switchboard.common.events.base import Payload, register


class _QA(Payload):
    service = "qa"


@register
class EvaluationCompleted(_QA):
    name = "evaluation.completed"
    summary = "An evaluation of a contact was submitted with its score."
    evaluation_id: str
    conversation_id: str
    agent_id: str | None = None
    customer_id: str | None = None
    scorecard_id: str
    scorecard_version: int
    score: float
    failed_critical: bool = False
    at: datetime


@register
class AlertRaised(_QA):
    name = "alert.raised"
    summary = "A live quality alert: sentiment drop, forbidden phrase, sensitive data."
    alert_id: str
    conversation_id: str
    agent_id: str | None = None
    kind: Literal["sentiment_drop", "forbidden_phrase", "sensitive_data", "sla_breach"]
    severity: Literal["info", "warning", "critical"] = "warning"
    detail: str
    at: datetime
