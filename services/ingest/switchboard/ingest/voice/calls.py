"""A call's life from the telephony events: each step recorded and published once.

Events may repeat and arrive out of order (an `answered` before its `ringing`,
a late `answered` after `ended`): a call only moves forward, ringing ->
answered -> ended, and a step it has passed is ignored. A call is a
conversation; its end closes it. A call ingest placed for a campaign attempt
(outbound/dials.py) carries the attempt's id on all its events.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from switchboard.common.events.ingest import (
    CallAnswered,
    CallEnded,
    CallKeypadAnswered,
    CallStarted,
    ConversationClosed,
    ConversationOpened,
)
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Call, Channel, Conversation
from switchboard.ingest.repository import IngestRepository

Step = Literal["ringing", "answered", "ended"]
Outcome = Literal["completed", "busy", "no_answer", "failed", "machine", "abandoned"]
_ORDER = {"ringing": 0, "answered": 1, "ended": 2}


@dataclass(frozen=True)
class CallEvent:
    step: Step
    call_id: str
    from_address: str
    to_address: str
    direction: Literal["inbound", "outbound"] = "inbound"
    at: datetime | None = None
    ivr_selection: str | None = None
    answered_by: Literal["agent", "customer", "machine"] = "agent"
    recording_ref: str | None = None
    talk_seconds: float | None = None
    outcome: Outcome | None = None  # for `ended`; None: completed if answered (machine if a
    # machine answered), else abandoned
    attempt_id: str | None = None
    dial_id: str | None = None  # our dial (a delivery) the provider says this call is


async def apply_call_event(uow: UnitOfWork, channel: Channel, event: CallEvent) -> tuple[Call, bool]:
    """The call after this event, and whether the event changed anything."""
    repo = IngestRepository(uow.session)
    at = event.at or datetime.now(UTC)
    call = await repo.call_by_provider_id(channel.id, event.call_id)
    changed = False
    if call is None:
        call = await _start(uow, channel, event, at)
        changed = True
    if event.recording_ref and call.recording_ref != event.recording_ref:
        call.recording_ref, changed = event.recording_ref, True
    if event.ivr_selection and not call.ivr_selection:
        call.ivr_selection, changed = event.ivr_selection, True
    if event.attempt_id and not call.attempt_id:  # the provider reported before our dial was recorded
        call.attempt_id, changed = event.attempt_id, True
    if _ORDER[event.step] <= _ORDER[call.status]:
        return call, changed
    if event.step == "answered":
        await _answer(uow, call, event, at)
    elif event.step == "ended":
        await _end(uow, call, event, at)
    return call, True


async def _start(uow: UnitOfWork, channel: Channel, event: CallEvent, at: datetime) -> Call:
    repo = IngestRepository(uow.session)
    customer = event.from_address if event.direction == "inbound" else event.to_address
    conversation = Conversation(
        id=str(uuid.uuid4()), tenant_id=channel.tenant_id, channel_id=channel.id, channel_kind="voice",
        customer_address=customer, status="open", opened_at=at, last_activity_at=at,
    )
    repo.add(conversation)
    await repo.flush()
    call = Call(
        id=str(uuid.uuid4()), tenant_id=channel.tenant_id, channel_id=channel.id,
        conversation_id=conversation.id, provider_call_id=event.call_id, direction=event.direction[:8],
        from_address=event.from_address, to_address=event.to_address, status="ringing",
        ivr_selection=event.ivr_selection, recording_ref=event.recording_ref, started_at=at,
        attempt_id=event.attempt_id,
    )
    repo.add(call)
    await uow.emit(ConversationOpened(
        conversation_id=conversation.id, channel="voice", channel_id=channel.id,
        customer_address=customer, direction=event.direction, opened_at=at,
    ), tenant=channel.tenant_id, subject=conversation.id)
    await uow.emit(CallStarted(**_facts(call, at), ivr_selection=event.ivr_selection),
                   tenant=channel.tenant_id, subject=conversation.id)
    return call


async def _answer(uow: UnitOfWork, call: Call, event: CallEvent, at: datetime) -> None:
    call.status, call.answered_at, call.answered_by = "answered", at, event.answered_by
    await uow.emit(CallAnswered(**_facts(call, at), answered_by=event.answered_by),
                   tenant=call.tenant_id, subject=call.conversation_id)


async def _end(uow: UnitOfWork, call: Call, event: CallEvent, at: datetime) -> None:
    answered = call.answered_at is not None
    if event.outcome is not None:
        outcome: Outcome = event.outcome
    elif answered:
        outcome = "machine" if call.answered_by == "machine" else "completed"
    else:
        outcome = "abandoned"
    talk = event.talk_seconds if event.talk_seconds is not None else (
        max(0.0, (at - call.answered_at).total_seconds()) if call.answered_at else 0.0)
    call.status, call.ended_at = "ended", at
    await uow.emit(CallEnded(
        **_facts(call, at), abandoned=outcome == "abandoned", talk_seconds=talk,
        recording_ref=call.recording_ref, outcome=outcome,
    ), tenant=call.tenant_id, subject=call.conversation_id)
    conversation = await IngestRepository(uow.session).conversation(call.tenant_id, call.conversation_id)
    if conversation is not None and conversation.status == "open":
        conversation.status, conversation.last_activity_at = "closed", at
        await uow.emit(ConversationClosed(conversation_id=conversation.id, channel="voice",
                                          reason="system", closed_at=at),
                       tenant=call.tenant_id, subject=conversation.id)


async def record_keypad_answer(uow: UnitOfWork, call: Call, digits: str) -> bool:
    """The keys the callee pressed to answer the call's question; the first answer stands."""
    if call.keypad_answer is not None:
        return False  # the provider retried its request
    call.keypad_answer = digits
    await uow.emit(CallKeypadAnswered(**_facts(call, datetime.now(UTC)), digits=digits),
                   tenant=call.tenant_id, subject=call.conversation_id)
    return True


def _facts(call: Call, at: datetime) -> dict[str, object]:
    return {"call_id": call.id, "conversation_id": call.conversation_id, "from_address": call.from_address,
            "to_address": call.to_address, "direction": call.direction, "at": at,
            "attempt_id": call.attempt_id}
