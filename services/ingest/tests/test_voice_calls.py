"""A call's life from telephony events: forward only, each step published once, a call a conversation."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from switchboard.common.events.base import Envelope
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Call, Channel, Conversation, backbone
from switchboard.ingest.voice.calls import CallEvent, apply_call_event

T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
async def pbx(sessions) -> Channel:
    row = Channel(id="ch-voice", tenant_id="acme", kind="voice", provider="pbx", address="10086",
                  name="hotline", signing_secret="s" * 20, credentials={}, created_at=T0)
    async with sessions() as session:
        session.add(row)
        await session.commit()
    return row


async def apply(sessions, channel: Channel, step: str, seconds: int, **changes: object) -> bool:
    event = CallEvent(step=step, call_id="pbx-42", from_address="+8613800138000", to_address="10086",  # type: ignore[arg-type]
                      at=T0 + timedelta(seconds=seconds), **changes)  # type: ignore[arg-type]
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to("acme")
        _, changed = await apply_call_event(uow, channel, event)
        await uow.commit()
    return changed


async def published(sessions) -> list[Envelope]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        return [Envelope.model_validate_json(r.envelope) for r in rows]


def names(envelopes: list[Envelope]) -> list[str]:
    return [e.type.split(".", 2)[2].rsplit(".", 1)[0] for e in envelopes]


async def test_a_call_rings_is_answered_and_ends_with_its_talk_time(sessions, pbx) -> None:
    assert await apply(sessions, pbx, "ringing", 0, ivr_selection="2")
    assert not await apply(sessions, pbx, "ringing", 1)  # the PBX repeated itself
    assert await apply(sessions, pbx, "answered", 20)
    assert await apply(sessions, pbx, "ended", 200, recording_ref="rec/42.wav")
    assert not await apply(sessions, pbx, "answered", 201)  # too late: the call is over

    events = await published(sessions)
    assert names(events) == ["conversation.opened", "call.started", "call.answered", "call.ended",
                             "conversation.closed"]
    started, ended = events[1].data, events[3].data
    assert (started["ivr_selection"], started["from_address"]) == ("2", "+8613800138000")
    assert (ended["talk_seconds"], ended["abandoned"], ended["outcome"], ended["recording_ref"]) == (
        180.0, False, "completed", "rec/42.wav")
    async with sessions() as session:
        call = await session.scalar(select(Call))
        conversation = await session.scalar(select(Conversation))
    assert call is not None and conversation is not None
    assert (call.status, conversation.status, conversation.channel_kind) == ("ended", "closed", "voice")
    assert {e.subject for e in events} == {conversation.id}


async def test_a_call_that_ends_unanswered_is_abandoned(sessions, pbx) -> None:
    await apply(sessions, pbx, "ringing", 0)
    await apply(sessions, pbx, "ended", 45)
    ended = (await published(sessions))[2].data
    assert (ended["abandoned"], ended["outcome"], ended["talk_seconds"]) == (True, "abandoned", 0.0)


async def test_an_answer_seen_before_its_ringing_still_starts_the_call(sessions, pbx) -> None:
    await apply(sessions, pbx, "answered", 5)
    await apply(sessions, pbx, "ringing", 0)
    assert names(await published(sessions)) == ["conversation.opened", "call.started", "call.answered"]
