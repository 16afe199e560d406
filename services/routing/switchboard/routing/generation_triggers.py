"""Triggers that move a tenant's routing generation on with every change of its agents, tasks,
queues or rules, whoever writes them.

The generation is what tells a routing process whether its memory of a tenant is still what
was committed (`flow/hot.py`). Counting changes in the database rather than in routing's own
code covers every writer: a replica of an older version during a rolling upgrade, a hand-made
SQL fix, a script. On SQLite each changed row moves it by one. On PostgreSQL the first changed
row of a transaction moves it (`last_txid` remembers which transaction did), so a transaction
updates the tenant's row once, not once per row.

The statements are versioned (`_v1`): a migration creates them as they were when it was written
(0007), and the metadata creates the same for a database made by `create_all` (tests).
"""

from __future__ import annotations

from sqlalchemy import DDL, MetaData, event

TRACKED_TABLES_V1 = ("agents", "tasks", "queues", "routing_rules")

_SQLITE_V1 = """
CREATE TRIGGER IF NOT EXISTS {table}_generation_{op} AFTER {op} ON {table}
BEGIN
    UPDATE tenant_routing SET generation = generation + 1 WHERE tenant_id = {row}.tenant_id;
END
"""

_POSTGRES_FUNCTION_V1 = """
CREATE OR REPLACE FUNCTION routing_generation() RETURNS trigger AS $$
DECLARE
    tenant text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
BEGIN
    UPDATE tenant_routing SET generation = generation + 1, last_txid = txid_current()
     WHERE tenant_id = tenant AND last_txid IS DISTINCT FROM txid_current();
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

_POSTGRES_TRIGGER_V1 = """
CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION routing_generation()
"""


def generation_triggers_v1(dialect: str) -> list[str]:
    """The statements that create the triggers on this dialect ("sqlite" or "postgresql")."""
    if dialect == "postgresql":
        return [_POSTGRES_FUNCTION_V1] + [_POSTGRES_TRIGGER_V1.format(table=t) for t in TRACKED_TABLES_V1]
    return [_SQLITE_V1.format(table=table, op=op, row="OLD" if op == "DELETE" else "NEW")
            for table in TRACKED_TABLES_V1 for op in ("INSERT", "UPDATE", "DELETE")]


def drop_generation_triggers_v1(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {t}_generation ON {t}" for t in TRACKED_TABLES_V1] + \
            ["DROP FUNCTION IF EXISTS routing_generation()"]
    return [f"DROP TRIGGER IF EXISTS {table}_generation_{op}"
            for table in TRACKED_TABLES_V1 for op in ("INSERT", "UPDATE", "DELETE")]


def create_with(metadata: MetaData) -> None:
    """Have `metadata.create_all` create the triggers after the tables."""
    for dialect in ("sqlite", "postgresql"):
        for statement in generation_triggers_v1(dialect):
            event.listen(metadata, "after_create", DDL(statement).execute_if(dialect=dialect))
