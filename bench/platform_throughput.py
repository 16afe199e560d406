"""What one replica carries: signed SMS webhooks accepted by ingest, events handled by profile.

Starts a private nats-server, one ingest and one profile process (SQLite by
default, PostgreSQL with SB_TEST_DATABASE=postgres), then posts `--messages`
signed generic-gateway webhooks with `--concurrency` requests in flight. The
baseline, in the same run and over the same HTTP client, is `GET /healthz`
on ingest: the cost of a request that does nothing. Reported: webhooks
accepted per second (each one a durable transaction with its outbox row), the
ratio to the baseline, and how fast profile resolved the events
(timeline entries per second, from first accept to last entry).

    .venv/bin/python bench/platform_throughput.py --messages 3000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from switchboard.common.testing import Platform, TestDatabases, wait_until
from switchboard.ingest.signatures import sign_generic


async def _post_all(url: str, count: int, concurrency: int, make: object) -> float:
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60) as client:

        async def one(index: int) -> None:
            async with limit:
                method, path, body, headers = make(index)  # type: ignore[operator]
                response = await client.request(method, url + path, content=body, headers=headers)
                assert response.status_code == 200, response.text

        started = time.perf_counter()
        await asyncio.gather(*(one(index) for index in range(count)))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sb-bench-"))
    platform = Platform(workdir, TestDatabases(workdir))
    try:
        platform.start(["ingest", "profile"])
        secret = f"bench-{uuid.uuid4().hex}"
        with platform.client("ingest", "bench", "admin") as client:
            channel = client.post("/v1/channels", json={
                "kind": "sms", "provider": "generic", "address": "+8610086",
                "name": "Bench", "signing_secret": secret}).json()["id"]
        ingest = platform.url("ingest")

        def health(_: int) -> tuple[str, str, bytes, dict[str, str]]:
            return "GET", "/healthz", b"", {}

        def webhook(index: int) -> tuple[str, str, bytes, dict[str, str]]:
            body = json.dumps({"message_id": f"bench-{index}", "from": f"+86138{index % 500:08d}",
                               "to": "+8610086", "text": f"bench message {index}"}).encode()
            stamp = str(int(time.time()))
            return "POST", f"/v1/webhooks/sms/generic/{channel}", body, {
                "Content-Type": "application/json", "X-Signature-Timestamp": stamp,
                "X-Signature": sign_generic(secret, stamp, body)}

        baseline = asyncio.run(_post_all(ingest, args.messages, args.concurrency, health))
        started = time.perf_counter()
        accepted = asyncio.run(_post_all(ingest, args.messages, args.concurrency, webhook))
        wait_until(lambda: platform.scalar("profile", "SELECT count(*) FROM timeline")
                   >= args.messages, 600, "profile to resolve every message")
        resolved = time.perf_counter() - started

        print(f"backend: {platform.database_url('ingest').split(':')[0]}")
        print(f"GET /healthz (baseline): {args.messages / baseline:,.0f} req/s")
        print(f"SMS webhooks accepted:   {args.messages / accepted:,.0f} msg/s "
              f"(each costs {accepted / baseline:.1f}x a baseline request)")
        print(f"profile resolved:        {args.messages / resolved:,.0f} msg/s end to end")
    finally:
        platform.stop()


if __name__ == "__main__":
    main()
