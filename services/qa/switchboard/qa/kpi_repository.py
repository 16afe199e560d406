"""QA's SQL for agent KPIs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.qa.domain.kpi import KpiSettings
from switchboard.qa.models import (
    AgentActivity,
    Contact,
    Evaluation,
    ExamScore,
    KpiConfig,
    SurveyResponse,
)

SETTLED = ("submitted", "acknowledged", "re_reviewed")


class KpiRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def settings_row(self, tenant: str) -> KpiConfig | None:
        return await self.session.scalar(select(KpiConfig).where(KpiConfig.tenant_id == tenant))

    async def settings(self, tenant: str) -> KpiSettings:
        row = await self.settings_row(tenant)
        return KpiSettings.model_validate(row.settings) if row else KpiSettings()

    async def activities(self, tenant: str, since: datetime, until: datetime) -> list[AgentActivity]:
        rows = await self.session.scalars(
            select(AgentActivity)
            .where(AgentActivity.tenant_id == tenant, AgentActivity.at >= since, AgentActivity.at < until)
            .order_by(AgentActivity.at, AgentActivity.id))
        return list(rows)

    async def state_before(self, tenant: str, since: datetime) -> dict[str, str]:
        """Each agent's last state before `since` (what they were doing when the period began),
        looking back a day: a shift that began earlier and saw no change since is not counted."""
        rows = await self.session.scalars(
            select(AgentActivity)
            .where(AgentActivity.tenant_id == tenant, AgentActivity.kind == "state",
                   AgentActivity.at < since, AgentActivity.at >= since - timedelta(days=1))
            .order_by(AgentActivity.at))
        return {row.agent_id: row.detail or "logged_out" for row in rows}

    async def csat(self, tenant: str, since: datetime, until: datetime) -> list[SurveyResponse]:
        rows = await self.session.scalars(select(SurveyResponse).where(
            SurveyResponse.tenant_id == tenant, SurveyResponse.agent_id.is_not(None),
            SurveyResponse.score.is_not(None), SurveyResponse.at >= since, SurveyResponse.at < until))
        return list(rows)

    async def qa_scores(self, tenant: str, since: datetime, until: datetime) -> list[Evaluation]:
        rows = await self.session.scalars(select(Evaluation).where(
            Evaluation.tenant_id == tenant, Evaluation.agent_id.is_not(None),
            Evaluation.calibration_id.is_(None), Evaluation.status.in_(SETTLED),
            Evaluation.submitted_at >= since, Evaluation.submitted_at < until))
        return list(rows)

    async def settled_with_queue(
        self, tenant: str, since: datetime | None, until: datetime | None, agent_id: str | None
    ) -> list[tuple[Evaluation, str | None]]:
        query = (
            select(Evaluation, Contact.queue_id)
            .outerjoin(Contact, (Contact.tenant_id == Evaluation.tenant_id)
                       & (Contact.conversation_id == Evaluation.conversation_id))
            .where(Evaluation.tenant_id == tenant, Evaluation.calibration_id.is_(None),
                   Evaluation.status.in_(SETTLED))
        )
        if since is not None:
            query = query.where(Evaluation.submitted_at >= since)
        if until is not None:
            query = query.where(Evaluation.submitted_at < until)
        if agent_id is not None:
            query = query.where(Evaluation.agent_id == agent_id)
        rows = await self.session.execute(query.order_by(Evaluation.submitted_at))
        return [(evaluation, queue) for evaluation, queue in rows.all()]

    async def exams(self, tenant: str, since: datetime, until: datetime) -> list[ExamScore]:
        rows = await self.session.scalars(
            select(ExamScore)
            .where(ExamScore.tenant_id == tenant, ExamScore.taken_at >= since, ExamScore.taken_at < until)
            .order_by(ExamScore.taken_at))
        return list(rows)

    def add(self, row: AgentActivity | ExamScore | KpiConfig) -> None:
        self.session.add(row)
