"""A finished call's transcript: stored once, published once as `call.transcribed`.

A call has one transcript and it is final. The same post again (a retry after a
lost answer) is a duplicate and changes nothing; a different transcript for the
same call is refused, since quality checks and alerts were computed from the
first. Segment times are offsets from the call's answer (else its start).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from switchboard.common.errors import Conflict
from switchboard.common.events.ingest import CallTranscribed, TranscriptSegment
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Call, CallTranscript
from switchboard.ingest.outbound.rules import request_fingerprint
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import TranscriptIn


async def accept_transcript(
    uow: UnitOfWork, call: Call, transcript: TranscriptIn
) -> tuple[CallTranscript, bool]:
    """The call's transcript, and whether this post stored it (False: the same one again)."""
    repo = IngestRepository(uow.session)
    digest = request_fingerprint(language=transcript.language,
                                 segments=[s.model_dump() for s in transcript.segments])
    existing = await repo.transcript_of(call.id)
    if existing is not None:
        if existing.request_hash != digest:
            raise Conflict(f"call {call.id} already has a different transcript; a transcript is final")
        return existing, False
    now = datetime.now(UTC)
    row = CallTranscript(
        id=str(uuid.uuid4()), tenant_id=call.tenant_id, call_id=call.id,
        conversation_id=call.conversation_id, language=transcript.language,
        segments=[s.model_dump() for s in transcript.segments], request_hash=digest, received_at=now,
    )
    repo.add(row)
    spoken_from = call.answered_at or call.started_at
    await uow.emit(CallTranscribed(
        transcript_id=row.id, call_id=call.id, conversation_id=call.conversation_id,
        direction=call.direction, language=transcript.language,  # type: ignore[arg-type]
        segments=[
            TranscriptSegment(segment_id=f"{row.id}:{i}", speaker=s.speaker, text=s.text,
                              start_seconds=s.start, end_seconds=s.end,
                              at=spoken_from + timedelta(seconds=s.start))
            for i, s in enumerate(transcript.segments)
        ],
        transcribed_at=now,
    ), tenant=call.tenant_id, subject=call.conversation_id)
    return row, True
