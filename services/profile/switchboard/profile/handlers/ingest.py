"""Contacts from ingest: resolve the customer, link the conversation, append the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.common.consumer import EventContext
from switchboard.common.events.ingest import (
    CallEnded,
    CallStarted,
    ConsentOptedOut,
    ConversationClosed,
    MessageReceived,
    MessageSent,
)
from switchboard.common.events.profile import ContactIdentified, RepeatContact
from switchboard.profile.consent import consents_of, set_consent
from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.domain.consent import KEYWORD_OPT_OUT_PURPOSES
from switchboard.profile.handlers.resolution import append, link_conversation, resolve_customer
from switchboard.profile.identities import identity_for
from switchboard.profile.models import Customer, TenantSettings
from switchboard.profile.repeat import repeat_facts
from switchboard.profile.repository import ProfileRepository


async def on_message_received(event: MessageReceived, ctx: EventContext) -> None:
    await _inbound_contact(ctx, event.channel, event.from_address, event.conversation_id,
                           event.received_at, "message.received", event.text)


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
    await _inbound_contact(ctx, "voice", event.from_address, event.conversation_id, event.at,
                           "call.inbound", summary)


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


async def _inbound_contact(
    ctx: EventContext, channel: str, address: str, conversation_id: str, at: datetime, kind: str,
    summary: str,
) -> None:
    repo = ProfileRepository(ctx.uow.session)
    settings = await repo.tenant_settings(ctx.tenant)
    key = identity_for(channel, address, settings.default_region if settings else None)
    now = datetime.now(UTC)
    customer, is_new = await resolve_customer(repo, ctx.tenant, key, now)
    facts = await repeat_facts(repo, customer, settings, now, counting_current=True)
    await link_conversation(repo, ctx.tenant, conversation_id, customer, channel, at)
    append(repo, ctx.tenant, customer, ctx.envelope.id, kind, channel=channel, at=at,
           conversation_id=conversation_id, summary=summary)
    if customer.last_contact_at is None or at > customer.last_contact_at:
        customer.last_contact_at = at
    await ctx.uow.emit(
        ContactIdentified(
            customer_id=customer.id, conversation_id=conversation_id, channel=channel,
            new_customer=is_new, tier=customer.tier, segments=list(customer.tags or []),
            language=customer.language, time_zone=customer.time_zone,
            consent=await _consent_summary(repo, settings, customer),
            repeat=RepeatContact(contacts_today=facts.contacts_today, contacts_7d=facts.contacts_7d,
                                 last_contact_at=facts.last_contact_at,
                                 last_unresolved=facts.last_unresolved),
        ),
        tenant=ctx.tenant,
        subject=conversation_id,
    )


async def _consent_summary(
    repo: ProfileRepository, settings: TenantSettings | None, customer: Customer
) -> dict[str, bool]:
    """'sms:marketing' -> allowed, for every contact point's channel (any address allowed)."""
    identities = await repo.identities(customer.tenant_id, customer.id)
    summary: dict[str, bool] = {}
    for row in await consents_of(ConsentRepository(repo.session), settings, customer.tenant_id,
                                 identities):
        name = f"{row.channel}:{row.purpose}"
        summary[name] = summary.get(name, False) or row.allowed
    return summary
