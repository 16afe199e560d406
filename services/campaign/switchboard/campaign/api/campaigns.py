"""Campaign admin: create, read, update, start, pause, stop."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import phonenumbers
from fastapi import APIRouter, Depends

from switchboard.campaign.domain.questionnaires import questionnaire_problems
from switchboard.campaign.models import Campaign
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import (
    DEFAULT_RETRY_MINUTES,
    KIND_CHANNEL,
    questions_of,
    schedule_of,
    schedule_to_json,
    settings_problems,
)
from switchboard.campaign.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    DispositionCodeIn,
    QuestionIn,
    RetryIn,
    ScheduleIn,
)
from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound, Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])
Manager = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
# Agents read campaigns (to pick a preview campaign, its script and disposition codes), never change them.
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
EDITABLE = ("draft", "paused")


def campaign_out(c: Campaign) -> CampaignOut:
    s = c.schedule
    schedule = ScheduleIn.model_validate({
        "window": {"start": s["window"][0], "end": s["window"][1]},
        "quiet_hours": [{"start": a, "end": b} for a, b in s["quiet_hours"]],
        "holidays": s["holidays"], "weekdays": s["weekdays"],
        "start_date": s["start_date"], "end_date": s["end_date"],
    })
    return CampaignOut(
        id=c.id, name=c.name, kind=c.kind, channel=c.channel, purpose=c.purpose, status=c.status,
        message_template=c.message_template, templates=c.templates, email_subject=c.email_subject,
        schedule=schedule,
        retry=RetryIn.model_validate({"max_attempts": c.max_attempts, "retry_minutes": c.retry_minutes}),
        weekly_cap=c.weekly_cap, default_region=c.default_region, default_time_zone=c.default_time_zone,
        survey_kind=c.survey_kind, journey_trigger=c.journey_trigger, journey_segment=c.journey_segment,
        disposition_codes=[DispositionCodeIn.model_validate(d) for d in c.disposition_codes],
        questions=[QuestionIn.model_validate(q) for q in c.questions] if c.questions else None,
        queue_id=c.queue_id, created_at=c.created_at, updated_at=c.updated_at,
        started_at=c.started_at, ended_at=c.ended_at,
    )


def _schedule_json(body: ScheduleIn) -> dict[str, Any]:
    return schedule_to_json(
        (body.window.start, body.window.end), [(q.start, q.end) for q in body.quiet_hours],
        body.holidays, body.weekdays, body.start_date, body.end_date,
    )


def _validate(c: Campaign) -> None:
    if any(not 0 <= d <= 6 for d in c.schedule["weekdays"]):
        raise Unprocessable.from_lines(["schedule.weekdays: each must be 0 (Monday) to 6 (Sunday)"])
    problems = settings_problems(c.kind, c.channel, c.message_template, schedule_of(c.schedule),
                                 c.survey_kind, c.journey_trigger, c.default_time_zone, c.templates)
    problems += questionnaire_problems(questions_of(c))
    if c.journey_trigger == "birthday" and not c.journey_segment:
        problems.append("journey_segment: a birthday journey names the profile segment of today's "
                        "birthdays (rules {\"birthday_today\": true})")
    if c.default_region not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(f"default_region: {c.default_region!r} is not a region code (CN, US, GB ...)")
    codes = [d["code"] for d in c.disposition_codes]
    problems += [f"disposition_codes: the code '{code}' is used twice"
                 for code in sorted({code for code in codes if codes.count(code) > 1})]
    if problems:
        raise Unprocessable.from_lines(problems)


async def find(repo: CampaignRepository, tenant: str, campaign_id: str, *, lock: bool = False) -> Campaign:
    campaign = await repo.campaign(tenant, campaign_id, lock=lock)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}")
    return campaign


@router.post("", status_code=201, response_model=CampaignOut, summary="Create a campaign (draft)")
async def create_campaign(body: CampaignIn, principal: Manager, uow: Uow) -> CampaignOut:
    now = datetime.now(UTC)
    channel = body.channel or KIND_CHANNEL.get(body.kind) or "sms"
    campaign = Campaign(
        id=str(uuid.uuid4()), tenant_id=principal.tenant, name=body.name, kind=body.kind,
        channel=channel, purpose=body.purpose, status="draft",
        message_template=body.message_template, templates=body.templates, email_subject=body.email_subject,
        schedule=_schedule_json(body.schedule), max_attempts=body.retry.max_attempts,
        retry_minutes={**DEFAULT_RETRY_MINUTES, **body.retry.retry_minutes},
        weekly_cap=body.weekly_cap, default_region=body.default_region.upper(),
        default_time_zone=body.default_time_zone, survey_kind=body.survey_kind,
        journey_trigger=body.journey_trigger, journey_segment=body.journey_segment,
        disposition_codes=[d.model_dump() for d in body.disposition_codes or []],
        questions=[q.model_dump() for q in body.questions] if body.questions else None,
        queue_id=body.queue_id, created_at=now, updated_at=now,
    )
    _validate(campaign)
    CampaignRepository(uow.session).add(campaign)
    await uow.commit()
    return campaign_out(campaign)


@router.get("", response_model=list[CampaignOut], summary="The tenant's campaigns, newest first")
async def list_campaigns(principal: Reader, uow: Uow) -> list[CampaignOut]:
    return [campaign_out(c) for c in await CampaignRepository(uow.session).campaigns(principal.tenant)]


@router.get("/{campaign_id}", response_model=CampaignOut, summary="One campaign")
async def get_campaign(campaign_id: str, principal: Reader, uow: Uow) -> CampaignOut:
    return campaign_out(await find(CampaignRepository(uow.session), principal.tenant, campaign_id))


@router.patch("/{campaign_id}", response_model=CampaignOut, summary="Change a draft or paused campaign")
async def update_campaign(campaign_id: str, body: CampaignPatch, principal: Manager, uow: Uow) -> CampaignOut:
    campaign = await find(CampaignRepository(uow.session), principal.tenant, campaign_id, lock=True)
    if campaign.status not in EDITABLE:
        raise Conflict(f"a {campaign.status} campaign cannot be changed; pause it first",
                       status_now=campaign.status)
    changes = body.model_dump(exclude_unset=True)
    for name in ("name", "message_template", "templates", "email_subject", "weekly_cap", "default_time_zone",
                 "queue_id"):
        if name in changes:
            setattr(campaign, name, changes[name])
    if body.schedule is not None:
        campaign.schedule = _schedule_json(body.schedule)
    if body.questions is not None:
        campaign.questions = [q.model_dump() for q in body.questions]
    if body.retry is not None:
        campaign.max_attempts = body.retry.max_attempts
        campaign.retry_minutes = {**DEFAULT_RETRY_MINUTES, **body.retry.retry_minutes}
    _validate(campaign)
    campaign.updated_at = datetime.now(UTC)
    await uow.commit()
    return campaign_out(campaign)


@router.post("/{campaign_id}/start", response_model=CampaignOut, summary="Start or resume")
async def start_campaign(campaign_id: str, principal: Manager, uow: Uow) -> CampaignOut:
    repo = CampaignRepository(uow.session)
    campaign = await find(repo, principal.tenant, campaign_id, lock=True)
    if campaign.status == "running":
        return campaign_out(campaign)
    if campaign.status not in EDITABLE:
        raise Conflict(f"a {campaign.status} campaign cannot start again", status_now=campaign.status)
    counts = await repo.count_contacts(principal.tenant, campaign.id)
    listed, suppressed = sum(counts.values()), counts.get("suppressed", 0)
    if campaign.kind != "journey" and counts.get("pending", 0) + counts.get("in_progress", 0) == 0:
        why = "the list is empty" if listed == 0 else "every contact on the list is suppressed or done"
        raise Conflict(f"nothing to contact: {why}", listed=listed, suppressed=suppressed,
                       by_status=counts)
    now = datetime.now(UTC)
    await repo.release_contacts(principal.tenant, campaign.id, now)
    campaign.status, campaign.updated_at = "running", now
    campaign.started_at = campaign.started_at or now
    await uow.commit()
    return campaign_out(campaign)


@router.post("/{campaign_id}/pause", response_model=CampaignOut, summary="Stop picking contacts for now")
async def pause_campaign(campaign_id: str, principal: Manager, uow: Uow) -> CampaignOut:
    campaign = await find(CampaignRepository(uow.session), principal.tenant, campaign_id, lock=True)
    if campaign.status not in ("running", "paused"):
        raise Conflict(f"only a running campaign can be paused; this one is {campaign.status}",
                       status_now=campaign.status)
    campaign.status, campaign.updated_at = "paused", datetime.now(UTC)
    await uow.commit()
    return campaign_out(campaign)


@router.post("/{campaign_id}/stop", response_model=CampaignOut, summary="End the campaign for good")
async def stop_campaign(campaign_id: str, principal: Manager, uow: Uow) -> CampaignOut:
    campaign = await find(CampaignRepository(uow.session), principal.tenant, campaign_id, lock=True)
    if campaign.status in ("stopped", "completed"):
        return campaign_out(campaign)
    now = datetime.now(UTC)
    campaign.status, campaign.updated_at, campaign.ended_at = "stopped", now, now
    await uow.commit()
    return campaign_out(campaign)
