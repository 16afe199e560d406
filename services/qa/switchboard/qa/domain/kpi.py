"""Agent KPIs: the relative performance model.

Each metric is computed per agent over a period, then normalized against the
team (every agent with activity in the period) as a T-score, 50 + 10 z, turned
around for metrics where lower is better (handle time), so 50 is the team's
average and 60 one standard deviation better. The agent's score is the
weighted mean of the T-scores they have (a metric with no data for the agent
is left out and the weights renormalized); agents are ranked by it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean, median, pstdev

from pydantic import BaseModel, ConfigDict, Field, model_validator

HIGHER_IS_BETTER = {
    "connect_rate": True, "utilization": True, "csat": True, "service_level": True,
    "handle_seconds": False, "exam_score": True, "marketing_completion": True, "qa_score": True,
}


class KpiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weights: dict[str, float] = Field(default_factory=lambda: {
        "connect_rate": 1.0, "utilization": 1.0, "csat": 2.0, "service_level": 1.0,
        "handle_seconds": 1.0, "exam_score": 1.0, "marketing_completion": 1.0, "qa_score": 2.0})
    service_level_seconds: float = Field(default=20, gt=0)
    csat_satisfied_from: int = Field(default=4, ge=0, le=10)
    night_start_hour: int = Field(default=22, ge=0, le=23)
    night_end_hour: int = Field(default=6, ge=0, le=23)
    utc_offset_hours: float = Field(default=8, ge=-12, le=14)  # the floor's local time for "night"
    sign_outs_per_day_max: float = Field(default=4, gt=0)
    short_contact_factor: float = Field(default=0.2, gt=0, lt=1)
    long_contact_factor: float = Field(default=3, gt=1)
    odd_contact_share_max: float = Field(default=0.2, gt=0, le=1)
    night_share_rise: float = Field(default=0.2, gt=0, le=1)
    marketing_success: list[str] = Field(
        default_factory=lambda: ["completed", "success", "sale", "converted"])

    @model_validator(mode="after")
    def _known_weights(self) -> KpiSettings:
        unknown = set(self.weights) - set(HIGHER_IS_BETTER)
        if unknown:
            raise ValueError(f"unknown KPI weights: {', '.join(sorted(unknown))}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("KPI weights must not be negative")
        return self


@dataclass
class AgentPeriod:
    """What one agent did in a period (raw facts, before any normalization)."""

    offered: int = 0
    accepted: int = 0
    accepted_in_time: int = 0
    handle_seconds: list[float] = field(default_factory=list)
    busy_seconds: float = 0.0
    logged_in_seconds: float = 0.0
    sign_outs: int = 0
    active_days: int = 0
    csat_scores: list[int] = field(default_factory=list)
    exam_score: float | None = None
    marketing_attempts: int = 0
    marketing_completed: int = 0
    qa_scores: list[float] = field(default_factory=list)
    night_contacts: int = 0
    previous_night_share: float | None = None


def metrics(facts: AgentPeriod, settings: KpiSettings) -> dict[str, float]:
    """The raw metrics an agent has data for."""
    found: dict[str, float] = {}
    if facts.offered:
        found["connect_rate"] = min(1.0, facts.accepted / facts.offered)
    if facts.logged_in_seconds > 0:
        found["utilization"] = min(1.0, facts.busy_seconds / facts.logged_in_seconds)
    if facts.csat_scores:
        satisfied = sum(s >= settings.csat_satisfied_from for s in facts.csat_scores)
        found["csat"] = satisfied / len(facts.csat_scores)
    if facts.accepted:
        found["service_level"] = facts.accepted_in_time / facts.accepted
    if facts.handle_seconds:
        found["handle_seconds"] = fmean(facts.handle_seconds)
    if facts.exam_score is not None:
        found["exam_score"] = facts.exam_score
    if facts.marketing_attempts:
        found["marketing_completion"] = facts.marketing_completed / facts.marketing_attempts
    if facts.qa_scores:
        found["qa_score"] = fmean(facts.qa_scores)
    return found


@dataclass(frozen=True)
class AgentScore:
    agent_id: str
    metrics: dict[str, float]
    normalized: dict[str, float]
    score: float | None
    rank: int | None
    flags: list[str]


def t_scores(values: Mapping[str, float], higher_is_better: bool) -> dict[str, float]:
    if not values:
        return {}
    mean, spread = fmean(values.values()), pstdev(values.values())
    sign = 1.0 if higher_is_better else -1.0
    return {agent: round(50.0 + (10.0 * sign * (v - mean) / spread if spread else 0.0), 2)
            for agent, v in values.items()}


def relative_performance(team: Mapping[str, AgentPeriod], settings: KpiSettings) -> list[AgentScore]:
    raw = {agent: metrics(facts, settings) for agent, facts in team.items()}
    normalized: dict[str, dict[str, float]] = {agent: {} for agent in team}
    for metric, higher in HIGHER_IS_BETTER.items():
        column = {agent: values[metric] for agent, values in raw.items() if metric in values}
        for agent, t in t_scores(column, higher).items():
            normalized[agent][metric] = t
    team_median = median([h for f in team.values() for h in f.handle_seconds] or [0.0])
    scored = []
    for agent in team:
        weights = {m: settings.weights.get(m, 0.0) for m in normalized[agent]}
        total = sum(weights.values())
        score = round(sum(normalized[agent][m] * w for m, w in weights.items()) / total, 2) if total else None
        scored.append((agent, score))
    ranked = sorted((s for s in scored if s[1] is not None), key=lambda s: (-s[1], s[0]))  # type: ignore[operator]
    ranks = {agent: index + 1 for index, (agent, _) in enumerate(ranked)}
    return [
        AgentScore(agent, {k: round(v, 4) for k, v in raw[agent].items()}, normalized[agent], score,
                   ranks.get(agent), gaming_flags(team[agent], team_median, settings))
        for agent, score in sorted(scored, key=lambda s: (ranks.get(s[0], 10**9), s[0]))
    ]


def gaming_flags(facts: AgentPeriod, team_median_handle: float, settings: KpiSettings) -> list[str]:
    flags = []
    if facts.active_days and facts.sign_outs / facts.active_days > settings.sign_outs_per_day_max:
        flags.append("frequent_sign_in_out")
    if facts.handle_seconds and team_median_handle > 0:
        count = len(facts.handle_seconds)
        short = sum(h < team_median_handle * settings.short_contact_factor for h in facts.handle_seconds)
        long = sum(h > team_median_handle * settings.long_contact_factor for h in facts.handle_seconds)
        if short / count > settings.odd_contact_share_max:
            flags.append("short_contacts")
        if long / count > settings.odd_contact_share_max:
            flags.append("long_contacts")
    if facts.handle_seconds and facts.previous_night_share is not None:  # "sudden" needs a before
        share = facts.night_contacts / len(facts.handle_seconds)
        if share - facts.previous_night_share >= settings.night_share_rise:
            flags.append("sudden_night_volume")
    return flags


def kpi_csv(scores: Iterable[AgentScore]) -> str:
    """One line per agent: rank, score, every metric raw and as a T-score (`<metric>_t`), the
    flags separated by ";". The columns are the same whatever the agents have data for."""
    columns = ["agent_id", "rank", "score", *HIGHER_IS_BETTER, *(f"{m}_t" for m in HIGHER_IS_BETTER), "flags"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for s in scores:
        writer.writerow({"agent_id": s.agent_id, "rank": s.rank, "score": s.score, **s.metrics,
                         **{f"{m}_t": t for m, t in s.normalized.items()}, "flags": ";".join(s.flags)})
    return out.getvalue()
