"""Repeat-contact facts: 'the 3rd contact today, the last at 10:42, unresolved'.

'Today' is the calendar day in the customer's time zone, else the tenant's,
else UTC: a Beijing customer calling at 07:30 local time is not on yesterday's count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from switchboard.profile.domain.customers import start_of_local_day, zone_of
from switchboard.profile.models import Customer, TenantSettings
from switchboard.profile.repository import AnyRow, ProfileRepository


@dataclass(frozen=True)
class RepeatFacts:
    contacts_today: int
    contacts_7d: int
    last_contact_at: datetime | None
    last_channel: str | None
    last_unresolved: bool

    def sentence(self, zone_name: str | None) -> str:
        if self.last_contact_at is None:
            return "first contact"
        local = self.last_contact_at.astimezone(zone_of(zone_name))
        state = ", unresolved" if self.last_unresolved else ""
        return (f"{_ordinal(self.contacts_today)} contact today, the last at "
                f"{local:%H:%M} on {self.last_channel}{state}")


async def repeat_facts(
    repo: ProfileRepository, customer: Customer | AnyRow, settings: TenantSettings | None, now: datetime,
    *, counting_current: bool,
) -> RepeatFacts:
    """Facts about the customer's inbound contacts; `counting_current` adds the one being handled."""
    tenant = customer.tenant_id
    zone = zone_of(customer.time_zone, settings.time_zone if settings else None)
    extra = 1 if counting_current else 0
    today, week = await repo.inbound_counts(
        tenant, customer.id, start_of_local_day(now, zone), now - timedelta(days=7)
    )
    last = await repo.last_inbound(tenant, customer.id)
    if last is None:
        return RepeatFacts(today + extra, week + extra, None, None, False)
    return RepeatFacts(today + extra, week + extra, last.occurred_at, last.channel,
                       last.conversation_id is not None and not last.resolved)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
