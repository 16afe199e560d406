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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import UtcDateTime
from switchboard.common.sqlite_thread import (
    SyncSession,
    ThreadedSqlite,
    WalCheckpoints,
    _driver_statement,
    execute_many,
    fetch_all,
    fetch_unread,
    rows_on_driver,
    run_to_end,
)

metadata = MetaData()
notes = Table(
    "notes", metadata,
    Column("id", String(36), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("body", JSON, nullable=False),
    Column("size", Integer, nullable=True),
    Column("kind", String(10), nullable=False, default="plain"),
)


class _Mapped(DeclarativeBase):
    pass


class Scoped(_Mapped):
    __tablename__ = "scoped"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(100))


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
        # two lengths of the same IN list, each rendered once and then filled with other values
        for size, ids in ((1, ["n1"]), (3, ["n1", "n2", "nobody"]), (-1, ["n2"]), (-3, ["x", "n2", "n1"])):
            params = {"ids": ids, "kind": "memo", "since": datetime(2026, 12, 3, tzinfo=UTC)}
            found[size] = await fetch_all(session, FOUND, params)
            assert found[size] == [tuple(row) for row in session.sync_session.execute(FOUND, params)]

    in_transaction(threaded, read)
    assert [row[:2] for row in found[3]] == [("by id", "n1"), ("by id", "n2"), ("by kind", "n2")]
    assert [row[:2] for row in found[-1]] == [("by id", "n2"), ("by kind", "n2")]
    assert found[-3] == found[3]

    async def read_a_set(session: SyncSession) -> None:
        params = {"ids": {"n2"}, "kind": "memo", "since": datetime(2026, 12, 3, tzinfo=UTC)}
        assert await fetch_all(session, FOUND, params) == found[-1]

    in_transaction(threaded, read_a_set)
    assert found[1][0] == ("by id", "n1", datetime(2026, 12, 3, 1, 30, tzinfo=UTC), {"tags": ["vip"], "n": 1})
    assert [row[:2] for row in found[1]] == [("by id", "n1"), ("by kind", "n2")]


def test_unread_rows_are_the_drivers_and_read_one_by_one_as_sqlalchemy_reads_them(
    threaded: ThreadedSqlite
) -> None:
    async def write(session: SyncSession) -> None:
        await execute_many(session, insert(notes), ROWS)

    in_transaction(threaded, write)
    params = {"ids": ["n1", "n2"], "kind": "memo", "since": datetime(2026, 12, 3, tzinfo=UTC)}

    async def read(session: SyncSession) -> None:
        rows, read_one = await fetch_unread(session, FOUND, params)
        assert [read_one(row) for row in rows] == await fetch_all(session, FOUND, params)
        assert rows[0][2] == "2026-12-03 01:30:00.000000" and rows[0][3] == '{"tags": ["vip"], "n": 1}', \
            "as stored: the date's text, the JSON's text"

    in_transaction(threaded, read)

    async def read_for_a_tenant(session: SyncSession) -> None:  # SQLAlchemy's path: read already
        rows, read_one = await fetch_unread(session, FOUND, params)
        assert rows == await fetch_all(session, FOUND, params)
        assert rows[0][2] == datetime(2026, 12, 3, 1, 30, tzinfo=UTC) and read_one(rows[0]) is rows[0]

    session = threaded.sessions()
    session.info["tenant"] = "acme"
    try:
        run_to_end(read_for_a_tenant(session))
    finally:
        session.sync_session.close()


def test_an_insert_built_anew_for_each_call_is_compiled_once_and_stores_every_call(
    threaded: ThreadedSqlite
) -> None:
    dialect = threaded.engine.dialect
    keys = tuple(ROWS[0])
    assert _driver_statement(insert(notes), dialect, keys) is _driver_statement(insert(notes), dialect, keys)

    async def write(session: SyncSession) -> None:
        await execute_many(session, insert(notes), ROWS[:1])
        await execute_many(session, insert(notes), ROWS[1:])

    in_transaction(threaded, write)
    assert [row[0] for row in stored(threaded)] == ["n1", "n2"]


def test_only_core_writes_over_rows_that_give_every_parameter_go_to_the_driver(
    threaded: ThreadedSqlite
) -> None:
    dialect = threaded.engine.dialect
    assert rows_on_driver(insert(notes), (ROWS,), {}, dialect)
    assert rows_on_driver(TOUCH, ([{"note_id": "n1", "when": datetime.now(UTC)}],), {}, dialect)
    without_kind = [{k: v for k, v in ROWS[0].items() if k != "kind"}]
    assert not rows_on_driver(insert(notes), (without_kind,), {}, dialect)  # a column default
    assert not rows_on_driver(insert(notes), (ROWS[0],), {}, dialect)  # one dict, not rows
    assert not rows_on_driver(insert(notes), (ROWS,), {"execution_options": {}}, dialect)
    assert not rows_on_driver(update(notes).values(size=1), (), {}, dialect)
    assert not rows_on_driver(update(Scoped).values(text=bindparam("t")), ([{"t": "x"}],), {}, dialect)
    assert not rows_on_driver(select(notes.c.id), ([{}],), {}, dialect)


def test_passive_checkpoints_run_once_the_wal_has_grown_by_the_target_not_after_every_batch(
    tmp_path: Path
) -> None:
    threaded = ThreadedSqlite(f"sqlite:///{tmp_path}/wal.db", "FULL")
    metadata.create_all(threaded.engine)
    checkpoints = WalCheckpoints(threaded.engine, target=100)
    batches, due = 400, 0
    for n in range(batches):
        with threaded.engine.begin() as connection:
            connection.execute(insert(notes), [{**ROWS[0], "id": f"n{n}"}])
        if checkpoints.committed(1):
            due += 1
            checkpoints.run()
    assert checkpoints.runs == due
    assert 3 <= due < batches / 5  # the first after one batch, then as frames add up to 100
    page = threaded.engine.connect().exec_driver_sql("PRAGMA page_size").scalar()
    assert (tmp_path / "wal.db-wal").stat().st_size <= 32 + 150 * (page + 24)  # the most it held
    threaded.close()


def test_a_checkpoint_is_due_at_least_every_most_batches_whatever_the_wal_says(tmp_path: Path) -> None:
    threaded = ThreadedSqlite(f"sqlite:///{tmp_path}/wal.db", "FULL")
    checkpoints = WalCheckpoints(threaded.engine, target=10**9, most_batches=8)
    assert checkpoints.committed(1)  # nothing known of the WAL yet
    checkpoints.run()
    assert [checkpoints.committed(1) for _ in range(8)] == [False] * 7 + [True]
    checkpoints.run()
    assert [checkpoints.committed(1) for _ in range(8)] == [False] * 7 + [True]
    threaded.close()
