"""Inbound SMS webhooks accepted per second by ingest, next to a bare FastAPI endpoint.

Each target is a real process (uvicorn, as the services run): ingest with full
durability (signature check, JSON parse, de-duplication, threading, message +
raw payload + conversation + outbox rows committed before the 200; SQLite with
synchronous=FULL, or PostgreSQL with fsync on), and the baseline, a FastAPI
endpoint on the same stack that only reads and parses the body. The load
generator is a minimal keep-alive HTTP/1.1 client on pre-signed requests so
that the client costs as little CPU as possible on the same 2 cores.

Ingest commits the webhooks that arrive together in one transaction (group commit, see
services/ingest/switchboard/ingest/inbound_batch.py); the run prints how many transactions
that made and their mean size.

Two measurements per target: sustained (closed loop, --connections in flight,
accepted/s) and latency at a fixed offered rate (open loop, --rate per second,
latency from each request's scheduled time, so queueing counts).

    .venv/bin/python bench/ingest_sms.py [--seconds 15] [--rate 1000] [--postgres]

`--batch-cpu` instead measures the SMS intake's batch write alone, as the service runs it on
SQLite (one synchronous session, as in the worker thread): CPU time per batch of 1 and of 16
messages, with synchronous=OFF so that the fsync, which costs no CPU, does not hide it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from switchboard.common.auth import mint_token
from switchboard.common.launcher import NatsServer, ServiceProcess, free_port, wait_for_port
from switchboard.common.settings import ServiceSettings
from switchboard.common.testing import query_scalar
from switchboard.ingest.signatures import sign_generic

SECRET = "bench-gateway-secret-0001"
BARE_APP = """
import json, sys, uvicorn
from fastapi import FastAPI, Request
app = FastAPI()
@app.post("/v1/webhooks/sms/generic/{channel_id}")
async def inbound(channel_id: str, request: Request) -> dict:
    body = json.loads(await request.body())
    return {"status": "accepted", "message_id": body["message_id"], "conversation_id": channel_id}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False)
"""


@dataclass
class Result:
    accepted: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # CPU seconds the server process used in the phase

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu * 1000 / self.accepted if self.accepted else float("nan")

    @property
    def per_second(self) -> float:
        return self.accepted / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")


def signed_requests(path: str, count: int) -> list[bytes]:
    """Raw HTTP/1.1 requests, signed now (the replay window is 5 minutes)."""
    requests = []
    timestamp = str(int(time.time()))
    for index in range(count):
        body = json.dumps({"message_id": f"bench-{uuid.uuid4().hex}", "from": f"+86138{index % 1000:08d}",
                           "to": "+8610086", "text": "我的快递三天没到，请帮我查一下"},
                          ensure_ascii=False).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nX-Signature-Timestamp: {timestamp}\r\n"
                f"X-Signature: {sign_generic(SECRET, timestamp, body)}\r\n\r\n")
        requests.append(head.encode() + body)
    return requests


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bool:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 200") and b'"accepted"' in body


async def sustained(port: int, requests: list[bytes], connections: int, seconds: float) -> Result:
    queue = iter(requests)
    latencies: list[float] = []
    accepted = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal accepted
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            request = next(queue, None)
            if request is None:
                break
            started = time.perf_counter()
            if await _exchange(reader, writer, request):
                accepted += 1
                latencies.append(time.perf_counter() - started)
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result(accepted, time.perf_counter() - began, latencies)


async def fixed_rate(
    port: int, requests: list[bytes], rate: float, seconds: float, connections: int
) -> Result:
    total = min(len(requests), int(rate * seconds))
    began = time.perf_counter() + 0.5
    schedule = iter(range(total))
    latencies: list[float] = []
    accepted = 0

    async def worker() -> None:
        nonlocal accepted
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in schedule:
            due = began + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if await _exchange(reader, writer, requests[index]):
                accepted += 1
                latencies.append(time.perf_counter() - due)  # from the scheduled time
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result(accepted, time.perf_counter() - began, latencies)


def register_channel(url: str) -> str:
    settings = ServiceSettings()
    token = mint_token(settings, tenant="bench", subject="bench", roles=["admin"])
    response = httpx.post(f"{url}/v1/channels", headers={"Authorization": f"Bearer {token}"}, timeout=30,
                          json={"kind": "sms", "provider": "generic", "address": "+8610086",
                                "name": "bench", "signing_secret": SECRET})
    response.raise_for_status()
    return str(response.json()["id"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), steadier than wall time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(port: int, pid: int, path: str, args: argparse.Namespace) -> tuple[Result, Result]:
    first = Result(0, args.seconds, [])
    if not args.paced_only:
        load = sustained(port, signed_requests(path, 60_000), args.connections, args.seconds)
        before = cpu_seconds(pid)
        first = asyncio.run(load)
        first.server_cpu = cpu_seconds(pid) - before
    paced_requests = signed_requests(path, int(args.rate * args.seconds))
    before = cpu_seconds(pid)
    paced = asyncio.run(fixed_rate(port, paced_requests, args.rate, args.seconds, connections=64))
    paced.server_cpu = cpu_seconds(pid) - before
    return first, paced


def run_ingest(workdir: Path, nats: NatsServer, database_url: str, args: argparse.Namespace,
               label: str) -> dict[str, object]:
    bus_url = f"nats://127.0.0.1:{free_port()}" if args.no_relay else nats.url  # nobody listens there
    process = ServiceProcess("ingest", free_port(), {
        "NATS_URL": bus_url, "SB_VAR_DIR": str(workdir), "INGEST_DATABASE_URL": database_url,
        "SB_LOG_LEVEL": "WARNING"}, workdir / f"ingest-{label}.log")
    process.migrate()
    process.start()
    try:
        if args.no_relay:  # never ready (no bus): wait for it to answer
            wait_for_port(process.port, 60, process.proc)
        else:
            process.wait_ready(60)
        channel = register_channel(process.url)
        assert process.proc is not None
        sustained_result, paced = measure(process.port, process.proc.pid,
                                          f"/v1/webhooks/sms/generic/{channel}", args)
        stored = int(query_scalar(database_url, "SELECT count(*) FROM messages"))
        waiting = int(query_scalar(database_url, "SELECT count(*) FROM outbox"))
        batches = f"{_batch_sizes(process.url)}, {waiting:,} events still in the outbox"
    finally:
        process.stop()
    assert stored == sustained_result.accepted + paced.accepted, "every accepted message is stored"
    return {"target": f"ingest, {label}", "sustained": sustained_result, "paced": paced, "batches": batches}


def _batch_sizes(url: str) -> str:
    """Transactions the SMS intake committed and their mean size, and the events the outbox relay
    published meanwhile, from ingest's own metrics."""
    samples = {}
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        name, _, value = line.partition(" ")
        if name.startswith("sb_group_commit_batch_size_") and 'writer="ingest-sms"' in name:
            samples[name.split("{")[0].rsplit("_", 1)[1]] = float(value)
        elif name.startswith("sb_outbox_published_total"):
            samples[name.split("{")[0]] = float(value)
    count, total = samples.get("count", 0.0), samples.get("sum", 0.0)
    commits = f"{count:,.0f} commits, {total / count:.1f} messages each" if count else "no commits"
    return f"{commits}; the relay published {samples.get('sb_outbox_published_total', 0):,.0f} events"


def run_bare(args: argparse.Namespace) -> dict[str, object]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)])
    try:
        for _ in range(100):
            try:
                httpx.post(f"http://127.0.0.1:{port}/v1/webhooks/sms/generic/x", json={"message_id": "w"})
                break
            except httpx.TransportError:
                time.sleep(0.1)
        sustained_result, paced = measure(port, proc.pid, "/v1/webhooks/sms/generic/bare", args)
    finally:
        proc.terminate()
        proc.wait(10)
    return {"target": "bare FastAPI endpoint", "sustained": sustained_result, "paced": paced}


def batch_cpu(batches: int = 600) -> None:
    from datetime import UTC, datetime, timedelta

    from switchboard.common.db import create_engine, session_factory
    from switchboard.common.sqlite_thread import ThreadedSqlite, run_to_end
    from switchboard.common.uow import UnitOfWork
    from switchboard.ingest.inbound import InboundMessage
    from switchboard.ingest.inbound_batch import SmsWebhook, write_sms_batch
    from switchboard.ingest.models import Base, Channel, backbone

    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='sb-bench-batch-')}/ingest.db"

    async def create() -> None:
        engine = create_engine(url, sqlite_synchronous="OFF")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with session_factory(engine)() as session:
            session.add(Channel(id="ch", tenant_id="bench", kind="sms", provider="generic",
                                address="+8610086", name="bench", signing_secret=SECRET, credentials={},
                                created_at=datetime.now(UTC)))
            await session.commit()
        await engine.dispose()

    asyncio.run(create())
    threaded = ThreadedSqlite(url, "OFF")

    def webhook(index: int) -> SmsWebhook:
        inbound = InboundMessage(provider_message_id=uuid.uuid4().hex,
                                 from_address=f"+86138{index % 1000:08d}", to_address="+8610086",
                                 text="查话费", content_type="application/json", raw_body="{}")
        return SmsWebhook("ch", verify=lambda secret: None, parse=lambda: inbound)

    async def one_batch(size: int) -> None:
        async with UnitOfWork(threaded.sessions, backbone, "ingest") as uow:  # type: ignore[arg-type]
            await write_sms_batch(uow, [webhook(i) for i in range(size)], inactivity=timedelta(hours=24),
                                  source="ingest")
            await uow.commit()

    for size in (1, 16):
        for _ in range(200):  # warm the statement caches
            run_to_end(one_batch(size))
        began = time.process_time()
        for _ in range(batches):
            run_to_end(one_batch(size))
        print(f"batch of {size}: {(time.process_time() - began) / batches * 1000:.3f} ms CPU")
    threaded.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres", action="store_true", help="also run ingest on an embedded PostgreSQL")
    parser.add_argument("--paced-only", action="store_true",
                        help="only the fixed-rate phase, on fresh processes (no backlog left by the other)")
    parser.add_argument("--no-relay", action="store_true",
                        help="ingest with no reachable bus: its outbox relay never runs (what it costs)")
    parser.add_argument("--batch-cpu", action="store_true", help="only the CPU time of the batch write")
    args = parser.parse_args()
    if args.batch_cpu:
        batch_cpu()
        return
    workdir = Path(tempfile.mkdtemp(prefix="sb-bench-ingest-"))
    nats = NatsServer(workdir / "nats", port=free_port()).start()
    rows = [run_bare(args)]
    try:
        sqlite_url = f"sqlite+aiosqlite:///{workdir}/ingest.db"
        rows.append(run_ingest(workdir, nats, sqlite_url, args, "SQLite FULL"))
        if args.postgres:
            from switchboard.common.testing import PostgresServerForTests

            url = PostgresServerForTests().create_database("bench_ingest")
            rows.append(run_ingest(workdir, nats, url, args, "PostgreSQL"))
    finally:
        nats.stop()
    bare = rows[0]["sustained"].per_second or float("nan")  # type: ignore[attr-defined]
    print(f"\n{os.cpu_count()} cores, {args.seconds:g} s per phase, {args.connections} connections sustained")
    print(f"| target | sustained accepted/s | vs bare | server CPU ms/request sustained "
          f"| p50 / p99 at {args.rate:g}/s | accepted at {args.rate:g}/s | server CPU ms/request there |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        sustained_result, paced = row["sustained"], row["paced"]
        assert isinstance(sustained_result, Result) and isinstance(paced, Result)
        print(f"| {row['target']} | {sustained_result.per_second:,.0f} | "
              f"{sustained_result.per_second / bare:.2f} | {sustained_result.cpu_ms_per_request:.3f} | "
              f"{paced.percentile(0.5):.1f} / {paced.percentile(0.99):.1f} ms | {paced.per_second:,.0f}/s | "
              f"{paced.cpu_ms_per_request:.3f} |")
    for row in rows[1:]:
        print(f"{row['target']}: {row['batches']}")
    if not args.paced_only:
        print("median sustained latency: " + ", ".join(
            f"{row['target']} {statistics.median(row['sustained'].latencies) * 1000:.1f} ms"  # type: ignore[attr-defined]
            for row in rows))


if __name__ == "__main__":
    main()
