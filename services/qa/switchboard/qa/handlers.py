"""What QA does with the events it consumes: keep each contact's transcript current."""

from __future__ import annotations

from switchboard.common.consumer import EventContext
from switchboard.common.events.ingest import (
    ConversationClosed,
    ConversationOpened,
    MessageReceived,
    MessageSent,
)
from switchboard.common.events.routing import TaskAccepted, TaskCompleted, TaskTransferred
from switchboard.qa.repository import QARepository
from switchboard.qa.transcripts import contact_for, record_message, refresh_contact


async def on_conversation_opened(event: ConversationOpened, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.opened_at)


async def on_message_received(event: MessageReceived, ctx: EventContext) -> None:
    text = "\n".join(part for part in (event.subject, event.text) if part)
    await record_message(
        ctx.uow, ctx.tenant, conversation_id=event.conversation_id, message_id=event.message_id,
        channel=event.channel, role="customer", text=text, at=event.received_at,
    )


async def on_message_sent(event: MessageSent, ctx: EventContext) -> None:
    if event.purpose != "service" or event.text is None:
        return  # marketing sends are campaign's; a send without text has nothing to check
    await record_message(
        ctx.uow, ctx.tenant, conversation_id=event.conversation_id, message_id=event.message_id,
        channel=event.channel, role="agent", text=event.text, at=event.sent_at, agent_id=event.sent_by,
    )


async def on_task_accepted(event: TaskAccepted, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    contact = await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.at)
    contact.agent_id, contact.queue_id, contact.task_id = event.agent_id, event.queue_id, event.task_id
    for message in await repo.messages(ctx.tenant, event.conversation_id):
        if message.role == "agent" and message.agent_id is None:
            message.agent_id = event.agent_id


async def on_task_transferred(event: TaskTransferred, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    contact = await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.at)
    if event.to_agent_id:
        contact.agent_id = event.to_agent_id
    if event.to_queue_id:
        contact.queue_id = event.to_queue_id


async def on_task_completed(event: TaskCompleted, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    contact = await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.at)
    contact.agent_id, contact.queue_id, contact.task_id = event.agent_id, event.queue_id, event.task_id
    contact.customer_id = event.customer_id or contact.customer_id
    contact.disposition = event.disposition
    contact.handle_seconds = event.talk_seconds + event.wrap_seconds


async def on_conversation_closed(event: ConversationClosed, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    contact = await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.closed_at)
    contact.closed_at = event.closed_at
    await refresh_contact(repo, contact, await repo.rules(ctx.tenant))
