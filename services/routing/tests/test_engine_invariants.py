"""Random operation sequences never put an agent over capacity or offer one task twice."""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task

CHANNELS = ["voice", "chat"]
QUEUES = ["q1", "q2"]


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.engine = Engine(lambda: self.now, accept_timeout=5, timeouts_before_not_ready=2)
        self.accepted: list[tuple[Task, str]] = []
        self.counter = 0
        for n in range(4):
            self.engine.add_agent(
                Agent(f"a{n}", {"s": 1 + n * 3}, {"voice": 1, "chat": 2}, state=AgentState.AVAILABLE)
            )

    @rule(queue=st.sampled_from(QUEUES), channel=st.sampled_from(CHANNELS), level=st.integers(0, 10))
    def arrive(self, queue: str, channel: str, level: int) -> None:
        self.counter += 1
        skills = {"s": level} if level else {}
        task = Task(f"t{self.counter}", queue, channel, required_skills=skills, enqueued_at=self.now)
        self.engine.enqueue(task)

    @rule(queue=st.sampled_from(QUEUES), channel=st.sampled_from(CHANNELS))
    def offer(self, queue: str, channel: str) -> None:
        self.engine.offer_next(queue, channel)

    @rule(pick=st.integers(0, 100))
    def accept(self, pick: int) -> None:
        live = [r for r in self.engine.reservations.values() if r.expires_at > self.now]
        if live:
            r = live[pick % len(live)]
            self.accepted.append((self.engine.accept(r.task.task_id, r.agent_id), r.agent_id))

    @rule(pick=st.integers(0, 100))
    def reject(self, pick: int) -> None:
        if self.engine.reservations:
            ids = sorted(self.engine.reservations)
            self.engine.reject(ids[pick % len(ids)])

    @rule(pick=st.integers(0, 100))
    def complete(self, pick: int) -> None:
        if self.accepted:
            task, agent_id = self.accepted.pop(pick % len(self.accepted))
            self.engine.complete(task, agent_id)

    @rule(pick=st.integers(0, 100))
    def customer_abandons(self, pick: int) -> None:
        waiting = [t.task_id for q in QUEUES for t in self.engine.waiting_tasks(q)]
        offered = sorted(self.engine.reservations)
        candidates = waiting + offered
        if candidates:
            self.engine.abandon(candidates[pick % len(candidates)])

    @rule(seconds=st.floats(0, 10))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds
        self.engine.expire_offers()

    @rule(agent=st.integers(0, 3))
    def back_to_available(self, agent: int) -> None:
        self.engine.set_state(f"a{agent}", AgentState.AVAILABLE)

    @invariant()
    def no_agent_over_capacity(self) -> None:
        for agent in self.engine.agents.values():
            for channel, used in agent.load.items():
                assert 0 <= used <= agent.capacity[channel]

    @invariant()
    def no_task_held_twice(self) -> None:
        held = [r.task.task_id for r in self.engine.reservations.values()]
        held += [t.task_id for t, _ in self.accepted]
        waiting = [t.task_id for q in QUEUES for t in self.engine.waiting_tasks(q)]
        assert len(held + waiting) == len(set(held + waiting))


EngineMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestEngineInvariants = EngineMachine.TestCase
