"""Preview dialing: the agent sees the next contact's record first, then dials or skips it.

The contact is checked (consent, caps, 72-hour rule, window) when it is shown and again when
the agent dials, since the agent may read for minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.campaign.api.campaigns import Uow, find
from switchboard.campaign.api.lists import mask
from switchboard.campaign.dispatch import check_one, request_attempt
from switchboard.campaign.models import Campaign, Contact
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import script_for
from switchboard.campaign.schemas import AttemptOut, PreviewOut, QuestionIn
from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound

router = APIRouter(prefix="/v1/campaigns", tags=["preview dialing"])
Agent = Annotated[Principal, Depends(require_roles("agent", "supervisor", "admin"))]
SKIP_DELAY = timedelta(minutes=30)
CALLBACK_GRACE = timedelta(minutes=15)
SCAN = 50


def _offered_to(contact: Contact, agent: str, now: datetime) -> bool:
    """A promised callback goes to the agent who promised it; once it is `CALLBACK_GRACE` late,
    to any agent, so the customer is not let down because that agent is away."""
    if contact.callback_agent_id in (None, agent):
        return True
    return contact.callback_due is not None and now - contact.callback_due >= CALLBACK_GRACE


async def _preview_campaign(repo: CampaignRepository, tenant: str, campaign_id: str) -> Campaign:
    campaign = await find(repo, tenant, campaign_id, lock=True)
    if campaign.kind != "preview":
        raise Conflict(f"campaign {campaign_id} is {campaign.kind}, not preview")
    if campaign.status != "running":
        raise Conflict(f"campaign {campaign_id} is {campaign.status}", status_now=campaign.status)
    return campaign


async def _reserved(repo: CampaignRepository, tenant: str, contact_id: str, agent: str) -> Contact:
    contact = await repo.contact(tenant, contact_id)
    if contact is None or contact.status != "previewing" or contact.agent_id != agent:
        raise NotFound(f"no contact {contact_id} reserved for you")
    return contact


def _preview_out(campaign: Campaign, contact: Contact, allowed_by: str) -> PreviewOut:
    return PreviewOut(contact_id=contact.id, address_masked=mask(contact.address), fields=contact.fields,
                      attempts_made=contact.attempts_made, callback_due=contact.callback_due,
                      allowed_by=allowed_by, script=script_for(campaign, contact),
                      questions=[QuestionIn.model_validate(q) for q in campaign.questions or []] or None)


@router.post("/{campaign_id}/preview/next", response_model=PreviewOut | None,
             summary="Reserve the next contact for this agent and show its record (null: none due)")
async def next_contact(campaign_id: str, principal: Agent, uow: Uow) -> PreviewOut | None:
    repo = CampaignRepository(uow.session)
    campaign = await _preview_campaign(repo, principal.tenant, campaign_id)
    now = datetime.now(UTC)
    held = await repo.previewing_for(principal.tenant, campaign.id, principal.subject)
    if held is not None:  # one contact at a time: asking again shows the same one
        return _preview_out(campaign, held, "reserved earlier; checked again when dialled")
    shown: PreviewOut | None = None
    for contact in await repo.due_contacts(principal.tenant, campaign.id, now, SCAN):
        if not _offered_to(contact, principal.subject, now):
            continue
        allowed_by = await check_one(repo, campaign, contact, now)
        if allowed_by is not None:
            contact.status, contact.agent_id = "previewing", principal.subject
            shown = _preview_out(campaign, contact, allowed_by)
            break
    await uow.commit()
    return shown


@router.post("/{campaign_id}/preview/{contact_id}/dial", response_model=AttemptOut,
             summary="Dial the previewed contact (checked again now)")
async def dial(campaign_id: str, contact_id: str, principal: Agent, uow: Uow) -> AttemptOut:
    repo = CampaignRepository(uow.session)
    campaign = await _preview_campaign(repo, principal.tenant, campaign_id)
    contact = await _reserved(repo, principal.tenant, contact_id, principal.subject)
    now = datetime.now(UTC)
    allowed_by = await check_one(repo, campaign, contact, now)
    if allowed_by is None:
        reason = contact.suppressed_reason or "outside the calling window"
        if contact.status == "previewing":
            contact.status = "pending"
        await uow.commit()
        raise Conflict(f"the contact may not be called now: {reason}", reason=reason)
    attempt = await request_attempt(uow, campaign, contact, allowed_by, now)
    attempt.agent_id = principal.subject
    await uow.commit()
    return AttemptOut.model_validate(attempt)


@router.post("/{campaign_id}/preview/{contact_id}/skip", status_code=204,
             summary="Give the contact back; it is offered again later")
async def skip(campaign_id: str, contact_id: str, principal: Agent, uow: Uow) -> None:
    repo = CampaignRepository(uow.session)
    await _preview_campaign(repo, principal.tenant, campaign_id)
    contact = await _reserved(repo, principal.tenant, contact_id, principal.subject)
    contact.status, contact.agent_id = "pending", None
    contact.next_attempt_at = datetime.now(UTC) + SKIP_DELAY
    await uow.commit()
