"""Accepting an inbound message: dedupe, thread, store, and emit in one transaction.

SMS keywords are acted on in the same transaction: an opt-out is recorded, a
HELP gets its answer queued for the sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from switchboard.common.events.ingest import Channel as ChannelKind
from switchboard.common.events.ingest import ConsentOptedOut, ConversationOpened, MessageReceived
from switchboard.common.ids import new_id
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.help import answer_help
from switchboard.ingest.keywords import classify
from switchboard.ingest.mail.mime import AttachmentData
from switchboard.ingest.models import Attachment, Channel, Conversation, Message, OptOut, RawPayload
from switchboard.ingest.repository import IngestRepository


@dataclass(frozen=True)
class InboundMessage:
    provider_message_id: str
    from_address: str
    to_address: str
    text: str
    content_type: str
    raw_body: str
    received_at: datetime | None = None
    subject: str | None = None
    # Email: the Message-IDs this one answers (In-Reply-To, then References), nearest first.
    thread_ids: tuple[str, ...] = ()
    attachments: tuple[AttachmentData, ...] = ()
    # Chat: the session's conversation, chosen by the caller.
    conversation_id: str | None = None


@dataclass(frozen=True)
class Accepted:
    message_id: str
    conversation_id: str
    duplicate: bool
    reply_queued: bool = False  # a HELP answer waits for the sender


async def accept_inbound(
    uow: UnitOfWork, channel: Channel, inbound: InboundMessage, *, inactivity: timedelta,
    max_attachment_bytes: int = 10 * 1024 * 1024,
) -> Accepted:
    repo = IngestRepository(uow.session)
    existing = await repo.message_by_provider_id(channel.id, inbound.provider_message_id)
    if existing is not None:
        return Accepted(existing.id, existing.conversation_id, duplicate=True)

    now = datetime.now(UTC)
    conversation = await _thread_of(repo, channel, inbound, now - inactivity)
    kind: ChannelKind = channel.kind  # type: ignore[assignment]
    if conversation is None:
        conversation = Conversation(
            id=new_id(), tenant_id=channel.tenant_id, channel_id=channel.id,
            channel_kind=channel.kind, customer_address=inbound.from_address, status="open",
            opened_at=now, last_activity_at=now,
        )
        repo.add(conversation)
        await uow.emit(
            ConversationOpened(
                conversation_id=conversation.id, channel=kind, channel_id=channel.id,
                customer_address=inbound.from_address, opened_at=now,
            ),
            tenant=channel.tenant_id, subject=conversation.id,
        )
    conversation.last_activity_at = now
    message = Message(
        id=new_id(), tenant_id=channel.tenant_id, conversation_id=conversation.id,
        channel_id=channel.id, direction="in", from_address=inbound.from_address,
        to_address=inbound.to_address, text=inbound.text,
        provider_message_id=inbound.provider_message_id, created_at=now, subject=inbound.subject,
    )
    repo.add(message)
    await repo.flush()
    store_attachments(repo, message, inbound.attachments, max_attachment_bytes, now)
    repo.add(RawPayload(
        id=new_id(), tenant_id=channel.tenant_id, channel_id=channel.id,
        message_id=message.id, content_type=inbound.content_type, body=inbound.raw_body,
        received_at=now,
    ))
    await uow.emit(
        MessageReceived(
            message_id=message.id, conversation_id=conversation.id, channel=kind,
            channel_id=channel.id, from_address=inbound.from_address,
            to_address=inbound.to_address, text=inbound.text,
            provider_message_id=inbound.provider_message_id,
            received_at=inbound.received_at or now, subject=inbound.subject,
            attachment_count=len(inbound.attachments),
        ),
        tenant=channel.tenant_id, subject=conversation.id,
    )
    await _record_opt_out(uow, channel, inbound, conversation.id, now)
    replied = False
    if channel.kind == "sms" and (found := classify(inbound.text)) and found[0] == "help":
        replied = await answer_help(uow, channel, conversation, message.id, inactivity)
    return Accepted(message.id, conversation.id, duplicate=False, reply_queued=replied)


async def _thread_of(
    repo: IngestRepository, channel: Channel, inbound: InboundMessage, active_since: datetime
) -> Conversation | None:
    """Chat by its session, email by its headers (a reply joins the open conversation of what it
    answers), every other channel by the customer's address within the inactivity window."""
    if inbound.conversation_id is not None:
        return await repo.conversation(channel.tenant_id, inbound.conversation_id)
    if channel.kind == "email":
        return await repo.open_conversation_of_thread(channel.tenant_id, channel.id, inbound.thread_ids)
    return await repo.open_conversation(
        channel.tenant_id, channel.id, inbound.from_address, active_since
    )


def store_attachments(
    repo: IngestRepository, message: Message, attachments: tuple[AttachmentData, ...],
    max_bytes: int, now: datetime,
) -> None:
    """Every attachment is described; its content is kept only within the size limit."""
    for position, item in enumerate(attachments, start=1):
        repo.add(Attachment(
            id=new_id(), tenant_id=message.tenant_id, message_id=message.id, position=position,
            filename=item.filename[:255], content_type=item.content_type[:255], size=len(item.data),
            inline=item.inline, content_id=(item.content_id or "")[:255] or None,
            data=item.data if len(item.data) <= max_bytes else None, created_at=now,
        ))


async def _record_opt_out(
    uow: UnitOfWork, channel: Channel, inbound: InboundMessage, conversation_id: str, now: datetime
) -> None:
    """A whole-message opt-out keyword is recorded and published in the same transaction."""
    found = classify(inbound.text) if channel.kind == "sms" else None
    if found is None or found[0] != "opt_out":
        return
    repo = IngestRepository(uow.session)
    if await repo.opt_out(channel.tenant_id, channel.kind, inbound.from_address) is None:
        repo.add(OptOut(
            id=new_id(), tenant_id=channel.tenant_id, channel_kind=channel.kind,
            address=inbound.from_address, keyword=found[1], source="keyword", created_at=now,
        ))
    await uow.emit(
        ConsentOptedOut(
            channel="sms", address=inbound.from_address, keyword=found[1],
            conversation_id=conversation_id, at=now,
        ),
        tenant=channel.tenant_id, subject=conversation_id,
    )
