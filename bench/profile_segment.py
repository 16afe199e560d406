"""Segment members read per second, with their contact points, page after page.

A database filled as in `profile_screen_pop.py` (one phone per customer; one in
ten with a marketing consent record, half of those granted). Two segments are
read to the end in pages of 1,000, as campaign reads them:

- `all`: every customer, with all contact points (sms and voice);
- `sms marketing`: only customers whose sms address may receive marketing.

The baseline, in the same run, is the bare keyset scan of the customers table
(`customers_page`), the floor any member listing pays.

    .venv/bin/python bench/profile_segment.py [--customers 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from profile_screen_pop import TENANT, fill

from switchboard.common.db import create_engine, session_factory
from switchboard.common.migrations import upgrade
from switchboard.profile.domain.segments import ConsentRule, SegmentRules
from switchboard.profile.repository import customers_page
from switchboard.profile.segments import members


async def read_all(url: str, rules: SegmentRules | None) -> tuple[int, float]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    count, after, started = 0, None, time.perf_counter()
    while True:
        async with sessions() as session:
            if rules is None:
                page = [c.id for c in await customers_page(session, TENANT, after, 1000, [])]
            else:
                page = [m.customer_id async for m in members(session, TENANT, rules, None,
                                                             after=after, limit=1000)]
        count += len(page)
        if len(page) < 1000:
            break
        after = page[-1]
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return count, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-bench-segment-") as tmp:
        path = Path(tmp) / "profile.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade("switchboard.profile", url)
        fill(path, args.customers)
        cases = {
            "customers_page scan (floor)": None,
            "segment: all": SegmentRules(),
            "segment: sms marketing": SegmentRules(consent=ConsentRule(channel="sms", purpose="marketing")),
        }
        results = {label: asyncio.run(read_all(url, rules)) for label, rules in cases.items()}
    print(f"{args.customers:,} customers, pages of 1,000")
    print("| read | members | seconds | customers scanned/s | members/s |")
    print("|---|---|---|---|---|")
    for label, (count, seconds) in results.items():
        scanned, rate = args.customers / seconds, count / seconds
        print(f"| {label} | {count:,} | {seconds:.1f} | {scanned:,.0f} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
