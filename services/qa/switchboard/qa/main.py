"""Composition root of qa: builds the runtime and the app; connects nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings
from switchboard.qa.api import routers
from switchboard.qa.config import QASettings
from switchboard.qa.consumers import build_handlers
from switchboard.qa.models import backbone


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or QASettings()
    runtime = Runtime.build(settings, backbone, build_handlers())
    return create_service_app(
        runtime,
        title="Switchboard qa",
        description="Scorecards, evaluations, automatic checks, sentiment and agent KPIs.",
        routers=routers,
    )
