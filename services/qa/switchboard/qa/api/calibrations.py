"""Calibration sessions: several evaluators score one contact; the spread per question."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound, Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa import evaluations as workflow
from switchboard.qa.api.evaluations import shown
from switchboard.qa.domain.calibration import spread_per_question
from switchboard.qa.domain.scorecards import Answer
from switchboard.qa.evaluation_repository import EvaluationRepository
from switchboard.qa.models import Evaluation
from switchboard.qa.schemas import CalibrationIn, CalibrationOut, QuestionSpreadOut

router = APIRouter(prefix="/v1/calibrations", tags=["calibration"])
Reviewer = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


@router.post("", status_code=201, response_model=CalibrationOut,
             summary="One evaluation of the same contact per evaluator")
async def start_calibration(body: CalibrationIn, principal: Reviewer, uow: Uow) -> CalibrationOut:
    if len(set(body.evaluator_ids)) != len(body.evaluator_ids):
        raise Unprocessable("evaluator_ids: each evaluator once")
    calibration_id = str(uuid.uuid4())
    sheets = [
        await workflow.assign(uow, principal, conversation_id=body.conversation_id,
                              scorecard_id=body.scorecard_id, evaluator_id=evaluator,
                              reason="calibration", calibration_id=calibration_id)
        for evaluator in body.evaluator_ids
    ]
    await uow.commit()
    return await _report(uow, calibration_id, sheets)


@router.get("/{calibration_id}", response_model=CalibrationOut,
            summary="Spread per question over the submitted sheets, widest first")
async def get_calibration(calibration_id: str, principal: Reviewer, uow: Uow) -> CalibrationOut:
    repo = EvaluationRepository(uow.session)
    sheets = await repo.evaluations(principal.tenant, calibration_id=calibration_id)
    if not sheets:
        raise NotFound(f"no calibration {calibration_id}")
    return await _report(uow, calibration_id, sheets)


async def _report(uow: UnitOfWork, calibration_id: str, sheets: list[Evaluation]) -> CalibrationOut:
    submitted = [s for s in sheets if s.status != "assigned"]
    form = await workflow.form_of(EvaluationRepository(uow.session), sheets[0])
    answers = [{k: Answer.model_validate(v) for k, v in s.answers.items()} for s in submitted]
    scores = [s.score for s in submitted if s.score is not None]
    return CalibrationOut(
        calibration_id=calibration_id, conversation_id=sheets[0].conversation_id,
        evaluations=await shown(uow, sheets), submitted=len(submitted),
        score_spread=round(max(scores) - min(scores), 2) if scores else None,
        questions=[QuestionSpreadOut(**vars(q)) for q in spread_per_question(form, answers)]
        if answers else [],
    )


