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
from zoneinfo import ZoneInfo

from switchboard.campaign.domain.pacing import MIN_RING_SECONDS
from switchboard.campaign.domain.suppression import (
    ABANDON_QUIET,
    WEEK,
    ContactHistory,
    SuppressionPolicy,
    suppression_reason,
)
from switchboard.campaign.domain.templates import render
from switchboard.campaign.domain.windows import allowed_until_in_all_zones, next_allowed_in_all_zones
from switchboard.campaign.models import Attempt, Campaign, Contact
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import Rules, listed, rules_for, template_for, zones_of
from switchboard.common.events.base import Payload
from switchboard.common.events.campaign import AttemptRequested
from switchboard.common.uow import UnitOfWork

PERMANENT = frozenset({"consent", "do_not_contact"})
RING_SECONDS = MIN_RING_SECONDS + 5.0  # above the 15 s floor, as the simulation assumes
DO_NOT_CONTACT = "dnc"  # the consent purpose a do-not-call disposition records: every purpose, for good


@dataclass
class PassResult:
    requested: int = 0
    deferred: int = 0
    closed: int = 0


async def histories_of(repo: CampaignRepository, campaign: Campaign, addresses: list[str],
                       now: datetime) -> dict[str, ContactHistory]:
    """What is known about each address, in a few queries for the whole batch."""
    tenant = campaign.tenant_id
    revoked: dict[str, set[str]] = {}
    for address, purpose in await repo.revoked_purposes(tenant, campaign.channel, addresses):
        revoked.setdefault(address, set()).add(purpose)
    if campaign.kind == "journey":  # a journey's cap counts its own sends, whatever their purpose
        sends = await repo.sends_since_for(tenant, addresses, now - WEEK, campaign_id=campaign.id)
    elif campaign.purpose == "marketing":
        sends = await repo.sends_since_for(tenant, addresses, now - WEEK)
    else:
        sends = {}
    abandoned = await repo.last_abandoned_for(tenant, addresses) if campaign.channel == "voice" else {}
    complaints = await repo.last_complaint_for(tenant, addresses) if campaign.purpose == "marketing" else {}
    # a survey also asks the customer's consent to surveys (profile keeps it as its own purpose)
    refused = {campaign.purpose, "all"} | ({"survey"} if campaign.survey_kind else set())
    return {
        address: ContactHistory(
            opted_out=bool(revoked.get(address, set()) & refused),
            do_not_contact=DO_NOT_CONTACT in revoked.get(address, set()),
            marketing_contacts=sends.get(address, []),
            last_abandoned_at=abandoned.get(address),
            last_complaint_at=complaints.get(address),
        )
        for address in addresses
    }


def _deferred_until(reason: str, history: ContactHistory, now: datetime) -> datetime:
    if reason == "frequency_cap" and history.marketing_contacts:
        return min(history.marketing_contacts) + WEEK
    if reason == "abandoned_72h" and history.last_abandoned_at:
        return history.last_abandoned_at + ABANDON_QUIET
    if reason == "recent_complaint" and history.last_complaint_at:
        return history.last_complaint_at + SuppressionPolicy().complaint_quiet
    return now + timedelta(days=1)


async def check_one(repo: CampaignRepository, campaign: Campaign, contact: Contact,
                    now: datetime) -> str | None:
    rules = rules_for(campaign, await repo.tenant_settings(campaign.tenant_id))
    histories = await histories_of(repo, campaign, [contact.address], now)
    return check_contact(campaign, rules, contact, histories[contact.address], now, PassResult())


def check_contact(campaign: Campaign, rules: Rules, contact: Contact, history: ContactHistory,
                  now: datetime, result: PassResult) -> str | None:
    """The rule that allows contacting now, or None after deferring or closing the contact."""
    reason = suppression_reason(
        listed(contact), history, now, rules.policy,
        marketing=campaign.purpose == "marketing" or campaign.kind == "journey",
        # a preview dial is placed by the agent who will speak: nobody hears an abandoned call
        agent_reserved=contact.callback_agent_id is not None or campaign.kind == "preview",
        callback_owed=contact.callback_due is not None and contact.callback_due <= now,
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
    allowed_at = next_allowed_in_all_zones(rules.schedule, now, zones)
    if allowed_at is None or (contact.not_after is not None and allowed_at >= contact.not_after):
        contact.status, contact.next_attempt_at = "expired", None
        contact.suppressed_reason = ("unknown_time_zone" if not zones else
                                     "no_window" if allowed_at is None else "too_late")
        result.closed += 1
        return None
    if allowed_at > now:
        contact.next_attempt_at = allowed_at
        result.deferred += 1
        return None
    return _allowed_by(campaign, rules, contact, history, zones, now)


def _allowed_by(campaign: Campaign, rules: Rules, contact: Contact, history: ContactHistory,
                zones: list[ZoneInfo], now: datetime) -> str:
    """The rules that let this contact be reached now, as recorded on the attempt."""
    window = campaign.schedule["window"]
    if contact.callback_due is not None and contact.callback_due <= now:
        cap = f"callback due {contact.callback_due:%Y-%m-%d %H:%M} UTC (no cap)"
    else:
        cap = f"cap {len(history.marketing_contacts) + 1}/{rules.policy.weekly_marketing_cap}"
    rule = (f"window {window[0]}-{window[1]} {'/'.join(z.key for z in zones)}; consent ok; {cap}; "
            f"attempt {contact.attempts_made + 1}/{campaign.max_attempts}")
    if history.last_abandoned_at is not None and now - history.last_abandoned_at < ABANDON_QUIET:
        rule += "; abandoned <72 h: agent reserved"
    return rule


def prepare_attempt(repo: CampaignRepository, campaign: Campaign, rules: Rules, contact: Contact,
                    allowed_by: str, now: datetime) -> tuple[Attempt, AttemptRequested]:
    """The attempt row (added to the session) and the event that asks ingest to make it, by the
    end of the span that allows it (`not_after`): a request the bus or ingest holds past the
    window's end is refused as expired, never made late."""
    attempt = Attempt(
        id=str(uuid.uuid4()), tenant_id=campaign.tenant_id, campaign_id=campaign.id,
        contact_id=contact.id, number=contact.attempts_made + 1, channel=campaign.channel,
        address=contact.address, purpose=campaign.purpose, allowed_by=allowed_by,
        status="requested", requested_at=now, agent_id=contact.callback_agent_id,
    )
    repo.add(attempt)
    contact.status, contact.attempts_made = "in_progress", contact.attempts_made + 1
    contact.next_attempt_at, contact.suppressed_reason = None, None
    record = {**contact.fields, "phone": contact.address, "email": contact.address}
    template = template_for(campaign, contact.language)
    text = render(template, record) if template else None
    event = AttemptRequested(
        attempt_id=attempt.id, campaign_id=campaign.id, channel=campaign.channel,  # type: ignore[arg-type]
        to_address=contact.address, text=text, subject=campaign.email_subject,
        purpose=campaign.purpose, customer_id=contact.customer_id,  # type: ignore[arg-type]
        allowed_by=allowed_by,
        information_message=rules.information_message if campaign.channel == "voice" else None,
        ring_seconds=RING_SECONDS if campaign.channel == "voice" else None,
        survey_kind=campaign.survey_kind,  # type: ignore[arg-type]
        not_after=_send_by(rules, contact, campaign, now),
    )
    return attempt, event


def _send_by(rules: Rules, contact: Contact, campaign: Campaign, now: datetime) -> datetime | None:
    """The end of the span that allows the attempt, or the contact's own deadline if sooner."""
    until = allowed_until_in_all_zones(rules.schedule, now, zones_of(contact, campaign))
    if contact.not_after is None:
        return until
    return contact.not_after if until is None else min(until, contact.not_after)


async def request_attempt(uow: UnitOfWork, campaign: Campaign, contact: Contact,
                          allowed_by: str, now: datetime) -> Attempt:
    repo = CampaignRepository(uow.session)
    rules = rules_for(campaign, await repo.tenant_settings(campaign.tenant_id))
    attempt, event = prepare_attempt(repo, campaign, rules, contact, allowed_by, now)
    await uow.emit(event, tenant=campaign.tenant_id, subject=contact.id)
    return attempt


async def dispatch_campaign(uow: UnitOfWork, campaign: Campaign, now: datetime, limit: int) -> PassResult:
    """Request up to `limit` attempts for the campaign's due contacts (the caller commits)."""
    repo = CampaignRepository(uow.session)
    result = PassResult()
    if limit <= 0:
        return result
    rules = rules_for(campaign, await repo.tenant_settings(campaign.tenant_id))
    due = await repo.due_contacts(campaign.tenant_id, campaign.id, now, limit)
    histories = await histories_of(repo, campaign, sorted({c.address for c in due}), now)
    events: list[tuple[Payload, str | None]] = []
    for contact in due:
        history = histories[contact.address]
        allowed_by = check_contact(campaign, rules, contact, history, now, result)
        if allowed_by is not None:
            _, event = prepare_attempt(repo, campaign, rules, contact, allowed_by, now)
            events.append((event, contact.id))
            history.marketing_contacts.append(now)  # the next contact to this address in the pass
    await uow.emit_all(events, tenant=campaign.tenant_id)  # one statement for the pass's events
    result.requested = len(events)
    return result
