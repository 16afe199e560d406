"""Agents' dispositions on attempts, and the callbacks owed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.campaign.api.campaigns import Manager, Uow
from switchboard.campaign.api.lists import contact_out
from switchboard.campaign.domain.dispositions import BadDisposition
from switchboard.campaign.domain.questionnaires import answer_problems
from switchboard.campaign.models import Attempt, Callback, Campaign, Contact
from switchboard.campaign.outcomes import record_disposition
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import questions_of, script_for
from switchboard.campaign.schemas import (
    AnswersIn,
    AttemptOut,
    CallbackOut,
    ContactOut,
    DispositionIn,
    QuestionIn,
    ScriptOut,
)
from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, Forbidden, NotFound, Unprocessable

router = APIRouter(prefix="/v1", tags=["attempts and callbacks"])
Worker = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent"))]


@router.post("/attempts/{attempt_id}/disposition", response_model=AttemptOut,
             summary="Close an answered attempt with a disposition code")
async def dispose(attempt_id: str, body: DispositionIn, principal: Worker, uow: Uow) -> AttemptOut:
    repo = CampaignRepository(uow.session)
    attempt = await repo.attempt(principal.tenant, attempt_id)
    if attempt is None:
        raise NotFound(f"no attempt {attempt_id}")
    _check_own(attempt, principal, "dispose it")
    if attempt.disposition is not None:
        raise Conflict(f"attempt {attempt_id} already has the disposition {attempt.disposition!r}")
    contact = await repo.contact(principal.tenant, attempt.contact_id)
    campaign = await repo.campaign(principal.tenant, attempt.campaign_id)
    if contact is None or campaign is None:
        raise NotFound(f"no attempt {attempt_id}")
    try:
        await record_disposition(uow, campaign, contact, attempt, body.code,
                                 attempt.agent_id or principal.subject, datetime.now(UTC),
                                 body.callback_at, body.notes)
    except BadDisposition as exc:
        raise Unprocessable(str(exc)) from exc
    await uow.commit()
    return AttemptOut.model_validate(attempt)


def _check_own(attempt: Attempt, principal: Principal, action: str) -> None:
    """An agent works on their own calls; a supervisor or admin on anyone's."""
    if attempt.agent_id and attempt.agent_id != principal.subject and not principal.has_any(
            "supervisor", "admin"):
        raise Forbidden(f"attempt {attempt.id} is {attempt.agent_id}'s; a supervisor may {action}")


async def _attempt_with(repo: CampaignRepository, tenant: str,
                        attempt_id: str) -> tuple[Attempt, Contact, Campaign]:
    attempt = await repo.attempt(tenant, attempt_id)
    contact = await repo.contact(tenant, attempt.contact_id) if attempt else None
    campaign = await repo.campaign(tenant, attempt.campaign_id) if attempt else None
    if attempt is None or contact is None or campaign is None:
        raise NotFound(f"no attempt {attempt_id}")
    return attempt, contact, campaign


@router.get("/attempts/{attempt_id}/script", response_model=ScriptOut,
            summary="The script filled from the contact, and the record sheet to fill")
async def script(attempt_id: str, principal: Worker, uow: Uow) -> ScriptOut:
    attempt, contact, campaign = await _attempt_with(CampaignRepository(uow.session), principal.tenant,
                                                     attempt_id)
    return ScriptOut(attempt_id=attempt.id, script=script_for(campaign, contact), fields=contact.fields,
                     questions=[QuestionIn.model_validate(q) for q in campaign.questions or []] or None,
                     answers=contact.answers)


@router.post("/attempts/{attempt_id}/answers", response_model=ContactOut,
             summary="Record the contact's answers to the campaign's questionnaire")
async def record_answers(attempt_id: str, body: AnswersIn, principal: Worker, uow: Uow) -> ContactOut:
    attempt, contact, campaign = await _attempt_with(CampaignRepository(uow.session), principal.tenant,
                                                     attempt_id)
    _check_own(attempt, principal, "record its answers")
    problems = answer_problems(questions_of(campaign), body.answers)
    if problems:
        raise Unprocessable.from_lines(problems)
    contact.answers = {**(contact.answers or {}), **{k: v.strip() for k, v in body.answers.items()}}
    contact.agent_id = principal.subject
    await uow.commit()
    return contact_out(contact)


def callback_out(callback: Callback, now: datetime) -> CallbackOut:
    """The callback tracked against its deadline: overdue while owed past it, on time once made."""
    deadline, made = callback.deadline_at, callback.completed_at
    return CallbackOut.model_validate(callback).model_copy(update={
        "overdue": callback.status == "pending" and deadline is not None and deadline < now,
        "on_time": made <= deadline if made is not None and deadline is not None else None})


@router.get("/callbacks", response_model=list[CallbackOut], summary="Callbacks owed, earliest first")
async def list_callbacks(principal: Worker, uow: Uow, status: str | None = "pending") -> list[CallbackOut]:
    now = datetime.now(UTC)
    rows = await CampaignRepository(uow.session).callbacks(principal.tenant, status)
    return [callback_out(c, now) for c in rows]


@router.post("/callbacks/{callback_id}/done", response_model=CallbackOut, summary="Mark a callback made")
async def complete_callback(callback_id: str, principal: Manager, uow: Uow) -> CallbackOut:
    repo = CampaignRepository(uow.session)
    callback = next((c for c in await repo.callbacks(principal.tenant, None) if c.id == callback_id), None)
    if callback is None:
        raise NotFound(f"no callback {callback_id}")
    now = datetime.now(UTC)
    if callback.status != "done":
        callback.status, callback.completed_at = "done", now
    await uow.commit()
    return callback_out(callback, now)
