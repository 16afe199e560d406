"""Outcomes from routing, campaign and qa, appended to the customer's timeline."""

from __future__ import annotations

from switchboard.common.consumer import EventContext
from switchboard.common.events.campaign import AttemptCompleted, SurveyResponseRecorded
from switchboard.common.events.qa import EvaluationCompleted
from switchboard.common.events.routing import TaskCompleted
from switchboard.profile.handlers.resolution import append, customer_of
from switchboard.profile.repository import ProfileRepository

# Dispositions that leave the customer's issue open: the next contact is a repeat about it.
UNRESOLVED_DISPOSITIONS = frozenset({
    "unresolved", "follow_up", "callback", "escalated", "transferred", "no_answer", "abandoned",
})


async def on_task_completed(event: TaskCompleted, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    customer, _ = await customer_of(repo, ctx.tenant, event.customer_id, event.conversation_id)
    if customer is None:
        return  # a conversation profile never saw: nobody to attach it to
    conversation = await repo.conversation(ctx.tenant, event.conversation_id)
    if conversation is not None:
        conversation.disposition = event.disposition
        conversation.resolved = (event.disposition or "").lower() not in UNRESOLVED_DISPOSITIONS
    append(repo, ctx.tenant, customer, ctx.envelope.id, "task.completed", channel=event.channel,
           at=event.at, conversation_id=event.conversation_id, agent_id=event.agent_id,
           summary=f"{event.disposition or 'completed'}" + (f": {event.notes}" if event.notes else ""),
           detail={"task_id": event.task_id, "queue_id": event.queue_id,
                   "disposition": event.disposition, "wait_seconds": event.wait_seconds,
                   "talk_seconds": event.talk_seconds, "wrap_seconds": event.wrap_seconds})


async def on_attempt_completed(event: AttemptCompleted, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    customer, _ = await customer_of(repo, ctx.tenant, event.customer_id, None)
    if customer is None:
        return
    append(repo, ctx.tenant, customer, ctx.envelope.id, "campaign.attempt", channel="", at=event.at,
           agent_id=event.agent_id, summary=event.disposition or event.outcome,
           detail={"campaign_id": event.campaign_id, "attempt_id": event.attempt_id,
                   "outcome": event.outcome, "disposition": event.disposition})


async def on_survey_response(event: SurveyResponseRecorded, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    customer, channel = await customer_of(repo, ctx.tenant, event.customer_id, event.conversation_id)
    if customer is None:
        return
    answer = f"{event.score}" if event.score is not None else (event.answer or "")
    append(repo, ctx.tenant, customer, ctx.envelope.id, "survey.response", channel=channel,
           at=event.at, conversation_id=event.conversation_id, agent_id=event.agent_id,
           summary=f"{event.question}: {answer}",
           detail={"survey_id": event.survey_id, "score": event.score, "answer": event.answer})


async def on_evaluation_completed(event: EvaluationCompleted, ctx: EventContext) -> None:
    repo = ProfileRepository(ctx.uow.session)
    customer, channel = await customer_of(repo, ctx.tenant, event.customer_id, event.conversation_id)
    if customer is None:
        return
    append(repo, ctx.tenant, customer, ctx.envelope.id, "qa.evaluation", channel=channel,
           at=event.at, conversation_id=event.conversation_id, agent_id=event.agent_id,
           summary=f"QA score {event.score:g}"
           + (", failed a critical item" if event.failed_critical else ""),
           detail={"evaluation_id": event.evaluation_id, "score": event.score,
                   "failed_critical": event.failed_critical, "scorecard_id": event.scorecard_id})
