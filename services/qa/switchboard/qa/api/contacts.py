"""Contacts as QA sees them: transcript, automatic checks and sentiment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.models import Contact
from switchboard.qa.repository import QARepository
from switchboard.qa.schemas import ContactOut, MessageOut, TranscriptOut

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "evaluator", "agent"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


def _only_own(principal: Principal) -> bool:
    """An agent (with no reviewing role) sees only the contacts they handled."""
    return not principal.has_any("admin", "supervisor", "evaluator")


@router.get("", response_model=list[ContactOut], summary="Contacts, newest first")
async def list_contacts(
    principal: Reader,
    uow: Uow,
    agent_id: str | None = None,
    growing_angrier: bool | None = None,
    before: Annotated[datetime | None, Query(description="page cursor: opened_at of the last row")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ContactOut]:
    if _only_own(principal):
        agent_id = principal.subject
    rows = await QARepository(uow.session).contacts(
        principal.tenant, agent_id=agent_id, flagged=growing_angrier, limit=limit, before=before)
    return [ContactOut.model_validate(row) for row in rows]


@router.get("/{conversation_id}", response_model=TranscriptOut,
            summary="One contact's redacted transcript with checks and sentiment")
async def get_transcript(conversation_id: str, principal: Reader, uow: Uow) -> TranscriptOut:
    repo = QARepository(uow.session)
    contact = await _visible_contact(repo, principal, conversation_id)
    messages = await repo.messages(principal.tenant, conversation_id)
    return TranscriptOut(
        **ContactOut.model_validate(contact).model_dump(),
        messages=[MessageOut.model_validate(m) for m in messages],
    )


async def _visible_contact(repo: QARepository, principal: Principal, conversation_id: str) -> Contact:
    contact = await repo.contact(principal.tenant, conversation_id)
    if contact is None or (_only_own(principal) and contact.agent_id != principal.subject):
        raise NotFound(f"no contact for conversation {conversation_id}")
    return contact
