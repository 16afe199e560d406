"""Agent KPIs: the relative performance model, its tenant settings, and exam scores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.kpi import KpiSettings, kpi_csv
from switchboard.qa.kpi_repository import KpiRepository
from switchboard.qa.kpis import agent_scores
from switchboard.qa.models import ExamScore, KpiConfig

router = APIRouter(tags=["agent KPIs"])
Supervisor = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


class AgentKpiOut(BaseModel):
    agent_id: str
    metrics: dict[str, float]
    normalized: dict[str, float]
    score: float | None
    rank: int | None
    flags: list[str]


class ExamScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: str = Field(min_length=1, max_length=128)
    score: float = Field(ge=0, le=100)
    taken_at: datetime


@router.get("/v1/kpis/agents", response_model=list[AgentKpiOut],
            summary="Every active agent's KPIs over [since, until), normalized, scored and ranked")
async def agent_kpis(
    principal: Supervisor, uow: Uow, since: datetime, until: datetime,
    format: Literal["json", "csv"] = "json",
) -> list[AgentKpiOut] | Response:
    if since.tzinfo is None or until.tzinfo is None:
        raise Unprocessable("since and until need a time zone (e.g. 2026-11-01T00:00:00+08:00)")
    if until <= since:
        raise Unprocessable("until must be after since")
    scores = await agent_scores(KpiRepository(uow.session), principal.tenant, since, until)
    if format == "csv":
        return Response(kpi_csv(scores), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="agent-kpis.csv"'})
    return [AgentKpiOut(**vars(score)) for score in scores]


@router.get("/v1/kpi-settings", response_model=KpiSettings)
async def get_kpi_settings(principal: Supervisor, uow: Uow) -> KpiSettings:
    return await KpiRepository(uow.session).settings(principal.tenant)


@router.put("/v1/kpi-settings", response_model=KpiSettings, summary="Weights and thresholds")
async def put_kpi_settings(
    body: KpiSettings, principal: Annotated[Principal, Depends(require_roles("admin"))], uow: Uow
) -> KpiSettings:
    repo = KpiRepository(uow.session)
    row = await repo.settings_row(principal.tenant)
    if row is None:
        row = KpiConfig(tenant_id=principal.tenant)
        repo.add(row)
    row.settings, row.updated_at = body.model_dump(mode="json"), datetime.now(UTC)
    await uow.commit()
    return body


@router.post("/v1/exam-scores", status_code=201, response_model=ExamScoreIn,
             summary="A supervisor enters an agent's exam score (0-100)")
async def enter_exam_score(body: ExamScoreIn, principal: Supervisor, uow: Uow) -> ExamScoreIn:
    if body.taken_at.tzinfo is None:
        raise Unprocessable("taken_at needs a time zone")
    KpiRepository(uow.session).add(ExamScore(
        id=str(uuid.uuid4()), tenant_id=principal.tenant, agent_id=body.agent_id, score=body.score,
        taken_at=body.taken_at, entered_by=principal.subject))
    await uow.commit()
    return body
