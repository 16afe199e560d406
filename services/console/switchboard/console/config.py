from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from switchboard.common.settings import ServiceSettings

DEV_PASSWORD = "switchboard"  # noqa: S105 - the documented password of the development directory


class ConsoleUser(BaseModel):
    """A user of the development directory; production signs in with the identity provider's token."""

    username: str
    password: str = DEV_PASSWORD
    roles: list[str]


DEV_USERS = [
    ConsoleUser(username="admin", roles=["admin", "supervisor", "agent", "evaluator"]),
    ConsoleUser(username="supervisor", roles=["supervisor"]),
    ConsoleUser(username="evaluator", roles=["evaluator"]),
    *(ConsoleUser(username=f"agent-{n}", roles=["agent"]) for n in range(1, 7)),
]


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    service_name: str = "console"
    port: int = 8100
    # Where the console reaches each service (inside the cluster: the service's DNS name).
    ingest_url: str = "http://127.0.0.1:8101"
    profile_url: str = "http://127.0.0.1:8102"
    routing_url: str = "http://127.0.0.1:8103"
    campaign_url: str = "http://127.0.0.1:8104"
    qa_url: str = "http://127.0.0.1:8105"
    # Where a visitor's browser reaches ingest's chat widget (the public ingress); ingest_url if empty.
    public_ingest_url: str = ""
    # The development directory: used only while tokens are signed with the local secret.
    users: list[ConsoleUser] = Field(default_factory=lambda: list(DEV_USERS))
    # A mutating API call through the console must carry this header (a cross-site form cannot).
    session_cookie: str = "sb_session"

    def service_url(self, service: str) -> str:
        url: str = getattr(self, f"{service}_url")
        return url.rstrip("/")

    def widget_base_url(self) -> str:
        return (self.public_ingest_url or self.ingest_url).rstrip("/")
