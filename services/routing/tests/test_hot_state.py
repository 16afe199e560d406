"""Each tenant's agents and tasks kept in memory between decision passes (flow/hot.py): used only
while the database's generation says they are what was committed, never what was rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from routing_scenarios import identified, message, setup_center
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from switchboard.common.uow import UnitOfWork
from switchboard.routing.flow.context import open_flow
from switchboard.routing.flow.dispatch import dispatch
from switchboard.routing.flow.hot import HotStates
from switchboard.routing.models import Agent, backbone


def hot(settings) -> HotStates:
    return HotStates.keep_for(settings.resolved_database_url())


async def contact(routing, conversation: str, customer: str) -> None:
    await routing.send(message(conversation, text="hello"), subject=conversation)
    await routing.send(identified(conversation, customer=customer), subject=conversation)


async def offers(routing) -> dict[str, str]:
    return {e.conversation_id: e.agent_id for e in await routing.events("task.offered")}


async def test_passes_after_the_first_read_no_agents_or_tasks_and_decide_as_before(api, routing, settings):
    await setup_center(api, agents=("ann", "bob"), capacity={"sms": 1})
    states = hot(settings)
    await contact(routing, "c1", "k1")
    reads = states.reads
    await contact(routing, "c2", "k2")
    await contact(routing, "c3", "k3")  # both agents hold one: c3 waits
    assert states.reads == reads, "the memory served every later pass"
    offered = await offers(routing)
    assert set(offered) == {"c1", "c2"} and set(offered.values()) == {"ann", "bob"}
    c1, c2 = await task_id(routing, "c1"), await task_id(routing, "c2")
    owner = offered["c1"]
    for agent, task, step, body in ((owner, c1, "accept", None), (offered["c2"], c2, "accept", None),
                                    (owner, c1, "complete", {"disposition": "resolved"})):
        response = await api.as_agent(agent, "POST", f"/v1/tasks/{task}/{step}", json=body)
        assert response.status_code == 200, response.text
    assert "c3" not in await offers(routing), "the agent is in wrap-up (30 s), the other holds c2"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=31))
    assert (await offers(routing)).get("c3") == owner, "wrap-up over: c3 goes to the agent now free"
    assert states.reads == reads


async def task_id(routing, conversation: str) -> str:
    [offered] = [e for e in await routing.events("task.offered") if e.conversation_id == conversation]
    return offered.task_id


async def test_a_change_made_elsewhere_in_plain_sql_is_seen_through_the_generation(api, routing, settings,
                                                                                    sessions):
    await setup_center(api, agents=("ann", "bob"), capacity={"sms": 1})
    states = hot(settings)
    await contact(routing, "c1", "k1")
    holder = (await offers(routing))["c1"]
    other = "bob" if holder == "ann" else "ann"
    # Another writer (an older replica, a script) signs the free agent out: no routing code runs,
    # the database's triggers move the generation on.
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE agents SET state = 'logged_out' WHERE id = :a"), {"a": other})
    reads = states.reads
    await contact(routing, "c2", "k2")
    assert states.reads == reads + 1
    assert "c2" not in await offers(routing), "nobody free: the signed-out agent is not offered"


async def test_while_the_generation_stands_the_memory_is_what_a_pass_decides_on(api, routing, sessions):
    """The counterpart of the test above: a change whose generation is set back is not seen."""
    await setup_center(api, agents=("ann", "bob"), capacity={"sms": 1})
    await contact(routing, "c1", "k1")
    holder = (await offers(routing))["c1"]
    other = "bob" if holder == "ann" else "ann"
    async with sessions() as session, session.begin():
        generation = (await session.execute(text("SELECT generation FROM tenant_routing"))).scalar()
        await session.execute(text("UPDATE agents SET state = 'logged_out' WHERE id = :a"), {"a": other})
        await session.execute(text("UPDATE tenant_routing SET generation = :g"), {"g": generation})
    await contact(routing, "c2", "k2")
    assert (await offers(routing))["c2"] == other


async def test_what_a_transaction_rolled_back_never_reaches_the_memory(api, routing, settings):
    await setup_center(api, agents=("ann",), capacity={"sms": 2})
    await contact(routing, "c1", "k1")
    async with UnitOfWork(routing.sessions, backbone, "routing") as uow:
        uow.scope_to("acme")
        flow = await open_flow(uow, "acme", datetime.now(UTC), settings)
        ann = await flow.repo.agent("acme", "ann")
        assert ann is not None
        ann.state = "not_ready"
        await dispatch(flow)  # the pass reads the change (flushed), then the transaction is dropped
        await uow.rollback()
    await contact(routing, "c2", "k2")
    assert (await offers(routing))["c2"] == "ann", "ann is available as committed"


async def test_a_change_committed_in_this_process_reaches_the_memory_without_a_read(api, routing, settings):
    await setup_center(api, agents=("ann",), capacity={"sms": 2})
    states = hot(settings)
    await contact(routing, "c1", "k1")
    reads = states.reads
    async with UnitOfWork(routing.sessions, backbone, "routing") as uow:
        uow.scope_to("acme")
        flow = await open_flow(uow, "acme", datetime.now(UTC), settings)
        ann = await flow.repo.agent("acme", "ann")
        assert isinstance(ann, Agent)
        ann.state = "not_ready"
        await uow.commit()
    await contact(routing, "c2", "k2")
    assert "c2" not in await offers(routing)
    assert states.reads == reads


@pytest.mark.parametrize("max_age", [0.0])
async def test_a_memory_older_than_its_age_is_read_again(api, routing, settings, max_age):
    await setup_center(api, agents=("ann",), capacity={"sms": 3})
    states = hot(settings)
    states.max_age = max_age
    try:
        await contact(routing, "c1", "k1")
        reads = states.reads
        await contact(routing, "c2", "k2")
        assert states.reads > reads
    finally:
        states.max_age = 30.0


@contextmanager
def reads_of(table: str) -> Iterator[list[str]]:
    """The SELECTs from `table` sent meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_queues_and_rules_are_read_once_and_again_after_an_admin_changes_a_rule(api, routing):
    queues = await setup_center(api, agents=("ann",), capacity={"sms": 5})
    await contact(routing, "c1", "k1")
    with reads_of("routing_rules") as rules, reads_of("queues") as queue_reads:
        await contact(routing, "c2", "k2")
    assert rules == [] and queue_reads == [], "the memory served the rules and queues"
    queued = {e.conversation_id: e.queue_id for e in await routing.events("task.queued")}
    assert queued["c2"] == queues["general"]
    await api.ok("POST", "/v1/rules", 201, json={
        "name": "greetings", "position": 1, "queue_id": queues["billing"],
        "conditions": {"channels": ["sms"], "keywords": ["hello"]}})
    with reads_of("routing_rules") as rules:
        await contact(routing, "c3", "k3")
    assert len(rules) == 1, "the rule's change made the memory read the rules again"
    queued = {e.conversation_id: e.queue_id for e in await routing.events("task.queued")}
    assert queued["c3"] == queues["billing"], "the new rule routed the contact"


async def test_a_savepoint_rolled_back_drops_the_memory_at_the_commit(api, routing, settings):
    await setup_center(api, agents=("ann",), capacity={"sms": 2})
    states = hot(settings)
    await contact(routing, "c1", "k1")
    async with UnitOfWork(routing.sessions, backbone, "routing") as uow:
        uow.scope_to("acme")
        flow = await open_flow(uow, "acme", datetime.now(UTC), settings)
        await dispatch(flow)
        async with uow.session.begin_nested() as savepoint:
            ann = await flow.repo.agent("acme", "ann")
            assert ann is not None
            ann.state = "not_ready"
            await uow.session.flush()
            await savepoint.rollback()
        await uow.commit()
    reads = states.reads
    await contact(routing, "c2", "k2")
    assert states.reads == reads + 1, "read again: the memory could not know what the savepoint undid"
    assert (await offers(routing))["c2"] == "ann"
