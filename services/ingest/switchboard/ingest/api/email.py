"""Inbound email webhooks: Mailgun-style parsed mail, and raw MIME from any relay."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.exc import IntegrityError

from switchboard.common.errors import NotFound, Unprocessable
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.api.webhooks import _body, _duplicate
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.inbound import InboundMessage, accept_inbound
from switchboard.ingest.mail.inbound import as_inbound
from switchboard.ingest.mail.mailgun import parse_form, parsed_email, verify_mailgun
from switchboard.ingest.mail.mime import parse_mime
from switchboard.ingest.metrics import counted
from switchboard.ingest.models import Channel
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import WebhookAccepted
from switchboard.ingest.signatures import verify_generic

router = APIRouter(prefix="/v1/webhooks/email", tags=["provider webhooks"])


async def _email_channel(uow: UnitOfWork, channel_id: str) -> Channel:
    channel = await IngestRepository(uow.session).channel_for_webhook(channel_id)
    if channel is None or channel.kind != "email":
        raise NotFound(f"no email channel {channel_id}")
    return channel


@router.post("/mailgun/{channel_id}", response_model=WebhookAccepted,
             summary="Inbound email, parsed by Mailgun (or a provider posting the same form)")
async def mailgun_inbound(
    channel_id: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)],
) -> WebhookAccepted:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_email_bytes)
    async with runtime.unit_of_work() as uow:
        channel = await _email_channel(uow, channel_id)
        form, files = parse_form(body, request.headers.get("content-type", ""))
        counted("mailgun", lambda: verify_mailgun(
            channel.signing_secret, form, window_seconds=settings.signature_window_seconds))
        parsed = parsed_email(form, files)
        fields = {k: v for k, v in form.items() if k not in ("signature", "token")}
        inbound = as_inbound(parsed, channel_address=channel.address, content_type="application/json",
                             raw=json.dumps(fields, ensure_ascii=False).encode())
        return await _accept(runtime, uow, channel, inbound, settings)


@router.post("/raw/{channel_id}", response_model=WebhookAccepted,
             summary="Inbound email as raw MIME (message/rfc822), HMAC-signed")
async def raw_mime_inbound(
    channel_id: str, request: Request, runtime: Annotated[Runtime, Depends(get_runtime)],
    x_signature_timestamp: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> WebhookAccepted:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    body = await _body(request, settings.max_email_bytes)
    async with runtime.unit_of_work() as uow:
        channel = await _email_channel(uow, channel_id)
        counted("raw-mime", lambda: verify_generic(
            channel.signing_secret, x_signature_timestamp, x_signature, body,
            window_seconds=settings.signature_window_seconds,
        ))
        if not request.headers.get("content-type", "").lower().startswith("message/rfc822"):
            raise Unprocessable("the body must be a whole message, Content-Type: message/rfc822")
        inbound = as_inbound(parse_mime(body), channel_address=channel.address,
                             content_type="message/rfc822", raw=body)
        return await _accept(runtime, uow, channel, inbound, settings)


async def _accept(
    runtime: Runtime, uow: UnitOfWork, channel: Channel, inbound: InboundMessage,
    settings: IngestSettings,
) -> WebhookAccepted:
    uow.scope_to(channel.tenant_id)
    accepted = await accept_inbound(
        uow, channel, inbound, inactivity=timedelta(hours=settings.sms_inactivity_hours),
        max_attachment_bytes=settings.max_attachment_bytes,
    )
    try:
        await uow.commit()
    except IntegrityError:
        await uow.rollback()
        return await _duplicate(runtime, channel, inbound.provider_message_id)
    return WebhookAccepted(
        status="duplicate" if accepted.duplicate else "accepted",
        message_id=accepted.message_id, conversation_id=accepted.conversation_id,
    )
