"""SMS keywords that a carrier-grade service must honour: opt-out and help.

A keyword counts only when it is the whole message (ignoring case, spaces and
punctuation), so "stop by tomorrow" is an ordinary message but "Stop!" and
"opt-out" are opt-outs. 退订 and TD are the Chinese carriers' opt-out words.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

OPT_OUT_WORDS = frozenset(
    {"STOP", "QUIT", "END", "REVOKE", "OPTOUT", "CANCEL", "UNSUBSCRIBE", "STOPALL", "退订", "TD"}
)
HELP_WORDS = frozenset({"HELP", "INFO"})

Keyword = Literal["opt_out", "help"]


def normalize(text: str) -> str:
    """Upper-cased letters and digits only: 'Opt-Out.' and ' opt out ' both become 'OPTOUT'."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def classify(text: str) -> tuple[Keyword, str] | None:
    """('opt_out' | 'help', the normalized keyword) when the whole message is one, else None."""
    word = normalize(text)
    if word in OPT_OUT_WORDS:
        return "opt_out", word
    if word in HELP_WORDS:
        return "help", word
    return None
