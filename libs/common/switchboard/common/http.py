"""HTTP clients for service-to-service calls that carry the trace and correlation ids.

Used where a person is waiting on another service's answer (a screen pop):
the callee's logs and events then share the caller's trace.
"""

from __future__ import annotations

import httpx

from switchboard.common.tracing import current_trace_headers


async def _add_trace_headers(request: httpx.Request) -> None:
    for name, value in current_trace_headers().items():
        request.headers.setdefault(name, value)


def traced_client(base_url: str, *, token: str | None = None, timeout: float = 2.0) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=timeout,
        event_hooks={"request": [_add_trace_headers]},
    )
