"""Dead letters: list and replay the events a service's handlers gave up on.

Every service mounts this router. Dead letters live in the `SB_DLQ` stream under
`sbdlq.<service>.<tenant>`, so a caller only ever sees its own tenant's. Replay
runs the event through the same idempotent handler path as the consumer loop;
on success the dead letter is removed, on failure it stays and the error is
returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from nats.js.errors import NotFoundError
from pydantic import BaseModel

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound, Unavailable
from switchboard.common.events.base import Envelope
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.common.streams import DLQ_STREAM, dlq_subject


class DeadLetter(BaseModel):
    seq: int
    event_id: str
    type: str
    subject: str
    error: str
    deliveries: int
    failed_at: datetime | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]
    next_seq: int | None


class ReplayResult(BaseModel):
    seq: int
    event_id: str
    outcome: str


router = APIRouter(prefix="/v1/dead-letters", tags=["dead letters"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]


async def list_dead_letters(runtime: Runtime, tenant: str, after: int, limit: int) -> DeadLetterPage:
    if not runtime.bus.connected:
        raise Unavailable("the event bus is not reachable; dead letters cannot be read now")
    subject = dlq_subject(runtime.settings.service_name, tenant)
    items: list[DeadLetter] = []
    seq = after + 1
    while len(items) < limit:
        try:
            raw = await runtime.bus.js.get_msg(DLQ_STREAM, seq=seq, subject=subject, next=True)
        except NotFoundError:
            return DeadLetterPage(items=items, next_seq=None)
        items.append(_dead_letter(raw.seq or seq, raw.headers or {}, raw.data or b""))
        seq = (raw.seq or seq) + 1
    return DeadLetterPage(items=items, next_seq=seq - 1)


def _dead_letter(seq: int, headers: dict[str, str], data: bytes) -> DeadLetter:
    try:
        envelope = Envelope.model_validate_json(data)
        event_id, event_type = envelope.id, envelope.type
    except ValueError:
        event_id, event_type = "", "unparseable"
    failed_at = headers.get("Sb-Failed-At")
    return DeadLetter(
        seq=seq,
        event_id=event_id,
        type=event_type,
        subject=headers.get("Sb-Original-Subject", ""),
        error=headers.get("Sb-Error", ""),
        deliveries=int(headers.get("Sb-Deliveries", "0")),
        failed_at=datetime.fromisoformat(failed_at) if failed_at else None,
    )


@router.get("", response_model=DeadLetterPage, summary="List this service's dead letters")
async def get_dead_letters(
    principal: Admin,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    after: Annotated[int, Query(ge=0, description="stream sequence to start after")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeadLetterPage:
    return await list_dead_letters(runtime, principal.tenant, after, limit)


@router.post("/{seq}/replay", response_model=ReplayResult, summary="Process a dead letter again")
async def replay_dead_letter(
    seq: int, principal: Admin, runtime: Annotated[Runtime, Depends(get_runtime)]
) -> ReplayResult:
    if not runtime.bus.connected:
        raise Unavailable("the event bus is not reachable; dead letters cannot be replayed now")
    subject = dlq_subject(runtime.settings.service_name, principal.tenant)
    try:
        raw = await runtime.bus.js.get_msg(DLQ_STREAM, seq=seq)
    except NotFoundError as exc:
        raise NotFound(f"no dead letter {seq}") from exc
    if raw.subject != subject:
        raise NotFound(f"no dead letter {seq}")
    try:
        envelope = Envelope.model_validate_json(raw.data or b"")
    except ValueError as exc:
        raise Conflict(f"dead letter {seq} is not a valid event and cannot be replayed") from exc
    try:
        handled = await runtime.consumer.handle(envelope)
    except Exception as exc:
        raise Conflict(f"the handler failed again: {exc!r}", seq=seq, event_id=envelope.id) from exc
    await runtime.bus.js.delete_msg(DLQ_STREAM, seq)
    outcome = "processed" if handled else "already processed"
    return ReplayResult(seq=seq, event_id=envelope.id, outcome=outcome)
