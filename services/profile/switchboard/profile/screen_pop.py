"""What an agent sees before saying hello: one read of everything the desk needs."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.profile.consent import consent_decisions, contact_points
from switchboard.profile.customers import customer_view
from switchboard.profile.domain.customers import DEFAULT_TIER
from switchboard.profile.models import TenantSettings
from switchboard.profile.repeat import repeat_facts
from switchboard.profile.repository import AnyRow, ProfileRepository
from switchboard.profile.schemas import (
    OpenItemOut,
    RepeatContactOut,
    ScreenPopOut,
    TierOut,
    TimelineEntryOut,
)
from switchboard.profile.screen_pop_repository import ScreenPopRepository

LAST_INTERACTIONS = 10
OPEN_ITEMS = 10


async def screen_pop(
    repo: ProfileRepository, settings: TenantSettings | None, customer: AnyRow, *, masked: bool = True,
) -> ScreenPopOut:
    """The pop of `customer` (a row of `ScreenPopRepository.customer`)."""
    tenant, now = customer.tenant_id, datetime.now(UTC)
    rows = ScreenPopRepository(repo.session)
    identities = await rows.identities(tenant, customer.id)
    out = customer_view(customer, identities, masked=masked)
    points = contact_points(identities)
    consent = consent_decisions(settings, points, await rows.consents(tenant, points),
                                await rows.blocked(tenant, points))
    facts = await repeat_facts(repo, customer, settings, now, counting_current=False)
    recent = await rows.newest_entries(tenant, customer.id, LAST_INTERACTIONS)
    open_items = await rows.open_conversations(tenant, customer.id, OPEN_ITEMS)
    zone = customer.time_zone or (settings.time_zone if settings else None)
    return ScreenPopOut(
        customer=out,
        tier=TierOut(name=customer.tier, rank=customer.tier_rank,
                     description=customer.tier_description) if customer.tier_rank is not None
        else TierOut(name=customer.tier, rank=0,
                     description="the default tier" if customer.tier == DEFAULT_TIER else ""),
        tags=out.tags,
        consent=consent,
        open_items=[OpenItemOut(conversation_id=c.id, channel=c.channel, opened_at=c.opened_at,
                                last_contact_at=c.last_contact_at) for c in open_items],
        last_interactions=[
            TimelineEntryOut(id=e.id, kind=e.kind, channel=e.channel, conversation_id=e.conversation_id,
                             summary=e.summary, agent_id=e.agent_id, detail=e.detail,
                             occurred_at=e.occurred_at) for e in recent
        ],
        repeat=RepeatContactOut(
            contacts_today=facts.contacts_today, contacts_7d=facts.contacts_7d,
            last_contact_at=facts.last_contact_at, last_channel=facts.last_channel,
            last_unresolved=facts.last_unresolved, summary=facts.sentence(zone),
        ),
    )
