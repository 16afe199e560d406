"""What routing's endpoints share: roles, the unit of work, the settings, the locked flow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.flow.context import Flow, open_flow
from switchboard.routing.models import Agent, Task
from switchboard.routing.repository import RoutingRepository

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Supervisor = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Desktop = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent"))]
AgentOnly = Annotated[Principal, Depends(require_roles("agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


def routing_settings(request: Request) -> RoutingSettings:
    settings = request.app.state.runtime.settings
    return settings if isinstance(settings, RoutingSettings) else RoutingSettings()


Settings = Annotated[RoutingSettings, Depends(routing_settings)]


def desktop_bell(request: Request) -> DesktopBell | None:
    bell = request.app.state.runtime.extras.get("desktop_bell")
    return bell if isinstance(bell, DesktopBell) else None


Bell = Annotated[DesktopBell | None, Depends(desktop_bell)]


async def locked_flow(uow: UnitOfWork, principal: Principal, settings: RoutingSettings,
                      bell: DesktopBell | None = None) -> Flow:
    return await open_flow(uow, principal.tenant, datetime.now(UTC), settings, bell)


async def agent_or_404(repo: RoutingRepository, tenant: str, agent_id: str) -> Agent:
    agent = await repo.agent(tenant, agent_id)
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    return agent


async def task_or_404(repo: RoutingRepository, tenant: str, task_id: str) -> Task:
    task = await repo.task(tenant, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task
