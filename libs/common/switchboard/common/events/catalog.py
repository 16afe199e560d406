"""The event catalog, generated from the payload models (docs/events.md).

`make catalog` writes it; a test fails when the committed file is not what the
models generate, so the catalog internal teams build on is always current.
"""

from __future__ import annotations

from typing import Any

from switchboard.common.events.base import Payload, registered_types
from switchboard.common.streams import CONSUMES, allowed_subjects, stream_name, subject_matches

HEADER = """# Switchboard event catalog

Generated from the payload models in `libs/common/switchboard/common/events/`
by `make catalog`; do not edit by hand (a test checks it is current).

Every event is a CloudEvents 1.0 JSON envelope published on JetStream:

| attribute | meaning |
|---|---|
| `id` | event id (UUID); also the `Nats-Msg-Id`, so the broker drops re-sends |
| `source` | producing service |
| `type` | `sb.<service>.<entity>.<verb>.v<N>`: the schema version is part of the type |
| `specversion` | `1.0` |
| `time` | when the producer emitted it (UTC) |
| `subject` | the entity it is about (a conversation, a task); handled in order per subject |
| `tenant` | the tenant; also the second token of the NATS subject |
| `correlationid` | the id shared by everything one contact caused |
| `causationid` | the id of the event that caused this one, if any |
| `data` | the payload described below |

NATS subject: `sb.<tenant>.<service>.<entity>.<verb>`, in the stream `SB_<SERVICE>`.
Headers carry W3C `traceparent`. Delivery is at least once: consumers are
idempotent on `id`. Schemas change only by adding optional fields; a breaking
change is a new `vN` type published beside the old one.

To consume events from an internal system, create your own durable consumer on
the producer's stream with an explicit deliver policy, e.g. with the `nats` CLI:
`nats consumer add SB_INGEST crm-sync --filter 'sb.acme.ingest.message.>' --pull
--deliver all --ack explicit --max-deliver 5`, or watch them live with
`switchboard events tail 'sb.acme.>'`.

"""


def _type_name(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].split("/")[-1]
    if "anyOf" in schema:
        return " or ".join(_type_name(s, defs) for s in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type_name(schema.get('items', {}), defs)}"
    if kind == "object" and "additionalProperties" in schema:
        return f"map of {_type_name(schema['additionalProperties'], defs)}"
    if kind == "string" and schema.get("format"):
        return f"string ({schema['format']})"
    return str(kind)


def _fields(cls: type[Payload]) -> list[str]:
    schema = cls.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| field | type | required |", "|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        rows.append(f"| `{name}` | {_type_name(prop, defs)} | {'yes' if name in required else 'no'} |")
    return rows


def _consumers(cls: type[Payload]) -> list[str]:
    subject = cls.subject_for("tenant")
    return [
        service for service in CONSUMES
        if any(subject_matches(pattern, subject) for pattern in allowed_subjects(service))
    ]


def render_markdown() -> str:
    lines = [HEADER]
    by_service: dict[str, list[type[Payload]]] = {}
    for cls in registered_types().values():
        by_service.setdefault(cls.service, []).append(cls)
    for service in ("ingest", "profile", "routing", "campaign", "qa"):
        lines.append(f"## {service} (stream `{stream_name(service)}`)\n")
        for cls in sorted(by_service.get(service, []), key=lambda c: c.name):
            consumers = ", ".join(f"`{c}`" for c in _consumers(cls)) or "none yet"
            lines.append(f"### `{cls.event_type()}`\n")
            lines.append(f"{cls.summary}\n")
            lines.append(f"- subject: `{cls.subject_for('<tenant>')}`")
            lines.append(f"- payload class: `{cls.__module__}.{cls.__name__}`")
            lines.append(f"- may be consumed by: {consumers}\n")
            lines.extend(_fields(cls))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
