"""English and Chinese: each page's messages live in `i18n/<page>.json` as {"en": {...}, "zh": {...}}."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from fastapi import Request

LANGUAGES = ("en", "zh")
LANG_COOKIE = "sb_lang"


def language_of(request: Request) -> str:
    """`?lang=`, then the cookie, then the browser's Accept-Language; English by default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    accepted = request.headers.get("accept-language", "").lower()
    return "zh" if accepted.startswith("zh") else "en"


@cache
def _catalog(page: str) -> dict[str, dict[str, str]]:
    resource = files("switchboard.console").joinpath(f"i18n/{page}.json")
    if not resource.is_file():
        return {}
    catalog: dict[str, dict[str, str]] = json.loads(resource.read_text(encoding="utf-8"))
    return catalog


def messages(page: str, lang: str) -> dict[str, str]:
    """The common messages and the page's, in `lang`, falling back to English key by key."""
    merged: dict[str, str] = {}
    for name in ("common", page):
        catalog = _catalog(name)
        merged.update(catalog.get("en", {}))
        merged.update(catalog.get(lang, {}))
    return merged
