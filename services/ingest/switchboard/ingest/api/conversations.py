"""Conversations: closing by an agent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.repository import IngestRepository

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])
Agent = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


class ConversationState(BaseModel):
    id: str
    status: str


@router.post("/{conversation_id}/close", response_model=ConversationState,
             summary="Close a conversation (an agent finished it)")
async def close_conversation(conversation_id: str, principal: Agent, uow: Uow) -> ConversationState:
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
    return ConversationState(id=conversation.id, status=conversation.status)
