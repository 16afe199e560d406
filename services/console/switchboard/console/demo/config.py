"""The simulator's knobs, and where the running platform is."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from switchboard.common.auth import mint_token
from switchboard.common.launcher import SERVICE_PORTS
from switchboard.common.settings import ServiceSettings

# The setup's shared secret for the demo channels' webhooks (not a production credential).
DEMO_SIGNING_SECRET = "switchboard-demo-webhook-secret"  # noqa: S105
ADMIN_SUBJECT = "demo-simulator"


@dataclass(frozen=True)
class DemoConfig:
    tenant: str = "demo"
    urls: Mapping[str, str] = field(default_factory=dict)
    rate_per_minute: float = 20.0
    agents: int = 10
    duration_seconds: float | None = None
    seed: int | None = None
    handle_seconds: float = 30.0
    report_every: float = 5.0
    token: str | None = None

    def url(self, service: str) -> str:
        return self.urls[service]

    def admin_token(self) -> str:
        if self.token:
            return self.token
        return mint_token(ServiceSettings(), tenant=self.tenant, subject=ADMIN_SUBJECT,
                          roles=["admin", "supervisor"])

    def agent_token(self, agent_id: str) -> str:
        """Simulated agents act for themselves, so each holds its own agent token."""
        return mint_token(ServiceSettings(), tenant=self.tenant, subject=agent_id, roles=["agent"])


def service_urls(given: Mapping[str, str | None], environ: Mapping[str, str] = os.environ,
                 urls_file: Path | None = None) -> dict[str, str]:
    """Each service's URL: the option, else `SB_<SERVICE>_URL`, else what `switchboard up` wrote to
    `var/urls.json` (it moves a service whose preferred port is taken), else the preferred port."""
    written: dict[str, str] = {}
    path = urls_file or Path(environ.get("SB_VAR_DIR", "var")) / "urls.json"
    if path.is_file():
        try:
            written = {k: str(v) for k, v in json.loads(path.read_text()).items()}
        except (ValueError, AttributeError):
            written = {}
    urls = {}
    for name, port in SERVICE_PORTS.items():
        url = given.get(name) or environ.get(f"SB_{name.upper()}_URL") or written.get(name)
        urls[name] = (url or f"http://127.0.0.1:{port}").rstrip("/")
    return urls
