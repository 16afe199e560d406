"""Erlang C: queue with patient callers, the model the published staffing tables use."""

from __future__ import annotations

import math
from dataclasses import dataclass


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability by the stable recursion (no factorials, no overflow)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def probability_of_waiting(agents: int, traffic: float) -> float:
    if agents <= traffic:
        return 1.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1 - blocking))


@dataclass(frozen=True)
class Prediction:
    agents: int
    service_level: float
    average_speed_of_answer: float
    occupancy: float


def predict(agents: int, calls_per_second: float, handle_seconds: float, answer_within: float) -> Prediction:
    traffic = calls_per_second * handle_seconds
    if agents <= traffic:
        return Prediction(agents, 0.0, math.inf, 1.0)
    waiting = probability_of_waiting(agents, traffic)
    service_level = 1 - waiting * math.exp(-(agents - traffic) * answer_within / handle_seconds)
    asa = waiting * handle_seconds / (agents - traffic)
    return Prediction(agents, service_level, asa, traffic / agents)


def agents_needed(
    calls_per_second: float, handle_seconds: float, target_level: float, answer_within: float,
    shrinkage: float = 0.0,
) -> tuple[Prediction, int]:
    """The fewest agents on the phones meeting the target, and the headcount to schedule after shrinkage."""
    agents = max(1, math.floor(calls_per_second * handle_seconds) + 1)
    prediction = predict(agents, calls_per_second, handle_seconds, answer_within)
    while prediction.service_level < target_level:
        agents += 1
        prediction = predict(agents, calls_per_second, handle_seconds, answer_within)
    return prediction, math.ceil(agents / (1 - shrinkage))
