"""A desktop feed's snapshot renders a task again only when the task's row changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import create_engine, insert, select, update

from switchboard.routing.api.agents import DesktopSnapshots
from switchboard.routing.models import Agent, Base, Task
from switchboard.routing.repository import DESKTOP_AGENT_COLUMNS, DESKTOP_TASK_COLUMNS

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_task_is_rendered_again_only_when_its_row_changed() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(Agent).values(tenant_id="acme", id="ann", name="Ann", skills={},
                                          capacity={"sms": 2}, voice_exclusive=True, blended=False,
                                          state="available", state_since=NOW, missed_offers=0,
                                          created_at=NOW))
        for n in (1, 2):
            conn.execute(insert(Task).values(
                id=f"t{n}", tenant_id="acme", conversation_id=f"c{n}", channel="sms", direction="inbound",
                status="offered", priority=0, rule_priority=0, required_skills={}, facts={},
                profile_known=True, escalation_level=0, transfers=0, agent_id="ann", created_at=NOW))

    def rows():
        with engine.connect() as conn:
            agent = conn.execute(select(*DESKTOP_AGENT_COLUMNS)).one()
            held = list(conn.execute(select(*DESKTOP_TASK_COLUMNS).order_by(Task.id)))
        return agent, held

    render = DesktopSnapshots()
    first = json.loads(render(*rows()))
    assert [t["status"] for t in first["tasks"]] == ["offered", "offered"]
    kept = render._tasks["t2"][1]
    with engine.begin() as conn:
        conn.execute(update(Task).where(Task.id == "t1").values(status="accepted"))
    second = json.loads(render(*rows()))
    assert [t["status"] for t in second["tasks"]] == ["accepted", "offered"], "t1's new row rendered"
    assert render._tasks["t2"][1] is kept, "t2's row is the same: its rendering was kept"
    assert second["agent"]["load"] == {"sms": 2}
