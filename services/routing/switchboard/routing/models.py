"""Routing's tables: skills, queues, rules, agents and their state history, tasks, offers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import AutoId, BackboneTables, UtcDateTime, service_metadata
from switchboard.common.tenancy import TenantScoped
from switchboard.routing import generation_triggers


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)


class Skill(TenantScoped, Base):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Queue(TenantScoped, Base):
    """A skill group: what it serves, how it picks agents, what it promises, how it escalates."""

    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    channels: Mapped[list[str]] = mapped_column(JSON)
    strategy: Mapped[str] = mapped_column(String(32))
    required_skills: Mapped[dict[str, int]] = mapped_column(JSON)
    sla_target: Mapped[float] = mapped_column(Float)
    sla_seconds: Mapped[int] = mapped_column(Integer)
    max_size: Mapped[int | None] = mapped_column(Integer)
    max_wait_seconds: Mapped[int | None] = mapped_column(Integer)
    # What a contact the queue cannot hold gets (full, or past max_wait): "abandon" or "message".
    limit_action: Mapped[str] = mapped_column(String(16), default="abandon", server_default="abandon")
    wrap_up_seconds: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    escalation: Mapped[dict[str, Any]] = mapped_column(JSON)
    # When blended agents may be lent to outbound (None: only while nothing of this queue waits).
    blending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RoutingRule(TenantScoped, Base):
    """Ordered, first-match: facts of a contact -> queue, priority, required skills."""

    __tablename__ = "routing_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    conditions: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    queue_id: Mapped[str] = mapped_column(ForeignKey("queues.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    required_skills: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Agent(TenantScoped, Base):
    """An agent; `id` is the subject of the agent's token. Busy is derived from load, never stored."""

    __tablename__ = "agents"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    skills: Mapped[dict[str, int]] = mapped_column(JSON)
    capacity: Mapped[dict[str, int]] = mapped_column(JSON)
    voice_exclusive: Mapped[bool] = mapped_column(Boolean, default=True)
    blended: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    state_since: Mapped[datetime] = mapped_column(UtcDateTime())
    idle_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    wrap_up_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    missed_offers: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AgentStateChange(TenantScoped, Base):
    """Every state an agent entered, sign-in and sign-out included (interval statistics read it)."""

    __tablename__ = "agent_state_history"
    __table_args__ = (Index("ix_agent_state_history_agent_at", "tenant_id", "agent_id", "at"),
                      Index("ix_agent_state_history_tenant_at", "tenant_id", "at"))

    seq: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Task(TenantScoped, Base):
    """One contact to be handled: pending (profile grace), queued (or `message`: in the queue's
    message backlog), offered, accepted, then closed."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_tenant_status", "tenant_id", "status"),
        Index("ix_tasks_tenant_conversation", "tenant_id", "conversation_id"),
        Index("ix_tasks_tenant_agent", "tenant_id", "agent_id"),
        # a customer's last completed task (the same agent again), and tasks by time (statistics):
        # without them both read every task of the tenant
        Index("ix_tasks_tenant_customer", "tenant_id", "customer_id", "ended_at"),
        Index("ix_tasks_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    queue_id: Mapped[str | None] = mapped_column(String(36))
    rule_id: Mapped[str | None] = mapped_column(String(36))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    rule_priority: Mapped[int] = mapped_column(Integer, default=0)
    required_skills: Mapped[dict[str, int]] = mapped_column(JSON)
    # Facts rules read (text is cleared once the task is routed: routing keeps no message content).
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    tier: Mapped[str | None] = mapped_column(String(32))
    profile_known: Mapped[bool] = mapped_column(Boolean, default=False)
    grace_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    agent_id: Mapped[str | None] = mapped_column(String(128))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disposition: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    call_id: Mapped[str | None] = mapped_column(String(64))
    attempt_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    wrap_seconds: Mapped[float | None] = mapped_column(Float)

    @property
    def callback(self) -> bool:
        """The caller hung up keeping the place: the agent who gets the task calls back."""
        return _callback(self.facts)

    @property
    def message_reason(self) -> str | None:
        """Why the contact left the live queue to leave a message (None: a live contact)."""
        return _message_reason(self.facts)

    @property
    def message(self) -> bool:
        """A message task: worked from the queue's backlog, after every live contact."""
        return self.message_reason is not None

    @property
    def recording_ref(self) -> str | None:
        """A voice message's recording, as the PBX named it when the call ended."""
        return _recording_ref(self.facts)


def _callback(facts: dict[str, Any]) -> bool:
    return bool(facts.get("callback"))


def _message_reason(facts: dict[str, Any]) -> str | None:
    return facts.get("message_reason")


def _recording_ref(facts: dict[str, Any]) -> str | None:
    return facts.get("recording_ref")


def facts_shown(facts: dict[str, Any]) -> dict[str, Any]:
    """What a task's facts tell an agent, as `Task`'s properties of the same names (for a task
    read as a row of columns rather than an instance)."""
    reason = _message_reason(facts)
    return {"callback": _callback(facts), "message_reason": reason, "message": reason is not None,
            "recording_ref": _recording_ref(facts)}


class Reservation(TenantScoped, Base):
    """One offer of a task to an agent and how it ended (accepted, rejected, expired, withdrawn)."""

    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_tenant_task", "tenant_id", "task_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    agent_id: Mapped[str] = mapped_column(String(128))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TenantRouting(TenantScoped, Base):
    """Per tenant: the voice availability last announced to the dialer, so a pass announces only
    a change, whichever replica made the pass before; and the generation of its agents, tasks,
    queues and rules, moved on by triggers with every change of any of them (`flow/hot.py`)."""

    __tablename__ = "tenant_routing"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    available_agents: Mapped[int] = mapped_column(Integer, default=0)
    blended_agents: Mapped[int] = mapped_column(Integer, default=0)
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # PostgreSQL: the transaction that moved the generation last (it moves once per transaction)
    last_txid: Mapped[int | None] = mapped_column(BigInteger)


# every change of an agent, task, queue or rule moves its tenant's generation, whoever makes it
generation_triggers.create_with(Base.metadata)
