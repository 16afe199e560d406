"""Scale-out on one machine: a 3-node NATS cluster with R3 streams, two replicas per service.

The production shape (deploy/k8s) on loopback, on PostgreSQL: three JetStream
nodes, two replicas of every service sharing its database, and agents
accepting and completing their offers through either routing replica. A
steady load of inbound SMS (each a new contact) is spread over both ingest
replicas, as the ingress would; mid-load one NATS node is SIGKILLed, then a
routing replica, then a profile replica. Every accepted contact must be
resolved once, routed exactly once and transcribed once by qa, no agent may
ever be over capacity, and the load must keep being accepted throughout.
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

MESSAGES = 240
RATE_PER_SECOND = 20
AGENTS = 8
CAPACITY = 2
OVER_CAPACITY = ("SELECT count(*) FROM (SELECT agent_id FROM tasks WHERE status IN ('offered', 'accepted') "
                 "GROUP BY agent_id HAVING count(*) > 2) AS over")  # CAPACITY
OFFERED_TWICE = ("SELECT count(*) FROM (SELECT task_id FROM reservations WHERE outcome = 'pending' "
                 "GROUP BY task_id HAVING count(*) > 1) AS twice")
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

    def start(self, service: str, count: int = 2, extra_env: dict[str, str] | None = None) -> None:
        url = self.database_urls.setdefault(service, self.databases.url_for(f"scale_{service}"))
        env = {
            **(extra_env or {}),
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
        body = json.dumps({"message_id": f"scale-{index}", "from": f"+86139{index:08d}",
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


def _query(cluster: Cluster, service: str, sql: str) -> int:
    return int(query_scalar(cluster.database_urls[service], sql))


def _token(tenant: str, subject: str, *roles: str) -> str:
    return mint_token(ServiceSettings(), tenant=tenant, subject=subject, roles=list(roles),
                      ttl_seconds=900)


def _staff(routing_url: str) -> None:
    headers = {"Authorization": f"Bearer {_token('acme', 'admin', 'admin')}"}
    with httpx.Client(base_url=routing_url, headers=headers, timeout=30) as admin:
        assert admin.post("/v1/queues", json={"name": "general", "channels": ["sms"],
                                              "is_default": True}).status_code == 201
        for index in range(AGENTS):
            agent_id = f"agent-{index}"
            assert admin.post("/v1/agents", json={"id": agent_id, "name": agent_id,
                                                  "capacity": {"sms": CAPACITY}}).status_code == 201
            assert admin.post(f"/v1/agents/{agent_id}/sign-in", json={}).status_code == 200


async def _agents_work(urls: list[str], stop: threading.Event) -> None:
    """Each agent accepts its offers and completes its tasks, through whichever replica answers."""

    async def agent(index: int) -> None:
        agent_id = f"agent-{index}"
        headers = {"Authorization": f"Bearer {_token('acme', agent_id, 'agent')}"}
        async with httpx.AsyncClient(headers=headers, timeout=10) as client:
            turn = index
            while not stop.is_set():
                turn += 1
                base = urls[turn % len(urls)]
                try:
                    for task in (await client.get(f"{base}/v1/agents/{agent_id}/tasks")).json():
                        action = "accept" if task["status"] == "offered" else "complete"
                        await client.post(f"{base}/v1/tasks/{task['id']}/{action}",
                                          json={"disposition": "done"} if action == "complete" else None)
                except httpx.TransportError:
                    pass  # that replica is gone: the next turn uses the other
                await asyncio.sleep(0.05)

    await asyncio.gather(*(agent(index) for index in range(AGENTS)))


def test_a_nats_node_then_routing_then_profile_replicas_die_mid_load_and_nothing_is_lost_or_doubled(
    cluster: Cluster,
) -> None:
    cluster.start_nats(3)
    cluster.start("ingest")
    cluster.start("profile")
    cluster.start("routing", extra_env={"ROUTING_PROFILE_GRACE_SECONDS": "1",
                                        "ROUTING_OFFER_TIMEOUT_SECONDS": "5"})
    cluster.start("campaign")
    cluster.start("qa")
    routing_urls = [replica.url for replica in cluster.replicas["routing"]]
    _staff(routing_urls[0])

    ingest_urls = [replica.url for replica in cluster.replicas["ingest"]]
    secret = "gateway-signing-secret"
    load = Load(ingest_urls, _register_channel(ingest_urls[0], "acme", secret), secret)
    violations: list[str] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for name, sql in (("over capacity", OVER_CAPACITY), ("offered twice", OFFERED_TWICE)):
                if _query(cluster, "routing", sql):
                    violations.append(name)
            time.sleep(0.1)

    threads = [threading.Thread(target=load.run), threading.Thread(target=sample),
               threading.Thread(target=lambda: asyncio.run(_agents_work(routing_urls, stop)))]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        cluster.nodes[0].kill()  # SIGKILL one JetStream node: R3 streams keep a quorum
        time.sleep(3)
        before = _query(cluster, "routing", "SELECT count(*) FROM reservations")
        cluster.replicas["routing"][0].kill()  # SIGKILL a routing replica mid-decisions
        routing_killed = time.monotonic()
        failover = wait_until(
            lambda: _query(cluster, "routing", "SELECT count(*) FROM reservations") > before, 60,
            "the surviving routing replica to make the next offer",
        )
        time.sleep(3)
        cluster.replicas["profile"][0].kill()  # SIGKILL a profile replica mid-batch
        threads[0].join(120)

        assert load.refused == [], "every request was accepted while the parts died"
        assert len(load.accepted) == MESSAGES
        resolved = wait_until(
            lambda: _query(cluster, "profile", "SELECT count(*) FROM timeline "
                                               "WHERE kind = 'message.received'") >= MESSAGES, 120,
            "every accepted contact in the profile timeline",
        )
        routed = wait_until(
            lambda: _query(cluster, "routing", "SELECT count(*) FROM tasks WHERE status = 'completed'")
            >= MESSAGES, 240, "every accepted contact routed to an agent and completed",
        )
        time.sleep(3)  # redeliveries still in flight must change nothing
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    assert violations == [], f"invariant broken: {sorted(set(violations))}"
    received = "FROM timeline WHERE kind = 'message.received'"
    profile = (_query(cluster, "profile", f"SELECT count(*) {received}"),
               _query(cluster, "profile", f"SELECT count(DISTINCT summary) {received}"),
               _query(cluster, "profile", f"SELECT count(DISTINCT customer_id) {received}"))
    assert profile == (MESSAGES, MESSAGES, MESSAGES), "each accepted contact resolved exactly once"
    routing = (_query(cluster, "routing", "SELECT count(*) FROM tasks"),
               _query(cluster, "routing", "SELECT count(DISTINCT conversation_id) FROM tasks"),
               _query(cluster, "routing", "SELECT count(*) FROM tasks WHERE status = 'completed'"))
    assert routing == (MESSAGES, MESSAGES, MESSAGES), "each accepted contact routed exactly once"
    customer_lines = "FROM transcript_messages WHERE role = 'customer'"
    wait_until(lambda: _query(cluster, "qa", f"SELECT count(*) {customer_lines}") >= MESSAGES, 60,
               "qa to transcribe every contact")
    qa = (_query(cluster, "qa", f"SELECT count(*) {customer_lines}"),
          _query(cluster, "qa", f"SELECT count(DISTINCT message_id) {customer_lines}"),
          _query(cluster, "qa", "SELECT count(*) FROM contacts"))
    assert qa == (MESSAGES, MESSAGES, MESSAGES), "each accepted contact transcribed exactly once"
    print(f"\nscale-out: {MESSAGES} contacts accepted (slowest request {load.slowest_seconds:.2f}s); "
          f"routing failover: next offer {failover:.1f}s after the SIGKILL; "
          f"all resolved {resolved:.1f}s and all completed {routed:.1f}s after the load ended; "
          f"{time.monotonic() - routing_killed:.0f}s from the routing kill to the end")
