"""Campaign's API models (never an ORM row on the wire)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Kind = Literal["preview", "progressive", "predictive", "sms_blast", "email_blast", "survey", "journey"]
ChannelName = Literal["sms", "email", "voice"]  # the events' order: typing caches equal Literals
RetryOutcome = Literal["busy", "no_answer", "machine", "failed", "abandoned"]
Trigger = Literal["call_ended", "task_abandoned", "conversation_closed", "task_completed", "complaint",
                  "churn_risk", "birthday"]
RETRY_MINUTES_MAX = 30 * 24 * 60
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


class SpanIn(BaseModel):
    start: time
    end: time = Field(description="exclusive; 00:00 means midnight")


class ScheduleIn(BaseModel):
    """When recipients may be contacted, always in each recipient's own local time."""

    window: SpanIn = SpanIn(start=time(9, 0), end=time(21, 0))
    quiet_hours: list[SpanIn] = Field(default_factory=list, max_length=10)
    holidays: list[date] = Field(default_factory=list, max_length=400)
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4, 5, 6], description="Monday = 0")
    start_date: date | None = None
    end_date: date | None = None


class RetryIn(BaseModel):
    max_attempts: int = Field(3, ge=1, le=20)
    retry_minutes: dict[RetryOutcome, Annotated[int, Field(ge=1, le=RETRY_MINUTES_MAX)]] = Field(
        default_factory=dict, description="minutes (1 to 30 days) before the next attempt after each outcome")


class DispositionCodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=100)
    effect: Literal["converted", "callback", "closed", "do_not_call"]


class QuestionIn(BaseModel):
    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1, max_length=500)
    kind: Literal["score", "choice", "text"]
    choices: list[str] = Field(default_factory=list, max_length=20)


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: Kind
    channel: ChannelName | None = Field(None, description="implied by the kind; sms or email "
                                        "for surveys and journeys (default sms)")
    purpose: Literal["marketing", "service"] = "marketing"
    message_template: str | None = Field(None, max_length=2000,
                                         description="$name placeholders from the list's columns")
    templates: dict[Language, str] | None = Field(
        None, description="per customer language, e.g. {\"en\": ..., \"zh\": ...}; else message_template")
    email_subject: str | None = Field(None, max_length=255)
    schedule: ScheduleIn = ScheduleIn()
    retry: RetryIn = RetryIn()
    weekly_cap: int = Field(3, ge=1, le=100, description="marketing contacts per customer per 7 days")
    default_region: str = Field("CN", min_length=2, max_length=2,
                                description="region for national numbers in uploaded lists")
    default_time_zone: str | None = Field(None, description="for contacts whose zone is unknown")
    survey_kind: Literal["csat", "nps"] | None = None
    journey_trigger: Trigger | None = None
    journey_segment: str | None = Field(
        None, max_length=64, description="birthday (required) and churn_risk journeys: the id of the "
        "profile segment whose members to reach (rules birthday_today, or churn_risk), read every hour")
    disposition_codes: list[DispositionCodeIn] | None = None
    questions: list[QuestionIn] | None = Field(None, max_length=50,
                                               description="the record sheet agents fill per contact")
    queue_id: str | None = Field(None, max_length=64)


class CampaignPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    message_template: str | None = Field(None, max_length=2000)
    templates: dict[Language, str] | None = None
    email_subject: str | None = Field(None, max_length=255)
    schedule: ScheduleIn | None = None
    retry: RetryIn | None = None
    weekly_cap: int | None = Field(None, ge=1, le=100)
    default_time_zone: str | None = None
    questions: list[QuestionIn] | None = Field(None, max_length=50)
    queue_id: str | None = Field(None, max_length=64)


class CampaignOut(BaseModel):
    id: str
    name: str
    kind: str
    channel: str
    purpose: str
    status: str
    message_template: str | None
    templates: dict[str, str] | None
    email_subject: str | None
    schedule: ScheduleIn
    retry: RetryIn
    weekly_cap: int
    default_region: str
    default_time_zone: str | None
    survey_kind: str | None
    journey_trigger: str | None
    journey_segment: str | None = None
    disposition_codes: list[DispositionCodeIn]
    questions: list[QuestionIn] | None
    queue_id: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    ended_at: datetime | None


class RejectedRowOut(BaseModel):
    line: int
    reason: str


class ListOut(BaseModel):
    id: str
    campaign_id: str
    name: str
    accepted: int
    duplicates: int = Field(description="rows already on the campaign from an earlier list")
    suppressed: int = Field(description="accepted rows suppressed at list time (consent)")
    rejected: list[RejectedRowOut]
    created_at: datetime


class SegmentListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    segment: str | None = Field(None, min_length=1, max_length=100,
                                description="a segment or tag profile's events put customers in, e.g. vip")
    segment_id: str | None = Field(None, min_length=1, max_length=64,
                                   description="or: a profile segment's id; its members are read from "
                                   "profile's API, every customer with a phone number")
    name: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def one_source(self) -> SegmentListIn:
        if (self.segment is None) == (self.segment_id is None):
            raise ValueError("give either segment or segment_id")
        return self


class Funnel(BaseModel):
    listed: int
    suppressed: int
    attempted: int
    connected: int
    converted: int


class AgentResult(BaseModel):
    agent_id: str
    attempts: int
    connected: int
    converted: int
    completion_rate: float = Field(description="converted / connected")


class ResultsOut(BaseModel):
    campaign_id: str
    status: str
    funnel: Funnel
    by_status: dict[str, int]
    suppressed_by: dict[str, int]
    outcomes: dict[str, int]
    by_agent: list[AgentResult]
    survey: dict[str, float] | None = None


class PacingOut(BaseModel):
    free_agents: int = Field(description="available + blended, as routing last reported")
    calls_in_flight: int
    answered_calls: int = Field(description="in the rolling window (the last 500)")
    abandon_rate: float
    abandon_target: float
    answer_rate: float | None = Field(description="over the last 300 ended calls (None under 20)")
    mean_talk_seconds: float | None
    dialing: str = Field("progressive", description="how the dialer paces this campaign now: predictive, "
                         "or progressive (a preview or progressive campaign, or predictive held back: "
                         "see dialing_held_back)")
    dialing_held_back: str | None = Field(None, description="why a predictive campaign dials progressively")


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    address_masked: str
    status: str
    attempts_made: int
    next_attempt_at: datetime | None
    suppressed_reason: str | None
    last_outcome: str | None
    converted: bool
    callback_due: datetime | None
    answers: dict[str, str] | None = None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    campaign_id: str
    contact_id: str
    number: int
    channel: str
    allowed_by: str
    status: str
    outcome: str | None
    agent_id: str | None
    disposition: str | None
    requested_at: datetime
    ended_at: datetime | None


class DispositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    callback_at: datetime | None = None
    notes: str | None = Field(None, max_length=2000)


class CallbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    campaign_id: str | None
    contact_id: str | None
    reason: str
    agent_id: str | None
    due_at: datetime
    deadline_at: datetime | None
    status: str
    overdue: bool = False
    completed_at: datetime | None = None
    on_time: bool | None = Field(None, description="made by its deadline (None: not made, or no deadline)")


class PreviewOut(BaseModel):
    """The record an agent reads before a preview dial; the number itself stays masked."""
    contact_id: str
    address_masked: str
    fields: dict[str, str]
    attempts_made: int
    callback_due: datetime | None
    allowed_by: str
    script: str | None = None
    questions: list[QuestionIn] | None = None


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quiet_hours: list[SpanIn] = Field(default_factory=list, max_length=10,
                                      description="added to every campaign's, in the recipient's time")
    holidays: list[date] = Field(default_factory=list, max_length=400)
    weekly_marketing_cap: int | None = Field(None, ge=1, le=100,
                                             description="the stricter of this and a campaign's own applies")
    information_message: str | None = Field(None, min_length=1, max_length=500,
                                            description="who called and a number to call back, played "
                                            "when the dialer abandons a call")


class SettingsOut(BaseModel):
    quiet_hours: list[SpanIn]
    holidays: list[date]
    weekly_marketing_cap: int | None
    information_message: str | None


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, str] = Field(min_length=1, description="question id -> answer")


class ScriptOut(BaseModel):
    """What the agent on an outbound call reads: the script filled from the contact, the sheet."""
    attempt_id: str
    script: str | None
    fields: dict[str, str]
    questions: list[QuestionIn] | None
    answers: dict[str, str] | None
