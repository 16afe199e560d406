"""Profile's SQL for resolving a batch of inbound contacts: Core statements, a few per batch.

The consumer hands profile a fetch of `message.received` events at a time. Building an
ORM object and a statement per event cost ~3.6 ms of the event loop per event
(docs/performance.md); these reads and writes each cover the whole batch instead.
At the rates a contact center sees, a fetch holds an event or two, so what a batch costs
whatever its size counts as much: every statement is built once, here, with bound
parameters, and the reads go straight to SQLite's driver on the consumer's worker thread
(`fetch_all`). Every statement filters on tenant_id itself, a bound `tenant`: the session's
tenant net does not reach Core statements on tables, nor the driver (`all_tenants`, `HOT`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.common.sqlite_thread import execute_many, fetch_all
from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import Conversation, Customer, Identity, TenantSettings, TimelineEntry
from switchboard.profile.repository import HOT, INBOUND_KINDS

customers, identities = Customer.__table__, Identity.__table__
conversations, timeline = Conversation.__table__, TimelineEntry.__table__
settings_table = TenantSettings.__table__


class KnownCustomer(NamedTuple):
    kind: str
    value: str
    id: str
    tier: str
    tags: list[str] | None
    language: str | None
    time_zone: str | None
    last_contact_at: datetime | None


class ContactPoint(NamedTuple):
    customer_id: str
    kind: str
    value: str


class InboundEntry(NamedTuple):
    customer_id: str
    id: str
    occurred_at: datetime
    channel: str
    conversation_id: str | None
    resolved: bool | None


class KnownConversation(NamedTuple):
    id: str
    last_contact_at: datetime
    resolved: bool


class ContactSettings(NamedTuple):
    default_region: str | None
    time_zone: str | None
    marketing_requires_opt_in: bool


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def settings(self, tenant: str) -> ContactSettings | None:
        rows = await fetch_all(self.session, _SETTINGS, {"tenant": tenant})
        return ContactSettings._make(rows[0]) if rows else None

    async def customers_by_identity(
        self, tenant: str, keys: Iterable[IdentityKey]
    ) -> dict[IdentityKey, KnownCustomer]:
        wanted = set(keys)
        if not wanted:
            return {}
        rows = await fetch_all(self.session, _BY_IDENTITY, {
            "tenant": tenant, "kinds": sorted({k.kind for k in wanted}),
            "values": sorted({k.value for k in wanted})})
        found = (KnownCustomer._make(row) for row in rows)
        return {key: row for row in found if (key := IdentityKey(row.kind, row.value)) in wanted}

    async def contact_points(self, tenant: str, customer_ids: Iterable[str]) -> list[ContactPoint]:
        """(customer_id, kind, value) of every identity of these customers."""
        ids = sorted(set(customer_ids))
        if not ids:
            return []
        rows = await fetch_all(self.session, _CONTACT_POINTS, {"tenant": tenant, "ids": ids})
        return [ContactPoint._make(row) for row in rows]

    async def inbound_since(
        self, tenant: str, customer_ids: Iterable[str], since: datetime
    ) -> list[InboundEntry]:
        """Inbound timeline entries since `since`, with their conversation's resolved flag."""
        ids = sorted(set(customer_ids))
        if not ids:
            return []
        rows = await fetch_all(self.session, _INBOUND_SINCE, {"tenant": tenant, "ids": ids, "since": since})
        return [InboundEntry._make(row) for row in rows]

    async def latest_inbound(self, tenant: str, customer_ids: Iterable[str]) -> list[InboundEntry]:
        """Each customer's latest inbound entries (ties included) with their resolved flag."""
        ids = sorted(set(customer_ids))
        if not ids:
            return []
        rows = await fetch_all(self.session, _LATEST_INBOUND, {"tenant": tenant, "ids": ids})
        return [InboundEntry._make(row) for row in rows]

    async def conversations(
        self, tenant: str, conversation_ids: Iterable[str]
    ) -> dict[str, KnownConversation]:
        ids = sorted(set(conversation_ids))
        if not ids:
            return {}
        rows = await fetch_all(self.session, _CONVERSATIONS, {"tenant": tenant, "ids": ids})
        return {row[0]: KnownConversation._make(row) for row in rows}

    async def insert(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        await execute_many(self.session, _INSERTS[table_name], rows)

    async def touch_conversations(self, tenant: str, last_contact: dict[str, datetime]) -> None:
        await execute_many(self.session, _TOUCH_CONVERSATIONS, [
            {"tenant": tenant, "cid": cid, "at": at} for cid, at in last_contact.items()])

    async def touch_customers(self, tenant: str, last_contact: dict[str, datetime]) -> None:
        await execute_many(self.session, _TOUCH_CUSTOMERS, [
            {"tenant": tenant, "cid": cid, "at": at} for cid, at in last_contact.items()])


_P = bindparam


def _inbound_with_resolution() -> Any:
    return (
        select(timeline.c.customer_id, timeline.c.id, timeline.c.occurred_at, timeline.c.channel,
               timeline.c.conversation_id, conversations.c.resolved)
        .outerjoin(conversations, and_(conversations.c.tenant_id == timeline.c.tenant_id,
                                       conversations.c.id == timeline.c.conversation_id))
    )


def _newest_inbound() -> Any:
    later = timeline.alias("later")
    return (
        select(func.max(later.c.occurred_at))
        .where(later.c.tenant_id == timeline.c.tenant_id,
               later.c.customer_id == timeline.c.customer_id, later.c.kind.in_(INBOUND_KINDS))
        .scalar_subquery()
    )


_SETTINGS = select(
    settings_table.c.default_region, settings_table.c.time_zone,
    settings_table.c.marketing_requires_opt_in,
).where(settings_table.c.tenant_id == _P("tenant")).execution_options(**HOT)
# kind IN and value IN (then exact pairs in Python): SQLite searches the unique index
_BY_IDENTITY = (
    select(identities.c.kind, identities.c.value, customers.c.id, customers.c.tier,
           customers.c.tags, customers.c.language, customers.c.time_zone, customers.c.last_contact_at)
    .join(customers, customers.c.id == identities.c.customer_id)
    .where(identities.c.tenant_id == _P("tenant"),
           identities.c.kind.in_(_P("kinds", expanding=True)),
           identities.c.value.in_(_P("values", expanding=True)))
    .execution_options(**HOT)
)
_CONTACT_POINTS = (
    select(identities.c.customer_id, identities.c.kind, identities.c.value)
    .where(identities.c.tenant_id == _P("tenant"), identities.c.customer_id.in_(_P("ids", expanding=True)))
    .execution_options(**HOT)
)
_INBOUND_SINCE = _inbound_with_resolution().where(
    timeline.c.tenant_id == _P("tenant"), timeline.c.customer_id.in_(_P("ids", expanding=True)),
    timeline.c.kind.in_(INBOUND_KINDS), timeline.c.occurred_at >= _P("since"),
).execution_options(**HOT)
_LATEST_INBOUND = _inbound_with_resolution().where(
    timeline.c.tenant_id == _P("tenant"), timeline.c.customer_id.in_(_P("ids", expanding=True)),
    timeline.c.kind.in_(INBOUND_KINDS), timeline.c.occurred_at == _newest_inbound(),
).execution_options(**HOT)
_CONVERSATIONS = (
    select(conversations.c.id, conversations.c.last_contact_at, conversations.c.resolved)
    .where(conversations.c.tenant_id == _P("tenant"), conversations.c.id.in_(_P("ids", expanding=True)))
    .execution_options(**HOT)
)
_INSERTS = {"customers": insert(customers), "identities": insert(identities),
            "conversations": insert(conversations), "timeline": insert(timeline)}
_TOUCH_CONVERSATIONS = (
    update(conversations)
    .where(conversations.c.tenant_id == _P("tenant"), conversations.c.id == _P("cid"))
    .values(last_contact_at=_P("at"))
    .execution_options(**HOT)
)
_TOUCH_CUSTOMERS = (
    update(customers)
    .where(customers.c.tenant_id == _P("tenant"), customers.c.id == _P("cid"))
    .values(last_contact_at=_P("at"))
    .execution_options(**HOT)
)
