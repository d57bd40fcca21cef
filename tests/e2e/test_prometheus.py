"""A real Prometheus scrapes simplefs: the counters it stores follow the traffic exactly, and the
alert rules of deploy/prometheus load and evaluate against the real series.

Prometheus (Debian package prometheus) runs on 127.0.0.1 with a free port, a temp TSDB and a
1 s scrape and rule evaluation interval; everything is asked through its HTTP API.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from e2e_helpers import HOST, TIMEOUT, free_port, random_name, wait_until
from monitoring import ALERT_RULES, alert_rules

PROMETHEUS = "/usr/bin/prometheus"

UPLOAD = 'http_requests_total{job="simplefs", handler="/files/", method="POST", status="2xx"}'
DOWNLOAD = 'http_requests_total{job="simplefs", handler="/files/{name}", method="GET", status="2xx"}'
UPLOAD_BYTES = 'simplefs_upload_bytes_total{job="simplefs"}'
DOWNLOAD_BYTES = 'simplefs_download_bytes_total{job="simplefs"}'


class Prometheus:
    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path):
        self.proc = proc
        self.url = f"http://{HOST}:{port}"
        self.log_path = log_path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-10000:]

    def api(self, path: str, **params) -> dict:
        r = requests.get(self.url + path, params=params, timeout=TIMEOUT)
        body = r.json()
        assert r.status_code == 200 and body.get("status") == "success", f"{path} {params}: {r.status_code} {r.text}"
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("/api/v1/query", query=expr)["result"]

    def value(self, expr: str) -> float:
        """sum(expr) now; 0 while no such series exists (simplefs makes a labelled series at its
        first increment)."""
        result = self.query(f"sum({expr})")
        return float(result[0]["value"][1]) if result else 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def write_config(path: Path, target_port: int) -> None:
    path.write_text(f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - {ALERT_RULES}
scrape_configs:
  - job_name: simplefs
    static_configs:
      - targets: ["{HOST}:{target_port}"]
""")


def start_prometheus(tmp_path: Path, target_port: int) -> Prometheus:
    config = tmp_path / "prometheus.yml"
    write_config(config, target_port)
    reason = ""
    for attempt in range(3):
        port = free_port()
        log_path = tmp_path / f"prometheus-{attempt}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([PROMETHEUS, f"--config.file={config}",
                                     f"--storage.tsdb.path={tmp_path / f'tsdb-{attempt}'}",
                                     f"--web.listen-address={HOST}:{port}"],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        prom = Prometheus(proc, port, log_path)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(prom.url + "/-/ready", timeout=1).status_code == 200:
                    return prom
            except requests.RequestException:
                pass
            time.sleep(0.1)
        reason = f"exit code {proc.poll()}" if proc.poll() is not None else "not ready within 20 s"
        prom.stop()
        # A port taken between free_port() and the bind: try another.
    pytest.fail(f"prometheus did not start ({reason})\n--- prometheus log ---\n{prom.log_text()}", pytrace=False)


@pytest.fixture
def prometheus(server, tmp_path, request):
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(f"{PROMETHEUS} is missing: apt-get install prometheus (Debian package) to run "
                    "the Prometheus scrape test")
    prom = start_prometheus(tmp_path, server.port)
    yield prom
    prom.stop()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(f"\n--- prometheus log ---\n{prom.log_text()}")


def scraped_up(prom: Prometheus) -> bool:
    return prom.value('up{job="simplefs"}') == 1


@pytest.mark.time_limit(60)
def test_counters_through_prometheus(server, prometheus):
    prom = prometheus
    wait_until(lambda: scraped_up(prom), 15, interval=0.2, message='up{job="simplefs"} == 1')
    before = {expr: prom.value(expr) for expr in (UPLOAD, DOWNLOAD, UPLOAD_BYTES, DOWNLOAD_BYTES)}

    sizes = [1, 1000, 65_536, 300_001, 1 << 20]
    files = []
    for size in sizes:
        name = random_name(".bin")
        r = requests.post(server.url("/files/"), files={"file": (name, os.urandom(size))}, timeout=TIMEOUT)
        assert r.status_code == 202, r.text
        files.append((name, size))
    downloads = files + files[2:4]  # some files twice
    for name, size in downloads:
        r = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
        assert r.status_code == 200 and len(r.content) == size
    expected = {UPLOAD: len(files), DOWNLOAD: len(downloads), UPLOAD_BYTES: sum(sizes),
                DOWNLOAD_BYTES: sum(size for _, size in downloads)}

    def moved() -> dict | None:
        deltas = {expr: prom.value(expr) - before[expr] for expr in expected}
        return deltas if all(deltas[e] >= expected[e] for e in expected) else None

    deltas = wait_until(moved, 20, interval=0.25, message="the traffic in Prometheus")
    for expr, want in expected.items():
        assert deltas[expr] == want, f"{expr} increased by {deltas[expr]:g}, expected {want}"
    assert prom.query('up{job="simplefs"} == 1'), "up{job=\"simplefs\"} is not 1"
    ready = prom.query('simplefs_storage_ready{job="simplefs"}')
    assert [float(s["value"][1]) for s in ready] == [1.0], ready
    disk = prom.query('disk_used{job="simplefs"}')
    assert len(disk) == 1 and 0 <= float(disk[0]["value"][1]) <= 1, disk


@pytest.mark.time_limit(60)
def test_alert_rules_load_and_evaluate(server, prometheus):
    prom = prometheus
    wanted = {rule["alert"] for rule in alert_rules()}
    assert wanted, f"no alert in {ALERT_RULES}"

    def evaluated() -> list[dict] | None:
        groups = prom.api("/api/v1/rules", type="alert")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        done = {r["name"] for r in rules if r.get("health") == "ok"} >= wanted and scraped_up(prom)
        return rules if done else None

    rules = wait_until(evaluated, 20, interval=0.25, message="every alert rule evaluated (health ok)")
    assert {r["name"] for r in rules} == wanted
    for r in rules:
        assert r["health"] == "ok", f"{r['name']}: {r.get('lastError')}"
        # A healthy simplefs under no load: nothing pending or firing.
        assert r["state"] == "inactive", f"{r['name']} is {r['state']}: {r.get('alerts')}"
    # Every expression parsed and ran against the scraped series without an error.
    assert prom.api("/api/v1/alerts")["alerts"] == []
