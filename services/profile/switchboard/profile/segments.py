"""Reading a segment's members a page at a time, with their contact points."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.domain.consent import decide
from switchboard.profile.domain.customers import zone_of
from switchboard.profile.domain.segments import SegmentRules, matches
from switchboard.profile.identities import channels_of
from switchboard.profile.models import Customer, Identity, TenantSettings
from switchboard.profile.repository import customers_page, identities_of

SCAN_BATCH = 2000


class ContactPoint(BaseModel):
    channel: str
    address: str


class Member(BaseModel):
    customer_id: str
    name: str | None
    tier: str
    language: str | None
    time_zone: str | None
    contact_points: list[ContactPoint]


async def members(
    session: AsyncSession, tenant: str, rules: SegmentRules, settings: TenantSettings | None,
    *, after: str | None, limit: int,
) -> AsyncIterator[Member]:
    """Up to `limit` members with ids after `after`, in id order."""
    now = datetime.now(UTC)
    today = now.astimezone(zone_of(settings.time_zone if settings else None)).date()
    found, cursor = 0, after
    while found < limit:
        batch = await customers_page(session, tenant, cursor, SCAN_BATCH, rules.tiers)
        if not batch:
            return
        cursor = batch[-1].id
        candidates = [c for c in batch if matches(
            rules, tier=c.tier, tags=list(c.tags or []), attributes=dict(c.attributes or {}),
            last_contact_at=c.last_contact_at, birthday=c.birthday, now=now, today=today)]
        for member in await _with_contact_points(session, tenant, candidates, rules, settings):
            yield member
            found += 1
            if found >= limit:
                return


async def _with_contact_points(
    session: AsyncSession, tenant: str, customers: list[Customer], rules: SegmentRules,
    settings: TenantSettings | None,
) -> list[Member]:
    by_customer: dict[str, list[Identity]] = defaultdict(list)
    for identity in await identities_of(session, tenant, [c.id for c in customers]):
        by_customer[identity.customer_id].append(identity)
    points = {c.id: [(ch, i.value) for i in by_customer[c.id] for ch in channels_of(i.kind)]
              for c in customers}
    if rules.consent is not None:
        points = await _allowed_only(session, tenant, points, rules, settings)
    return [
        Member(customer_id=c.id, name=c.name, tier=c.tier, language=c.language, time_zone=c.time_zone,
               contact_points=[ContactPoint(channel=ch, address=a) for ch, a in points[c.id]])
        for c in customers if rules.consent is None or points[c.id]
    ]


async def _allowed_only(
    session: AsyncSession, tenant: str, points: dict[str, list[tuple[str, str]]], rules: SegmentRules,
    settings: TenantSettings | None,
) -> dict[str, list[tuple[str, str]]]:
    assert rules.consent is not None
    channel, purpose = rules.consent.channel, rules.consent.purpose
    wanted = {cid: [p for p in ps if p[0] == channel] for cid, ps in points.items()}
    flat = [p for ps in wanted.values() for p in ps]
    repo = ConsentRepository(session)
    records = {(r.channel, r.address): r.granted for r in await repo.records_for(tenant, flat)
               if r.purpose == purpose}
    blocked = await repo.do_not_contact_for(tenant, flat)
    opt_in = True if settings is None else settings.marketing_requires_opt_in
    return {
        cid: [p for p in ps if decide(purpose, recorded=records.get(p), do_not_contact=p in blocked,
                                      marketing_requires_opt_in=opt_in).allowed]
        for cid, ps in wanted.items()
    }
