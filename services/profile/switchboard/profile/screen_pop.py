"""What an agent sees before saying hello: one read of everything the desk needs."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.profile.consent import consents_of
from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.customers import customer_out
from switchboard.profile.domain.customers import DEFAULT_TIER
from switchboard.profile.models import Customer, TenantSettings, Tier
from switchboard.profile.repeat import repeat_facts
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import (
    OpenItemOut,
    RepeatContactOut,
    ScreenPopOut,
    TierOut,
    TimelineEntryOut,
)

LAST_INTERACTIONS = 10
OPEN_ITEMS = 10


async def screen_pop(
    repo: ProfileRepository, settings: TenantSettings | None, customer: Customer, tier: Tier | None,
    *, masked: bool = True,
) -> ScreenPopOut:
    tenant, now = customer.tenant_id, datetime.now(UTC)
    identities = await repo.identities(tenant, customer.id)
    out = await customer_out(repo, tenant, customer, identities, masked=masked)
    consent = await consents_of(ConsentRepository(repo.session), settings, tenant, identities)
    facts = await repeat_facts(repo, customer, settings, now, counting_current=False)
    recent = await repo.timeline(tenant, customer.id, before=None, limit=LAST_INTERACTIONS)
    open_items = await repo.open_conversations(tenant, customer.id, OPEN_ITEMS)
    zone = customer.time_zone or (settings.time_zone if settings else None)
    return ScreenPopOut(
        customer=out,
        tier=TierOut.model_validate(tier) if tier else TierOut(
            name=customer.tier, rank=0,
            description="the default tier" if customer.tier == DEFAULT_TIER else ""),
        tags=out.tags,
        consent=consent,
        open_items=[OpenItemOut(conversation_id=c.id, channel=c.channel, opened_at=c.opened_at,
                                last_contact_at=c.last_contact_at) for c in open_items],
        last_interactions=[TimelineEntryOut.model_validate(e) for e in recent],
        repeat=RepeatContactOut(
            contacts_today=facts.contacts_today, contacts_7d=facts.contacts_7d,
            last_contact_at=facts.last_contact_at, last_channel=facts.last_channel,
            last_unresolved=facts.last_unresolved, summary=facts.sentence(zone),
        ),
    )
