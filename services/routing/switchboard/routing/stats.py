"""Queue and agent statistics from task rows: live figures for today, and 15-minute intervals.

Definitions (the usual contact-center ones, written down because vendors differ):
- offered: tasks that reached the queue; answered: accepted by an agent;
- abandoned: the customer left before an answer; a short abandon (under the configured
  threshold) is reported apart and left out of the service level and the abandon rate;
- messages: contacts that left the live queue to leave a message (escalation, after hours,
  a full queue, the maximum wait); neither answered nor abandoned, so outside the service level,
  the abandon rate, ASA and AHT; `messages_handled` counts those an agent completed;
- service level: answered within the queue's target seconds / (answered + long abandons);
- ASA: mean wait of answered tasks; AHT: mean talk + wrap of completed tasks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from switchboard.routing.models import AgentStateChange, Reservation, Task

INTERVAL = timedelta(minutes=15)


@dataclass
class QueueFigures:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    short_abandons: int = 0
    transfers: int = 0
    wait_total: float = 0.0
    handle_total: float = 0.0
    completed: int = 0
    messages: int = 0
    messages_handled: int = 0

    def add(self, task: Task, sla_seconds: float, short_abandon: float) -> None:
        self.offered += 1
        self.transfers += task.transfers
        if task.message:
            self.messages += 1
            self.messages_handled += task.status == "completed"
            return
        if task.accepted_at is not None:
            wait = task.wait_seconds or 0.0
            self.answered += 1
            self.answered_in_target += wait <= sla_seconds
            self.wait_total += wait
        elif task.status == "abandoned":
            self.abandoned += 1
            self.short_abandons += (task.wait_seconds or 0.0) < short_abandon
        if task.status == "completed":
            self.completed += 1
            self.handle_total += (task.talk_seconds or 0.0) + (task.wrap_seconds or 0.0)

    def summary(self) -> dict[str, float | int | None]:
        counted = self.answered + self.abandoned - self.short_abandons
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "short_abandons": self.short_abandons, "transfers": self.transfers,
            "messages": self.messages, "messages_handled": self.messages_handled,
            "service_level": round(self.answered_in_target / counted, 4) if counted else None,
            "abandon_rate": round((self.abandoned - self.short_abandons) / counted, 4) if counted else None,
            "asa_seconds": round(self.wait_total / self.answered, 2) if self.answered else None,
            "aht_seconds": round(self.handle_total / self.completed, 2) if self.completed else None,
        }


@dataclass
class AgentFigures:
    offered: int = 0
    rejected: int = 0
    missed: int = 0  # offers the agent let time out
    answered: int = 0
    completed: int = 0
    talk_seconds: float = 0.0
    wrap_seconds: float = 0.0
    signed_in_seconds: float = 0.0
    state_seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, float | int | None]:
        handled = self.talk_seconds + self.wrap_seconds
        signed_in = self.signed_in_seconds
        return {
            "offered": self.offered, "rejected": self.rejected, "missed": self.missed,
            "answered": self.answered, "completed": self.completed,
            "aht_seconds": round(handled / self.completed, 2) if self.completed else None,
            "signed_in_seconds": round(self.signed_in_seconds, 1),
            "occupancy": round(min(1.0, handled / signed_in), 4) if signed_in else None,
            **{f"{state}_seconds": round(s, 1) for state, s in sorted(self.state_seconds.items())},
        }


def routed(tasks: Iterable[Task]) -> list[Task]:
    return [t for t in tasks if t.queue_id is not None]


def queue_figures(tasks: Iterable[Task], sla_seconds: dict[str, float], short_abandon: float,
                  ) -> dict[str, QueueFigures]:
    figures: dict[str, QueueFigures] = defaultdict(QueueFigures)
    for task in routed(tasks):
        queue_id = task.queue_id or ""
        figures[queue_id].add(task, sla_seconds.get(queue_id, 20), short_abandon)
    return dict(figures)


def interval_start(at: datetime) -> datetime:
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def queue_intervals(tasks: Iterable[Task], sla_seconds: dict[str, float], short_abandon: float,
                    ) -> list[dict[str, object]]:
    """One row per (15-minute interval, queue) in which tasks arrived."""
    buckets: dict[tuple[datetime, str], list[Task]] = defaultdict(list)
    for task in routed(tasks):
        buckets[(interval_start(task.created_at), task.queue_id or "")].append(task)
    rows: list[dict[str, object]] = []
    for (start, queue_id), members in sorted(buckets.items()):
        figures = queue_figures(members, sla_seconds, short_abandon)[queue_id]
        rows.append({"interval_start": start.isoformat(), "queue_id": queue_id, **figures.summary()})
    return rows


def agent_intervals(tasks: Iterable[Task], history: Sequence[AgentStateChange], day_start: datetime,
                    day_end: datetime, offers: Iterable[Reservation] = ()) -> list[dict[str, object]]:
    """Per (interval, agent): offers made (rejected, missed), answered and handled tasks, and time
    in each state (sign-in time)."""
    figures: dict[tuple[datetime, str], AgentFigures] = defaultdict(AgentFigures)
    for offer in offers:
        cell = figures[(interval_start(offer.offered_at), offer.agent_id)]
        cell.offered += 1
        cell.rejected += offer.outcome == "rejected"
        cell.missed += offer.outcome == "expired"
    for task in tasks:
        if task.agent_id and task.accepted_at is not None:
            cell = figures[(interval_start(task.accepted_at), task.agent_id)]
            cell.answered += 1
            if task.status == "completed":
                cell.completed += 1
                cell.talk_seconds += task.talk_seconds or 0.0
                cell.wrap_seconds += task.wrap_seconds or 0.0
    for agent_id, state, start, end in _state_spans(history, day_end):
        if state == "logged_out":
            continue  # time signed out is not reported
        for begin, finish in _split(max(start, day_start), end):
            cell = figures[(interval_start(begin), agent_id)]
            seconds = (finish - begin).total_seconds()
            cell.state_seconds[state] = cell.state_seconds.get(state, 0.0) + seconds
            cell.signed_in_seconds += seconds
    return [{"interval_start": start.isoformat(), "agent_id": agent_id, **cell.summary()}
            for (start, agent_id), cell in sorted(figures.items())]


def _state_spans(history: Sequence[AgentStateChange], until: datetime,
                 ) -> Iterable[tuple[str, str, datetime, datetime]]:
    by_agent: dict[str, list[AgentStateChange]] = defaultdict(list)
    for change in history:
        by_agent[change.agent_id].append(change)
    for agent_id, changes in by_agent.items():
        for current, following in zip(changes, [*changes[1:], None], strict=True):
            end = following.at if following is not None else until
            if end > current.at:
                yield agent_id, current.state, current.at, end


def _split(start: datetime, end: datetime) -> Iterable[tuple[datetime, datetime]]:
    while start < end:
        boundary = min(end, interval_start(start) + INTERVAL)
        yield start, boundary
        start = boundary


def agents_by_state(states: Iterable[str]) -> dict[str, int]:
    return dict(Counter(states))
