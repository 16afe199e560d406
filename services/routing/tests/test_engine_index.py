"""The longest-idle pick from the index heaps equals a full scan, whatever happened before."""

from __future__ import annotations

import random

import pytest

from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task


def full_scan(engine: Engine, task: Task) -> str | None:
    free = [a for a in engine.agents.values()
            if a.has_room(task.channel) and a.qualifies(task.required_skills)]
    return min(free, key=lambda a: (a.idle_since, a.agent_id)).agent_id if free else None


@pytest.mark.parametrize("seed", range(40))
def test_heap_pick_matches_a_full_scan_through_random_operations(seed: int) -> None:
    rng = random.Random(seed)
    clock = [0.0]
    engine = Engine(lambda: clock[0], accept_timeout=5)
    for n in range(12):
        skills = {s: rng.randint(1, 10) for s in rng.sample(["a", "b", "c"], rng.randint(0, 2))}
        engine.add_agent(Agent(f"ag{n}", skills, {"voice": 1, "chat": rng.randint(0, 3)},
                               voice_exclusive=rng.random() < 0.5, state=AgentState.AVAILABLE,
                               idle_since=rng.choice([0.0, 1.0, 2.0])))
    accepted: list[tuple[Task, str]] = []
    for step in range(300):
        clock[0] += rng.choice([0.0, 0.5, 1.0])  # ties in idle time are common on purpose
        channel = rng.choice(["voice", "chat"])
        required = {s: rng.randint(1, 10) for s in rng.sample(["a", "b", "c"], rng.randint(0, 2))}
        task = Task(f"t{step}", "q", channel, required_skills=required, enqueued_at=clock[0])
        expected = full_scan(engine, task)
        picked = engine._pick_agent(task)
        assert (picked.agent_id if picked else None) == expected, (seed, step)
        action = rng.random()
        if action < 0.45:
            engine.enqueue(task)
            reservation = engine.offer_next("q", channel)
            if reservation is not None:
                accepted.append((engine.accept(reservation.task.task_id, reservation.agent_id),
                                 reservation.agent_id))
        elif action < 0.75 and accepted:
            done, agent_id = accepted.pop(rng.randrange(len(accepted)))
            engine.complete(done, agent_id)
        else:
            agent_id = rng.choice(sorted(engine.agents))
            engine.set_state(agent_id, rng.choice([AgentState.AVAILABLE, AgentState.NOT_READY]))
        for queued in engine.waiting_tasks("q"):
            engine.abandon(queued.task_id)  # keep the queue empty: each step tests one decision
