"""What the clock moves: offer timeouts, profile grace, overflow, callbacks, messages, wrap-up ends;
then a dispatch pass, when the clock moved something or a pass could decide differently with
time alone (every other change of routing state runs its own pass)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from switchboard.common.events.routing import TaskCallbackScheduled, TaskTransferred
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.engine.escalation import EscalationPolicy, should_offer_callback, should_overflow
from switchboard.routing.flow.agents import change_state, end_wrap_ups
from switchboard.routing.flow.context import Flow, open_flow
from switchboard.routing.flow.dispatch import dispatch, withdraw_offer
from switchboard.routing.flow.intake import abandon, enqueue, merged_skills, route
from switchboard.routing.flow.messages import divert_long_waits_to_messages, divert_to_message
from switchboard.routing.models import Task
from switchboard.routing.repository import RoutingRepository

log = logging.getLogger(__name__)

# A task opened by a profile waits this long for its message or call before it is dropped.
ORPHAN_SECONDS = 600.0


async def tick(flow: Flow) -> None:
    moved = await expire_offers(flow)
    moved = await end_wrap_ups(flow) or moved
    for task in await flow.repo.tasks_with_status(flow.tenant, "pending"):
        if task.grace_until is not None and task.grace_until <= flow.now and task.facts.get("has_contact"):
            await route(flow, task)  # the profile is late: route with what is known
            moved = True
        elif not task.facts.get("has_contact") and flow.seconds_since(task.created_at) > ORPHAN_SECONDS:
            task.status, task.ended_at = "dropped", flow.now  # a profile whose contact never came
    waiting = await flow.repo.tasks_with_status(flow.tenant, "queued")  # read once for the four
    await overflow(flow, waiting)
    await schedule_callbacks(flow, waiting)
    await divert_long_waits_to_messages(flow, waiting)
    await give_up_long_waits(flow, waiting)
    if moved or waiting or await _time_alone_may_change_a_pass(flow):
        await dispatch(flow)


async def _time_alone_may_change_a_pass(flow: Flow) -> bool:
    """Whether a pass could decide anything the flows' own passes did not: with nothing moved by
    the clock and no task waiting in a queue, only messages in a backlog (their preferred agent's
    hold ends with time) and today's service level (lending blended agents on a margin) change
    with time alone. Under load every open offer makes the tenant's timers run twice a second; a
    full pass each time (every signed-in agent, every held task) held the service's one SQLite
    connection as long as a batch of contacts did."""
    if await flow.repo.count_with_status(flow.tenant, "message"):
        return True
    queues = (await flow.queues()).values()
    return any((queue.blending or {}).get("sla_margin") is not None for queue in queues)


async def expire_offers(flow: Flow) -> bool:
    """Re-queue offers past their timeout; an agent who lets N in a row expire goes not-ready.
    True when any expired."""
    expired = await flow.repo.offers_expired_by(flow.tenant, flow.now)
    for task in expired:
        agent = await flow.repo.agent(flow.tenant, task.agent_id or "")
        await withdraw_offer(flow, task, outcome="expired")
        if agent is None:
            continue
        agent.missed_offers += 1
        if agent.missed_offers >= flow.settings.missed_offers_before_not_ready and agent.state == "available":
            await change_state(flow, agent, "not_ready", "missed_offers")
    return bool(expired)


async def overflow(flow: Flow, waiting: list[Task]) -> None:
    """Tasks waiting past their queue's overflow threshold move to the overflow queue (once)."""
    queues = await flow.queues()
    for task in (t for t in waiting if t.status == "queued"):  # not moved on by an earlier step
        queue = queues.get(task.queue_id or "")
        if queue is None or task.escalation_level > 0:
            continue
        policy = EscalationPolicy.from_settings(queue.escalation)
        target = queues.get(policy.overflow_queue_id or "")
        if target is None or not should_overflow(policy, flow.seconds_since(task.created_at)):
            continue
        task.escalation_level = 1
        task.required_skills = merged_skills(target.required_skills)
        await flow.emit(_overflowed(flow, task, target.id), task.conversation_id)
        await enqueue(flow, task, target)


async def schedule_callbacks(flow: Flow, waiting: list[Task]) -> None:
    """A voice caller waiting past the callback threshold keeps the place without holding the line."""
    queues = await flow.queues()
    for task in (t for t in waiting if t.status == "queued"):  # not moved on by an earlier step
        queue = queues.get(task.queue_id or "")
        if queue is None or task.channel != "voice" or task.facts.get("callback"):
            continue
        waited = flow.seconds_since(task.created_at)
        if should_offer_callback(EscalationPolicy.from_settings(queue.escalation), waited):
            task.facts = {**task.facts, "callback": True}
            await flow.emit(TaskCallbackScheduled(task_id=task.id, conversation_id=task.conversation_id,
                                                  queue_id=queue.id, channel=task.channel, at=flow.now,
                                                  customer_id=task.customer_id, wait_seconds=waited),
                            task.conversation_id)


async def give_up_long_waits(flow: Flow, waiting: list[Task]) -> None:
    """A task waiting past its queue's maximum wait (and not overflowed away) ends (max_wait), or
    leaves a message when the queue's `limit_action` is `message`."""
    queues = await flow.queues()
    for task in (t for t in waiting if t.status == "queued"):  # not moved on by an earlier step
        queue = queues.get(task.queue_id or "")
        if queue is None or queue.max_wait_seconds is None or task.callback \
                or flow.seconds_since(task.created_at) < queue.max_wait_seconds:
            continue
        if queue.limit_action == "message":
            await divert_to_message(flow, task, queue, "max_wait")
        else:
            await abandon(flow, task, reason="max_wait")


def _overflowed(flow: Flow, task: Task, to_queue_id: str) -> TaskTransferred:
    return TaskTransferred(task_id=task.id, conversation_id=task.conversation_id,
                           queue_id=task.queue_id or "", channel=task.channel, at=flow.now,
                           to_queue_id=to_queue_id)


@dataclass(frozen=True)
class ThreadHop:
    """SQLite: each round of the timers as one transaction per tenant on a synchronous session in
    one worker-thread hop, holding the service's async connection meanwhile, as the consumer's
    batches run (switchboard.common.sqlite_thread). On aiosqlite every statement of a tick is
    about four hops between the loop and the driver's thread, and the connection stays held
    through all of them while the loop serves everything else."""

    sqlite: ThreadedSqlite
    # a unit of work on `sqlite`'s sessions, calling back (in the thread) once it committed events
    units: Callable[[Callable[[], None]], UnitOfWork]
    committed: Callable[[], None]  # what such a commit must wake (the relay), called on the event loop


class Ticker:
    """Runs `tick` for every tenant with timed work, each in its own locked transaction."""

    def __init__(self, units: Callable[[], UnitOfWork], settings: RoutingSettings,
                 bell: DesktopBell | None = None, hop: ThreadHop | None = None) -> None:
        self._units = units
        self._settings = settings
        self._bell = bell
        self._hop = hop
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="routing-ticker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick_all()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("routing timers failed; retrying")
            await asyncio.sleep(self._settings.tick_seconds)

    async def tick_all(self) -> None:
        hop = self._hop
        if hop is None:
            await self._tick_tenants(self._units)
            return
        emitted: list[bool] = []
        await hop.sqlite.run(lambda: self._tick_tenants(lambda: hop.units(lambda: emitted.append(True))))
        if emitted:
            hop.committed()  # here, on the event loop: the relay's wake is not thread-safe

    async def _tick_tenants(self, units: Callable[[], UnitOfWork]) -> None:
        async with units() as uow:
            tenants = await RoutingRepository(uow.session).tenants_with_timed_work()
        for tenant in tenants:
            async with units() as uow:
                uow.scope_to(tenant)
                await tick(await open_flow(uow, tenant, datetime.now(UTC), self._settings, self._bell))
                await uow.commit()
