"""Telephony events: a generic signed JSON webhook for PBXs, and Twilio Voice status callbacks;
the keys a callee pressed to answer a keypad survey (Twilio's <Gather> action, the PBX's gather).

A report about a call ingest placed names the dial (`?dial=` in the callback URL
given with the dial, or `request_id` from a PBX), so its events carry the
campaign attempt even when the provider reports before the dial was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from switchboard.common.errors import Conflict, NotFound, Unprocessable
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.ingest.api.twilio import EMPTY_TWIML, _form
from switchboard.ingest.api.webhooks import _body, _parse
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.metrics import counted
from switchboard.ingest.models import Channel
from switchboard.ingest.outbound.dials import attempt_of_dial
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.signatures import verify_generic
from switchboard.ingest.twilio_signing import public_url, verify_twilio
from switchboard.ingest.voice.calls import CallEvent, Outcome, apply_call_event, record_keypad_answer

router = APIRouter(prefix="/v1/webhooks/voice", tags=["provider webhooks"])


class PbxCallEvent(BaseModel):
    event: Literal["ringing", "answered", "ended", "abandoned"]
    call_id: str = Field(min_length=1, max_length=255, description="the PBX's id of the call")
    sender: str = Field(min_length=1, max_length=64, alias="from", description="caller number")
    recipient: str = Field(min_length=1, max_length=64, alias="to", description="dialed number")
    direction: Literal["inbound", "outbound"] = "inbound"
    at: datetime | None = None
    ivr_selection: str | None = Field(None, max_length=64)
    answered_by: Literal["agent", "customer", "machine"] | None = Field(
        None, description="default: the agent on an inbound call, the customer on an outbound one")
    recording_ref: str | None = Field(None, max_length=1024)
    talk_seconds: float | None = Field(None, ge=0)
    outcome: Literal["completed", "busy", "no_answer", "failed", "machine"] | None = None
    request_id: str | None = Field(None, max_length=64, description="the originate request's id")


class PbxGather(BaseModel):
    call_id: str = Field(min_length=1, max_length=255, description="the PBX's id of the call")
    digits: str = Field(pattern=r"^[0-9*#]{1,16}$", description="the keys pressed")


class KeypadAccepted(BaseModel):
    status: Literal["accepted", "duplicate"]
    call_id: str


class CallAccepted(BaseModel):
    status: Literal["accepted", "unchanged"]
    call_id: str
    conversation_id: str


@router.post("/pbx/{channel_id}", response_model=CallAccepted,
             summary="A call event from a PBX (generic JSON)")
async def pbx_call_event(
    channel_id: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)],
    x_signature_timestamp: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> CallAccepted:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)

    def check(channel: Channel) -> CallEvent:
        counted("pbx", lambda: verify_generic(channel.signing_secret, x_signature_timestamp, x_signature,
                                              body, window_seconds=settings.signature_window_seconds))
        pbx = _parse(PbxCallEvent, body)
        outcome: Outcome | None = "abandoned" if pbx.event == "abandoned" else pbx.outcome
        if pbx.at is not None and pbx.at.tzinfo is None:
            raise Unprocessable("at: give the time with its offset (e.g. 2024-05-01T10:42:00+08:00)")
        return CallEvent(
            step="ended" if pbx.event == "abandoned" else pbx.event, call_id=pbx.call_id,
            dial_id=pbx.request_id,
            from_address=pbx.sender, to_address=pbx.recipient, direction=pbx.direction, at=pbx.at,
            ivr_selection=pbx.ivr_selection,
            answered_by=pbx.answered_by or ("customer" if pbx.direction == "outbound" else "agent"),
            recording_ref=pbx.recording_ref, talk_seconds=pbx.talk_seconds, outcome=outcome,
        )

    return await _record(runtime, channel_id, check, request.query_params.get("dial"))


# Twilio's CallStatus values as call steps and, for the end, outcomes.
_TWILIO_STEPS: dict[str, tuple[str, Outcome | None]] = {
    "queued": ("ringing", None), "initiated": ("ringing", None), "ringing": ("ringing", None),
    "in-progress": ("answered", None), "completed": ("ended", None), "busy": ("ended", "busy"),
    "no-answer": ("ended", "no_answer"), "canceled": ("ended", "abandoned"), "failed": ("ended", "failed"),
}


@router.post("/twilio/{channel_id}", summary="Twilio Voice webhook and status callbacks")
async def twilio_call_event(
    channel_id: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)],
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)
    url = public_url(str(request.url), settings.public_base_url)

    def check(channel: Channel) -> CallEvent:
        form = _form(body)
        counted("twilio", lambda: verify_twilio(channel.signing_secret, url, form, x_twilio_signature))
        params = dict(form)
        missing = [name for name in ("CallSid", "CallStatus", "From", "To") if not params.get(name)]
        if missing:
            raise Unprocessable(f"missing form field(s): {', '.join(missing)}")
        if params["CallStatus"] not in _TWILIO_STEPS:
            raise Unprocessable(f"CallStatus {params['CallStatus']!r} is not a Twilio call status")
        step, outcome = _TWILIO_STEPS[params["CallStatus"]]
        duration = params.get("CallDuration", "")
        outbound = params.get("Direction", "inbound").startswith("outbound")
        machine = params.get("AnsweredBy", "").startswith(("machine", "fax"))
        if machine and step == "ended" and outcome is None:
            outcome = "machine"
        return CallEvent(
            step=step, call_id=params["CallSid"], from_address=params["From"],  # type: ignore[arg-type]
            to_address=params["To"], outcome=outcome, ivr_selection=params.get("Digits") or None,
            direction="outbound" if outbound else "inbound",
            answered_by="machine" if machine else "customer" if outbound else "agent",
            recording_ref=params.get("RecordingUrl") or None,
            talk_seconds=float(duration) if duration.isdigit() else None,
        )

    await _record(runtime, channel_id, check, request.query_params.get("dial"))
    return Response(EMPTY_TWIML, media_type="text/xml")


async def _record(runtime: Runtime, channel_id: str, check: Callable[[Channel], CallEvent],
                  dial_id: str | None) -> CallAccepted:
    """Apply the event in one transaction; a first event racing its twin is applied again."""
    for attempt in range(2):
        async with runtime.unit_of_work() as uow:
            repo = IngestRepository(uow.session)
            channel = await repo.channel_for_webhook(channel_id)
            if channel is None or channel.kind != "voice":
                raise NotFound(f"no voice channel {channel_id}")
            event = check(channel)
            uow.scope_to(channel.tenant_id)
            if attempt_id := await attempt_of_dial(repo, channel, dial_id or event.dial_id):
                event = replace(event, attempt_id=attempt_id)
            call, changed = await apply_call_event(uow, channel, event)
            try:
                await uow.commit()
            except IntegrityError:
                await uow.rollback()
                if attempt == 0:
                    continue
                raise Conflict("the call changed at the same moment; send the event again") from None
            return CallAccepted(status="accepted" if changed else "unchanged", call_id=call.id,
                                conversation_id=call.conversation_id)
    raise AssertionError("unreachable")


@router.post("/pbx/{channel_id}/gather", response_model=KeypadAccepted,
             summary="The keys a callee pressed to answer a keypad survey (PBX)")
async def pbx_gather(
    channel_id: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)],
    x_signature_timestamp: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> KeypadAccepted:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)

    def check(channel: Channel) -> tuple[str, str]:
        counted("pbx", lambda: verify_generic(channel.signing_secret, x_signature_timestamp, x_signature,
                                              body, window_seconds=settings.signature_window_seconds))
        gathered = _parse(PbxGather, body)
        return gathered.call_id, gathered.digits

    return await _record_keypad(runtime, channel_id, check)


@router.post("/twilio/{channel_id}/gather", summary="Twilio <Gather> action: a keypad survey's answer")
async def twilio_gather(
    channel_id: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)],
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)
    url = public_url(str(request.url), settings.public_base_url)

    def check(channel: Channel) -> tuple[str, str]:
        form = _form(body)
        counted("twilio", lambda: verify_twilio(channel.signing_secret, url, form, x_twilio_signature))
        params = dict(form)
        if not params.get("CallSid"):
            raise Unprocessable("missing form field(s): CallSid")
        digits = params.get("Digits", "")
        if not (0 < len(digits) <= 16 and all(key in "0123456789*#" for key in digits)):
            raise Unprocessable("Digits: the keys pressed (0-9, * and #), 1 to 16 of them")
        return params["CallSid"], digits

    await _record_keypad(runtime, channel_id, check)
    return Response(THANKS_TWIML, media_type="text/xml")


THANKS_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you.</Say><Hangup/></Response>'


async def _record_keypad(runtime: Runtime, channel_id: str,
                         check: Callable[[Channel], tuple[str, str]]) -> KeypadAccepted:
    async with runtime.unit_of_work() as uow:
        repo = IngestRepository(uow.session)
        channel = await repo.channel_for_webhook(channel_id)
        if channel is None or channel.kind != "voice":
            raise NotFound(f"no voice channel {channel_id}")
        provider_call_id, digits = check(channel)
        uow.scope_to(channel.tenant_id)
        call = await repo.call_by_provider_id(channel.id, provider_call_id)
        if call is None:
            raise NotFound(f"no call {provider_call_id} on channel {channel_id}")
        recorded = await record_keypad_answer(uow, call, digits.rstrip("#"))
        await uow.commit()
        return KeypadAccepted(status="accepted" if recorded else "duplicate", call_id=call.id)
