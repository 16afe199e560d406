"""The service's connection to NATS JetStream.

The connection is made in the background and kept forever: a service whose
broker is down still starts, answers `/healthz`, reports not-ready on
`/readyz`, keeps accepting requests into its outbox, and catches up once the
broker is back.
"""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from switchboard.common.streams import BusPolicy, ConsumerSpec, ensure_consumers, ensure_streams

log = logging.getLogger(__name__)


class Bus:
    def __init__(
        self,
        url: str,
        service: str,
        policy: BusPolicy,
        consumers: list[ConsumerSpec],
        publish_window: int = 1000,
        user: str = "",
        password: str = "",
    ) -> None:
        self.url = url
        # NATS_URL may list several servers of a cluster, separated by commas.
        self.servers = [server.strip() for server in url.split(",") if server.strip()]
        self._credentials = {"user": user, "password": password} if user else {}
        self.consumers = consumers
        self.service = service
        self.policy = policy
        self.publish_window = publish_window
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._provisioned = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise ConnectionError("not connected to NATS yet")
        return self._js

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected and self._provisioned.is_set()

    async def wait_ready(self) -> None:
        await self._provisioned.wait()

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name=f"{self.service}-bus")

    async def _connect_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                self._nc = await nats.connect(
                    self.servers,
                    **self._credentials,
                    name=f"switchboard-{self.service}",
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    allow_reconnect=True,
                    error_cb=self._on_error,
                    reconnected_cb=self._on_reconnected,
                )
                self._js = self._nc.jetstream(publish_async_max_pending=self.publish_window)
                await self._provision()
                return
            except Exception as exc:  # noqa: BLE001 - any failure: retry with backoff
                log.warning(
                    "NATS not reachable yet", extra={"fields": {"url": self.url, "error": repr(exc)}}
                )
                if self._nc is not None:
                    await _quietly_close(self._nc)
                    self._nc = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _provision(self) -> None:
        await ensure_streams(self.js, self.policy)
        await ensure_consumers(self.js, self.consumers, self.policy)
        self._provisioned.set()
        log.info("bus ready", extra={"fields": {"url": self.url}})

    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats error", extra={"fields": {"error": repr(exc)}})

    async def _on_reconnected(self) -> None:
        log.info("nats reconnected")
        try:  # a restarted single-node server without its store needs the topology again
            await self._provision()
        except Exception as exc:  # noqa: BLE001
            log.warning("re-provisioning failed", extra={"fields": {"error": repr(exc)}})

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._nc is not None:
            await _quietly_close(self._nc)


async def _quietly_close(nc: Client) -> None:
    try:
        await asyncio.wait_for(nc.close(), 5)
    except Exception:  # noqa: BLE001, S110 - closing on the way out
        pass
