"""Composition root of ingest: builds the runtime and the app; connects nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings
from switchboard.ingest.api import routers
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.models import backbone


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    runtime = Runtime.build(settings, backbone, build_handlers())
    return create_service_app(
        runtime,
        title="Switchboard ingest",
        description="Channels in and out: provider webhooks, web chat, outbound sending.",
        routers=routers,
    )
