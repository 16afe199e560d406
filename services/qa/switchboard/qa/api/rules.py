"""A tenant's automatic-check rules: phrases, response targets, sentiment thresholds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.rules import CheckRules
from switchboard.qa.models import TenantRules
from switchboard.qa.repository import QARepository

router = APIRouter(prefix="/v1/check-rules", tags=["check rules"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


@router.get("", response_model=CheckRules, summary="The rules in force (defaults until set)")
async def get_rules(
    principal: Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator"))], uow: Uow
) -> CheckRules:
    return await QARepository(uow.session).rules(principal.tenant)


@router.put("", response_model=CheckRules, summary="Replace the rules; applies to messages from now on")
async def put_rules(
    body: CheckRules,
    principal: Annotated[Principal, Depends(require_roles("admin", "supervisor"))],
    uow: Uow,
) -> CheckRules:
    repo = QARepository(uow.session)
    row = await repo.rules_row(principal.tenant)
    if row is None:
        row = TenantRules(tenant_id=principal.tenant)
        repo.add(row)
    row.rules = body.model_dump(mode="json")
    row.updated_at = datetime.now(UTC)
    await uow.commit()
    return body
