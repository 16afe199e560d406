"""Profile's tables: customers, identities, tiers, conversations, consent, timeline, settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import BackboneTables, UtcDateTime, service_metadata
from switchboard.common.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)


class TenantSettings(TenantScoped, Base):
    __tablename__ = "tenant_settings"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    default_region: Mapped[str | None] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    marketing_requires_opt_in: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Tier(TenantScoped, Base):
    """A tenant-defined customer tier; a higher rank is the more valued one."""

    __tablename__ = "tiers"

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(255), default="")


class Customer(TenantScoped, Base):
    __tablename__ = "customers"
    # segment members are read in (tenant, id) order, a page at a time
    __table_args__ = (Index("ix_customers_tenant_order", "tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    tier: Mapped[str] = mapped_column(String(32), default="standard")
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    birthday: Mapped[date | None] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    last_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    merged_into: Mapped[str | None] = mapped_column(String(36))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Identity(TenantScoped, Base):
    """A phone, email, chat visitor or external id that points at one customer."""

    __tablename__ = "identities"
    # (tenant, customer): a page of customers' identities is one index search, not a tenant scan
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "value"),
                      Index("ix_identities_tenant_customer", "tenant_id", "customer_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Conversation(TenantScoped, Base):
    """A conversation ingest opened, linked to its customer; open ones are 'open items'."""

    __tablename__ = "conversations"
    # tenant first, so that the planner (SQLite's, with no statistics) prefers it to the tenant's
    # own index for a customer's conversations
    __table_args__ = (
        Index("ix_conversations_customer_activity", "tenant_id", "customer_id", "last_contact_at"),
    )

    tenant_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_contact_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disposition: Mapped[str | None] = mapped_column(String(64))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Consent(TenantScoped, Base):
    """Consent for one contact point (channel + address) and purpose, with source and time."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "address", "purpose"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DoNotContact(TenantScoped, Base):
    """A tenant's do-not-contact entry: no marketing or survey contact on this address."""

    __tablename__ = "do_not_contact"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "address"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TimelineEntry(TenantScoped, Base):
    __tablename__ = "timeline"
    # tenant first: with `customer_id` alone SQLite, which plans without statistics, read a batch's
    # recent entries through the tenant's index, every entry of the tenant (570 ms a batch of 64
    # senders at 1,000,000 customers)
    __table_args__ = (Index("ix_timeline_customer_time", "tenant_id", "customer_id", "occurred_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Segment(TenantScoped, Base):
    """A named, rule-based set of customers (rules in `domain/segments.py`)."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccessRecord(TenantScoped, Base):
    """Who viewed, exported, merged or erased which customer, and when (kept after erasure)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_customer_time", "tenant_id", "customer_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
