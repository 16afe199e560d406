"""A tenant's automatic-check rules, with defaults a contact center would start from."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_GREETINGS = [  # spoken and chat openings, and the salutation of an email reply
    "您好", "你好", "欢迎", "感谢致电", "感谢您的来电", "尊敬的",
    "hello", "hi", "good morning", "good afternoon", "good evening", "welcome", "thank you for contacting",
    "thank you for calling", "thanks for calling", "thanks for contacting", "dear",
]
DEFAULT_CLOSINGS = [
    "还有什么可以帮到您", "还有什么可以帮您", "还有其他问题吗", "还有别的问题吗",
    "anything else i can help", "anything else i can do", "is there anything else",
]
DEFAULT_FORBIDDEN = [
    "不归我管", "你自己看", "没办法", "爱投诉就投诉", "你听不懂吗",
    "not my problem", "shut up", "calm down", "deal with it", "stupid",
]


class CheckRules(BaseModel):
    """What the automatic checks look for; see `phrases_in` for how phrases match."""

    model_config = ConfigDict(extra="forbid")

    greeting_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_GREETINGS))
    closing_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_CLOSINGS))
    forbidden_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_FORBIDDEN))
    first_response_seconds: float = Field(default=60.0, gt=0, le=86_400)
    response_seconds: float = Field(default=120.0, gt=0, le=86_400)
    timed_channels: list[str] = Field(default_factory=lambda: ["chat"])
    sentiment_drop: float = Field(default=0.6, gt=0, le=2)
    sentiment_floor: float = Field(default=-0.4, ge=-1, le=1)

    @field_validator("greeting_phrases", "closing_phrases", "forbidden_phrases")
    @classmethod
    def _phrases_not_blank(cls, phrases: list[str]) -> list[str]:
        cleaned = [p.strip() for p in phrases]
        if any(not p for p in cleaned):
            raise ValueError("a phrase must not be blank")
        if any(len(p) > 200 for p in cleaned):
            raise ValueError("a phrase must be at most 200 characters")
        return cleaned

    @field_validator("timed_channels")
    @classmethod
    def _known_channels(cls, channels: list[str]) -> list[str]:
        unknown = set(channels) - {"sms", "email", "chat", "voice"}
        if unknown:
            raise ValueError(f"unknown channels: {', '.join(sorted(unknown))}")
        return channels


def phrases_in(text: str, phrases: list[str]) -> list[str]:
    """The phrases said in `text`, case-insensitively. A phrase that begins or ends with a
    Latin letter or digit must do so at a word boundary ("hi" is not in "this"); Chinese,
    written without spaces, matches anywhere."""
    lowered = text.casefold()
    return [p for p in phrases if _pattern(p.casefold()).search(lowered)]


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern[str]:
    head = r"(?<![a-z0-9])" if re.match(r"[a-z0-9]", phrase) else ""
    tail = r"(?![a-z0-9])" if re.search(r"[a-z0-9]$", phrase) else ""
    return re.compile(head + re.escape(phrase) + tail)
