"""Sending: replies in a conversation, new outbound messages, and where each delivery stands.

A send is accepted (202) once its message and delivery are committed; the
sender hands it to the provider afterwards. The same `Idempotency-Key` with the
same request answers the first request's delivery again and sends nothing more.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from sqlalchemy.exc import IntegrityError

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound
from switchboard.common.runtime import Runtime, get_runtime, tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.models import Channel, Conversation, Delivery
from switchboard.ingest.outbound.accept import SendRequest, accept_send, check_sendable, replayed
from switchboard.ingest.outbound.sender import wake_sender
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import MessageCreate, MessageOut, OutboundOut, ReplyCreate

router = APIRouter(tags=["messages"])
CanSend = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
IdempotencyKey = Annotated[str | None, Header(min_length=1, max_length=200)]


def _out(delivery: Delivery) -> OutboundOut:
    return OutboundOut(
        id=delivery.id, conversation_id=delivery.conversation_id, channel_id=delivery.channel_id,
        purpose=delivery.purpose, status=delivery.status,  # type: ignore[arg-type]
        attempts=delivery.attempts, error=delivery.last_error,
        provider_message_id=delivery.provider_message_id,
        created_at=delivery.created_at, updated_at=delivery.updated_at,
    )


@router.post("/v1/conversations/{conversation_id}/messages", status_code=202,
             response_model=OutboundOut, summary="Reply in a conversation")
async def reply(
    conversation_id: str, body: ReplyCreate, principal: CanSend, uow: Uow, runtime: RuntimeDep,
    response: Response, idempotency_key: IdempotencyKey = None,
) -> OutboundOut:
    repo = IngestRepository(uow.session)
    conversation = await repo.conversation(principal.tenant, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    request = SendRequest(
        to_address=conversation.customer_address, text=body.text, purpose=body.purpose,
        subject=body.subject, idempotency_key=idempotency_key or str(uuid.uuid4()),
        requested_by=principal.subject,
    )
    target = f"conversation:{conversation_id}"
    if existing := await replayed(repo, principal.tenant, request, target):
        return _replay(response, existing)
    if conversation.status != "open":
        raise Conflict(f"conversation {conversation_id} is closed; start a new one with POST /v1/messages")
    channel = await repo.channel(principal.tenant, conversation.channel_id)
    assert channel is not None
    return await _accept(uow, runtime, response, channel, request, target, conversation)


@router.post("/v1/messages", status_code=202, response_model=OutboundOut,
             summary="Send a message that starts a conversation (or joins the open one)")
async def send_message(
    body: MessageCreate, principal: CanSend, uow: Uow, runtime: RuntimeDep, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> OutboundOut:
    repo = IngestRepository(uow.session)
    request = SendRequest(
        to_address=body.to, text=body.text, purpose=body.purpose, subject=body.subject,
        idempotency_key=idempotency_key or str(uuid.uuid4()), requested_by=principal.subject,
    )
    target = f"channel:{body.channel_id}"
    if existing := await replayed(repo, principal.tenant, request, target):
        return _replay(response, existing)
    channel = await repo.channel(principal.tenant, body.channel_id)
    if channel is None:
        raise NotFound(f"no channel {body.channel_id}")
    return await _accept(uow, runtime, response, channel, request, target, None)


async def _accept(
    uow: UnitOfWork, runtime: Runtime, response: Response, channel: Channel,
    request: SendRequest, target: str, conversation: Conversation | None,
) -> OutboundOut:
    settings: IngestSettings = runtime.settings  # type: ignore[assignment]
    repo = IngestRepository(uow.session)
    await check_sendable(repo, channel, request)
    delivery = await accept_send(
        uow, channel, request, target=target, conversation=conversation,
        inactivity=timedelta(hours=settings.sms_inactivity_hours),
    )
    out = _out(delivery)
    try:
        await uow.commit()
    except IntegrityError:
        # The same key raced in on another connection: answer what that request stored.
        await uow.rollback()
        if existing := await replayed(repo, channel.tenant_id, request, target):
            return _replay(response, existing)
        raise
    wake_sender(runtime)
    return out


def _replay(response: Response, delivery: Delivery) -> OutboundOut:
    response.headers["Idempotent-Replayed"] = "true"
    return _out(delivery)


@router.get("/v1/messages/{message_id}", response_model=OutboundOut,
            summary="An outbound message and its delivery state")
async def get_outbound(message_id: str, principal: Reader, uow: Uow) -> OutboundOut:
    delivery = await IngestRepository(uow.session).delivery(principal.tenant, message_id)
    if delivery is None:
        raise NotFound(f"no outbound message {message_id}")
    return _out(delivery)


@router.get("/v1/conversations/{conversation_id}/messages", response_model=list[MessageOut],
            summary="A conversation's messages, oldest first")
async def conversation_messages(conversation_id: str, principal: Reader, uow: Uow) -> list[MessageOut]:
    repo = IngestRepository(uow.session)
    if await repo.conversation(principal.tenant, conversation_id) is None:
        raise NotFound(f"no conversation {conversation_id}")
    messages = await repo.messages_of(principal.tenant, conversation_id)
    deliveries = await repo.deliveries(principal.tenant, [m.id for m in messages if m.direction == "out"])
    return [
        MessageOut(
            id=m.id, direction=m.direction, from_address=m.from_address,  # type: ignore[arg-type]
            to_address=m.to_address, text=m.text, created_at=m.created_at,
            status=deliveries[m.id].status if m.id in deliveries else None, subject=m.subject,
        )
        for m in messages
    ]
