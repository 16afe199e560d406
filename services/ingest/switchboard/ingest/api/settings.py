"""Ingest's per-tenant settings: the help text that answers an SMS HELP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.exc import IntegrityError

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.help import DEFAULT_HELP
from switchboard.ingest.models import TenantSettings
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import TenantSettingsIn, TenantSettingsOut

router = APIRouter(prefix="/v1/settings", tags=["settings"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


def _out(row: TenantSettings | None) -> TenantSettingsOut:
    return TenantSettingsOut(help_text=row.help_text if row else None,
                             default_help_text=DEFAULT_HELP.format(name="<channel name>"))


@router.get("", response_model=TenantSettingsOut, summary="The tenant's ingest settings")
async def get_settings(principal: Reader, uow: Uow) -> TenantSettingsOut:
    return _out(await IngestRepository(uow.session).tenant_settings(principal.tenant))


@router.put("", response_model=TenantSettingsOut, summary="Replace the tenant's ingest settings")
async def put_settings(body: TenantSettingsIn, principal: Admin, uow: Uow) -> TenantSettingsOut:
    repo = IngestRepository(uow.session)
    row = await repo.tenant_settings(principal.tenant)
    if row is None:
        row = TenantSettings(tenant_id=principal.tenant)
        repo.add(row)
    row.help_text = body.help_text
    row.updated_at = datetime.now(UTC)
    try:
        await uow.commit()
    except IntegrityError as exc:  # a concurrent first write created the row
        raise Conflict("the settings changed at the same moment; send them again") from exc
    return _out(row)
