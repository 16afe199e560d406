"""Queues (skill groups) and the ordered routing rules that feed them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from switchboard.common.errors import Conflict, NotFound, Unprocessable
from switchboard.routing.api.deps import Admin, Desktop, Supervisor, Uow
from switchboard.routing.api.skills import check_skills_exist
from switchboard.routing.models import Queue, RoutingRule
from switchboard.routing.repository import RoutingRepository
from switchboard.routing.schemas import QueueIn, QueueOut, RuleIn, RuleOut

router = APIRouter(tags=["admin"])


async def _check_queue(repo: RoutingRepository, tenant: str, body: QueueIn, queue_id: str | None) -> None:
    same_name = await repo.queue_by_name(tenant, body.name)
    if same_name is not None and same_name.id != queue_id:
        raise Conflict(f"a queue named {body.name!r} already exists")
    await check_skills_exist(repo, tenant, set(body.required_skills))
    for target in (body.escalation.overflow_queue_id,
                   body.business_hours.after_hours_queue_id if body.business_hours else None):
        if target is not None and (target == queue_id or await repo.queue(tenant, target) is None):
            raise Unprocessable(f"overflow queue {target} is not another queue of this tenant")
    if body.is_default:
        current = await repo.default_queue(tenant)
        if current is not None and current.id != queue_id:
            current.is_default = False  # one default queue per tenant: the newest wins


def _apply(queue: Queue, body: QueueIn) -> None:
    queue.name, queue.channels, queue.strategy = body.name, list(body.channels), body.strategy.value
    queue.required_skills, queue.sla_target, queue.sla_seconds = body.required_skills, body.sla_target, \
        body.sla_seconds
    queue.max_size, queue.max_wait_seconds = body.max_size, body.max_wait_seconds
    queue.limit_action = body.limit_action
    queue.wrap_up_seconds, queue.is_default = body.wrap_up_seconds, body.is_default
    queue.business_hours = body.business_hours.model_dump(mode="json") if body.business_hours else None
    queue.escalation = body.escalation.model_dump(mode="json", exclude_none=True)
    queue.blending = body.blending.model_dump(mode="json") if body.blending else None


@router.post("/v1/queues", status_code=201, response_model=QueueOut, summary="Create a queue")
async def create_queue(body: QueueIn, principal: Admin, uow: Uow) -> QueueOut:
    repo = RoutingRepository(uow.session)
    await _check_queue(repo, principal.tenant, body, None)
    queue = Queue(id=str(uuid.uuid4()), tenant_id=principal.tenant, created_at=datetime.now(UTC))
    _apply(queue, body)
    repo.add(queue)
    await uow.commit()
    return QueueOut.model_validate(queue)


@router.get("/v1/queues", response_model=list[QueueOut], summary="All queues")
async def list_queues(principal: Desktop, uow: Uow) -> list[QueueOut]:
    """Agents read the queues too: they transfer contacts to them."""
    return [QueueOut.model_validate(q) for q in await RoutingRepository(uow.session).queues(principal.tenant)]


async def _queue_or_404(repo: RoutingRepository, tenant: str, queue_id: str) -> Queue:
    queue = await repo.queue(tenant, queue_id)
    if queue is None:
        raise NotFound(f"no queue {queue_id}")
    return queue


@router.get("/v1/queues/{queue_id}", response_model=QueueOut, summary="One queue")
async def get_queue(queue_id: str, principal: Desktop, uow: Uow) -> QueueOut:
    queue = await _queue_or_404(RoutingRepository(uow.session), principal.tenant, queue_id)
    return QueueOut.model_validate(queue)


@router.put("/v1/queues/{queue_id}", response_model=QueueOut, summary="Replace a queue's settings")
async def update_queue(queue_id: str, body: QueueIn, principal: Admin, uow: Uow) -> QueueOut:
    repo = RoutingRepository(uow.session)
    queue = await _queue_or_404(repo, principal.tenant, queue_id)
    await _check_queue(repo, principal.tenant, body, queue_id)
    _apply(queue, body)
    await uow.commit()
    return QueueOut.model_validate(queue)


@router.delete("/v1/queues/{queue_id}", status_code=204, summary="Delete an empty queue no rule uses")
async def delete_queue(queue_id: str, principal: Admin, uow: Uow) -> None:
    repo = RoutingRepository(uow.session)
    queue = await _queue_or_404(repo, principal.tenant, queue_id)
    if await repo.rules_using_queue(principal.tenant, queue_id):
        raise Conflict(f"queue {queue.name!r} is the target of routing rules: change them first")
    if await repo.waiting_count(principal.tenant, queue_id):
        raise Conflict(f"queue {queue.name!r} has waiting tasks")
    await repo.delete(queue)
    await uow.commit()


async def _check_rule(repo: RoutingRepository, tenant: str, body: RuleIn) -> None:
    if await repo.queue(tenant, body.queue_id) is None:
        raise Unprocessable(f"queue {body.queue_id} does not exist")
    await check_skills_exist(repo, tenant, set(body.required_skills))


def _apply_rule(rule: RoutingRule, body: RuleIn) -> None:
    rule.name, rule.position, rule.queue_id, rule.priority = body.name, body.position, body.queue_id, \
        body.priority
    rule.conditions = body.conditions.model_dump(mode="json")
    rule.required_skills = body.required_skills


@router.post("/v1/rules", status_code=201, response_model=RuleOut, summary="Create a routing rule")
async def create_rule(body: RuleIn, principal: Admin, uow: Uow) -> RuleOut:
    repo = RoutingRepository(uow.session)
    await _check_rule(repo, principal.tenant, body)
    rule = RoutingRule(id=str(uuid.uuid4()), tenant_id=principal.tenant, created_at=datetime.now(UTC))
    _apply_rule(rule, body)
    repo.add(rule)
    await uow.commit()
    return RuleOut.model_validate(rule)


@router.get("/v1/rules", response_model=list[RuleOut], summary="Rules in the order they are tried")
async def list_rules(principal: Supervisor, uow: Uow) -> list[RuleOut]:
    return [RuleOut.model_validate(r) for r in await RoutingRepository(uow.session).rules(principal.tenant)]


@router.put("/v1/rules/{rule_id}", response_model=RuleOut, summary="Replace a rule")
async def update_rule(rule_id: str, body: RuleIn, principal: Admin, uow: Uow) -> RuleOut:
    repo = RoutingRepository(uow.session)
    rule = await repo.rule(principal.tenant, rule_id)
    if rule is None:
        raise NotFound(f"no rule {rule_id}")
    await _check_rule(repo, principal.tenant, body)
    _apply_rule(rule, body)
    await uow.commit()
    return RuleOut.model_validate(rule)


@router.delete("/v1/rules/{rule_id}", status_code=204, summary="Delete a rule")
async def delete_rule(rule_id: str, principal: Admin, uow: Uow) -> None:
    repo = RoutingRepository(uow.session)
    rule = await repo.rule(principal.tenant, rule_id)
    if rule is None:
        raise NotFound(f"no rule {rule_id}")
    await repo.delete(rule)
    await uow.commit()
