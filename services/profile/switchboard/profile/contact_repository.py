"""Profile's SQL for resolving a batch of inbound contacts: Core statements, a few per batch.

The consumer hands profile a fetch of `message.received` events at a time. Building an
ORM object and a statement per event cost ~3.6 ms of the event loop per event
(docs/performance.md); these reads and writes each cover the whole batch instead.
Every statement filters on tenant_id itself and skips the session's tenant net
(`HOT`: the net would add a loader option to each statement's cache key for nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import Conversation, Customer, Identity, TimelineEntry
from switchboard.profile.repository import HOT, INBOUND_KINDS

customers, identities = Customer.__table__, Identity.__table__
conversations, timeline = Conversation.__table__, TimelineEntry.__table__


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customers_by_identity(
        self, tenant: str, keys: Iterable[IdentityKey]
    ) -> dict[IdentityKey, Row[Any]]:
        wanted = set(keys)
        if not wanted:
            return {}
        # kind IN and value IN (then exact pairs here): SQLite searches the unique index
        rows = await self.session.execute(
            select(identities.c.kind, identities.c.value, customers.c.id, customers.c.tier,
                   customers.c.tags, customers.c.language, customers.c.time_zone,
                   customers.c.last_contact_at)
            .join(customers, customers.c.id == identities.c.customer_id)
            .where(identities.c.tenant_id == tenant,
                   identities.c.kind.in_({k.kind for k in wanted}),
                   identities.c.value.in_({k.value for k in wanted}))
            .execution_options(**HOT)
        )
        found: dict[IdentityKey, Row[Any]] = {
            IdentityKey(row.kind, row.value): row for row in rows  # type: ignore[misc]
        }
        return {key: row for key, row in found.items() if key in wanted}

    async def contact_points(self, tenant: str, customer_ids: Iterable[str]) -> list[Row[Any]]:
        """(customer_id, kind, value) of every identity of these customers."""
        ids = set(customer_ids)
        if not ids:
            return []
        rows = await self.session.execute(
            select(identities.c.customer_id, identities.c.kind, identities.c.value)
            .where(identities.c.tenant_id == tenant, identities.c.customer_id.in_(ids))
            .execution_options(**HOT)
        )
        return list(rows)

    async def inbound_since(
        self, tenant: str, customer_ids: Iterable[str], since: datetime
    ) -> list[Row[Any]]:
        """Inbound timeline entries since `since`, with their conversation's resolved flag."""
        ids = set(customer_ids)
        if not ids:
            return []
        rows = await self.session.execute(
            _inbound_with_resolution().where(
                timeline.c.tenant_id == tenant, timeline.c.customer_id.in_(ids),
                timeline.c.kind.in_(INBOUND_KINDS), timeline.c.occurred_at >= since,
            ).execution_options(**HOT)
        )
        return list(rows)

    async def latest_inbound(self, tenant: str, customer_ids: Iterable[str]) -> list[Row[Any]]:
        """Each customer's latest inbound entries (ties included) with their resolved flag."""
        ids = set(customer_ids)
        if not ids:
            return []
        later = timeline.alias("later")
        newest = (
            select(func.max(later.c.occurred_at))
            .where(later.c.tenant_id == timeline.c.tenant_id,
                   later.c.customer_id == timeline.c.customer_id, later.c.kind.in_(INBOUND_KINDS))
            .scalar_subquery()
        )
        rows = await self.session.execute(
            _inbound_with_resolution().where(
                timeline.c.tenant_id == tenant, timeline.c.customer_id.in_(ids),
                timeline.c.kind.in_(INBOUND_KINDS), timeline.c.occurred_at == newest,
            ).execution_options(**HOT)
        )
        return list(rows)

    async def conversations(self, tenant: str, conversation_ids: Iterable[str]) -> dict[str, Row[Any]]:
        ids = set(conversation_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(conversations.c.id, conversations.c.last_contact_at, conversations.c.resolved)
            .where(conversations.c.tenant_id == tenant, conversations.c.id.in_(ids))
            .execution_options(**HOT)
        )
        return {row.id: row for row in rows}

    async def insert(self, table_name: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(_TABLES[table_name]), rows)

    async def touch_conversations(self, tenant: str, last_contact: dict[str, datetime]) -> None:
        if last_contact:
            await self.session.execute(
                update(conversations)
                .where(conversations.c.tenant_id == tenant, conversations.c.id == bindparam("cid"))
                .values(last_contact_at=bindparam("at"))
                .execution_options(**HOT),
                [{"cid": cid, "at": at} for cid, at in last_contact.items()],
            )

    async def touch_customers(self, tenant: str, last_contact: dict[str, datetime]) -> None:
        if last_contact:
            await self.session.execute(
                update(customers)
                .where(customers.c.tenant_id == tenant, customers.c.id == bindparam("cid"))
                .values(last_contact_at=bindparam("at"))
                .execution_options(**HOT),
                [{"cid": cid, "at": at} for cid, at in last_contact.items()],
            )


_TABLES = {"customers": customers, "identities": identities, "conversations": conversations,
           "timeline": timeline}


def _inbound_with_resolution() -> Any:
    return (
        select(timeline.c.customer_id, timeline.c.id, timeline.c.occurred_at, timeline.c.channel,
               timeline.c.conversation_id, conversations.c.resolved)
        .outerjoin(conversations, and_(conversations.c.tenant_id == timeline.c.tenant_id,
                                       conversations.c.id == timeline.c.conversation_id))
    )
