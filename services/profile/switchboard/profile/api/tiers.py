"""Tenant-defined customer tiers ('standard' always exists, at rank 0)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound, Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.domain.customers import DEFAULT_TIER
from switchboard.profile.models import Tier
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import TierIn, TierOut

router = APIRouter(prefix="/v1/tiers", tags=["tiers"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


def tiers_with_default(tiers: list[Tier]) -> list[TierOut]:
    out = [TierOut.model_validate(t) for t in tiers]
    if not any(t.name == DEFAULT_TIER for t in out):
        out.append(TierOut(name=DEFAULT_TIER, rank=0, description="the default tier"))
    return sorted(out, key=lambda t: (-t.rank, t.name))


@router.get("", response_model=list[TierOut], summary="The tenant's tiers, most valued first")
async def list_tiers(principal: Reader, uow: Uow) -> list[TierOut]:
    return tiers_with_default(await ProfileRepository(uow.session).tiers(principal.tenant))


@router.put("/{name}", response_model=TierOut, summary="Define or change a tier")
async def put_tier(name: str, body: TierIn, principal: Admin, uow: Uow) -> TierOut:
    if not _NAME.match(name):
        raise Unprocessable(f"name: {name!r} must be 1-32 of a-z, 0-9, - and _")
    repo = ProfileRepository(uow.session)
    tier = await repo.tier(principal.tenant, name)
    if tier is None:
        tier = Tier(tenant_id=principal.tenant, name=name)
        repo.add(tier)
    tier.rank, tier.description = body.rank, body.description
    await uow.commit()
    return TierOut.model_validate(tier)


@router.delete("/{name}", status_code=204, response_class=Response)
async def delete_tier(name: str, principal: Admin, uow: Uow) -> Response:
    repo = ProfileRepository(uow.session)
    tier = await repo.tier(principal.tenant, name)
    if tier is None:
        raise NotFound(f"no tier {name!r}")
    if name == DEFAULT_TIER:
        raise Conflict("the standard tier cannot be removed")
    if in_use := await repo.customers_in_tier(principal.tenant, name):
        raise Conflict(f"{in_use} customers are in tier {name!r}; move them first")
    await repo.delete(tier)
    await uow.commit()
    return Response(status_code=204)
