"""Composition root of ingest: builds the runtime, its workers and the app.

The workers (sender, inactivity sweep, SMTP listener) start and stop with the
app; nothing connects at import time."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.ingest.api import routers
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.chat.limits import ChatLimits
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.inactivity import InactivitySweeper
from switchboard.ingest.mail.smtp import SmtpListener
from switchboard.ingest.models import backbone
from switchboard.ingest.outbound.sender import Sender


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    handlers = build_handlers(timedelta(hours=settings.sms_inactivity_hours))
    runtime = Runtime.build(settings, backbone, handlers)
    chat_hub = ChatHub()
    sender = Sender(runtime, settings, chat_hub)
    sweeper = InactivitySweeper(runtime, settings, chat_hub)
    smtp = SmtpListener(runtime, settings)
    runtime.extras.update(sender=sender, chat_hub=chat_hub, chat_limits=ChatLimits.from_settings(settings))

    async def start_workers(_runtime: Runtime) -> None:
        sender.start()
        sweeper.start()
        await smtp.start()

    async def stop_workers(_runtime: Runtime) -> None:
        await smtp.stop()
        await sweeper.stop()
        await sender.stop()

    return create_service_app(
        runtime,
        title="Switchboard ingest",
        description="Channels in and out: provider webhooks, web chat, outbound sending.",
        routers=routers,
        on_startup=start_workers,
        on_shutdown=stop_workers,
    )

