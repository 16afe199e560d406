"""Composition root of campaign: builds the runtime, the scheduler and the app; connects nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from switchboard.campaign.api import routers
from switchboard.campaign.config import CampaignSettings
from switchboard.campaign.consumers import build_handlers
from switchboard.campaign.models import backbone
from switchboard.campaign.profile_client import ProfileClient
from switchboard.campaign.scheduler import Scheduler
from switchboard.campaign.segment_journeys import SegmentJourneys
from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or CampaignSettings()
    runtime = Runtime.build(settings, backbone, build_handlers())
    interval = getattr(settings, "scheduler_seconds", 1.0)
    batch = getattr(settings, "scheduler_batch", 200)
    scheduler = Scheduler(runtime, interval=interval, batch=batch)
    runtime.extras["scheduler"] = scheduler
    profile = ProfileClient(settings, getattr(settings, "profile_url", "http://127.0.0.1:8102"))
    segment_journeys = SegmentJourneys(runtime, profile,
                                       interval=getattr(settings, "segment_journey_seconds", 3600.0))
    runtime.extras["segment_journeys"] = segment_journeys
    runtime.extras["profile"] = profile

    async def start_scheduler(_runtime: Runtime) -> None:
        scheduler.start()
        segment_journeys.start()

    async def stop_scheduler(_runtime: Runtime) -> None:
        await segment_journeys.stop()
        await scheduler.stop()

    return create_service_app(
        runtime,
        title="Switchboard campaign",
        description="Outbound dialing, blasts, surveys, callbacks and journeys.",
        routers=routers,
        on_startup=start_scheduler,
        on_shutdown=stop_scheduler,
    )
