"""Sends asked for by other services, as events: never lost while ingest is down.

A campaign attempt or an `ingest.cmd.send` is accepted like an API send (a
voice attempt as a dial, outbound/dials.py). What
cannot be sent (no channel of that kind, an opted-out marketing recipient)
becomes a refused delivery and a `message.delivery_updated` with status
`failed`, so that the asking service learns the outcome instead of waiting.
A campaign attempt that arrives after its `not_after` (its calling window
closed while it waited on the bus) is not sent: its failure says `expired`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from switchboard.common.consumer import EventContext
from switchboard.common.errors import Conflict, NotFound, Problem, Unprocessable
from switchboard.common.events.campaign import AttemptRequested
from switchboard.common.events.ingest import SendMessage
from switchboard.ingest.models import Channel, Conversation
from switchboard.ingest.outbound.accept import (
    SendRequest,
    accept_send,
    check_sendable,
    record_refusal,
)
from switchboard.ingest.outbound.dials import accept_dial
from switchboard.ingest.outbound.providers import Dial
from switchboard.ingest.repository import IngestRepository


class SendCommands:
    """The handlers, bound to the SMS threading window new outbound sends thread in."""

    def __init__(self, inactivity: timedelta) -> None:
        self.inactivity = inactivity

    async def on_attempt_requested(self, event: AttemptRequested, ctx: EventContext) -> None:
        request = SendRequest(
            to_address=event.to_address, text=event.text or "", purpose=event.purpose,
            subject=event.subject, idempotency_key=f"campaign-attempt:{event.attempt_id}",
            requested_by=f"campaign:{event.campaign_id}", attempt_id=event.attempt_id,
        )
        if event.not_after is not None and datetime.now(UTC) >= event.not_after:
            await _refuse_expired(ctx, event.channel, request, event.not_after)
            return
        dial = None
        if event.channel == "voice":
            dial = Dial(ring_seconds=event.ring_seconds or 30.0,
                        information_message=event.information_message, campaign_id=event.campaign_id,
                        survey_kind=event.survey_kind)
        await _accept_command(ctx, event.channel, None, None, request, self.inactivity, dial)

    async def on_send_command(self, event: SendMessage, ctx: EventContext) -> None:
        request = SendRequest(
            to_address=event.to_address, text=event.text, purpose=event.purpose,
            subject=event.subject, idempotency_key=event.idempotency_key,
            requested_by=event.requested_by,
        )
        await _accept_command(ctx, event.channel, event.channel_id, event.conversation_id,
                              request, self.inactivity)


async def _refuse_expired(ctx: EventContext, kind: str, request: SendRequest, not_after: datetime) -> None:
    """Too late to send inside the window that allowed it: say so, once, and send nothing."""
    if await IngestRepository(ctx.uow.session).delivery_by_key(ctx.tenant, request.idempotency_key):
        return
    refusal = Conflict(f"not sent after {not_after.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, "
                       "the end of its window")
    await record_refusal(ctx.uow, ctx.tenant, kind, None, request, refusal, verdict="expired")


async def _accept_command(
    ctx: EventContext, kind: str, channel_id: str | None, conversation_id: str | None,
    request: SendRequest, inactivity: timedelta, dial: Dial | None = None,
) -> None:
    repo = IngestRepository(ctx.uow.session)
    if await repo.delivery_by_key(ctx.tenant, request.idempotency_key) is not None:
        return  # the same command again (a new event id for the same send)
    channel: Channel | None = None
    try:
        channel, conversation = await _resolve(repo, ctx.tenant, kind, channel_id, conversation_id)
        if dial is None and not request.text.strip():
            raise Unprocessable("the command has no text to send")
        await check_sendable(repo, channel, request)
    except Problem as refusal:
        await record_refusal(ctx.uow, ctx.tenant, kind, channel.id if channel else None,
                             request, refusal)
        return
    if dial is not None:
        accept_dial(ctx.uow, channel, request, dial)
        return
    await accept_send(ctx.uow, channel, request, target="command", inactivity=inactivity,
                      conversation=conversation)


async def _resolve(
    repo: IngestRepository, tenant: str, kind: str, channel_id: str | None, conversation_id: str | None
) -> tuple[Channel, Conversation | None]:
    """The conversation's channel, else the named one, else the tenant's first of the kind."""
    conversation = await repo.conversation(tenant, conversation_id) if conversation_id else None
    if conversation_id and conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    wanted = conversation.channel_id if conversation else channel_id
    channel = await (repo.channel(tenant, wanted) if wanted else repo.default_channel(tenant, kind))
    if channel is None or channel.kind != kind:
        raise NotFound(f"no {kind} channel to send on" + (f" ({wanted})" if wanted else ""))
    if conversation is not None and conversation.status != "open":
        conversation = None  # a closed thread: the send opens (or joins) a current one
    return channel, conversation
