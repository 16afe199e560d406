"""QA's SQL for scorecards and evaluations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.qa.models import Evaluation, Scorecard, ScorecardVersion


class EvaluationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def scorecard(
        self, tenant: str, scorecard_id: str, *, for_update: bool = False
    ) -> Scorecard | None:
        query = select(Scorecard).where(Scorecard.tenant_id == tenant, Scorecard.id == scorecard_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def scorecards(self, tenant: str) -> list[Scorecard]:
        rows = await self.session.scalars(
            select(Scorecard).where(Scorecard.tenant_id == tenant).order_by(Scorecard.name))
        return list(rows)

    async def version(self, tenant: str, scorecard_id: str, version: int) -> ScorecardVersion | None:
        return await self.session.scalar(select(ScorecardVersion).where(
            ScorecardVersion.tenant_id == tenant, ScorecardVersion.scorecard_id == scorecard_id,
            ScorecardVersion.version == version))

    async def version_by_id(self, tenant: str, version_id: str) -> ScorecardVersion | None:
        return await self.session.scalar(select(ScorecardVersion).where(
            ScorecardVersion.tenant_id == tenant, ScorecardVersion.id == version_id))

    async def versions_by_id(self, tenant: str, version_ids: set[str]) -> dict[str, ScorecardVersion]:
        if not version_ids:
            return {}
        rows = await self.session.scalars(select(ScorecardVersion).where(
            ScorecardVersion.tenant_id == tenant, ScorecardVersion.id.in_(version_ids)))
        return {row.id: row for row in rows}

    async def evaluation(
        self, tenant: str, evaluation_id: str, *, for_update: bool = False
    ) -> Evaluation | None:
        """`for_update` locks the row (PostgreSQL) so two workflow steps cannot both apply."""
        query = select(Evaluation).where(Evaluation.tenant_id == tenant, Evaluation.id == evaluation_id)
        return await self.session.scalar(query.with_for_update() if for_update else query)

    async def evaluations(
        self, tenant: str, *, evaluator_id: str | None = None, agent_id: str | None = None,
        status: str | None = None, calibration_id: str | None = None, conversation_id: str | None = None,
        limit: int = 100,
    ) -> list[Evaluation]:
        query = select(Evaluation).where(Evaluation.tenant_id == tenant)
        filters = {"evaluator_id": evaluator_id, "agent_id": agent_id, "status": status,
                   "calibration_id": calibration_id, "conversation_id": conversation_id}
        for column, value in filters.items():
            if value is not None:
                query = query.where(getattr(Evaluation, column) == value)
        rows = await self.session.scalars(query.order_by(Evaluation.assigned_at, Evaluation.id).limit(limit))
        return list(rows)

    def add(self, row: Scorecard | ScorecardVersion | Evaluation) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
