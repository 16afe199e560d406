"""Events published by `campaign`: outbound attempts, dials and surveys."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from switchboard.common.events.base import Payload, register


class _Campaign(Payload):
    service = "campaign"


@register
class AttemptRequested(_Campaign):
    name = "attempt.requested"
    summary = "Campaign asks ingest to send or dial one contact; carries the rule that allowed it."
    attempt_id: str
    campaign_id: str
    channel: Literal["sms", "email", "voice"]
    to_address: str
    text: str | None = None
    subject: str | None = None
    purpose: Literal["service", "marketing"] = "marketing"
    customer_id: str | None = None
    allowed_by: str
    information_message: str | None = None  # voice: what a call the dialer abandons plays
    ring_seconds: float | None = None  # voice: ring an unanswered call at least this long
    survey_kind: Literal["csat", "nps"] | None = None  # a survey: `text` is its question (voice: keypad)
    # The end of the calling window that allowed it: not sent or dialled after this instant.
    not_after: datetime | None = None


@register
class DialAnswered(_Campaign):
    name = "dial.answered"
    summary = "An outbound call was answered by a person and must reach an agent within 2 s."
    attempt_id: str
    campaign_id: str
    call_id: str
    conversation_id: str
    reserved_agent_id: str | None = None
    at: datetime


@register
class AttemptCompleted(_Campaign):
    name = "attempt.completed"
    summary = "An attempt ended with an outcome and, for voice, a disposition."
    attempt_id: str
    campaign_id: str
    customer_id: str | None = None
    outcome: str
    disposition: str | None = None
    agent_id: str | None = None
    at: datetime


@register
class SurveyResponseRecorded(_Campaign):
    name = "survey.response_recorded"
    summary = "A survey answer (CSAT/NPS) matched to its conversation and agent."
    survey_id: str
    conversation_id: str | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    question: str
    score: int | None = None
    answer: str | None = None
    at: datetime


@register
class AttemptDispositioned(_Campaign):
    name = "attempt.dispositioned"
    summary = ("An agent closed an answered attempt with a disposition code; do-not-call carries the "
               "channel and address so profile can record the refusal.")
    attempt_id: str
    campaign_id: str
    customer_id: str | None = None
    disposition: str
    effect: Literal["converted", "callback", "closed", "do_not_call"]
    agent_id: str | None = None
    callback_at: datetime | None = None
    channel: Literal["sms", "email", "voice"] | None = None
    address: str | None = None
    at: datetime


@register
class CallbackScheduled(_Campaign):
    name = "callback.scheduled"
    summary = "A call-back is owed (promised, after a complaint, or after an abandoned contact)."
    callback_id: str
    campaign_id: str | None = None
    customer_id: str | None = None
    reason: Literal["promised", "complaint", "abandoned"]
    agent_id: str | None = None
    due_at: datetime
    deadline_at: datetime | None = None
