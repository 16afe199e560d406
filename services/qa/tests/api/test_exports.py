"""The KPI table and the hot topics download as CSV, like every other report."""

import uuid
from datetime import UTC, datetime, timedelta

from switchboard.common.events.base import Payload, make_envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.events.routing import TaskCompleted

NOW = datetime.now(UTC)


async def feed(qa, *events: Payload, conversation: str = "c1") -> None:
    for event in events:
        envelope = make_envelope(event, tenant="acme", source=event.service, subject=conversation)
        assert await qa.handle(envelope)


def said(text: str, conversation: str) -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="chat",
                           channel_id="ch", from_address="visitor", to_address="web", text=text,
                           received_at=NOW)


def completed(agent_id: str, conversation: str, seconds: float) -> TaskCompleted:
    return TaskCompleted(task_id=f"t-{conversation}", conversation_id=conversation, queue_id="q",
                         channel="chat", at=NOW, agent_id=agent_id, disposition="resolved",
                         talk_seconds=seconds)


async def test_the_agent_kpi_table_downloads_as_csv_with_a_line_per_agent(api, qa) -> None:
    await feed(qa, completed("a1", "c1", 100), completed("a2", "c2", 300))
    hour = timedelta(hours=1)
    window = {"since": (NOW - hour).isoformat(), "until": (NOW + hour).isoformat()}
    exported = await api.get("/v1/kpis/agents", params={**window, "format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    header, *rows = exported.text.splitlines()
    assert header.startswith("agent_id,rank,score,connect_rate,") and header.endswith(",qa_score_t,flags")
    assert [row.split(",")[:2] for row in rows] == [["a1", "1"], ["a2", "2"]]  # shorter handle time first
    as_json = await api.get("/v1/kpis/agents", params=window)
    assert [row["agent_id"] for row in as_json.json()] == ["a1", "a2"]


async def test_hot_topics_download_both_lists_as_csv(api, qa) -> None:
    for n in range(3):
        await feed(qa, said("my refund never arrived", f"c{n}"), conversation=f"c{n}")
    exported = await api.get("/v1/reports/hot-topics", params={"format": "csv", "min_contacts": 3})
    assert exported.status_code == 200, exported.text
    lines = exported.text.splitlines()
    assert lines[0] == "ranking,term,contacts,previous,growth"
    assert "most_frequent,refund,3,0,4.0" in lines and "fastest_rising,refund,3,0,4.0" in lines
    other = await api.get("/v1/reports/hot-topics", params={"format": "csv"}, tenant="globex")
    assert other.text.splitlines() == ["ranking,term,contacts,previous,growth"]
