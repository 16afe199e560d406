"""Routing engine decisions per second and decision latency at contact-center scale.

10,000 agents (3 of 50 skills each, one voice slot), 500 queues (one required skill each),
50,000 waiting tasks. Times `offer_next` round-robin over queues until agents are full,
beside a baseline of plain heap pops over the same tasks in the same run.

    .venv/bin/python bench/routing_engine.py
"""

from __future__ import annotations

import heapq
import random
import time

from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task

AGENTS, QUEUES, TASKS, SKILLS = 10_000, 500, 50_000, 50


def build(rng: random.Random) -> Engine:
    engine = Engine(lambda: 0.0)
    for n in range(AGENTS):
        skills = {f"s{k}": rng.randint(1, 10) for k in rng.sample(range(SKILLS), 3)}
        agent = Agent(f"a{n}", skills, {"voice": 1}, state=AgentState.AVAILABLE, idle_since=rng.random())
        engine.add_agent(agent)
    for n in range(TASKS):
        queue = n % QUEUES
        engine.enqueue(Task(f"t{n}", f"q{queue}", "voice", rng.randint(0, 3), {f"s{queue % SKILLS}": 1}, n))
    return engine


def percentile(samples: list[float], fraction: float) -> float:
    return sorted(samples)[int(fraction * (len(samples) - 1))]


def bench_engine(engine: Engine) -> tuple[int, float, list[float]]:
    latencies, assigned, start = [], 0, time.perf_counter()
    for _ in range(3):
        for queue in range(QUEUES):
            t0 = time.perf_counter()
            if engine.offer_next(f"q{queue}", "voice") is not None:
                assigned += 1
            latencies.append(time.perf_counter() - t0)
    return assigned, time.perf_counter() - start, latencies


def bench_baseline(rng: random.Random) -> float:
    heap = [(rng.randint(0, 3), n) for n in range(TASKS)]
    heapq.heapify(heap)
    start = time.perf_counter()
    while heap:
        heapq.heappop(heap)
    return TASKS / (time.perf_counter() - start)


def main() -> None:
    rng = random.Random(1)
    engine = build(rng)
    assigned, seconds, latencies = bench_engine(engine)
    print(f"engine: {assigned} assignments in {seconds:.3f} s = {assigned / seconds:,.0f}/s; "
          f"decision latency p50 {percentile(latencies, 0.5) * 1e3:.3f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1e3:.3f} ms")
    print(f"baseline heap pop: {bench_baseline(rng):,.0f}/s")


if __name__ == "__main__":
    main()
