"""deploy/k8s renders, validates against the Kubernetes schemas, and matches the code.

`kubectl kustomize` builds both overlays; every built-in object is validated
strictly with kubernetes-validate; the CloudNativePG objects (custom resources
the schemas do not know) are checked for what the services rely on. The
rendered part of the base must be what `make manifests` produces now, and the
NATS configuration must be one a real nats-server accepts.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from switchboard.common.launcher import API_PEERS, SERVICE_PORTS, nats_server_binary
from switchboard.common.manifests import rendered_files
from switchboard.common.natsauth import READER, password_env_var
from switchboard.common.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.32.0"


@cache
def build(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in Kustomize) is not installed")
    result = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)],
                            capture_output=True, text=True, check=True)
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def objects(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in build(overlay) if doc["kind"] == kind}


def settings_class(service: str) -> type[ServiceSettings]:
    config = importlib.import_module(f"switchboard.{service}.config")
    return next(value for name, value in vars(config).items()
                if name.endswith("Settings") and name != "ServiceSettings")


def platform_variables() -> set[str]:
    names: set[str] = set()
    for field in ServiceSettings.model_fields.values():
        alias = field.validation_alias
        names.update(getattr(alias, "choices", []) or [])
    return {name for name in names if isinstance(name, str)}


def test_the_rendered_part_of_the_base_is_current() -> None:
    for relative, content in rendered_files().items():
        path = K8S / "base" / relative
        assert path.read_text(encoding="utf-8") == content, (
            f"deploy/k8s/base/{relative} is out of date: run `make manifests` and commit it"
        )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_built_in_object_is_valid_against_the_kubernetes_schemas(overlay: str) -> None:
    import kubernetes_validate

    checked = 0
    for doc in build(overlay):
        if doc["apiVersion"].startswith("postgresql.cnpg.io/"):
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_runs_as_the_code_declares(overlay: str) -> None:
    deployments, services = objects(overlay, "Deployment"), objects(overlay, "Service")
    config = next(iter(objects(overlay, "ConfigMap")[name] for name in objects(overlay, "ConfigMap")
                       if name.startswith("switchboard-config")))
    known = platform_variables()
    console_prefix = settings_class("console").model_config["env_prefix"]
    console_variables = {f"{console_prefix}{name.upper()}" for name in settings_class("console").model_fields}
    assert set(config["data"]) <= known | console_variables, set(config["data"]) - known
    assert config["data"]["SB_STREAM_REPLICAS"] == "3"
    assert objects(overlay, "StatefulSet")["nats"]["spec"]["replicas"] == 3

    for name, port in SERVICE_PORTS.items():
        pod = deployments[name]["spec"]["template"]["spec"]
        serve, = pod["containers"]
        migrate, = pod["initContainers"]
        assert serve["ports"] == [{"name": "http", "containerPort": port}]
        assert serve["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert serve["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert migrate["args"] == ["migrate"] and serve["args"] == ["serve"]
        assert migrate["image"] == serve["image"] and f"/{name}:" in serve["image"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in (serve, migrate):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert services[name]["spec"]["ports"][0]["port"] == port

        env = {item["name"]: item for item in serve["env"]}
        prefix = settings_class(name).model_config["env_prefix"]
        fields = settings_class(name).model_fields
        for variable in env:
            if variable.startswith(prefix):
                assert variable[len(prefix):].lower() in fields, variable
            else:
                assert variable in known | {"DATABASE_PASSWORD"}, variable
        assert env[f"{prefix}PORT"]["value"] == str(port)
        assert env[f"{prefix}DATABASE_URL"]["value"].endswith(f"/{name}")
        assert env["NATS_USER"]["value"] == name
        assert env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == password_env_var(name)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_console_reaches_every_service_and_nothing_else(overlay: str) -> None:
    pod = objects(overlay, "Deployment")["console"]["spec"]["template"]["spec"]
    serve, = pod["containers"]
    assert "initContainers" not in pod, "the console has no database to migrate"
    env = {item["name"]: item.get("value") for item in serve["env"]}
    fields = settings_class("console").model_fields
    assert all(name.startswith("CONSOLE_") and name[8:].lower() in fields for name in env), env
    for name, port in SERVICE_PORTS.items():
        assert env[f"CONSOLE_{name.upper()}_URL"] == f"http://{name}:{port}"
    assert not {"NATS_USER", "DATABASE_PASSWORD"} & set(env)

    policy = objects(overlay, "NetworkPolicy")["console"]["spec"]
    assert {port["port"] for port in policy["egress"][0]["ports"]} == set(SERVICE_PORTS.values())
    services_ingress = objects(overlay, "NetworkPolicy")["services"]["spec"]["ingress"][0]["from"]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "console"}}} in services_ingress
    ingress = objects(overlay, "Ingress")["switchboard"]["spec"]
    console_rule, = [rule for rule in ingress["rules"] if rule["host"].startswith("console.")]
    backend = console_rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "console", "port": {"name": "http"}}
    public_ingest = next(v for k, v in objects(overlay, "ConfigMap").items()
                         if k.startswith("switchboard-config"))["data"]["CONSOLE_PUBLIC_INGEST_URL"]
    ingest_host = next(rule["host"] for rule in ingress["rules"] if rule["host"].startswith("ingest."))
    assert public_ingest == f"https://{ingest_host}", "the widget loads from the public ingest host"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_service_reaches_the_apis_it_calls_through_the_network_policies(overlay: str) -> None:
    policies = objects(overlay, "NetworkPolicy").values()

    def selects(policy: dict[str, Any], name: str) -> bool:
        return policy["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": name}}

    def peer(name: str) -> dict[str, Any]:
        return {"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}

    for name, peers in API_PEERS.items():
        serve, = objects(overlay, "Deployment")[name]["spec"]["template"]["spec"]["containers"]
        env = {item["name"]: item.get("value") for item in serve["env"]}
        for called in peers:
            port = {"protocol": "TCP", "port": SERVICE_PORTS[called]}
            assert env[f"{name.upper()}_{called.upper()}_URL"] == f"http://{called}:{SERVICE_PORTS[called]}"
            assert any(selects(p, name) and any(peer(called) in rule["to"] and port in rule["ports"]
                                                for rule in p["spec"].get("egress", []))
                       for p in policies), f"{name} may not call {called}"
            assert any(selects(p, called) and any(peer(name) in rule["from"] and port in rule["ports"]
                                                  for rule in p["spec"].get("ingress", []))
                       for p in policies), f"{called} does not admit {name}"


def test_the_dev_overlay_generates_every_secret_the_workloads_reference() -> None:
    secrets = objects("dev", "Secret")
    referenced: set[tuple[str, str]] = set()
    for doc in build("dev"):
        if doc["kind"] not in ("Deployment", "StatefulSet"):
            continue
        pod = doc["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    referenced.add((ref["name"], ref["key"]))
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
    for secret, key in referenced:
        assert secret in secrets, secret
        assert key in secrets[secret]["data"], (secret, key)
    nats_secret = next(s for name, s in secrets.items() if name.startswith("switchboard-nats"))
    for user in [*SERVICE_PORTS, READER]:
        assert password_env_var(user) in nats_secret["data"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_its_own_database_role_and_public_host(overlay: str) -> None:
    cluster = objects(overlay, "Cluster")["switchboard-pg"]
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    databases = {doc["spec"]["name"]: doc["spec"] for doc in objects(overlay, "Database").values()}
    ingress = objects(overlay, "Ingress")["switchboard"]["spec"]
    backends = {rule["host"].split(".")[0]: rule["http"]["paths"][0]["backend"]["service"]["name"]
                for rule in ingress["rules"]}
    assert set(backends) == {*SERVICE_PORTS, "console"}
    assert ingress["tls"][0]["hosts"] == [rule["host"] for rule in ingress["rules"]]
    for name in SERVICE_PORTS:
        assert roles[name]["login"] is True
        assert roles[name]["passwordSecret"]["name"].startswith(f"switchboard-db-{name}")
        assert databases[name] == {"name": name, "owner": name, "cluster": {"name": "switchboard-pg"}}
        assert backends[name] == name
    assert cluster["spec"]["instances"] == (1 if overlay == "dev" else 3)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_open_the_bus_and_databases(overlay: str) -> None:
    policies = objects(overlay, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    egress_ports = {rule["ports"][0]["port"] for rule in policies["services"]["spec"]["egress"]}
    assert egress_ports == {4222, 5432}
    ingress_ports = {port["port"] for port in policies["services"]["spec"]["ingress"][0]["ports"]}
    assert ingress_ports == set(SERVICE_PORTS.values())


def test_the_nats_configuration_is_accepted_by_nats_server(tmp_path: Path) -> None:
    for name in ("nats.conf", "auth.conf"):
        shutil.copy(K8S / "base" / "nats" / name, tmp_path / name)
    env = {**os.environ, "POD_NAME": "nats-0",
           **{password_env_var(user): "x" for user in [*SERVICE_PORTS, READER]}}
    result = subprocess.run([nats_server_binary(), "-t", "-c", "nats.conf"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
