"""The Grafana dashboard and the alert rules under deploy/ read only metrics simplefs exposes.

The dashboard must be well-formed JSON that Grafana can import; every metric name in its queries
and in the alert expressions must show up in a real /metrics scrape after some traffic (uploads,
downloads, a failed upload, a refused request), so a renamed metric breaks this test rather than a
panel or an alert in production.
"""

from __future__ import annotations

import requests

from e2e_helpers import TIMEOUT, random_name, wait_until
from monitoring import SCRAPE_SERIES, alert_rules, dashboard, dashboard_exprs, metric_names, sample_names

TOKEN = "dashboard-test-token-0123456789"

# What the dashboard promises to show (issue 7, point 6); a panel lost in an edit fails here.
DASHBOARD_METRICS = {
    "http_requests_total", "http_request_duration_highr_seconds_bucket", "simplefs_upload_bytes_total",
    "simplefs_download_bytes_total", "simplefs_requests_in_flight", "simplefs_open_connections",
    "disk_used", "simplefs_upload_failures_total", "simplefs_storage_ready",
}
ALERT_METRICS = {"http_requests_total", "disk_used", "simplefs_upload_failures_total",
                 "simplefs_storage_ready", "up"}


def test_metric_names_of_promql():
    assert metric_names('sum by (le) (rate(a_bucket{x="y", z=~"$v"}[5m]))') == {"a_bucket"}
    assert metric_names("histogram_quantile(0.99, sum by (le, job) (rate(h_bucket[$__rate_interval])))") == {"h_bucket"}
    assert metric_names('sum(rate(r{s="5xx"}[5m])) / ignoring(s) sum(rate(r[5m])) > 0.05') == {"r"}
    assert metric_names("up{job='x'} == 0 or on (instance) b offset 5m") == {"up", "b"}
    assert metric_names("c:rule:sum > 1e3 and d") == {"c:rule:sum", "d"}


def test_dashboard_is_importable():
    dash = dashboard()
    assert dash["title"] and dash["uid"] and isinstance(dash["schemaVersion"], int)
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)), f"panel ids repeat: {ids}"
    for p in dash["panels"]:
        where = f"panel {p['id']} {p['title']!r}"
        grid = p["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, where
        assert p["datasource"]["uid"] == "${datasource}", where
        refs = [t["refId"] for t in p["targets"]]
        assert p["targets"] and len(refs) == len(set(refs)), where
        for t in p["targets"]:
            assert t["expr"].strip() and t["datasource"]["uid"] == "${datasource}", where
            assert t["expr"].count("(") == t["expr"].count(")"), f"{where}: unbalanced {t['expr']}"


def drive_traffic(server) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    name = random_name(".bin")
    r = requests.post(server.url("/files/"), files={"file": (name, b"x" * 5000)}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 202, r.text
    r = requests.get(server.url(f"/files/{name}"), headers=auth, timeout=TIMEOUT)
    assert r.status_code == 200 and len(r.content) == 5000
    # A multipart POST without a file part: 422 and simplefs_upload_failures_total{reason="missing_file"}.
    r = requests.post(server.url("/files/"), files={"other": ("a", b"a")}, headers=auth, timeout=TIMEOUT)
    assert r.status_code == 422, r.text
    # No token: 401 and simplefs_auth_failures_total.
    assert requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT).status_code == 401


def scrape_names(server) -> set[str]:
    def scraped():
        text = requests.get(server.url("/metrics"), timeout=TIMEOUT).text
        names = sample_names(text)
        # Requests are counted right after their answer is written: wait for the last one.
        return names if "simplefs_auth_failures_total" in names else None

    return wait_until(scraped, 10, message="the refused request in /metrics")


def test_every_queried_metric_is_exposed(simplefs_factory, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN} dashboard read,write,delete,list\n")
    server = simplefs_factory("--auth-tokens", tokens)
    drive_traffic(server)
    exposed = scrape_names(server) | SCRAPE_SERIES

    dash_names = set().union(*(metric_names(e) for e in dashboard_exprs(dashboard())))
    missing = DASHBOARD_METRICS - dash_names
    assert not missing, f"the dashboard no longer shows {sorted(missing)}"
    unknown = dash_names - exposed
    assert not unknown, f"the dashboard queries metrics simplefs does not expose: {sorted(unknown)}"

    rules = alert_rules()
    rule_names = set().union(*(metric_names(r["expr"]) for r in rules))
    missing = ALERT_METRICS - rule_names
    assert not missing, f"no alert reads {sorted(missing)}"
    unknown = rule_names - exposed
    assert not unknown, f"the alert rules read metrics simplefs does not expose: {sorted(unknown)}"
