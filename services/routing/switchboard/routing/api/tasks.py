"""The desktop's work on tasks: accept or reject an offer, complete, transfer; supervisors list them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from switchboard.common.auth import Principal
from switchboard.routing.api.deps import (
    AgentOnly,
    Bell,
    Settings,
    Supervisor,
    Uow,
    agent_or_404,
    locked_flow,
    task_or_404,
)
from switchboard.routing.flow import tasks as work
from switchboard.routing.flow.context import Flow
from switchboard.routing.flow.dispatch import dispatch
from switchboard.routing.models import Agent, Task
from switchboard.routing.repository import RoutingRepository
from switchboard.routing.schemas import CompleteIn, TaskChange, TaskOut, TransferIn

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


async def _agent_and_task(uow: Uow, principal: Principal, settings: Settings, bell: Bell,
                          task_id: str) -> tuple[Flow, Agent, Task]:
    flow = await locked_flow(uow, principal, settings, bell)
    agent = await agent_or_404(flow.repo, principal.tenant, principal.subject)
    return flow, agent, await task_or_404(flow.repo, principal.tenant, task_id)


async def _finish(uow: Uow, flow: Flow, task: Task) -> TaskOut:
    await dispatch(flow)
    await uow.commit()
    return TaskOut.model_validate(task)


@router.post("/{task_id}/accept", response_model=TaskOut, summary="Accept an offer made to me")
async def accept_task(task_id: str, principal: AgentOnly, uow: Uow, settings: Settings,
                      bell: Bell) -> TaskOut:
    flow, agent, task = await _agent_and_task(uow, principal, settings, bell, task_id)
    await work.accept(flow, task, agent)
    return await _finish(uow, flow, task)


@router.post("/{task_id}/reject", response_model=TaskOut, summary="Reject an offer: the task keeps its place")
async def reject_task(task_id: str, principal: AgentOnly, uow: Uow, settings: Settings,
                      bell: Bell) -> TaskOut:
    flow, agent, task = await _agent_and_task(uow, principal, settings, bell, task_id)
    await work.reject(flow, task, agent)
    return await _finish(uow, flow, task)


@router.post("/{task_id}/complete", response_model=TaskOut,
             summary="Complete with a disposition; the queue's timed wrap-up starts")
async def complete_task(task_id: str, body: CompleteIn, principal: AgentOnly, uow: Uow,
                        settings: Settings, bell: Bell) -> TaskOut:
    flow, agent, task = await _agent_and_task(uow, principal, settings, bell, task_id)
    await work.complete(flow, task, agent, body.disposition, body.notes)
    return await _finish(uow, flow, task)


@router.post("/{task_id}/transfer", response_model=TaskOut, summary="Transfer to a queue or an agent")
async def transfer_task(task_id: str, body: TransferIn, principal: AgentOnly, uow: Uow,
                        settings: Settings, bell: Bell) -> TaskOut:
    flow, agent, task = await _agent_and_task(uow, principal, settings, bell, task_id)
    if body.queue_id is not None:
        await work.transfer_to_queue(flow, task, agent, body.queue_id)
    else:
        target = await agent_or_404(flow.repo, principal.tenant, body.agent_id or "")
        await work.transfer_to_agent(flow, task, agent, target)
    return await _finish(uow, flow, task)


@router.patch("/{task_id}", response_model=TaskOut,
              summary="Supervisor: move a waiting task to another queue and/or set its priority")
async def change_task(task_id: str, body: TaskChange, principal: Supervisor, uow: Uow,
                      settings: Settings, bell: Bell) -> TaskOut:
    flow = await locked_flow(uow, principal, settings, bell)
    task = await task_or_404(flow.repo, principal.tenant, task_id)
    await work.move_or_reprioritize(flow, task, body.queue_id, body.priority)
    return await _finish(uow, flow, task)


@router.get("", response_model=list[TaskOut], summary="Open tasks (pending, queued, offered, accepted)")
async def list_tasks(principal: Supervisor, uow: Uow,
                     status: Annotated[list[str] | None, Query()] = None) -> list[TaskOut]:
    statuses = status or ["pending", "queued", "message", "offered", "accepted"]
    tasks = await RoutingRepository(uow.session).tasks_with_status(principal.tenant, *statuses)
    return [TaskOut.model_validate(t) for t in tasks]


@router.get("/{task_id}", response_model=TaskOut, summary="One task")
async def get_task(task_id: str, principal: Supervisor, uow: Uow) -> TaskOut:
    task = await task_or_404(RoutingRepository(uow.session), principal.tenant, task_id)
    return TaskOut.model_validate(task)
