"""A contact list from CSV: validated, normalized to E.164, de-duplicated, every rejection reported."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from switchboard.campaign.domain.phones import NumberReader, Parsed

PHONE_COLUMN = "phone"


@dataclass(frozen=True, slots=True)  # a million of them on a large list
class ImportedRow:
    line: int
    phone_e164: str
    fields: dict[str, str]
    zones: tuple[str, ...] = ()  # resolved once here, where the number is already parsed


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    accepted: list[ImportedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


class MissingPhoneColumn(ValueError):
    """The file lacks its address column (`phone`, or `email`): nothing can be imported."""


def normalize_phone(raw: str, default_region: str) -> str | None:
    """E.164 for a valid number, else None (a national number takes the default region)."""
    parsed = NumberReader(default_region).read(raw.strip())
    return None if parsed is None else parsed[0]


def _records(text: str, address_column: str) -> Iterator[tuple[int, str, dict[str, str]]]:
    """(line, address cell, the other named columns) per record, as `csv.DictReader` reads them
    (blank lines skipped, a short row's missing cells empty, a repeated column's last cell wins),
    without building a dict per row twice."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or address_column not in header:
        noun = "an 'email'" if address_column == EMAIL_COLUMN else "a 'phone'"
        raise MissingPhoneColumn(f"csv: {noun} column is required")
    at = len(header) - 1 - header[::-1].index(address_column)
    named = {name: index for index, name in enumerate(header) if name and name != address_column}
    others = list(named.items())
    width = len(header)
    line = 1
    for row in reader:
        if not row:
            continue
        line += 1
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield line, row[at].strip(), {name: row[index].strip() for name, index in others}


def import_contacts(text: str, default_region: str) -> ImportReport:
    """Accept each good row once; report each bad row with its line number and why."""
    contacts = ContactsTaken()
    numbers = NumberReader(default_region)
    for line, raw, fields in phone_records(text):
        contacts.take(line, raw, fields, numbers.read(raw) if raw else None)
    return contacts.report


def phone_records(text: str) -> Iterator[tuple[int, str, dict[str, str]]]:
    """(line, phone cell, the other named columns) per record of a phone list."""
    return _records(text, PHONE_COLUMN)


def read_numbers(raws: list[str], default_region: str) -> list[Parsed | None]:
    """What `import_contacts` reads from each phone cell, for a slice of the list read elsewhere
    (a worker process): E.164 and zones, None for an empty or invalid cell."""
    numbers = NumberReader(default_region)
    return [numbers.read(raw) if raw else None for raw in raws]


class ContactsTaken:
    """The rows of a phone list in line order, each with what its cell reads as: the first row of
    a number is accepted, every other row is rejected with why."""

    def __init__(self) -> None:
        self.report = ImportReport()
        self.seen: dict[str, int] = {}  # E.164 -> the line that first had it

    def take(self, line: int, raw: str, fields: dict[str, str], parsed: Parsed | None) -> None:
        if not raw:
            self.report.rejected.append(RejectedRow(line, "phone: empty"))
        elif parsed is None:
            self.report.rejected.append(RejectedRow(line, "phone: not a valid number"))
        elif (phone := parsed[0]) in self.seen:
            self.report.rejected.append(RejectedRow(line, f"phone: duplicate of line {self.seen[phone]}"))
        else:
            self.seen[phone] = line
            self.report.accepted.append(ImportedRow(line, phone, fields, parsed[1]))


EMAIL_COLUMN = "email"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(raw: str) -> str | None:
    """The address lower-cased when it looks like one (delivery is the provider's proof)."""
    email = raw.strip().lower()
    return email if len(email) <= 254 and _EMAIL.match(email) else None


def import_email_contacts(text: str) -> ImportReport:
    """The email twin of `import_contacts`: an `email` column, validated and de-duplicated."""
    report = ImportReport()
    seen: dict[str, int] = {}
    for line, raw, fields in _records(text, EMAIL_COLUMN):
        email = normalize_email(raw) if raw else None
        if not raw:
            report.rejected.append(RejectedRow(line, "email: empty"))
        elif email is None:
            report.rejected.append(RejectedRow(line, "email: not a valid address"))
        elif email in seen:
            report.rejected.append(RejectedRow(line, f"email: duplicate of line {seen[email]}"))
        else:
            seen[email] = line
            report.accepted.append(ImportedRow(line, email, fields))
    return report
