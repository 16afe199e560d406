"""Contact lists (CSV upload), the contacts on a campaign, and its results."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from switchboard.campaign.api.campaigns import Manager, Uow, find
from switchboard.campaign.domain.pacing import ABANDON_TARGET
from switchboard.campaign.list_workers import ListParsing
from switchboard.campaign.lists import import_list, import_members, import_segment, profile_members
from switchboard.campaign.models import Contact, ContactList
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import disposition_codes_of
from switchboard.campaign.scheduler import RING_LIMIT
from switchboard.campaign.schemas import (
    AgentResult,
    AttemptOut,
    ContactOut,
    Funnel,
    ListOut,
    PacingOut,
    RejectedRowOut,
    ResultsOut,
    SegmentListIn,
)
from switchboard.common.errors import Conflict, PayloadTooLarge, Unprocessable
from switchboard.common.runtime import Runtime, get_runtime

router = APIRouter(prefix="/v1/campaigns", tags=["lists and results"])
MAX_CSV_BYTES = 50 * 1024 * 1024


def mask(address: str) -> str:
    """Enough to recognise a contact on screen, not enough to copy a number or an address."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{address[:3]}****{address[-2:]}" if len(address) > 6 else "****"


def list_parsing(runtime: Runtime) -> ListParsing:
    settings = runtime.settings
    return ListParsing(workers=getattr(settings, "list_parse_workers", 0),
                       min_rows=getattr(settings, "list_parse_min_rows", 50_000))


@router.post("/{campaign_id}/lists", status_code=201, response_model=ListOut,
             summary="Upload a CSV list (text/csv; a phone or email column)")
async def upload_list(
    campaign_id: str, request: Request, principal: Manager, uow: Uow,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    name: Annotated[str, Query(min_length=1, max_length=200)] = "upload",
) -> ListOut:
    repo = CampaignRepository(uow.session)
    campaign = await find(repo, principal.tenant, campaign_id, lock=True)
    if campaign.status in ("stopped", "completed"):
        raise Conflict(f"a {campaign.status} campaign takes no new list", status_now=campaign.status)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CSV_BYTES:
        raise PayloadTooLarge(f"a list may be at most {MAX_CSV_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise PayloadTooLarge(f"a list may be at most {MAX_CSV_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(f"csv: not UTF-8 text (byte {exc.start})") from exc
    contact_list = await import_list(repo, campaign, name, text, datetime.now(UTC), list_parsing(runtime))
    await uow.commit()
    return _list_out(contact_list)


@router.post("/{campaign_id}/lists/segment", status_code=201, response_model=ListOut,
             summary="Build a list from a profile segment or tag (customers campaign knows a number for)")
async def segment_list(campaign_id: str, body: SegmentListIn, principal: Manager, uow: Uow,
                       runtime: Annotated[Runtime, Depends(get_runtime)]) -> ListOut:
    members = None
    if body.segment_id is not None:  # read before the campaign is locked: profile may take a while
        members = await profile_members(runtime.extras["profile"], principal.tenant, body.segment_id)
    repo = CampaignRepository(uow.session)
    campaign = await find(repo, principal.tenant, campaign_id, lock=True)
    if campaign.status in ("stopped", "completed"):
        raise Conflict(f"a {campaign.status} campaign takes no new list", status_now=campaign.status)
    now = datetime.now(UTC)
    if members is not None:
        contact_list = await import_members(repo, campaign, body.name or f"segment {body.segment_id}",
                                            members, now)
    else:
        segment = body.segment or ""
        contact_list = await import_segment(repo, campaign, body.name or segment, segment, now)
    await uow.commit()
    return _list_out(contact_list)


def _list_out(contact_list: ContactList) -> ListOut:
    return ListOut(
        id=contact_list.id, campaign_id=contact_list.campaign_id, name=contact_list.name,
        accepted=contact_list.accepted, duplicates=contact_list.duplicates,
        suppressed=contact_list.suppressed,
        rejected=[RejectedRowOut.model_validate(r) for r in contact_list.rejected],
        created_at=contact_list.created_at,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id, address_masked=mask(contact.address), status=contact.status,
        attempts_made=contact.attempts_made, next_attempt_at=contact.next_attempt_at,
        suppressed_reason=contact.suppressed_reason, last_outcome=contact.last_outcome,
        converted=contact.converted, callback_due=contact.callback_due, answers=contact.answers,
    )


@router.get("/{campaign_id}/contacts", response_model=list[ContactOut], summary="Results per contact")
async def list_contacts(
    campaign_id: str, principal: Manager, uow: Uow, status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ContactOut]:
    repo = CampaignRepository(uow.session)
    await find(repo, principal.tenant, campaign_id)
    rows = await repo.contacts(principal.tenant, campaign_id, status, limit, offset)
    return [contact_out(c) for c in rows]


@router.get("/{campaign_id}/attempts", response_model=list[AttemptOut],
            summary="Every attempt with the rule that allowed it")
async def list_attempts(
    campaign_id: str, principal: Manager, uow: Uow,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AttemptOut]:
    repo = CampaignRepository(uow.session)
    await find(repo, principal.tenant, campaign_id)
    rows = await repo.attempts(principal.tenant, campaign_id, limit, offset)
    return [AttemptOut.model_validate(a) for a in rows]


@router.get("/{campaign_id}/results", response_model=ResultsOut,
            summary="Funnel (listed, suppressed, attempted, connected, converted), per agent, survey")
async def results(campaign_id: str, principal: Manager, uow: Uow) -> ResultsOut:
    repo = CampaignRepository(uow.session)
    campaign = await find(repo, principal.tenant, campaign_id)
    by_status = await repo.count_contacts(principal.tenant, campaign_id)
    attempted, connected, converted = await repo.funnel_counts(principal.tenant, campaign_id)
    converting = {c.code for c in disposition_codes_of(campaign) if c.effect == "converted"}
    agents: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for agent, outcome, disposition, n in await repo.agent_rows(principal.tenant, campaign_id):
        agents[agent][0] += n
        agents[agent][1] += n if outcome == "connected" else 0
        agents[agent][2] += n if disposition in converting else 0
    scores = await repo.survey_scores(principal.tenant, campaign_id)
    return ResultsOut(
        campaign_id=campaign_id, status=campaign.status,
        funnel=Funnel(listed=sum(by_status.values()), suppressed=by_status.get("suppressed", 0),
                      attempted=attempted, connected=connected, converted=converted),
        by_status=by_status, suppressed_by=await repo.suppressed_by(principal.tenant, campaign_id),
        outcomes=await repo.outcome_counts(principal.tenant, campaign_id),
        by_agent=[AgentResult(agent_id=a, attempts=n, connected=c, converted=v,
                              completion_rate=round(v / c, 4) if c else 0.0)
                  for a, (n, c, v) in sorted(agents.items())],
        survey=_survey_summary(campaign.survey_kind, scores),
    )


@router.get("/{campaign_id}/pacing", response_model=PacingOut,
            summary="Voice: free agents, calls in flight, rolling abandon and answer rates")
async def pacing(campaign_id: str, principal: Manager, uow: Uow) -> PacingOut:
    repo = CampaignRepository(uow.session)
    campaign = await find(repo, principal.tenant, campaign_id)
    availability = await repo.availability(principal.tenant, campaign.queue_id or "")
    answered = await repo.answered_calls_since(principal.tenant, campaign_id, None)
    answer_rate, talk = await repo.call_rates(principal.tenant, campaign_id)
    now = datetime.now(UTC)
    held_back = None
    if campaign.kind == "predictive":
        settings = await repo.tenant_settings(principal.tenant)
        if settings is None or not settings.information_message:
            held_back = ("no information message (PUT /v1/settings): a call the dialer abandons "
                         "must say who called")
    return PacingOut(
        dialing="predictive" if campaign.kind == "predictive" and held_back is None else "progressive",
        dialing_held_back=held_back,
        free_agents=availability.available + availability.blended if availability else 0,
        calls_in_flight=await repo.in_flight(principal.tenant, campaign_id, now - RING_LIMIT),
        answered_calls=len(answered),
        abandon_rate=round(sum(a for _, a in answered) / len(answered), 4) if answered else 0.0,
        abandon_target=ABANDON_TARGET, answer_rate=answer_rate, mean_talk_seconds=talk,
    )


def _survey_summary(kind: str | None, scores: list[int]) -> dict[str, float] | None:
    if kind is None:
        return None
    summary: dict[str, float] = {"responses": len(scores)}
    if not scores:
        return summary
    summary["average"] = round(sum(scores) / len(scores), 2)
    if kind == "csat":
        summary["satisfied_percent"] = round(100 * sum(s >= 4 for s in scores) / len(scores), 1)
    else:
        promoters = sum(s >= 9 for s in scores) / len(scores)
        detractors = sum(s <= 6 for s in scores) / len(scores)
        summary["nps"] = round(100 * (promoters - detractors), 1)
    return summary
