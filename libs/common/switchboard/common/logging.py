"""JSON logs with correlation ids, and personal data masked before it is written.

Masking happens in the formatter, on every string value of the entry, so no call
site can forget it: phone numbers keep their last 4 digits, emails their domain,
card numbers nothing but the last 4. Numbers stay numbers, and UUIDs (event,
correlation and entity ids) are never mistaken for phone or card numbers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from switchboard.common.tracing import (
    correlation_id_var,
    request_id_var,
    tenant_var,
    traceparent_var,
)

_EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# 13-19 digits, optionally grouped by spaces or dashes: card numbers (PANs).
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
# International or long national phone numbers: + and 7-15 digits, with separators.
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ()-]{6,17}\d(?![\w])")
# Identifiers (UUIDs, W3C traceparents, long hex ids): hex with at least one letter,
# which no phone or card number has.
_UUID = re.compile(
    r"\b(?=[0-9a-fA-F-]*[a-fA-F])[0-9a-fA-F]+(?:-[0-9a-fA-F]+){2,}\b"
    r"|\b(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{16,}\b"
)


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"[card ****{digits[-4:]}]"


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < 7:
        return match.group(0)
    return f"[phone ***{digits[-4:]}]"


def _mask_free_text(text: str) -> str:
    text = _EMAIL.sub(lambda m: f"***@{m.group(2)}", text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub(_mask_phone, text)


def mask_personal_data(text: str) -> str:
    """Mask emails, card numbers and phone numbers in free text, leaving UUIDs whole."""
    pieces: list[str] = []
    position = 0
    for uuid_match in _UUID.finditer(text):
        pieces.append(_mask_free_text(text[position:uuid_match.start()]))
        pieces.append(uuid_match.group(0))
        position = uuid_match.end()
    pieces.append(_mask_free_text(text[position:]))
    return "".join(pieces)


def _mask_value(value: object) -> object:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: _mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(item) for item in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return mask_personal_data(str(value))


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, var in (
            ("request_id", request_id_var),
            ("correlation_id", correlation_id_var),
            ("traceparent", traceparent_var),
            ("tenant", tenant_var),
        ):
            if (value := var.get()) is not None:
                entry[key] = value
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(_mask_value(entry), ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access", "nats"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
