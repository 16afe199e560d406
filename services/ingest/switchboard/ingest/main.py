"""Composition root of ingest: builds the runtime, its workers and the app.

The workers (sender, inactivity sweep, SMTP listener) start and stop with the
app; nothing connects at import time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from switchboard.common.app import create_app as create_service_app
from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.runtime import Runtime
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.ingest.api import routers
from switchboard.ingest.api.webhooks import GENERIC_SMS_FAST
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.chat.limits import ChatLimits
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.inactivity import InactivitySweeper
from switchboard.ingest.inbound_batch import build_sms_intake
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
    url = settings.resolved_database_url()
    sms_thread = (ThreadedSqlite(url, settings.sqlite_synchronous, hold=runtime.engine)
                  if is_sqlite(normalize_url(url)) else None)
    sms_intake = build_sms_intake(runtime, timedelta(hours=settings.sms_inactivity_hours),
                                  settings.sms_batch_max, sms_thread)
    runtime.extras.update(sender=sender, chat_hub=chat_hub, chat_limits=ChatLimits.from_settings(settings),
                          sms_intake=sms_intake)

    async def start_workers(_runtime: Runtime) -> None:
        sender.start()
        sweeper.start()
        await smtp.start()

    async def stop_workers(_runtime: Runtime) -> None:
        await smtp.stop()
        await sweeper.stop()
        await sender.stop()
        await sms_intake.stop()
        if sms_thread is not None:
            sms_thread.close()

    app = create_service_app(
        runtime,
        title="Switchboard ingest",
        description="Channels in and out: provider webhooks, web chat, outbound sending.",
        routers=routers,
        on_startup=start_workers,
        on_shutdown=stop_workers,
        fast_routes=[GENERIC_SMS_FAST],
    )
    # The widget runs on the tenant's own web site: its calls to /v1/chat/* are cross-origin.
    # They carry the visitor's session token, never cookies, so no credentials are allowed.
    app.add_middleware(PathCORSMiddleware, path_prefix="/v1/chat/",
                       allow_origins=settings.chat_allowed_origins,
                       allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-Visitor-Token"],
                       max_age=600)
    return app


class PathCORSMiddleware(CORSMiddleware):
    """Starlette's CORS handling, for the paths under one prefix only."""

    def __init__(self, app: ASGIApp, path_prefix: str, **options: Any) -> None:
        super().__init__(app, **options)
        self._inner = app
        self._prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self._prefix):
            await super().__call__(scope, receive, send)
        else:
            await self._inner(scope, receive, send)

