"""A tenant's sampling rules: which completed contacts are assigned for review, to whom."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.sampling import SamplingRules
from switchboard.qa.evaluation_repository import EvaluationRepository
from switchboard.qa.models import SamplingConfig
from switchboard.qa.sampling_repository import SamplingRepository

router = APIRouter(prefix="/v1/sampling-rules", tags=["sampling"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


@router.get("", response_model=SamplingRules, summary="The rules in force (off until set)")
async def get_sampling_rules(
    principal: Annotated[Principal, Depends(require_roles("admin", "supervisor"))], uow: Uow
) -> SamplingRules:
    return await SamplingRepository(uow.session).rules(principal.tenant)


@router.put("", response_model=SamplingRules, summary="Replace the rules")
async def put_sampling_rules(
    body: SamplingRules,
    principal: Annotated[Principal, Depends(require_roles("admin", "supervisor"))],
    uow: Uow,
) -> SamplingRules:
    if body.enabled:
        if not body.scorecard_id or not body.evaluator_ids:
            raise Unprocessable("enabled sampling needs a scorecard_id and at least one evaluator_ids entry")
        if await EvaluationRepository(uow.session).scorecard(principal.tenant, body.scorecard_id) is None:
            raise Unprocessable(f"scorecard_id: no scorecard {body.scorecard_id}")
    repo = SamplingRepository(uow.session)
    row = await repo.rules_row(principal.tenant)
    if row is None:
        row = SamplingConfig(tenant_id=principal.tenant)
        repo.add(row)
    row.config = body.model_dump(mode="json")
    row.updated_at = datetime.now(UTC)
    await uow.commit()
    return body
