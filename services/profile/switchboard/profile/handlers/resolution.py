"""Resolving an address to a customer and linking conversations (shared by the handlers)."""

from __future__ import annotations

from datetime import datetime

from switchboard.common.ids import new_id
from switchboard.profile.customers import new_customer
from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import Conversation, Customer, Identity, TimelineEntry
from switchboard.profile.repository import ProfileRepository


async def resolve_customer(
    repo: ProfileRepository, tenant: str, key: IdentityKey, now: datetime
) -> tuple[Customer, bool]:
    """The customer this identity belongs to; a new, unnamed one if nobody matches."""
    customer = await repo.customer_by_identity(tenant, key)
    if customer is not None:
        return customer, False
    customer = new_customer(tenant, now)
    repo.add(customer)
    await repo.flush()
    repo.add(Identity(id=new_id(), tenant_id=tenant, customer_id=customer.id,
                      kind=key.kind, value=key.value, verified=False, created_at=now))
    await repo.flush()
    return customer, True


async def link_conversation(
    repo: ProfileRepository, tenant: str, conversation_id: str, customer: Customer, channel: str,
    at: datetime,
) -> Conversation:
    conversation = await repo.conversation(tenant, conversation_id)
    if conversation is None:
        conversation = Conversation(tenant_id=tenant, id=conversation_id, customer_id=customer.id,
                                    channel=channel, opened_at=at, last_contact_at=at, resolved=False)
        repo.add(conversation)
    elif at > conversation.last_contact_at:
        conversation.last_contact_at = at
    return conversation


async def customer_of(
    repo: ProfileRepository, tenant: str, customer_id: str | None, conversation_id: str | None
) -> tuple[Customer | None, str]:
    """The (live) customer an outcome event is about, and the channel of its conversation."""
    conversation = await repo.conversation(tenant, conversation_id) if conversation_id else None
    channel = conversation.channel if conversation else ""
    if customer_id:
        customer = await repo.customer(tenant, customer_id)
        if customer is not None:
            return customer, channel
    if conversation is not None:
        return await repo.customer(tenant, conversation.customer_id), channel
    return None, channel


def append(
    repo: ProfileRepository, tenant: str, customer: Customer, event_id: str, kind: str, *,
    channel: str, at: datetime, conversation_id: str | None = None, summary: str = "",
    agent_id: str | None = None, detail: dict[str, object] | None = None,
) -> None:
    repo.add(TimelineEntry(
        id=new_id(), tenant_id=tenant, customer_id=customer.id, event_id=event_id, kind=kind,
        channel=channel, conversation_id=conversation_id, summary=summary[:200], agent_id=agent_id,
        detail=detail, occurred_at=at,
    ))

