"""Routing's API models: what goes over the wire, validated (never an ORM row)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

from switchboard.routing.engine.strategies import Strategy
from switchboard.routing.flow.agents import NOT_READY_REASONS

Channel = Literal["sms", "email", "chat", "voice"]
Name = Annotated[str, Field(min_length=1, max_length=128)]
SkillName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Proficiency = Annotated[int, Field(ge=1, le=10)]
Slots = Annotated[int, Field(ge=0, le=50)]
Seconds = Annotated[float, Field(ge=0, le=86_400)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkillIn(Strict):
    name: SkillName
    description: str = Field("", max_length=500)


class SkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    description: str


class Escalation(Strict):
    widen_after_seconds: Seconds | None = None
    widen_to: Proficiency = 1
    overflow_after_seconds: Seconds | None = None
    overflow_queue_id: str | None = None
    callback_after_seconds: Seconds | None = None
    message_after_seconds: Seconds | None = Field(
        None, description="the contact leaves the live queue to leave a message (message backlog)")
    priority_per_minute: float = Field(0.0, ge=0, le=1000)
    preferred_agent_seconds: Seconds = Field(0.0, description="hold a returning customer for the last agent")

    @model_validator(mode="after")
    def overflow_needs_both(self) -> Escalation:
        if (self.overflow_after_seconds is None) != (self.overflow_queue_id is None):
            raise ValueError("overflow needs both overflow_after_seconds and overflow_queue_id")
        return self


class BusinessHours(Strict):
    time_zone: str = Field("UTC", max_length=64)
    weekly: dict[Weekday, list[tuple[ClockTime, ClockTime]]] = {}
    holidays: list[date] = []
    after_hours_queue_id: str | None = None
    after_hours_action: Literal["wait", "message"] = Field(
        "wait", description="without an after-hours queue: wait for the opening, or leave a message")

    @model_validator(mode="after")
    def known_zone_and_ordered_windows(self) -> BusinessHours:
        if self.after_hours_queue_id is not None and self.after_hours_action != "wait":
            raise ValueError("give either after_hours_queue_id or after_hours_action 'message', not both")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from exc
        for day, windows in self.weekly.items():
            if any(start >= end for start, end in windows):
                raise ValueError(f"{day}: each window must end after it starts")
        return self


class Blending(Strict):
    """When this queue lets blended agents go to outbound work, and when it takes them back."""

    lend_while_waiting_at_most: int = Field(
        0, ge=0, le=10_000, description="lend while no more than this many contacts wait here")
    sla_margin: float | None = Field(
        None, ge=0, le=1, description="and while today's service level is at least the target plus this")


class QueueIn(Strict):
    name: Name
    channels: list[Channel] = Field(min_length=1)
    strategy: Strategy = Strategy.LONGEST_IDLE
    required_skills: dict[SkillName, Proficiency] = {}
    sla_target: float = Field(0.8, gt=0, le=1, description="share answered within sla_seconds")
    sla_seconds: int = Field(20, ge=1, le=86_400)
    max_size: int | None = Field(None, ge=1)
    max_wait_seconds: int | None = Field(None, ge=1)
    limit_action: Literal["abandon", "message"] = Field(
        "abandon", description="a contact the queue cannot hold (full, past max_wait): ended, or a message")
    wrap_up_seconds: int = Field(0, ge=0, le=3600)
    business_hours: BusinessHours | None = None
    escalation: Escalation = Escalation()
    blending: Blending | None = None
    is_default: bool = False


class QueueOut(QueueIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: str
    created_at: datetime


class RuleConditions(Strict):
    channels: list[Channel] = []
    tiers: list[str] = []
    languages: list[str] = []
    keywords: list[Annotated[str, Field(min_length=1, max_length=100)]] = []
    dialed_numbers: list[str] = []
    ivr_selections: list[str] = []
    segments: list[str] = []


class RuleIn(Strict):
    name: Name
    position: int = Field(ge=0, le=100_000)
    conditions: RuleConditions = RuleConditions()
    queue_id: str
    priority: int = Field(0, ge=-1000, le=1000)
    required_skills: dict[SkillName, Proficiency] = {}


class RuleOut(RuleIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: str


class AgentSettings(Strict):
    name: Name
    skills: dict[SkillName, Proficiency] = {}
    capacity: dict[Channel, Slots] = {"voice": 1}
    voice_exclusive: bool = True
    blended: bool = False


class AgentIn(AgentSettings):
    id: str = Field(min_length=1, max_length=128, description="the subject of the agent's token")


class AgentOut(BaseModel):
    id: str
    name: str
    skills: dict[str, int]
    capacity: dict[str, int]
    voice_exclusive: bool
    blended: bool
    state: str = Field(description="logged_out, available, busy (derived), wrap_up or not_ready")
    reason: str | None
    state_since: datetime
    wrap_up_until: datetime | None
    load: dict[str, int]


class StateIn(Strict):
    state: Literal["available", "not_ready"]
    reason: str | None = None

    @model_validator(mode="after")
    def reason_for_not_ready(self) -> StateIn:
        if self.state == "not_ready" and self.reason not in NOT_READY_REASONS:
            raise ValueError(f"not_ready needs a reason, one of: {', '.join(NOT_READY_REASONS)}")
        if self.state == "available" and self.reason is not None:
            raise ValueError("available takes no reason")
        return self


class SignIn(StateIn):
    state: Literal["available", "not_ready"] = "available"


class CompleteIn(Strict):
    disposition: str = Field(min_length=1, max_length=64)
    notes: str | None = Field(None, max_length=4000)


class TransferIn(Strict):
    queue_id: str | None = None
    agent_id: str | None = None

    @model_validator(mode="after")
    def exactly_one_target(self) -> TransferIn:
        if (self.queue_id is None) == (self.agent_id is None):
            raise ValueError("give exactly one of queue_id or agent_id")
        return self


class TaskChange(Strict):
    """A supervisor's move or reprioritization of a waiting task."""

    queue_id: str | None = None
    priority: int | None = Field(None, ge=-1000, le=100_000)

    @model_validator(mode="after")
    def something_to_change(self) -> TaskChange:
        if self.queue_id is None and self.priority is None:
            raise ValueError("give queue_id, priority or both")
        return self


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    callback: bool = Field(False, description="the agent calls the customer back")
    message: bool = Field(False, description="a message the customer left, worked from the backlog")
    message_reason: str | None = Field(None, description="escalation, after_hours, queue_full, max_wait")
    recording_ref: str | None = Field(None, description="a voice message's recording")
    conversation_id: str
    channel: str
    direction: str
    status: str
    queue_id: str | None
    priority: int
    agent_id: str | None
    offer_expires_at: datetime | None
    customer_id: str | None
    tier: str | None
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    disposition: str | None
    wait_seconds: float | None
    talk_seconds: float | None
    wrap_seconds: float | None
