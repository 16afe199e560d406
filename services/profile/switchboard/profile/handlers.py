"""What profile does with the events it consumes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from switchboard.common.consumer import EventContext
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.events.profile import ContactIdentified, RepeatContact
from switchboard.profile.identities import IdentityKey, identity_for
from switchboard.profile.models import Customer, Identity, TimelineEntry
from switchboard.profile.repository import ProfileRepository


async def resolve_customer(
    repo: ProfileRepository, tenant: str, key: IdentityKey, now: datetime
) -> tuple[Customer, bool]:
    """The customer this identity belongs to; a new, unnamed one if nobody matches."""
    customer = await repo.customer_by_identity(tenant, key)
    if customer is not None:
        return customer, False
    customer = Customer(id=str(uuid.uuid4()), tenant_id=tenant, tier="standard", created_at=now)
    repo.add(customer)
    await repo.flush()
    repo.add(Identity(id=str(uuid.uuid4()), tenant_id=tenant, customer_id=customer.id,
                      kind=key.kind, value=key.value, created_at=now))
    return customer, True


async def on_message_received(event: MessageReceived, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    settings = await repo.tenant_settings(ctx.tenant)
    key = identity_for(event.channel, event.from_address, settings.default_region if settings else None)
    now = datetime.now(UTC)
    customer, is_new = await resolve_customer(repo, ctx.tenant, key, now)
    contacts_today = await repo.contacts_since(ctx.tenant, customer.id, _start_of_day(now))
    contacts_7d = await repo.contacts_since(ctx.tenant, customer.id, now - timedelta(days=7))
    last = await repo.timeline(ctx.tenant, customer.id, before=None, limit=1)
    repo.add(TimelineEntry(
        id=str(uuid.uuid4()), tenant_id=ctx.tenant, customer_id=customer.id,
        event_id=ctx.envelope.id, kind="message.received", channel=event.channel,
        conversation_id=event.conversation_id, summary=event.text[:200],
        occurred_at=event.received_at,
    ))
    await ctx.uow.emit(
        ContactIdentified(
            customer_id=customer.id, conversation_id=event.conversation_id, channel=event.channel,
            new_customer=is_new, tier=customer.tier, language=customer.language,
            time_zone=customer.time_zone,
            repeat=RepeatContact(
                contacts_today=contacts_today + 1, contacts_7d=contacts_7d + 1,
                last_contact_at=last[0].occurred_at if last else None,
            ),
        ),
        tenant=ctx.tenant,
        subject=event.conversation_id,
    )


def _start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
