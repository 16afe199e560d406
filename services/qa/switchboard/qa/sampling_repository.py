"""QA's SQL for sampling and CSAT."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.qa.domain.sampling import SamplingRules
from switchboard.qa.models import (
    AgentActivity,
    AgentRecord,
    Contact,
    Evaluation,
    SamplingConfig,
    SurveyResponse,
)

NORM_WINDOW = 200  # the latest completed contacts of a channel that define "normal" handle time


class SamplingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rules_row(self, tenant: str) -> SamplingConfig | None:
        return await self.session.scalar(select(SamplingConfig).where(SamplingConfig.tenant_id == tenant))

    async def rules(self, tenant: str) -> SamplingRules:
        row = await self.rules_row(tenant)
        return SamplingRules.model_validate(row.config) if row else SamplingRules()

    async def handle_time_norm(self, tenant: str, channel: str, excluding: str) -> tuple[float | None, int]:
        rows = await self.session.scalars(
            select(Contact.handle_seconds)
            .where(Contact.tenant_id == tenant, Contact.channel == channel,
                   Contact.handle_seconds.is_not(None), Contact.conversation_id != excluding)
            .order_by(Contact.updated_at.desc()).limit(NORM_WINDOW))
        values = [float(v) for v in rows if v is not None]
        return (median(values) if values else None), len(values)

    async def agent_first_seen(self, tenant: str, agent_id: str) -> AgentRecord | None:
        return await self.session.scalar(select(AgentRecord).where(
            AgentRecord.tenant_id == tenant, AgentRecord.agent_id == agent_id))

    async def week_ordinal(self, tenant: str, agent_id: str, at: datetime) -> int:
        """How many contacts the agent completed from the start of `at`'s ISO week (UTC) to `at`."""
        day = at.astimezone(UTC)
        monday = datetime.combine(day.date() - timedelta(days=day.weekday()), time(), tzinfo=UTC)
        count = await self.session.scalar(select(func.count()).select_from(AgentActivity).where(
            AgentActivity.tenant_id == tenant, AgentActivity.agent_id == agent_id,
            AgentActivity.kind == "completed", AgentActivity.at >= monday, AgentActivity.at <= at))
        return int(count or 0)

    async def sampled_already(self, tenant: str, conversation_id: str) -> bool:
        found = await self.session.scalar(select(Evaluation.id).where(
            Evaluation.tenant_id == tenant, Evaluation.conversation_id == conversation_id,
            Evaluation.calibration_id.is_(None), Evaluation.reason != "manual").limit(1))
        return found is not None

    async def least_loaded(self, tenant: str, evaluators: list[str]) -> str:
        """The evaluator with the fewest open evaluations (ties: the order configured)."""
        rows = await self.session.execute(
            select(Evaluation.evaluator_id, func.count())
            .where(Evaluation.tenant_id == tenant, Evaluation.status == "assigned",
                   Evaluation.evaluator_id.in_(evaluators))
            .group_by(Evaluation.evaluator_id))
        load = {evaluator: int(count) for evaluator, count in rows.all()}
        return min(evaluators, key=lambda e: (load.get(e, 0), evaluators.index(e)))

    async def survey_responses(
        self, tenant: str, since: datetime | None, until: datetime | None
    ) -> list[SurveyResponse]:
        query = select(SurveyResponse).where(
            SurveyResponse.tenant_id == tenant, SurveyResponse.score.is_not(None))
        if since is not None:
            query = query.where(SurveyResponse.at >= since)
        if until is not None:
            query = query.where(SurveyResponse.at < until)
        return list(await self.session.scalars(query.order_by(SurveyResponse.at)))

    def add(self, row: AgentRecord | SamplingConfig | SurveyResponse) -> None:
        self.session.add(row)
