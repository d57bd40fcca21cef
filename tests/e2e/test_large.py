"""A 1 GiB upload and download: content intact, throughput reported, server memory bounded.

Slow and disk-hungry: kept in its own file (CTest label "large") so that a build can leave it out.
Set SIMPLEFS_E2E_REPORT=/path/report.json to get the measurements as JSON.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import threading
import time

import pytest

from e2e_helpers import HOST, check_upload_body, multipart_parts, random_name, sha256_file, temp_files

pytestmark = [pytest.mark.large, pytest.mark.time_limit(800)]

SIZE = 1 << 30             # 1 GiB of file content
CHUNK = 4 << 20            # the client sends and receives 4 MiB at a time
POOL = 64 << 20            # random bytes the content is cut from
RSS_LIMIT = 64 << 20       # allowed peak RSS growth over the pre-upload RSS
IO_TIMEOUT = 120           # per socket operation


def content_chunks():
    """SIZE bytes as CHUNK-sized memoryviews of a random pool, each at a different offset."""
    pool = memoryview(os.urandom(POOL))
    step_kib = 241  # prime: the offsets (i * 241 KiB mod span) are distinct for every chunk
    span_kib = (POOL - CHUNK) // 1024
    sent = 0
    i = 0
    while sent < SIZE:
        n = min(CHUNK, SIZE - sent)
        off = (i * step_kib % span_kib) * 1024
        yield pool[off:off + n]
        sent += n
        i += 1


class RssSampler(threading.Thread):
    def __init__(self, server, interval=0.05):
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self.error = None
        self._done = threading.Event()

    def run(self):
        try:
            while not self._done.is_set():
                self.peak = max(self.peak, self.server.rss())
                self.samples += 1
                self._done.wait(self.interval)
        except Exception as e:  # the process vanished: reported by the test
            self.error = e

    def stop(self):
        self._done.set()
        self.join(5)
        assert self.error is None, f"RSS sampling failed: {self.error!r}"
        return self.peak


def warm_up(server):
    """One small upload and download so pools and buffers exist before the baseline."""
    head, tail, boundary = multipart_parts("warmup.bin")
    data = os.urandom(3 << 20)
    c = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        c.request("POST", "/files/", body=head + data + tail,
                  headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        r = c.getresponse()
        r.read()
        assert r.status == 202
        c.request("GET", "/files/warmup.bin")
        r = c.getresponse()
        assert r.status == 200 and r.read() == data
    finally:
        c.close()


@pytest.fixture
def big_server(server):
    yield server
    # 1 GiB files must not stay in pytest's kept temp directories, whatever the outcome.
    for p in list(server.root.iterdir()):
        if p.is_file():
            p.unlink()


def test_one_gib_upload_download(big_server):
    server = big_server
    free = shutil.disk_usage(server.root).free
    assert free > 3 * SIZE, f"need 3 GiB free under {server.root}, have {free / 2**30:.1f} GiB"
    warm_up(server)

    name = random_name(".bin")
    head, tail, boundary = multipart_parts(name)
    total = len(head) + SIZE + len(tail)
    want = hashlib.sha256()

    rss_before = server.rss()
    sampler = RssSampler(server)
    sampler.start()
    conn = http.client.HTTPConnection(HOST, server.port, timeout=IO_TIMEOUT)
    try:
        t0 = time.monotonic()
        conn.putrequest("POST", "/files/")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(total))
        conn.endheaders()
        conn.send(head)
        for piece in content_chunks():
            want.update(piece)
            conn.send(piece)
        conn.send(tail)
        resp = conn.getresponse()
        body = resp.read()
        upload_s = time.monotonic() - t0
    finally:
        conn.close()
    peak_upload = sampler.stop()
    assert resp.status == 202, body
    check_upload_body(body, name)
    want_hex = want.hexdigest()
    stored = server.root / name
    assert stored.stat().st_size == SIZE
    assert temp_files(server.root) == []

    sampler = RssSampler(server)
    sampler.start()
    got = hashlib.sha256()
    received = 0
    conn = http.client.HTTPConnection(HOST, server.port, timeout=IO_TIMEOUT)
    try:
        t0 = time.monotonic()
        conn.request("GET", f"/files/{name}")
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.getheader("content-length") == str(SIZE)
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        while True:
            n = resp.readinto(buf)
            if not n:
                break
            got.update(view[:n])
            received += n
        download_s = time.monotonic() - t0
    finally:
        conn.close()
    peak_download = sampler.stop()

    assert received == SIZE
    assert got.hexdigest() == want_hex, "downloaded content differs from the upload"
    assert sha256_file(stored, 8 << 20) == want_hex, "stored content differs from the upload"

    growth = max(peak_upload, peak_download) - rss_before
    report = {
        "size_bytes": SIZE,
        "upload_seconds": round(upload_s, 3),
        "upload_MBps": round(SIZE / upload_s / 1e6, 1),
        "download_seconds": round(download_s, 3),
        "download_MBps": round(SIZE / download_s / 1e6, 1),
        "rss_before_MiB": round(rss_before / 2**20, 1),
        "rss_peak_upload_MiB": round(peak_upload / 2**20, 1),
        "rss_peak_download_MiB": round(peak_download / 2**20, 1),
        "rss_peak_growth_MiB": round(growth / 2**20, 1),
    }
    print("\nsimplefs 1 GiB: upload {upload_MBps} MB/s ({upload_seconds} s), download {download_MBps} MB/s "
          "({download_seconds} s), RSS before {rss_before_MiB} MiB, peak {rss_peak_upload_MiB} MiB (upload) / "
          "{rss_peak_download_MiB} MiB (download), growth {rss_peak_growth_MiB} MiB".format(**report))
    out = os.environ.get("SIMPLEFS_E2E_REPORT")
    if out:
        with open(out, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")

    assert growth < RSS_LIMIT, f"server RSS grew by {growth / 2**20:.1f} MiB (limit {RSS_LIMIT >> 20} MiB)"
