"""Sensitive data: card numbers are never stored; ID-like attributes are masked for agents."""

from __future__ import annotations

import re
from typing import Any

from switchboard.common.errors import Unprocessable

_DIGIT_RUN = re.compile(r"(?:\d[ -]?){13,19}")
# attribute names that hold identity documents or account secrets
SENSITIVE_NAME = re.compile(r"(id_?number|id_?card|passport|ssn|national_?id|身份证|account_?number)", re.I)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def looks_like_card_number(text: str) -> bool:
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_valid(digits):
            return True
    return False


def refuse_card_numbers(field: str, value: Any) -> None:
    if isinstance(value, str) and looks_like_card_number(value):
        raise Unprocessable(f"{field}: looks like a payment card number; card numbers are never stored")


def mask(value: Any) -> Any:
    """All but the last four characters hidden."""
    if value is None:
        return None
    text = str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:] if len(text) > 4 else "*" * len(text)


def masked_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: mask(v) if SENSITIVE_NAME.search(k) else v for k, v in attributes.items()}
