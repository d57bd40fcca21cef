"""simplefs on libcephfs while the Ceph cluster goes away and comes back.

With the cluster frozen (SIGSTOP of its mon, MDS and OSD), /readyz turns 503 within seconds and
file requests answer 503 JSON at once instead of hanging; /livez stays 200. After SIGCONT the
service is ready again and the data is still there. When the MDS evicts the server's client
session, the server mounts again by itself.

Needs a cluster from scripts/ceph-dev-cluster and its environment
(eval "$(scripts/ceph-dev-cluster env DIR)": SIMPLEFS_CEPH_{CONF,ID,KEYRING,FS} and
SIMPLEFS_CEPH_CLUSTER_DIR, where the daemons' pid files are) and the `ceph` command; skipped
without them. Each test leaves the cluster running (SIGCONT in a `finally`) and checks that it
serves again before it ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from e2e_helpers import wait_until

CONF = os.environ.get("SIMPLEFS_CEPH_CONF", "")
CLUSTER_DIR = os.environ.get("SIMPLEFS_CEPH_CLUSTER_DIR", "")
FS_NAME = os.environ.get("SIMPLEFS_CEPH_FS", "") or "cephfs"

# How quickly things must happen (seconds). The server probes the cluster every second and
# calls it unreachable after 3 s without an answer.
NOT_READY_WITHIN = 10
FAST_ANSWER = 2.0  # a 503 during the outage, instead of a hang
READY_AGAIN_WITHIN = 60
RECONNECT_WITHIN = 30

pytestmark = pytest.mark.skipif(
    not CONF or not CLUSTER_DIR,
    reason="no Ceph cluster: run eval \"$(scripts/ceph-dev-cluster env DIR)\" to set "
           "SIMPLEFS_CEPH_CONF and SIMPLEFS_CEPH_CLUSTER_DIR (ceph outage tests skipped)")


def ceph(*args: str, timeout: float = 60) -> str:
    """Runs the ceph CLI as client.admin of the test cluster (its conf finds the keyring)."""
    r = subprocess.run(["ceph", "--conf", CONF, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"ceph {' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}"
    return r.stdout


def daemon_pids(*types: str) -> list[int]:
    """Pids of this cluster's daemons of the given types (mon, mds, osd), from DIR/run/*.pid.
    Each must be a running ceph-<type> started with this cluster's conf: never signal another."""
    pids = []
    for kind in types:
        files = sorted(Path(CLUSTER_DIR, "run").glob(f"{kind}.*.pid"))
        assert files, f"no {kind} pid file in {CLUSTER_DIR}/run: is the cluster up?"
        for f in files:
            pid = int(f.read_text().strip())
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            assert os.path.basename(args[0]) == f"ceph-{kind}".encode() and CONF.encode() in args, \
                f"pid {pid} from {f} is not this cluster's ceph-{kind}"
            pids.append(pid)
    return pids


def sessions_of(pid: int) -> list[int]:
    """Ids of the MDS sessions whose client runs in process pid."""
    listed = json.loads(ceph("tell", f"mds.{FS_NAME}:0", "session", "ls", "--format=json"))
    return [s["id"] for s in listed if str(s.get("client_metadata", {}).get("pid")) == str(pid)]


def get(srv, path: str, timeout: float = 5, **kw) -> requests.Response:
    return requests.get(srv.url(path), timeout=timeout, **kw)


def ready(srv) -> bool:
    try:
        return get(srv, "/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def not_ready(srv) -> bool:
    """The backend has noticed the outage. (/readyz may answer 503 "Not ready: the storage has not
    answered ..." a little earlier, from its own storage check.)"""
    try:
        r = get(srv, "/readyz", timeout=2)
        return r.status_code == 503 and r.json()["detail"].startswith("Storage unavailable: ")
    except (requests.RequestException, ValueError, KeyError):
        return False


def assert_unavailable(r: requests.Response, elapsed: float) -> None:
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.json() == {"detail": "Storage unavailable"}
    assert r.headers.get("Retry-After") == "5"
    assert elapsed < FAST_ANSWER, f"the 503 took {elapsed:.2f}s"


@pytest.fixture
def ceph_server(simplefs_factory):
    """A server on libcephfs with a fresh root /outage-<random> of the test cluster."""
    args = ["--storage", "cephfs", "--ceph-root", f"/outage-{uuid.uuid4().hex[:12]}",
            "--ceph-conf", CONF]
    for flag, var in (("--ceph-id", "SIMPLEFS_CEPH_ID"), ("--ceph-keyring", "SIMPLEFS_CEPH_KEYRING"),
                      ("--ceph-fs", "SIMPLEFS_CEPH_FS")):
        if os.environ.get(var):
            args += [flag, os.environ[var]]
    srv = simplefs_factory(*args, root_flag=False, health_timeout=45)
    uploaded: list[str] = []
    srv.uploaded = uploaded
    yield srv
    for name in uploaded:  # best effort; the empty root folder stays
        try:
            requests.delete(srv.url("/files/" + name), timeout=10)
        except requests.RequestException:
            pass


def put(srv, name: str, data: bytes) -> requests.Response:
    r = requests.put(srv.url("/files/" + name), data=data, timeout=30)
    if r.status_code in (200, 201):
        srv.uploaded.append(name)
    return r


# The MDS alone too: the client answers stats from its cache for a while without it, so only a
# probe that really asks the MDS notices.
@pytest.mark.time_limit(150)
@pytest.mark.parametrize("frozen", [("mon", "mds", "osd"), ("mds",)], ids=["cluster", "mds"])
def test_frozen_cluster_gives_fast_503_and_recovers(ceph_server, frozen):
    srv = ceph_server
    before = os.urandom(300 * 1024)
    assert put(srv, "outage/before.bin", before).status_code == 201
    assert ready(srv)

    pids = daemon_pids(*frozen)
    stopped = time.monotonic()
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: not_ready(srv), NOT_READY_WITHIN, interval=0.1,
                   message=f"/readyz 503 within {NOT_READY_WITHIN}s of freezing the cluster")
        to_503 = time.monotonic() - stopped

        r = get(srv, "/readyz")
        assert r.status_code == 503
        assert r.json()["detail"].startswith("Storage unavailable: "), r.text
        assert r.headers.get("Retry-After") == "5"

        t = time.monotonic()
        r = get(srv, "/files/outage/before.bin")
        assert_unavailable(r, time.monotonic() - t)
        t = time.monotonic()
        r = requests.put(srv.url("/files/outage/during.bin"), data=b"x" * 100_000, timeout=5)
        assert_unavailable(r, time.monotonic() - t)
        t = time.monotonic()
        r = get(srv, "/files/")
        assert_unavailable(r, time.monotonic() - t)

        r = get(srv, "/livez")
        assert (r.status_code, r.json()) == (200, {"status": "alive"})
        r = get(srv, "/health")  # the original's contract: always alive
        assert (r.status_code, r.json()) == (200, {"status": "alive"})
        assert "\nsimplefs_storage_ready 0\n" in get(srv, "/metrics").text
    finally:
        for pid in reversed(pids):  # the mon last: it then hears from the others at once
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    resumed = time.monotonic()

    wait_until(lambda: ready(srv), READY_AGAIN_WITHIN, interval=0.1,
               message=f"/readyz 200 within {READY_AGAIN_WITHIN}s of SIGCONT")
    to_ready = time.monotonic() - resumed
    r = get(srv, "/files/outage/before.bin", timeout=30)
    assert r.status_code == 200 and r.content == before
    after = os.urandom(100 * 1024)
    assert put(srv, "outage/after.bin", after).status_code == 201
    assert get(srv, "/files/outage/after.bin", timeout=30).content == after
    assert "\nsimplefs_storage_ready 1\n" in get(srv, "/metrics").text
    assert "storage unavailable" in srv.log_text() and "storage ready again" in srv.log_text()
    print(f"\n[bounds] {'+'.join(frozen)} frozen: /readyz 503 {to_503:.2f}s after SIGSTOP, "
          f"200 {to_ready:.2f}s after SIGCONT")


@pytest.mark.time_limit(120)
def test_evicted_session_is_replaced(ceph_server):
    srv = ceph_server
    before = os.urandom(200 * 1024)
    assert put(srv, "evict/before.bin", before).status_code == 201

    old = sessions_of(srv.pid)
    assert len(old) == 1, f"expected one MDS session of pid {srv.pid}, found {old}"
    ceph("tell", f"mds.{FS_NAME}:0", "client", "evict", f"id={old[0]}")
    evicted = time.monotonic()

    wait_until(lambda: "new client session" in srv.log_text() and ready(srv), RECONNECT_WITHIN,
               interval=0.1, message=f"a new session and /readyz 200 within {RECONNECT_WITHIN}s")
    to_ready = time.monotonic() - evicted
    now = sessions_of(srv.pid)
    assert len(now) == 1 and now[0] != old[0], f"sessions of pid {srv.pid}: before {old}, now {now}"

    r = get(srv, "/files/evict/before.bin", timeout=30)
    assert r.status_code == 200 and r.content == before
    after = os.urandom(100 * 1024)
    assert put(srv, "evict/after.bin", after).status_code == 201
    assert get(srv, "/files/evict/after.bin", timeout=30).content == after
    print(f"\n[bounds] ready on a new session {to_ready:.2f}s after the eviction")
