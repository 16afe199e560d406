"""All of profile's SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import Customer, Identity, TenantSettings, TimelineEntry


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tenant_settings(self, tenant: str) -> TenantSettings | None:
        return await self.session.scalar(
            select(TenantSettings).where(TenantSettings.tenant_id == tenant)
        )

    async def customer(self, tenant: str, customer_id: str) -> Customer | None:
        return await self.session.scalar(
            select(Customer).where(Customer.tenant_id == tenant, Customer.id == customer_id)
        )

    async def customer_by_identity(self, tenant: str, key: IdentityKey) -> Customer | None:
        return await self.session.scalar(
            select(Customer)
            .join(Identity, Identity.customer_id == Customer.id)
            .where(Identity.tenant_id == tenant, Identity.kind == key.kind, Identity.value == key.value)
        )

    async def identities(self, tenant: str, customer_id: str) -> list[Identity]:
        rows = await self.session.scalars(
            select(Identity)
            .where(Identity.tenant_id == tenant, Identity.customer_id == customer_id)
            .order_by(Identity.created_at)
        )
        return list(rows)

    async def timeline(
        self, tenant: str, customer_id: str, *, before: datetime | None, limit: int
    ) -> list[TimelineEntry]:
        query = select(TimelineEntry).where(
            TimelineEntry.tenant_id == tenant, TimelineEntry.customer_id == customer_id
        )
        if before is not None:
            query = query.where(TimelineEntry.occurred_at < before)
        rows = await self.session.scalars(
            query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id).limit(limit)
        )
        return list(rows)

    async def contacts_since(self, tenant: str, customer_id: str, since: datetime) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .where(
                TimelineEntry.tenant_id == tenant,
                TimelineEntry.customer_id == customer_id,
                TimelineEntry.occurred_at >= since,
            )
        )
        return int(count or 0)

    async def count_timeline(self, tenant: str) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(TimelineEntry).where(TimelineEntry.tenant_id == tenant)
        )
        return int(count or 0)

    def add(self, row: Customer | Identity | TenantSettings | TimelineEntry) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
