"""Ingest's tables: channels, conversations, messages, raw payloads, opt-outs, deliveries, calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import BackboneTables, UtcDateTime, service_metadata
from switchboard.common.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)


class Channel(TenantScoped, Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "address"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    # Write-only: used to check the provider's signatures, never returned or logged.
    signing_secret: Mapped[str] = mapped_column(String(255))
    credentials: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Answers an SMS HELP; unset, the tenant's help text (TenantSettings) answers.
    help_text: Mapped[str | None] = mapped_column(Text)


class TenantSettings(TenantScoped, Base):
    """Ingest's per-tenant settings: one row per tenant, created on first write."""

    __tablename__ = "tenant_settings"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    help_text: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Conversation(TenantScoped, Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_lookup", "channel_id", "customer_address", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    channel_kind: Mapped[str] = mapped_column(String(16))
    customer_address: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Message(TenantScoped, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "provider_message_id"),
        # a conversation's messages in order: SQLite (no statistics) took the tenant's index for it
        Index("ix_messages_tenant_conversation", "tenant_id", "conversation_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    direction: Mapped[str] = mapped_column(String(8))
    from_address: Mapped[str] = mapped_column(String(255))
    to_address: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text, default="")
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    subject: Mapped[str | None] = mapped_column(String(998))


class Attachment(TenantScoped, Base):
    """A file that came with a message. Over the size limit only its description is kept."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # its order in the message
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    content_id: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # None when over the limit
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RawPayload(TenantScoped, Base):
    """Exactly what the provider sent, kept for audit and re-parsing."""

    __tablename__ = "raw_payloads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id"))
    content_type: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OptOut(TenantScoped, Base):
    """An address that asked not to be contacted on a kind of channel (by keyword or by profile)."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("tenant_id", "channel_kind", "address"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    keyword: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Delivery(TenantScoped, Base):
    """One outbound send: accepted durably, then handed to the provider by the sender.

    Its id is the outbound message's id. A refused send (opted out, no channel)
    has no message and no conversation, only this row and its event.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_provider_id", "channel_id", "provider_message_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id"))
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    channel_id: Mapped[str | None] = mapped_column(ForeignKey("channels.id"))
    channel_kind: Mapped[str] = mapped_column(String(16))
    to_address: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(998))
    purpose: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # pending, sending, queued, sent, delivered, undelivered, failed, refused
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    attempt_id: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # A voice dial (channel_kind voice): what the call needs besides the number; see outbound/dials.py.
    dial: Mapped[dict[str, object] | None] = mapped_column(JSON)


class ChatSession(TenantScoped, Base):
    """A web-chat visitor's session: one conversation, reached with a bearer visitor token."""

    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the token; the token is not kept
    visitor_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Call(TenantScoped, Base):
    """A call the PBX or Twilio reported: its own conversation, and the facts of its life."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("channel_id", "provider_call_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    provider_call_id: Mapped[str] = mapped_column(String(255))
    direction: Mapped[str] = mapped_column(String(8))
    from_address: Mapped[str] = mapped_column(String(255))
    to_address: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # ringing, answered, ended
    answered_by: Mapped[str | None] = mapped_column(String(16))  # agent, customer, machine
    attempt_id: Mapped[str | None] = mapped_column(String(64))  # a campaign's dial
    keypad_answer: Mapped[str | None] = mapped_column(String(16))  # a keypad survey's digits
    ivr_selection: Mapped[str | None] = mapped_column(String(64))
    recording_ref: Mapped[str | None] = mapped_column(String(1024))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CallTranscript(TenantScoped, Base):
    """A finished call's transcript as the speech-to-text system posted it: one per call, final."""

    __tablename__ = "call_transcripts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    language: Mapped[str | None] = mapped_column(String(35))
    # [{"speaker", "text", "start_seconds", "end_seconds"}], in speaking order
    segments: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    request_hash: Mapped[str] = mapped_column(String(64))  # the same post again is a no-op
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EarlyReceipt(TenantScoped, Base):
    """A delivery report that came before the sender recorded the provider's id for its send.

    A fast gateway can report on a message in the instant between answering the send and our
    commit of its id; the report is held here, applied when the id is recorded, and dropped
    after a day if no send of ours ever takes that id.
    """

    __tablename__ = "early_receipts"
    __table_args__ = (
        UniqueConstraint("channel_id", "provider_message_id", "status"),
        Index("ix_early_receipts_received_at", "channel_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"))
    provider_message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # delivered, undelivered, failed, ...
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
