"""A contact list from CSV: validated, normalized to E.164, de-duplicated, every rejection reported."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from switchboard.campaign.domain.phones import NumberReader

PHONE_COLUMN = "phone"


@dataclass(frozen=True)
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


def import_contacts(text: str, default_region: str) -> ImportReport:
    """Accept each good row once; report each bad row with its line number and why."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or PHONE_COLUMN not in reader.fieldnames:
        raise MissingPhoneColumn("csv: a 'phone' column is required")
    report = ImportReport()
    seen: dict[str, int] = {}  # E.164 -> the line that first had it
    numbers = NumberReader(default_region)
    for line, row in enumerate(reader, start=2):
        raw = (row.get(PHONE_COLUMN) or "").strip()
        parsed = numbers.read(raw) if raw else None
        phone = parsed[0] if parsed else None
        if not raw:
            report.rejected.append(RejectedRow(line, "phone: empty"))
        elif parsed is None or phone is None:
            report.rejected.append(RejectedRow(line, "phone: not a valid number"))
        elif phone in seen:
            report.rejected.append(RejectedRow(line, f"phone: duplicate of line {seen[phone]}"))
        else:
            seen[phone] = line
            fields = {k: (v or "").strip() for k, v in row.items() if k and k != PHONE_COLUMN}
            report.accepted.append(ImportedRow(line, phone, fields, parsed[1]))
    return report


EMAIL_COLUMN = "email"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(raw: str) -> str | None:
    """The address lower-cased when it looks like one (delivery is the provider's proof)."""
    email = raw.strip().lower()
    return email if len(email) <= 254 and _EMAIL.match(email) else None


def import_email_contacts(text: str) -> ImportReport:
    """The email twin of `import_contacts`: an `email` column, validated and de-duplicated."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or EMAIL_COLUMN not in reader.fieldnames:
        raise MissingPhoneColumn("csv: an 'email' column is required")
    report = ImportReport()
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        raw = (row.get(EMAIL_COLUMN) or "").strip()
        email = normalize_email(raw) if raw else None
        if not raw:
            report.rejected.append(RejectedRow(line, "email: empty"))
        elif email is None:
            report.rejected.append(RejectedRow(line, "email: not a valid address"))
        elif email in seen:
            report.rejected.append(RejectedRow(line, f"email: duplicate of line {seen[email]}"))
        else:
            seen[email] = line
            fields = {k: (v or "").strip() for k, v in row.items() if k and k != EMAIL_COLUMN}
            report.accepted.append(ImportedRow(line, email, fields))
    return report
