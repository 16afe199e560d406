"""Voice dials for campaign attempts: accepted like a send, placed by the sender, then a call.

A dial is a delivery of kind voice whose `dial` column holds what the call
needs besides the number (ring time, information message, a keypad survey's
scale; the delivery's text is the survey's question or the agent's script).
The sender places it through the channel's provider with the same claiming,
retries and backoff as a message. Once the provider has taken it, the call
exists: `call.started` with the attempt id, and the provider's reports move it
on (api/voice.py). A dial that cannot be placed ends `failed` and is reported
as `message.delivery_updated` with the attempt id, as a send is.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime

from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Channel, Delivery
from switchboard.ingest.outbound.accept import SendRequest
from switchboard.ingest.outbound.providers import Dial, SendOutcome
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.voice.calls import CallEvent, apply_call_event


def accept_dial(uow: UnitOfWork, channel: Channel, request: SendRequest, dial: Dial) -> Delivery:
    """Store the pending dial; the sender places it."""
    now = datetime.now(UTC)
    delivery = Delivery(
        id=str(uuid.uuid4()), tenant_id=channel.tenant_id, message_id=None, conversation_id=None,
        channel_id=channel.id, channel_kind="voice", to_address=request.to_address, text=request.text,
        subject=None, purpose=request.purpose, idempotency_key=request.idempotency_key,
        request_hash=request.fingerprint("command"), status="pending", attempts=0, next_attempt_at=now,
        attempt_id=request.attempt_id, requested_by=request.requested_by, created_at=now, updated_at=now,
        dial=asdict(dial),
    )
    IngestRepository(uow.session).add(delivery)
    return delivery


def dial_of(delivery: Delivery) -> Dial | None:
    return Dial(**delivery.dial) if delivery.dial else None  # type: ignore[arg-type]


async def dial_placed(uow: UnitOfWork, delivery: Delivery, outcome: SendOutcome) -> None:
    """The provider took the dial: the call is ringing, under the provider's call id."""
    repo = IngestRepository(uow.session)
    channel = await repo.channel(delivery.tenant_id, delivery.channel_id or "")
    assert channel is not None, "a dial is placed on its channel"
    delivery.status, delivery.next_attempt_at = "sent", None
    delivery.provider_message_id = outcome.provider_message_id
    call, _ = await apply_call_event(uow, channel, CallEvent(
        step="ringing", call_id=outcome.provider_message_id or delivery.id, from_address=channel.address,
        to_address=delivery.to_address, direction="outbound", attempt_id=delivery.attempt_id,
    ))
    delivery.conversation_id = call.conversation_id


async def attempt_of_dial(repo: IngestRepository, channel: Channel, dial_id: str | None) -> str | None:
    """The campaign attempt of one of our dials, named in a provider's report about its call."""
    if not dial_id:
        return None
    delivery = await repo.delivery_for_sender(dial_id)
    return delivery.attempt_id if delivery is not None and delivery.channel_id == channel.id else None
