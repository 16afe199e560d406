"""QA's API request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


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
