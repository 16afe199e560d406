"""Customer CSV import rate: rows validated, de-duplicated and written per second.

`import_customers` (what `POST /v1/customers/import` runs) on a migrated SQLite
file, one transaction, against the floor measured in the same run: parsing
the same CSV with `csv.DictReader` and nothing else. One row in 100 is bad
(an unreadable phone) and must be reported without holding the others back.

    .venv/bin/python bench/profile_import.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import tempfile
import time
from pathlib import Path

from switchboard.common.db import create_engine, session_factory
from switchboard.common.migrations import upgrade
from switchboard.profile.customer_import import import_customers


def make_csv(rows: int) -> str:
    out = io.StringIO()
    out.write("name,phone,email,external_id,tier,language,time_zone,birthday,tags\n")
    for n in range(rows):
        phone = "12" if n % 100 == 99 else f"1380{n:07d}"
        out.write(f"Customer {n},{phone},c{n}@example.cn,crm:C-{n},standard,zh-CN,Asia/Shanghai,"
                  f"1990-{n % 12 + 1:02d}-{n % 28 + 1:02d},broadband;5g\n")
    return out.getvalue()


async def run_import(path: Path, text: str) -> tuple[float, int, int]:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        report = await import_customers(session, "bench", text, "CN", {"standard"})
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, report.imported, report.rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    text = make_csv(args.rows)
    started = time.perf_counter()
    parsed = sum(1 for _ in csv.DictReader(io.StringIO(text)))
    floor = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="sb-bench-import-") as tmp:
        path = Path(tmp) / "profile.db"
        upgrade("switchboard.profile", f"sqlite+aiosqlite:///{path}")
        elapsed, imported, rejected = asyncio.run(run_import(path, text))
    assert parsed == args.rows and imported + rejected == args.rows and rejected == args.rows // 100
    print(f"{args.rows:,} rows ({len(text) / 2**20:.0f} MiB), {rejected:,} bad")
    print("| step | rows/s | 1,000,000 rows would take |")
    print("|---|---|---|")
    for label, seconds in (("csv.DictReader only (floor)", floor), ("import_customers", elapsed)):
        rate = args.rows / seconds
        print(f"| {label} | {rate:,.0f} | {1_000_000 / rate / 60:.1f} min |")
    print(f"\nimport / floor: {floor / elapsed:.3f}")


if __name__ == "__main__":
    main()
