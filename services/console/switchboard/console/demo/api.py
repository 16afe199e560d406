"""HTTP clients for the five services, and the one way the demo reads an answer."""

from __future__ import annotations

from typing import Any

import httpx

from switchboard.console.demo.config import DemoConfig

SERVICES = ("ingest", "profile", "routing", "campaign", "qa")


class DemoError(Exception):
    """The platform answered something the demo cannot work with."""


def expect(response: httpx.Response, *ok: int) -> Any:
    """The answer's JSON if its status is one of `ok` (default: any 2xx), else a `DemoError`."""
    good = response.status_code in ok if ok else response.is_success
    if not good:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        request = response.request
        raise DemoError(f"{request.method} {request.url.path}: {response.status_code} {str(detail)[:300]}")
    return response.json() if response.content else None


def client(config: DemoConfig, service: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=config.url(service), headers={"Authorization": f"Bearer {token}"},
                             timeout=20)


def clients(config: DemoConfig, token: str) -> dict[str, httpx.AsyncClient]:
    """One client per service, signed in with `token`."""
    return {name: client(config, name, token) for name in SERVICES}


async def close_all(opened: dict[str, httpx.AsyncClient]) -> None:
    for client in opened.values():
        await client.aclose()
