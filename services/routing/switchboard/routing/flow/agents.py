"""Agent states: sign-in and sign-out, available, not-ready with a reason, timed wrap-up."""

from __future__ import annotations

from datetime import timedelta

from switchboard.common.errors import Conflict
from switchboard.common.events.routing import AgentStateChanged
from switchboard.routing.flow.context import Flow
from switchboard.routing.flow.dispatch import withdraw_offer
from switchboard.routing.models import Agent

NOT_READY_REASONS = ("break", "lunch", "training", "meeting", "outbound", "coaching", "other")
SYSTEM_REASONS = ("missed_offers",)


async def change_state(flow: Flow, agent: Agent, state: str, reason: str | None = None) -> None:
    """Record and announce an agent's new state (history row + routing.agent.state_changed)."""
    agent.state, agent.reason, agent.state_since = state, reason, flow.now
    if state == "available":
        agent.idle_since, agent.missed_offers, agent.wrap_up_until = flow.now, 0, None
    if state != "wrap_up":
        agent.wrap_up_until = None
    flow.repo.record_state(agent, flow.now)
    flow.agent_changed(agent.id)
    await flow.emit(AgentStateChanged(agent_id=agent.id, state=state,  # type: ignore[arg-type]
                                      reason=reason, at=flow.now), agent.id)


async def sign_in(flow: Flow, agent: Agent, state: str, reason: str | None) -> None:
    if agent.state != "logged_out":
        raise Conflict(f"agent {agent.id} is already signed in ({agent.state})")
    await change_state(flow, agent, state, reason)


async def sign_out(flow: Flow, agent: Agent) -> None:
    """Offers in flight go back to their queue; a task the agent holds must be finished first."""
    if agent.state == "logged_out":
        raise Conflict(f"agent {agent.id} is not signed in")
    held = await flow.repo.tasks_of_agent(flow.tenant, agent.id)
    if any(task.status == "accepted" for task in held):
        raise Conflict(f"agent {agent.id} still handles tasks: complete or transfer them first")
    for task in held:
        await withdraw_offer(flow, task, outcome="withdrawn")
    await change_state(flow, agent, "logged_out")


async def set_ready_state(flow: Flow, agent: Agent, state: str, reason: str | None) -> None:
    if agent.state == "logged_out":
        raise Conflict(f"agent {agent.id} is logged out: sign in first")
    await change_state(flow, agent, state, reason)


async def start_wrap_up(flow: Flow, agent: Agent, seconds: float) -> None:
    """After a completed task: no offers until the timed wrap-up ends (unless the agent ends it)."""
    agent.idle_since = flow.now
    if seconds > 0 and agent.state == "available":
        await change_state(flow, agent, "wrap_up")
        agent.wrap_up_until = flow.now + timedelta(seconds=seconds)


async def end_wrap_ups(flow: Flow) -> bool:
    """Agents whose timed wrap-up is over become available; True when any did."""
    ended = await flow.repo.agents_in_wrap_up_until(flow.tenant, flow.now)
    for agent in ended:
        await change_state(flow, agent, "available")
    return bool(ended)
