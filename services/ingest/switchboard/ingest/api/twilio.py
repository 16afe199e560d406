"""Twilio-compatible SMS webhooks: inbound messages (answered with empty TwiML) and the status
callbacks of outbound ones, both form-encoded and signed with X-Twilio-Signature."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request, Response

from switchboard.common.errors import NotFound, Unprocessable
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.ingest.api.webhooks import _body, webhook_runtime
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.inbound import InboundMessage
from switchboard.ingest.inbound_batch import SmsWebhook, accept_sms_webhook
from switchboard.ingest.metrics import counted
from switchboard.ingest.outbound.outcomes import apply_receipt, hold_early_receipt
from switchboard.ingest.outbound.rules import TWILIO_STATUS
from switchboard.ingest.outbound.sender import wake_sender
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.twilio_signing import public_url, verify_twilio

router = APIRouter(prefix="/v1/webhooks", tags=["provider webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
REQUIRED = ("From", "To", "MessageSid")


def _form(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable("the body is not a valid form-encoded request") from exc


def _inbound(params: dict[str, str], raw: bytes) -> InboundMessage:
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        raise Unprocessable(f"missing form field(s): {', '.join(missing)}")
    media = [params[f"MediaUrl{i}"] for i in range(_num_media(params)) if f"MediaUrl{i}" in params]
    text = "\n".join([params.get("Body", ""), *media]).strip()
    return InboundMessage(
        provider_message_id=params["MessageSid"], from_address=params["From"],
        to_address=params["To"], text=text, content_type="application/x-www-form-urlencoded",
        raw_body=raw.decode("utf-8", errors="replace"),
    )


def _num_media(params: dict[str, str]) -> int:
    value = params.get("NumMedia", "0") or "0"
    if not value.isdigit() or int(value) > 10:
        raise Unprocessable("NumMedia must be a whole number from 0 to 10")
    return int(value)


@router.post("/sms/twilio/{channel_id}", summary="Inbound SMS from Twilio (or a compatible provider)")
async def twilio_sms_inbound(
    channel_id: str,
    request: Request,
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    runtime = webhook_runtime(request)
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)
    url = public_url(str(request.url), settings.public_base_url)

    def verify(secret: str) -> None:
        form = _form(body)
        counted("twilio", lambda: verify_twilio(secret, url, form, x_twilio_signature))

    # Committed with the other webhooks arriving meanwhile (see inbound_batch.py).
    accepted = await accept_sms_webhook(
        runtime, SmsWebhook(channel_id, verify, lambda: _inbound(dict(_form(body)), body)))
    if accepted.reply_queued:  # a HELP's answer: send it now, not at the next poll
        wake_sender(runtime)
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/sms/twilio/{channel_id}/status", summary="Twilio status callback for an outbound SMS")
async def twilio_status_callback(
    channel_id: str,
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)
    async with runtime.unit_of_work() as uow:
        repo = IngestRepository(uow.session)
        channel = await repo.channel_for_webhook(channel_id)
        if channel is None or channel.kind != "sms":
            raise NotFound(f"no SMS channel {channel_id}")
        form = _form(body)
        url = public_url(str(request.url), settings.public_base_url)
        counted("twilio", lambda: verify_twilio(channel.signing_secret, url, form, x_twilio_signature))
        params = dict(form)
        sid, reported = params.get("MessageSid"), params.get("MessageStatus")
        if not sid or not reported:
            raise Unprocessable("missing form field(s): MessageSid and MessageStatus are required")
        uow.scope_to(channel.tenant_id)
        delivery = await repo.delivery_by_provider_id(channel.id, sid)
        if (status := TWILIO_STATUS.get(reported)) is not None:  # newer Twilio states are ignored
            if delivery is None:
                await hold_early_receipt(uow, channel, sid, status, _twilio_error(params))
            else:
                await apply_receipt(uow, delivery, status, _twilio_error(params))
            await uow.commit()
    return Response(status_code=204)


def _twilio_error(params: dict[str, str]) -> str | None:
    code = params.get("ErrorCode")
    if not code:
        return None
    message = params.get("ErrorMessage")
    return f"Twilio error {code}: {message}" if message else f"Twilio error {code}"
