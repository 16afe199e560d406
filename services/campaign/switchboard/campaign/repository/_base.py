"""The session every query class shares, and helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeAlias

from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.campaign.models import (
    AgentAvailability,
    Attempt,
    Callback,
    Campaign,
    Consent,
    Contact,
    ContactList,
    Conversation,
    KnownCustomer,
    SurveyResponse,
    TenantSettings,
)

Row: TypeAlias = (Campaign | ContactList | Contact | Attempt | Consent | SurveyResponse | Callback
                  | AgentAvailability | Conversation | KnownCustomer | TenantSettings)
CONNECTED = ("connected", "delivered")


class RepositoryBase:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Row) -> None:
        self.session.add(row)

    def add_all(self, rows: Iterable[Row]) -> None:
        self.session.add_all(list(rows))

    async def flush(self) -> None:
        await self.session.flush()

    async def insert_rows(self, table: Table, common: Mapping[str, Any], columns: Sequence[str],
                          rows: Iterable[Sequence[Any]], per_statement: int = 5000) -> None:
        """Plain rows into `table` through the driver's executemany, in statements of
        `per_statement`: `common` holds the values every row shares, each row the values of
        `columns` in that order. The statement and each column's conversion for the driver are
        SQLAlchemy's own for the session's database, but a value is converted once however many
        rows repeat it (on a large list, the per-row parameter processing costs as much as the
        database's own work)."""
        connection = await self.session.connection()
        dialect = connection.dialect
        statement = insert(table).compile(dialect=dialect, column_keys=[*common, *columns])
        order = list(statement.positiontup or ())
        if sorted(order) != sorted([*common, *columns]):
            raise ValueError(f"insert into {table.name}: columns {order} are not those given")
        shared = tuple(_driver_value(table, name, dialect)(value) for name, value in common.items())
        converting = [(at, convert) for at, name in enumerate(columns)
                      if (convert := _driver_value(table, name, dialect)) is not _as_is]
        in_statement_order = itemgetter(*[[*common, *columns].index(name) for name in order])
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for at, convert in converting:
                values[at] = convert(values[at])
            batch.append(in_statement_order(shared + tuple(values)))
            if len(batch) == per_statement:
                await connection.exec_driver_sql(str(statement), batch)
                batch = []
        if batch:
            await connection.exec_driver_sql(str(statement), batch)


def _as_is(value: Any) -> Any:
    return value


def _driver_value(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any]:
    """What SQLAlchemy would hand the driver for a value of the column, remembered per distinct
    value (a JSON document, seldom repeated, and any unhashable value are converted each time)."""
    column_type = table.c[name].type
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _as_is
    if isinstance(column_type, JSON):
        return process
    known: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        try:
            return known[value]
        except KeyError:
            done = known[value] = process(value)
            return done
        except TypeError:
            return process(value)

    return converted


LARGE_LIST = 20_000  # more addresses than this: one pass over the table beats IN lists of 500


def in_chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """IN lists of a size every database takes."""
    return [items[start:start + size] for start in range(0, len(items), size)]

