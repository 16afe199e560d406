"""What profile tells campaign about customers: kept locally for journeys and segment lists."""

from __future__ import annotations

from datetime import datetime

from switchboard.campaign.handlers.journeys import churn_outreach
from switchboard.campaign.models import KnownCustomer
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.profile import ContactIdentified, CustomerUpdated


async def _known(repo: CampaignRepository, tenant: str, customer_id: str, at: datetime) -> KnownCustomer:
    customer = await repo.known_customer(tenant, customer_id)
    if customer is None:
        customer = KnownCustomer(tenant_id=tenant, id=customer_id, tier="standard", segments=[], tags=[],
                                 updated_at=at)
        repo.add(customer)
    return customer


async def _zone_learned(repo: CampaignRepository, tenant: str, customer: KnownCustomer,
                        zone: str | None) -> None:
    """A zone profile learns moves the customer's contacts still waiting on lists (not those whose
    list named a zone): their next window is checked in it. A time worked out for the old zone
    stays; the scheduler then defers it to the new zone's window, so nothing goes early."""
    if zone and zone != customer.time_zone:
        customer.time_zone = zone
        await repo.move_waiting_contacts_to_zone(tenant, customer.id, zone)


async def on_contact_identified(event: ContactIdentified, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    conversation = await repo.conversation(ctx.tenant, event.conversation_id)
    if conversation is not None:
        conversation.customer_id = event.customer_id
        conversation.language, conversation.time_zone = event.language, event.time_zone
    customer = await _known(repo, ctx.tenant, event.customer_id, ctx.envelope.time)
    customer.tier, customer.segments = event.tier, list(event.segments)
    customer.language = event.language or customer.language
    await _zone_learned(repo, ctx.tenant, customer, event.time_zone)
    if conversation is not None and conversation.channel in ("sms", "voice"):
        customer.phone = conversation.address
    customer.updated_at = ctx.envelope.time


async def on_customer_updated(event: CustomerUpdated, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    customer = await _known(repo, ctx.tenant, event.customer_id, event.at)
    customer.tier, customer.tags = event.tier, list(event.tags)
    customer.language, customer.updated_at = event.language, event.at
    await _zone_learned(repo, ctx.tenant, customer, event.time_zone)
    await churn_outreach(event, ctx)
