"""Outcomes reported by ingest: messages sent and their receipts, outbound calls and how they ended."""

from __future__ import annotations

from switchboard.campaign.domain.retries import Outcome
from switchboard.campaign.handlers.common import attempt_context
from switchboard.campaign.handlers.journeys import on_inbound_call_ended
from switchboard.campaign.outcomes import record_expired, record_outcome, record_sent
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.campaign import DialAnswered
from switchboard.common.events.ingest import (
    CallAnswered,
    CallEnded,
    CallStarted,
    MessageDeliveryUpdated,
    MessageSent,
)

RECEIPT_OUTCOMES = {"delivered": Outcome.DELIVERED, "read": Outcome.DELIVERED,
                    "undelivered": Outcome.FAILED, "failed": Outcome.FAILED}
CALL_OUTCOMES = {"busy": Outcome.BUSY, "no_answer": Outcome.NO_ANSWER, "failed": Outcome.FAILED,
                 "machine": Outcome.MACHINE, "abandoned": Outcome.ABANDONED}


async def on_message_sent(event: MessageSent, ctx: EventContext) -> None:
    found = await attempt_context(CampaignRepository(ctx.uow.session), ctx.tenant, event.attempt_id)
    if found is not None:
        attempt, contact, _ = found
        attempt.conversation_id = event.conversation_id
        record_sent(contact, attempt)


async def on_delivery_updated(event: MessageDeliveryUpdated, ctx: EventContext) -> None:
    outcome = RECEIPT_OUTCOMES.get(event.status)
    found = await attempt_context(CampaignRepository(ctx.uow.session), ctx.tenant, event.attempt_id)
    if found is not None and outcome is not None:
        attempt, contact, campaign = found
        if (event.error or "").startswith("expired"):
            await record_expired(ctx.uow, campaign, contact, attempt, event.updated_at)
            return
        await record_outcome(ctx.uow, campaign, contact, attempt, outcome, event.updated_at)
        if (event.error or "").startswith("refused") and attempt.number == contact.attempts_made:
            # ingest would not send it (e.g. opted out there): retrying cannot help
            contact.status, contact.next_attempt_at = "suppressed", None
            contact.suppressed_reason = "refused"


async def on_call_started(event: CallStarted, ctx: EventContext) -> None:
    found = await attempt_context(CampaignRepository(ctx.uow.session), ctx.tenant, event.attempt_id)
    if found is not None:
        attempt, _, _ = found
        attempt.call_id, attempt.conversation_id = event.call_id, event.conversation_id
        if attempt.status == "requested":
            attempt.status = "ringing"


async def on_call_answered(event: CallAnswered, ctx: EventContext) -> None:
    """A person answered our dial: routing must connect an agent within 2 seconds."""
    found = await attempt_context(CampaignRepository(ctx.uow.session), ctx.tenant, event.attempt_id)
    if found is None or event.answered_by != "customer":
        return
    attempt, contact, campaign = found
    attempt.status, attempt.answered_at = "answered", event.at
    attempt.call_id, attempt.conversation_id = event.call_id, event.conversation_id
    if campaign.kind == "survey":
        return  # a keypad survey: the call asks its question itself, no agent takes it
    await ctx.uow.emit(
        DialAnswered(attempt_id=attempt.id, campaign_id=campaign.id, call_id=event.call_id,
                     conversation_id=event.conversation_id,
                     reserved_agent_id=contact.callback_agent_id, at=event.at),
        tenant=ctx.tenant, subject=event.conversation_id,
    )


async def on_call_ended(event: CallEnded, ctx: EventContext) -> None:
    if event.attempt_id is None:
        if event.direction == "inbound":
            await on_inbound_call_ended(event, ctx)
        elif event.outcome == "completed" and event.talk_seconds > 0:
            # An agent's own call (the PBX reports it) reached the customer: callbacks owed outside
            # any campaign (a complaint, an abandoned contact) are made, on time or late.
            await CampaignRepository(ctx.uow.session).complete_callbacks(
                ctx.tenant, address=event.to_address, due_by=event.at, at=event.at)
        return
    found = await attempt_context(CampaignRepository(ctx.uow.session), ctx.tenant, event.attempt_id)
    if found is None:
        return
    attempt, contact, campaign = found
    attempt.talk_seconds = event.talk_seconds or None
    if event.abandoned:
        outcome = Outcome.ABANDONED
    elif event.outcome == "completed":
        outcome = Outcome.CONNECTED if attempt.answered_at else Outcome.NO_ANSWER
    else:
        outcome = CALL_OUTCOMES[event.outcome]
    await record_outcome(ctx.uow, campaign, contact, attempt, outcome, event.at)
