"""The `switchboard` command: up, token, events tail|catalog, dlq list|replay, manifests."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import httpx

from switchboard.common.auth import ROLES, mint_token
from switchboard.common.launcher import SERVICE_PORTS
from switchboard.common.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start NATS and every service on this machine")
    up.add_argument("--var", default="var", help="folder for databases, NATS data and logs")
    up.add_argument("--tenant", default="demo", help="tenant of the printed development token")

    token = commands.add_parser("token", help="mint a development JWT")
    token.add_argument("--tenant", required=True)
    token.add_argument("--sub", default="dev-user", help="subject (user or service id)")
    token.add_argument("--role", action="append", choices=ROLES, dest="roles",
                       help="repeat for several roles (default: admin)")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")

    events = commands.add_parser("events", help="watch events live, or print the catalog")
    event_commands = events.add_subparsers(dest="events_command", required=True)
    tail = event_commands.add_parser("tail", help="print events on a subject as they arrive")
    tail.add_argument("subject", nargs="?", default="sb.>", help="e.g. sb.acme.ingest.>")
    tail.add_argument("--nats", default=None, help="NATS URL (default: $NATS_URL)")
    tail.add_argument("--count", type=int, default=0, help="stop after this many (0: never)")
    event_commands.add_parser("catalog", help="print the event catalog (Markdown)")

    dlq = commands.add_parser("dlq", help="list or replay a service's dead letters")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("service", choices=list(SERVICE_PORTS))
    dlq.add_argument("seq", nargs="?", type=int, help="dead letter to replay")
    dlq.add_argument("--tenant", required=True)
    dlq.add_argument("--url", default=None, help="service base URL (default: local port)")

    manifests = commands.add_parser("manifests", help="render the generated part of deploy/k8s")
    manifests.add_argument("--out", default="deploy/k8s/base", help="the Kustomize base folder")

    args = parser.parse_args(argv)
    if args.command == "manifests":
        from switchboard.common.manifests import write

        for path in write(Path(args.out)):
            print(path)
        return 0
    if args.command == "up":
        from switchboard.common.cli.up import up as run_up

        return run_up(Path(args.var), args.tenant)
    if args.command == "token":
        print(mint_token(ServiceSettings(), tenant=args.tenant, subject=args.sub,
                         roles=args.roles or ["admin"], ttl_seconds=args.ttl))
        return 0
    if args.command == "events" and args.events_command == "catalog":
        from switchboard.common.events.catalog import render_markdown

        sys.stdout.write(render_markdown())
        return 0
    if args.command == "events":
        from switchboard.common.cli.tail import tail as run_tail

        settings = ServiceSettings()
        return asyncio.run(run_tail(args.nats or settings.nats_url, args.subject, args.count))
    return _dlq(args)


def _dlq(args: argparse.Namespace) -> int:
    base = args.url or f"http://127.0.0.1:{SERVICE_PORTS[args.service]}"
    token = mint_token(ServiceSettings(), tenant=args.tenant, subject="cli", roles=["admin"])
    headers = {"Authorization": f"Bearer {token}"}
    if args.action == "list":
        response = httpx.get(f"{base}/v1/dead-letters", headers=headers, timeout=10)
    else:
        if args.seq is None:
            print("dlq replay needs the dead letter's seq", file=sys.stderr)
            return 2
        response = httpx.post(f"{base}/v1/dead-letters/{args.seq}/replay", headers=headers, timeout=30)
    print(json.dumps(response.json(), indent=2, ensure_ascii=False))
    return 0 if response.is_success else 1


if __name__ == "__main__":
    raise SystemExit(main())
