"""What a provider answered, and what it reports later, recorded with their events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from switchboard.common.events.ingest import MessageDeliveryUpdated, MessageSent
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Channel, Delivery
from switchboard.ingest.outbound.dials import dial_placed
from switchboard.ingest.outbound.providers import SendOutcome
from switchboard.ingest.outbound.rules import FINAL, moves_forward, retry_delay, status_rank
from switchboard.ingest.repository import IngestRepository


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float


async def record_outcome(
    uow: UnitOfWork, delivery: Delivery, outcome: SendOutcome, policy: RetryPolicy
) -> None:
    """Accepted: sent (and, for a simulated receipt, its final state). Refused: retry or fail."""
    now = datetime.now(UTC)
    delivery.updated_at = now
    if outcome.accepted:
        if delivery.channel_kind == "voice":
            await dial_placed(uow, delivery, outcome)
        else:
            await _sent(uow, delivery, outcome, now)
        return
    delivery.last_error = outcome.error
    if outcome.retryable and delivery.attempts < policy.max_attempts:
        delay = retry_delay(delivery.attempts, policy.backoff_seconds, policy.backoff_max_seconds)
        delivery.status = "pending"
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        return
    delivery.status = "failed"
    delivery.next_attempt_at = None
    await _emit_update(uow, delivery, "failed", outcome.error, now)


async def _sent(uow: UnitOfWork, delivery: Delivery, outcome: SendOutcome, now: datetime) -> None:
    delivery.provider_message_id = outcome.provider_message_id
    delivery.next_attempt_at = None
    delivery.status = "sent" if outcome.status in FINAL else outcome.status
    if delivery.message_id is not None:
        message = await IngestRepository(uow.session).message(delivery.tenant_id, delivery.message_id)
        if message is not None:
            message.provider_message_id = outcome.provider_message_id
    await uow.emit(
        MessageSent(
            message_id=delivery.id, conversation_id=delivery.conversation_id or "",
            channel=delivery.channel_kind,  # type: ignore[arg-type]
            to_address=delivery.to_address, purpose=delivery.purpose,  # type: ignore[arg-type]
            sent_by=delivery.requested_by, attempt_id=delivery.attempt_id, sent_at=now,
            text=delivery.text,
        ),
        tenant=delivery.tenant_id, subject=delivery.conversation_id or delivery.id,
    )
    if outcome.status in FINAL:  # the sandbox's simulated receipt
        await apply_receipt(uow, delivery, outcome.status, outcome.error)
    await _apply_early_receipts(uow, delivery)


async def apply_receipt(
    uow: UnitOfWork, delivery: Delivery, reported: str, error: str | None
) -> bool:
    """A provider's delivery report; applied (with its event) only if it moves the state on."""
    if not moves_forward(delivery.status, reported):
        return False
    now = datetime.now(UTC)
    delivery.status = reported
    delivery.updated_at = now
    if error:
        delivery.last_error = error
    await _emit_update(uow, delivery, reported, error, now)
    return True


async def _emit_update(
    uow: UnitOfWork, delivery: Delivery, status: str, error: str | None, now: datetime
) -> None:
    await uow.emit(
        MessageDeliveryUpdated(
            message_id=delivery.id, status=status, error=error,  # type: ignore[arg-type]
            attempt_id=delivery.attempt_id, updated_at=now,
            conversation_id=delivery.conversation_id,
        ),
        tenant=delivery.tenant_id, subject=delivery.conversation_id or delivery.id,
    )


# A report no send of ours takes within a day was never ours.
EARLY_RECEIPTS_KEPT = timedelta(days=1)


async def hold_early_receipt(
    uow: UnitOfWork, channel: Channel, provider_id: str, status: str, error: str | None
) -> None:
    """A report on a provider id no send has yet: held, to apply when the sender records the id.

    The sender learns the id from the provider's answer to the send and commits it a moment
    later; a fast gateway can report on the message inside that moment. Refusing the report
    would lose it (Twilio does not retry a status callback)."""
    repo = IngestRepository(uow.session)
    now = datetime.now(UTC)
    await repo.drop_early_receipts(channel.id, now - EARLY_RECEIPTS_KEPT)
    await repo.hold_early_receipt({
        "id": str(uuid.uuid4()), "tenant_id": channel.tenant_id, "channel_id": channel.id,
        "provider_message_id": provider_id, "status": status, "error": error, "received_at": now,
    })


async def _apply_early_receipts(uow: UnitOfWork, delivery: Delivery) -> None:
    """The reports held for the provider id just recorded, in the order a message moves."""
    if not delivery.channel_id or not delivery.provider_message_id:
        return
    held = await IngestRepository(uow.session).take_early_receipts(
        delivery.channel_id, delivery.provider_message_id)
    for receipt in sorted(held, key=lambda row: status_rank(row.status)):
        await apply_receipt(uow, delivery, receipt.status, receipt.error)
