"""Journeys fed by a profile segment: birthday greetings and retention outreach.

Profile decides who is in a rule-based segment (`birthday_today`, `churn_risk`) but publishes no
event when the calendar moves a customer into one, so every `CAMPAIGN_SEGMENT_JOURNEY_SECONDS`
(an hour) each running journey with a `journey_segment` reads that segment's members from
profile's API and adds each member campaign has a number for, once:

- `birthday`: once per customer per year, on their birthday in their own zone (profile's zone for
  them, else their number's): due from its first minute, closed as `too_late` at its end, so the
  greeting goes inside the calling window and quiet hours of that day or not at all;
- `churn_risk`: once per customer per ISO week, the same key the `churn_risk` tag event uses.

The scheduler then sends them like every journey contact: consent at the moment of contact, the
journey's cap, the template in the customer's language.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from switchboard.campaign.domain.birthdays import greeting_day
from switchboard.campaign.domain.zones import zones_of_number
from switchboard.campaign.models import Contact
from switchboard.campaign.profile_client import ProfileClient, SegmentMember
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.runtime import Runtime

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class SegmentJourneys:
    def __init__(self, runtime: Runtime, profile: ProfileClient, *, interval: float,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._runtime, self._profile, self._interval, self._clock = runtime, profile, interval, clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="campaign-segment-journeys")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._profile.close()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # campaign's own database: the next round tries again
                log.exception("segment journeys pass failed")
            await asyncio.sleep(self._interval)

    async def run_once(self) -> int:
        """Read each journey's segment and add its new members; how many contacts were added."""
        async with self._runtime.unit_of_work() as uow:
            journeys = await CampaignRepository(uow.session).segment_journeys()
        added = 0
        for tenant, journey_id, trigger, segment in journeys:
            try:  # one journey's failure (its segment gone, no token for its tenant) stops no other
                members = [m async for m in self._profile.segment_members(tenant, segment) if m.phone]
                added += await self._add(tenant, journey_id, trigger, members)
            except Exception:
                log.exception("segment journey round failed", extra={"fields": {
                    "tenant": tenant, "journey": journey_id, "segment": segment}})
        return added

    async def _add(self, tenant: str, journey_id: str, trigger: str, members: list[SegmentMember]) -> int:
        now, added = self._clock(), 0
        wanted = [(m, await self._timing(tenant, trigger, m, now)) for m in members]
        async with self._runtime.unit_of_work() as uow:
            uow.scope_to(tenant)
            repo = CampaignRepository(uow.session)
            for member, timing in wanted:
                if timing is None or member.phone is None:
                    continue
                key, due, not_after, zones = timing
                if await repo.journey_contact(tenant, journey_id, member.phone, key):
                    continue
                repo.add(Contact(
                    id=str(uuid.uuid4()), tenant_id=tenant, campaign_id=journey_id, list_id=None,
                    address=member.phone, dedupe_key=key, zones=zones, customer_id=member.customer_id,
                    language=member.language, fields={"name": member.name or "", "tier": member.tier},
                    priority=0, value=0.0, status="pending", attempts_made=0, next_attempt_at=due,
                    not_after=not_after, converted=False, created_at=now,
                ))
                added += 1
            await uow.commit()
        return added

    async def _timing(self, tenant: str, trigger: str, member: SegmentMember,
                      now: datetime) -> tuple[str, datetime, datetime | None, str] | None:
        """(dedupe key, due, not after, zones) for the member, or None when not to be contacted now."""
        assert member.phone is not None
        zones = member.time_zone or " ".join(z.key for z in zones_of_number(member.phone))
        if trigger == "churn_risk":
            year, week, _ = now.isocalendar()
            return f"churn:{member.customer_id}:{year}-{week}", now, None, zones
        if trigger != "birthday" or not zones:
            return None
        birthday = await self._profile.birthday(tenant, member.customer_id)
        day = greeting_day(birthday, now, ZoneInfo(zones.split()[0])) if birthday else None
        if day is None:
            return None  # no birthday known, or not near it in the customer's own zone
        date, start, end = day
        return f"birthday:{member.customer_id}:{date.year}", max(start, now), end, zones
