"""A discrete-event simulation of one outbound floor, to compare pacing modes.

Calls are answered with a fixed probability after a random ring; talk times are exponential;
an answered call that finds no agent within the grace period is abandoned (it hears the
tenant's information message). Everything is seeded, so a run is reproducible.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field

from switchboard.campaign.domain.pacing import (
    CONNECT_GRACE_SECONDS,
    MIN_RING_SECONDS,
    FloorState,
    PredictivePacer,
    progressive_dials,
)


@dataclass(frozen=True)
class FloorModel:
    agents: int = 20
    answer_probability: float = 0.3
    mean_talk_seconds: float = 180.0
    answered_ring_range: tuple[float, float] = (4.0, 14.0)
    unanswered_ring_seconds: float = MIN_RING_SECONDS + 5.0
    hours: float = 8.0


@dataclass
class SimulationResult:
    mode: str
    dialled: int = 0
    answered: int = 0
    abandoned: int = 0
    talk_seconds: float = 0.0
    agent_hours: float = 0.0

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0

    @property
    def talk_minutes_per_agent_hour(self) -> float:
        return self.talk_seconds / 60.0 / self.agent_hours if self.agent_hours else 0.0


@dataclass
class _Floor:
    model: FloorModel
    rng: random.Random
    result: SimulationResult
    pacer: PredictivePacer | None
    now: float = 0.0
    free: int = 0
    busy: int = 0
    in_flight: int = 0
    waiting: deque[int] = field(default_factory=deque)
    events: list[tuple[float, int, str, int]] = field(default_factory=list)
    seq: int = 0

    def schedule(self, at: float, kind: str, call: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, call))

    def dial(self, count: int) -> None:
        for _ in range(count):
            self.in_flight += 1
            self.result.dialled += 1
            if self.rng.random() < self.model.answer_probability:
                self.schedule(self.now + self.rng.uniform(*self.model.answered_ring_range), "answer")
            else:
                self.schedule(self.now + self.model.unanswered_ring_seconds, "no_answer")

    def connect(self) -> None:
        self.busy += 1
        talk = self.rng.expovariate(1.0 / self.model.mean_talk_seconds)
        horizon = self.model.hours * 3600
        self.result.talk_seconds += max(0.0, min(self.now + talk, horizon) - self.now)
        self.schedule(self.now + talk, "hang_up")
        self.answered(abandoned=False)

    def answered(self, abandoned: bool) -> None:
        if self.pacer:
            self.pacer.observe_answer(abandoned)

    def handle(self, kind: str, call: int) -> None:
        if kind in ("answer", "no_answer"):
            self.in_flight -= 1
        if kind == "answer":
            self.result.answered += 1
            if self.free:
                self.free -= 1
                self.connect()
            else:
                self.waiting.append(self.seq)
                self.schedule(self.now + CONNECT_GRACE_SECONDS, "grace_end", self.seq)
        elif kind == "hang_up":
            self.busy -= 1
            if self.waiting:
                self.waiting.popleft()
                self.connect()
            else:
                self.free += 1
        elif kind == "grace_end" and call in self.waiting:
            self.waiting.remove(call)
            self.result.abandoned += 1  # the caller hears the information message
            self.answered(abandoned=True)

    def pace(self) -> None:
        floor = FloorState(self.free, self.busy, self.in_flight)
        self.dial(self.pacer.dials(floor) if self.pacer else progressive_dials(floor))


def simulate(model: FloorModel, mode: str, seed: int = 7) -> SimulationResult:
    """Run one shift in `mode` ("progressive" or "predictive") and report its figures."""
    pacer = None
    if mode == "predictive":
        pacer = PredictivePacer(
            answer_rate=model.answer_probability, handle_seconds=model.mean_talk_seconds
        )
    floor = _Floor(model, random.Random(seed), SimulationResult(mode), pacer, free=model.agents)
    horizon = model.hours * 3600
    floor.pace()
    while floor.events:
        at, _, kind, call = heapq.heappop(floor.events)
        if at > horizon:
            break
        floor.now = at
        floor.handle(kind, call)
        floor.pace()
    floor.result.agent_hours = model.agents * model.hours
    return floor.result
