"""Composition root of routing: builds the runtime and the app; connects nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings
from switchboard.routing.api import routers
from switchboard.routing.config import RoutingSettings
from switchboard.routing.consumers import build_handlers
from switchboard.routing.models import backbone


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    runtime = Runtime.build(settings, backbone, build_handlers())
    return create_service_app(
        runtime,
        title="Switchboard routing",
        description="The ACD: skills, queues, agent states, statistics, staffing.",
        routers=routers,
    )
