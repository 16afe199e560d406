"""Sensitive numbers found and masked before a message is stored anywhere.

Card numbers are 13-19 digits (spaces or dashes allowed between them) that
pass the Luhn check; the last four digits are kept, as receipts do. Chinese
resident ID numbers are 18 characters (17 digits and a digit or X) whose
GB 11643 check character matches. A digit run that is longer than either is
neither (an order number), so both patterns refuse to start or end inside one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![\d-])(\d(?:[ -]?\d){12,18})(?![\d])")


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


def redact(text: str) -> Redacted:
    kinds: dict[str, int] = {}

    def national_id(match: re.Match[str]) -> str:
        if not national_id_valid(match.group(1)):
            return match.group(0)
        kinds["national_id"] = kinds.get("national_id", 0) + 1
        return "[national id]"

    def card(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(1))
        if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
            return match.group(0)
        kinds["card_number"] = kinds.get("card_number", 0) + 1
        return f"[card ending {digits[-4:]}]"

    masked = _NATIONAL_ID.sub(national_id, text)
    masked = _CARD.sub(card, masked)
    return Redacted(masked, kinds)
