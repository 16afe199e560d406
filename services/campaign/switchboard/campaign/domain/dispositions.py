"""What an agent's disposition does to the contact: convert, call back, stop, or opt out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

COMPLAINT_CALLBACK_DEADLINE = timedelta(days=3)


class Effect(StrEnum):
    CONVERTED = "converted"
    CALLBACK = "callback"
    CLOSED = "closed"
    DO_NOT_CALL = "do_not_call"


@dataclass(frozen=True)
class DispositionCode:
    code: str
    label: str
    effect: Effect


DEFAULT_CODES = (
    DispositionCode("sale", "Sale", Effect.CONVERTED),
    DispositionCode("callback", "Call back at a time", Effect.CALLBACK),
    DispositionCode("not_interested", "Not interested", Effect.CLOSED),
    DispositionCode("wrong_number", "Wrong number", Effect.CLOSED),
    DispositionCode("do_not_call", "Do not call", Effect.DO_NOT_CALL),
    DispositionCode("complaint", "Complaint", Effect.CALLBACK),
)


@dataclass(frozen=True)
class NextStep:
    effect: Effect
    callback_due: datetime | None = None
    callback_deadline: datetime | None = None  # tracked: a complaint must be called back by then


class BadDisposition(ValueError):
    """The code is unknown to the campaign or a callback lacks its time."""


def next_step(
    codes: tuple[DispositionCode, ...], code: str, at: datetime, callback_at: datetime | None
) -> NextStep:
    by_code = {c.code: c for c in codes}
    if code not in by_code:
        raise BadDisposition(f"disposition: unknown code '{code}'")
    effect = by_code[code].effect
    if code == "complaint":
        deadline = at + COMPLAINT_CALLBACK_DEADLINE
        return NextStep(effect, callback_at or at, deadline)
    if effect is Effect.CALLBACK:
        if callback_at is None or callback_at <= at:
            raise BadDisposition("callback_at: a future time is required for a callback")
        return NextStep(effect, callback_at)
    return NextStep(effect)
