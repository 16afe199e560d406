"""Event-triggered journeys: each trigger adds the customer to the tenant's running journeys of
that trigger; the scheduler then sends it within windows, quiet hours and the journey's cap.

Triggers: `call_ended` (the after-call SMS), `task_abandoned` (SMS with a callback link, and a
callback owed), `task_completed` and `conversation_closed` of a conversation an agent served (e.g.
a CSAT survey; a chat's goes by SMS to the customer's number), `complaint` (a complaint
disposition; a callback within 3 days is owed whether or not a journey runs),
`churn_risk` (profile tags the customer `churn_risk`: retention outreach, at most once a week).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.dispositions import COMPLAINT_CALLBACK_DEADLINE
from switchboard.campaign.domain.windows import next_allowed_in_all_zones
from switchboard.campaign.domain.zones import recipient_zones, zones_of_number
from switchboard.campaign.models import Contact, Conversation
from switchboard.campaign.outcomes import schedule_callback
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import rules_for
from switchboard.common.consumer import EventContext
from switchboard.common.events.ingest import CallEnded, ConversationClosed, ConversationOpened
from switchboard.common.events.profile import CustomerUpdated
from switchboard.common.events.routing import TaskAbandoned, TaskCompleted

ABANDONED_CALLBACK_DEADLINE = timedelta(hours=24)
CHURN_TAG = "churn_risk"


async def enqueue(ctx: EventContext, trigger: str, channel: str, address: str, key: str, *,
                  conversation: Conversation | None = None, agent_id: str | None = None,
                  customer_id: str | None = None, language: str | None = None,
                  time_zone: str | None = None) -> int:
    """Add the address to every running journey of this trigger on this channel; how many took it."""
    repo = CampaignRepository(ctx.uow.session)
    now = datetime.now(UTC)
    added = 0
    language = language or (conversation.language if conversation else None)
    for journey in await repo.journeys(ctx.tenant, trigger):
        if journey.channel != channel or await repo.journey_contact(ctx.tenant, journey.id, address, key):
            continue
        zones = time_zone or (conversation.time_zone if conversation else None)
        if not zones and channel != "email":
            zones = " ".join(z.key for z in zones_of_number(address))
        repo.add(Contact(
            id=str(uuid.uuid4()), tenant_id=ctx.tenant, campaign_id=journey.id, list_id=None,
            address=address, dedupe_key=key, zones=zones or "",
            customer_id=customer_id or (conversation.customer_id if conversation else None),
            language=language,
            fields={"agent_id": agent_id or "", "conversation_id": key, "channel": channel},
            priority=0, value=0.0, status="pending", attempts_made=0, next_attempt_at=now,
            converted=False, conversation_id=conversation.id if conversation else key,
            agent_id=agent_id, created_at=now,
        ))
        added += 1
    return added


async def on_conversation_opened(event: ConversationOpened, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    if await repo.conversation(ctx.tenant, event.conversation_id) is None:
        repo.add(Conversation(id=event.conversation_id, tenant_id=ctx.tenant, channel=event.channel,
                              address=event.customer_address, opened_at=event.opened_at))


async def on_inbound_call_ended(event: CallEnded, ctx: EventContext) -> None:
    if not event.abandoned:
        # The conversation carries what profile said about the caller: their language and zone.
        repo = CampaignRepository(ctx.uow.session)
        conversation = await repo.conversation(ctx.tenant, event.conversation_id)
        await enqueue(ctx, "call_ended", "sms", event.from_address, event.conversation_id,
                      conversation=conversation)


async def on_conversation_closed(event: ConversationClosed, ctx: EventContext) -> None:
    """A CSAT (or other) send after a conversation an agent served; a chat's goes to the customer's
    number by SMS. Conversations no agent served (a blast's thread, a survey reply) are not rated."""
    repo = CampaignRepository(ctx.uow.session)
    conversation = await repo.conversation(ctx.tenant, event.conversation_id)
    if conversation is None or conversation.agent_id is None or event.channel not in ("sms", "email", "chat"):
        return
    channel, address = conversation.channel, conversation.address
    if channel == "chat":
        customer = conversation.customer_id
        phone = await repo.phone_of_customer(ctx.tenant, customer) if customer else None
        if phone is None:
            return  # campaign knows no number for this chat's customer
        channel, address = "sms", phone
    await enqueue(ctx, "conversation_closed", channel, address, event.conversation_id,
                  conversation=conversation, agent_id=conversation.agent_id)


async def on_task_completed(event: TaskCompleted, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    await repo.set_conversation_agent(ctx.tenant, event.conversation_id, event.agent_id)
    conversation = await repo.conversation(ctx.tenant, event.conversation_id)
    if conversation is None:
        return
    sms_address = conversation.address if conversation.channel in ("sms", "voice") else None
    if sms_address:
        await enqueue(ctx, "task_completed", "sms", sms_address, event.conversation_id,
                      conversation=conversation, agent_id=event.agent_id, customer_id=event.customer_id)
    if event.disposition == "complaint":
        await schedule_callback(
            ctx.uow, ctx.tenant, reason="complaint", address=conversation.address, due_at=event.at,
            deadline_at=event.at + COMPLAINT_CALLBACK_DEADLINE, at=event.at,
            customer_id=event.customer_id or conversation.customer_id, agent_id=event.agent_id,
        )
        if sms_address:
            await enqueue(ctx, "complaint", "sms", sms_address, event.conversation_id,
                          conversation=conversation, agent_id=event.agent_id)


async def on_task_abandoned(event: TaskAbandoned, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    conversation = await repo.conversation(ctx.tenant, event.conversation_id)
    if conversation is None or conversation.channel not in ("sms", "voice"):
        return
    if await enqueue(ctx, "task_abandoned", "sms", conversation.address, event.conversation_id,
                     conversation=conversation, customer_id=event.customer_id):
        due = await _callback_time(repo, ctx.tenant, conversation, event.at)
        await schedule_callback(
            ctx.uow, ctx.tenant, reason="abandoned", address=conversation.address, due_at=due,
            deadline_at=due + ABANDONED_CALLBACK_DEADLINE, at=event.at,
            customer_id=event.customer_id or conversation.customer_id,
        )


async def _callback_time(repo: CampaignRepository, tenant: str, conversation: Conversation,
                         at: datetime) -> datetime:
    """The first instant the journey's window, the tenant's quiet hours and holidays allow in the
    customer's zone: a caller who gave up at 23:00 is called back in the morning, not at night."""
    journey = next(j for j in await repo.journeys(tenant, "task_abandoned") if j.channel == "sms")
    schedule = rules_for(journey, await repo.tenant_settings(tenant)).schedule
    zones = recipient_zones(ListedContact(conversation.id, conversation.address, conversation.time_zone))
    return next_allowed_in_all_zones(schedule, at, zones) or at


async def churn_outreach(event: CustomerUpdated, ctx: EventContext) -> None:
    """Retention outreach when profile tags a customer as a churn risk (at most once a week)."""
    if CHURN_TAG not in event.tags:
        return
    address = await CampaignRepository(ctx.uow.session).phone_of_customer(ctx.tenant, event.customer_id)
    if address is None:
        return  # campaign has never seen a number for this customer
    year, week, _ = event.at.isocalendar()
    await enqueue(ctx, "churn_risk", "sms", address, f"churn:{event.customer_id}:{year}-{week}",
                  customer_id=event.customer_id, language=event.language, time_zone=event.time_zone)
