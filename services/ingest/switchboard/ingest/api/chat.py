"""Web chat for visitors: start a session, send and read messages over HTTP or a WebSocket.

Visitors have no JWT: starting a session returns a visitor token that opens
that session only (header `X-Visitor-Token`, or `?token=` on the socket).
Agents answer through the ordinary send API; their messages reach the socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from switchboard.common.errors import Conflict, NotFound, Problem
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.chat.limits import ChatLimits
from switchboard.ingest.chat.sessions import accept_visitor_message, start_session, visitor_session
from switchboard.ingest.models import Message
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import WebhookAccepted

router = APIRouter(prefix="/v1/chat", tags=["web chat (visitors)"])
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
VisitorToken = Annotated[str | None, Header(alias="X-Visitor-Token")]


class SessionStart(BaseModel):
    name: str | None = Field(None, max_length=255, description="what the visitor calls themself")


class SessionStarted(BaseModel):
    session_id: str
    conversation_id: str
    visitor_token: str = Field(description="opens this session only; shown once")


class VisitorMessage(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    client_id: str | None = Field(None, max_length=64, description="the widget's id: a resend is one message")


class ChatLine(BaseModel):
    id: str
    direction: str
    text: str
    created_at: str


def _limits(runtime: Runtime) -> ChatLimits:
    limits = runtime.extras["chat_limits"]
    assert isinstance(limits, ChatLimits)
    return limits


def _hub(runtime: Runtime) -> ChatHub:
    hub = runtime.extras["chat_hub"]
    assert isinstance(hub, ChatHub)
    return hub


def _line(message: Message) -> dict[str, str]:
    return ChatLine(id=message.id, direction=message.direction, text=message.text,
                    created_at=message.created_at.isoformat()).model_dump()


@router.post("/{channel_id}/sessions", status_code=201, response_model=SessionStarted,
             summary="A visitor starts a chat")
async def start_chat(
    channel_id: str, body: SessionStart, request: Request, runtime: RuntimeDep
) -> SessionStarted:
    client = request.client.host if request.client else "unknown"
    _limits(runtime).sessions_per_client.check(f"{channel_id}/{client}", "chat sessions from this address")
    async with runtime.unit_of_work() as uow:
        channel = await IngestRepository(uow.session).channel_for_webhook(channel_id)
        if channel is None or channel.kind != "chat":
            raise NotFound(f"no chat channel {channel_id}")
        uow.scope_to(channel.tenant_id)
        session, token = await start_session(uow, channel, body.name)
        await uow.commit()
    return SessionStarted(session_id=session.id, conversation_id=session.conversation_id, visitor_token=token)


@router.post("/sessions/{session_id}/messages", response_model=WebhookAccepted,
             summary="A visitor sends a message (the HTTP fallback of the socket)")
async def visitor_sends(
    session_id: str, body: VisitorMessage, runtime: RuntimeDep, x_visitor_token: VisitorToken = None,
) -> WebhookAccepted:
    session = await _socket_session(runtime, session_id, x_visitor_token)
    return await _accept_for(runtime, session, body)


@router.get("/sessions/{session_id}/messages", response_model=list[ChatLine],
            summary="The chat so far (history on reconnect, or polling)")
async def chat_history(
    session_id: str, runtime: RuntimeDep, x_visitor_token: VisitorToken = None
) -> list[Any]:
    return await _history(runtime, await _socket_session(runtime, session_id, x_visitor_token))


@router.websocket("/sessions/{session_id}/socket")
async def visitor_socket(websocket: WebSocket, session_id: str, token: str | None = None) -> None:
    runtime: Runtime = websocket.app.state.runtime
    try:
        session = await _socket_session(runtime, session_id, token)
    except Problem as problem:  # accepted then closed, so the widget can read why
        await websocket.accept()
        await websocket.close(code=4403 if problem.status == 403 else 4404, reason=problem.detail[:120])
        return
    await websocket.accept()
    hub = _hub(runtime)
    hub.join(session.conversation_id, websocket)
    try:
        await websocket.send_json({"type": "history", "messages": await _history(runtime, session)})
        while True:
            await _on_frame(runtime, websocket, session, await websocket.receive_json())
    except WebSocketDisconnect:
        pass
    finally:
        hub.leave(session.conversation_id, websocket)


@dataclass(frozen=True)
class Visitor:
    """A checked visitor session, as plain values that outlive the transaction that read them."""

    id: str
    tenant_id: str
    conversation_id: str


async def _socket_session(runtime: Runtime, session_id: str, token: str | None) -> Visitor:
    """The visitor's session, checked against its token."""
    async with runtime.unit_of_work() as uow:
        row = await visitor_session(IngestRepository(uow.session), session_id, token)
        return Visitor(row.id, row.tenant_id, row.conversation_id)


async def _history(runtime: Runtime, session: Visitor) -> list[dict[str, str]]:
    async with runtime.unit_of_work() as uow:
        messages = await IngestRepository(uow.session).messages_of(session.tenant_id, session.conversation_id)
        return [_line(m) for m in messages]


async def _on_frame(runtime: Runtime, websocket: WebSocket, session: Visitor, frame: Any) -> None:
    """`{"type": "message", "text", "client_id"}` is acknowledged with its id, or answered with an error."""
    if not isinstance(frame, dict) or frame.get("type") != "message":
        if not (isinstance(frame, dict) and frame.get("type") == "typing"):
            await websocket.send_json({"type": "error", "detail": "frames are {type: message|typing}"})
        return
    try:
        body = VisitorMessage.model_validate(frame)
        accepted = await _accept_for(runtime, session, body)
    except ValidationError as exc:
        await websocket.send_json({"type": "error", "client_id": frame.get("client_id"),
                                   "detail": "; ".join(e["msg"] for e in exc.errors())})
        return
    except Problem as problem:
        await websocket.send_json({"type": "error", "client_id": frame.get("client_id"),
                                   "status": problem.status, "detail": problem.detail})
        return
    await websocket.send_json({"type": "ack", "client_id": body.client_id, "message_id": accepted.message_id,
                               "duplicate": accepted.status == "duplicate"})


async def _accept_for(runtime: Runtime, session: Visitor, body: VisitorMessage) -> WebhookAccepted:
    """A checked visitor's message, within the session's rate limit, committed before the answer."""
    async with runtime.unit_of_work() as uow:
        _limits(runtime).messages_per_session.check(session.id, "chat messages")
        uow.scope_to(session.tenant_id)
        fresh = await IngestRepository(uow.session).chat_session(session.id)
        assert fresh is not None
        accepted = await accept_visitor_message(uow, fresh, body.text, body.client_id)
        try:
            await uow.commit()
        except IntegrityError as exc:
            raise Conflict("the message collided with a resend of itself; it is stored once") from exc
    return WebhookAccepted(status="duplicate" if accepted.duplicate else "accepted",
                           message_id=accepted.message_id, conversation_id=accepted.conversation_id)
