"""Ingest's own CPU per accepted SMS webhook, in one process, without HTTP parsing or a client.

The real app (runtime, the SMS intake's group commit in its thread, the outbox relay to a real
nats-server, SQLite with synchronous=FULL) is driven by raw ASGI calls, `--concurrency` at a
time, so the process's CPU time counts only what ingest does: the webhook's route, the batch
transaction, and publishing its events (the run waits until the outbox is empty). On a shared
machine the CPU per message is steadier than the HTTP bench's throughput; it is the figure to
compare between two versions of the code, run alternately (`PYTHONPATH` to the other tree).

    .venv/bin/python bench/ingest_in_process.py [--messages 10000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import generate_latest
from sqlalchemy import text

from switchboard.common import sqlite_thread
from switchboard.common.auth import mint_token
from switchboard.common.launcher import NatsServer, free_port
from switchboard.common.migrations import upgrade
from switchboard.common.settings import ServiceSettings
from switchboard.ingest.signatures import sign_generic

SECRET = "bench-gateway-secret-0001"
TRANSACTIONS: list[tuple[float, float]] = []  # (wall, thread CPU) of each batch transaction


def _timed(run: Any) -> Any:
    def run_to_end(coroutine: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return run(coroutine)
        finally:
            TRANSACTIONS.append((time.perf_counter() - wall, time.thread_time() - cpu))
    return run_to_end


def requests(path: str, count: int) -> list[dict[str, Any]]:
    timestamp = str(int(time.time()))
    made = []
    for index in range(count):
        sms = {"message_id": f"bench-{uuid.uuid4().hex}", "from": f"+86138{index % 1000:08d}",
               "to": "+8610086", "text": "我的快递三天没到，请帮我查一下"}
        body = json.dumps(sms, ensure_ascii=False).encode()
        headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode()),
                   (b"x-signature-timestamp", timestamp.encode()),
                   (b"x-signature", sign_generic(SECRET, timestamp, body).encode())]
        made.append({"headers": headers, "body": body, "path": path})
    return made


async def post(app: Any, request: dict[str, Any]) -> bool:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": request["path"], "raw_path": request["path"].encode(),
             "query_string": b"", "root_path": "", "headers": request["headers"],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    delivered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if delivered.is_set():  # the body was read: only a disconnect could come now
            await asyncio.Event().wait()
        delivered.set()
        return {"type": "http.request", "body": request["body"], "more_body": False}

    statuses = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses == [200]


async def drive(app: Any, batch: list[dict[str, Any]], concurrency: int) -> int:
    pending = iter(batch)
    accepted = 0

    async def worker() -> None:
        nonlocal accepted
        for request in pending:
            answered = await post(app, request)  # awaited first: `+=` would read the count before it
            accepted += answered

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return accepted


async def measure(args: argparse.Namespace) -> None:
    from switchboard.ingest.main import create_app

    app = create_app()
    runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if runtime.bus.connected:
                break
            await asyncio.sleep(0.1)
        token = mint_token(ServiceSettings(), tenant="bench", subject="bench", roles=["admin"])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            response = await client.post("/v1/channels", headers={"Authorization": f"Bearer {token}"}, json={
                "kind": "sms", "provider": "generic", "address": "+8610086", "name": "bench",
                "signing_secret": SECRET})
            response.raise_for_status()
        path = f"/v1/webhooks/sms/generic/{response.json()['id']}"
        await drive(app, requests(path, 2000), args.concurrency)  # warm up
        await asyncio.sleep(1.0)
        measured = requests(path, args.messages)
        TRANSACTIONS.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        accepted = await drive(app, measured, args.concurrency)
        while True:  # until the relay has published every event
            async with runtime.engine.connect() as connection:
                if not (await connection.execute(text("SELECT count(*) FROM outbox"))).scalar():
                    break
            await asyncio.sleep(0.01)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert accepted == args.messages, f"{args.messages - accepted} webhooks were not accepted"
    relay_passes = next((float(line.split()[1]) for line in generate_latest().decode().splitlines()
                         if line.startswith("sb_outbox_batch_seconds_count")), 0.0)
    walls = sorted(w for w, _ in TRANSACTIONS)
    mean_wall, p90_wall = statistics.mean(walls) * 1000, walls[int(len(walls) * 0.9)] * 1000
    mean_cpu = statistics.mean(c for _, c in TRANSACTIONS) * 1000
    print(f"{accepted:,} accepted, concurrency {args.concurrency}: "
          f"CPU {cpu / accepted * 1000:.3f} ms a message, {accepted / wall:,.0f}/s wall")
    print(f"{len(TRANSACTIONS)} batch transactions ({accepted / len(TRANSACTIONS):.1f} messages each): "
          f"wall mean {mean_wall:.2f} ms, p90 {p90_wall:.2f} ms, thread CPU mean {mean_cpu:.2f} ms; "
          f"{relay_passes:.0f} relay passes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sb-bench-ingest-cpu-"))
    nats = NatsServer(workdir / "nats", port=free_port()).start()
    url = f"sqlite:///{workdir}/ingest.db"
    os.environ.update({"NATS_URL": nats.url, "SB_VAR_DIR": str(workdir), "INGEST_DATABASE_URL": url,
                       "SB_LOG_LEVEL": "WARNING"})
    upgrade("switchboard.ingest", url)
    sqlite_thread.run_to_end = _timed(sqlite_thread.run_to_end)  # type: ignore[assignment]
    try:
        asyncio.run(measure(args))
    finally:
        nats.stop()


if __name__ == "__main__":
    main()
