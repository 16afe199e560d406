"""Campaign's tables: campaigns, lists and their contacts, attempts, consent, surveys, callbacks.

A journey is a campaign of kind `journey`: each triggering event adds one contact to it,
and the same scheduler sends it, so journeys obey windows, quiet hours and caps too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import BackboneTables, UtcDateTime, service_metadata
from switchboard.common.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)


class Campaign(TenantScoped, Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # preview | progressive | predictive | sms_blast | email_blast | survey | journey
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))  # voice | sms | email
    purpose: Mapped[str] = mapped_column(String(10), default="marketing")
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    message_template: Mapped[str | None] = mapped_column(Text)
    # per customer language ("en", "zh"), falling back to message_template
    templates: Mapped[dict[str, str] | None] = mapped_column(JSON)
    email_subject: Mapped[str | None] = mapped_column(String(255))
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)  # windows.Schedule as JSON
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_minutes: Mapped[dict[str, int]] = mapped_column(JSON)  # outcome -> minutes
    weekly_cap: Mapped[int] = mapped_column(Integer, default=3)
    default_region: Mapped[str] = mapped_column(String(2), default="CN")
    default_time_zone: Mapped[str | None] = mapped_column(String(64))
    survey_kind: Mapped[str | None] = mapped_column(String(8))  # csat | nps
    journey_trigger: Mapped[str | None] = mapped_column(String(40), index=True)
    journey_segment: Mapped[str | None] = mapped_column(String(64))  # a profile segment's id
    disposition_codes: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    # the questionnaire agents fill per contact: [{id, text, kind, choices?}]
    questions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    queue_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ContactList(TenantScoped, Base):
    """One upload (or other source) into a campaign, with the report of its rejected rows."""

    __tablename__ = "contact_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # csv
    accepted: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{line, reason}]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Contact(TenantScoped, Base):
    """One recipient of one campaign and where they stand in it."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "address", "dedupe_key"),
        Index("ix_contacts_due", "campaign_id", "status", "next_attempt_at"),
        # a customer's contacts (a zone profile learned, a merge, an erasure, their number); the
        # tenant's alone by its prefix, so it takes the place of the tenant index (one index fewer
        # to grow on each row of a list)
        Index("ix_contacts_customer", "tenant_id", "customer_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(63))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    list_id: Mapped[str | None] = mapped_column(String(36))
    address: Mapped[str] = mapped_column(String(255))  # E.164 phone or email
    # '' on lists (one row per address); a journey keys each send by what triggered it
    dedupe_key: Mapped[str] = mapped_column(String(64), default="")
    zones: Mapped[str] = mapped_column(String(255), default="")  # space-separated IANA zones
    # the list's time_zone column named the zone: what profile later learns does not move it
    zone_given: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    customer_id: Mapped[str | None] = mapped_column(String(36))
    language: Mapped[str | None] = mapped_column(String(16))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    # pending | previewing (an agent reads it) | in_progress | done | suppressed | exhausted | expired
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts_made: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # a send that is only worth making by then (a birthday greeting on the day): closed as
    # expired after it; attempts requested for it carry it as their `not_after`
    not_after: Mapped[datetime | None] = mapped_column(UtcDateTime())
    suppressed_reason: Mapped[str | None] = mapped_column(String(32))
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[dict[str, str] | None] = mapped_column(JSON)  # question id -> answer
    callback_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    callback_agent_id: Mapped[str | None] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(64))  # what a journey reacts to
    agent_id: Mapped[str | None] = mapped_column(String(64))  # the agent who served it
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Attempt(TenantScoped, Base):
    """One send or dial, with the rule that allowed it and how it ended."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_address_time", "tenant_id", "address", "requested_at"),
        # a campaign's attempts (pacing's answer and abandon rates, the funnel) and a conversation's
        # (a reply matched to its attempt): without them SQLite read every attempt of the tenant
        Index("ix_attempts_tenant_campaign", "tenant_id", "campaign_id", "requested_at"),
        Index("ix_attempts_tenant_conversation", "tenant_id", "conversation_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(10))
    allowed_by: Mapped[str] = mapped_column(String(255))
    # requested | sent | ringing | answered | ended
    status: Mapped[str] = mapped_column(String(12), default="requested")
    outcome: Mapped[str | None] = mapped_column(String(16))
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(32))
    disposition_notes: Mapped[str | None] = mapped_column(Text)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Consent(TenantScoped, Base):
    """The latest consent known for an address, kept from profile's and ingest's events."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "address", "purpose"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(255))
    # marketing | service | all (a STOP keyword) | dnc (a do-not-call disposition)
    purpose: Mapped[str] = mapped_column(String(10))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SurveyResponse(TenantScoped, Base):
    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), unique=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Callback(TenantScoped, Base):
    """A promised or owed call-back, tracked against its due time and deadline."""

    __tablename__ = "callbacks"
    # the recent complaint callbacks of a pass's addresses, not every callback of the tenant
    __table_args__ = (Index("ix_callbacks_tenant_address", "tenant_id", "address", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str | None] = mapped_column(String(36), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(36))
    address: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(16))  # promised | complaint | abandoned
    agent_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AgentAvailability(TenantScoped, Base):
    """The latest number of agents routing reports free for outbound, per queue ('' = all)."""

    __tablename__ = "agent_availability"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    queue_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    available: Mapped[int] = mapped_column(Integer)
    blended: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Conversation(TenantScoped, Base):
    """Who an inbound conversation is with, so a journey can answer the right address."""

    __tablename__ = "conversations"
    # a customer's conversations (their number, a merge, an erasure); the tenant's by its prefix
    __table_args__ = (Index("ix_conversations_customer", "tenant_id", "customer_id"),)

    tenant_id: Mapped[str] = mapped_column(String(63))
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class KnownCustomer(TenantScoped, Base):
    """What profile has told campaign about a customer, for lists built from a segment."""

    __tablename__ = "known_customers"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(32), default="standard")
    segments: Mapped[list[str]] = mapped_column(JSON)  # from profile.contact.identified
    tags: Mapped[list[str]] = mapped_column(JSON)  # from profile.customer.updated
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TenantSettings(TenantScoped, Base):
    """Rules of the tenant that every campaign obeys on top of its own."""

    __tablename__ = "tenant_settings"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    quiet_hours: Mapped[list[list[str]]] = mapped_column(JSON)  # [["12:00", "14:00"], ...]
    holidays: Mapped[list[str]] = mapped_column(JSON)  # ISO dates
    weekly_marketing_cap: Mapped[int | None] = mapped_column(Integer)
    information_message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
