"""Tenant rules every campaign obeys: quiet hours, holidays, the weekly marketing cap, and the
information message a call abandoned by the dialer plays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.campaign.api.campaigns import Manager, Uow
from switchboard.campaign.domain.windows import Span
from switchboard.campaign.models import TenantSettings
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.schemas import SettingsIn, SettingsOut, SpanIn
from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Unprocessable

router = APIRouter(prefix="/v1/settings", tags=["settings"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def _out(settings: TenantSettings | None) -> SettingsOut:
    if settings is None:
        return SettingsOut(quiet_hours=[], holidays=[], weekly_marketing_cap=None, information_message=None)
    return SettingsOut(
        quiet_hours=[SpanIn.model_validate({"start": a, "end": b}) for a, b in settings.quiet_hours],
        holidays=settings.holidays, weekly_marketing_cap=settings.weekly_marketing_cap,
        information_message=settings.information_message,
    )


@router.get("", response_model=SettingsOut, summary="The tenant's campaign rules")
async def get_settings(principal: Manager, uow: Uow) -> SettingsOut:
    return _out(await CampaignRepository(uow.session).tenant_settings(principal.tenant))


@router.put("", response_model=SettingsOut, summary="Replace the tenant's campaign rules")
async def put_settings(body: SettingsIn, principal: Admin, uow: Uow) -> SettingsOut:
    spans = [Span(q.start, q.end) for q in body.quiet_hours]
    problems = [f"quiet_hours[{i}]: start must be before end" for i, span in enumerate(spans)
                if span.start_minutes() >= span.end_minutes()]
    if problems:
        raise Unprocessable.from_lines(problems)
    repo = CampaignRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    if settings is None:
        settings = TenantSettings(tenant_id=principal.tenant)
        repo.add(settings)
    settings.quiet_hours = [[q.start.isoformat("minutes"), q.end.isoformat("minutes")]
                            for q in body.quiet_hours]
    settings.holidays = sorted({d.isoformat() for d in body.holidays})
    settings.weekly_marketing_cap = body.weekly_marketing_cap
    settings.information_message = body.information_message
    settings.updated_at = datetime.now(UTC)
    await uow.commit()
    return _out(settings)
