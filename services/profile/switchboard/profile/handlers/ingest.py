"""Contacts from ingest: resolve the customer, link the conversation, append the timeline.

Inbound messages and calls go through `contacts.resolve_contacts` (a batch at a time)."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.common.consumer import EventContext
from switchboard.common.events.ingest import (
    CallEnded,
    CallStarted,
    ConsentOptedOut,
    ConversationClosed,
    MessageSent,
)
from switchboard.profile.consent import set_consent
from switchboard.profile.domain.consent import KEYWORD_OPT_OUT_PURPOSES
from switchboard.profile.handlers.contacts import InboundContact, resolve_contacts
from switchboard.profile.handlers.resolution import append, link_conversation, resolve_customer
from switchboard.profile.identities import identity_for
from switchboard.profile.models import Customer
from switchboard.profile.repository import ProfileRepository


async def on_call_started(event: CallStarted, ctx: EventContext) -> None:
    if event.direction == "outbound":
        repo = ProfileRepository(ctx.uow.session)
        customer, _ = await _contacted(ctx, repo, "voice", event.to_address)
        await link_conversation(repo, ctx.tenant, event.conversation_id, customer, "voice", event.at)
        append(repo, ctx.tenant, customer, ctx.envelope.id, "call.outbound", channel="voice",
               at=event.at, conversation_id=event.conversation_id,
               detail={"attempt_id": event.attempt_id} if event.attempt_id else None)
        return
    summary = f"IVR: {event.ivr_selection}" if event.ivr_selection else ""
    await resolve_contacts(ctx.uow, [InboundContact(ctx.envelope, "voice", event.from_address,
                                                    event.conversation_id, event.at, "call.inbound",
                                                    summary)])


async def on_call_ended(event: CallEnded, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    address = event.to_address if event.direction == "outbound" else event.from_address
    customer, _ = await _contacted(ctx, repo, "voice", address)
    await link_conversation(repo, ctx.tenant, event.conversation_id, customer, "voice", event.at)
    summary = "abandoned before an agent answered" if event.abandoned else (
        f"{event.outcome}, talked {event.talk_seconds:.0f} s")
    append(repo, ctx.tenant, customer, ctx.envelope.id, "call.ended", channel="voice", at=event.at,
           conversation_id=event.conversation_id, summary=summary,
           detail={"outcome": event.outcome, "abandoned": event.abandoned,
                   "talk_seconds": event.talk_seconds})


async def on_message_sent(event: MessageSent, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    customer, _ = await _contacted(ctx, repo, event.channel, event.to_address)
    await link_conversation(repo, ctx.tenant, event.conversation_id, customer, event.channel,
                            event.sent_at)
    append(repo, ctx.tenant, customer, ctx.envelope.id, "message.sent", channel=event.channel,
           at=event.sent_at, conversation_id=event.conversation_id, agent_id=event.sent_by,
           detail={"purpose": event.purpose, "attempt_id": event.attempt_id})


async def on_conversation_closed(event: ConversationClosed, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    conversation = await repo.conversation(ctx.tenant, event.conversation_id)
    if conversation is not None and conversation.closed_at is None:
        conversation.closed_at = event.closed_at


async def on_consent_opted_out(event: ConsentOptedOut, ctx: EventContext) -> None:
    """STOP / 退订 withdraws marketing and surveys on that channel; service messages go on."""
    repo = ProfileRepository(ctx.uow.session)
    settings = await repo.tenant_settings(ctx.tenant)
    key = identity_for(event.channel, event.address, settings.default_region if settings else None)
    customer = await repo.customer_by_identity(ctx.tenant, key)
    for purpose in KEYWORD_OPT_OUT_PURPOSES:
        await set_consent(ctx.uow, ctx.tenant, settings, channel=event.channel, address=key.value,
                          purpose=purpose, granted=False, source=f"keyword:{event.keyword}"[:64],
                          customer_id=customer.id if customer else None, at=event.at)
    if customer is not None:
        append(repo, ctx.tenant, customer, ctx.envelope.id, "consent.opted_out", channel=event.channel,
               at=event.at, conversation_id=event.conversation_id,
               summary=f"opted out of {' and '.join(KEYWORD_OPT_OUT_PURPOSES)} by '{event.keyword}'")


async def _contacted(
    ctx: EventContext, repo: ProfileRepository, channel: str, address: str
) -> tuple[Customer, bool]:
    settings = await repo.tenant_settings(ctx.tenant)
    key = identity_for(channel, address, settings.default_region if settings else None)
    return await resolve_customer(repo, ctx.tenant, key, datetime.now(UTC))
