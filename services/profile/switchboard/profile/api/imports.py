"""POST /v1/customers/import: customers from CSV, with a report of every bad row."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import PayloadTooLarge
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.customer_import import COLUMNS, import_customers
from switchboard.profile.domain.customers import DEFAULT_TIER
from switchboard.profile.repository import ProfileRepository

router = APIRouter(prefix="/v1/customers", tags=["customers"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Manager = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
MAX_BYTES = 512 * 2**20


@router.post("/import", summary=f"CSV with a header of: {', '.join(COLUMNS)}")
async def import_csv(request: Request, principal: Manager, uow: Uow) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(f"at most {MAX_BYTES // 2**20} MiB per import; split the file")
    repo = ProfileRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    tiers = {t.name for t in await repo.tiers(principal.tenant)} | {DEFAULT_TIER}
    report = await import_customers(uow.session, principal.tenant, body.decode("utf-8-sig", errors="replace"),
                                    settings.default_region if settings else None, tiers)
    await uow.commit()
    return {"imported": report.imported, "rejected": report.rejected, "errors": report.errors}
