"""Accepting a send: one transaction stores the message, its delivery and their events.

Nothing is sent here. The sender picks the delivery up once the transaction has
committed, so an accepted send survives a crash and is never lost, and a send
that is refused (opted out, a channel that cannot send) stores nothing but,
for commands, the refusal itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from switchboard.common.errors import Conflict, Problem, Unprocessable
from switchboard.common.events.ingest import ConversationOpened, MessageDeliveryUpdated
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Channel, Conversation, Delivery, Message
from switchboard.ingest.outbound.providers import cannot_send
from switchboard.ingest.outbound.rules import request_fingerprint
from switchboard.ingest.repository import IngestRepository

SMS_MAX_CHARS = 1600  # what Twilio and most gateways take in one (concatenated) message


@dataclass(frozen=True)
class SendRequest:
    to_address: str
    text: str
    idempotency_key: str
    purpose: str = "service"
    subject: str | None = None
    requested_by: str | None = None
    attempt_id: str | None = None

    def fingerprint(self, target: str) -> str:
        return request_fingerprint(target=target, to=self.to_address, text=self.text,
                                   purpose=self.purpose, subject=self.subject)


async def replayed(repo: IngestRepository, tenant: str, request: SendRequest, target: str) -> Delivery | None:
    """The delivery an earlier request with the same key created; a different request is refused."""
    existing = await repo.delivery_by_key(tenant, request.idempotency_key)
    if existing is not None and existing.request_hash != request.fingerprint(target):
        raise Unprocessable(
            "the Idempotency-Key was already used for a different request; use a new key"
        )
    return existing


async def check_sendable(repo: IngestRepository, channel: Channel, request: SendRequest) -> None:
    """Refuse what must not be sent: an unusable channel, or marketing to an opted-out address."""
    if reason := cannot_send(channel.kind, channel.provider, channel.credentials):
        raise Unprocessable(f"channel {channel.id} cannot send: {reason}")
    if channel.kind == "sms" and len(request.text) > SMS_MAX_CHARS:
        raise Unprocessable(f"text: an SMS takes at most {SMS_MAX_CHARS} characters")
    if request.purpose == "marketing" and await repo.opt_out(
        channel.tenant_id, channel.kind, request.to_address
    ):
        raise Conflict(
            f"the recipient opted out of marketing on {channel.kind}; only service messages may go",
            reason="opted_out",
        )


async def accept_send(
    uow: UnitOfWork,
    channel: Channel,
    request: SendRequest,
    *,
    target: str,
    inactivity: timedelta,
    conversation: Conversation | None = None,
) -> Delivery:
    """Store the outbound message and its pending delivery; the sender does the rest."""
    repo = IngestRepository(uow.session)
    now = datetime.now(UTC)
    if conversation is None:
        conversation = await _conversation_for(uow, channel, request.to_address, now, inactivity)
    conversation.last_activity_at = now
    message = Message(
        id=str(uuid.uuid4()), tenant_id=channel.tenant_id, conversation_id=conversation.id,
        channel_id=channel.id, direction="out", from_address=channel.address,
        to_address=request.to_address, text=request.text, provider_message_id=None, created_at=now,
    )
    repo.add(message)
    await repo.flush()
    delivery = Delivery(
        id=message.id, tenant_id=channel.tenant_id, message_id=message.id,
        conversation_id=conversation.id, channel_id=channel.id, channel_kind=channel.kind,
        to_address=request.to_address, text=request.text, subject=request.subject,
        purpose=request.purpose, idempotency_key=request.idempotency_key,
        request_hash=request.fingerprint(target), status="pending", attempts=0,
        next_attempt_at=now, attempt_id=request.attempt_id, requested_by=request.requested_by,
        created_at=now, updated_at=now,
    )
    repo.add(delivery)
    return delivery


async def _conversation_for(
    uow: UnitOfWork, channel: Channel, address: str, now: datetime, inactivity: timedelta
) -> Conversation:
    """The open thread with this customer on this channel, or a new outbound one."""
    repo = IngestRepository(uow.session)
    found = await repo.open_conversation(channel.tenant_id, channel.id, address, now - inactivity)
    if found is not None:
        return found
    conversation = Conversation(
        id=str(uuid.uuid4()), tenant_id=channel.tenant_id, channel_id=channel.id,
        channel_kind=channel.kind, customer_address=address, status="open",
        opened_at=now, last_activity_at=now,
    )
    repo.add(conversation)
    await uow.emit(
        ConversationOpened(
            conversation_id=conversation.id, channel=channel.kind,  # type: ignore[arg-type]
            channel_id=channel.id, customer_address=address, direction="outbound", opened_at=now,
        ),
        tenant=channel.tenant_id, subject=conversation.id,
    )
    return conversation


async def record_refusal(
    uow: UnitOfWork,
    tenant: str,
    kind: str,
    channel_id: str | None,
    request: SendRequest,
    refusal: Problem,
    verdict: str = "refused",
) -> Delivery:
    """A command that cannot be sent leaves a failed delivery and says why, once (the error
    starts with the verdict: `refused`, or `expired` for a request that came too late)."""
    now = datetime.now(UTC)
    delivery = Delivery(
        id=str(uuid.uuid4()), tenant_id=tenant, message_id=None, conversation_id=None,
        channel_id=channel_id, channel_kind=kind, to_address=request.to_address,
        text=request.text, subject=request.subject, purpose=request.purpose,
        idempotency_key=request.idempotency_key, request_hash=request.fingerprint("command"),
        status="refused", attempts=0, next_attempt_at=None, last_error=refusal.detail,
        attempt_id=request.attempt_id, requested_by=request.requested_by,
        created_at=now, updated_at=now,
    )
    IngestRepository(uow.session).add(delivery)
    await uow.emit(
        MessageDeliveryUpdated(
            message_id=delivery.id, status="failed", error=f"{verdict}: {refusal.detail}",
            attempt_id=request.attempt_id, updated_at=now,
        ),
        tenant=tenant, subject=delivery.id,
    )
    return delivery
