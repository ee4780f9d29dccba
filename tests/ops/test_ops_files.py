"""The dashboard, the scrape config and compose.yaml agree with the metrics the code exports."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml  # type: ignore[import-untyped]
from prometheus_client import REGISTRY

import resolvers.telemetry.metrics  # noqa: F401  (registers every metric)
from tests.serving import REPO

SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}


def exported_series() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("peergraph_"):
            names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def test_every_series_the_dashboard_plots_is_exported() -> None:
    # given the dashboard's queries
    dashboard = json.loads((REPO / "ops/grafana/dashboards/peergraph.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"peergraph_\w+", expr)}
    # then each series it reads is one the code exports (a renamed metric breaks this test)
    assert used, exprs
    assert used <= exported_series(), used - exported_series()
    # and every metric is on the dashboard
    plotted = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in used}
    families = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in exported_series()}
    assert families <= plotted, families - plotted


def test_compose_runs_prometheus_on_the_scrape_config_and_grafana_on_the_dashboard() -> None:
    # given compose.yaml and the scrape config it mounts
    compose: Any = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in services["prometheus"]["volumes"]}
    config: Any = yaml.safe_load((REPO / mounts["/etc/prometheus/prometheus.yml"]).read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    # then Prometheus scrapes the API where it listens
    api_port = services["api"]["command"][services["api"]["command"].index("--port") + 1]
    assert jobs["peergraph-api"]["static_configs"][0]["targets"] == [f"api:{api_port}"]
    # and every worker on the port its metrics listen on, on the compose network
    worker_env = services["worker"]["environment"]
    assert worker_env["PEERGRAPH_WORKER_METRICS_HOST"] == "0.0.0.0"
    sd = jobs["peergraph-worker"]["dns_sd_configs"][0]
    assert sd["names"] == ["worker"]
    assert str(sd["port"]) == worker_env["PEERGRAPH_WORKER_METRICS_PORT"]
    # and Grafana is provisioned with the dashboard folder and the Prometheus data source
    grafana = {m.split(":")[1]: m.split(":")[0] for m in services["grafana"]["volumes"]}
    assert (REPO / grafana["/var/lib/grafana/dashboards"] / "peergraph.json").is_file()
    provisioning = REPO / grafana["/etc/grafana/provisioning"]
    source: Any = yaml.safe_load((provisioning / "datasources/prometheus.yml").read_text())
    dashboard = json.loads((REPO / "ops/grafana/dashboards/peergraph.json").read_text())
    uids = {t["datasource"]["uid"] for panel in dashboard["panels"] for t in panel["targets"]}
    assert uids == {source["datasources"][0]["uid"]}
