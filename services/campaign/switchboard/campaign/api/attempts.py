"""Agents' dispositions on attempts, and the callbacks owed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.campaign.api.campaigns import Manager, Uow
from switchboard.campaign.domain.dispositions import BadDisposition
from switchboard.campaign.outcomes import record_disposition
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.schemas import AttemptOut, CallbackOut, DispositionIn
from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound, Unprocessable

router = APIRouter(prefix="/v1", tags=["attempts and callbacks"])
Worker = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent"))]


@router.post("/attempts/{attempt_id}/disposition", response_model=AttemptOut,
             summary="Close an answered attempt with a disposition code")
async def dispose(attempt_id: str, body: DispositionIn, principal: Worker, uow: Uow) -> AttemptOut:
    repo = CampaignRepository(uow.session)
    attempt = await repo.attempt(principal.tenant, attempt_id)
    if attempt is None:
        raise NotFound(f"no attempt {attempt_id}")
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


@router.get("/callbacks", response_model=list[CallbackOut], summary="Callbacks owed, earliest first")
async def list_callbacks(principal: Worker, uow: Uow, status: str | None = "pending") -> list[CallbackOut]:
    now = datetime.now(UTC)
    rows = await CampaignRepository(uow.session).callbacks(principal.tenant, status)
    return [CallbackOut.model_validate(c).model_copy(update={
        "overdue": c.status == "pending" and c.deadline_at is not None and c.deadline_at < now})
        for c in rows]


@router.post("/callbacks/{callback_id}/done", response_model=CallbackOut, summary="Mark a callback made")
async def complete_callback(callback_id: str, principal: Manager, uow: Uow) -> CallbackOut:
    repo = CampaignRepository(uow.session)
    callback = next((c for c in await repo.callbacks(principal.tenant, None) if c.id == callback_id), None)
    if callback is None:
        raise NotFound(f"no callback {callback_id}")
    if callback.status != "done":
        callback.status, callback.completed_at = "done", datetime.now(UTC)
    await uow.commit()
    return CallbackOut.model_validate(callback)
