"""Settings read from the environment.

Platform-wide values (the bus, the signing key, the environment) have one fixed
name for every service (`NATS_URL`, `SB_JWT_SECRET`, ...). Values that differ per
service carry the service's prefix: `INGEST_DATABASE_URL`, `ROUTING_PORT`.
A service subclasses `ServiceSettings` and sets its prefix; nothing reads the
environment at import time: `main.py` builds the settings object.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "switchboard-development-secret-change-me"  # noqa: S105 - documented dev default


class ServiceSettings(BaseSettings):
    """What every service needs; subclass per service with `env_prefix`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    var_dir: str = Field("var", validation_alias=AliasChoices("SB_VAR_DIR"))
    nats_url: str = Field(
        "nats://127.0.0.1:4222", validation_alias=AliasChoices("NATS_URL", "SB_NATS_URL")
    )
    nats_user: str = Field("", validation_alias=AliasChoices("NATS_USER"))
    nats_password: str = Field("", validation_alias=AliasChoices("NATS_PASSWORD"))
    stream_replicas: int = Field(1, validation_alias=AliasChoices("SB_STREAM_REPLICAS"))
    # The broker drops a re-sent event id inside this window; the consumers' inbox
    # catches anything older, so this bounds memory, not correctness.
    duplicate_window_seconds: float = Field(
        600.0, validation_alias=AliasChoices("SB_DUPLICATE_WINDOW_SECONDS")
    )
    max_deliver: int = Field(5, validation_alias=AliasChoices("SB_MAX_DELIVER"))
    consumer_concurrency: int = Field(16, validation_alias=AliasChoices("SB_CONSUMER_CONCURRENCY"))
    outbox_window: int = Field(1000, validation_alias=AliasChoices("SB_OUTBOX_WINDOW"))
    outbox_sweep_seconds: float = Field(1.0, validation_alias=AliasChoices("SB_OUTBOX_SWEEP_SECONDS"))
    sqlite_synchronous: str = Field("FULL", validation_alias=AliasChoices("SB_SQLITE_SYNCHRONOUS"))
    jwt_secret: str = Field(DEV_JWT_SECRET, validation_alias=AliasChoices("SB_JWT_SECRET"))
    jwt_public_key: str = Field("", validation_alias=AliasChoices("SB_JWT_PUBLIC_KEY"))
    jwt_issuer: str = Field("switchboard-dev", validation_alias=AliasChoices("SB_JWT_ISSUER"))
    jwt_audience: str = Field("switchboard", validation_alias=AliasChoices("SB_JWT_AUDIENCE"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("SB_LOG_LEVEL"))
    # serve: what the process built before serving (modules, models, the app) kept out of the
    # garbage collector's sight, and its thresholds ("" for Python's): `serve.settle_the_heap`
    gc_freeze: bool = Field(True, validation_alias=AliasChoices("SB_GC_FREEZE"))
    gc_threshold: str = Field("5000,20,20", validation_alias=AliasChoices("SB_GC_THRESHOLD"))
    public_base_url: str = ""

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded default: a SQLite file under var/."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir}/{self.service_name}.db"
