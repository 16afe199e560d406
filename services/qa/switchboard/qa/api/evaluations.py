"""The evaluation workflow over HTTP: assign, evaluate, submit, acknowledge, dispute, re-review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa import evaluations as workflow
from switchboard.qa.evaluation_repository import EvaluationRepository
from switchboard.qa.models import Evaluation
from switchboard.qa.schemas import (
    AnswersIn,
    AssignEvaluation,
    DisputeIn,
    EvaluationOut,
    ReassignIn,
    ReReviewIn,
)

router = APIRouter(prefix="/v1/evaluations", tags=["evaluations"])
Assigner = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Evaluator = Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator"))]
Agent = Annotated[Principal, Depends(require_roles("agent"))]
Anyone = Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator", "agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


async def shown(uow: UnitOfWork, evaluations: list[Evaluation]) -> list[EvaluationOut]:
    """Evaluations as the API shows them: with the scorecard and the version they were made with."""
    if not evaluations:
        return []
    versions = await EvaluationRepository(uow.session).versions_by_id(
        evaluations[0].tenant_id, {e.scorecard_version_id for e in evaluations})
    return [EvaluationOut.of(e, versions[e.scorecard_version_id]) for e in evaluations]


async def _one(uow: UnitOfWork, evaluation: Evaluation) -> EvaluationOut:
    [out] = await shown(uow, [evaluation])
    return out


def _is_reviewer(principal: Principal) -> bool:
    return principal.has_any("admin", "supervisor", "evaluator")


async def _visible(
    uow: UnitOfWork, principal: Principal, evaluation_id: str, *, for_update: bool = True
) -> Evaluation:
    """Reviewers see every evaluation of the tenant; an agent only their own once submitted."""
    evaluation = await EvaluationRepository(uow.session).evaluation(
        principal.tenant, evaluation_id, for_update=for_update)
    if evaluation is None or not (
        _is_reviewer(principal)
        or (evaluation.agent_id == principal.subject and evaluation.status != "assigned"
            and evaluation.calibration_id is None)
    ):
        raise NotFound(f"no evaluation {evaluation_id}")
    return evaluation


@router.post("", status_code=201, response_model=EvaluationOut,
             summary="Assign a contact to an evaluator; rule-answerable questions come pre-filled")
async def assign_evaluation(body: AssignEvaluation, principal: Assigner, uow: Uow) -> EvaluationOut:
    evaluation = await workflow.assign(uow, principal, conversation_id=body.conversation_id,
                                       scorecard_id=body.scorecard_id, evaluator_id=body.evaluator_id)
    await uow.commit()
    return await _one(uow, evaluation)


@router.get("", response_model=list[EvaluationOut], summary="Evaluations (an agent sees their own)")
async def list_evaluations(
    principal: Anyone, uow: Uow,
    evaluator_id: str | None = None, agent_id: str | None = None, status: str | None = None,
    conversation_id: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EvaluationOut]:
    if not _is_reviewer(principal):
        agent_id = principal.subject
    rows = await EvaluationRepository(uow.session).evaluations(
        principal.tenant, evaluator_id=evaluator_id, agent_id=agent_id, status=status,
        conversation_id=conversation_id, limit=limit)
    if not _is_reviewer(principal):
        rows = [r for r in rows if r.status != "assigned" and r.calibration_id is None]
    return await shown(uow, rows)


@router.get("/{evaluation_id}", response_model=EvaluationOut)
async def get_evaluation(evaluation_id: str, principal: Anyone, uow: Uow) -> EvaluationOut:
    return await _one(uow, await _visible(uow, principal, evaluation_id, for_update=False))


@router.patch("/{evaluation_id}", response_model=EvaluationOut,
              summary="Save answers and comments without submitting")
async def save_draft(evaluation_id: str, body: AnswersIn, principal: Evaluator, uow: Uow) -> EvaluationOut:
    evaluation = await _visible(uow, principal, evaluation_id)
    await workflow.save_answers(uow, principal, evaluation, body.answers, body.comment, submit=False)
    await uow.commit()
    return await _one(uow, evaluation)


@router.post("/{evaluation_id}/submit", response_model=EvaluationOut,
             summary="Submit: every applicable question answered; scored; qa.evaluation.completed")
async def submit(evaluation_id: str, body: AnswersIn, principal: Evaluator, uow: Uow) -> EvaluationOut:
    evaluation = await _visible(uow, principal, evaluation_id)
    await workflow.save_answers(uow, principal, evaluation, body.answers, body.comment, submit=True)
    await uow.commit()
    return await _one(uow, evaluation)


@router.post("/{evaluation_id}/reassign", response_model=EvaluationOut,
             summary="Give an open evaluation to another evaluator")
async def reassign(evaluation_id: str, body: ReassignIn, principal: Assigner, uow: Uow) -> EvaluationOut:
    evaluation = await _visible(uow, principal, evaluation_id)
    await workflow.reassign(uow, evaluation, body.evaluator_id)
    await uow.commit()
    return await _one(uow, evaluation)


@router.post("/{evaluation_id}/acknowledge", response_model=EvaluationOut)
async def acknowledge(evaluation_id: str, principal: Agent, uow: Uow) -> EvaluationOut:
    evaluation = await workflow.acknowledge(principal, await _visible(uow, principal, evaluation_id))
    await uow.commit()
    return await _one(uow, evaluation)


@router.post("/{evaluation_id}/dispute", response_model=EvaluationOut)
async def dispute(evaluation_id: str, body: DisputeIn, principal: Agent, uow: Uow) -> EvaluationOut:
    evaluation = await workflow.dispute(principal, await _visible(uow, principal, evaluation_id), body.reason)
    await uow.commit()
    return await _one(uow, evaluation)


@router.post("/{evaluation_id}/re-review", response_model=EvaluationOut,
             summary="Settle a dispute: answers may change, a comment is required")
async def re_review(evaluation_id: str, body: ReReviewIn, principal: Assigner, uow: Uow) -> EvaluationOut:
    evaluation = await _visible(uow, principal, evaluation_id)
    await workflow.re_review(uow, principal, evaluation, body.answers, body.comment)
    await uow.commit()
    return await _one(uow, evaluation)
