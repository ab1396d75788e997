"""The deploy manifests are generated from the catalog and committed in step with it."""

from __future__ import annotations

import yaml

from services.catalog import load_catalog
from services.manifests import (
    DEPLOY,
    production_processes,
    render_compose,
    render_kubernetes,
    render_postgres_init,
)
from shared.settings import CLIENT_KEEP_ALIVE_S, SERVER_KEEP_ALIVE_S


def test_committed_manifests_match_the_catalog() -> None:
    catalog = load_catalog()
    assert (DEPLOY / "compose.yaml").read_text() == render_compose(catalog)
    assert (DEPLOY / "k8s" / "desk.yaml").read_text() == render_kubernetes(catalog)
    assert (DEPLOY / "postgres-init.sql").read_text() == render_postgres_init(catalog)


def test_every_deployment_has_readiness_and_liveness_probes_and_scales() -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "k8s" / "desk.yaml").read_text()))
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    autoscaled = {
        d["spec"]["scaleTargetRef"]["name"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"
    }
    assert len(deployments) == len(production_processes(load_catalog()))
    for deployment in deployments:
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert deployment["metadata"]["name"] in autoscaled


def test_production_manifests_run_outside_dev_mode_with_secrets_from_the_environment() -> None:
    text = render_compose(load_catalog())
    assert "DEV_MODE: 'true'" not in text
    assert "dev-only" not in text


def test_services_keep_idle_connections_open_longer_than_the_gateway_pools_them() -> None:
    # Otherwise the gateway can reuse a connection a service is closing, and answer 503.
    assert CLIENT_KEEP_ALIVE_S < SERVER_KEEP_ALIVE_S
    docs = list(yaml.safe_load_all((DEPLOY / "k8s" / "desk.yaml").read_text()))
    commands = [
        d["spec"]["template"]["spec"]["containers"][0]["command"]
        for d in docs
        if d["kind"] == "Deployment"
    ]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    commands += [
        service["command"]
        for service in compose["services"].values()
        if "uvicorn" in service.get("command", [])
    ]
    commands += [p.serve_command(host="127.0.0.1", port=8000) for p in load_catalog().processes]
    assert len(commands) > len(load_catalog().processes)
    for command in commands:
        flag = command.index("--timeout-keep-alive")
        assert float(command[flag + 1]) == SERVER_KEEP_ALIVE_S
