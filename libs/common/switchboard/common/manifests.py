"""The parts of deploy/k8s that follow from the code, rendered from it.

Each service's Deployment, Service, PodDisruptionBudget and autoscaler (and the
console's, which has no database and no bus), and the NATS users with their
permissions, are the same shape five times over with the
names, ports and subjects the code declares. They are rendered here
(`make manifests`) and committed; a test checks the committed files are
current, so the manifests can never name a port, a setting or a subject the
code does not. Everything else in deploy/k8s (NATS cluster, PostgreSQL,
ingress, network policies, overlays) is written by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from switchboard.common.launcher import CONSOLE_PORT, SERVICE_PORTS, peer_env
from switchboard.common.natsauth import READER, authorization_block, password_env_var

IMAGE_REPOSITORY = "switchboard"
IMAGE_TAG = "0.1.0"
PART_OF = {"app.kubernetes.io/part-of": "switchboard"}
DATABASE_HOST = "switchboard-pg-rw"  # the CloudNativePG cluster's read-write Service
PORTS = {**SERVICE_PORTS, "console": CONSOLE_PORT}  # every process with a Deployment

# Replicas and autoscaling on CPU. Every service keeps its state in its
# database; routing serializes each tenant's decisions on a database lock, so
# its replicas add availability and API capacity, not decisions per tenant.
SCALING: dict[str, dict[str, int]] = {
    "ingest": {"min": 2, "max": 10},
    "profile": {"min": 2, "max": 8},
    "routing": {"min": 2, "max": 4},
    "campaign": {"min": 2, "max": 4},
    "qa": {"min": 2, "max": 6},
    "console": {"min": 2, "max": 4},
}
RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    name: {"requests": {"cpu": "250m", "memory": "192Mi"}, "limits": {"memory": "512Mi"}}
    for name in PORTS
}
RESOURCES["console"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
# qa holds jieba's dictionary and SnowNLP's sentiment model in memory: ~590 MiB idle.
RESOURCES["qa"] = {"requests": {"cpu": "250m", "memory": "768Mi"}, "limits": {"memory": "1280Mi"}}


def labels(name: str) -> dict[str, str]:
    """Services are component `api`; the console, which only calls them, is `web`."""
    component = "web" if name == "console" else "api"
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component, **PART_OF}


def _env(name: str) -> list[dict[str, Any]]:
    prefix = name.upper()
    if name == "console":  # no database, no bus: it calls the services' APIs inside the cluster
        return [
            *({"name": f"CONSOLE_{service.upper()}_URL", "value": f"http://{service}:{port}"}
              for service, port in SERVICE_PORTS.items()),
            {"name": "CONSOLE_HOST", "value": "0.0.0.0"},
            {"name": "CONSOLE_PORT", "value": str(CONSOLE_PORT)},
        ]
    return [
        {"name": "NATS_USER", "value": name},
        {"name": "NATS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "switchboard-nats",
                                                                 "key": password_env_var(name)}}},
        {"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {
            "name": f"switchboard-db-{name}", "key": "password"}}},
        {"name": f"{prefix}_DATABASE_URL",
         "value": f"postgresql://{name}:$(DATABASE_PASSWORD)@{DATABASE_HOST}:5432/{name}"},
        {"name": f"{prefix}_HOST", "value": "0.0.0.0"},
        {"name": f"{prefix}_PORT", "value": str(SERVICE_PORTS[name])},
        *({"name": variable, "value": url} for variable, url in peer_env(name, {
            peer: f"http://{peer}:{port}" for peer, port in SERVICE_PORTS.items()}).items()),
    ]


def _container(name: str, command: str) -> dict[str, Any]:
    return {
        "name": name if command == "serve" else "migrate",
        "image": f"{IMAGE_REPOSITORY}/{name}:{IMAGE_TAG}",
        "args": [command],
        "envFrom": [
            {"configMapRef": {"name": "switchboard-config"}},
            {"secretRef": {"name": "switchboard-auth"}},
        ],
        "env": _env(name),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        # the only writable path (SB_VAR_DIR=/tmp/var); the root filesystem is read-only
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
    }


def deployment(name: str) -> dict[str, Any]:
    port = PORTS[name]
    serve = _container(name, "serve")
    serve.update({
        "ports": [{"name": "http", "containerPort": port}],
        "resources": RESOURCES[name],
        "startupProbe": {"httpGet": {"path": "/healthz", "port": "http"},
                         "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"},
                           "periodSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"},
                          "periodSeconds": 10, "failureThreshold": 3},
    })
    init: dict[str, Any] = {}
    if name in SERVICE_PORTS:  # the console has no database
        # Alembic runs before the new version serves; replicas starting
        # at once take turns on a PostgreSQL advisory lock.
        migrate = _container(name, "migrate")
        migrate["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"memory": "256Mi"}}
        init["initContainers"] = [migrate]
    document: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {
            "replicas": SCALING[name]["min"],
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels(name),
                             "annotations": {"prometheus.io/scrape": "true",
                                             "prometheus.io/port": str(port),
                                             "prometheus.io/path": "/metrics"}},
                "spec": {
                    "serviceAccountName": "switchboard",
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                        "runAsGroup": 10001, "fsGroup": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "terminationGracePeriodSeconds": 30,
                    **init,
                    "containers": [serve],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
                    "topologySpreadConstraints": [{
                        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
                    }],
                },
            },
        },
    }
    return document


def service(name: str) -> dict[str, Any]:
    port = PORTS[name]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {"selector": {"app.kubernetes.io/name": name},
                 "ports": [{"name": "http", "port": port, "targetPort": "http"}]},
    }


def disruption_budget(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
    }


def autoscaler(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "labels": labels(name)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": SCALING[name]["min"],
            "maxReplicas": SCALING[name]["max"],
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
        },
    }


def service_documents(name: str) -> list[dict[str, Any]]:
    documents = [deployment(name), service(name), disruption_budget(name)]
    if SCALING[name]["max"] > SCALING[name]["min"]:
        documents.append(autoscaler(name))
    return documents


def nats_auth_conf() -> str:
    users = [*SERVICE_PORTS, READER]
    header = "# Rendered by `make manifests` from switchboard.common.natsauth; do not edit.\n"
    return header + authorization_block({user: f"${password_env_var(user)}" for user in users})


def rendered_files() -> dict[str, str]:
    """Path under deploy/k8s/base → content."""
    import yaml

    header = "# Rendered by `make manifests` from switchboard.common.manifests; do not edit.\n"
    files = {
        f"services/{name}.yaml": header + yaml.safe_dump_all(
            service_documents(name), sort_keys=False, default_flow_style=False)
        for name in PORTS
    }
    files["nats/auth.conf"] = nats_auth_conf()
    return files


def write(base: Path) -> list[Path]:
    written = []
    for relative, content in rendered_files().items():
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
