"""Campaign's queries on a customer's contacts and a campaign's contacts, at two revisions.

One tenant with `--contacts` contacts in 20 campaigns (a quarter of them linked to one of 50,000
customers) and half as many conversations, in a database migrated to each `--revisions` entry;
for each query its plan and its CPU time (SQLite, in this process), or `EXPLAIN (ANALYZE,
BUFFERS)`'s scans and execution time (`--postgres`: an embedded server, after ANALYZE).

    .venv/bin/python bench/campaign_queries.py [--contacts 400000] [--revisions 0007 head] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from switchboard.common.migrations import upgrade

QUERIES = {
    "a campaign's addresses (a large list's check)": (
        "SELECT address FROM contacts WHERE tenant_id='acme' AND campaign_id='c3'", 20),
    "move a customer's waiting contacts to a zone": (
        "UPDATE contacts SET zones='Asia/Tokyo' WHERE tenant_id='acme' AND customer_id=:c "
        "AND status='pending' AND zone_given=false AND zones!='Asia/Tokyo'", 200),
    "a customer's number from a list": (
        "SELECT address FROM contacts WHERE tenant_id='acme' AND customer_id=:c AND address LIKE '+%' "
        "ORDER BY created_at DESC LIMIT 1", 200),
    "a customer's contacts (erasure, merge)": (
        "SELECT id FROM contacts WHERE tenant_id='acme' AND customer_id=:c", 200),
    "a customer's number from a conversation": (
        "SELECT address FROM conversations WHERE tenant_id='acme' AND customer_id=:c "
        "AND channel IN ('sms', 'voice') ORDER BY opened_at DESC LIMIT 1", 200),
}
CAMPAIGNS = """INSERT INTO campaigns (id, tenant_id, name, kind, channel, purpose, status, schedule,
    max_attempts, retry_minutes, weekly_cap, default_region, disposition_codes, created_at, updated_at)
    SELECT 'c' || n, 'acme', 'n', 'sms_blast', 'sms', 'marketing', 'running', '{}', 3, '[]', 3, 'CN', '[]',
    '2026-03-02', '2026-03-02' FROM numbers WHERE n < 20"""
CONTACTS = """INSERT INTO contacts (id, tenant_id, campaign_id, address, dedupe_key, zones, zone_given,
    customer_id, fields, priority, value, status, attempts_made, converted, created_at)
    SELECT 'x' || n, 'acme', 'c' || (n % 20), '+86138' || n, '', 'Asia/Shanghai', false,
    CASE WHEN n % 4 = 0 THEN 'k' || (n % 50000) END, '{}', 0, 0, 'pending', 0, false, '2026-03-02'
    FROM numbers"""
CONVERSATIONS = """INSERT INTO conversations (id, tenant_id, channel, address, customer_id,
    opened_at) SELECT 'v' || n, 'acme', 'sms', '+86' || n, 'k' || (n % 50000), '2026-03-02'
    FROM numbers WHERE n % 2 = 0"""


def customer(i: int) -> str:
    return f"k{(i * 4 * 7) % 50000}"  # customers that have contacts


def on_sqlite(path: Path, contacts: int) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TEMP TABLE numbers (n INTEGER)")
    db.executemany("INSERT INTO numbers VALUES (?)", ((n,) for n in range(contacts)))
    for statement in (CAMPAIGNS, CONTACTS, CONVERSATIONS):
        db.execute(statement)
    db.commit()
    for name, (sql, runs) in QUERIES.items():
        plan = "; ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, {"c": "k0"}))
        started = time.process_time()
        for i in range(runs):
            db.execute(sql, {"c": customer(i)}).fetchall()
        cpu = (time.process_time() - started) / runs
        db.rollback()
        print(f"  {name:46} {cpu * 1000:8.3f} ms CPU   {plan}")


async def on_postgres(url: str, contacts: int) -> None:
    import asyncpg

    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    await db.execute("CREATE TEMP TABLE numbers AS SELECT n FROM generate_series(0, $1::int - 1) n", contacts)
    for statement in (CAMPAIGNS, CONTACTS, CONVERSATIONS):
        await db.execute(statement)
    await db.execute("ANALYZE")
    for name, (sql, _) in QUERIES.items():
        plan = await db.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace(":c", f"'{customer(1)}'"))
        lines = [row[0].strip() for row in plan]
        scans = [line.split("  (")[0].lstrip("-> ") for line in lines if "Scan" in line]
        total = next(line for line in lines if line.startswith("Execution Time"))
        print(f"  {name:46} {total:24} {'; '.join(scans)}")
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=400_000)
    parser.add_argument("--revisions", nargs="+", default=["0007", "head"])
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    server = None
    if args.postgres:
        from switchboard.common.testing import PostgresServerForTests

        server = PostgresServerForTests()
    with tempfile.TemporaryDirectory() as folder:
        for revision in args.revisions:
            print(f"revision {revision}, {args.contacts:,} contacts of one tenant:")
            if server is not None:
                url = server.create_database("queries")
                upgrade("switchboard.campaign", url, revision)
                asyncio.run(on_postgres(url, args.contacts))
            else:
                path = Path(folder) / f"{revision}.db"
                upgrade("switchboard.campaign", f"sqlite:///{path}", revision)
                on_sqlite(path, args.contacts)


if __name__ == "__main__":
    main()
