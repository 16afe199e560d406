"""Reports count days and weeks in the time zone asked for, the floor's own clock."""

import uuid
from datetime import UTC, datetime

from switchboard.common.events.base import Payload, make_envelope
from switchboard.common.events.campaign import SurveyResponseRecorded
from switchboard.common.events.ingest import MessageReceived

LATE = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 04:00 on the 24th in Beijing


async def feed(qa, event: Payload, conversation: str) -> None:
    assert await qa.handle(make_envelope(event, tenant="acme", source=event.service, subject=conversation))


async def test_hot_topics_and_csat_days_are_those_of_the_zone_asked_for(api, qa) -> None:
    await feed(qa, MessageReceived(
        message_id=str(uuid.uuid4()), conversation_id="c1", channel="chat", channel_id="ch",
        from_address="visitor", to_address="web", text="the refund is late", received_at=LATE), "c1")
    await feed(qa, SurveyResponseRecorded(survey_id="csat", conversation_id="c1", agent_id="a1",
                                          question="Satisfied?", score=5, at=LATE), "c1")

    async def terms(on: str, tz: str) -> list[str]:
        found = await api.get("/v1/reports/hot-topics", params={"on": on, "tz": tz})
        assert found.status_code == 200, found.text
        return [t["term"] for t in found.json()["most_frequent"]]

    assert "refund" in await terms("2026-11-23", "UTC") and "refund" not in await terms("2026-11-24", "UTC")
    assert "refund" in await terms("2026-11-24", "Asia/Shanghai")
    assert "refund" not in await terms("2026-11-23", "Asia/Shanghai")
    by_day = await api.get("/v1/reports/csat", params={"group_by": "day", "tz": "Asia/Shanghai"})
    assert [row["key"] for row in by_day.json()] == ["2026-11-24"]
    utc_day = await api.get("/v1/reports/csat", params={"group_by": "day"})
    assert [row["key"] for row in utc_day.json()] == ["2026-11-23"]
    unknown = await api.get("/v1/reports/evaluations", params={"tz": "Mars/Olympus"})
    assert unknown.status_code == 422 and "unknown time zone" in unknown.json()["detail"]
