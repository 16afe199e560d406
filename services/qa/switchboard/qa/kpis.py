"""Gathering each agent's facts for a period, for the relative performance model."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

from switchboard.qa.domain.kpi import AgentPeriod, AgentScore, KpiSettings, relative_performance
from switchboard.qa.kpi_repository import KpiRepository
from switchboard.qa.models import AgentActivity


async def agent_scores(
    repo: KpiRepository, tenant: str, since: datetime, until: datetime
) -> list[AgentScore]:
    settings = await repo.settings(tenant)
    team = await period_facts(repo, tenant, since, until, settings)
    previous = await period_facts(repo, tenant, since - (until - since), since, settings)
    for agent, facts in team.items():
        before = previous.get(agent)
        if before is not None and before.handle_seconds:
            facts.previous_night_share = before.night_contacts / len(before.handle_seconds)
    return relative_performance(team, settings)


async def period_facts(
    repo: KpiRepository, tenant: str, since: datetime, until: datetime, settings: KpiSettings
) -> dict[str, AgentPeriod]:
    team: dict[str, AgentPeriod] = defaultdict(AgentPeriod)
    activities = await repo.activities(tenant, since, until)
    for activity in activities:
        _count(team[activity.agent_id], activity, settings)
    _logged_in_time(team, activities, await repo.state_before(tenant, since), since, until)
    for response in await repo.csat(tenant, since, until):
        team[response.agent_id or ""].csat_scores.append(int(response.score or 0))
    for evaluation in await repo.qa_scores(tenant, since, until):
        team[evaluation.agent_id or ""].qa_scores.append(float(evaluation.score or 0.0))
    for exam in await repo.exams(tenant, since, until):
        team[exam.agent_id].exam_score = exam.score  # the latest exam of the period counts
    return dict(team)


def _count(facts: AgentPeriod, activity: AgentActivity, settings: KpiSettings) -> None:
    if activity.kind == "offered":
        facts.offered += 1
    elif activity.kind == "accepted":
        facts.accepted += 1
        facts.accepted_in_time += (activity.seconds or 0.0) <= settings.service_level_seconds
    elif activity.kind == "completed":
        facts.handle_seconds.append(activity.seconds or 0.0)
        facts.busy_seconds += activity.seconds or 0.0
        local_hour = (activity.at + timedelta(hours=settings.utc_offset_hours)).hour
        start, end = settings.night_start_hour, settings.night_end_hour
        facts.night_contacts += (local_hour >= start or local_hour < end) if start > end else (
            start <= local_hour < end)
    elif activity.kind == "state" and activity.detail == "logged_out":
        facts.sign_outs += 1
    elif activity.kind == "attempt":
        facts.marketing_attempts += 1
        effect, _, code = (activity.detail or "").partition(":")
        facts.marketing_completed += bool({effect, code} & set(settings.marketing_success))


def _logged_in_time(
    team: dict[str, AgentPeriod], activities: list[AgentActivity], before: dict[str, str],
    since: datetime, until: datetime,
) -> None:
    """Time signed in = time in any state but logged_out, from the state changes."""
    changes: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for agent, state in before.items():
        changes[agent].append((since, state))
    days: dict[str, set[str]] = defaultdict(set)
    for activity in activities:
        days[activity.agent_id].add(activity.at.date().isoformat())
        if activity.kind == "state":
            changes[activity.agent_id].append((activity.at, activity.detail or "logged_out"))
    for agent, timeline in changes.items():
        timeline.append((until, "logged_out"))
        for (start, state), (end, _next) in pairwise(timeline):
            if state != "logged_out":
                team[agent].logged_in_seconds += (end - start).total_seconds()
    for agent, active in days.items():
        team[agent].active_days = len(active)
