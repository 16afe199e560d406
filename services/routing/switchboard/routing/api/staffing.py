"""Staffing by Erlang C: agents needed for a service-level target, and what a headcount gives."""

from __future__ import annotations

import math

from fastapi import APIRouter
from pydantic import BaseModel, Field

from switchboard.routing.api.deps import Supervisor
from switchboard.routing.staffing.erlang_c import agents_needed, predict

router = APIRouter(prefix="/v1/staffing", tags=["staffing"])


class StaffingIn(BaseModel):
    contacts: float = Field(gt=0, le=1_000_000, description="contacts arriving per interval")
    interval_seconds: int = Field(1800, ge=60, le=86_400)
    handle_seconds: float = Field(gt=0, le=86_400, description="average handle time (talk + wrap)")
    sla_target: float = Field(0.8, gt=0, lt=1)
    sla_seconds: float = Field(20, ge=0, le=3600)
    shrinkage: float = Field(0.0, ge=0, lt=1, description="share of paid time not on the phones")
    agents: int | None = Field(None, ge=1, le=100_000, description="also predict for this headcount")


class PredictionOut(BaseModel):
    agents: int
    service_level: float
    asa_seconds: float | None
    occupancy: float


class StaffingOut(BaseModel):
    traffic_erlangs: float
    needed: PredictionOut
    scheduled_agents: int
    given: PredictionOut | None


def _out(prediction: object) -> PredictionOut:
    agents, level, asa, occupancy = (getattr(prediction, k) for k in
                                     ("agents", "service_level", "average_speed_of_answer", "occupancy"))
    return PredictionOut(agents=agents, service_level=round(level, 4), occupancy=round(occupancy, 4),
                         asa_seconds=None if math.isinf(asa) else round(asa, 2))


@router.post("/erlang-c", response_model=StaffingOut, summary="Agents needed (Erlang C) and a what-if")
async def erlang_c(body: StaffingIn, principal: Supervisor) -> StaffingOut:
    rate = body.contacts / body.interval_seconds
    needed, scheduled = agents_needed(rate, body.handle_seconds, body.sla_target, body.sla_seconds,
                                      body.shrinkage)
    given = predict(body.agents, rate, body.handle_seconds, body.sla_seconds) if body.agents else None
    return StaffingOut(traffic_erlangs=round(rate * body.handle_seconds, 4), needed=_out(needed),
                       scheduled_agents=scheduled, given=_out(given) if given else None)
