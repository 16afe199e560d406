"""Profile's SQL for privacy: the access log, and everything held about one customer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.common.auth import Principal
from switchboard.common.ids import new_id
from switchboard.profile.models import (
    AccessRecord,
    Consent,
    Conversation,
    Customer,
    Identity,
    TimelineEntry,
)


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def record_access(self, principal: Principal, customer_id: str, action: str) -> None:
        self.session.add(AccessRecord(**_access(principal, customer_id, action)))

    async def insert_access(self, principal: Principal, customer_id: str, action: str) -> None:
        """`record_access` as one INSERT now, without the ORM's flush (the screen pop's path)."""
        await self.session.execute(insert(AccessRecord.__table__), [_access(principal, customer_id, action)])

    async def access_log(self, tenant: str, customer_id: str, limit: int) -> list[AccessRecord]:
        rows = await self.session.scalars(
            select(AccessRecord)
            .where(AccessRecord.tenant_id == tenant, AccessRecord.customer_id == customer_id)
            .order_by(AccessRecord.at.desc(), AccessRecord.id)
            .limit(limit)
        )
        return list(rows)

    async def merged_into(self, tenant: str, customer_id: str) -> list[Customer]:
        """Records merged into this customer (their ids are the same person's)."""
        rows = await self.session.scalars(
            select(Customer).where(Customer.tenant_id == tenant, Customer.merged_into == customer_id)
        )
        return list(rows)

    async def consents(self, tenant: str, customer_id: str) -> list[Consent]:
        rows = await self.session.scalars(
            select(Consent).where(Consent.tenant_id == tenant, Consent.customer_id == customer_id)
        )
        return list(rows)

    async def conversations(self, tenant: str, customer_id: str) -> list[Conversation]:
        rows = await self.session.scalars(
            select(Conversation)
            .where(Conversation.tenant_id == tenant, Conversation.customer_id == customer_id)
            .order_by(Conversation.opened_at)
        )
        return list(rows)

    async def timeline(self, tenant: str, customer_id: str) -> list[TimelineEntry]:
        rows = await self.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.tenant_id == tenant, TimelineEntry.customer_id == customer_id)
            .order_by(TimelineEntry.occurred_at, TimelineEntry.id)
        )
        return list(rows)

    async def forget(self, tenant: str, customer_ids: list[str]) -> None:
        """Remove the personal data of these customer records, keeping anonymous history."""
        await self.session.execute(
            delete(Identity).where(Identity.tenant_id == tenant, Identity.customer_id.in_(customer_ids))
        )
        await self.session.execute(
            update(TimelineEntry)
            .where(TimelineEntry.tenant_id == tenant, TimelineEntry.customer_id.in_(customer_ids))
            .values(summary="", detail=None)
        )
        # a revocation is kept as suppression (the address must stay uncontacted), unlinked
        await self.session.execute(
            delete(Consent).where(Consent.tenant_id == tenant, Consent.customer_id.in_(customer_ids),
                                  Consent.granted.is_(True))
        )
        await self.session.execute(
            update(Consent)
            .where(Consent.tenant_id == tenant, Consent.customer_id.in_(customer_ids))
            .values(customer_id=None)
        )


def _access(principal: Principal, customer_id: str, action: str) -> dict[str, Any]:
    return {"id": new_id(), "tenant_id": principal.tenant, "customer_id": customer_id,
            "actor": principal.subject[:255], "roles": ",".join(sorted(principal.roles))[:255],
            "action": action, "at": datetime.now(UTC)}
