"""What an attempt's outcome and an agent's disposition do to the contact: done, retry, call back, stop."""

from __future__ import annotations

import uuid
from datetime import datetime

from switchboard.campaign.domain.dispositions import Effect, next_step
from switchboard.campaign.domain.retries import FINAL_OUTCOMES, Outcome
from switchboard.campaign.models import Attempt, Callback, Campaign, Consent, Contact
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import disposition_codes_of, retry_policy_of
from switchboard.common.events.campaign import (
    AttemptCompleted,
    AttemptDispositioned,
    CallbackScheduled,
)
from switchboard.common.uow import UnitOfWork

CLOSED_STATUSES = frozenset({"suppressed", "expired"})
EXPIRED = "expired"  # an attempt ingest received past its `not_after`: nothing was sent


def _is_latest(contact: Contact, attempt: Attempt) -> bool:
    return attempt.number == contact.attempts_made


async def record_outcome(uow: UnitOfWork, campaign: Campaign, contact: Contact, attempt: Attempt,
                         outcome: Outcome, at: datetime) -> None:
    """End the attempt; the contact is done, tried again per the retry rules, or exhausted."""
    if attempt.outcome == outcome:
        return  # the same report twice (e.g. a provider's repeated receipt)
    attempt.status, attempt.outcome, attempt.ended_at = "ended", outcome.value, at
    if outcome is Outcome.CONNECTED:
        await _callback_made(CampaignRepository(uow.session), contact, attempt, at)
    if _is_latest(contact, attempt) and contact.status not in CLOSED_STATUSES and not contact.converted:
        contact.last_outcome = outcome.value
        # An agent who disposed before the call's end was reported has already chosen the next step.
        if attempt.disposition is None:
            retry_at = retry_policy_of(campaign).next_attempt_after(outcome, contact.attempts_made, at)
            if outcome in FINAL_OUTCOMES:
                contact.status, contact.next_attempt_at = "done", None
            elif retry_at is None:
                contact.status, contact.next_attempt_at = "exhausted", None
            else:
                contact.status, contact.next_attempt_at = "pending", retry_at
    await uow.emit(
        AttemptCompleted(attempt_id=attempt.id, campaign_id=campaign.id, customer_id=contact.customer_id,
                         outcome=outcome.value, agent_id=attempt.agent_id, at=at),
        tenant=campaign.tenant_id, subject=contact.id,
    )


async def _callback_made(repo: CampaignRepository, contact: Contact, attempt: Attempt, at: datetime) -> None:
    """A connected call made when a promised callback was due fulfils it: the callback is done (on
    time or not, against its deadline) and the contact no longer jumps the queue."""
    if contact.callback_due is None or contact.callback_due > attempt.requested_at:
        return
    await repo.complete_callbacks(contact.tenant_id, contact_id=contact.id, due_by=attempt.requested_at,
                                  at=at)
    contact.callback_due, contact.callback_agent_id = None, None


async def record_expired(uow: UnitOfWork, campaign: Campaign, contact: Contact, attempt: Attempt,
                         at: datetime) -> None:
    """Ingest got the request after the window that allowed it had closed and sent nothing: the
    attempt does not count against the contact's attempts or cap, who is tried in a later window."""
    if attempt.outcome == EXPIRED:
        return
    attempt.status, attempt.outcome, attempt.ended_at = "ended", EXPIRED, at
    if _is_latest(contact, attempt) and contact.status == "in_progress":
        contact.attempts_made -= 1
        # the scheduler defers it to the next instant its window allows
        contact.status, contact.next_attempt_at, contact.last_outcome = "pending", at, EXPIRED
    await uow.emit(
        AttemptCompleted(attempt_id=attempt.id, campaign_id=campaign.id, customer_id=contact.customer_id,
                         outcome=EXPIRED, at=at),
        tenant=campaign.tenant_id, subject=contact.id,
    )


def record_sent(contact: Contact, attempt: Attempt) -> None:
    """Handed to the provider: the contact is reached unless a failed receipt follows."""
    if attempt.status != "requested":
        return
    attempt.status = "sent"
    if _is_latest(contact, attempt) and contact.status == "in_progress":
        contact.status, contact.last_outcome = "done", "sent"


async def record_disposition(uow: UnitOfWork, campaign: Campaign, contact: Contact, attempt: Attempt,
                             code: str, agent_id: str, at: datetime,
                             callback_at: datetime | None, notes: str | None) -> Effect:
    """Apply the agent's disposition (BadDisposition when the code or callback time is wrong)."""
    step = next_step(disposition_codes_of(campaign), code, at, callback_at)
    repo = CampaignRepository(uow.session)
    attempt.disposition, attempt.disposition_notes, attempt.agent_id = code, notes, agent_id
    if step.effect is Effect.CONVERTED:
        contact.converted, contact.status, contact.next_attempt_at = True, "done", None
    elif step.effect is Effect.CALLBACK and step.callback_due is not None:
        contact.status, contact.next_attempt_at = "pending", step.callback_due
        contact.callback_due, contact.callback_agent_id = step.callback_due, agent_id
        await schedule_callback(
            uow, campaign.tenant_id, reason="complaint" if step.callback_deadline else "promised",
            address=contact.address, due_at=step.callback_due, deadline_at=step.callback_deadline,
            at=at, campaign_id=campaign.id, contact_id=contact.id, customer_id=contact.customer_id,
            agent_id=agent_id,
        )
    elif step.effect is Effect.DO_NOT_CALL:
        contact.status, contact.next_attempt_at = "suppressed", None
        contact.suppressed_reason = "do_not_contact"
        await revoke_consent(repo, campaign.tenant_id, campaign.channel, contact.address, "dnc",
                             f"disposition:{code}", at)
    else:
        contact.status, contact.next_attempt_at = "done", None
    await uow.emit(
        AttemptDispositioned(
            attempt_id=attempt.id, campaign_id=campaign.id, customer_id=contact.customer_id,
            disposition=code, effect=step.effect.value, agent_id=agent_id,
            callback_at=step.callback_due if step.effect is Effect.CALLBACK else None,
            channel=campaign.channel if step.effect is Effect.DO_NOT_CALL else None,  # type: ignore[arg-type]
            address=contact.address if step.effect is Effect.DO_NOT_CALL else None, at=at,
        ),
        tenant=campaign.tenant_id, subject=contact.id,
    )
    return step.effect


async def revoke_consent(repo: CampaignRepository, tenant: str, channel: str, address: str,
                         purpose: str, source: str, at: datetime, granted: bool = False) -> None:
    row = await repo.consent_row(tenant, channel, address, purpose)
    if row is None:
        repo.add(Consent(id=str(uuid.uuid4()), tenant_id=tenant, channel=channel, address=address,
                         purpose=purpose, granted=granted, source=source, updated_at=at))
    elif row.updated_at <= at:  # an older event arriving late never undoes a newer one
        row.granted, row.source, row.updated_at = granted, source, at


async def schedule_callback(uow: UnitOfWork, tenant: str, *, reason: str, address: str,
                            due_at: datetime, deadline_at: datetime | None, at: datetime,
                            campaign_id: str | None = None, contact_id: str | None = None,
                            customer_id: str | None = None, agent_id: str | None = None) -> Callback:
    callback = Callback(
        id=str(uuid.uuid4()), tenant_id=tenant, campaign_id=campaign_id, contact_id=contact_id,
        address=address, customer_id=customer_id, reason=reason, agent_id=agent_id, due_at=due_at,
        deadline_at=deadline_at, status="pending", created_at=at,
    )
    CampaignRepository(uow.session).add(callback)
    await uow.emit(
        CallbackScheduled(callback_id=callback.id, campaign_id=campaign_id, customer_id=customer_id,
                          reason=reason, agent_id=agent_id, due_at=due_at,  # type: ignore[arg-type]
                          deadline_at=deadline_at),
        tenant=tenant, subject=callback.id,
    )
    return callback
