"""Several simplefs replicas on one CephFS directory, as pods of one Deployment share a volume.

Runs in the ceph modes only (SIMPLEFS_E2E_STORAGE=libcephfs: each replica has its own libcephfs
client; ceph-fuse: each replica serves its own ceph-fuse mount of the same file system). Checks what
a load balancer in front of the replicas relies on: an answer from one replica is the truth for the
others at once (uploads, deletes, listings), concurrent writers of one name leave exactly one
complete version, create-only races have one winner, and a replica killed mid-upload leaves no
visible partial file while the others keep serving.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

import conftest
from e2e_helpers import (TEMP_PREFIX, delete_file, get_file, list_all, put_file, random_name,
                         sha256_hex, temp_files)

REPLICAS = 3
ROUNDS = 12

pytestmark = pytest.mark.skipif(not conftest.on_ceph(), reason="replicas need a ceph mode "
                                "(SIMPLEFS_E2E_STORAGE=libcephfs or ceph-fuse)")


def _mount(cluster_dir: Path, mountpoint: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "ceph-dev-cluster"
    mountpoint.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(script), "mount", str(cluster_dir), str(mountpoint)], check=True, timeout=60,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def _umount(mountpoint: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "ceph-dev-cluster"
    subprocess.run([str(script), "umount", str(mountpoint)], timeout=60, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="module")
def replica_mounts():
    """In the ceph-fuse mode, one ceph-fuse mount per replica (inside the cluster's directory, so
    that `ceph-dev-cluster down` also cleans them up); None in the libcephfs mode."""
    if conftest.STORAGE_MODE != "ceph-fuse" or not conftest.ceph_mount_ready():
        yield None
        return
    cluster_dir = Path(os.environ["SIMPLEFS_CEPH_CONF"]).resolve().parent
    mounts = [cluster_dir / f"mnt-replica-{i}" for i in range(REPLICAS)]
    try:
        for mp in mounts:
            _mount(cluster_dir, mp)
        yield mounts
    finally:
        for mp in mounts:
            _umount(mp)


@pytest.fixture
def replicas(simplefs_factory, storage_root, replica_mounts):
    """REPLICAS servers on one directory of the file system; storage_root shows it through the
    tests' own ceph-fuse mount."""
    storage_root.mkdir(parents=True, exist_ok=True)
    servers = []
    for i in range(REPLICAS):
        if replica_mounts is None:
            servers.append(simplefs_factory())  # libcephfs: --ceph-root of storage_root
        else:
            relative = storage_root.relative_to(conftest.CEPH_MOUNT)
            servers.append(simplefs_factory(root=replica_mounts[i] / relative))
    return servers


def body_of(tag: str, size: int) -> bytes:
    """size bytes that differ per tag everywhere (a mix of two versions cannot hash like either)."""
    seed = hashlib.sha256(tag.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def test_read_after_write_across_replicas(replicas):
    for i in range(ROUNDS):
        writer, reader = replicas[i % REPLICAS], replicas[(i + 1) % REPLICAS]
        name = f"raw/{random_name('.bin')}"
        data = os.urandom(1024 * 1024 * (i % 3) + 1000 + i)
        r = put_file(writer, name, data)
        assert r.status_code == 201, r.text
        got = get_file(reader, name, timeout=30)
        assert got.status_code == 200, got.text
        assert sha256_hex(got.content) == sha256_hex(data)
        assert got.headers["ETag"] == r.headers["ETag"]
        # A replacement through the reader is what the writer serves next.
        newer = os.urandom(5000 + i)
        assert put_file(reader, name, newer).status_code == 200
        assert get_file(writer, name, timeout=30).content == newer


def test_delete_is_seen_by_every_replica(replicas):
    for i in range(ROUNDS // 2):
        name = f"del/{random_name()}"
        assert put_file(replicas[0], name, b"to be deleted %d" % i).status_code == 201
        assert get_file(replicas[1], name, timeout=30).status_code == 200
        assert delete_file(replicas[1], name).status_code == 204
        for srv in replicas:
            r = get_file(srv, name, timeout=30)
            assert r.status_code == 404, (srv.port, r.status_code)
            assert r.json() == {"detail": "Not Found"}


def _race(servers, send):
    """Runs send(index, server) on one thread per server, released together; returns results."""
    barrier = threading.Barrier(len(servers))
    results: list = [None] * len(servers)

    def run(i, srv):
        barrier.wait(10)
        try:
            results[i] = send(i, srv)
        except requests.RequestException as e:  # recorded, and fails the asserts below
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(servers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a racing request did not finish in 120 s"
    return results


def test_concurrent_writers_leave_one_complete_version(replicas, storage_root):
    for i in range(ROUNDS):
        name = f"race/{random_name('.bin')}"
        bodies = [body_of(f"{name}-{k}", 3 * 1024 * 1024 + 1000 * k) for k in range(REPLICAS)]
        results = _race(replicas, lambda k, srv: put_file(srv, name, bodies[k], timeout=120))
        for res in results:
            assert isinstance(res, requests.Response) and res.status_code in (200, 201), res
        digests = {sha256_hex(b) for b in bodies}
        seen = set()
        for srv in replicas:
            got = get_file(srv, name, timeout=30)
            assert got.status_code == 200
            assert sha256_hex(got.content) in digests, "a mix of versions, or a truncated one"
            seen.add(sha256_hex(got.content))
        assert len(seen) == 1, "replicas disagree on the current version"
    assert temp_files(storage_root) == []


def test_create_only_race_has_one_winner(replicas):
    for i in range(ROUNDS):
        name = f"once/{random_name()}"
        bodies = [body_of(f"{name}-{k}", 200_000 + k) for k in range(REPLICAS)]
        results = _race(replicas, lambda k, srv: put_file(srv, name, bodies[k],
                                                         headers={"If-None-Match": "*"}, timeout=60))
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201] + [412] * (REPLICAS - 1), statuses
        winner = bodies[[r.status_code for r in results].index(201)]
        for srv in replicas:
            assert get_file(srv, name, timeout=30).content == winner


def test_listings_agree(replicas):
    expected = {}
    for i in range(30):
        name = f"list/{'sub/' if i % 4 == 0 else ''}{i:03d}-{random_name()}"
        data = os.urandom(100 + i)
        r = put_file(replicas[i % REPLICAS], name, data)
        assert r.status_code == 201
        expected[name] = r.json()["etag"]
    listings = []
    for srv in replicas:
        _, pages = list_all(srv, "list/", limit=7)
        listings.append(pages)
    assert listings[0] == listings[1] == listings[2]
    files = [f for page in listings[0] for f in page["files"]]
    folders = [d for page in listings[0] for d in page["folders"]]
    top = {n: e for n, e in expected.items() if "/sub/" not in n}
    assert {f["name"]: f["etag"] for f in files} == top
    assert folders == ["list/sub/"]


class _SlowBody:
    """A request body that sends `chunks` chunks and then stalls until stopped (an upload the test
    interrupts by killing the server)."""

    def __init__(self, chunk: bytes, chunks: int):
        self.chunk, self.chunks = chunk, chunks
        self.sent = threading.Event()
        self.stop = threading.Event()

    def __iter__(self):
        for _ in range(self.chunks):
            yield self.chunk
        self.sent.set()
        self.stop.wait(60)


@pytest.mark.time_limit(240)
def test_kill_9_mid_upload_leaves_no_partial_file(replicas, storage_root):
    victim, others = replicas[0], replicas[1:]
    name = f"killed/{random_name('.bin')}"
    kept = f"killed/{random_name('.txt')}"
    assert put_file(others[0], kept, b"survives").status_code == 201

    body = _SlowBody(os.urandom(1 << 20), 8)
    errors = []

    def upload():
        try:
            requests.put(victim.url("/files/" + name), data=body, timeout=120)
        except requests.RequestException as e:
            errors.append(e)

    t = threading.Thread(target=upload)
    t.start()
    try:
        assert body.sent.wait(60), "the upload did not get going"
        time.sleep(0.5)  # let the server write what it has received
        victim.send_signal(signal.SIGKILL)
        victim.wait(15)
    finally:
        body.stop.set()
        t.join(60)
    assert errors, "the upload to the killed replica cannot have succeeded"

    # The others keep serving: the old file, a new upload and the listing; the name never shows.
    started = time.monotonic()
    for srv in others:
        r = get_file(srv, name, timeout=60)
        assert r.status_code == 404, r.status_code
        assert get_file(srv, kept, timeout=60).content == b"survives"
        fresh = f"killed/{random_name()}"
        assert put_file(srv, fresh, b"after the kill", timeout=60).status_code == 201
        assert get_file(others[-1], fresh, timeout=60).content == b"after the kill"
        names, _ = list_all(srv, "killed/")
        assert name not in names and fresh in names
    # Bound: Ceph evicts a dead libcephfs client after mds_cap_revoke_eviction_timeout (10 s in the
    # test cluster) if it held caps the others need.
    assert time.monotonic() - started < 60
    # What is left of the killed upload is at most a hidden temp file (removed by a restart once
    # it is older than an hour), never the name.
    assert not (storage_root / name).exists()
    leftovers = temp_files(storage_root)
    assert all(Path(p).name.startswith(TEMP_PREFIX) for p in leftovers), leftovers
