"""Supervisor figures: live per queue, 15-minute intervals (JSON, CSV), Erlang C staffing."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from routing_scenarios import identified, message, setup_center

from switchboard.common.events.ingest import CallEnded
from switchboard.routing.models import AgentStateChange, Task
from switchboard.routing.staffing.erlang_a import predict_a
from switchboard.routing.staffing.erlang_c import agents_needed


async def contact(routing, conversation: str) -> None:
    await routing.send(message(conversation, text="hello"), subject=conversation)
    await routing.send(identified(conversation, customer=f"k-{conversation}"), subject=conversation)


async def test_live_figures_count_waiting_answered_abandoned_and_agents_by_state(api, routing) -> None:
    queues = await setup_center(api)
    await api.ok("POST", "/v1/agents", 201, json={"id": "zed", "name": "Zed"})  # never signs in
    for conversation in ("a", "b", "c"):
        await contact(routing, conversation)
    [offer] = await routing.events("task.offered")
    await api.as_agent("ann", "POST", f"/v1/tasks/{offer.task_id}/accept")
    abandoned = "b" if offer.conversation_id != "b" else "c"
    await routing.send(CallEnded(call_id="x", conversation_id=abandoned, from_address="a", to_address="b",
                                 at=datetime.now(UTC), abandoned=True), subject=abandoned)

    live = await api.ok("GET", "/v1/stats/live", roles=("supervisor",))
    [general] = [q for q in live["queues"] if q["queue_id"] == queues["general"]]
    assert (general["offered"], general["answered"], general["waiting"]) == (3, 1, 1)
    assert (general["abandoned"], general["short_abandons"]) == (1, 1), "left within 5 s: a short abandon"
    assert general["service_level"] == 1.0, "short abandons are left out of the service level"
    assert general["asa_seconds"] is not None and general["longest_wait_seconds"] >= 0
    assert live["agents_by_state"] == {"busy": 1, "logged_out": 1}
    forbidden = await api.call("GET", "/v1/stats/live", roles=("agent",))
    assert forbidden.status_code == 403


async def test_intervals_per_queue_and_agent_as_json_and_csv(api, routing) -> None:
    queues = await setup_center(api)
    await contact(routing, "a")
    [offer] = await routing.events("task.offered")
    await api.as_agent("ann", "POST", f"/v1/tasks/{offer.task_id}/accept")
    await api.as_agent("ann", "POST", f"/v1/tasks/{offer.task_id}/complete", json={"disposition": "ok"})

    [row] = await api.ok("GET", "/v1/stats/intervals")
    assert (row["queue_id"], row["offered"], row["answered"]) == (queues["general"], 1, 1)
    assert row["interval_start"].endswith(("00:00+00:00", "15:00+00:00", "30:00+00:00", "45:00+00:00"))
    assert row["aht_seconds"] >= 30, "talk plus the 30 s wrap-up"
    agents = await api.ok("GET", "/v1/stats/intervals", params={"of": "agents"})
    ann = [r for r in agents if r["agent_id"] == "ann"]
    assert sum(r["answered"] for r in ann) == 1 and sum(r["signed_in_seconds"] for r in ann) >= 0
    csv = await api.call("GET", "/v1/stats/intervals", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    header, line = csv.text.strip().splitlines()
    assert header.startswith("interval_start,queue_id,") and queues["general"] in line


async def test_agent_intervals_count_the_offers_each_agent_got_rejected_and_missed(api, routing) -> None:
    await setup_center(api, agents=("ann", "bob"))
    await contact(routing, "a")
    [first] = await routing.events("task.offered")
    await api.as_agent(first.agent_id, "POST", f"/v1/tasks/{first.task_id}/reject")
    second = (await routing.events("task.offered"))[-1]
    assert second.agent_id != first.agent_id
    await api.as_agent(second.agent_id, "POST", f"/v1/tasks/{second.task_id}/accept")
    rows = await api.ok("GET", "/v1/stats/intervals", params={"of": "agents"})

    def totals(agent_id: str) -> tuple[int, ...]:
        mine = [r for r in rows if r["agent_id"] == agent_id]
        return tuple(sum(r[k] for r in mine) for k in ("offered", "rejected", "missed", "answered"))

    assert totals(first.agent_id) == (1, 1, 0, 0) and totals(second.agent_id) == (1, 0, 0, 1)


async def test_staffing_matches_the_published_erlang_c_table(api) -> None:
    body = {"contacts": 100, "interval_seconds": 1800, "handle_seconds": 180, "sla_target": 0.8,
            "sla_seconds": 20, "shrinkage": 0.3, "agents": 13}
    result = await api.ok("POST", "/v1/staffing/erlang-c", json=body, roles=("supervisor",))
    assert result["traffic_erlangs"] == 10.0
    assert result["needed"]["agents"] == 14
    assert result["needed"]["service_level"] == pytest.approx(0.888, abs=1e-3)
    assert result["scheduled_agents"] == 20, "14 on the phones / (1 - 30% shrinkage)"
    assert result["given"]["agents"] == 13
    assert result["given"]["service_level"] == pytest.approx(0.796, abs=1e-3)
    impatient = await api.ok("POST", "/v1/staffing/erlang-c", json={**body, "patience_seconds": 120})
    assert [a["agents"] for a in impatient["with_abandonment"]] == [14, 13]
    assert 0 < impatient["with_abandonment"][1]["abandon_rate"] < 0.05
    # Erlang A's own answer: the fewest meeting 80% in 20 s when callers give up, never more
    # than Erlang C's; one agent fewer misses the target.
    fewest = impatient["needed_with_abandonment"]
    assert fewest["agents"] <= 14 and fewest["service_level"] >= 0.8
    assert impatient["scheduled_with_abandonment"] == math.ceil(fewest["agents"] / 0.7)
    assert predict_a(fewest["agents"] - 1, 100 / 1800, 180, 20, 120).service_level < 0.8
    endless = await api.ok("POST", "/v1/staffing/erlang-c", json={**body, "patience_seconds": 86_400})
    assert endless["needed_with_abandonment"]["agents"] == 14, "endless patience is Erlang C"
    bad = await api.call("POST", "/v1/staffing/erlang-c", json={**body, "shrinkage": 1.5})
    assert bad.status_code == 422 and "shrinkage" in bad.text


async def test_a_day_plan_forecasts_each_interval_from_the_same_weekday_of_past_weeks(api, sessions) -> None:
    queue = await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["voice"],
                                                          "sla_target": 0.8, "sla_seconds": 20})
    day = date(2026, 11, 30)
    rows = []
    for weeks_back, contacts in ((1, 200), (2, 100)):  # 10:00-10:15 on the two Mondays before
        start = datetime(2026, 11, 30, 10, 0, tzinfo=UTC) - timedelta(weeks=weeks_back)
        for n in range(contacts):
            at = start + timedelta(seconds=n * 900 / contacts)
            rows.append(Task(id=f"w{weeks_back}-{n}", tenant_id="acme", conversation_id=f"c{weeks_back}-{n}",
                             channel="voice", direction="inbound", status="completed", queue_id=queue["id"],
                             required_skills={}, facts={}, created_at=at, talk_seconds=150.0,
                             wrap_seconds=30.0))
    rows.append(Task(id="other-day", tenant_id="acme", conversation_id="x", channel="voice",
                     direction="inbound", status="completed", queue_id=queue["id"], required_skills={},
                     facts={}, created_at=datetime(2026, 11, 24, 10, 5, tzinfo=UTC),  # a Tuesday
                     talk_seconds=150.0, wrap_seconds=30.0))
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()

    plan = await api.ok("GET", "/v1/staffing/plan", roles=("supervisor",),
                        params={"queue_id": queue["id"], "day": day.isoformat(), "weeks": 2,
                                "shrinkage": 0.25})
    assert plan["handle_seconds"] == 180.0, "talk + wrap of the history"
    by_start = {i["start"][11:16]: i for i in plan["intervals"]}
    assert len(plan["intervals"]) == 96
    ten = by_start["10:00"]
    needed, scheduled = agents_needed(150 / 900, 180.0, 0.8, 20, 0.25)
    assert ten["forecast_contacts"] == 150, "the mean of 200 and 100"
    assert (ten["agents"], ten["scheduled_agents"]) == (needed.agents, scheduled)
    assert by_start["10:15"]["agents"] == 0 and by_start["09:45"]["forecast_contacts"] == 0
    unknown = await api.call("GET", "/v1/staffing/plan", params={"queue_id": "nope", "day": day.isoformat()})
    assert unknown.status_code == 404


async def test_agent_intervals_carry_the_state_an_agent_was_in_when_the_day_began(api, sessions) -> None:
    day = date(2026, 11, 20)
    night_before = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)
    async with sessions() as session:
        session.add_all([
            AgentStateChange(tenant_id="acme", agent_id="owl", state="available", at=night_before),
            AgentStateChange(tenant_id="acme", agent_id="owl", state="logged_out",
                             at=datetime(2026, 11, 20, 0, 20, tzinfo=UTC)),
            AgentStateChange(tenant_id="globex", agent_id="owl", state="available", at=night_before),
        ])
        await session.commit()
    rows = await api.ok("GET", "/v1/stats/intervals", params={"of": "agents", "day": day.isoformat()})
    signed_in = {r["interval_start"][11:16]: r["signed_in_seconds"] for r in rows if r["agent_id"] == "owl"}
    assert signed_in == {"00:00": 900.0, "00:15": 300.0}, "available from midnight until 00:20 sign-out"
