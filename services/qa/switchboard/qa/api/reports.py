"""Reports: CSAT per agent, queue or period."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.csat import GroupBy, Rated, csat
from switchboard.qa.sampling_repository import SamplingRepository

router = APIRouter(prefix="/v1/reports", tags=["reports"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator"))]


class CsatRowOut(BaseModel):
    key: str
    responses: int
    average: float
    csat_percent: float


@router.get("/csat", response_model=list[CsatRowOut],
            summary="CSAT per agent, queue, day or ISO week, over [since, until)")
async def csat_report(
    principal: Reader,
    uow: Annotated[UnitOfWork, Depends(tenant_uow)],
    group_by: GroupBy = "agent",
    since: datetime | None = None,
    until: datetime | None = None,
    satisfied_from: Annotated[int, Query(ge=0, le=10, description="lowest satisfied score")] = 4,
) -> list[CsatRowOut]:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Unprocessable(f"{name}: give a time zone (e.g. 2026-11-01T00:00:00+08:00)")
    rows = await SamplingRepository(uow.session).survey_responses(principal.tenant, since, until)
    rated = [Rated(r.agent_id, r.queue_id, r.score, r.at) for r in rows if r.score is not None]
    return [CsatRowOut(**vars(row)) for row in csat(rated, group_by, satisfied_from)]
