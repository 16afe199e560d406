"""A stored campaign's settings as the domain's rule objects, and the checks that give 422s."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.dispositions import DEFAULT_CODES, DispositionCode, Effect
from switchboard.campaign.domain.questionnaires import Question
from switchboard.campaign.domain.retries import Outcome, RetryPolicy
from switchboard.campaign.domain.suppression import SuppressionPolicy
from switchboard.campaign.domain.templates import render, template_problems
from switchboard.campaign.domain.windows import Schedule, Span
from switchboard.campaign.models import Campaign, Contact, TenantSettings

VOICE_KINDS = frozenset({"preview", "progressive", "predictive"})
KIND_CHANNEL = {"preview": "voice", "progressive": "voice", "predictive": "voice",
                "sms_blast": "sms", "email_blast": "email"}
DEFAULT_RETRY_MINUTES = {"busy": 30, "no_answer": 120, "machine": 24 * 60, "failed": 120,
                         "abandoned": 72 * 60}
JOURNEY_TRIGGERS = ("call_ended", "task_abandoned", "conversation_closed", "task_completed",
                    "complaint", "churn_risk", "birthday")


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def schedule_to_json(
    window: tuple[time, time], quiet: list[tuple[time, time]], holidays: list[date],
    weekdays: list[int], start: date | None, end: date | None,
) -> dict[str, Any]:
    return {
        "window": [window[0].isoformat("minutes"), window[1].isoformat("minutes")],
        "quiet_hours": [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in quiet],
        "holidays": sorted(d.isoformat() for d in holidays),
        "weekdays": sorted(set(weekdays)),
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
    }


def schedule_of(data: dict[str, Any]) -> Schedule:
    start, end = data["window"]
    return Schedule(
        window=Span(_clock(start), _clock(end)),
        quiet_hours=tuple(Span(_clock(a), _clock(b)) for a, b in data.get("quiet_hours", [])),
        holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", [])),
        weekdays=frozenset(data.get("weekdays", range(7))),
        start_date=date.fromisoformat(data["start_date"]) if data.get("start_date") else None,
        end_date=date.fromisoformat(data["end_date"]) if data.get("end_date") else None,
    )


@dataclass(frozen=True)
class Rules:
    """Everything one pass over a campaign checks, built once per pass: the campaign's own rules
    with the tenant's quiet hours and holidays added and the stricter of the two weekly caps."""

    schedule: Schedule
    policy: SuppressionPolicy
    information_message: str | None = None


def rules_for(campaign: Campaign, settings: TenantSettings | None) -> Rules:
    schedule, cap = schedule_of(campaign.schedule), campaign.weekly_cap
    if settings is None:
        return Rules(schedule, SuppressionPolicy(weekly_marketing_cap=cap))
    schedule = replace(
        schedule,
        quiet_hours=schedule.quiet_hours + tuple(Span(_clock(a), _clock(b)) for a, b in settings.quiet_hours),
        holidays=schedule.holidays | {date.fromisoformat(d) for d in settings.holidays},
    )
    if settings.weekly_marketing_cap:
        cap = min(cap, settings.weekly_marketing_cap)
    return Rules(schedule, SuppressionPolicy(weekly_marketing_cap=cap), settings.information_message)


def retry_policy_of(campaign: Campaign) -> RetryPolicy:
    delays = {Outcome(k): timedelta(minutes=v) for k, v in campaign.retry_minutes.items()}
    return RetryPolicy(max_attempts=campaign.max_attempts, delays=delays)


def disposition_codes_of(campaign: Campaign) -> tuple[DispositionCode, ...]:
    if not campaign.disposition_codes:
        return DEFAULT_CODES
    return tuple(DispositionCode(c["code"], c["label"], Effect(c["effect"]))
                 for c in campaign.disposition_codes)


def listed(contact: Contact) -> ListedContact:
    return ListedContact(
        contact_id=contact.id, phone_e164=contact.address if contact.address.startswith("+") else None,
        customer_id=contact.customer_id, priority=contact.priority, value=contact.value,
        callback_due=contact.callback_due, callback_agent_id=contact.callback_agent_id,
    )


def zones_of(contact: Contact, campaign: Campaign) -> list[ZoneInfo]:
    """The zones stored at import (the profile's, else the number's); the campaign's as a fallback.

    None known means the contact is never reached: nothing is sent outside a window.
    """
    names = contact.zones.split() or ([campaign.default_time_zone] if campaign.default_time_zone else [])
    return [ZoneInfo(name) for name in names]


def time_zone_problem(name: str | None, field: str) -> str | None:
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{field}: unknown time zone {name!r}"
    return None


def template_for(campaign: Campaign, language: str | None) -> str | None:
    """The template in the customer's language ("zh-CN" takes "zh"), else the default one."""
    templates = campaign.templates or {}
    if language:
        for key in (language, language.split("-")[0].lower()):
            if key in templates:
                return templates[key]
    return campaign.message_template


def all_templates(campaign: Campaign) -> dict[str, str]:
    found = {f"templates.{lang}": text for lang, text in (campaign.templates or {}).items()}
    if campaign.message_template:
        found["message_template"] = campaign.message_template
    return found


def settings_problems(
    kind: str, channel: str, template: str | None, schedule: Schedule,
    survey_kind: str | None, journey_trigger: str | None, time_zone: str | None,
    templates: dict[str, str] | None = None,
) -> list[str]:
    """Everything that makes a campaign's settings unusable, each naming its field."""
    found = [f"schedule.{p}" for p in schedule.problems()]
    if kind in KIND_CHANNEL and KIND_CHANNEL[kind] != channel:
        found.append(f"channel: a {kind} campaign uses {KIND_CHANNEL[kind]}, not {channel}")
    if kind == "journey" and channel == "voice":
        found.append("channel: journey campaigns send by sms or email")
    if kind != "preview" and channel != "voice" and not template:
        found.append("message_template: required to send a message")
    if kind == "survey" and channel == "voice" and not template:
        found.append("message_template: required: the question the call asks (press 1 to 5 ...)")
    for field, text in [("message_template", template or ""),
                        *((f"templates.{k}", v) for k, v in (templates or {}).items())]:
        found += [p.replace("template:", f"{field}:") for p in template_problems(text, [])
                  if "undefined" not in p]
    if kind == "survey" and survey_kind is None:
        found.append("survey_kind: csat or nps is required for a survey")
    if kind == "journey" and journey_trigger is None:
        found.append(f"journey_trigger: one of {', '.join(JOURNEY_TRIGGERS)} is required")
    if (problem := time_zone_problem(time_zone, "default_time_zone")) is not None:
        found.append(problem)
    return found


def questions_of(campaign: Campaign) -> list[Question]:
    return [Question(q["id"], q["text"], q["kind"], tuple(q.get("choices", ())))
            for q in campaign.questions or []]


def script_for(campaign: Campaign, contact: Contact) -> str | None:
    """A voice campaign's message template is the agent's script, filled from the contact."""
    template = template_for(campaign, contact.language)
    return render(template, {**contact.fields, "phone": contact.address}) if template else None
