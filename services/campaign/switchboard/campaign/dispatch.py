"""One scheduling pass over one campaign: pick due contacts, check them at the moment of contact,
and request the attempts that are allowed, each with the rule that allowed it.

A contact that may not be reached now is given the time it may be (window, cap, 72 h rule);
one that may never be (consent, no window left) is closed with the reason. Everything of a
pass commits in the caller's one transaction, attempts and their outbox events together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from switchboard.campaign.domain.suppression import (
    ABANDON_QUIET,
    WEEK,
    ContactHistory,
    suppression_reason,
)
from switchboard.campaign.domain.templates import render
from switchboard.campaign.domain.windows import next_allowed_in_all_zones
from switchboard.campaign.models import Attempt, Campaign, Contact
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import listed, schedule_of, suppression_policy_of, zones_of
from switchboard.common.events.campaign import AttemptRequested
from switchboard.common.uow import UnitOfWork

PERMANENT = frozenset({"consent", "do_not_contact"})
DO_NOT_CONTACT = "dnc"  # the consent purpose a do-not-call disposition records: every purpose, for good


@dataclass
class PassResult:
    requested: int = 0
    deferred: int = 0
    closed: int = 0


async def history_of(repo: CampaignRepository, campaign: Campaign, contact: Contact,
                     now: datetime) -> ContactHistory:
    tenant = campaign.tenant_id
    consent = await repo.consent(tenant, campaign.channel, contact.address)
    revoked = {c.purpose for c in consent if not c.granted}
    history = ContactHistory(
        opted_out=bool(revoked & {campaign.purpose, "all"}),
        do_not_contact=DO_NOT_CONTACT in revoked,
    )
    if campaign.kind == "journey":  # a journey's cap counts its own sends, whatever their purpose
        history.marketing_contacts = await repo.sends_since(tenant, contact.address, now - WEEK,
                                                            campaign_id=campaign.id)
    elif campaign.purpose == "marketing":
        history.marketing_contacts = await repo.sends_since(tenant, contact.address, now - WEEK)
    if campaign.channel == "voice":
        history.last_abandoned_at = await repo.last_abandoned_at(tenant, contact.address)
    return history


def _deferred_until(reason: str, history: ContactHistory, now: datetime) -> datetime:
    if reason == "frequency_cap" and history.marketing_contacts:
        return min(history.marketing_contacts) + WEEK
    if reason == "abandoned_72h" and history.last_abandoned_at:
        return history.last_abandoned_at + ABANDON_QUIET
    return now + timedelta(days=1)


async def check_contact(repo: CampaignRepository, campaign: Campaign, contact: Contact,
                        now: datetime, result: PassResult) -> str | None:
    """The rule that allows contacting now, or None after deferring or closing the contact."""
    history = await history_of(repo, campaign, contact, now)
    reason = suppression_reason(
        listed(contact), history, now, suppression_policy_of(campaign),
        marketing=campaign.purpose == "marketing" or campaign.kind == "journey",
        agent_reserved=contact.callback_agent_id is not None,
    )
    if reason in PERMANENT:
        contact.status, contact.suppressed_reason, contact.next_attempt_at = "suppressed", reason, None
        result.closed += 1
        return None
    if reason is not None:
        contact.next_attempt_at = _deferred_until(reason, history, now)
        contact.suppressed_reason = reason  # why it waits; cleared when it is contacted
        result.deferred += 1
        return None
    zones = zones_of(contact, campaign)
    allowed_at = next_allowed_in_all_zones(schedule_of(campaign.schedule), now, zones)
    if allowed_at is None:
        contact.status, contact.next_attempt_at = "expired", None
        contact.suppressed_reason = "no_window" if zones else "unknown_time_zone"
        result.closed += 1
        return None
    if allowed_at > now:
        contact.next_attempt_at = allowed_at
        result.deferred += 1
        return None
    window = campaign.schedule["window"]
    used = len(history.marketing_contacts) + 1
    return (f"window {window[0]}-{window[1]} {'/'.join(z.key for z in zones)}; consent ok; "
            f"cap {used}/{campaign.weekly_cap}; attempt {contact.attempts_made + 1}/{campaign.max_attempts}")


async def request_attempt(uow: UnitOfWork, campaign: Campaign, contact: Contact,
                          allowed_by: str, now: datetime) -> Attempt:
    attempt = Attempt(
        id=str(uuid.uuid4()), tenant_id=campaign.tenant_id, campaign_id=campaign.id,
        contact_id=contact.id, number=contact.attempts_made + 1, channel=campaign.channel,
        address=contact.address, purpose=campaign.purpose, allowed_by=allowed_by,
        status="requested", requested_at=now, conversation_id=None,
        agent_id=contact.callback_agent_id,
    )
    repo = CampaignRepository(uow.session)
    repo.add(attempt)
    await repo.flush()  # the next contact's cap check in this same pass must count this send
    contact.status, contact.attempts_made = "in_progress", contact.attempts_made + 1
    contact.next_attempt_at, contact.suppressed_reason = None, None
    record = {**contact.fields, "phone": contact.address, "email": contact.address}
    text = render(campaign.message_template, record) if campaign.message_template else None
    await uow.emit(
        AttemptRequested(
            attempt_id=attempt.id, campaign_id=campaign.id, channel=campaign.channel,  # type: ignore[arg-type]
            to_address=contact.address, text=text, subject=campaign.email_subject,
            purpose=campaign.purpose, customer_id=contact.customer_id,  # type: ignore[arg-type]
            allowed_by=allowed_by,
        ),
        tenant=campaign.tenant_id, subject=contact.id,
    )
    return attempt


async def dispatch_campaign(uow: UnitOfWork, campaign: Campaign, now: datetime, limit: int) -> PassResult:
    """Request up to `limit` attempts for the campaign's due contacts (the caller commits)."""
    repo = CampaignRepository(uow.session)
    result = PassResult()
    if limit <= 0:
        return result
    for contact in await repo.due_contacts(campaign.tenant_id, campaign.id, now, limit):
        allowed_by = await check_contact(repo, campaign, contact, now, result)
        if allowed_by is not None:
            await request_attempt(uow, campaign, contact, allowed_by, now)
            result.requested += 1
    return result
