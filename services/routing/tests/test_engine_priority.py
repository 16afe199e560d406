from switchboard.routing.engine.agents import Agent, AgentState
from switchboard.routing.engine.engine import Engine, Task
from switchboard.routing.engine.priority import task_priority


def test_vip_outranks_a_regular_customer_with_the_same_rule() -> None:
    assert task_priority(10, "VIP") > task_priority(10, None)


def test_answered_outbound_call_outranks_every_inbound_task() -> None:
    engine = Engine(lambda: 0.0)
    engine.add_agent(Agent("a", {}, {"voice": 1}, state=AgentState.AVAILABLE))
    engine.enqueue(Task("vip", "q", "voice", task_priority(500, "vip"), enqueued_at=0))
    engine.enqueue(Task("dial", "q", "voice", task_priority(answered_outbound=True), enqueued_at=9))
    reservation = engine.offer_next("q", "voice")
    assert reservation is not None and reservation.task.task_id == "dial"
