"""Composition root of qa: builds the runtime and the app; connects nothing at import."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings
from switchboard.qa.api import routers
from switchboard.qa.config import QASettings
from switchboard.qa.consumers import build_handlers
from switchboard.qa.domain import sentiment
from switchboard.qa.models import backbone


async def warm_up_sentiment(_runtime: Runtime) -> None:
    """Load the language models beside start-up, so the first message does not wait for them."""
    task = asyncio.create_task(asyncio.to_thread(sentiment.warm_up))
    _background.add(task)
    task.add_done_callback(_background.discard)


_background: set[asyncio.Task[None]] = set()  # held so the task is not collected mid-run


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or QASettings()
    runtime = Runtime.build(settings, backbone, build_handlers())
    return create_service_app(
        runtime,
        title="Switchboard qa",
        description="Scorecards, evaluations, automatic checks, sentiment and agent KPIs.",
        routers=routers,
        on_startup=warm_up_sentiment,
    )
