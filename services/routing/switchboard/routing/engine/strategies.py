"""How a queue picks one agent among those who qualify for a task."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from enum import StrEnum

from switchboard.routing.engine.agents import Agent


class Strategy(StrEnum):
    LONGEST_IDLE = "longest_idle"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"
    HIGHEST_PROFICIENCY = "highest_proficiency"
    RANDOM = "random"


Picker = Callable[[Sequence[Agent], dict[str, int]], Agent]


def longest_idle_agent(agents: Sequence[Agent], required: dict[str, int]) -> Agent:
    return min(agents, key=lambda a: (a.idle_since, a.agent_id))


def least_occupied_agent(agents: Sequence[Agent], required: dict[str, int]) -> Agent:
    def occupancy(agent: Agent) -> float:
        total = sum(agent.capacity.values()) or 1
        return sum(agent.load.values()) / total

    return min(agents, key=lambda a: (occupancy(a), a.idle_since, a.agent_id))


def highest_proficiency_agent(agents: Sequence[Agent], required: dict[str, int]) -> Agent:
    def proficiency(agent: Agent) -> int:
        return sum(agent.skills.get(skill, 0) for skill in required)

    return min(agents, key=lambda a: (-proficiency(a), a.idle_since, a.agent_id))


class RoundRobin:
    """Takes the next agent id after the last one served, in a stable order."""

    def __init__(self) -> None:
        self.last = ""

    def __call__(self, agents: Sequence[Agent], required: dict[str, int]) -> Agent:
        ordered = sorted(agents, key=lambda a: a.agent_id)
        chosen = next((a for a in ordered if a.agent_id > self.last), ordered[0])
        self.last = chosen.agent_id
        return chosen


class SeededRandom:
    """Random but reproducible, so simulations and tests can be replayed."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def __call__(self, agents: Sequence[Agent], required: dict[str, int]) -> Agent:
        return self._rng.choice(sorted(agents, key=lambda a: a.agent_id))


def picker_for(strategy: Strategy, seed: int = 0) -> Picker:
    if strategy is Strategy.ROUND_ROBIN:
        return RoundRobin()
    if strategy is Strategy.RANDOM:
        return SeededRandom(seed)
    return {
        Strategy.LONGEST_IDLE: longest_idle_agent,
        Strategy.LEAST_OCCUPIED: least_occupied_agent,
        Strategy.HIGHEST_PROFICIENCY: highest_proficiency_agent,
    }[strategy]
