"""Erlang A (M/M/n+M): Erlang C with impatient customers who abandon at rate 1/patience.

Computed from the birth-death chain of the number in system (truncated where its
probability is negligible) and, for the service level, the backward equations of a
tagged caller's progress through the queue: at position i the queue ahead shrinks at
r_i = n/handle + (i-1)/patience (services, and abandons of those ahead), while the caller
abandons at 1/patience.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class PredictionA:
    agents: int
    service_level: float  # answered within the target / all arrivals (abandons count as misses)
    abandon_rate: float
    probability_of_waiting: float


def _stationary(agents: int, arrival: float, service: float, abandon: float) -> list[float]:
    weights = [1.0]
    k = 0
    while True:
        k += 1
        departures = min(k, agents) * service + max(0, k - agents) * abandon
        weights.append(weights[-1] * arrival / departures)
        if k > agents and weights[-1] < 1e-12 * max(weights):
            break
    total = sum(weights)
    return [w / total for w in weights]


def predict_a(agents: int, calls_per_second: float, handle_seconds: float, answer_within: float,
              patience_seconds: float, steps: int = 400) -> PredictionA:
    service, abandon = 1 / handle_seconds, 1 / patience_seconds
    states = _stationary(agents, calls_per_second, service, abandon)
    positions = len(states) - agents  # an arrival finding n + j - 1 in system waits at position j
    rates = [agents * service + (i - 1) * abandon for i in range(1, positions + 1)]
    reached = [1.0]  # probability of reaching an agent from position 0..j (ever)
    for rate in rates:
        reached.append(reached[-1] * rate / (rate + abandon))
    within = _served_within(rates, abandon, answer_within, steps)
    waiting = sum(states[agents:])
    immediate = 1 - waiting
    level = immediate + sum(states[agents + j - 1] * within[j] for j in range(1, positions + 1))
    abandoned = sum(states[agents + j - 1] * (1 - reached[j]) for j in range(1, positions + 1))
    return PredictionA(agents, level, abandoned, waiting)


def _served_within(rates: list[float], abandon: float, t: float, steps: int) -> list[float]:
    """u[j] = P(served within t | at position j): du_i/dt = r_i u_{i-1} - (r_i + abandon) u_i."""
    u = [1.0] + [0.0] * len(rates)
    dt = t / steps
    decay = [math.exp(-(r + abandon) * dt) for r in rates]
    for _ in range(steps):
        previous = u[:]
        for i, rate in enumerate(rates, start=1):
            total = rate + abandon
            u[i] = previous[i] * decay[i - 1] + rate * previous[i - 1] / total * (1 - decay[i - 1])
    return u


def agents_needed_a(calls_per_second: float, handle_seconds: float, target_level: float,
                    answer_within: float, patience_seconds: float, at_most: int,
                    shrinkage: float = 0.0) -> tuple[PredictionA, int]:
    """The fewest agents meeting the target with impatient callers (Erlang A), searched up to
    `at_most` (Erlang C's answer, which never needs fewer), and the headcount after shrinkage.

    The service level grows with the agents, so a binary search finds the fewest."""
    low, high = 1, max(1, at_most)
    while low < high:
        middle = (low + high) // 2
        if predict_a(middle, calls_per_second, handle_seconds, answer_within,
                     patience_seconds).service_level >= target_level:
            high = middle
        else:
            low = middle + 1
    prediction = predict_a(low, calls_per_second, handle_seconds, answer_within, patience_seconds)
    return prediction, math.ceil(low / (1 - shrinkage))
