"""Scorecards: versioned forms. Changing one writes a new version; old scores stay as given."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.scorecards import ScorecardDefinition
from switchboard.qa.evaluation_repository import EvaluationRepository
from switchboard.qa.models import Scorecard, ScorecardVersion
from switchboard.qa.schemas import ScorecardOut

router = APIRouter(prefix="/v1/scorecards", tags=["scorecards"])
Editor = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator", "agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


def _out(scorecard: Scorecard, version: ScorecardVersion) -> ScorecardOut:
    return ScorecardOut(id=scorecard.id, name=version.definition["name"], version=version.version,
                        current_version=scorecard.current_version, definition=version.definition,
                        created_at=version.created_at)


@router.post("", status_code=201, response_model=ScorecardOut, summary="Create a scorecard (version 1)")
async def create_scorecard(body: ScorecardDefinition, principal: Editor, uow: Uow) -> ScorecardOut:
    repo = EvaluationRepository(uow.session)
    now = datetime.now(UTC)
    scorecard = Scorecard(id=str(uuid.uuid4()), tenant_id=principal.tenant, name=body.name,
                          current_version=1, created_at=now)
    repo.add(scorecard)
    await repo.flush()
    version = ScorecardVersion(id=str(uuid.uuid4()), tenant_id=principal.tenant, scorecard_id=scorecard.id,
                               version=1, definition=body.model_dump(mode="json"),
                               created_by=principal.subject, created_at=now)
    repo.add(version)
    await uow.commit()
    return _out(scorecard, version)


@router.put("/{scorecard_id}", response_model=ScorecardOut,
            summary="Publish a new version; evaluations already made keep theirs")
async def new_version(
    scorecard_id: str, body: ScorecardDefinition, principal: Editor, uow: Uow
) -> ScorecardOut:
    repo = EvaluationRepository(uow.session)
    scorecard = await repo.scorecard(principal.tenant, scorecard_id, for_update=True)
    if scorecard is None:
        raise NotFound(f"no scorecard {scorecard_id}")
    scorecard.current_version += 1
    scorecard.name = body.name
    version = ScorecardVersion(id=str(uuid.uuid4()), tenant_id=principal.tenant, scorecard_id=scorecard.id,
                               version=scorecard.current_version, definition=body.model_dump(mode="json"),
                               created_by=principal.subject, created_at=datetime.now(UTC))
    repo.add(version)
    await uow.commit()
    return _out(scorecard, version)


@router.get("", response_model=list[ScorecardOut], summary="Every scorecard at its current version")
async def list_scorecards(principal: Reader, uow: Uow) -> list[ScorecardOut]:
    repo = EvaluationRepository(uow.session)
    result = []
    for scorecard in await repo.scorecards(principal.tenant):
        version = await repo.version(principal.tenant, scorecard.id, scorecard.current_version)
        if version is not None:
            result.append(_out(scorecard, version))
    return result


@router.get("/{scorecard_id}/versions/{version}", response_model=ScorecardOut, summary="One version")
async def get_version(scorecard_id: str, version: int, principal: Reader, uow: Uow) -> ScorecardOut:
    repo = EvaluationRepository(uow.session)
    scorecard = await repo.scorecard(principal.tenant, scorecard_id)
    found = await repo.version(principal.tenant, scorecard_id, version) if scorecard else None
    if scorecard is None or found is None:
        raise NotFound(f"no version {version} of scorecard {scorecard_id}")
    return _out(scorecard, found)
