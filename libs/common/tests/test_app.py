"""Every error leaves a service as application/problem+json."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from switchboard.common.app import FastRoute, ServiceApp, _install_error_handlers, install_http_basics
from switchboard.common.errors import Conflict, NotFound

PROBLEM_JSON = "application/problem+json"


class QueueCreate(BaseModel):
    name: str = Field(min_length=1)
    max_wait_seconds: int


def build_app() -> FastAPI:
    app = ServiceApp()
    _install_error_handlers(app)

    @app.get("/queues/{queue_id}")
    async def get_queue(queue_id: str) -> dict:
        raise NotFound(f"no queue {queue_id}")

    @app.post("/queues", status_code=201)
    async def create_queue(body: QueueCreate) -> dict:
        if body.name == "taken":
            raise Conflict("a queue with this name exists", name=body.name)
        return {"name": body.name}

    @app.get("/crash")
    async def crash() -> dict:
        raise RuntimeError("password=hunter2 leaked in a message")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    return body


async def test_a_domain_error_becomes_its_status_with_detail_and_instance(client: httpx.AsyncClient) -> None:
    body = problem(await client.get("/queues/q7"), 404)
    assert (body["title"], body["detail"], body["instance"]) == ("Not found", "no queue q7", "/queues/q7")
    assert body["type"] == "https://switchboard.dev/problems/not-found"


async def test_a_domain_errors_extensions_reach_the_client(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/queues", json={"name": "taken", "max_wait_seconds": 30}), 409)
    assert body["name"] == "taken"


async def test_a_request_that_does_not_validate_names_the_fields(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/queues", json={"name": "", "max_wait_seconds": "soon"}), 422)
    assert {error["field"] for error in body["errors"]} == {"name", "max_wait_seconds"}
    assert "max_wait_seconds:" in body["detail"] and "name:" in body["detail"]
    assert body["instance"] == "/queues"


async def test_a_missing_body_is_reported_as_the_body(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/queues"), 422)
    assert body["detail"].startswith("body:")


async def test_unknown_routes_and_methods_are_problems_too(client: httpx.AsyncClient) -> None:
    assert problem(await client.get("/nowhere"), 404)["title"] == "Not found"
    assert problem(await client.delete("/queues/q7"), 405)["title"] == "Method not allowed"


async def test_an_unexpected_error_is_a_500_that_reveals_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/crash")
    body = problem(response, 500)
    assert body["title"] == "Internal error"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text


async def test_a_successful_request_is_untouched(client: httpx.AsyncClient) -> None:
    response = await client.post("/queues", json={"name": "vip", "max_wait_seconds": 30})
    assert (response.status_code, response.json()) == (201, {"name": "vip"})
    assert response.headers["content-type"] == "application/json"


async def fast_queue(request: Request) -> Response:
    queue_id = request.path_params["queue_id"]
    if queue_id == "crash":
        raise RuntimeError("password=hunter2 leaked in a message")
    if queue_id != "q1":
        raise NotFound(f"no queue {queue_id}")
    return JSONResponse({"id": queue_id, "fast": True})


@pytest.fixture
async def fast_client() -> AsyncIterator[httpx.AsyncClient]:
    app = build_app()
    install_http_basics(app, "probe", [FastRoute("GET", "/queues/{queue_id}", fast_queue)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        yield client


async def test_a_fast_route_answers_ahead_of_the_router_with_the_same_problems_and_ids(
    fast_client: httpx.AsyncClient
) -> None:
    answered = await fast_client.get("/queues/q1")
    assert answered.json() == {"id": "q1", "fast": True} and answered.headers["x-request-id"]
    body = problem(await fast_client.get("/queues/q7"), 404)
    assert (body["detail"], body["instance"]) == ("no queue q7", "/queues/q7")
    crashed = await fast_client.get("/queues/crash")
    assert problem(crashed, 500)["title"] == "Internal error" and "hunter2" not in crashed.text
    assert problem(await fast_client.delete("/queues/q7"), 405)["title"] == "Method not allowed"
    assert problem(await fast_client.get("/queues/q1/members"), 404)["title"] == "Not found"


def test_fast_routes_need_the_app_that_answers_them() -> None:
    with pytest.raises(TypeError, match="ServiceApp"):
        install_http_basics(FastAPI(), "probe", [FastRoute("GET", "/queues/{queue_id}", fast_queue)])


async def test_the_ids_a_request_brings_are_the_ones_its_work_and_answer_carry() -> None:
    from prometheus_client import REGISTRY

    from switchboard.common.tracing import correlation_id_var, parse_traceparent, request_id_var

    app = ServiceApp()
    install_http_basics(app, "probe-ids")

    @app.get("/seen")
    async def seen() -> dict:
        return {"request": request_id_var.get(), "correlation": correlation_id_var.get()}

    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
        given = await client.get("/seen", headers={
            "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1",
            "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
        fresh = await client.get("/seen")
    assert given.json() == {"request": "req-1", "correlation": "corr-1"}
    assert given.headers["x-request-id"] == "req-1"
    continued = parse_traceparent(given.headers["traceparent"])
    assert continued is not None and continued.trace_id == trace_id
    # Without them: a new request id, which is also the correlation id, and a new trace.
    assert fresh.json()["request"] == fresh.json()["correlation"] == fresh.headers["x-request-id"] != "req-1"
    assert parse_traceparent(fresh.headers["traceparent"]).trace_id != trace_id  # type: ignore[union-attr]
    assert REGISTRY.get_sample_value("sb_http_requests_total", {
        "service": "probe-ids", "method": "GET", "route": "/seen", "status": "200"}) == 2
