"""A customer's answer to a survey matched back to the survey, its conversation and agent: a reply
by SMS or email (e.g. "5"), or the keys pressed on a keypad survey call."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from switchboard.campaign.domain.surveys import SentSurvey, match_reply, score_of
from switchboard.campaign.handlers.common import attempt_context
from switchboard.campaign.models import Attempt, Campaign, Contact, SurveyResponse
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.campaign import SurveyResponseRecorded
from switchboard.common.events.ingest import CallKeypadAnswered, MessageReceived

ANSWER_WINDOW = timedelta(hours=48)
log = logging.getLogger(__name__)


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
    await _record_response(ctx, attempt, campaign, contact, score, event.text, event.received_at)


async def on_call_keypad_answered(event: CallKeypadAnswered, ctx: EventContext) -> None:
    """The keys pressed on a keypad survey call: the answer to that call's attempt, as a reply is."""
    repo = CampaignRepository(ctx.uow.session)
    found = await attempt_context(repo, ctx.tenant, event.attempt_id)
    if found is None:
        return
    attempt, contact, campaign = found
    score = score_of(event.digits, campaign.survey_kind) if campaign.survey_kind else None  # type: ignore[arg-type]
    if score is None or await repo.survey_response_of(ctx.tenant, attempt.id) is not None:
        log.info("keypad answer not recorded", extra={"fields": {
            "attempt_id": attempt.id, "reason": "not a score" if score is None else "already answered"}})
        return
    await _record_response(ctx, attempt, campaign, contact, score, event.digits, event.at)


async def _record_response(ctx: EventContext, attempt: Attempt, campaign: Campaign, contact: Contact,
                           score: int, answer: str, at: datetime) -> None:
    response = SurveyResponse(
        id=str(uuid.uuid4()), tenant_id=ctx.tenant, campaign_id=campaign.id, attempt_id=attempt.id,
        contact_id=contact.id, kind=campaign.survey_kind, score=score, answer=answer[:500],
        conversation_id=contact.conversation_id, agent_id=contact.agent_id, answered_at=at,
    )
    CampaignRepository(ctx.uow.session).add(response)
    await ctx.uow.emit(
        SurveyResponseRecorded(survey_id=attempt.id, conversation_id=response.conversation_id,
                               agent_id=response.agent_id, customer_id=contact.customer_id,
                               question=campaign.survey_kind or "", score=score, answer=answer[:500], at=at),
        tenant=ctx.tenant, subject=response.conversation_id or attempt.id,
    )
