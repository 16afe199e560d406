"""Agents: admin settings, and the desktop's sign-in, sign-out and state (self, or a supervisor)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Row

from switchboard.common.auth import Principal
from switchboard.common.errors import Conflict, Forbidden
from switchboard.common.runtime import Runtime
from switchboard.common.uow import UnitOfWork
from switchboard.routing.api.deps import (
    Admin,
    Bell,
    Desktop,
    Settings,
    Supervisor,
    Uow,
    agent_or_404,
    locked_flow,
)
from switchboard.routing.api.skills import check_skills_exist
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.flow.agents import set_ready_state, sign_in, sign_out
from switchboard.routing.flow.context import Flow
from switchboard.routing.flow.dispatch import dispatch, engine_agent
from switchboard.routing.models import Agent, facts_shown
from switchboard.routing.repository import DesktopAgent, RoutingRepository
from switchboard.routing.schemas import AgentIn, AgentOut, AgentSettings, SignIn, StateIn, TaskOut

router = APIRouter(prefix="/v1/agents", tags=["agents"])
KEEP_ALIVE_SECONDS = 15.0


def agent_out(agent: Agent | Row[Any] | DesktopAgent, load: dict[str, int]) -> AgentOut:
    busy = agent.state == "available" and engine_agent(agent, load).busy
    return AgentOut(id=agent.id, name=agent.name, skills=agent.skills, capacity=agent.capacity,
                    voice_exclusive=agent.voice_exclusive, blended=agent.blended,
                    state="busy" if busy else agent.state, reason=agent.reason,
                    state_since=agent.state_since, wrap_up_until=agent.wrap_up_until, load=load)


def _self_or_supervisor(principal: Principal, agent_id: str) -> None:
    if principal.subject != agent_id and not principal.has_any("admin", "supervisor"):
        raise Forbidden(f"an agent acts only for themselves, not for {agent_id}")


@router.post("", status_code=201, response_model=AgentOut, summary="Create an agent")
async def create_agent(body: AgentIn, principal: Admin, uow: Uow) -> AgentOut:
    repo = RoutingRepository(uow.session)
    if await repo.agent(principal.tenant, body.id) is not None:
        raise Conflict(f"agent {body.id} already exists")
    await check_skills_exist(repo, principal.tenant, set(body.skills))
    now = datetime.now(UTC)
    agent = Agent(id=body.id, tenant_id=principal.tenant, name=body.name, skills=body.skills,
                  capacity=dict(body.capacity), voice_exclusive=body.voice_exclusive, blended=body.blended,
                  state="logged_out", reason=None, state_since=now, missed_offers=0, created_at=now)
    repo.add(agent)
    await uow.commit()
    return agent_out(agent, {})


@router.get("", response_model=list[AgentOut], summary="All agents with their live state")
async def list_agents(principal: Supervisor, uow: Uow) -> list[AgentOut]:
    repo = RoutingRepository(uow.session)
    loads = await repo.agent_loads(principal.tenant)
    return [agent_out(a, loads.get(a.id, {})) for a in await repo.agents(principal.tenant)]


@router.get("/{agent_id}", response_model=AgentOut, summary="One agent with live state")
async def get_agent(agent_id: str, principal: Desktop, uow: Uow) -> AgentOut:
    _self_or_supervisor(principal, agent_id)
    repo = RoutingRepository(uow.session)
    agent = await agent_or_404(repo, principal.tenant, agent_id)
    return agent_out(agent, (await repo.agent_loads(principal.tenant)).get(agent_id, {}))


@router.put("/{agent_id}", response_model=AgentOut, summary="Change an agent's skills and capacity")
async def update_agent(agent_id: str, body: AgentSettings, principal: Admin, uow: Uow,
                       settings: Settings, bell: Bell) -> AgentOut:
    flow = await locked_flow(uow, principal, settings, bell)
    agent = await agent_or_404(flow.repo, principal.tenant, agent_id)
    await check_skills_exist(flow.repo, principal.tenant, set(body.skills))
    agent.name, agent.skills, agent.capacity = body.name, body.skills, dict(body.capacity)
    agent.voice_exclusive, agent.blended = body.voice_exclusive, body.blended
    await dispatch(flow)
    await uow.commit()
    return agent_out(agent, (await flow.repo.agent_loads(principal.tenant)).get(agent_id, {}))


@router.get("/{agent_id}/tasks", response_model=list[TaskOut], summary="Offers and tasks the agent holds")
async def agent_tasks(agent_id: str, principal: Desktop, uow: Uow) -> list[TaskOut]:
    _self_or_supervisor(principal, agent_id)
    repo = RoutingRepository(uow.session)
    await agent_or_404(repo, principal.tenant, agent_id)
    return [TaskOut.model_validate(t) for t in await repo.tasks_of_agent(principal.tenant, agent_id)]


@router.post("/{agent_id}/sign-in", response_model=AgentOut, summary="Sign in, available or not ready")
async def agent_sign_in(agent_id: str, body: SignIn, principal: Desktop, uow: Uow,
                        settings: Settings, bell: Bell) -> AgentOut:
    _self_or_supervisor(principal, agent_id)
    flow = await locked_flow(uow, principal, settings, bell)
    agent = await agent_or_404(flow.repo, principal.tenant, agent_id)
    await sign_in(flow, agent, body.state, body.reason)
    return await _dispatch_and_commit(uow, flow, agent)


@router.post("/{agent_id}/sign-out", response_model=AgentOut, summary="Sign out (offers go back)")
async def agent_sign_out(agent_id: str, principal: Desktop, uow: Uow, settings: Settings,
                         bell: Bell) -> AgentOut:
    _self_or_supervisor(principal, agent_id)
    flow = await locked_flow(uow, principal, settings, bell)
    agent = await agent_or_404(flow.repo, principal.tenant, agent_id)
    await sign_out(flow, agent)
    return await _dispatch_and_commit(uow, flow, agent)


@router.put("/{agent_id}/state", response_model=AgentOut,
            summary="Available, or not ready with a reason (agent or supervisor)")
async def agent_state(agent_id: str, body: StateIn, principal: Desktop, uow: Uow,
                      settings: Settings, bell: Bell) -> AgentOut:
    _self_or_supervisor(principal, agent_id)
    flow = await locked_flow(uow, principal, settings, bell)
    agent = await agent_or_404(flow.repo, principal.tenant, agent_id)
    await set_ready_state(flow, agent, body.state, body.reason)
    return await _dispatch_and_commit(uow, flow, agent)


async def _dispatch_and_commit(uow: UnitOfWork, flow: Flow, agent: Agent) -> AgentOut:
    await dispatch(flow)
    loads = await flow.repo.agent_loads(flow.tenant)
    await uow.commit()
    return agent_out(agent, loads.get(agent.id, {}))


@router.get("/{agent_id}/stream", summary="The agent's desktop feed: state and offers, as server-sent events")
async def agent_stream(agent_id: str, request: Request, principal: Desktop, uow: Uow,
                       every: Annotated[float, Query(ge=0.2, le=10)] = 0.5) -> StreamingResponse:
    """Sends the agent's state and tasks at once, then again whenever they change."""
    _self_or_supervisor(principal, agent_id)
    await agent_or_404(RoutingRepository(uow.session), principal.tenant, agent_id)
    await uow.rollback()  # the stream reads in its own short transactions
    runtime: Runtime = request.app.state.runtime
    return StreamingResponse(_agent_feed(runtime, principal.tenant, agent_id, every),
                             media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def _agent_feed(runtime: Runtime, tenant: str, agent_id: str,
                      every: float) -> AsyncIterator[str]:
    """A snapshot whenever a commit of this process rang for the agent (see `desktops.py`), and a
    read at least every `every` seconds for changes committed elsewhere."""
    bell = runtime.extras["desktop_bell"]
    assert isinstance(bell, DesktopBell)
    clock = asyncio.get_running_loop().time
    with bell.listen(tenant, agent_id) as snapshots:
        last, quiet = "", 0.0
        # No disconnect check per round (a cancel scope each, 200 feeds twice a second): Starlette's
        # StreamingResponse ends the stream itself when the desktop goes (under uvicorn's ASGI 2.3 it
        # cancels this generator on the disconnect; under 2.4 the next send fails).
        while True:
            began = clock()
            try:
                async with asyncio.timeout(every):  # no task per round, as wait_for makes
                    snapshot = await snapshots.get()
            except TimeoutError:
                bell.poll(tenant, agent_id)
                snapshot = last
            quiet += clock() - began
            if snapshot is None:
                return  # the agent was deleted
            if snapshot != last:
                last, quiet = snapshot, 0.0
                yield f"event: desktop\ndata: {snapshot}\n\n"
            elif quiet >= KEEP_ALIVE_SECONDS:  # a comment line keeps proxies from closing an idle stream
                quiet = 0.0
                yield ": keep-alive\n\n"


class DesktopSnapshots:
    """What a desktop feed sends: the agent (its load from the tasks it holds) and those tasks,
    from their rows (`RoutingRepository.desktop_agents`, `tasks_of_agents`). A task is rendered
    again only when its row changed: an offer rings its agent's feed, and the agent's other
    tasks are the same as in the last round (a pydantic round trip each, most of a round's CPU)."""

    def __init__(self, kept: int = 20_000) -> None:
        self._tasks: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._kept = kept

    def __call__(self, agent: Any, held: list[Any]) -> str:
        """`agent` and `held` as read (`DesktopAgent`, `DesktopTask`, or rows of their columns)."""
        load = dict(Counter(task.channel for task in held))
        tasks = [self._task(task) for task in held]
        return json.dumps({"agent": agent_out(agent, load).model_dump(mode="json"), "tasks": tasks})

    def _task(self, row: Any) -> dict[str, Any]:
        kept = self._tasks.get(row.id)
        if kept is not None and kept[0] == row:
            return kept[1]
        rendered = TaskOut.model_validate({**row._asdict(), **facts_shown(row.facts)}).model_dump(mode="json")
        if len(self._tasks) >= self._kept:
            self._tasks.clear()  # bounded: tasks end, their rows go
        self._tasks[row.id] = (row, rendered)
        return rendered
