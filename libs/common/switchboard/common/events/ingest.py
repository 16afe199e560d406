"""Events published by `ingest`: channels in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from switchboard.common.events.base import Payload, register

Channel = Literal["sms", "email", "chat", "voice"]
Purpose = Literal["service", "marketing"]


class _Ingest(Payload):
    service = "ingest"


@register
class ConversationOpened(_Ingest):
    name = "conversation.opened"
    summary = "A new conversation began on a channel (first inbound message, call or chat)."
    conversation_id: str
    channel: Channel
    channel_id: str
    customer_address: str
    direction: Literal["inbound", "outbound"] = "inbound"
    opened_at: datetime


@register
class MessageReceived(_Ingest):
    name = "message.received"
    summary = "A customer's message was accepted durably from a provider."
    message_id: str
    conversation_id: str
    channel: Channel
    channel_id: str
    from_address: str
    to_address: str
    text: str = ""
    subject: str | None = None
    attachment_count: int = 0
    provider_message_id: str | None = None
    received_at: datetime


@register
class MessageSent(_Ingest):
    name = "message.sent"
    summary = "An outbound message was handed to its provider."
    message_id: str
    conversation_id: str
    channel: Channel
    to_address: str
    purpose: Purpose = "service"
    sent_by: str | None = None
    attempt_id: str | None = None
    sent_at: datetime
    text: str | None = None  # what was said, for the transcript quality checks


@register
class MessageDeliveryUpdated(_Ingest):
    name = "message.delivery_updated"
    summary = "A provider reported a new delivery state for an outbound message."
    message_id: str
    status: Literal["queued", "sent", "delivered", "undelivered", "failed", "read"]
    error: str | None = None
    attempt_id: str | None = None
    updated_at: datetime
    conversation_id: str | None = None


class _CallEvent(_Ingest):
    call_id: str
    conversation_id: str
    from_address: str
    to_address: str
    direction: Literal["inbound", "outbound"] = "inbound"
    at: datetime
    attempt_id: str | None = None


@register
class CallStarted(_CallEvent):
    name = "call.started"
    summary = "A call is ringing (inbound from the PBX, or an outbound dial placed)."
    ivr_selection: str | None = None


@register
class CallAnswered(_CallEvent):
    name = "call.answered"
    summary = "A call was answered (by an agent, or by the customer on an outbound dial)."
    answered_by: Literal["agent", "customer", "machine"] = "agent"


@register
class CallEnded(_CallEvent):
    name = "call.ended"
    summary = "A call ended; abandoned calls never reached an agent."
    abandoned: bool = False
    talk_seconds: float = 0.0
    recording_ref: str | None = None
    outcome: Literal["completed", "busy", "no_answer", "failed", "machine", "abandoned"] = (
        "completed"
    )


@register
class CallKeypadAnswered(_CallEvent):
    name = "call.keypad_answered"
    summary = "The callee pressed keys in answer to a question the call asked (a keypad survey)."
    digits: str


class TranscriptSegment(BaseModel):
    """One speaker's turn: who spoke, what was said, and when (offsets from the call's answer)."""

    model_config = ConfigDict(frozen=True)
    segment_id: str
    speaker: Literal["agent", "customer"]
    text: str
    start_seconds: float
    end_seconds: float
    at: datetime  # the call's answer (else its start) plus `start_seconds`


@register
class CallTranscribed(_Ingest):
    name = "call.transcribed"
    summary = "A speech-to-text system posted a finished call's transcript, in speaking order."
    transcript_id: str
    call_id: str
    conversation_id: str
    channel: Channel = "voice"
    direction: Literal["inbound", "outbound"] = "inbound"
    language: str | None = None
    segments: list[TranscriptSegment]
    transcribed_at: datetime


@register
class ConversationClosed(_Ingest):
    name = "conversation.closed"
    summary = "A conversation closed, by inactivity or by an agent."
    conversation_id: str
    channel: Channel
    reason: Literal["inactivity", "agent", "customer", "system"]
    closed_at: datetime


@register
class ConsentOptedOut(_Ingest):
    name = "consent.opted_out"
    summary = "A customer opted out by keyword (STOP, 退订, TD ...) on a channel."
    channel: Channel
    address: str
    keyword: str
    conversation_id: str | None = None
    at: datetime


@register
class SendMessage(_Ingest):
    name = "cmd.send"
    summary = "Command: send a message through ingest (never lost while ingest is down)."
    channel: Channel
    to_address: str
    text: str
    purpose: Purpose = "service"
    conversation_id: str | None = None
    subject: str | None = None
    idempotency_key: str
    requested_by: str | None = None
    channel_id: str | None = None
