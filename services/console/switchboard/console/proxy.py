"""`/api/<service>/<path>`: the browser calls the services through the console with the session's token.

Answers, errors (problem+json) and server-sent event streams pass through unchanged.
A call that changes something must carry `X-Console: 1`, which a cross-site form cannot send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from switchboard.common.errors import Forbidden, NotFound, Problem
from switchboard.console.session import current_session, settings_of

SERVICES = ("ingest", "profile", "routing", "campaign", "qa")
PASSED_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key", "x-request-id", "traceparent")
PASSED_RESPONSE_HEADERS = ("content-type", "content-disposition", "location", "retry-after", "x-request-id")

router = APIRouter(prefix="/api", tags=["proxy"])


class ServiceUnavailable(Problem):
    status, title, type_slug = 502, "Bad gateway", "bad-gateway"


@router.api_route("/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  summary="Call a service's API as the signed-in user")
async def forward(service: str, path: str, request: Request) -> Response:
    if service not in SERVICES:
        raise NotFound(f"no service {service!r}; the console reaches {', '.join(SERVICES)}")
    if request.method != "GET" and request.headers.get("x-console") != "1":
        raise Forbidden("a change through the console needs the header X-Console: 1")
    _principal, token = current_session(request)
    client: httpx.AsyncClient = request.app.state.http
    headers = {k: v for k, v in request.headers.items() if k.lower() in PASSED_REQUEST_HEADERS}
    headers["authorization"] = f"Bearer {token}"
    upstream = client.build_request(
        request.method, f"{settings_of(request).service_url(service)}/{path}",
        params=request.query_params, headers=headers, content=await request.body(),
    )
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(f"{service} did not answer: {type(exc).__name__}") from exc
    passed = {k: v for k, v in answer.headers.items() if k.lower() in PASSED_RESPONSE_HEADERS}
    if answer.headers.get("content-type", "").startswith("text/event-stream"):
        return StreamingResponse(_relay(answer), status_code=answer.status_code, headers=passed)
    try:
        body = await answer.aread()
    finally:
        await answer.aclose()
    return Response(body, status_code=answer.status_code, headers=passed)


async def _relay(answer: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    finally:
        await answer.aclose()
