"""A large phone list read with its numbers parsed in worker processes, slice by slice, while this
process reads the CSV and takes the rows whose numbers are back: the same report as
`import_contacts`, sooner on more than one core (parsing a number is pure
Python, the largest part of an import)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice

from switchboard.campaign.domain.csv_import import (
    ContactsTaken,
    ImportReport,
    import_contacts,
    phone_records,
    read_numbers,
)
from switchboard.campaign.domain.phones import Parsed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListParsing:
    """When a list's numbers are parsed in worker processes: `workers` of them (0: never) for a
    list of at least `min_rows` lines, `slice_rows` numbers per task."""

    workers: int = 2
    min_rows: int = 50_000
    slice_rows: int = 20_000

    def parallel_for(self, text: str) -> bool:
        return self.workers > 0 and text.count("\n") >= self.min_rows


async def import_contacts_in_workers(text: str, default_region: str, parsing: ListParsing) -> ImportReport:
    """`import_contacts(text, default_region)`, its numbers parsed by `parsing.workers` processes.
    The workers are spawned for this list and gone when it is read: nothing is forked from a
    process that holds an event loop, threads and database connections."""
    records = phone_records(text)
    batch = list(islice(records, parsing.slice_rows))  # no phone column: raised before any process
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(parsing.workers, mp_context=multiprocessing.get_context("spawn"))
    pending: list[tuple[list[tuple[int, str, dict[str, str]]], asyncio.Future[list[Parsed | None]]]] = []
    try:
        while batch:
            raws = [raw for _, raw, _ in batch]
            pending.append((batch, loop.run_in_executor(pool, read_numbers, raws, default_region)))
            batch = list(islice(records, parsing.slice_rows))
        contacts = ContactsTaken()
        for batch, numbers in pending:  # in line order, so the first row of a number is the one kept
            for (line, raw, fields), parsed in zip(batch, await numbers, strict=True):
                contacts.take(line, raw, fields, parsed)
        return contacts.report
    except BrokenProcessPool:
        # a worker died (out of memory, killed): the list is read here instead, to the same result
        log.warning("a worker parsing a list's numbers stopped; reading the list in this process")
        return import_contacts(text, default_region)
    finally:
        for _, numbers in pending:  # what is left of a list given up on: nothing runs on, nothing is logged
            if numbers.done() and not numbers.cancelled():
                numbers.exception()
            numbers.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
