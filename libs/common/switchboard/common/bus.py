"""The service's connection to NATS JetStream.

The connection is made in the background and kept forever: a service whose
broker is down still starts, answers `/healthz`, reports not-ready on
`/readyz`, keeps accepting requests into its outbox, and catches up once the
broker is back.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
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
        self._acks: tuple[Client, str] | None = None  # the connection and its acknowledgements' inbox
        self._waiting_acks: dict[int, _AckBatch] = {}
        self._batches = 0
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

    async def publish_all(
        self, messages: Sequence[tuple[str, bytes, dict[str, str]]], ack_seconds: float
    ) -> list[str | None]:
        """Publish (subject, payload, headers) messages to JetStream, all in flight at once, and
        wait up to `ack_seconds` for the acknowledgements: for each message, None once its stream
        stored it, else why not ("ack timeout", "no stream", or the stream's error).

        nats-py's `publish_async` does the same with a future, a semaphore turn and a parsed
        `PubAck` for each message; the outbox relay needs only stored-or-not, and that per-message
        bookkeeping was a tenth of ingest's event loop per accepted webhook. Acknowledgements come
        to one subscription of the connection, `<inbox>.<batch>.<index>`."""
        if not messages:
            return []
        nc = self._nc
        if nc is None:
            raise ConnectionError("not connected to NATS yet")
        prefix = await self._ack_prefix(nc)
        self._batches += 1
        number, batch = self._batches, _AckBatch(len(messages))
        self._waiting_acks[number] = batch
        try:
            for index, (subject, payload, headers) in enumerate(messages):
                await nc.publish(subject, payload, reply=f"{prefix}.{number}.{index}", headers=headers)
            await asyncio.wait_for(batch.done.wait(), ack_seconds)
        except TimeoutError:
            pass
        finally:
            del self._waiting_acks[number]
        return [error if error is not None or stored else "ack timeout"
                for stored, error in zip(batch.stored, batch.errors, strict=True)]

    async def _ack_prefix(self, nc: Client) -> str:
        """The inbox the connection's acknowledgements come to (made once per connection)."""
        if self._acks is None or self._acks[0] is not nc:
            prefix = nc.new_inbox()
            await nc.subscribe(f"{prefix}.*.*", cb=self._on_ack)
            self._acks = (nc, prefix)
        return self._acks[1]

    async def _on_ack(self, msg: Msg) -> None:
        _inbox, batch_no, index = msg.subject.rsplit(".", 2)
        batch = self._waiting_acks.get(int(batch_no))
        if batch is None:  # late: its batch gave up waiting
            return
        position = int(index)
        if batch.stored[position] or batch.errors[position] is not None:
            return
        if msg.headers and msg.headers.get("Status") == "503":
            batch.settle(position, "no stream")
        elif b'"error"' in msg.data:
            batch.settle(position, _ack_error(msg.data))
        else:
            batch.settle(position, None)

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


class _AckBatch:
    """What came back for one `publish_all`: stored, or the error, per message."""

    def __init__(self, size: int) -> None:
        self.stored = [False] * size
        self.errors: list[str | None] = [None] * size
        self.remaining = size
        self.done = asyncio.Event()

    def settle(self, position: int, error: str | None) -> None:
        if error is None:
            self.stored[position] = True
        else:
            self.errors[position] = error
        self.remaining -= 1
        if self.remaining == 0:
            self.done.set()


def _ack_error(data: bytes) -> str:
    """The stream's refusal, e.g. 'maximum messages exceeded (10077)'."""
    try:
        error = json.loads(data)["error"]
        return f"{error.get('description', 'refused')} ({error.get('err_code', error.get('code'))})"
    except (ValueError, KeyError, TypeError, AttributeError):
        return data.decode("utf-8", errors="replace")[:200]


async def _quietly_close(nc: Client) -> None:
    try:
        await asyncio.wait_for(nc.close(), 5)
    except Exception:  # noqa: BLE001, S110 - closing on the way out
        pass
