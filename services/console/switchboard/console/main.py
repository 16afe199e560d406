"""Composition root of the console: pages, the session and the API proxy; no database, no bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

import httpx
from fastapi import APIRouter, FastAPI, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from switchboard.common.app import install_http_basics
from switchboard.common.auth import TokenVerifier
from switchboard.common.logging import configure_logging
from switchboard.console import pages, proxy, session
from switchboard.console.config import ConsoleSettings


def _operations_router() -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    @router.get("/readyz", summary="Readiness: the console needs nothing but itself")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "console"}

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    configure_logging(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None)) as client:
            app.state.http = client
            yield

    app = FastAPI(title="Switchboard console", version="0.1.0", lifespan=lifespan,
                  description="Screens for agents, supervisors, admins and evaluators.")
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    install_http_basics(app, settings.service_name)
    app.include_router(_operations_router())
    app.include_router(session.router)
    app.include_router(proxy.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(files("switchboard.console").joinpath("static"))),
              name="static")
    return app
