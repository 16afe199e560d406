"""How many agents are free for a voice call: what the dialer paces outbound calls on.

Blended agents are lent to outbound while every queue is comfortable: no more contacts
waiting than its `blending.lend_while_waiting_at_most` (0 when the queue sets nothing), and,
where the queue sets a `blending.sla_margin`, today's service level at least its target plus
that margin. As soon as one queue is not, they are reclaimed (counted 0 for the dialer).
Messages in a backlog do not reclaim them: they are worked when nothing live waits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING

from switchboard.routing.engine.agents import Agent as EngineAgent
from switchboard.routing.flow.hot import AgentRow, TaskRow
from switchboard.routing.models import Queue, Task
from switchboard.routing.stats import queue_figures

if TYPE_CHECKING:
    from switchboard.routing.flow.context import Flow


def voice_availability(available: Iterable[tuple[AgentRow, EngineAgent]], lend: bool) -> tuple[int, int]:
    """Agents free for a voice call now, and how many of them are blended and lent to outbound.

    `available` pairs each available agent's row with its engine view (its load after the
    pass's offers)."""
    free = [row for row, agent in available if agent.has_room("voice")]
    return len(free), sum(1 for row in free if row.blended) if lend else 0


def within_waiting_thresholds(queues: dict[str, Queue], waiting: Iterable[Task | TaskRow]) -> bool:
    counts = Counter(task.queue_id for task in waiting if task.status == "queued")
    return all(count <= int((queues[queue_id].blending or {}).get("lend_while_waiting_at_most", 0))
               if queue_id in queues else count == 0 for queue_id, count in counts.items())


async def service_levels_allow_lending(flow: Flow, queues: dict[str, Queue]) -> bool:
    """Today's service level (as the live view counts it) against target + margin, per queue."""
    strict = {q.id: q for q in queues.values() if (q.blending or {}).get("sla_margin") is not None}
    if not strict:
        return True
    today = datetime.combine(flow.now.date(), time(), flow.now.tzinfo)
    tasks = [t for t in await flow.repo.tasks_since(flow.tenant, today) if t.queue_id in strict]
    figures = queue_figures(tasks, {q.id: q.sla_seconds for q in strict.values()},
                            flow.settings.short_abandon_seconds)
    for queue_id, queue in strict.items():
        level = figures[queue_id].summary()["service_level"] if queue_id in figures else None
        if level is not None and level < queue.sla_target + float((queue.blending or {})["sla_margin"]):
            return False
    return True


async def may_lend_blended(flow: Flow, waiting: Sequence[Task | TaskRow]) -> bool:
    queues = await flow.queues()
    return within_waiting_thresholds(queues, waiting) and await service_levels_allow_lending(flow, queues)
