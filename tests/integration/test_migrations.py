"""Every service's migrations run from empty, match the models, and downgrade cleanly."""

from __future__ import annotations

import importlib

import pytest

from switchboard.common.launcher import SERVICE_PORTS
from switchboard.common.migrations import alembic_config, drift, upgrade
from switchboard.common.testing import TestDatabases


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_migrations_run_from_empty_and_match_the_models(databases: TestDatabases, service: str) -> None:
    from alembic import command

    package = f"switchboard.{service}"
    models = importlib.import_module(f"{package}.models")
    url = databases.url_for(f"mig_{service}")

    upgrade(package, url)
    assert drift(models.Base.metadata, url) == [], "models and migrations disagree"

    command.downgrade(alembic_config(package, url), "base")
    assert drift(models.Base.metadata, url) != [], "downgrade to base removes the schema"
    upgrade(package, url)
    assert drift(models.Base.metadata, url) == []


def test_replicas_migrating_at_once_on_postgresql_do_not_collide(databases: TestDatabases) -> None:
    """Every replica's init container migrates; the advisory lock lets one work at a time."""
    import os
    import subprocess
    import sys

    from switchboard.common.testing import backend

    if backend() != "postgres":
        pytest.skip("replicas share a database only on PostgreSQL")
    url = databases.url_for("mig_race")
    env = {**os.environ, "INGEST_DATABASE_URL": url}
    replicas = [
        subprocess.Popen([sys.executable, "-m", "switchboard.ingest", "migrate"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(4)
    ]
    outputs = [replica.communicate(timeout=120)[0].decode() for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0, 0], outputs
    models = importlib.import_module("switchboard.ingest.models")
    assert drift(models.Base.metadata, url) == []
