"""Campaigns and the contacts on them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update

from switchboard.campaign.models import (
    Campaign,
    Contact,
)
from switchboard.campaign.repository._base import LARGE_LIST, RepositoryBase, in_chunks

# A new contact's own values, in the order `insert_contacts` takes them.
CONTACT_ROW = ("id", "address", "zones", "zone_given", "customer_id", "language", "fields", "priority",
               "value", "status", "next_attempt_at", "suppressed_reason")


class CampaignQueries(RepositoryBase):
    # campaigns

    async def campaign(self, tenant: str, campaign_id: str, *, lock: bool = False) -> Campaign | None:
        query = select(Campaign).where(Campaign.tenant_id == tenant, Campaign.id == campaign_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def campaigns(self, tenant: str) -> list[Campaign]:
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.tenant_id == tenant).order_by(Campaign.created_at.desc())
        )
        return list(rows)

    async def running_campaigns(self) -> list[tuple[str, str]]:
        """(tenant, campaign id) of every running campaign that sends by itself (the sweep)."""
        rows = await self.session.execute(
            select(Campaign.tenant_id, Campaign.id)
            .where(Campaign.status == "running", Campaign.kind != "preview")
            .order_by(Campaign.started_at)
            .execution_options(all_tenants=True)
        )
        return [(r[0], r[1]) for r in rows]

    async def segment_journeys(self) -> list[tuple[str, str, str, str]]:
        """(tenant, journey id, trigger, profile segment) of every running journey fed by a segment."""
        rows = await self.session.execute(
            select(Campaign.tenant_id, Campaign.id, Campaign.journey_trigger, Campaign.journey_segment)
            .where(Campaign.status == "running", Campaign.kind == "journey",
                   Campaign.journey_segment.is_not(None))
            .order_by(Campaign.started_at)
            .execution_options(all_tenants=True)
        )
        return [(r[0], r[1], r[2] or "", r[3] or "") for r in rows]

    async def journeys(self, tenant: str, trigger: str) -> list[Campaign]:
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.tenant_id == tenant, Campaign.kind == "journey",
                                   Campaign.journey_trigger == trigger, Campaign.status == "running")
        )
        return list(rows)

    # contacts

    async def contact(self, tenant: str, contact_id: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.tenant_id == tenant, Contact.id == contact_id)
        )

    async def addresses_on(self, tenant: str, campaign_id: str, addresses: list[str]) -> set[str]:
        """Which of `addresses` the campaign already has: by IN lists for a few, by one pass over
        the campaign's addresses for a large list (thousands of IN queries cost more)."""
        if len(addresses) > LARGE_LIST:
            on_campaign = await self.session.scalars(select(Contact.address).where(
                Contact.tenant_id == tenant, Contact.campaign_id == campaign_id))
            return set(on_campaign).intersection(addresses)
        found: set[str] = set()
        for chunk in in_chunks(addresses):
            rows = await self.session.scalars(
                select(Contact.address).where(Contact.tenant_id == tenant,
                                              Contact.campaign_id == campaign_id,
                                              Contact.address.in_(chunk))
            )
            found.update(rows)
        return found

    async def insert_contacts(self, common: dict[str, Any], rows: Iterable[tuple[Any, ...]]) -> None:
        """New contacts (a list may hold a million): `common` the values they share, each row the
        values of `CONTACT_ROW` in that order."""
        await self.insert_rows(Contact.__table__, common, CONTACT_ROW, rows)

    async def due_contacts(self, tenant: str, campaign_id: str, now: datetime, limit: int) -> list[Contact]:
        """Due contacts in dialing order: promised callbacks first, then priority, then value."""
        callback_first = case((Contact.callback_due.is_not(None), 0), else_=1)
        rows = await self.session.scalars(
            select(Contact)
            .where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                   Contact.status == "pending", Contact.next_attempt_at <= now)
            .order_by(callback_first, Contact.callback_due, Contact.priority.desc(),
                      Contact.value.desc(), Contact.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def previewing_for(self, tenant: str, campaign_id: str, agent_id: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                                  Contact.status == "previewing", Contact.agent_id == agent_id).limit(1)
        )

    async def count_contacts(self, tenant: str, campaign_id: str) -> dict[str, int]:
        rows = await self.session.execute(
            select(Contact.status, func.count()).where(Contact.tenant_id == tenant,
                                                       Contact.campaign_id == campaign_id)
            .group_by(Contact.status)
        )
        return {status: int(n) for status, n in rows}

    async def contacts(self, tenant: str, campaign_id: str, status: str | None,
                       limit: int, offset: int) -> list[Contact]:
        query = select(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id)
        if status:
            query = query.where(Contact.status == status)
        rows = await self.session.scalars(query.order_by(Contact.created_at, Contact.id)
                                          .limit(limit).offset(offset))
        return list(rows)

    async def release_contacts(self, tenant: str, campaign_id: str, now: datetime) -> None:
        """Make every waiting contact due again (a restarted campaign re-checks its windows)."""
        await self.session.execute(
            update(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                                  Contact.status == "pending", Contact.next_attempt_at.is_(None))
            .values(next_attempt_at=now)
        )

