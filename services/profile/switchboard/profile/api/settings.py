"""Per-tenant profile settings: default phone region, time zone, marketing opt-in rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.domain.customers import valid_time_zone
from switchboard.profile.identities import valid_region
from switchboard.profile.models import TenantSettings
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import TenantSettingsIn, TenantSettingsOut

router = APIRouter(prefix="/v1/settings", tags=["settings"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


def settings_out(settings: TenantSettings | None) -> TenantSettingsOut:
    if settings is None:
        return TenantSettingsOut(default_region=None)
    return TenantSettingsOut(default_region=settings.default_region, time_zone=settings.time_zone,
                             marketing_requires_opt_in=settings.marketing_requires_opt_in)


@router.get("", response_model=TenantSettingsOut)
async def get_settings(
    principal: Annotated[Principal, Depends(require_roles("admin", "supervisor"))], uow: Uow
) -> TenantSettingsOut:
    return settings_out(await ProfileRepository(uow.session).tenant_settings(principal.tenant))


@router.put("", response_model=TenantSettingsOut, summary="Change the fields sent")
async def put_settings(
    body: TenantSettingsIn,
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    uow: Uow,
) -> TenantSettingsOut:
    given = body.model_dump(exclude_unset=True)
    if "default_region" in given and given["default_region"] is not None:
        given["default_region"] = valid_region(given["default_region"])
    if "time_zone" in given and given["time_zone"] is not None:
        given["time_zone"] = valid_time_zone(given["time_zone"])
    if given.get("marketing_requires_opt_in", True) is None:
        given.pop("marketing_requires_opt_in")
    repo = ProfileRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    if settings is None:
        settings = TenantSettings(tenant_id=principal.tenant, marketing_requires_opt_in=True)
        repo.add(settings)
    for field, value in given.items():
        setattr(settings, field, value)
    settings.updated_at = datetime.now(UTC)
    await uow.commit()
    return settings_out(settings)
