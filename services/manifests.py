"""Production manifests generated from the catalog: `python -m services.manifests`.

Writes deploy/compose.yaml (one host: Apache Kafka in KRaft mode, PostgreSQL, every process)
and deploy/k8s/desk.yaml (Deployments with probes, Services, autoscalers). A test keeps the
committed files in step with catalog.toml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.catalog import Catalog, ProcessSpec, load_catalog

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
IMAGE = "madoguchi:latest"
PORT = 8000


def _env(spec: ProcessSpec, *, kafka: str, postgres_host: str) -> dict[str, str]:
    p = spec.env_prefix
    env = {
        f"{p}_KAFKA_BOOTSTRAP_SERVERS": kafka,
        f"{p}_KAFKA_IDEMPOTENCE": "true",
        f"{p}_HOST": "0.0.0.0",
        f"{p}_PORT": str(PORT),
        f"{p}_DEV_MODE": "false",
        f"{p}_JWT_SECRET": "${JWT_SECRET:?set JWT_SECRET}",
    }
    if spec.database:
        env[f"{p}_DATABASE_URL"] = (
            f"postgresql://madoguchi:${{POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}}"
            f"@{postgres_host}:5432/{spec.database}"
        )
    if spec.name == "routing_service":
        env["ROUTING_ADMIN_PASSWORD"] = "${ADMIN_PASSWORD:?set ADMIN_PASSWORD}"
    if spec.name == "gateway":
        env["GATEWAY_WS_ALLOWED_ORIGINS"] = '["https://app.example.com"]'
        for other in production_processes(load_catalog()):
            if other.name != "gateway":
                env[f"GATEWAY_{other.name.upper()}_URL"] = f"http://{host(other)}:{PORT}"
    return env


def host(spec: ProcessSpec) -> str:
    """The DNS name of a process (no underscores in host names)."""
    return spec.name.replace("_", "-")


def production_processes(catalog: Catalog) -> list[ProcessSpec]:
    """Every process but the exchange simulator, which stands in for the exchange in demos."""
    return [p for p in catalog.processes if p.name != "exchange_simulator"]


def _command(spec: ProcessSpec) -> list[str]:
    return spec.serve_command(host="0.0.0.0", port=PORT)


def compose(catalog: Catalog) -> dict[str, Any]:
    """A compose file for one host."""
    services: dict[str, Any] = {
        "kafka": {
            "image": "apache/kafka:3.9.0",
            "environment": {
                "KAFKA_NODE_ID": "1",
                "KAFKA_PROCESS_ROLES": "broker,controller",
                "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
                "KAFKA_ADVERTISED_LISTENERS": "PLAINTEXT://kafka:9092",
                "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@kafka:9093",
                "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
                "KAFKA_NUM_PARTITIONS": str(catalog.partitions),
            },
        },
        "postgres": {
            "image": "postgres:17",
            "environment": {
                "POSTGRES_USER": "madoguchi",
                "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}",
            },
            "volumes": [
                "pgdata:/var/lib/postgresql/data",
                "./postgres-init.sql:/docker-entrypoint-initdb.d/init.sql:ro",
            ],
        },
    }
    for spec in production_processes(catalog):
        service: dict[str, Any] = {
            "image": IMAGE,
            "build": {"context": "..", "dockerfile": "deploy/Dockerfile"},
            "command": _command(spec),
            "environment": _env(spec, kafka="kafka:9092", postgres_host="postgres"),
            "depends_on": ["kafka"] + (["postgres"] if spec.database else []),
            "healthcheck": {
                "test": [
                    "CMD",
                    "python",
                    "-c",
                    f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/readyz')",
                ],
                "interval": "10s",
                "timeout": "3s",
                "retries": 5,
            },
            "restart": "unless-stopped",
        }
        if spec.name == "gateway":
            service["ports"] = ["127.0.0.1:8000:8000"]
        services[host(spec)] = service
    return {"name": "madoguchi", "services": services, "volumes": {"pgdata": {}}}


def kubernetes(catalog: Catalog) -> list[dict[str, Any]]:
    """Deployment, Service and HorizontalPodAutoscaler for every process."""
    docs: list[dict[str, Any]] = []
    for spec in production_processes(catalog):
        name = host(spec)
        env = _env(spec, kafka="kafka-bootstrap:9092", postgres_host="postgres")
        env_list: list[dict[str, Any]] = []
        for key, value in env.items():
            if "JWT_SECRET" in key:
                env_list.append(
                    {
                        "name": key,
                        "valueFrom": {"secretKeyRef": {"name": "madoguchi", "key": "jwt-secret"}},
                    }
                )
            elif key.endswith("ADMIN_PASSWORD"):
                env_list.append(
                    {
                        "name": key,
                        "valueFrom": {
                            "secretKeyRef": {"name": "madoguchi", "key": "admin-password"}
                        },
                    }
                )
            elif key.endswith("DATABASE_URL"):
                env_list.append(
                    {
                        "name": key,
                        "valueFrom": {
                            "secretKeyRef": {
                                "name": "madoguchi",
                                "key": f"{spec.database}-database-url",
                            }
                        },
                    }
                )
            else:
                env_list.append({"name": key, "value": value})
        probe = {"httpGet": {"path": "/readyz", "port": PORT}, "periodSeconds": 5}
        docs.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "labels": {"app": name}},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {
                            "containers": [
                                {
                                    "name": name,
                                    "image": IMAGE,
                                    "command": _command(spec),
                                    "ports": [{"containerPort": PORT}],
                                    "env": env_list,
                                    "readinessProbe": probe,
                                    "livenessProbe": {
                                        "httpGet": {"path": "/healthz", "port": PORT},
                                        "periodSeconds": 10,
                                        "failureThreshold": 3,
                                    },
                                    "startupProbe": {**probe, "failureThreshold": 30},
                                    "resources": {
                                        "requests": {"cpu": "250m", "memory": "256Mi"},
                                        "limits": {"memory": "1Gi"},
                                    },
                                }
                            ]
                        },
                    },
                },
            }
        )
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name},
                "spec": {"selector": {"app": name}, "ports": [{"port": PORT, "targetPort": PORT}]},
            }
        )
        docs.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                    "minReplicas": 2,
                    "maxReplicas": 10,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                },
            }
        )
    return docs


def render_compose(catalog: Catalog) -> str:
    return str(yaml.safe_dump(compose(catalog), sort_keys=False, allow_unicode=True))


def render_kubernetes(catalog: Catalog) -> str:
    return str(yaml.safe_dump_all(kubernetes(catalog), sort_keys=False, allow_unicode=True))


def render_postgres_init(catalog: Catalog) -> str:
    names = [p.database for p in catalog.processes if p.database]
    return "".join(f"CREATE DATABASE {n};\n" for n in names)


def main() -> None:
    catalog = load_catalog()
    (DEPLOY / "compose.yaml").write_text(render_compose(catalog))
    (DEPLOY / "postgres-init.sql").write_text(render_postgres_init(catalog))
    (DEPLOY / "k8s" / "desk.yaml").write_text(render_kubernetes(catalog))
    print("wrote deploy/compose.yaml, deploy/postgres-init.sql, deploy/k8s/desk.yaml")


if __name__ == "__main__":
    main()
