"""Sensitive numbers found and masked before a message is stored anywhere.

Card numbers are 13-19 digits (spaces or dashes allowed between them) that
pass the Luhn check; the last four digits are kept, as receipts do. Chinese
resident ID numbers are 18 characters (17 digits and a digit or X) whose
GB 11643 check character matches. A digit run that is longer than either is
neither (an order number), so both patterns refuse to start or end inside one.
Grouped digits are another matter: a customer writes the security code or the
expiry right after the card ("4111 1111 1111 1111 123"), so within a run of
groups every span of whole groups is tried, and the card found is masked. An
ID number is also written, or transcribed from speech, in groups ("110105
19491231 002X"): a whole run of groups that makes a valid ID is one. A US
social security number, the national ID an English-speaking customer gives,
counts when written in its own 3-2-4 shape (area not 000, 666 or 9xx, group
not 00, serial not 0000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_GROUPED_NATIONAL_ID = re.compile(  # a whole run of groups: not starting or ending inside one
    r"(?<![0-9A-Za-z])(?<![0-9][ -])(\d+(?:[ -]\d+)+(?:[ -]?[Xx])?|\d+[ -][Xx])(?![0-9A-Za-z])(?![ -]\d)")
_SSN = re.compile(r"(?<![0-9A-Za-z-])(\d{3})([ -])(\d{2})\2(\d{4})(?![0-9A-Za-z]|-\d)")
_DIGIT_GROUPS = re.compile(r"(?<![\d-])\d+(?:[ -]\d+)*(?!\d)")
_GROUP = re.compile(r"\d+")
_GROUPED = re.compile(r"\d[ -][\dXx]")


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.kinds)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def national_id_valid(candidate: str) -> bool:
    """GB 11643-1999: weighted sum of the first 17 digits mod 11 picks the 18th."""
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    month, day = int(candidate[10:12]), int(candidate[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(candidate[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == candidate[17].upper()


def ssn_valid(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def redact(text: str) -> Redacted:
    kinds: dict[str, int] = {}

    def national_id(match: re.Match[str]) -> str:
        if not national_id_valid(re.sub(r"[ -]", "", match.group(1))):
            return match.group(0)
        kinds["national_id"] = kinds.get("national_id", 0) + 1
        return "[national id]"

    def ssn(match: re.Match[str]) -> str:
        if not ssn_valid(match.group(1), match.group(3), match.group(4)):
            return match.group(0)
        kinds["national_id"] = kinds.get("national_id", 0) + 1
        return "[national id]"

    def cards(match: re.Match[str]) -> str:
        run = match.group(0)
        masked, found = _mask_cards(run)
        if found:
            kinds["card_number"] = kinds.get("card_number", 0) + found
        return masked

    masked = _NATIONAL_ID.sub(national_id, text)
    if _GROUPED.search(masked):  # most lines have no grouped digits: skip two scans
        masked = _GROUPED_NATIONAL_ID.sub(national_id, masked)
        masked = _SSN.sub(ssn, masked)
    masked = _DIGIT_GROUPS.sub(cards, masked)
    return Redacted(masked, kinds)


def _mask_cards(run: str) -> tuple[str, int]:
    """Mask every card in a run of digit groups: from each group on, the longest span of whole
    groups with 13-19 digits that passes Luhn. Returns the run and how many were masked."""
    groups = list(_GROUP.finditer(run))
    if sum(len(g.group()) for g in groups) < 13:
        return run, 0
    pieces, found, cursor, index = [], 0, 0, 0
    while index < len(groups):
        end = _card_end(groups, index)
        if end is None:
            index += 1
            continue
        digits = "".join(g.group() for g in groups[index:end + 1])
        pieces += [run[cursor:groups[index].start()], f"[card ending {digits[-4:]}]"]
        cursor, index, found = groups[end].end(), end + 1, found + 1
    return "".join(pieces) + run[cursor:], found


def _card_end(groups: list[re.Match[str]], start: int) -> int | None:
    """The last group of the longest card that begins at `start`, if any does."""
    best, digits = None, ""
    for end in range(start, len(groups)):
        digits += groups[end].group()
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_valid(digits):
            best = end
    return best
