"""Per-service NATS users whose permissions follow the bus declaration.

Production runs NATS with one user per service. What each may do is derived
from `streams.py`, the one place the topology is declared, so the broker
enforces the same contract the code provisions:

- publish only its own events (`sb.*.<svc>.>`), commands to any service
  (`sb.*.*.cmd.>`) and its own dead letters (`sbdlq.<svc>.>`);
- create, read and pull from only its own durable consumers
  (`<svc>--<producer>`) on the streams of the producers `CONSUMES` names;
- ensure the streams (every service ensures the whole topology at start-up, so
  start order does not matter; stream creation is idempotent) and read or
  delete messages of the dead-letter stream (the dead-letters API).

Nothing else: no service can read another service's consumers, publish an
event in another service's name, or delete a stream. The `reader` user is for
internal teams that subscribe their own durable consumers to the events.
"""

from __future__ import annotations

from collections.abc import Mapping

from switchboard.common.streams import CONSUMES, DLQ_STREAM, SERVICES, stream_name

READER = "reader"


def _stream_management() -> list[str]:
    streams = [stream_name(service) for service in SERVICES] + [DLQ_STREAM]
    return ["$JS.API.INFO"] + [
        f"$JS.API.STREAM.{verb}.{stream}"
        for stream in streams
        for verb in ("INFO", "CREATE", "UPDATE")
    ]


def service_permissions(service: str) -> dict[str, dict[str, list[str]]]:
    """The publish and subscribe permissions of `service`'s NATS user."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    publish = [f"sb.*.{service}.>", "sb.*.*.cmd.>", f"sbdlq.{service}.>"]
    publish += _stream_management()
    publish += [
        f"$JS.API.STREAM.MSG.GET.{DLQ_STREAM}",
        f"$JS.API.STREAM.MSG.DELETE.{DLQ_STREAM}",
    ]
    for producer in sorted(CONSUMES.get(service, {})):
        stream, durable = stream_name(producer), f"{service}--{producer}"
        publish += [
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ]
    return {"publish": {"allow": publish}, "subscribe": {"allow": ["_INBOX.>"]}}


def reader_permissions() -> dict[str, dict[str, list[str]]]:
    """Internal teams: their own durable consumers on any event stream, no publishing of events."""
    streams = [stream_name(service) for service in SERVICES]
    publish = ["$JS.API.INFO"] + [f"$JS.API.STREAM.INFO.{stream}" for stream in streams]
    for stream in streams:
        publish += [
            f"$JS.API.CONSUMER.CREATE.{stream}.*",
            f"$JS.API.CONSUMER.CREATE.{stream}.*.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.*",
            f"$JS.API.CONSUMER.INFO.{stream}.*",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.*",
            f"$JS.ACK.{stream}.>",
        ]
    # ... but never the services' own durable consumers
    deny = []
    for service, producers in sorted(CONSUMES.items()):
        for producer in sorted(producers):
            stream, durable = stream_name(producer), f"{service}--{producer}"
            deny += [
                f"$JS.API.CONSUMER.*.{stream}.{durable}",
                f"$JS.API.CONSUMER.*.{stream}.{durable}.>",
                f"$JS.API.CONSUMER.*.*.{stream}.{durable}",
                f"$JS.ACK.{stream}.{durable}.>",
            ]
    return {
        "publish": {"allow": publish, "deny": deny},
        "subscribe": {"allow": ["_INBOX.>", "sb.>"]},  # `switchboard events tail` too
    }


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render_permissions(permissions: Mapping[str, Mapping[str, list[str]]], indent: str) -> str:
    lines = [f"{indent}permissions: {{"]
    for direction in ("publish", "subscribe"):
        rules = permissions[direction]
        lines.append(f"{indent}  {direction}: {{")
        for kind in ("allow", "deny"):
            if rules.get(kind):
                lines.append(f"{indent}    {kind}: [")
                lines += [f"{indent}      {_quote(subject)}" for subject in rules[kind]]
                lines.append(f"{indent}    ]")
        lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def authorization_block(passwords: Mapping[str, str]) -> str:
    """A nats-server `authorization` block with a user per service and the reader.

    `passwords` maps user name to its password as it should appear in the
    config: a literal (quoted here) or an environment reference such as
    `$INGEST_NATS_PASSWORD`, which nats-server resolves at start-up.
    """
    users = []
    for user in [*SERVICES, READER]:
        password = passwords[user]
        rendered = password if password.startswith("$") else _quote(password)
        permissions = reader_permissions() if user == READER else service_permissions(user)
        users.append(
            "    {\n"
            f"      user: {_quote(user)}\n"
            f"      password: {rendered}\n"
            f"{_render_permissions(permissions, '      ')}\n"
            "    }"
        )
    return "authorization {\n  users: [\n" + "\n".join(users) + "\n  ]\n}\n"


def password_env_var(user: str) -> str:
    return f"{user.upper()}_NATS_PASSWORD"
