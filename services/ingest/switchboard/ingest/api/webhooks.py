"""Provider webhooks. Authenticated by the provider's signature, not by a JWT."""

from __future__ import annotations

import json
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ValidationError

from switchboard.common.app import FastRoute
from switchboard.common.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.inbound import InboundMessage
from switchboard.ingest.inbound_batch import SmsWebhook, accept_sms_webhook
from switchboard.ingest.metrics import counted
from switchboard.ingest.models import Channel
from switchboard.ingest.outbound.outcomes import apply_receipt, hold_early_receipt
from switchboard.ingest.outbound.sender import wake_sender
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import GenericReceipt, GenericSmsInbound, WebhookAccepted
from switchboard.ingest.signatures import verify_generic

router = APIRouter(prefix="/v1/webhooks", tags=["provider webhooks"])
Parsed = TypeVar("Parsed", bound=BaseModel)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body exceeds {limit} bytes")
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLarge(f"the body exceeds {limit} bytes")
    return body


def _parse(model: type[Parsed], body: bytes) -> Parsed:
    try:
        return model.model_validate(json.loads(body))
    except json.JSONDecodeError as exc:
        raise Unprocessable(f"the body is not valid JSON: {exc.msg}") from exc
    except UnicodeDecodeError as exc:
        raise Unprocessable("the body is not UTF-8 JSON") from exc
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise Unprocessable(f"the body is not valid: {fields}") from exc


@router.post(
    "/sms/generic/{channel_id}",
    response_model=WebhookAccepted,
    summary="Inbound SMS from a generic HMAC-signed gateway",
)
async def generic_sms_inbound(
    channel_id: str,
    request: Request,
    x_signature_timestamp: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> WebhookAccepted:
    """Checked (channel, signature, body), de-duplicated, threaded and committed with the other
    webhooks arriving meanwhile (see inbound_batch.py); answered once durable. Served by
    `GENERIC_SMS_FAST` ahead of FastAPI's router (the same code): this route documents it."""
    return await accept_generic_sms(request, channel_id)


async def _generic_sms_fast(request: Request) -> Response:
    accepted = await accept_generic_sms(request, request.path_params["channel_id"])
    return Response(accepted.model_dump_json(), media_type="application/json")


GENERIC_SMS_FAST = FastRoute("POST", "/v1/webhooks/sms/generic/{channel_id}", _generic_sms_fast)


async def accept_generic_sms(request: Request, channel_id: str) -> WebhookAccepted:
    runtime = webhook_runtime(request)
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)
    timestamp = request.headers.get("x-signature-timestamp")
    signature = request.headers.get("x-signature")

    def verify(secret: str) -> None:
        counted("generic", lambda: verify_generic(
            secret, timestamp, signature, body, window_seconds=settings.signature_window_seconds,
        ))

    def parse() -> InboundMessage:
        sms = _parse(GenericSmsInbound, body)
        return InboundMessage(
            provider_message_id=sms.message_id, from_address=sms.sender,
            to_address=sms.recipient, text=sms.text, content_type="application/json",
            raw_body=body.decode("utf-8", errors="replace"), received_at=sms.received_at,
        )

    accepted = await accept_sms_webhook(runtime, SmsWebhook(channel_id, verify, parse))
    if accepted.reply_queued:  # a HELP's answer: send it now, not at the next poll
        wake_sender(runtime)
    return WebhookAccepted(
        status="duplicate" if accepted.duplicate else "accepted",
        message_id=accepted.message_id, conversation_id=accepted.conversation_id,
    )


def webhook_runtime(request: Request) -> Runtime:
    """The runtime for the inbound paths that share code with `GENERIC_SMS_FAST`, which is
    answered ahead of FastAPI's router and so without its dependencies: read from the app."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _duplicate(runtime: Runtime, channel: Channel, provider_id: str) -> WebhookAccepted:
    async with runtime.unit_of_work() as uow:
        existing = await IngestRepository(uow.session).message_by_provider_id(channel.id, provider_id)
        if existing is None:
            raise Conflict("the message collided with a concurrent request; send it again")
        return WebhookAccepted(
            status="duplicate", message_id=existing.id, conversation_id=existing.conversation_id
        )


@router.post("/sms/generic/{channel_id}/status", status_code=204,
             summary="Delivery receipt from a generic HMAC-signed gateway")
async def generic_sms_status(
    channel_id: str,
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    x_signature_timestamp: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> Response:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_webhook_bytes)
    async with runtime.unit_of_work() as uow:
        repo = IngestRepository(uow.session)
        channel = await repo.channel_for_webhook(channel_id)
        if channel is None or channel.kind != "sms":
            raise NotFound(f"no SMS channel {channel_id}")
        counted("generic", lambda: verify_generic(
            channel.signing_secret, x_signature_timestamp, x_signature, body,
            window_seconds=settings.signature_window_seconds,
        ))
        receipt = _parse(GenericReceipt, body)
        uow.scope_to(channel.tenant_id)
        delivery = await repo.delivery_by_provider_id(channel.id, receipt.message_id)
        if delivery is None:
            await hold_early_receipt(uow, channel, receipt.message_id, receipt.status, receipt.error)
        else:
            await apply_receipt(uow, delivery, receipt.status, receipt.error)
        await uow.commit()
    return Response(status_code=204)
