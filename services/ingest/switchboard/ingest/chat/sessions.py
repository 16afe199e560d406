"""Visitor sessions: start one (a conversation and a token), check the token, accept messages."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from switchboard.common.errors import Conflict, Forbidden, NotFound
from switchboard.common.events.ingest import ConversationOpened
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import Accepted, InboundMessage, accept_inbound
from switchboard.ingest.models import Channel, ChatSession, Conversation
from switchboard.ingest.repository import IngestRepository


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    uow: UnitOfWork, channel: Channel, visitor_name: str | None
) -> tuple[ChatSession, str]:
    """A new conversation for the visitor, and the token (returned once, stored as a digest)."""
    repo = IngestRepository(uow.session)
    now = datetime.now(UTC)
    session_id = str(uuid.uuid4())
    conversation = Conversation(
        id=str(uuid.uuid4()), tenant_id=channel.tenant_id, channel_id=channel.id, channel_kind="chat",
        customer_address=f"visitor:{session_id}", status="open", opened_at=now, last_activity_at=now,
    )
    repo.add(conversation)
    token = secrets.token_urlsafe(32)
    session = ChatSession(id=session_id, tenant_id=channel.tenant_id, channel_id=channel.id,
                          conversation_id=conversation.id, token_hash=_digest(token),
                          visitor_name=visitor_name, created_at=now)
    await repo.flush()
    repo.add(session)
    await uow.emit(
        ConversationOpened(conversation_id=conversation.id, channel="chat", channel_id=channel.id,
                           customer_address=conversation.customer_address, opened_at=now),
        tenant=channel.tenant_id, subject=conversation.id,
    )
    return session, token


async def visitor_session(repo: IngestRepository, session_id: str, token: str | None) -> ChatSession:
    """The session the token opens; a wrong or missing token is refused like an unknown session."""
    session = await repo.chat_session(session_id)
    if session is None:
        raise NotFound(f"no chat session {session_id}")
    if not token or not hmac.compare_digest(session.token_hash, _digest(token)):
        raise Forbidden("the visitor token does not open this chat session")
    return session


async def accept_visitor_message(
    uow: UnitOfWork, session: ChatSession, text: str, client_id: str | None
) -> Accepted:
    """A visitor's message, de-duplicated on the client's own id when it sends one."""
    repo = IngestRepository(uow.session)
    conversation = await repo.conversation(session.tenant_id, session.conversation_id)
    channel = await repo.channel(session.tenant_id, session.channel_id)
    assert conversation is not None and channel is not None
    if conversation.status != "open":
        raise Conflict("this chat has ended; start a new one")
    inbound = InboundMessage(
        provider_message_id=f"{session.id}:{client_id or uuid.uuid4()}",
        from_address=conversation.customer_address, to_address=channel.address, text=text,
        content_type="application/json", raw_body=text, conversation_id=conversation.id,
    )
    return await accept_inbound(uow, channel, inbound, inactivity=timedelta(days=3650))
