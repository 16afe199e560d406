"""docker-compose.yml describes the same platform as the code (Docker cannot run here)."""

from pathlib import Path

import yaml

from switchboard.common.launcher import API_PEERS, CONSOLE_PORT, SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_every_service_with_its_port_database_and_the_bus() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(SERVICE_PORTS) | {"nats", "postgres", "console"} == set(services)
    for name, port in SERVICE_PORTS.items():
        env = services[name]["environment"]
        prefix = name.upper()
        assert env[f"{prefix}_PORT"] == str(port)
        assert env[f"{prefix}_DATABASE_URL"].endswith(f"/{name}")
        assert env["NATS_URL"] == "nats://nats:4222"
        assert services[name]["build"]["args"]["SERVICE"] == name, "the image runs this service"
        assert "migrate" in services[name]["entrypoint"][-1], "migrations run before serving"
        assert services[name]["ports"] == [f"{port}:{port}"]


def test_compose_settings_are_ones_the_services_read() -> None:
    import importlib

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in [*SERVICE_PORTS, "console"]:
        config = importlib.import_module(f"switchboard.{name}.config")
        settings_class = next(v for k, v in vars(config).items() if k.endswith("Settings")
                              and k != "ServiceSettings")
        prefix = settings_class.model_config["env_prefix"]
        for variable in compose["services"][name]["environment"]:
            if variable.startswith(prefix):
                assert variable[len(prefix):].lower() in settings_class.model_fields, variable


def test_compose_runs_the_console_against_every_service() -> None:
    console = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["console"]
    assert console["build"]["args"]["SERVICE"] == "console"
    assert console["ports"] == [f"{CONSOLE_PORT}:{CONSOLE_PORT}"]
    for name, port in SERVICE_PORTS.items():
        assert console["environment"][f"CONSOLE_{name.upper()}_URL"] == f"http://{name}:{port}"


def test_compose_tells_each_service_where_the_apis_it_calls_are() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, peers in API_PEERS.items():
        for peer in peers:
            url = services[name]["environment"][f"{name.upper()}_{peer.upper()}_URL"]
            assert url == f"http://{peer}:{SERVICE_PORTS[peer]}"


def test_every_database_the_services_use_is_created() -> None:
    sql = (ROOT / "deploy" / "compose" / "init-databases.sql").read_text()
    for name in SERVICE_PORTS:
        assert f"CREATE DATABASE {name};" in sql


def test_compose_nats_acknowledges_only_what_is_on_disk() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounted = [v for v in compose["services"]["nats"]["volumes"] if v.endswith(":/etc/nats/nats.conf:ro")]
    assert mounted, "nats runs with the compose configuration file"
    config = (ROOT / mounted[0].split(":")[0]).read_text()
    assert "sync_interval: always" in config
