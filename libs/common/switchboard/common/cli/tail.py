"""`switchboard events tail`: print events as they are published, one JSON line each."""

from __future__ import annotations

import asyncio
import json
import sys

import nats
from nats.aio.msg import Msg


async def tail(url: str, subject: str, count: int) -> int:
    nc = await nats.connect(url, name="switchboard-tail")
    seen = 0
    done = asyncio.Event()

    async def on_message(msg: Msg) -> None:
        nonlocal seen
        try:
            body = json.loads(msg.data)
        except ValueError:
            body = msg.data.decode(errors="replace")
        line = {"subject": msg.subject, "event": body}
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        seen += 1
        if count and seen >= count:
            done.set()

    await nc.subscribe(subject, cb=on_message)
    print(f"# watching {subject} on {url} (Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        await done.wait()
    except asyncio.CancelledError:
        pass
    finally:
        await nc.drain()
    return 0
