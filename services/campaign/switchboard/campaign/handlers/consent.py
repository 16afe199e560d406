"""Consent kept locally from profile and ingest, so an opt-out holds at the next scheduling pass."""

from __future__ import annotations

from switchboard.campaign.outcomes import revoke_consent
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.ingest import ConsentOptedOut
from switchboard.common.events.profile import ConsentChanged


async def on_consent_changed(event: ConsentChanged, ctx: EventContext) -> None:
    await revoke_consent(CampaignRepository(ctx.uow.session), ctx.tenant, event.channel, event.address,
                         event.purpose, f"profile:{event.source}", event.at, granted=event.granted)


async def on_opted_out(event: ConsentOptedOut, ctx: EventContext) -> None:
    """A STOP by keyword: no more messages of any purpose on that channel."""
    await revoke_consent(CampaignRepository(ctx.uow.session), ctx.tenant, event.channel, event.address,
                         "all", f"keyword:{event.keyword}", event.at)
