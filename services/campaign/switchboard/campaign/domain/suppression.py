"""Who must not be contacted now, and which rule says so (checked at list time and again at dial)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from switchboard.campaign.domain.contacts import ListedContact

WEEK = timedelta(days=7)
ABANDON_QUIET = timedelta(hours=72)


@dataclass(frozen=True)
class SuppressionPolicy:
    weekly_marketing_cap: int = 3
    complaint_quiet: timedelta = timedelta(days=30)


@dataclass
class ContactHistory:
    """What is known about a recipient from consent events and past attempts."""

    opted_out: bool = False
    do_not_contact: bool = False
    marketing_contacts: list[datetime] = field(default_factory=list)
    last_complaint_at: datetime | None = None
    last_abandoned_at: datetime | None = None


def suppression_reason(
    contact: ListedContact,
    history: ContactHistory,
    now: datetime,
    policy: SuppressionPolicy,
    *,
    marketing: bool = True,
    agent_reserved: bool = False,
    callback_owed: bool = False,
) -> str | None:
    """The rule that forbids contacting now, or None when the contact is allowed.

    A callback the customer was promised (or is owed after a complaint) is the customer's own
    request: the weekly cap and the complaint rest do not hold it back; consent always does.
    """
    if history.opted_out:
        return "consent"
    if history.do_not_contact:
        return "do_not_contact"
    capped = marketing and not callback_owed
    if capped and _contacts_this_week(history, now) >= policy.weekly_marketing_cap:
        return "frequency_cap"
    complained = history.last_complaint_at and now - history.last_complaint_at < policy.complaint_quiet
    if complained and not callback_owed:
        return "recent_complaint"
    recently_abandoned = (
        history.last_abandoned_at is not None and now - history.last_abandoned_at < ABANDON_QUIET
    )
    if recently_abandoned and not agent_reserved:
        return "abandoned_72h"
    return None


def _contacts_this_week(history: ContactHistory, now: datetime) -> int:
    return sum(1 for at in history.marketing_contacts if now - at < WEEK)
