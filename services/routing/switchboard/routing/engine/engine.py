"""The decision loop: waiting tasks in a heap per line (queue, channel), offers as reservations.

The order is strict within a line: its head waits for a qualified agent with room on the
channel, and the tasks behind it wait too. Lines of other channels in the same queue are
not held back by it: a call waiting for a voice slot does not stop chats going to free
chat slots. Messages customers left (a queue's message backlog) wait in lines of their own,
`<channel>:message`, so a message never holds a live contact back, nor a live one a message.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.index import FreeAgentIndex
from switchboard.routing.engine.strategies import Picker, Strategy, longest_idle_agent, picker_for


@dataclass
class Task:
    task_id: str
    queue_id: str
    channel: str
    priority: int = 0
    required_skills: dict[str, int] = field(default_factory=dict)
    enqueued_at: float = 0.0
    message: bool = False  # a message left for the backlog, not a live contact

    @property
    def line(self) -> str:
        """The line the task waits in within its queue: its channel, live or message."""
        return f"{self.channel}:message" if self.message else self.channel


@dataclass
class Reservation:
    task: Task
    agent_id: str
    expires_at: float


class Engine:
    """Holds waiting tasks and agents; never offers a task twice or fills an agent past capacity."""

    def __init__(
        self, clock: Callable[[], float], accept_timeout: float = 15.0, timeouts_before_not_ready: int = 3
    ) -> None:
        self._clock = clock
        self._accept_timeout = accept_timeout
        self._timeouts_before_not_ready = timeouts_before_not_ready
        self._index = FreeAgentIndex()
        self._missed_offers: dict[str, int] = {}
        self._pickers: dict[str, Picker] = {}
        self._abandoned: set[str] = set()
        self._wrap_up_until: dict[str, float] = {}
        self._waiting: dict[str, dict[str, list[tuple[int, float, int, Task]]]] = {}  # queue -> channel
        self._seq = itertools.count()
        self.agents: dict[str, Agent] = {}
        self.reservations: dict[str, Reservation] = {}

    def add_agent(self, agent: Agent) -> None:
        self.agents[agent.agent_id] = agent
        self._index.add_agent(agent)

    def set_state(self, agent_id: str, state: AgentState, reason: str | None = None) -> None:
        agent = self.agents[agent_id]
        agent.state, agent.not_ready_reason = state, reason
        if state is AgentState.AVAILABLE:
            agent.idle_since = self._clock()
        self._index.refresh(agent)

    def set_strategy(self, queue_id: str, strategy: Strategy, seed: int = 0) -> None:
        self._pickers[queue_id] = picker_for(strategy, seed)

    def refresh(self, agent: Agent) -> None:
        """After a change made to an agent outside the engine (a direct offer)."""
        self._index.refresh(agent)

    def set_picker(self, queue_id: str, picker: Picker) -> None:
        self._pickers[queue_id] = picker

    def enqueue(self, task: Task) -> None:
        heap = self._waiting.setdefault(task.queue_id, {}).setdefault(task.line, [])
        # Higher priority first, then the oldest: the place a task keeps on re-queue.
        heapq.heappush(heap, (-task.priority, task.enqueued_at, next(self._seq), task))

    def abandon(self, task_id: str) -> None:
        """The customer left: dropped lazily from its heap, or its live offer withdrawn."""
        reservation = self.reservations.pop(task_id, None)
        if reservation is not None:
            self._release(reservation.agent_id, reservation.task.channel)
        else:
            self._abandoned.add(task_id)

    def waiting_count(self, queue_id: str) -> int:
        return len(self.waiting_tasks(queue_id))

    def waiting_tasks(self, queue_id: str) -> list[Task]:
        entries = sorted(entry for heap in self._waiting.get(queue_id, {}).values() for entry in heap)
        return [entry[3] for entry in entries if entry[3].task_id not in self._abandoned]

    def lines(self) -> list[tuple[str, str]]:
        """The (queue, line) lines holding tasks, in the order they first got one."""
        return [(queue_id, line) for queue_id, heaps in self._waiting.items()
                for line, heap in heaps.items() if heap]

    def head(self, queue_id: str, line: str) -> Task | None:
        """The task a line (a channel, or `<channel>:message`) would offer next (highest priority,
        then oldest)."""
        heap = self._waiting.get(queue_id, {}).get(line)
        while heap and heap[0][3].task_id in self._abandoned:
            self._abandoned.discard(heapq.heappop(heap)[3].task_id)
        return heap[0][3] if heap else None

    def offer_next(self, queue_id: str, line: str) -> Reservation | None:
        """Offer the line's head to an agent by the queue's strategy; None leaves it waiting."""
        task = self.head(queue_id, line)
        if task is None:
            return None
        agent = self._pick_agent(task)
        if agent is None:
            return None
        heapq.heappop(self._waiting[queue_id][line])
        agent.load[task.channel] = agent.load.get(task.channel, 0) + 1
        # Idle counts from the last offer too, so an agent with several chat slots is not
        # filled up before the others get their first.
        agent.idle_since = self._clock()
        self._index.refresh(agent)
        reservation = Reservation(task, agent.agent_id, self._clock() + self._accept_timeout)
        self.reservations[task.task_id] = reservation
        return reservation

    def reject(self, task_id: str) -> None:
        reservation = self.reservations.pop(task_id)
        self._release(reservation.agent_id, reservation.task.channel)
        self.enqueue(reservation.task)

    def expire_offers(self) -> list[Reservation]:
        """Re-queue offers past their accept timeout; an agent who misses too many goes not-ready."""
        now = self._clock()
        expired = [r for r in self.reservations.values() if r.expires_at <= now]
        for reservation in expired:
            self.reject(reservation.task.task_id)
            missed = self._missed_offers.get(reservation.agent_id, 0) + 1
            self._missed_offers[reservation.agent_id] = missed
            if missed >= self._timeouts_before_not_ready:
                self._missed_offers[reservation.agent_id] = 0
                self.set_state(reservation.agent_id, AgentState.NOT_READY, "missed_offers")
        return expired

    def accept(self, task_id: str, agent_id: str) -> Task:
        reservation = self.reservations.get(task_id)
        if reservation is None or reservation.agent_id != agent_id:
            raise LookupError(f"task {task_id} is not offered to agent {agent_id}")
        if reservation.expires_at <= self._clock():
            raise LookupError(f"offer of task {task_id} expired")
        del self.reservations[task_id]
        self._missed_offers[agent_id] = 0
        return reservation.task

    def complete(self, task: Task, agent_id: str, wrap_up_seconds: float = 0.0) -> None:
        self._release(agent_id, task.channel)
        if wrap_up_seconds > 0 and self.agents[agent_id].state is AgentState.AVAILABLE:
            self._wrap_up_until[agent_id] = self._clock() + wrap_up_seconds
            self.set_state(agent_id, AgentState.WRAP_UP)

    def end_wrap_ups(self) -> list[str]:
        """Agents whose timed wrap-up is over become available again."""
        now = self._clock()
        done = [agent_id for agent_id, until in self._wrap_up_until.items() if until <= now]
        for agent_id in done:
            del self._wrap_up_until[agent_id]
            if self.agents[agent_id].state is AgentState.WRAP_UP:
                self.set_state(agent_id, AgentState.AVAILABLE)
        return done

    def _release(self, agent_id: str, channel: str) -> None:
        agent = self.agents[agent_id]
        agent.load[channel] -= 1
        agent.idle_since = self._clock()
        self._index.refresh(agent)

    def _pick_agent(self, task: Task) -> Agent | None:
        picker = self._pickers.get(task.queue_id) or longest_idle_agent
        if picker is longest_idle_agent:
            return self._index.longest_idle(task.channel, task.required_skills, self.agents)
        candidates = (self.agents[a] for a in self._index.candidates(task.channel, task.required_skills))
        free = [a for a in candidates if a.qualifies(task.required_skills)]
        if not free:
            return None
        return picker(free, task.required_skills)
