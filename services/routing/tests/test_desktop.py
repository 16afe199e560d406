"""The agent desktop: accept, reject, complete with wrap-up, transfer, states; and its bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing_scenarios import identified, message, setup_center

PROBLEM = "application/problem+json"


async def offered_task(api, routing, conversation: str = "c1") -> str:
    await routing.send(message(conversation, text="hello"), subject=conversation)
    await routing.send(identified(conversation), subject=conversation)
    return (await routing.events("task.offered"))[-1].task_id


async def test_accept_then_complete_reports_times_and_starts_the_timed_wrap_up(api, routing) -> None:
    await setup_center(api)
    task_id = await offered_task(api, routing)
    accepted = await api.as_agent("ann", "POST", f"/v1/tasks/{task_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    done = await api.as_agent("ann", "POST", f"/v1/tasks/{task_id}/complete",
                              json={"disposition": "resolved", "notes": "refund issued"})
    assert done.status_code == 200, done.text
    [completed] = await routing.events("task.completed")
    assert (completed.agent_id, completed.disposition, completed.customer_id) == ("ann", "resolved", "cust-1")
    assert completed.wait_seconds >= 0 and completed.talk_seconds >= 0 and completed.wrap_seconds == 30
    agent = await api.ok("GET", "/v1/agents/ann")
    assert agent["state"] == "wrap_up" and agent["load"] == {}

    await offered_task(api, routing, "c2")
    assert len(await routing.events("task.offered")) == 1, "no offer during wrap-up"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=31))
    states = [(e.agent_id, e.state) for e in await routing.events("agent.state_changed")]
    assert states == [("ann", "available"), ("ann", "wrap_up"), ("ann", "available")]
    assert len(await routing.events("task.offered")) == 2, "available again: the waiting task is offered"


async def test_a_rejected_offer_goes_to_the_next_agent(api, routing) -> None:
    await setup_center(api, agents=("ann", "bob"))
    task_id = await offered_task(api, routing)
    first = (await routing.events("task.offered"))[0].agent_id
    other = "bob" if first == "ann" else "ann"
    assert (await api.as_agent(first, "POST", f"/v1/tasks/{task_id}/reject")).status_code == 200
    assert (await routing.events("task.offered"))[-1].agent_id == other


async def test_offers_timing_out_twice_set_the_agent_not_ready(api, routing) -> None:
    await setup_center(api)
    task_id = await offered_task(api, routing)
    later = datetime.now(UTC)
    for _ in range(2):
        later += timedelta(seconds=21)
        await routing.tick(later)
    agent = await api.ok("GET", "/v1/agents/ann")
    assert (agent["state"], agent["reason"]) == ("not_ready", "missed_offers")
    task = await api.ok("GET", f"/v1/tasks/{task_id}")
    assert (task["status"], task["agent_id"]) == ("queued", None)
    expired = await api.as_agent("ann", "POST", f"/v1/tasks/{task_id}/accept")
    assert expired.status_code == 409


async def test_accepting_someone_elses_or_an_expired_offer_is_a_conflict(api, routing) -> None:
    await setup_center(api, agents=("ann", "bob"))
    task_id = await offered_task(api, routing)
    holder = (await routing.events("task.offered"))[0].agent_id
    other = "bob" if holder == "ann" else "ann"
    response = await api.as_agent(other, "POST", f"/v1/tasks/{task_id}/accept")
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    assert f"not offered to agent {other}" in response.json()["detail"]
    done = await api.as_agent(holder, "POST", f"/v1/tasks/{task_id}/complete", json={"disposition": "x"})
    assert done.status_code == 409, "an offer must be accepted before it is completed"


async def test_transfer_to_a_colleague_offers_it_to_them_and_frees_the_holder(api, routing) -> None:
    await setup_center(api, agents=("ann", "bob"))
    task_id = await offered_task(api, routing)
    holder = (await routing.events("task.offered"))[0].agent_id
    other = "bob" if holder == "ann" else "ann"
    await api.as_agent(holder, "POST", f"/v1/tasks/{task_id}/accept")
    moved = await api.as_agent(holder, "POST", f"/v1/tasks/{task_id}/transfer", json={"agent_id": other})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["agent_id"]) == ("offered", other)
    [transferred] = await routing.events("task.transferred")
    assert (transferred.from_agent_id, transferred.to_agent_id) == (holder, other)
    assert (await api.ok("GET", f"/v1/agents/{holder}"))["load"] == {}


async def test_transfer_to_a_queue_requeues_and_a_full_colleague_is_refused(api, routing) -> None:
    queues = await setup_center(api, agents=("ann", "bob"))
    task_id = await offered_task(api, routing)
    holder = (await routing.events("task.offered"))[0].agent_id
    other = "bob" if holder == "ann" else "ann"
    await api.ok("PUT", f"/v1/agents/{other}/state", json={"state": "not_ready", "reason": "break"})
    await api.as_agent(holder, "POST", f"/v1/tasks/{task_id}/accept")
    refused = await api.as_agent(holder, "POST", f"/v1/tasks/{task_id}/transfer", json={"agent_id": other})
    assert refused.status_code == 409 and "no free sms slot" in refused.json()["detail"]
    moved = await api.as_agent(holder, "POST", f"/v1/tasks/{task_id}/transfer",
                               json={"queue_id": queues["billing"]})
    assert moved.status_code == 200, moved.text
    task = await api.ok("GET", f"/v1/tasks/{task_id}")
    assert task["queue_id"] == queues["billing"] and task["status"] == "offered"


async def test_signing_out_while_holding_a_task_is_refused_and_an_offer_goes_back(api, routing) -> None:
    await setup_center(api)
    task_id = await offered_task(api, routing)
    assert (await api.as_agent("ann", "POST", "/v1/agents/ann/sign-out")).status_code == 200
    task = await api.ok("GET", f"/v1/tasks/{task_id}")
    assert task["status"] == "queued"
    await api.as_agent("ann", "POST", "/v1/agents/ann/sign-in", json={})
    await api.as_agent("ann", "POST", f"/v1/tasks/{task_id}/accept")
    held = await api.as_agent("ann", "POST", "/v1/agents/ann/sign-out")
    assert held.status_code == 409 and "complete or transfer" in held.json()["detail"]


async def test_bad_input_is_refused_with_a_problem_naming_it(api, routing) -> None:
    await setup_center(api)
    cases = [
        (await api.call("POST", "/v1/agents", json={"id": "x", "name": "X", "skills": {"billing": 11}}), 422,
         "skills.billing"),
        (await api.call("POST", "/v1/agents", json={"id": "x", "name": "X", "capacity": {"chat": -1}}), 422,
         "capacity.chat"),
        (await api.call("POST", "/v1/agents", json={"id": "x", "name": "X", "skills": {"cooking": 3}}), 422,
         "unknown skills: cooking"),
        (await api.call("PUT", "/v1/agents/ann/state", json={"state": "not_ready"}), 422, "needs a reason"),
        (await api.call("GET", "/v1/agents/nobody"), 404, "no agent nobody"),
        (await api.call("GET", "/v1/queues/nope"), 404, "no queue nope"),
        (await api.as_agent("ann", "POST", "/v1/tasks/nope/accept"), 404, "no task nope"),
        (await api.call("POST", "/v1/rules", json={"name": "r", "position": 1, "queue_id": "nope"}), 422,
         "queue nope does not exist"),
        (await api.call("POST", "/v1/queues", json={"name": "general", "channels": ["sms"]}), 409,
         "already exists"),
        (await api.as_agent("ann", "PUT", "/v1/agents/bob/state", json={"state": "available"}), 403,
         "only for themselves"),
        (await api.call("POST", "/v1/agents", roles=("supervisor",), json={"id": "x", "name": "X"}), 403,
         "roles: admin"),
    ]
    for response, status, fragment in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert fragment in response.text, response.text
    assert len(await api.ok("GET", "/v1/agents")) == 1, "nothing half-written"


async def test_another_tenants_rows_are_not_found(api, routing) -> None:
    queues = await setup_center(api)
    assert (await api.call("GET", f"/v1/queues/{queues['general']}", tenant="globex")).status_code == 404
    assert (await api.call("GET", "/v1/agents/ann", tenant="globex")).status_code == 404
    assert await api.ok("GET", "/v1/queues", tenant="globex") == []
    task_id = await offered_task(api, routing)
    assert (await api.call("GET", f"/v1/tasks/{task_id}", tenant="globex")).status_code == 404


async def test_a_supervisor_moves_and_reprioritizes_a_waiting_task(api, routing) -> None:
    queues = await setup_center(api, agents=())
    await routing.send(message(text="hello"))
    await routing.send(identified())
    [queued] = await routing.events("task.queued")
    changed = await api.call("PATCH", f"/v1/tasks/{queued.task_id}", roles=("supervisor",),
                             json={"queue_id": queues["billing"], "priority": 40})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["queue_id"], changed.json()["priority"]) == (queues["billing"], 40)
    [moved] = await routing.events("task.transferred")
    assert (moved.to_queue_id, moved.from_agent_id) == (queues["billing"], None)
    as_agent = await api.as_agent("ann", "PATCH", f"/v1/tasks/{queued.task_id}", json={"priority": 1})
    assert as_agent.status_code == 403
    empty = await api.call("PATCH", f"/v1/tasks/{queued.task_id}", json={})
    assert empty.status_code == 422 and "queue_id, priority" in empty.text
