"""A desktop feed served by uvicorn ends when the desktop goes away (Starlette's StreamingResponse
ends it; the feed itself checks nothing per round)."""

from __future__ import annotations

import asyncio

import httpx
import uvicorn

from switchboard.common.auth import mint_token
from switchboard.common.launcher import free_port
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.main import create_app


async def test_a_closed_desktop_stops_its_feed(settings, sessions) -> None:
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    serving = asyncio.create_task(server.serve())
    def bearer(subject: str, role: str) -> dict[str, str]:
        token = mint_token(settings, tenant="acme", subject=subject, roles=[role])
        return {"Authorization": f"Bearer {token}"}

    admin, agent = bearer("boss", "admin"), bearer("ann", "agent")
    bell = app.state.runtime.extras["desktop_bell"]
    assert isinstance(bell, DesktopBell)
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            created = await client.post("/v1/agents", headers=admin,
                                        json={"id": "ann", "name": "Ann", "capacity": {"sms": 1}})
            assert created.status_code == 201, created.text
            async with client.stream("GET", "/v1/agents/ann/stream", headers=agent) as feed:
                async for line in feed.aiter_lines():
                    if line.startswith("data: "):
                        break  # the first snapshot: the feed is open
                assert bell.listened("acme", "ann")
        for _ in range(100):  # the desktop went away
            if not bell.listened("acme", "ann"):
                break
            await asyncio.sleep(0.05)
        assert not bell.listened("acme", "ann"), "the feed ended with its connection"
    finally:
        server.should_exit = True
        await serving
        await app.state.runtime.engine.dispose()
