"""Settings come from the environment: platform-wide names, and per-service prefixes."""

import pytest

from switchboard.common.settings import DEV_JWT_SECRET, ServiceSettings

PLATFORM_VARIABLES = ("NATS_URL", "SB_NATS_URL", "SB_VAR_DIR", "SB_JWT_SECRET", "SB_MAX_DELIVER",
                      "SB_SQLITE_SYNCHRONOUS", "SB_STREAM_REPLICAS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PLATFORM_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_embedded_development_setup() -> None:
    settings = ServiceSettings()
    assert settings.nats_url == "nats://127.0.0.1:4222"
    assert settings.jwt_secret == DEV_JWT_SECRET
    assert (settings.max_deliver, settings.sqlite_synchronous, settings.stream_replicas) == (5, "FULL", 1)


def test_platform_values_are_read_under_their_fixed_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://bus:4222")
    monkeypatch.setenv("SB_MAX_DELIVER", "9")
    monkeypatch.setenv("SB_STREAM_REPLICAS", "3")
    settings = ServiceSettings()
    assert (settings.nats_url, settings.max_deliver, settings.stream_replicas) == ("nats://bus:4222", 9, 3)


def test_the_bus_url_may_also_be_given_as_sb_nats_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SB_NATS_URL", "nats://other:4222")
    assert ServiceSettings().nats_url == "nats://other:4222"


def test_the_default_database_is_a_sqlite_file_named_after_the_service_under_var_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("SB_VAR_DIR", str(tmp_path))
    settings = ServiceSettings(service_name="routing")
    assert settings.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path}/routing.db"


def test_a_configured_database_url_wins_over_the_default() -> None:
    settings = ServiceSettings(database_url="postgresql+asyncpg://u:p@db/routing")
    assert settings.resolved_database_url() == "postgresql+asyncpg://u:p@db/routing"
