"""QA's tables: transcripts (redacted), their checks and sentiment, alerts, tenant rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import BackboneTables, UtcDateTime, service_metadata
from switchboard.common.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)


class Contact(TenantScoped, Base):
    """One conversation as QA sees it: who handled it, its checks and the customer's mood."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "conversation_id"),
        Index("ix_contacts_tenant_agent", "tenant_id", "agent_id"),
        # a customer's contacts, and the latest handle times of a channel: not every contact
        Index("ix_contacts_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_contacts_tenant_channel_updated", "tenant_id", "channel", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(64))
    handle_seconds: Mapped[float | None] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    sentiment: Mapped[float | None] = mapped_column(Float)
    growing_angrier: Mapped[bool] = mapped_column(Boolean, default=False)
    # a customer line has one of the sampling rules' complaint phrases (kept for the hot topics)
    customer_complained: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sensitive_data: Mapped[bool] = mapped_column(Boolean, default=False)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TranscriptMessage(TenantScoped, Base):
    """One message of a transcript, stored only after redaction."""

    __tablename__ = "transcript_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_id"),
        Index("ix_transcript_messages_conversation", "tenant_id", "conversation_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text, default="")
    redactions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8))
    sentiment: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Alert(TenantScoped, Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("tenant_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)  # per-tenant cursor for the live stream
    conversation_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertCounter(TenantScoped, Base):
    """The tenant's last alert seq. Taking the next one locks this row until commit, so alerts
    are numbered in commit order and a live reader never skips one."""

    __tablename__ = "alert_counters"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class TenantRules(TenantScoped, Base):
    __tablename__ = "tenant_rules"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Scorecard(TenantScoped, Base):
    __tablename__ = "scorecards"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ScorecardVersion(TenantScoped, Base):
    """A version is never changed once written: evaluations point at the one they used."""

    __tablename__ = "scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scorecard_id: Mapped[str] = mapped_column(ForeignKey("scorecards.id"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Evaluation(TenantScoped, Base):
    __tablename__ = "evaluations"
    __table_args__ = (
        Index("ix_evaluations_tenant_evaluator", "tenant_id", "evaluator_id", "status"),
        Index("ix_evaluations_tenant_agent", "tenant_id", "agent_id"),
        Index("ix_evaluations_tenant_conversation", "tenant_id", "conversation_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    scorecard_version_id: Mapped[str] = mapped_column(ForeignKey("scorecard_versions.id"))
    evaluator_id: Mapped[str] = mapped_column(String(128))
    calibration_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(64))  # manual, a sampling rule, calibration
    # assigned -> submitted -> acknowledged | disputed -> re_reviewed
    status: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    prefilled: Mapped[list[str]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    failed_critical: Mapped[bool] = mapped_column(Boolean, default=False)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    review_comment: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[str] = mapped_column(String(128))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SurveyResponse(TenantScoped, Base):
    """A CSAT answer from campaign, kept with the agent and queue it is about."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_tenant_at", "tenant_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(500))
    score: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class SamplingConfig(TenantScoped, Base):
    __tablename__ = "sampling_configs"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AgentRecord(TenantScoped, Base):
    """When QA first saw an agent handle a contact: 'agents in their first weeks'."""

    __tablename__ = "agent_records"
    __table_args__ = (UniqueConstraint("tenant_id", "agent_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    first_contact_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AgentActivity(TenantScoped, Base):
    """One fact about an agent's work, from routing and campaign, for the KPIs."""

    __tablename__ = "agent_activities"
    __table_args__ = (Index("ix_agent_activities_tenant_at", "tenant_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # offered, accepted, completed, state, attempt
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    seconds: Mapped[float | None] = mapped_column(Float)  # wait (accepted) or handle (completed)
    detail: Mapped[str | None] = mapped_column(String(64))  # the state, or an attempt's outcome


class ExamScore(TenantScoped, Base):
    __tablename__ = "exam_scores"
    __table_args__ = (Index("ix_exam_scores_tenant_agent", "tenant_id", "agent_id", "taken_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
    entered_by: Mapped[str] = mapped_column(String(128))


class KpiConfig(TenantScoped, Base):
    __tablename__ = "kpi_configs"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactTopic(TenantScoped, Base):
    """A topic word a customer brought up in a contact, once per contact, dated by its first mention."""

    __tablename__ = "contact_topics"
    __table_args__ = (
        UniqueConstraint("tenant_id", "conversation_id", "term"),
        Index("ix_contact_topics_tenant_at", "tenant_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    term: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
