"""Poisson arrivals, exponential handle times and patience, fed through the real engine.

The engine runs on the simulation's clock, so the decisions measured are the ones the
service makes. On an M/M/c setup (one skill, one queue, infinite patience) the service
level and ASA must agree with Erlang C; with patience, with Erlang A.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field

from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task
from switchboard.routing.engine.escalation import EscalationPolicy, effective_skills
from switchboard.routing.engine.strategies import Strategy


@dataclass(frozen=True)
class Scenario:
    arrivals_per_second: float
    handle_seconds: float
    agents: int
    contacts: int = 20_000
    answer_within: float = 20.0
    patience_seconds: float | None = None  # mean of an exponential patience; None: never abandons
    strategy: Strategy = Strategy.LONGEST_IDLE
    # Heterogeneous floors: proficiency of agent i is proficiencies[i % len], the queue needs `required`.
    proficiencies: tuple[int, ...] = (5,)
    required: int = 1
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    warm_up: int = 500  # contacts left out of the figures while the queue fills
    seed: int = 1


@dataclass
class Result:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    wait_total: float = 0.0

    @property
    def service_level(self) -> float:
        return self.answered_in_target / self.offered if self.offered else 0.0

    @property
    def asa(self) -> float:
        return self.wait_total / self.answered if self.answered else 0.0

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.offered if self.offered else 0.0


class Simulation:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self.now = 0.0
        self.rng = random.Random(scenario.seed)
        self.engine = Engine(lambda: self.now, accept_timeout=1e12)
        self.engine.set_strategy("q", scenario.strategy, seed=scenario.seed)
        for index in range(scenario.agents):
            level = scenario.proficiencies[index % len(scenario.proficiencies)]
            self.engine.add_agent(Agent(f"a{index:05d}", {"s": level}, {"voice": 1},
                                        state=AgentState.AVAILABLE))
        self.events: list[tuple[float, int, str, str]] = []
        self.seq = itertools.count()
        self.arrived_at: dict[str, float] = {}
        self.answered: set[str] = set()
        self.result = Result()

    def _at(self, delay: float, kind: str, ref: str) -> None:
        heapq.heappush(self.events, (self.now + delay, next(self.seq), kind, ref))

    def run(self) -> Result:
        self._at(self.rng.expovariate(self.s.arrivals_per_second), "arrival", "0")
        while self.events:
            self.now, _, kind, ref = heapq.heappop(self.events)
            getattr(self, f"_on_{kind}")(ref)
            self._widen()
            self._assign()
        return self.result

    def _counted(self, task_id: str) -> bool:
        return int(task_id) >= self.s.warm_up

    def _on_arrival(self, ref: str) -> None:
        self.arrived_at[ref] = self.now
        self.engine.enqueue(Task(ref, "q", "voice", required_skills={"s": self.s.required},
                                 enqueued_at=self.now))
        self.result.offered += self._counted(ref)
        if self.s.patience_seconds is not None:
            self._at(self.rng.expovariate(1 / self.s.patience_seconds), "patience", ref)
        if int(ref) + 1 < self.s.contacts:
            self._at(self.rng.expovariate(self.s.arrivals_per_second), "arrival", str(int(ref) + 1))

    def _on_patience(self, ref: str) -> None:
        if ref not in self.answered:
            self.engine.abandon(ref)
            self.result.abandoned += self._counted(ref)

    def _on_done(self, ref: str) -> None:
        task_id, agent_id = ref.split("@")
        self.engine.complete(Task(task_id, "q", "voice"), agent_id)

    def _widen(self) -> None:
        """Escalation: the queue's head task re-enters with widened skills once it waited long enough."""
        head = self.engine.head("q", "voice")
        if head is None:
            return
        widened = effective_skills(self.s.escalation, head.required_skills, self.now - head.enqueued_at)
        if widened != head.required_skills:
            head.required_skills = widened

    def _assign(self) -> None:
        while (reservation := self.engine.offer_next("q", "voice")) is not None:
            task = self.engine.accept(reservation.task.task_id, reservation.agent_id)
            wait = self.now - self.arrived_at[task.task_id]
            self.answered.add(task.task_id)
            if self._counted(task.task_id):
                self.result.answered += 1
                self.result.answered_in_target += wait <= self.s.answer_within
                self.result.wait_total += wait
            handle = self.rng.expovariate(1 / self.s.handle_seconds)
            self._at(handle, "done", f"{task.task_id}@{reservation.agent_id}")


def simulate(scenario: Scenario) -> Result:
    return Simulation(scenario).run()
