"""The scheduler loop: every few seconds, one pass per running campaign, each in its own transaction.

Messages go out in batches; voice campaigns dial as many as their pacing allows against the
agents routing last reported free. Replicas may all run the loop: a pass locks its campaign
row (PostgreSQL) or the database (SQLite), and due contacts are taken with SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from switchboard.campaign.dispatch import PassResult, dispatch_campaign
from switchboard.campaign.domain.pacing import FloorState, PredictivePacer, progressive_dials
from switchboard.campaign.models import Campaign
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.runtime import Runtime

log = logging.getLogger(__name__)
VOICE_PACED = ("progressive", "predictive")
RING_LIMIT = timedelta(minutes=2)  # a call not reported on by then no longer holds an agent back
TALK_LIMIT = timedelta(hours=1)  # an answered call not reported ended by then no longer counts as talk


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(self, runtime: Runtime, *, interval: float, batch: int,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._runtime = runtime
        self._interval = interval
        self._batch = batch
        self._clock = clock
        # Each replica's pacer learns from the answered calls it has not seen yet (by end time).
        self._pacers: dict[str, PredictivePacer] = {}
        self._answers_seen: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="campaign-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed pass is retried on the next tick; nothing half-committed
                log.exception("scheduler pass failed")
            await asyncio.sleep(self._interval)

    async def run_once(self) -> PassResult:
        total = PassResult()
        async with self._runtime.unit_of_work() as uow:
            running = await CampaignRepository(uow.session).running_campaigns()
        for tenant, campaign_id in running:
            result = await self.run_campaign(tenant, campaign_id)
            total.requested += result.requested
            total.deferred += result.deferred
            total.closed += result.closed
        return total

    async def run_campaign(self, tenant: str, campaign_id: str) -> PassResult:
        now = self._clock()
        async with self._runtime.unit_of_work() as uow:
            uow.scope_to(tenant)
            repo = CampaignRepository(uow.session)
            campaign = await repo.campaign(tenant, campaign_id, lock=True)
            if campaign is None or campaign.status != "running":
                return PassResult()
            limit = await self.allowed_dials(repo, campaign, now)
            result = await dispatch_campaign(uow, campaign, now, limit)
            if result.requested == 0 and campaign.kind not in ("journey", "preview"):
                await _complete_when_done(repo, campaign, now)
            await uow.commit()
        if result.requested:
            log.info("attempts requested", extra={"fields": {
                "campaign_id": campaign_id, "requested": result.requested,
                "deferred": result.deferred, "closed": result.closed}})
        return result

    async def allowed_dials(self, repo: CampaignRepository, campaign: Campaign, now: datetime) -> int:
        """How many attempts this pass may request: a batch for messages, the pacing for calls."""
        if campaign.kind not in VOICE_PACED:
            return self._batch
        tenant = campaign.tenant_id
        availability = await repo.availability(tenant, campaign.queue_id or "")
        free = availability.available + availability.blended if availability else 0
        # Agents on this campaign's answered calls free up at the rate the measured talk time says.
        floor = FloorState(free_agents=free,
                           busy_agents=await repo.in_talk(tenant, campaign.id, now - TALK_LIMIT),
                           calls_in_flight=await repo.in_flight(tenant, campaign.id, now - RING_LIMIT))
        settings = await repo.tenant_settings(tenant)
        if campaign.kind == "progressive" or settings is None or not settings.information_message:
            # Dialling ahead may abandon calls, and an abandoned call must hear who called: without
            # the tenant's information message the dialer stays progressive.
            return min(self._batch, progressive_dials(floor))
        pacer = self._pacers.setdefault(campaign.id, PredictivePacer())
        seen = self._answers_seen.get(campaign.id)
        for ended_at, abandoned in await repo.answered_calls_since(tenant, campaign.id, seen):
            pacer.observe_answer(abandoned)
            self._answers_seen[campaign.id] = ended_at
        answer_rate, handle_seconds = await repo.call_rates(tenant, campaign.id)
        if answer_rate is not None:
            pacer.observe_rates(answer_rate, handle_seconds or pacer.handle_seconds)
        return min(self._batch, pacer.dials(floor))


async def _complete_when_done(repo: CampaignRepository, campaign: Campaign, now: datetime) -> None:
    counts = await repo.count_contacts(campaign.tenant_id, campaign.id)
    if counts and counts.get("pending", 0) + counts.get("in_progress", 0) == 0:
        campaign.status, campaign.ended_at, campaign.updated_at = "completed", now, now
