"""Conversations: closing by an agent, and live notices to a chat visitor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.runtime import Runtime, get_runtime, tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.repository import IngestRepository

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])
Agent = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


class Notice(BaseModel):
    notice: Literal["typing", "agent_joined", "agent_left"]
    agent_name: str | None = Field(None, max_length=100, description="shown to the visitor")


class NoticeSent(BaseModel):
    delivered: int = Field(description="visitor sockets on this replica that received it")


class ConversationState(BaseModel):
    id: str
    status: str


@router.post("/{conversation_id}/close", response_model=ConversationState,
             summary="Close a conversation (an agent finished it)")
async def close_conversation(
    conversation_id: str, principal: Agent, uow: Uow, runtime: Annotated[Runtime, Depends(get_runtime)],
) -> ConversationState:
    conversation = await IngestRepository(uow.session).conversation(principal.tenant, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    if conversation.status != "closed":  # closing twice is a no-op, with no second event
        now = datetime.now(UTC)
        conversation.status = "closed"
        await uow.emit(
            ConversationClosed(
                conversation_id=conversation.id, channel=conversation.channel_kind,  # type: ignore[arg-type]
                reason="agent", closed_at=now,
            ),
            tenant=principal.tenant, subject=conversation.id,
        )
    await uow.commit()
    if conversation.channel_kind == "chat":
        ended = {"type": "notice", "notice": "ended", "reason": "agent"}
        await _chat_hub(runtime).push(conversation.id, ended)
    return ConversationState(id=conversation.id, status=conversation.status)


def _chat_hub(runtime: Runtime) -> ChatHub:
    hub = runtime.extras["chat_hub"]
    assert isinstance(hub, ChatHub)
    return hub


@router.post("/{conversation_id}/notices", response_model=NoticeSent,
             summary="Tell a chat visitor an agent joined, left or is typing")
async def send_notice(
    conversation_id: str, body: Notice, principal: Agent, uow: Uow,
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> NoticeSent:
    conversation = await IngestRepository(uow.session).conversation(principal.tenant, conversation_id)
    if conversation is None or conversation.channel_kind != "chat":
        raise NotFound(f"no chat conversation {conversation_id}")
    frame = {"type": "notice", "notice": body.notice, "agent_name": body.agent_name}
    return NoticeSent(delivered=await _chat_hub(runtime).push(conversation.id, frame))
