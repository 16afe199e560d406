from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task
from switchboard.routing.engine.strategies import Strategy


def engine_with(strategy: Strategy, *agents: Agent) -> Engine:
    engine = Engine(lambda: 100.0)
    engine.set_strategy("q", strategy, seed=7)
    for agent in agents:
        engine.add_agent(agent)
    return engine


def agent(agent_id: str, level: int = 5, idle_since: float = 0, chats: int = 0) -> Agent:
    return Agent(
        agent_id, {"s": level}, {"chat": 3}, state=AgentState.AVAILABLE, idle_since=idle_since,
        load={"chat": chats},
    )


def offered_to(engine: Engine) -> str:
    engine.enqueue(Task(f"t{len(engine.reservations)}", "q", "chat", required_skills={"s": 1}))
    reservation = engine.offer_next("q", "chat")
    assert reservation is not None
    return reservation.agent_id


def test_highest_proficiency_prefers_the_expert() -> None:
    assert offered_to(engine_with(Strategy.HIGHEST_PROFICIENCY, agent("a", 3), agent("b", 9))) == "b"


def test_least_occupied_prefers_the_agent_with_fewer_chats() -> None:
    assert offered_to(engine_with(Strategy.LEAST_OCCUPIED, agent("a", chats=2), agent("b", chats=1))) == "b"


def test_round_robin_takes_turns() -> None:
    engine = engine_with(Strategy.ROUND_ROBIN, agent("a"), agent("b"), agent("c"))
    assert [offered_to(engine) for _ in range(4)] == ["a", "b", "c", "a"]


def test_random_is_reproducible_with_the_same_seed() -> None:
    picks = [
        [offered_to(engine_with(Strategy.RANDOM, agent("a"), agent("b"), agent("c"))) for _ in range(1)]
        for _ in range(3)
    ]
    assert picks[0] == picks[1] == picks[2]
