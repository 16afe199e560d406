"""Skills an agent can hold and a queue or rule can require."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from switchboard.common.errors import Conflict, NotFound, Unprocessable
from switchboard.routing.api.deps import Admin, Supervisor, Uow
from switchboard.routing.models import Skill
from switchboard.routing.repository import RoutingRepository
from switchboard.routing.schemas import SkillIn, SkillOut

router = APIRouter(prefix="/v1/skills", tags=["admin"])


@router.post("", status_code=201, response_model=SkillOut, summary="Create a skill")
async def create_skill(body: SkillIn, principal: Admin, uow: Uow) -> SkillOut:
    repo = RoutingRepository(uow.session)
    if body.name in await repo.skill_names(principal.tenant):
        raise Conflict(f"a skill named {body.name!r} already exists")
    skill = Skill(id=str(uuid.uuid4()), tenant_id=principal.tenant, name=body.name,
                  description=body.description, created_at=datetime.now(UTC))
    repo.add(skill)
    await uow.commit()
    return SkillOut.model_validate(skill)


@router.get("", response_model=list[SkillOut], summary="All skills")
async def list_skills(principal: Supervisor, uow: Uow) -> list[SkillOut]:
    return [SkillOut.model_validate(s) for s in await RoutingRepository(uow.session).skills(principal.tenant)]


@router.delete("/{skill_id}", status_code=204, summary="Delete a skill no agent, queue or rule uses")
async def delete_skill(skill_id: str, principal: Admin, uow: Uow) -> None:
    repo = RoutingRepository(uow.session)
    skill = await repo.skill(principal.tenant, skill_id)
    if skill is None:
        raise NotFound(f"no skill {skill_id}")
    users = [a.id for a in await repo.agents(principal.tenant) if skill.name in a.skills]
    users += [q.name for q in await repo.queues(principal.tenant) if skill.name in q.required_skills]
    users += [r.name for r in await repo.rules(principal.tenant) if skill.name in r.required_skills]
    if users:
        raise Conflict(f"skill {skill.name!r} is still used by: {', '.join(sorted(users))}")
    await repo.delete(skill)
    await uow.commit()


async def check_skills_exist(repo: RoutingRepository, tenant: str, names: set[str]) -> None:
    unknown = sorted(names - await repo.skill_names(tenant))
    if unknown:
        raise Unprocessable(f"unknown skills: {', '.join(unknown)} (create them under /v1/skills first)")
