"""The timers: a decision pass only when the clock moved something or could change a decision,
and on SQLite each round in one worker-thread hop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from routing_scenarios import identified, message, setup_center
from sqlalchemy import update

from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.uow import UnitOfWork
from switchboard.routing.flow.timers import ThreadHop, Ticker
from switchboard.routing.models import Task, backbone


@contextmanager
def passes() -> Iterator[list[int]]:
    """The number of decision passes run meanwhile (as routing's metrics count them), once done."""
    seen: list[int] = []
    before = REGISTRY.get_sample_value("sb_routing_decision_passes_total") or 0
    try:
        yield seen
    finally:
        seen.append(int((REGISTRY.get_sample_value("sb_routing_decision_passes_total") or 0) - before))


async def test_a_tick_runs_no_pass_while_offers_are_only_held_and_one_when_an_offer_expires(
        api, routing) -> None:
    await setup_center(api)
    await routing.send(message(text="hello"))
    await routing.send(identified())
    [offered] = await routing.events("task.offered")

    with passes() as seen:  # an open offer keeps the timers running; nothing is due, nothing waits
        await routing.tick(datetime.now(UTC) + timedelta(seconds=1))
    assert seen == [0]
    assert len(await routing.events("task.offered")) == 1

    with passes() as seen:  # the offer times out (20 s): the task goes back to the queue and on
        await routing.tick(datetime.now(UTC) + timedelta(seconds=21))
    assert seen == [1]
    assert [e.task_id for e in await routing.events("task.offered")] == [offered.task_id] * 2


async def test_a_tick_runs_a_pass_while_a_task_waits_in_a_queue(api, routing) -> None:
    await setup_center(api, agents=())
    await routing.send(message(text="hello"))
    await routing.send(identified())
    assert len(await routing.events("task.queued")) == 1, "queued, no agent to offer it to"
    with passes() as seen:  # its priority and skills move with its wait
        await routing.tick(datetime.now(UTC) + timedelta(seconds=1))
    assert seen == [1]


async def test_the_timers_in_a_thread_hop_route_a_late_profile_and_wake_the_relay_once(
        api, routing, sessions, settings) -> None:
    await setup_center(api)
    await routing.send(message(text="hello"))  # no profile comes
    async with sessions() as session, session.begin():
        await session.execute(update(Task).values(grace_until=datetime.now(UTC) - timedelta(seconds=1)))
    threaded = ThreadedSqlite(settings.resolved_database_url(), hold=sessions.kw["bind"])
    woken: list[bool] = []
    hop = ThreadHop(threaded, lambda emitted: UnitOfWork(threaded.sessions, backbone, "routing", emitted),
                    lambda: woken.append(True))
    ticker = Ticker(lambda: UnitOfWork(sessions, backbone, "routing"), settings, hop=hop)
    try:
        await ticker.tick_all()
        [queued] = await routing.events("task.queued")
        [offered] = await routing.events("task.offered")
        assert (offered.task_id, offered.agent_id) == (queued.task_id, "ann")
        assert woken == [True]
        await ticker.tick_all()  # the offer is held: nothing to write, nothing to publish
        assert woken == [True]
    finally:
        threaded.close()
