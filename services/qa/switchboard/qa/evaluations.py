"""The evaluation workflow: assign, evaluate, acknowledge or dispute, re-review. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from switchboard.common.auth import Principal
from switchboard.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from switchboard.common.events.qa import EvaluationCompleted
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain.checks import CheckResult
from switchboard.qa.domain.scorecards import (
    Answer,
    AnswerError,
    ScorecardDefinition,
    check_answers,
    prefill,
    score,
)
from switchboard.qa.evaluation_repository import EvaluationRepository
from switchboard.qa.models import Evaluation, ScorecardVersion
from switchboard.qa.repository import QARepository

REVIEWERS = ("admin", "supervisor")


async def current_version(repo: EvaluationRepository, tenant: str, scorecard_id: str) -> ScorecardVersion:
    scorecard = await repo.scorecard(tenant, scorecard_id)
    version = await repo.version(tenant, scorecard_id, scorecard.current_version) if scorecard else None
    if version is None:
        raise NotFound(f"no scorecard {scorecard_id}")
    return version


async def assign(
    uow: UnitOfWork, principal: Principal, *, conversation_id: str, scorecard_id: str,
    evaluator_id: str, reason: str = "manual", calibration_id: str | None = None,
) -> Evaluation:
    """A new evaluation of a contact, with every answer the automatic checks can give."""
    contact = await QARepository(uow.session).contact(principal.tenant, conversation_id)
    if contact is None:
        raise NotFound(f"no contact for conversation {conversation_id}")
    repo = EvaluationRepository(uow.session)
    version = await current_version(repo, principal.tenant, scorecard_id)
    form = ScorecardDefinition.model_validate(version.definition)
    checks = [CheckResult(**c) for c in contact.checks]
    answers = prefill(form, checks, contact.channel)
    now = datetime.now(UTC)
    evaluation = Evaluation(
        id=str(uuid.uuid4()), tenant_id=principal.tenant, conversation_id=conversation_id,
        channel=contact.channel, agent_id=contact.agent_id, customer_id=contact.customer_id,
        scorecard_version_id=version.id, evaluator_id=evaluator_id, calibration_id=calibration_id,
        reason=reason, status="assigned", answers=_dump(answers), prefilled=sorted(answers),
        failed_critical=False, assigned_by=principal.subject, assigned_at=now, updated_at=now,
    )
    repo.add(evaluation)
    return evaluation


async def form_of(repo: EvaluationRepository, evaluation: Evaluation) -> ScorecardDefinition:
    version = await repo.version_by_id(evaluation.tenant_id, evaluation.scorecard_version_id)
    assert version is not None  # a foreign key; versions are never deleted
    return ScorecardDefinition.model_validate(version.definition)


def merged(evaluation: Evaluation, answers: dict[str, Answer]) -> dict[str, Answer]:
    current = {key: Answer.model_validate(value) for key, value in evaluation.answers.items()}
    return {**current, **answers}


async def save_answers(
    uow: UnitOfWork, principal: Principal, evaluation: Evaluation, answers: dict[str, Answer],
    comment: str | None, *, submit: bool,
) -> Evaluation:
    _must_be_evaluator(principal, evaluation)
    if evaluation.status != "assigned":
        raise Conflict(f"evaluation {evaluation.id} is {evaluation.status}; "
                       "a submitted evaluation changes only through dispute and re-review")
    repo = EvaluationRepository(uow.session)
    form = await form_of(repo, evaluation)
    await _prefill_late_checks(uow, evaluation, form)
    sheet = merged(evaluation, answers)
    _validate(form, sheet, evaluation.channel, complete=submit)
    evaluation.answers = _dump(sheet)
    evaluation.comment = comment if comment is not None else evaluation.comment
    evaluation.updated_at = datetime.now(UTC)
    if submit:
        await _settle(uow, evaluation, form, sheet, status="submitted")
    return evaluation


async def _prefill_late_checks(uow: UnitOfWork, evaluation: Evaluation, form: ScorecardDefinition) -> None:
    """A contact sampled the moment its task completed may get its last lines after that (the
    bus orders events per stream, not across ingest and routing): questions still open that a
    check can now answer are filled in, never overriding an answer already there."""
    contact = await QARepository(uow.session).contact(evaluation.tenant_id, evaluation.conversation_id)
    if contact is None:
        return
    fresh = prefill(form, [CheckResult(**c) for c in contact.checks], contact.channel)
    late = {key: answer for key, answer in fresh.items() if key not in evaluation.answers}
    if late:
        evaluation.answers = {**evaluation.answers, **_dump(late)}
        evaluation.prefilled = sorted({*evaluation.prefilled, *late})


async def reassign(uow: UnitOfWork, evaluation: Evaluation, evaluator_id: str) -> Evaluation:
    """Hand an open evaluation to another evaluator (one is away, or has too many); the answers
    saved so far go with it. A calibration keeps one sheet per evaluator."""
    if evaluation.status != "assigned":
        raise Conflict(f"evaluation {evaluation.id} is {evaluation.status}; only an open one is reassigned")
    if evaluation.calibration_id is not None and await EvaluationRepository(uow.session).evaluations(
            evaluation.tenant_id, calibration_id=evaluation.calibration_id, evaluator_id=evaluator_id):
        raise Unprocessable(f"evaluator_id: {evaluator_id} already has a sheet in this calibration")
    evaluation.evaluator_id, evaluation.updated_at = evaluator_id, datetime.now(UTC)
    return evaluation


async def acknowledge(principal: Principal, evaluation: Evaluation) -> Evaluation:
    _must_be_the_agent(principal, evaluation)
    if evaluation.status != "submitted":
        raise Conflict(f"evaluation {evaluation.id} is {evaluation.status}; only a submitted one "
                       "can be acknowledged")
    evaluation.status, evaluation.updated_at = "acknowledged", datetime.now(UTC)
    return evaluation


async def dispute(principal: Principal, evaluation: Evaluation, reason: str) -> Evaluation:
    _must_be_the_agent(principal, evaluation)
    if evaluation.status != "submitted":
        raise Conflict(f"evaluation {evaluation.id} is {evaluation.status}; only a submitted one "
                       "can be disputed")
    evaluation.status, evaluation.dispute_reason = "disputed", reason
    evaluation.updated_at = datetime.now(UTC)
    return evaluation


async def re_review(
    uow: UnitOfWork, principal: Principal, evaluation: Evaluation, answers: dict[str, Answer], comment: str
) -> Evaluation:
    if not principal.has_any(*REVIEWERS):
        raise Forbidden("a re-review needs one of the roles: admin, supervisor")
    if evaluation.status != "disputed":
        raise Conflict(f"evaluation {evaluation.id} is {evaluation.status}; only a disputed one "
                       "is re-reviewed")
    form = await form_of(EvaluationRepository(uow.session), evaluation)
    sheet = merged(evaluation, answers)
    _validate(form, sheet, evaluation.channel, complete=True)
    evaluation.answers, evaluation.review_comment = _dump(sheet), comment
    await _settle(uow, evaluation, form, sheet, status="re_reviewed")
    return evaluation


async def _settle(uow: UnitOfWork, evaluation: Evaluation, form: ScorecardDefinition,
                  sheet: dict[str, Answer], *, status: str) -> None:
    result = score(form, sheet, evaluation.channel)
    now = datetime.now(UTC)
    evaluation.score, evaluation.failed_critical = result.score, result.failed_critical
    evaluation.status, evaluation.submitted_at, evaluation.updated_at = status, now, now
    if evaluation.calibration_id is not None:
        return  # calibration sheets measure evaluators, not the agent
    version = await EvaluationRepository(uow.session).version_by_id(
        evaluation.tenant_id, evaluation.scorecard_version_id)
    assert version is not None
    await uow.emit(
        EvaluationCompleted(
            evaluation_id=evaluation.id, conversation_id=evaluation.conversation_id,
            agent_id=evaluation.agent_id, customer_id=evaluation.customer_id,
            scorecard_id=version.scorecard_id, scorecard_version=version.version, score=result.score,
            failed_critical=result.failed_critical, at=now),
        tenant=evaluation.tenant_id, subject=evaluation.conversation_id,
    )


def _validate(form: ScorecardDefinition, sheet: dict[str, Answer], channel: str, *, complete: bool) -> None:
    try:
        check_answers(form, sheet, channel, complete=complete)
    except AnswerError as exc:
        raise Unprocessable(str(exc), question=exc.key) from exc


def _must_be_evaluator(principal: Principal, evaluation: Evaluation) -> None:
    if principal.subject != evaluation.evaluator_id and not principal.has_any(*REVIEWERS):
        raise Forbidden(f"evaluation {evaluation.id} is assigned to another evaluator")


def _must_be_the_agent(principal: Principal, evaluation: Evaluation) -> None:
    if principal.subject != evaluation.agent_id:
        raise Forbidden(f"only the evaluated agent can acknowledge or dispute evaluation {evaluation.id}")


def _dump(answers: dict[str, Answer]) -> dict[str, dict[str, object]]:
    return {key: answer.model_dump() for key, answer in answers.items()}
