"""Staffing by Erlang C: agents needed for a service-level target, and what a headcount gives."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from switchboard.common.errors import NotFound, Unprocessable
from switchboard.routing.api.deps import Supervisor, Uow
from switchboard.routing.repository import RoutingRepository
from switchboard.routing.staffing.erlang_a import agents_needed_a, predict_a
from switchboard.routing.staffing.erlang_c import agents_needed, predict
from switchboard.routing.staffing.plan import IntervalPlan, day_plan, forecast

router = APIRouter(prefix="/v1/staffing", tags=["staffing"])


class StaffingIn(BaseModel):
    contacts: float = Field(gt=0, le=1_000_000, description="contacts arriving per interval")
    interval_seconds: int = Field(1800, ge=60, le=86_400)
    handle_seconds: float = Field(gt=0, le=86_400, description="average handle time (talk + wrap)")
    sla_target: float = Field(0.8, gt=0, lt=1)
    sla_seconds: float = Field(20, ge=0, le=3600)
    shrinkage: float = Field(0.0, ge=0, lt=1, description="share of paid time not on the phones")
    agents: int | None = Field(None, ge=1, le=100_000, description="also predict for this headcount")
    patience_seconds: float | None = Field(None, gt=0, le=86_400,
                                           description="mean patience: adds the Erlang A prediction")


class PredictionOut(BaseModel):
    agents: int
    service_level: float
    asa_seconds: float | None
    occupancy: float


class AbandonmentOut(BaseModel):
    agents: int
    service_level: float = Field(description="answered within sla_seconds / all arrivals")
    abandon_rate: float


class StaffingOut(BaseModel):
    traffic_erlangs: float
    needed: PredictionOut
    scheduled_agents: int
    given: PredictionOut | None
    with_abandonment: list[AbandonmentOut] = Field(
        [], description="Erlang A for the needed (and given) headcount, when patience_seconds is given")
    needed_with_abandonment: AbandonmentOut | None = Field(
        None, description="Erlang A: the fewest agents meeting the target with impatient callers")
    scheduled_with_abandonment: int | None = Field(None, description="that headcount after shrinkage")


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
    abandonment = []
    needed_a, scheduled_a = None, None
    if body.patience_seconds is not None:
        fewest, scheduled_a = agents_needed_a(rate, body.handle_seconds, body.sla_target, body.sla_seconds,
                                              body.patience_seconds, needed.agents, body.shrinkage)
        needed_a = AbandonmentOut(agents=fewest.agents, service_level=round(fewest.service_level, 4),
                                  abandon_rate=round(fewest.abandon_rate, 4))
        for agents in dict.fromkeys(a for a in (needed.agents, body.agents) if a):
            a = predict_a(agents, rate, body.handle_seconds, body.sla_seconds, body.patience_seconds)
            abandonment.append(AbandonmentOut(agents=agents, service_level=round(a.service_level, 4),
                                              abandon_rate=round(a.abandon_rate, 4)))
    return StaffingOut(traffic_erlangs=round(rate * body.handle_seconds, 4), needed=_out(needed),
                       scheduled_agents=scheduled, given=_out(given) if given else None,
                       with_abandonment=abandonment, needed_with_abandonment=needed_a,
                       scheduled_with_abandonment=scheduled_a)


class PlanOut(BaseModel):
    day: date
    queue_id: str
    weeks: int
    handle_seconds: float
    intervals: list[IntervalPlan]


@router.get("/plan", response_model=PlanOut,
            summary="A day's plan per 15 minutes, forecast from the same interval of past weeks")
async def staffing_plan(principal: Supervisor, uow: Uow, queue_id: str, day: date,
                        weeks: Annotated[int, Query(ge=1, le=12)] = 4,
                        shrinkage: Annotated[float, Query(ge=0, lt=1)] = 0.0,
                        handle_seconds: Annotated[float | None, Query(gt=0, le=86_400)] = None) -> PlanOut:
    """Handle time: `handle_seconds` if given, else the queue's mean talk + wrap over the same weeks."""
    repo = RoutingRepository(uow.session)
    queue = await repo.queue(principal.tenant, queue_id)
    if queue is None:
        raise NotFound(f"no queue {queue_id}")
    since = datetime.combine(day - timedelta(weeks=weeks), time(), UTC)
    history = [t for t in await repo.tasks_since(principal.tenant, since, datetime.combine(day, time(), UTC))
               if t.queue_id == queue_id]
    handled = [(t.talk_seconds or 0) + (t.wrap_seconds or 0) for t in history if t.status == "completed"]
    aht = handle_seconds or (sum(handled) / len(handled) if handled else None)
    if aht is None or aht <= 0:
        raise Unprocessable("no completed task in the history gives a handle time: give handle_seconds")
    expected = forecast((t.created_at for t in history), day, weeks)
    intervals = day_plan(expected, aht, queue.sla_target, queue.sla_seconds, shrinkage)
    return PlanOut(day=day, queue_id=queue_id, weeks=weeks, handle_seconds=round(aht, 2), intervals=intervals)
