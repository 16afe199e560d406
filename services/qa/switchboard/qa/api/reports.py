"""Reports: CSAT, evaluation score roll-ups and trends, the questions failed most; JSON or CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.csat import CsatRow, GroupBy, Rated, csat
from switchboard.qa.domain.reports import (
    FailedQuestion,
    Grouping,
    Scored,
    ScoreRow,
    period_of,
    questions_failed,
    score_rollup,
    to_csv,
)
from switchboard.qa.domain.scorecards import Answer, ScorecardDefinition
from switchboard.qa.domain.topics import hot_topics
from switchboard.qa.evaluation_repository import EvaluationRepository
from switchboard.qa.kpi_repository import KpiRepository
from switchboard.qa.repository import QARepository
from switchboard.qa.sampling_repository import SamplingRepository

router = APIRouter(prefix="/v1/reports", tags=["reports"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Format = Literal["json", "csv"]


class TopicOut(BaseModel):
    term: str
    contacts: int
    previous: int
    growth: float


@dataclass(frozen=True)
class TopicRow:
    ranking: str  # most_frequent or fastest_rising
    term: str
    contacts: int
    previous: int
    growth: float


class HotTopicsOut(BaseModel):
    period: str
    previous: str
    scope: str
    most_frequent: list[TopicOut]
    fastest_rising: list[TopicOut]


Zone = Annotated[str, Query(max_length=64, description="IANA zone of days and weeks: Asia/Shanghai")]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable(f"tz: unknown time zone {name!r} (e.g. Asia/Shanghai, UTC)") from exc


def _window(since: datetime | None, until: datetime | None) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Unprocessable(f"{name}: give a time zone (e.g. 2026-11-01T00:00:00+08:00)")


def _render(rows: Sequence[Any], row_type: type, output: Format, name: str) -> Response:
    if output == "csv":
        return Response(to_csv(rows, row_type), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return JSONResponse([asdict(row) for row in rows])


@router.get("/csat", summary="CSAT per agent, queue, day or ISO week, over [since, until)")
async def csat_report(
    principal: Reader, uow: Uow, group_by: GroupBy = "agent",
    since: datetime | None = None, until: datetime | None = None,
    satisfied_from: Annotated[int, Query(ge=0, le=10, description="lowest satisfied score")] = 4,
    format: Format = "json", tz: Zone = "UTC",
) -> Response:
    _window(since, until)
    zone = _zone(tz)
    rows = await SamplingRepository(uow.session).survey_responses(principal.tenant, since, until)
    rated = [Rated(r.agent_id, r.queue_id, r.score, r.at.astimezone(zone))
             for r in rows if r.score is not None]
    return _render(csat(rated, group_by, satisfied_from), CsatRow, format, "csat")


@router.get("/evaluations",
            summary="Average evaluation score per agent, queue or period; per period within it for a trend")
async def evaluation_report(
    principal: Reader, uow: Uow, group_by: Grouping = "agent",
    trend: Literal["day", "week"] | None = None, agent_id: str | None = None,
    since: datetime | None = None, until: datetime | None = None, format: Format = "json",
    tz: Zone = "UTC",
) -> Response:
    _window(since, until)
    zone = _zone(tz)
    rows = await KpiRepository(uow.session).settled_with_queue(principal.tenant, since, until, agent_id)
    scored = [Scored(e.agent_id, queue, float(e.score or 0.0), e.failed_critical,
                     e.submitted_at.astimezone(zone)) for e, queue in rows if e.submitted_at is not None]
    return _render(score_rollup(scored, group_by, trend), ScoreRow, format, "evaluations")


@router.get("/questions-failed", summary="The questions failed most, over settled evaluations")
async def questions_failed_report(
    principal: Reader, uow: Uow, agent_id: str | None = None,
    since: datetime | None = None, until: datetime | None = None, format: Format = "json",
) -> Response:
    _window(since, until)
    rows = await KpiRepository(uow.session).settled_with_queue(principal.tenant, since, until, agent_id)
    versions = await EvaluationRepository(uow.session).versions_by_id(
        principal.tenant, {e.scorecard_version_id for e, _ in rows})
    forms = {vid: ScorecardDefinition.model_validate(v.definition) for vid, v in versions.items()}
    sheets = [(forms[e.scorecard_version_id], {k: Answer.model_validate(v) for k, v in e.answers.items()})
              for e, _ in rows if e.scorecard_version_id in forms]
    return _render(questions_failed(sheets), FailedQuestion, format, "questions-failed")


@router.get("/hot-topics", response_model=HotTopicsOut,
            summary="Most frequent and fastest-rising topics of a day or week vs the last")
async def hot_topics_report(
    principal: Reader, uow: Uow, period: Literal["day", "week"] = "day", on: date | None = None,
    scope: Literal["all", "complaints"] = "all", limit: Annotated[int, Query(ge=1, le=200)] = 20,
    min_contacts: Annotated[int, Query(ge=1, le=10_000)] = 3, format: Format = "json",
    tz: Zone = "UTC",
) -> HotTopicsOut | Response:
    zone = _zone(tz)
    day = on or datetime.now(zone).date()
    start = day if period == "day" else day - timedelta(days=day.weekday())
    days = timedelta(days=1 if period == "day" else 7)
    # local midnights, so a day is 24 h of the zone's clock (23 or 25 across a DST change)
    before, since, until = (
        datetime.combine(d, time(), tzinfo=zone) for d in (start - days, start, start + days))
    complaints = None
    if scope == "complaints":
        complaints = await SamplingRepository(uow.session).rules(principal.tenant)
    repo = QARepository(uow.session)
    current = await repo.topic_counts(principal.tenant, since, until, complaints)
    previous = await repo.topic_counts(principal.tenant, before, since, complaints)
    frequent, rising = hot_topics(current, previous, limit=limit, min_contacts=min_contacts)
    if format == "csv":
        rows = [TopicRow("most_frequent", **vars(t)) for t in frequent] + [
            TopicRow("fastest_rising", **vars(t)) for t in rising]
        return _render(rows, TopicRow, format, f"hot-topics-{period_of(since, period)}")
    return HotTopicsOut(
        period=period_of(since, period), previous=period_of(before, period), scope=scope,
        most_frequent=[TopicOut(**vars(t)) for t in frequent],
        fastest_rising=[TopicOut(**vars(t)) for t in rising])
