"""GET /metrics: valid Prometheus text (checked by promtool) whose counters follow the traffic."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess

import pytest
import requests

from e2e_helpers import TIMEOUT, RawConnection, multipart_parts, post_head, random_name, temp_files, wait_until

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def parse_metrics(text: str) -> tuple[dict[tuple, float], dict[str, str]]:
    """Returns ({(name, frozenset(labels)): value}, {family: type})."""
    samples, types = {}, {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = _SAMPLE.match(line)
        assert m, f"unparsable metrics line {line!r}"
        name, labels_text, value = m.groups()
        labels = {}
        if labels_text:
            pos = 0
            while pos < len(labels_text):
                lm = _LABEL.match(labels_text, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
        samples[(name, frozenset(labels.items()))] = float(value)
    return samples, types


def value(samples, name: str, **labels) -> float:
    """Sum of the samples of name whose labels include the given ones (0 when none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def scrape(server):
    r = requests.get(server.url("/metrics"), timeout=TIMEOUT)
    assert r.status_code == 200
    return r


def health_count(samples) -> float:
    return value(samples, "http_requests_total", handler="/health", method="GET", status="2xx")


def scrape_counting_health(server, at_least: float):
    """A request is counted just after its response is written, so a scrape sent right after
    a response may not see it yet: scrape until the last /health request shows up."""
    def attempt():
        r = scrape(server)
        samples, types = parse_metrics(r.text)
        return (r, samples, types) if health_count(samples) >= at_least else None

    return wait_until(attempt, 10, message=f"/health counted {at_least:g} time(s) in /metrics")


def test_metrics_follow_traffic(server, tmp_path):
    # The fixture's start-up probe is one GET /health.
    _, before, _ = scrape_counting_health(server, 1)

    uploaded = 0
    names = []
    for size in (1000, 50_000, 300_000):
        name = random_name(".bin")
        data = os.urandom(size)
        r = requests.post(server.url("/files/"), files={"file": (name, data)}, timeout=TIMEOUT)
        assert r.status_code == 202
        uploaded += size
        names.append(name)
    downloaded = 0
    gets = 0
    for name in names + names[:2]:
        r = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
        assert r.status_code == 200
        downloaded += len(r.content)
        gets += 1
    for _ in range(2):
        assert requests.get(server.url(f"/files/{random_name()}"), timeout=TIMEOUT).status_code == 404
    unknown = ["/nope", "/a/b/c", "/metricsx"]
    for path in unknown:
        assert requests.get(server.url(path), timeout=TIMEOUT).status_code == 404
    assert requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200

    r, after, types = scrape_counting_health(server, health_count(before) + 1)
    ctype = r.headers.get("content-type", "")
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype
    text = r.text
    saved = tmp_path / "metrics.txt"
    saved.write_text(text)

    promtool = shutil.which("promtool")
    if not promtool:
        pytest.fail("promtool is missing: apt-get install prometheus (Debian package) to validate /metrics",
                    pytrace=False)
    with open(saved, "rb") as f:
        p = subprocess.run([promtool, "check", "metrics"], stdin=f, capture_output=True, timeout=60)
    assert p.returncode == 0, f"promtool check metrics failed ({p.returncode}):\n{p.stdout.decode()}{p.stderr.decode()}"

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("http_requests_total", handler="/files/{name}", method="GET", status="2xx") == gets
    assert delta("http_requests_total", handler="/files/{name}", method="GET", status="4xx") == 2
    assert delta("http_requests_total", handler="/files/", method="POST", status="2xx") == 3
    assert delta("http_requests_total", handler="none") == len(unknown)
    assert delta("http_requests_total", handler="none", method="GET", status="4xx") == len(unknown)
    assert delta("http_requests_total", handler="/health", method="GET", status="2xx") == 1
    # No raw paths as handler labels (unbounded cardinality).
    handlers = {dict(ls).get("handler") for (n, ls) in after if n == "http_requests_total"}
    assert not any(h and ("/files/" + n) == h for h in handlers for n in names), handlers
    assert "/nope" not in handlers

    assert delta("simplefs_upload_bytes_total") >= uploaded
    assert delta("simplefs_download_bytes_total") >= downloaded

    for family, kind in (("http_requests_total", "counter"), ("http_request_size_bytes", None),
                         ("http_response_size_bytes", None), ("http_request_duration_seconds", "histogram"),
                         ("http_request_duration_highr_seconds", "histogram"), ("disk_used", "gauge"),
                         ("simplefs_upload_bytes_total", "counter"), ("simplefs_download_bytes_total", "counter"),
                         ("simplefs_requests_in_flight", "gauge"), ("simplefs_upload_failures_total", "counter")):
        declared = types.get(family) or types.get(family.removesuffix("_total"))
        assert declared is not None, f"no # TYPE line for {family}"
        if kind:
            assert declared == kind, f"{family} is a {declared}, expected {kind}"

    # Histogram sanity for the download route.
    count = delta("http_request_duration_seconds_count", handler="/files/{name}", method="GET")
    assert count >= gets
    inf = delta("http_request_duration_seconds_bucket", handler="/files/{name}", method="GET", le="+Inf")
    assert inf == count
    # The size summaries are labelled by handler (the original's instrumentator did so).
    assert delta("http_request_size_bytes_count", handler="/files/") >= 3
    assert delta("http_request_size_bytes_sum", handler="/files/") >= uploaded
    assert delta("http_response_size_bytes_sum", handler="/files/{name}") >= downloaded

    disk = value(after, "disk_used")
    assert math.isfinite(disk) and disk >= 0


def test_in_flight_and_upload_failures(server):
    before, _ = parse_metrics(scrape(server).text)
    # An upload whose client disconnects mid-body counts as a failure.
    name = random_name(".bin")
    head, tail, boundary = multipart_parts(name)
    conn = RawConnection(server.port)
    conn.send(post_head(server.port, boundary, content_length=len(head) + (16 << 20) + len(tail)))
    conn.send(head + os.urandom(4 << 20))
    wait_until(lambda: temp_files(server.root), 10, message="the upload's temp file")
    during, _ = parse_metrics(scrape(server).text)
    assert value(during, "simplefs_requests_in_flight") >= 1, "the open upload is not counted in flight"
    conn.reset()
    wait_until(lambda: not temp_files(server.root), 10, message="temp file removal")

    def settled():
        now, _ = parse_metrics(scrape(server).text)
        return now if value(now, "simplefs_requests_in_flight") <= 1 else None

    after = wait_until(settled, 10, message="in-flight gauge back to the scrape alone")
    failures = value(after, "simplefs_upload_failures_total") - value(before, "simplefs_upload_failures_total")
    assert failures >= 1, "an aborted upload did not count in simplefs_upload_failures_total"
    reasons = {dict(ls).get("reason") for (n, ls) in after if n == "simplefs_upload_failures_total"}
    assert None not in reasons and "" not in reasons, reasons
