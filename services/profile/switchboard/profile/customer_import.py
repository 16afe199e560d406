"""Importing customers from CSV: every row checked, good rows kept, bad rows reported.

Columns (header row required, any order, all optional but one identity):
name, phone, email, external_id, tier, language, time_zone, birthday (YYYY-MM-DD),
tags (separated by ';'). A row whose identity another customer already holds, or
an earlier row of the same file holds, is rejected and names the holder.
Rows are written in chunks with bulk inserts, all in the request's transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.common.errors import Unprocessable
from switchboard.common.ids import new_id
from switchboard.profile.domain.customers import (
    DEFAULT_TIER,
    valid_birthday,
    valid_language,
    valid_tags,
    valid_time_zone,
)
from switchboard.profile.domain.sensitive import refuse_card_numbers
from switchboard.profile.identities import IdentityKey, identity_key
from switchboard.profile.models import Customer, Identity

COLUMNS = ("name", "phone", "email", "external_id", "tier", "language", "time_zone", "birthday", "tags")
CHUNK = 2000  # keeps one chunk's identity lookup under SQLite's 32,766 parameters
MAX_REPORTED = 1000


@dataclass
class ImportReport:
    imported: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, error: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append({"line": line, "error": error})


@dataclass
class ParsedRow:
    line: int
    customer: dict[str, Any]
    keys: list[IdentityKey]


def parse_row(line: int, row: dict[str, str], region: str | None, tiers: set[str], today: date) -> ParsedRow:
    """One CSV row as a customer and its identities; 422 naming the column if it is bad."""
    value = {k: (row.get(k) or "").strip() for k in COLUMNS}
    keys = [identity_key(kind, value[column], region, column)
            for kind, column in (("phone", "phone"), ("email", "email"), ("external", "external_id"))
            if value[column]]
    if not keys:
        raise Unprocessable("a row needs at least one of phone, email or external_id")
    tier = value["tier"] or DEFAULT_TIER
    if tier not in tiers:
        raise Unprocessable(f"tier: {tier!r} is not a tier of this tenant")
    refuse_card_numbers("name", value["name"])
    try:
        birthday = date.fromisoformat(value["birthday"]) if value["birthday"] else None
    except ValueError as exc:
        raise Unprocessable(f"birthday: {value['birthday']!r} is not YYYY-MM-DD") from exc
    customer = {
        "name": value["name"][:255] or None, "tier": tier,
        "language": valid_language(value["language"]) if value["language"] else None,
        "time_zone": valid_time_zone(value["time_zone"]) if value["time_zone"] else None,
        "birthday": valid_birthday(birthday, today) if birthday else None,
        "tags": valid_tags([t for t in value["tags"].split(";") if t.strip()]),
    }
    return ParsedRow(line, customer, keys)


def rows_of(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise Unprocessable("the file is empty: a header row is required")
    unknown = {f.strip() for f in reader.fieldnames} - set(COLUMNS)
    if unknown:
        raise Unprocessable(
            f"unknown columns: {', '.join(sorted(unknown))}; columns are {', '.join(COLUMNS)}"
        )
    for row in reader:
        yield reader.line_num, {(k or "").strip(): v for k, v in row.items() if isinstance(v, str)}


async def import_customers(
    session: AsyncSession, tenant: str, text: str, region: str | None, tiers: set[str]
) -> ImportReport:
    report, today, chunk = ImportReport(), datetime.now(UTC).date(), []
    seen: dict[IdentityKey, int] = {}
    for line, row in rows_of(text):
        try:
            parsed = parse_row(line, row, region, tiers, today)
        except Unprocessable as exc:
            report.reject(line, exc.detail)
            continue
        duplicate = next((seen[k] for k in parsed.keys if k in seen), None)
        if duplicate is not None:
            report.reject(line, f"the same identity as line {duplicate}")
            continue
        seen.update({k: line for k in parsed.keys})
        chunk.append(parsed)
        if len(chunk) >= CHUNK:
            await _write_chunk(session, tenant, chunk, report)
            chunk = []
    await _write_chunk(session, tenant, chunk, report)
    return report


async def _write_chunk(
    session: AsyncSession, tenant: str, chunk: list[ParsedRow], report: ImportReport
) -> None:
    if not chunk:
        return
    wanted = [(k.kind, k.value) for row in chunk for k in row.keys]
    pairs = set(wanted)
    held = dict((((kind, value), customer) for kind, value, customer in (await session.execute(
        select(Identity.kind, Identity.value, Identity.customer_id)
        # kind IN and value IN (not a row-value IN) so that SQLite searches the unique index
        .where(Identity.tenant_id == tenant, Identity.kind.in_({k for k, _ in wanted}),
               Identity.value.in_({v for _, v in wanted}))
        .execution_options(all_tenants=True)  # filtered on tenant_id above
    )).all() if (kind, value) in pairs))
    now = datetime.now(UTC)
    customers, identities = [], []
    for row in chunk:
        holder = next((held[(k.kind, k.value)] for k in row.keys if (k.kind, k.value) in held), None)
        if holder is not None:
            report.reject(row.line, f"an identity of this row is already held by customer {holder}")
            continue
        customer_id = new_id()
        customers.append({"id": customer_id, "tenant_id": tenant, "attributes": {}, "created_at": now,
                          "updated_at": now, **row.customer})
        identities += [{"id": new_id(), "tenant_id": tenant, "customer_id": customer_id,
                        "kind": k.kind, "value": k.value, "verified": False, "created_at": now}
                       for k in row.keys]
    if customers:
        # Core inserts of plain rows: the ORM's per-object bookkeeping would double the cost
        await session.execute(insert(Customer.__table__), customers)
        await session.execute(insert(Identity.__table__), identities)
    report.imported += len(customers)
