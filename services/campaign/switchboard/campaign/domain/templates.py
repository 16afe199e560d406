"""Scripts and message templates with variables from the contact record (string.Template)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from string import Template


def template_problems(text: str, known_variables: Iterable[str]) -> list[str]:
    """Each variable the template uses that the contact record does not have, or a syntax error."""
    template = Template(text)
    if not template.is_valid():
        return ["template: invalid placeholder (use $name or ${name}; $$ for a dollar sign)"]
    known = set(known_variables)
    return [f"template: undefined variable '{name}'"
            for name in template.get_identifiers() if name not in known]


def render(text: str, record: Mapping[str, str]) -> str:
    """Fill the template; a value is text only, never evaluated (safe_substitute leaves gaps visible)."""
    return Template(text).safe_substitute(record)
