"""The FastAPI app factory every service uses.

It adds what every service has and nobody should write twice: `/healthz`,
`/readyz` (database and bus), `/metrics`, the dead-letter API, problem+json
errors, request/correlation ids and W3C trace context, and a lifespan that
starts and stops the service's runtime.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchboard.common import deadletters
from switchboard.common.errors import PROBLEM_JSON, Problem
from switchboard.common.logging import configure_logging
from switchboard.common.runtime import Runtime
from switchboard.common.tracing import continue_trace, correlation_id_var, request_id_var, traceparent_var

log = logging.getLogger(__name__)

REQUESTS = Counter("sb_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("sb_http_request_seconds", "HTTP request latency", ["service", "method", "route"])

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Payload too large",
           415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests"}


def problem_response(status: int, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
            "instance": instance, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def create_app(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    routers: list[APIRouter],
    on_startup: Callable[[Runtime], Awaitable[None]] | None = None,
    on_shutdown: Callable[[Runtime], Awaitable[None]] | None = None,
    fast_routes: Sequence[FastRoute] = (),
) -> FastAPI:
    service = runtime.settings.service_name
    configure_logging(service, runtime.settings.log_level)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if on_startup is not None:
            await on_startup(runtime)
        log.info("service started", extra={"fields": {"port": runtime.settings.port}})
        yield
        if on_shutdown is not None:  # before the runtime stops: it may still need the database
            await on_shutdown(runtime)
        await runtime.stop()
        log.info("service stopped")

    app = ServiceApp(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    install_http_basics(app, service, fast_routes)
    app.include_router(_operations_router(runtime))
    app.include_router(deadletters.router)
    for router in routers:
        app.include_router(router)
    return app


def _operations_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.settings.service_name}

    @router.get("/readyz", summary="Readiness: database and bus reachable")
    async def readyz() -> JSONResponse:
        checks = {"database": await runtime.database_ok(), "bus": runtime.bus.connected}
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def install_http_basics(app: FastAPI, service: str, fast_routes: Sequence[FastRoute] = ()) -> None:
    """problem+json errors, request ids, trace context and request metrics, for any of our web apps.
    `fast_routes` need a `ServiceApp`."""
    _install_error_handlers(app)
    app.add_middleware(RequestContext, service=service)
    if fast_routes:
        if not isinstance(app, ServiceApp):
            raise TypeError("fast routes are answered by a ServiceApp")
        app.fast_routes = FastRoutes(RequestContext(app, service), fast_routes)


class ServiceApp(FastAPI):
    """FastAPI, with its `FastRoute`s answered at the door: before FastAPI's native telemetry
    check, Starlette's error and body-limit middleware and the router, whose layers cost as much
    per request as the route's own work on ingest's SMS webhooks under load. A fast route is
    answered inside the same `RequestContext` (request ids, trace context, metrics) and its
    errors as every route's are, problem+json."""

    fast_routes: FastRoutes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast_routes is not None and scope["type"] == "http" and await self.fast_routes.answered(
            self, scope, receive, send
        ):
            return
        await super().__call__(scope, receive, send)


class FastRoute:
    """An endpoint that `ServiceApp` answers itself, ahead of FastAPI's middleware and router.

    For the few hot paths where FastAPI's routing, dependency solving and response validation
    cost more than the work (ingest's SMS webhooks under load: about half the event loop's time
    per request). The endpoint takes the Starlette request (path parameters in
    `request.path_params`) and returns a response; its errors are answered as every route's are,
    problem+json. Declare the same path as an ordinary route too, calling the same code: that one
    is what the OpenAPI schema shows. A request to the path with another method goes on to it."""

    def __init__(self, method: str, path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.method, self.path, self.endpoint = method, path, endpoint
        self._regex, _format, self._convertors = compile_path(path)

    def path_params(self, scope: Scope) -> dict[str, Any] | None:
        """The path parameters when the request is this route's, else None."""
        if scope["method"] != self.method:
            return None
        path, root = scope["path"], scope.get("root_path", "")
        found = self._regex.match(path[len(root):] if root and path.startswith(root) else path)
        if found is None:
            return None
        return {name: self._convertors[name].convert(value) for name, value in found.groupdict().items()}

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response: Response = await self.endpoint(request)
        except Exception as exc:  # noqa: BLE001 - answered as the app's handlers answer it
            response = error_response(request, exc)
        await response(scope, receive, send)


class FastRoutes:
    """The fast routes of one app and the request context they are answered in."""

    def __init__(self, context: RequestContext, routes: Sequence[FastRoute]) -> None:
        self.context, self.routes = context, tuple(routes)

    async def answered(self, app: FastAPI, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is one of the routes' (True), else leave it (False)."""
        for route in self.routes:
            if (params := route.path_params(scope)) is not None:
                if app.root_path:
                    scope["root_path"] = app.root_path
                scope["app"], scope["path_params"], scope["route"] = app, params, route
                await self.context.serve(scope, receive, send, route.answer)
                return True
        return False


class RequestContext:
    """Request id, trace context and request metrics for every HTTP request.

    Plain ASGI rather than Starlette's BaseHTTPMiddleware: the request's body and the response
    pass straight through (no wrapped receive, no task per request), which was about a quarter
    of the HTTP stack's time under load on ingest's webhooks."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service
        # The metrics' children by their labels: `labels()` checks and locks on every call.
        self._latency: dict[tuple[str, str], Any] = {}
        self._requests: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.serve(scope, receive, send, self.app)

    async def serve(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        """`app` answers the request, with the ids and the metrics around it."""
        given = _context_headers(scope)
        request_id = given.get(b"x-request-id") or str(uuid.uuid4())
        trace = str(continue_trace(given.get(b"traceparent")))
        request_id_var.set(request_id)
        correlation_id_var.set(given.get(b"x-correlation-id") or request_id)
        traceparent_var.set(trace)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises past its handlers

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = request_id
                response_headers["traceparent"] = trace
            await send(message)

        try:
            await app(scope, receive, send_with_ids)
        finally:
            self._observe(scope["method"], getattr(scope.get("route"), "path", "unmatched"), status,
                          time.perf_counter() - started)

    def _observe(self, method: str, path: str, status: int, seconds: float) -> None:
        latency = self._latency.get((method, path))
        if latency is None:
            latency = self._latency[method, path] = LATENCY.labels(self.service, method, path)
        latency.observe(seconds)
        requests = self._requests.get((method, path, status))
        if requests is None:
            requests = self._requests[method, path, status] = REQUESTS.labels(
                self.service, method, path, str(status))
        requests.inc()


_CONTEXT_HEADERS = frozenset({b"x-request-id", b"x-correlation-id", b"traceparent"})


def _context_headers(scope: Scope) -> dict[bytes, str]:
    """The request's id, correlation id and trace context as given, in one pass over the raw
    headers (ASGI names are lower-case): a lookup of a header that is absent, as these mostly
    are, raises and catches a KeyError inside Starlette's `Headers.get` each time."""
    return {name: value.decode("latin-1") for name, value in scope["headers"] if name in _CONTEXT_HEADERS}


def _install_error_handlers(app: FastAPI) -> None:
    for kind in (Problem, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, _on_error)


async def _on_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(request, exc)


def error_response(request: Request, exc: Exception) -> JSONResponse:
    """The problem+json answer to an error raised while serving `request` (every route's, and a
    `FastRoute`'s)."""
    if isinstance(exc, Problem):
        return JSONResponse(exc.to_body(request.url.path), status_code=exc.status, media_type=PROBLEM_JSON)
    if isinstance(exc, RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
             "message": err.get("msg", "invalid"), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
        return problem_response(422, "Unprocessable content", detail, request.url.path, errors=errors)
    if isinstance(exc, StarletteHTTPException):
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem_response(exc.status_code, title, detail, request.url.path)
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, "Internal error",
                            "an unexpected error occurred; it has been logged", request.url.path)
