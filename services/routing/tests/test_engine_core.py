import pytest

from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def available(agent_id: str, idle_since: float, **capacity: int) -> Agent:
    return Agent(
        agent_id, {"sales": 5}, capacity or {"voice": 1}, state=AgentState.AVAILABLE, idle_since=idle_since
    )


def test_offer_goes_to_longest_idle_qualified_agent() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 10))
    engine.add_agent(available("b", 5))
    engine.enqueue(Task("t1", "q", "voice", required_skills={"sales": 3}))
    reservation = engine.offer_next("q", "voice")
    assert reservation is not None and reservation.agent_id == "b"


def test_higher_priority_task_is_offered_first() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("old", "q", "voice", enqueued_at=1))
    engine.enqueue(Task("vip", "q", "voice", priority=5, enqueued_at=2))
    reservation = engine.offer_next("q", "voice")
    assert reservation is not None and reservation.task.task_id == "vip"


def test_agent_at_capacity_gets_no_second_offer() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("t1", "q", "voice"))
    engine.enqueue(Task("t2", "q", "voice"))
    assert engine.offer_next("q", "voice") is not None
    assert engine.offer_next("q", "voice") is None
    assert engine.waiting_count("q") == 1


def test_rejected_task_is_requeued_at_its_place() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("first", "q", "voice", enqueued_at=1))
    engine.enqueue(Task("second", "q", "voice", enqueued_at=2))
    engine.offer_next("q", "voice")
    engine.reject("first")
    reservation = engine.offer_next("q", "voice")
    assert reservation is not None and reservation.task.task_id == "first"


def test_accepting_an_expired_or_foreign_offer_fails() -> None:
    clock = FakeClock()
    engine = Engine(clock, accept_timeout=15)
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("t1", "q", "voice"))
    engine.offer_next("q", "voice")
    with pytest.raises(LookupError):
        engine.accept("t1", "someone-else")
    clock.now += 16
    with pytest.raises(LookupError):
        engine.accept("t1", "a")


def test_chat_capacity_allows_several_and_voice_is_exclusive() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0, voice=1, chat=2))
    engine.enqueue(Task("c1", "q", "chat"))
    engine.enqueue(Task("c2", "q", "chat"))
    engine.enqueue(Task("v1", "v", "voice"))
    assert engine.offer_next("q", "chat") is not None
    assert engine.offer_next("q", "chat") is not None
    assert engine.offer_next("v", "voice") is None


def test_proficiency_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="1-10"):
        Agent("a", {"sales": 11}, {"voice": 1})


def test_timed_out_offer_is_requeued_and_repeated_misses_set_agent_not_ready() -> None:
    clock = FakeClock()
    engine = Engine(clock, accept_timeout=10, timeouts_before_not_ready=2)
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("t1", "q", "voice"))
    for _ in range(2):
        assert engine.offer_next("q", "voice") is not None
        clock.now += 11
        assert [r.task.task_id for r in engine.expire_offers()] == ["t1"]
    agent = engine.agents["a"]
    assert agent.state is AgentState.NOT_READY and agent.not_ready_reason == "missed_offers"
    assert engine.waiting_count("q") == 1
    assert engine.offer_next("q", "voice") is None


def test_agent_without_required_proficiency_is_not_offered() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("t1", "q", "voice", required_skills={"sales": 8}))
    assert engine.offer_next("q", "voice") is None


def test_abandoned_waiting_task_is_never_offered() -> None:
    engine = Engine(FakeClock())
    engine.enqueue(Task("gone", "q", "voice", enqueued_at=1))
    engine.enqueue(Task("stays", "q", "voice", enqueued_at=2))
    engine.abandon("gone")
    assert engine.waiting_count("q") == 1
    engine.add_agent(available("a", 0))
    reservation = engine.offer_next("q", "voice")
    assert reservation is not None and reservation.task.task_id == "stays"


def test_abandon_during_offer_frees_the_agent() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("t1", "q", "voice"))
    engine.enqueue(Task("t2", "q", "voice"))
    engine.offer_next("q", "voice")
    engine.abandon("t1")
    reservation = engine.offer_next("q", "voice")
    assert reservation is not None and reservation.task.task_id == "t2"


def test_agent_gets_no_offer_during_timed_wrap_up_and_is_available_after() -> None:
    clock = FakeClock()
    engine = Engine(clock)
    engine.add_agent(available("a", 0))
    engine.enqueue(Task("t1", "q", "voice"))
    engine.enqueue(Task("t2", "q", "voice"))
    engine.offer_next("q", "voice")
    task = engine.accept("t1", "a")
    engine.complete(task, "a", wrap_up_seconds=30)
    assert engine.agents["a"].state is AgentState.WRAP_UP
    assert engine.offer_next("q", "voice") is None
    clock.now += 29
    assert engine.end_wrap_ups() == []
    clock.now += 1
    assert engine.end_wrap_ups() == ["a"]
    assert engine.offer_next("q", "voice") is not None


def test_each_channel_of_a_queue_is_a_line_of_its_own() -> None:
    engine = Engine(FakeClock())
    engine.add_agent(available("a", 0, chat=1))  # no voice slot
    engine.enqueue(Task("call", "q", "voice", priority=5, enqueued_at=1))
    engine.enqueue(Task("chat", "q", "chat", enqueued_at=2))
    assert engine.lines() == [("q", "voice"), ("q", "chat")]
    assert engine.offer_next("q", "voice") is None
    reservation = engine.offer_next("q", "chat")
    assert reservation is not None and reservation.task.task_id == "chat"
    assert [t.task_id for t in engine.waiting_tasks("q")] == ["call"]
