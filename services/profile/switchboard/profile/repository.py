"""All of profile's SQL for customers, identities, tiers, conversations and the timeline.

Consent and do-not-contact live in `consent_repository.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import (
    Conversation,
    Customer,
    Identity,
    TenantSettings,
    Tier,
    TimelineEntry,
)

# The hot paths' reads (screen pop, resolving a contact) skip the session's tenant net
# (`all_tenants`): each of them filters on tenant_id itself, and the net costs about
# 1 ms per ORM query, a tenth of the screen pop's budget (docs/performance.md).
# Writes and everything else keep it.
HOT = {"all_tenants": True}
# The screen pop's reads are also built once, with bound parameters: building a statement
# (its where clause, its cache key) cost more than running it (docs/performance.md).
_P = bindparam

# a Core row of any shape (the hot reads return rows, not ORM objects)
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
Record: TypeAlias = Customer | Identity | TenantSettings | TimelineEntry | Tier | Conversation


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tenant_settings(self, tenant: str) -> TenantSettings | None:
        return await self.session.scalar(_SETTINGS, {"tenant": tenant})

    async def customer(self, tenant: str, customer_id: str) -> Customer | None:
        """The live customer with this id (a merged record answers with its survivor)."""
        customer = await self.session.scalar(
            select(Customer).where(Customer.tenant_id == tenant, Customer.id == customer_id)
        )
        hops = 0
        while customer is not None and customer.merged_into is not None and hops < 10:
            customer = await self.session.scalar(
                select(Customer).where(Customer.tenant_id == tenant, Customer.id == customer.merged_into)
            )
            hops += 1
        if customer is not None and customer.erased_at is not None:
            return None
        return customer

    async def customer_by_identity(self, tenant: str, key: IdentityKey) -> Customer | None:
        return await self.session.scalar(
            select(Customer)
            .join(Identity, Identity.customer_id == Customer.id)
            .where(Identity.tenant_id == tenant, Identity.kind == key.kind, Identity.value == key.value)
            .execution_options(**HOT)
        )

    async def identity(self, tenant: str, key: IdentityKey) -> Identity | None:
        return await self.session.scalar(
            select(Identity).where(
                Identity.tenant_id == tenant, Identity.kind == key.kind, Identity.value == key.value
            )
        )

    async def identities(self, tenant: str, customer_id: str) -> list[Identity]:
        rows = await self.session.scalars(_IDENTITIES, {"tenant": tenant, "customer": customer_id})
        return list(rows)

    async def delete(self, row: Record) -> None:
        await self.session.delete(row)

    # tiers

    async def tiers(self, tenant: str) -> list[Tier]:
        rows = await self.session.scalars(
            select(Tier).where(Tier.tenant_id == tenant).order_by(Tier.rank.desc(), Tier.name)
        )
        return list(rows)

    async def tier(self, tenant: str, name: str) -> Tier | None:
        return await self.session.scalar(select(Tier).where(Tier.tenant_id == tenant, Tier.name == name))

    async def customers_in_tier(self, tenant: str, name: str) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(Customer).where(
                Customer.tenant_id == tenant, Customer.tier == name, Customer.merged_into.is_(None)
            )
        )
        return int(count or 0)

    # conversations

    async def conversation(self, tenant: str, conversation_id: str) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.tenant_id == tenant, Conversation.id == conversation_id
            ).execution_options(**HOT)
        )

    async def open_conversations(self, tenant: str, customer_id: str, limit: int) -> list[Conversation]:
        rows = await self.session.scalars(
            _OPEN_CONVERSATIONS, {"tenant": tenant, "customer": customer_id, "limit": limit}
        )
        return list(rows)

    async def latest_conversation(self, tenant: str, customer_id: str) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation)
            .where(Conversation.tenant_id == tenant, Conversation.customer_id == customer_id)
            .order_by(Conversation.last_contact_at.desc())
            .limit(1)
        )

    # timeline

    async def timeline(
        self,
        tenant: str,
        customer_id: str,
        *,
        before: datetime | None,
        limit: int,
        before_id: str | None = None,
    ) -> list[TimelineEntry]:
        """Newest first; (before, before_id) is the last entry of the previous page."""
        if before is None:
            rows = await self.session.scalars(
                _NEWEST_ENTRIES, {"tenant": tenant, "customer": customer_id, "limit": limit}
            )
            return list(rows)
        query = select(TimelineEntry).where(
            TimelineEntry.tenant_id == tenant, TimelineEntry.customer_id == customer_id
        )
        query = _after_cursor(query, before, before_id)
        rows = await self.session.scalars(
            query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc())
            .limit(limit)
            .execution_options(**HOT)
        )
        return list(rows)

    async def inbound_counts(
        self, tenant: str, customer_id: str, today: datetime, week: datetime
    ) -> tuple[int, int]:
        """Inbound contacts since `today` and since `week` (`today` is the later), in one query."""
        row = (await self.session.execute(_INBOUND_COUNTS, {
            "tenant": tenant, "customer": customer_id, "today": today, "since": min(today, week),
        })).one()
        return int(row[1] or 0), int(row[0] or 0)

    async def last_inbound(self, tenant: str, customer_id: str) -> AnyRow | None:
        """The latest inbound contact (`occurred_at`, `channel`, `conversation_id`) and
        whether its conversation was `resolved`."""
        return (await self.session.execute(
            _LAST_INBOUND, {"tenant": tenant, "customer": customer_id}
        )).first()

    async def has_timeline_entry(self, event_id: str) -> bool:
        found = await self.session.scalar(
            select(TimelineEntry.id).where(TimelineEntry.event_id == event_id)
        )
        return found is not None

    async def count_timeline(self, tenant: str) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(TimelineEntry).where(TimelineEntry.tenant_id == tenant)
        )
        return int(count or 0)

    async def rekey_customer(self, tenant: str, from_id: str, to_id: str) -> None:
        """Move every row that points at `from_id` to `to_id` (a merge)."""
        for model in (Identity, TimelineEntry, Conversation):
            await self.session.execute(
                update(model)
                .where(model.tenant_id == tenant, model.customer_id == from_id)
                .values(customer_id=to_id)
            )

    def add(self, row: Record) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()


INBOUND_KINDS = ("message.received", "call.inbound")

_SETTINGS = select(TenantSettings).where(TenantSettings.tenant_id == _P("tenant")).execution_options(**HOT)
_IDENTITIES = (
    select(Identity)
    .where(Identity.tenant_id == _P("tenant"), Identity.customer_id == _P("customer"))
    .order_by(Identity.created_at, Identity.id)
    .execution_options(**HOT)
)
_OPEN_CONVERSATIONS = (
    select(Conversation)
    .where(Conversation.tenant_id == _P("tenant"), Conversation.customer_id == _P("customer"),
           Conversation.closed_at.is_(None))
    .order_by(Conversation.last_contact_at.desc())
    .limit(_P("limit"))
    .execution_options(**HOT)
)
_NEWEST_ENTRIES = (
    select(TimelineEntry)
    .where(TimelineEntry.tenant_id == _P("tenant"), TimelineEntry.customer_id == _P("customer"))
    .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc())
    .limit(_P("limit"))
    .execution_options(**HOT)
)
_INBOUND_COUNTS = (
    select(func.count(), func.sum(case((TimelineEntry.occurred_at >= _P("today"), 1), else_=0)))
    .where(TimelineEntry.tenant_id == _P("tenant"), TimelineEntry.customer_id == _P("customer"),
           TimelineEntry.occurred_at >= _P("since"), TimelineEntry.kind.in_(INBOUND_KINDS))
    .execution_options(**HOT)
)
_LAST_INBOUND = (
    select(TimelineEntry.occurred_at, TimelineEntry.channel, TimelineEntry.conversation_id,
           Conversation.resolved)
    .outerjoin(Conversation, and_(Conversation.tenant_id == TimelineEntry.tenant_id,
                                  Conversation.id == TimelineEntry.conversation_id))
    .where(TimelineEntry.tenant_id == _P("tenant"), TimelineEntry.customer_id == _P("customer"),
           TimelineEntry.kind.in_(INBOUND_KINDS))
    .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc())
    .limit(1)
    .execution_options(**HOT)
)


def _after_cursor(
    query: Select[tuple[TimelineEntry]], before: datetime | None, before_id: str | None
) -> Select[tuple[TimelineEntry]]:
    if before is None:
        return query
    if before_id is None:
        return query.where(TimelineEntry.occurred_at < before)
    return query.where(
        or_(
            TimelineEntry.occurred_at < before,
            and_(TimelineEntry.occurred_at == before, TimelineEntry.id < before_id),
        )
    )


async def customers_page(
    session: AsyncSession, tenant: str, after: str | None, limit: int, tiers: list[str]
) -> list[Customer]:
    """Live customers in id order after `after` (keyset paging for segments and exports)."""
    query = select(Customer).where(
        Customer.tenant_id == tenant, Customer.merged_into.is_(None), Customer.erased_at.is_(None)
    )
    if after:
        query = query.where(Customer.id > after)
    if tiers:
        query = query.where(Customer.tier.in_(tiers))
    rows = await session.scalars(query.order_by(Customer.id).limit(limit).execution_options(**HOT))
    return list(rows)


async def identities_of(session: AsyncSession, tenant: str, customer_ids: list[str]) -> list[Identity]:
    if not customer_ids:
        return []
    rows = await session.scalars(
        select(Identity)
        .where(Identity.tenant_id == tenant, Identity.customer_id.in_(customer_ids))
        .order_by(Identity.created_at, Identity.id)
        .execution_options(**HOT)
    )
    return list(rows)
