"""Alembic, driven from code: each service keeps its migrations in its own package.

A service's `migrations/env.py` is two lines that call `run_env`. `upgrade`
runs a service's migrations to head against any URL (SQLite or PostgreSQL);
`drift` compares a database with the models, for the no-drift test.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard.common.db import create_engine, is_sqlite, normalize_url

MIGRATION_LOCK = 0x5B_0001  # advisory lock id held while a service migrates


def alembic_config(package: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = normalize_url(url)
    return config


def upgrade(package: str, url: str, revision: str = "head") -> None:
    """Run migrations to `revision` (blocking; call it before the service starts)."""
    if is_sqlite(normalize_url(url)):
        create_engine(url)  # creates the database's folder
    command.upgrade(alembic_config(package, url), revision)


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    from alembic import context

    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=is_sqlite(str(url)), compare_type=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several replicas may start at once (an init container each): one
                # migrates, the others wait here and then find the database at head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(str(url), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    asyncio.run(main())


def drift(metadata: MetaData, url: str) -> list[Any]:
    """Differences between the migrated database and the models (empty = no drift)."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async def main() -> list[Any]:
        engine = create_async_engine(normalize_url(url), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            diffs = await connection.run_sync(compare)
        await engine.dispose()
        return diffs

    return asyncio.run(main())
