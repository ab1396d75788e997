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
