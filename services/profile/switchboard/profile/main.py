"""Composition root of profile: builds the runtime and the app; connects nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings
from switchboard.profile.api import routers
from switchboard.profile.config import ProfileSettings
from switchboard.profile.consumers import build_handlers
from switchboard.profile.models import backbone
from switchboard.profile.sqlite_reader import reader_for


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ProfileSettings()
    runtime = Runtime.build(settings, backbone, build_handlers())
    runtime.extras["sqlite_reader"] = reader_for(
        settings.resolved_database_url(), settings.sqlite_synchronous, hold=runtime.engine,
        writer=runtime.consumer.batch_writer,
    )
    return create_service_app(
        runtime,
        title="Switchboard profile",
        description="One customer across every channel: identity, screen pop, consent, timeline.",
        routers=routers,
    )
