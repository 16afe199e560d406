"""Calls' transcripts, posted by the speech-to-text system once a call is over.

The transcriber is a service of the operator's platform (it fetches the
recording from the PBX or Twilio, transcribes it, posts the result), so it
authenticates as one: a bearer JWT with role `service`, its tenant in the token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import IntegrityError

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.ingest.api.webhooks import _body, _parse
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import TranscriptIn, TranscriptOut
from switchboard.ingest.voice.transcripts import accept_transcript

router = APIRouter(prefix="/v1/calls", tags=["calls"])
Transcriber = Annotated[Principal, Depends(require_roles("service", "admin"))]


@router.post(
    "/{call_ref}/transcript", response_model=TranscriptOut,
    summary="A finished call's transcript from a speech-to-text system",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": TranscriptIn.model_json_schema()}}}},
)
async def post_transcript(
    call_ref: str, request: Request, principal: Transcriber,
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> TranscriptOut:
    """`call_ref` is Switchboard's call id, the call's conversation id, or the provider's call id."""
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    transcript = _parse(TranscriptIn, await _body(request, settings.max_transcript_bytes))
    for attempt in range(2):
        async with runtime.unit_of_work() as uow:
            uow.scope_to(principal.tenant)
            call = await IngestRepository(uow.session).call_by_reference(principal.tenant, call_ref)
            if call is None:
                raise NotFound(f"no call {call_ref}")
            row, stored = await accept_transcript(uow, call, transcript)
            try:
                await uow.commit()
            except IntegrityError:  # the same transcript posted twice at the same moment
                await uow.rollback()
                if attempt == 0:
                    continue
                raise Conflict("the transcript changed at the same moment; post it again") from None
            return TranscriptOut(status="accepted" if stored else "duplicate", transcript_id=row.id,
                                 call_id=call.id, conversation_id=call.conversation_id,
                                 segments=len(row.segments))
    raise AssertionError("unreachable")
