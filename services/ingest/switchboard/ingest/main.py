"""Composition root of ingest: builds the runtime, the sender and the app; connects nothing at import."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.ingest.api import routers
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.models import backbone
from switchboard.ingest.outbound.sender import Sender


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    handlers = build_handlers(timedelta(hours=settings.sms_inactivity_hours))
    runtime = Runtime.build(settings, backbone, handlers)
    sender = Sender(runtime, settings)
    runtime.extras["sender"] = sender

    async def start_sender(_runtime: Runtime) -> None:
        sender.start()

    async def stop_sender(_runtime: Runtime) -> None:
        await sender.stop()

    return create_service_app(
        runtime,
        title="Switchboard ingest",
        description="Channels in and out: provider webhooks, web chat, outbound sending.",
        routers=routers,
        on_startup=start_sender,
        on_shutdown=stop_sender,
    )

