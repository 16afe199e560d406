"""Ingest's API models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ChannelCreate(BaseModel):
    kind: Literal["sms", "email", "chat", "voice"]
    provider: Literal["generic", "twilio", "mailgun", "smtp", "sandbox", "pbx", "webchat"]
    address: str = Field(min_length=1, max_length=255, description="number, email address or widget id")
    name: str = Field(min_length=1, max_length=255)
    signing_secret: str = Field(min_length=16, max_length=255, description="write-only")
    credentials: dict[str, str] = Field(default_factory=dict, description="write-only")
    help_text: str | None = Field(None, min_length=1, max_length=1600,
                                  description="answers an SMS HELP; unset, the tenant's answers")


class ChannelUpdate(BaseModel):
    """Fields to change; those left out stay as they are. `null` clears the help text."""

    name: str | None = Field(None, min_length=1, max_length=255)
    signing_secret: str | None = Field(None, min_length=16, max_length=255, description="write-only")
    credentials: dict[str, str] | None = Field(None, description="write-only; replaces them all")
    help_text: str | None = Field(None, min_length=1, max_length=1600)


class TenantSettingsIn(BaseModel):
    help_text: str | None = Field(None, min_length=1, max_length=1600,
                                  description="answers an SMS HELP on channels without their own")


class TenantSettingsOut(TenantSettingsIn):
    default_help_text: str = Field(description="what answers HELP when neither is set")


class ChannelOut(BaseModel):
    """A channel as the API shows it: secrets and credentials are never returned."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    provider: str
    address: str
    name: str
    created_at: datetime
    has_credentials: bool = False
    help_text: str | None = None


class GenericSmsInbound(BaseModel):
    """The generic SMS gateway's inbound message."""

    message_id: str = Field(min_length=1, max_length=255, description="the gateway's own id")
    sender: str = Field(min_length=3, max_length=64, alias="from")
    recipient: str = Field(min_length=3, max_length=64, alias="to")
    text: str = Field(max_length=10_000)
    received_at: datetime | None = None


class GenericReceipt(BaseModel):
    """The generic gateway's delivery receipt for a message it sent for us."""

    message_id: str = Field(min_length=1, max_length=255,
                            description="the id the gateway answered the send with (else ours)")
    status: Literal["queued", "sent", "delivered", "undelivered", "failed", "read"]
    error: str | None = Field(None, max_length=1000)


class WebhookAccepted(BaseModel):
    status: Literal["accepted", "duplicate"]
    message_id: str
    conversation_id: str


class ReplyCreate(BaseModel):
    """A reply in a conversation: it goes to the conversation's customer on its channel."""

    text: str = Field(min_length=1, max_length=10_000, description="an SMS takes at most 1,600")
    purpose: Literal["service", "marketing"] = "service"
    subject: str | None = Field(None, max_length=998, description="email only")


class MessageCreate(ReplyCreate):
    """A message that starts (or joins the open) conversation with someone on a channel."""

    channel_id: str = Field(min_length=1, max_length=36)
    to: str = Field(min_length=3, max_length=255, description="number or address")


class OutboundOut(BaseModel):
    """An outbound message and where its delivery stands."""

    id: str
    conversation_id: str | None
    channel_id: str | None
    purpose: str
    status: Literal["pending", "sending", "queued", "sent", "delivered", "undelivered",
                    "failed", "refused", "read"]
    attempts: int
    error: str | None
    provider_message_id: str | None
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    """A message in a conversation's history; outbound ones carry their delivery state."""

    id: str
    direction: Literal["in", "out"]
    from_address: str
    to_address: str
    text: str
    created_at: datetime
    status: str | None = None
    subject: str | None = None


class TranscriptSegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker: Literal["agent", "customer"]
    text: str = Field(min_length=1, max_length=10_000)
    start: float = Field(ge=0, description="seconds from the call's answer (else its start)")
    end: float = Field(ge=0, description="seconds from the call's answer (else its start)")

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> TranscriptSegmentIn:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class TranscriptIn(BaseModel):
    """A finished call's transcript, as a speech-to-text system posts it."""

    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(None, min_length=2, max_length=35, description="BCP 47, e.g. zh-CN")
    segments: list[TranscriptSegmentIn] = Field(min_length=1, max_length=5_000)


class TranscriptOut(BaseModel):
    status: Literal["accepted", "duplicate"]
    transcript_id: str
    call_id: str
    conversation_id: str
    segments: int
