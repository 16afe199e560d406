"""What QA does with the events it consumes: keep each contact's transcript current."""

from __future__ import annotations

import uuid
from datetime import datetime

from switchboard.common.consumer import EventContext
from switchboard.common.events.campaign import AttemptDispositioned, SurveyResponseRecorded
from switchboard.common.events.ingest import (
    CallTranscribed,
    ConversationClosed,
    ConversationOpened,
    MessageReceived,
    MessageSent,
)
from switchboard.common.events.profile import ContactIdentified, CustomerErased
from switchboard.common.events.routing import (
    AgentStateChanged,
    TaskAccepted,
    TaskCompleted,
    TaskOffered,
    TaskTransferred,
)
from switchboard.qa.models import AgentActivity, Contact, SurveyResponse
from switchboard.qa.repository import QARepository
from switchboard.qa.review_sampling import note_agent, sample_if_due
from switchboard.qa.sampling_repository import SamplingRepository
from switchboard.qa.transcripts import contact_for, record_message, refresh_contact


async def on_conversation_opened(event: ConversationOpened, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.opened_at)


async def on_message_received(event: MessageReceived, ctx: EventContext) -> None:
    text = "\n".join(part for part in (event.subject, event.text) if part)
    contact = await record_message(
        ctx.uow, ctx.tenant, conversation_id=event.conversation_id, message_id=event.message_id,
        channel=event.channel, role="customer", text=text, at=event.received_at,
    )
    await _sample_late_lines(ctx, contact, event.received_at)


async def on_message_sent(event: MessageSent, ctx: EventContext) -> None:
    if event.purpose != "service" or event.text is None or not event.conversation_id:
        return  # marketing sends are campaign's; without text or a conversation there is no transcript
    contact = await record_message(
        ctx.uow, ctx.tenant, conversation_id=event.conversation_id, message_id=event.message_id,
        channel=event.channel, role="agent", text=event.text, at=event.sent_at, agent_id=event.sent_by,
    )
    await _sample_late_lines(ctx, contact, event.sent_at)


async def on_call_transcribed(event: CallTranscribed, ctx: EventContext) -> None:
    """A call's transcript: each speaker's turn is a line, checked and alerted on like a chat's."""
    contact = None
    for segment in event.segments:
        contact = await record_message(
            ctx.uow, ctx.tenant, conversation_id=event.conversation_id, message_id=segment.segment_id,
            channel=event.channel, role=segment.speaker, text=segment.text, at=segment.at,
            inbound=event.direction == "inbound",
        ) or contact
    await _sample_late_lines(ctx, contact, event.transcribed_at)


async def _sample_late_lines(ctx: EventContext, contact: Contact | None, at: datetime) -> None:
    """Lines that reach qa after the contact's task completed (a call's transcript always does;
    a chat's last lines may, as ingest's and routing's streams are not ordered together) can
    make it a contact to review, e.g. by the customer's sentiment: sampling looks again."""
    if contact is not None and contact.handle_seconds is not None:
        await sample_if_due(ctx.uow, contact, at)


def _activity(ctx: EventContext, agent_id: str, kind: str, at: datetime,
              seconds: float | None = None, detail: str | None = None) -> AgentActivity:
    return AgentActivity(id=str(uuid.uuid4()), tenant_id=ctx.tenant, agent_id=agent_id, kind=kind, at=at,
                         seconds=seconds, detail=detail[:64] if detail else None)


async def on_task_offered(event: TaskOffered, ctx: EventContext) -> None:
    ctx.uow.session.add(_activity(ctx, event.agent_id, "offered", event.at))


async def on_agent_state_changed(event: AgentStateChanged, ctx: EventContext) -> None:
    ctx.uow.session.add(_activity(ctx, event.agent_id, "state", event.at, detail=event.state))


async def on_attempt_dispositioned(event: AttemptDispositioned, ctx: EventContext) -> None:
    """An outbound attempt an agent closed with a disposition: counts toward marketing completion.

    One fact per attempt, so an agent correcting a disposition replaces it instead of counting
    the attempt twice; the detail keeps the campaign's effect and the agent's code."""
    if not event.agent_id:
        return
    fact = _activity(ctx, event.agent_id, "attempt", event.at, detail=f"{event.effect}:{event.disposition}")
    fact.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.tenant}/attempt/{event.attempt_id}"))
    await ctx.uow.session.merge(fact)


async def on_task_accepted(event: TaskAccepted, ctx: EventContext) -> None:
    ctx.uow.session.add(_activity(ctx, event.agent_id, "accepted", event.at, seconds=event.wait_seconds))
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
    ctx.uow.session.add(_activity(ctx, event.agent_id, "completed", event.at, seconds=contact.handle_seconds))
    await repo.flush()
    await note_agent(SamplingRepository(ctx.uow.session), ctx.tenant, event.agent_id, event.at)
    await sample_if_due(ctx.uow, contact, event.at, completed=True)


async def on_survey_response(event: SurveyResponseRecorded, ctx: EventContext) -> None:
    """A CSAT answer, credited to the contact's agent and queue; a very low score is a complaint."""
    repo = SamplingRepository(ctx.uow.session)
    contact = (await QARepository(ctx.uow.session).contact(ctx.tenant, event.conversation_id)
               if event.conversation_id else None)
    repo.add(SurveyResponse(
        id=str(uuid.uuid4()), tenant_id=ctx.tenant, event_id=ctx.envelope.id, survey_id=event.survey_id,
        conversation_id=event.conversation_id,
        agent_id=event.agent_id or (contact.agent_id if contact else None),
        queue_id=contact.queue_id if contact else None, question=event.question[:500], score=event.score,
        at=event.at,
    ))
    rules = await repo.rules(ctx.tenant)
    if contact is not None and event.score is not None and event.score <= rules.low_csat_at_most:
        await sample_if_due(ctx.uow, contact, event.at, forced_reason="complaint")


async def on_conversation_closed(event: ConversationClosed, ctx: EventContext) -> None:
    repo = QARepository(ctx.uow.session)
    contact = await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, event.closed_at)
    contact.closed_at = event.closed_at
    await refresh_contact(repo, contact, await repo.rules(ctx.tenant))


async def on_contact_identified(event: ContactIdentified, ctx: EventContext) -> None:
    """Profile resolved the contact's customer: kept so an erasure can find the transcript."""
    repo = QARepository(ctx.uow.session)
    contact = await contact_for(repo, ctx.tenant, event.conversation_id, event.channel, ctx.envelope.time)
    contact.customer_id = event.customer_id


async def on_customer_erased(event: CustomerErased, ctx: EventContext) -> None:
    """The customer's words go; the scores, checks and alerts about the agent's work stay."""
    await QARepository(ctx.uow.session).forget_customer(ctx.tenant, event.customer_id)
