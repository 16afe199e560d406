"""A customer's reply to a survey (e.g. "5") matched back to the survey, its conversation and agent."""

from __future__ import annotations

import uuid
from datetime import timedelta

from switchboard.campaign.domain.surveys import SentSurvey, match_reply
from switchboard.campaign.models import SurveyResponse
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.campaign import SurveyResponseRecorded
from switchboard.common.events.ingest import MessageReceived

ANSWER_WINDOW = timedelta(hours=48)


async def on_message_received(event: MessageReceived, ctx: EventContext) -> None:
    if event.channel not in ("sms", "email"):
        return
    repo = CampaignRepository(ctx.uow.session)
    candidates = await repo.open_surveys(ctx.tenant, event.from_address, event.received_at - ANSWER_WINDOW)
    if not candidates:
        return
    by_attempt = {attempt.id: (attempt, campaign, contact) for attempt, campaign, contact in candidates}
    sent = [
        SentSurvey(survey_id=attempt.id, kind=campaign.survey_kind,  # type: ignore[arg-type]
                   address=attempt.address, sent_at=attempt.requested_at,
                   conversation_id=contact.conversation_id, agent_id=contact.agent_id,
                   answer_window=ANSWER_WINDOW)
        for attempt, campaign, contact in candidates
    ]
    matched = match_reply(sent, event.from_address, event.text, event.received_at)
    if matched is None:
        return  # not a score: an ordinary message, routed as usual
    survey, score = matched
    attempt, campaign, contact = by_attempt[survey.survey_id]
    repo.add(SurveyResponse(
        id=str(uuid.uuid4()), tenant_id=ctx.tenant, campaign_id=campaign.id, attempt_id=attempt.id,
        contact_id=contact.id, kind=survey.kind, score=score, answer=event.text[:500],
        conversation_id=survey.conversation_id, agent_id=survey.agent_id, answered_at=event.received_at,
    ))
    await ctx.uow.emit(
        SurveyResponseRecorded(survey_id=attempt.id, conversation_id=survey.conversation_id,
                               agent_id=survey.agent_id, customer_id=contact.customer_id,
                               question=survey.kind, score=score, answer=event.text[:500],
                               at=event.received_at),
        tenant=ctx.tenant, subject=survey.conversation_id or attempt.id,
    )
