"""The embeddable chat widget script and a demo page that uses it."""

from __future__ import annotations

import html
from importlib.resources import files

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

router = APIRouter(prefix="/v1/chat", tags=["web chat (visitors)"])

DEMO = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard chat demo</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Acme support</h1>
<p>This page embeds the Switchboard chat widget for channel <code>{channel}</code>.
Open the chat button at the bottom right; an agent answers through the send API.</p>
<script src="{base}/v1/chat/widget.js" data-channel="{channel}" async></script>
</body></html>
"""


@router.get("/widget.js", summary="The embeddable chat widget", response_class=Response)
async def widget_script() -> Response:
    script = files("switchboard.ingest").joinpath("static/widget.js").read_text(encoding="utf-8")
    return Response(script, media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/demo/{channel_id}", summary="A demo page with the widget", response_class=HTMLResponse)
async def demo_page(channel_id: str, request: Request) -> HTMLResponse:
    base = str(request.base_url).rstrip("/")
    return HTMLResponse(DEMO.format(channel=html.escape(channel_id, quote=True), base=html.escape(base)))
