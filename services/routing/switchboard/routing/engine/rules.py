"""Ordered, first-match routing rules: a contact's facts -> queue, priority, required skills."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

CONDITION_KEYS = ("channels", "tiers", "languages", "keywords", "dialed_numbers", "ivr_selections",
                  "segments")


@dataclass(frozen=True)
class ContactFacts:
    channel: str
    tier: str | None = None
    language: str | None = None
    text: str = ""
    dialed_number: str | None = None
    ivr_selection: str | None = None
    segments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    rule_id: str
    queue_id: str
    conditions: dict[str, list[str]] = field(default_factory=dict)
    priority: int = 0
    required_skills: dict[str, int] = field(default_factory=dict)


def _one_of(allowed: list[str], value: str | None) -> bool:
    return value is not None and value.lower() in {a.lower() for a in allowed}


def rule_matches(rule: Rule, facts: ContactFacts) -> bool:
    """Every condition given must hold; a condition left out (or empty) matches anything."""
    checks = {
        "channels": lambda v: _one_of(v, facts.channel),
        "tiers": lambda v: _one_of(v, facts.tier),
        "languages": lambda v: _one_of(v, facts.language),
        "dialed_numbers": lambda v: facts.dialed_number in v,
        "ivr_selections": lambda v: facts.ivr_selection in v,
        "keywords": lambda v: any(k.lower() in facts.text.lower() for k in v),
        "segments": lambda v: bool(set(v) & set(facts.segments)),
    }
    return all(checks[key](values) for key, values in rule.conditions.items() if values)


def first_match(rules: Sequence[Rule], facts: ContactFacts) -> Rule | None:
    """Rules in their order; the first that matches wins (None: the default queue takes it)."""
    return next((rule for rule in rules if rule_matches(rule, facts)), None)
