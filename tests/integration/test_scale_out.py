"""Scale-out on one machine: a 3-node NATS cluster with R3 streams, two replicas per service.

The production shape (deploy/k8s) on loopback, on PostgreSQL: three JetStream
nodes, two ingest and two profile replicas sharing their databases. A steady
load of inbound SMS is spread over both ingest replicas (as the ingress would);
mid-load one NATS node is SIGKILLed, then one profile replica. Every accepted
message must have exactly one effect, and the load must keep being accepted.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats
import pytest

from switchboard.common.auth import mint_token
from switchboard.common.launcher import NatsServer, ServiceProcess, free_port
from switchboard.common.settings import ServiceSettings
from switchboard.common.testing import TestDatabases, backend, query_scalar, wait_until
from switchboard.ingest.signatures import sign_generic

MESSAGES = 600
RATE_PER_SECOND = 40
SENDERS = 30
NUMBER = "+8610086"


@dataclass
class Cluster:
    workdir: Path
    databases: TestDatabases
    nodes: list[NatsServer] = field(default_factory=list)
    replicas: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)

    @property
    def nats_url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start_nats(self, size: int = 3) -> None:
        client_ports = [free_port() for _ in range(size)]
        cluster_ports = [free_port() for _ in range(size)]
        for index in range(size):
            self.nodes.append(NatsServer(
                self.workdir / f"nats-{index}", port=client_ports[index],
                cluster_port=cluster_ports[index],
                routes=[port for port in cluster_ports if port != cluster_ports[index]],
            ).start())
        asyncio.run(_wait_for_jetstream_cluster(self.nats_url))

    def start(self, service: str, count: int = 2) -> None:
        url = self.database_urls.setdefault(service, self.databases.url_for(f"scale_{service}"))
        env = {
            "NATS_URL": self.nats_url,
            "SB_STREAM_REPLICAS": "3",
            "SB_VAR_DIR": str(self.workdir),
            f"{service.upper()}_DATABASE_URL": url,
            "SB_OUTBOX_SWEEP_SECONDS": "0.5",
        }
        started = []
        for index in range(count):
            process = ServiceProcess(service, free_port(), env,
                                     self.workdir / "logs" / f"{service}-{index}.log")
            process.migrate()
            started.append(process.start())
        for process in started:
            process.wait_ready(90)
        self.replicas[service] = started

    def stop(self) -> None:
        for processes in self.replicas.values():
            for process in processes:
                process.stop()
        for node in self.nodes:
            node.stop()


async def _wait_for_jetstream_cluster(url: str) -> None:
    nc = await nats.connect(url.split(","))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                await nc.jetstream().account_info()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await nc.close()


@pytest.fixture
def cluster(tmp_path: Path, databases: TestDatabases) -> Iterator[Cluster]:
    if backend() != "postgres":
        pytest.skip("replicas share a database on PostgreSQL (make test-pg)")
    running = Cluster(tmp_path, databases)
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Load:
    """A generic SMS gateway posting signed messages at a steady rate, round-robin
    over the ingest replicas and retrying another one when a replica does not
    answer, as the ingress would."""

    ingest_urls: list[str]
    channel_id: str
    secret: str
    accepted: list[str] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    slowest_seconds: float = 0.0

    def run(self) -> None:
        interval = 1 / RATE_PER_SECOND
        started = time.monotonic()
        with httpx.Client(timeout=15) as client:
            for index in range(MESSAGES):
                time.sleep(max(0.0, started + index * interval - time.monotonic()))
                self._post(client, index)

    def _post(self, client: httpx.Client, index: int) -> None:
        body = json.dumps({"message_id": f"scale-{index}", "from": f"+86139{index % SENDERS:08d}",
                           "to": NUMBER, "text": f"scale-{index}"}).encode()
        for attempt in range(len(self.ingest_urls) * 3):
            url = self.ingest_urls[(index + attempt) % len(self.ingest_urls)]
            timestamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
                       "X-Signature": sign_generic(self.secret, timestamp, body)}
            began = time.monotonic()
            try:
                response = client.post(f"{url}/v1/webhooks/sms/generic/{self.channel_id}",
                                       content=body, headers=headers)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            self.slowest_seconds = max(self.slowest_seconds, time.monotonic() - began)
            if response.status_code == 200:
                self.accepted.append(f"scale-{index}")
            else:
                self.refused.append(response.status_code)
            return
        self.refused.append(0)


def _register_channel(ingest_url: str, tenant: str, secret: str) -> str:
    token = mint_token(ServiceSettings(), tenant=tenant, subject="admin", roles=["admin"],
                       ttl_seconds=600)
    response = httpx.post(f"{ingest_url}/v1/channels", headers={"Authorization": f"Bearer {token}"},
                          json={"kind": "sms", "provider": "generic", "address": NUMBER,
                                "name": "Hotline", "signing_secret": secret}, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _timeline(cluster: Cluster, sql: str) -> int:
    return int(query_scalar(cluster.database_urls["profile"], sql))


def test_a_nats_node_and_a_profile_replica_die_mid_load_and_nothing_is_lost_or_doubled(
    cluster: Cluster,
) -> None:
    cluster.start_nats(3)
    cluster.start("ingest")
    cluster.start("profile")

    ingest_urls = [replica.url for replica in cluster.replicas["ingest"]]
    secret = "gateway-signing-secret"
    load = Load(ingest_urls, _register_channel(ingest_urls[0], "acme", secret), secret)
    sender = threading.Thread(target=load.run)
    sender.start()

    time.sleep(4)
    cluster.nodes[0].kill()  # SIGKILL one JetStream node: R3 streams keep a quorum
    time.sleep(4)
    victim = cluster.replicas["profile"][0]
    victim.kill()  # SIGKILL one profile replica mid-batch: the other carries on
    killed_at = time.monotonic()
    sender.join(120)

    assert load.refused == [], "every request was accepted while the parts died"
    assert len(load.accepted) == MESSAGES
    drained = wait_until(
        lambda: _timeline(cluster, "SELECT count(*) FROM timeline") >= MESSAGES, 120,
        "every accepted message in the profile timeline",
    )
    time.sleep(3)  # redeliveries still in flight must change nothing
    distinct = _timeline(cluster, "SELECT count(DISTINCT summary) FROM timeline")
    total = _timeline(cluster, "SELECT count(*) FROM timeline")
    assert (total, distinct) == (MESSAGES, MESSAGES), "each accepted message has exactly one effect"
    assert _timeline(cluster, "SELECT count(DISTINCT customer_id) FROM timeline") == SENDERS
    print(f"\nscale-out: {MESSAGES} accepted, slowest request {load.slowest_seconds:.2f}s, "
          f"all effects {time.monotonic() - killed_at:.1f}s after the profile kill "
          f"(drained {drained:.1f}s after the load ended)")
