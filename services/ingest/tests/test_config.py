"""Ingest's settings: its own values under INGEST_, platform values under their fixed names."""

from pathlib import Path

import pytest

from switchboard.ingest.config import IngestSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("INGEST_DATABASE_URL", "INGEST_PORT", "INGEST_NATS_URL", "NATS_URL", "SB_NATS_URL",
                 "SB_VAR_DIR", "PORT", "DATABASE_URL", "INGEST_SIGNATURE_WINDOW_SECONDS"):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = IngestSettings()
    assert (settings.service_name, settings.port, settings.signature_window_seconds) == ("ingest", 8101, 300)
    assert settings.sms_inactivity_hours == 24.0


def test_its_own_values_are_read_with_the_ingest_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_DATABASE_URL", "postgresql+asyncpg://sb@db/ingest")
    monkeypatch.setenv("INGEST_PORT", "9101")
    monkeypatch.setenv("INGEST_SIGNATURE_WINDOW_SECONDS", "60")
    settings = IngestSettings()
    assert settings.resolved_database_url() == "postgresql+asyncpg://sb@db/ingest"
    assert (settings.port, settings.signature_window_seconds) == (9101, 60)


def test_unprefixed_or_other_services_values_do_not_leak_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "1")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///wrong.db")
    monkeypatch.setenv("PROFILE_PORT", "2")
    settings = IngestSettings()
    assert settings.port == 8101 and settings.database_url == ""


def test_the_bus_url_is_shared_by_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://bus:4222")
    monkeypatch.setenv("INGEST_NATS_URL", "nats://ignored:4222")
    assert IngestSettings().nats_url == "nats://bus:4222"


def test_the_default_database_is_ingest_db_under_the_var_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    assert IngestSettings().resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path}/ingest.db"
