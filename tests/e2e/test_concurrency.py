"""Many uploads at once: distinct names all stored intact; one name gets exactly one whole upload."""

from __future__ import annotations

import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from e2e_helpers import TIMEOUT, check_upload_body, random_name, sha256_hex, temp_files

N = 50
REQ_TIMEOUT = 60


def _upload(server, barrier: threading.Barrier, name: str, content: bytes):
    barrier.wait(timeout=30)
    with requests.Session() as s:
        r = s.post(server.url("/files/"), files={"file": (name, content)}, data={"Button": "Submit"},
                   timeout=REQ_TIMEOUT)
        return r.status_code, r.content


def _download(server, name: str):
    with requests.Session() as s:
        r = s.get(server.url(f"/files/{name}"), timeout=REQ_TIMEOUT)
        return r.status_code, r.content


def test_concurrent_distinct_uploads(server):
    files = {random_name(".bin"): os.urandom(random.randint(1, 768 * 1024)) for _ in range(N)}
    assert len(files) == N
    barrier = threading.Barrier(N)
    with ThreadPoolExecutor(max_workers=N) as pool:
        futures = {name: pool.submit(_upload, server, barrier, name, data) for name, data in files.items()}
        results = {name: f.result(timeout=REQ_TIMEOUT + 40) for name, f in futures.items()}
    for name, (status, body) in results.items():
        assert status == 202, f"{name}: {status} {body[:200]!r}"
        check_upload_body(body, name)
    for name, data in files.items():
        assert (server.root / name).read_bytes() == data, f"{name} differs on disk"

    with ThreadPoolExecutor(max_workers=N) as pool:
        futures = {name: pool.submit(_download, server, name) for name in files}
        for name, f in futures.items():
            status, body = f.result(timeout=REQ_TIMEOUT + 10)
            assert status == 200, name
            assert body == files[name], f"{name} downloaded content differs"
    assert temp_files(server.root) == []
    assert sorted(p.name for p in server.root.iterdir()) == sorted(files)


def test_concurrent_uploads_same_name(server):
    name = random_name(".bin")
    # Different sizes as well as contents, so that a mix of two uploads cannot look like one.
    contents = [os.urandom(64 * 1024 + i * 4099) for i in range(N)]
    digests = {sha256_hex(c) for c in contents}
    assert len(digests) == N
    barrier = threading.Barrier(N)
    with ThreadPoolExecutor(max_workers=N) as pool:
        futures = [pool.submit(_upload, server, barrier, name, c) for c in contents]
        results = [f.result(timeout=REQ_TIMEOUT + 40) for f in futures]
    statuses = [s for s, _ in results]
    assert statuses == [202] * N, f"statuses: {sorted(set(statuses))}"

    final = (server.root / name).read_bytes()
    assert sha256_hex(final) in digests, "the stored file is none of the uploads (mixed or truncated)"
    r = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == final
    assert r.headers.get("content-length") == str(len(final))
    assert temp_files(server.root) == []
    assert [p.name for p in server.root.iterdir()] == [name]


def test_concurrent_reads_during_overwrites(server):
    """Readers of a name being overwritten always get one complete version, never a mix."""
    name = random_name(".bin")
    versions = [os.urandom(200 * 1024 + i * 1031) for i in range(10)]
    digests = {sha256_hex(v) for v in versions}
    r = requests.post(server.url("/files/"), files={"file": (name, versions[0])}, timeout=TIMEOUT)
    assert r.status_code == 202
    barrier = threading.Barrier(20)

    def reader():
        barrier.wait(timeout=30)
        seen = []
        with requests.Session() as s:
            for _ in range(10):
                g = s.get(server.url(f"/files/{name}"), timeout=REQ_TIMEOUT)
                assert g.status_code == 200
                assert g.headers.get("content-length") == str(len(g.content))
                seen.append(sha256_hex(g.content))
        return seen

    with ThreadPoolExecutor(max_workers=20) as pool:
        writers = [pool.submit(_upload, server, barrier, name, v) for v in versions]
        readers = [pool.submit(reader) for _ in range(10)]
        for w in writers:
            assert w.result(timeout=REQ_TIMEOUT + 40)[0] == 202
        for rd in readers:
            for d in rd.result(timeout=REQ_TIMEOUT + 40):
                assert d in digests, "a reader got a mix of versions"
    assert temp_files(server.root) == []
