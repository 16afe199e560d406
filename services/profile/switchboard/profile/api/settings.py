"""Per-tenant profile settings (the default region for national phone numbers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.identities import valid_region
from switchboard.profile.models import TenantSettings
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import TenantSettingsIn, TenantSettingsOut

router = APIRouter(prefix="/v1/settings", tags=["settings"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


@router.get("", response_model=TenantSettingsOut)
async def get_settings(
    principal: Annotated[Principal, Depends(require_roles("admin", "supervisor"))], uow: Uow
) -> TenantSettingsOut:
    settings = await ProfileRepository(uow.session).tenant_settings(principal.tenant)
    return TenantSettingsOut(default_region=settings.default_region if settings else None)


@router.put("", response_model=TenantSettingsOut)
async def put_settings(
    body: TenantSettingsIn,
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    uow: Uow,
) -> TenantSettingsOut:
    region = valid_region(body.default_region)
    repo = ProfileRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    if settings is None:
        settings = TenantSettings(tenant_id=principal.tenant)
        repo.add(settings)
    settings.default_region = region
    settings.updated_at = datetime.now(UTC)
    await uow.commit()
    return TenantSettingsOut(default_region=region)
