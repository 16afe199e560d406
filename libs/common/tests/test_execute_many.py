"""execute_many and fetch_all on SQLite's thread: the driver, storing and reading what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from switchboard.common.db import UtcDateTime
from switchboard.common.sqlite_thread import SyncSession, ThreadedSqlite, execute_many, fetch_all, run_to_end

metadata = MetaData()
notes = Table(
    "notes", metadata,
    Column("id", String(36), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("body", JSON, nullable=False),
    Column("size", Integer, nullable=True),
    Column("kind", String(10), nullable=False, default="plain"),
)
TOUCH = update(notes).where(notes.c.id == bindparam("note_id")).values(at=bindparam("when"))
BEIJING = timezone(timedelta(hours=8))
ROWS = [
    {"id": "n1", "at": datetime(2026, 12, 3, 9, 30, 0, 0, tzinfo=BEIJING), "body": {"tags": ["vip"], "n": 1},
     "size": None, "kind": "plain"},
    {"id": "n2", "at": datetime(2026, 12, 3, 1, 2, 3, 456789, tzinfo=UTC), "body": [1, "二"], "size": 7,
     "kind": "memo"},
]


@pytest.fixture
def threaded(tmp_path: Path) -> ThreadedSqlite:
    engine = ThreadedSqlite(f"sqlite+aiosqlite:///{tmp_path}/notes.db", "OFF")
    metadata.create_all(engine.engine)
    return engine


def in_transaction(threaded: ThreadedSqlite, work) -> None:  # type: ignore[no-untyped-def]
    session = threaded.sessions()
    try:
        run_to_end(work(session))
        session.sync_session.commit()
    finally:
        session.sync_session.close()


def stored(threaded: ThreadedSqlite) -> list[tuple]:
    with threaded.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM notes ORDER BY id"))]


def test_rows_go_in_as_sqlalchemy_would_write_them(threaded: ThreadedSqlite, tmp_path: Path) -> None:
    async def by_driver(session: SyncSession) -> None:
        await execute_many(session, insert(notes), ROWS)

    in_transaction(threaded, by_driver)
    reference = ThreadedSqlite(f"sqlite+aiosqlite:///{tmp_path}/reference.db", "OFF")
    metadata.create_all(reference.engine)
    with reference.engine.begin() as connection:
        connection.execute(insert(notes), ROWS)
    assert stored(threaded) == stored(reference)  # the same text for times and JSON, the same NULL
    with threaded.engine.connect() as connection:
        first = connection.execute(select(notes).where(notes.c.id == "n1")).one()
    assert first.at == datetime(2026, 12, 3, 1, 30, tzinfo=UTC) and first.body == {"tags": ["vip"], "n": 1}


def test_an_update_binds_its_own_parameter_names_in_their_places(threaded: ThreadedSqlite) -> None:
    async def write(session: SyncSession) -> None:
        await execute_many(session, insert(notes), ROWS)
        await execute_many(session, TOUCH, [
            {"note_id": "n2", "when": datetime(2027, 1, 1, tzinfo=UTC)},
            {"note_id": "n1", "when": datetime(2027, 1, 2, 8, tzinfo=BEIJING)},
        ])

    in_transaction(threaded, write)
    with threaded.engine.connect() as connection:
        times = dict(connection.execute(select(notes.c.id, notes.c.at)).all())
    assert times == {"n1": datetime(2027, 1, 2, tzinfo=UTC), "n2": datetime(2027, 1, 1, tzinfo=UTC)}


def test_a_refused_row_raises_sqlalchemys_error_and_a_missing_value_is_named(
    threaded: ThreadedSqlite
) -> None:
    async def twice(session: SyncSession) -> None:
        await execute_many(session, insert(notes), [ROWS[0], ROWS[0]])

    with pytest.raises(IntegrityError):
        in_transaction(threaded, twice)
    assert stored(threaded) == []  # the transaction did not commit

    async def without_kind(session: SyncSession) -> None:
        await execute_many(session, insert(notes), [{k: v for k, v in ROWS[0].items() if k != "kind"}])

    with pytest.raises(ValueError, match="each row must give kind"):
        in_transaction(threaded, without_kind)


def test_an_update_for_a_tenant_and_a_session_with_its_own_execute_take_sqlalchemys_path(
    threaded: ThreadedSqlite
) -> None:
    calls: list[object] = []

    class Recording(SyncSession):
        async def execute(self, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(statement)
            return await super().execute(statement, *args, **kwargs)

    async def write(session: SyncSession) -> None:
        real = session.execute

        async def counted(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(statement)
            return await real(statement, *args, **kwargs)

        session.execute = counted  # type: ignore[method-assign]
        session.info["tenant"] = "acme"
        await execute_many(session, insert(notes), ROWS)
        await execute_many(session, TOUCH, [{"note_id": "n1", "when": datetime(2027, 1, 1, tzinfo=UTC)}])
        await execute_many(session, insert(notes), [])
        own = Recording(session.sync_session)
        await execute_many(own, TOUCH, [{"note_id": "n2", "when": datetime(2027, 1, 1, tzinfo=UTC)}])
        await fetch_all(own, FOUND, {"ids": ["n1"], "kind": "x", "since": datetime(2026, 1, 1, tzinfo=UTC)})

    in_transaction(threaded, write)
    assert calls[1:] == [TOUCH, TOUCH, FOUND] and len(stored(threaded)) == 2
    assert calls[0].table is notes  # type: ignore[attr-defined]


FOUND = union_all(
    select(literal("by id").label("how"), notes.c.id, notes.c.at, notes.c.body)
    .where(notes.c.id.in_(bindparam("ids", expanding=True))),
    select(literal("by kind").label("how"), notes.c.id, notes.c.at, notes.c.body)
    .where(notes.c.kind == bindparam("kind"), notes.c.at >= bindparam("since")),
)


def test_a_query_reads_back_what_sqlalchemy_reads_with_its_in_lists_expanded(
    threaded: ThreadedSqlite
) -> None:
    async def write(session: SyncSession) -> None:
        await execute_many(session, insert(notes), ROWS)

    in_transaction(threaded, write)
    found: dict[int, list[tuple]] = {}

    async def read(session: SyncSession) -> None:
        for size, ids in ((1, ["n1"]), (3, ["n1", "n2", "nobody"])):  # two lengths of the same IN list
            params = {"ids": ids, "kind": "memo", "since": datetime(2026, 12, 3, tzinfo=UTC)}
            found[size] = await fetch_all(session, FOUND, params)
            assert found[size] == [tuple(row) for row in session.sync_session.execute(FOUND, params)]

    in_transaction(threaded, read)
    assert [row[:2] for row in found[3]] == [("by id", "n1"), ("by id", "n2"), ("by kind", "n2")]
    assert found[1][0] == ("by id", "n1", datetime(2026, 12, 3, 1, 30, tzinfo=UTC), {"tags": ["vip"], "n": 1})
    assert [row[:2] for row in found[1]] == [("by id", "n1"), ("by kind", "n2")]
