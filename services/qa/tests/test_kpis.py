"""KPI facts gathered from routing's and campaign's events through the real consumer wrapper."""

from datetime import UTC, datetime, timedelta

from switchboard.common.events.base import Payload, make_envelope
from switchboard.common.events.campaign import AttemptDispositioned, SurveyResponseRecorded
from switchboard.common.events.routing import AgentStateChanged, TaskAccepted, TaskCompleted, TaskOffered
from switchboard.qa.kpi_repository import KpiRepository
from switchboard.qa.kpis import agent_scores, period_facts
from switchboard.qa.models import ExamScore

DAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 in Beijing


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


async def feed(qa, *events: Payload, tenant: str = "acme") -> None:
    for event in events:
        assert await qa.handle(make_envelope(event, tenant=tenant, source=event.service, subject="s"))


def disposed(attempt: str, code: str, effect: str, hours: float, agent: str | None = "a1"):
    return AttemptDispositioned(attempt_id=attempt, campaign_id="cmp", disposition=code, effect=effect,
                                agent_id=agent, at=at(hours))


def task(kind, agent: str, conversation: str, hours: float, **extra):
    return kind(task_id=f"t-{conversation}", conversation_id=conversation, queue_id="q", channel="voice",
                at=at(hours), agent_id=agent, **extra)


async def test_an_agents_shift_becomes_the_kpi_facts(sessions, qa) -> None:
    await feed(
        qa,
        task(TaskCompleted, "a1", "c0", -20, talk_seconds=600),            # the day before, 12:00 Beijing
        AgentStateChanged(agent_id="a1", state="available", at=at(1)),
        task(TaskOffered, "a1", "c1", 1.1, expires_at=at(1.2)),
        task(TaskAccepted, "a1", "c1", 1.11, wait_seconds=10),
        task(TaskCompleted, "a1", "c1", 1.5, talk_seconds=1200, wrap_seconds=600),
        task(TaskOffered, "a1", "c2", 2.0, expires_at=at(2.1)),            # missed
        task(TaskOffered, "a1", "c3", 2.2, expires_at=at(2.3)),
        task(TaskAccepted, "a1", "c3", 2.21, wait_seconds=45),             # too slow for the 20 s level
        task(TaskCompleted, "a1", "c3", 2.5, talk_seconds=1800),
        AgentStateChanged(agent_id="a1", state="logged_out", at=at(3)),
        SurveyResponseRecorded(survey_id="csat", agent_id="a1", question="ok?", score=5, at=at(2.6)),
        disposed("x1", "sale", "converted", 2.7),
        disposed("x2", "not_interested", "closed", 2.75),
        disposed("x3", "callback", "callback", 2.8),
        disposed("x3", "sale", "converted", 2.85),                     # corrected: one attempt, converted
        disposed("x4", "sale", "converted", 2.9, agent=None),          # no agent: nobody's rate
        AgentStateChanged(agent_id="a1", state="available", at=at(20)),   # 04:00 Beijing: night
        task(TaskCompleted, "a1", "c4", 20.5, talk_seconds=600),
        AgentStateChanged(agent_id="a1", state="logged_out", at=at(21)),
    )
    async with sessions() as session:
        session.add(ExamScore(id="e", tenant_id="acme", agent_id="a1", score=92, taken_at=at(5),
                              entered_by="s"))
        await session.commit()
        repo = KpiRepository(session)
        facts = (await period_facts(repo, "acme", DAY, DAY + timedelta(days=1), await repo.settings("acme")))
        assert set(facts) == {"a1"}
        a1 = facts["a1"]
        assert (a1.offered, a1.accepted, a1.accepted_in_time) == (3, 2, 1)
        assert a1.handle_seconds == [1800, 1800, 600]
        assert a1.logged_in_seconds == 3 * 3600               # 01:00-03:00 and 20:00-21:00
        assert (a1.sign_outs, a1.active_days) == (2, 1)
        assert (a1.marketing_attempts, a1.marketing_completed) == (3, 2)
        assert (a1.csat_scores, a1.exam_score, a1.night_contacts) == ([5], 92, 1)
        [score] = await agent_scores(repo, "acme", DAY, DAY + timedelta(days=1))
        assert (score.rank, score.score) == (1, 50.0)        # alone, the agent is the team average
        assert score.metrics["utilization"] == round(4200 / 10800, 4)
        assert "sudden_night_volume" in score.flags          # a third at night, none of the day before's
        assert await agent_scores(repo, "other", DAY, DAY + timedelta(days=1)) == []
