"""Fixtures for the simplefs end-to-end tests.

The binary under test is named by the environment variable SIMPLEFS_BIN. Each server runs on a
free port of 127.0.0.1 with a fresh storage root; its output goes to a log file that is printed
when a test fails.

SIMPLEFS_E2E_STORAGE chooses where that storage root lives, so that one suite covers every way of
storing files:
  posix      (default) a directory under tmp_path on the local disk.
  ceph-fuse  the POSIX backend on a directory of a ceph-fuse mount (what a pod sees through a
             Kubernetes CephFS volume).
  libcephfs  the server talks to the cluster itself (--storage cephfs --ceph-root /e2e/...), and the
             tests look at the same directory through the ceph-fuse mount.
The ceph modes need SIMPLEFS_CEPH_MOUNT (a ceph-fuse mount of the file system's root) and the
SIMPLEFS_CEPH_{CONF,ID,KEYRING,FS} that `scripts/ceph-dev-cluster env` prints; without them every
test is skipped. A test marked local_disk is skipped in the ceph modes, with its reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from e2e_helpers import HOST, free_port, rss_bytes, server_env, simplefs_bin  # noqa: E402

# Traffic goes to 127.0.0.1 only: never through a proxy from the environment.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var, ""), "127.0.0.1", "localhost"]))

DEFAULT_TEST_TIME_LIMIT = 180  # seconds; a test marked time_limit(N) gets N

STORAGE_MODES = ("posix", "ceph-fuse", "libcephfs")
STORAGE_MODE = os.environ.get("SIMPLEFS_E2E_STORAGE", "posix")
CEPH_MOUNT = os.environ.get("SIMPLEFS_CEPH_MOUNT", "")
CEPH_SKIP_REASON = "SIMPLEFS_CEPH_MOUNT is not set to a ceph-fuse mount: ceph e2e tests skipped"


def on_ceph() -> bool:
    return STORAGE_MODE != "posix"


def ceph_mount_ready() -> bool:
    return bool(CEPH_MOUNT) and os.path.ismount(CEPH_MOUNT) and bool(os.environ.get("SIMPLEFS_CEPH_CONF"))


def libcephfs_args(root: Path) -> list[str]:
    """Server flags that put the storage root at root (a directory under the ceph-fuse mount)."""
    relative = os.path.relpath(root, CEPH_MOUNT)
    if relative.startswith(".."):
        raise ValueError(f"{root} is not under the ceph-fuse mount {CEPH_MOUNT}")
    args = ["--storage", "cephfs", "--ceph-root", "/" + relative]
    for flag, var in (("--ceph-conf", "SIMPLEFS_CEPH_CONF"), ("--ceph-id", "SIMPLEFS_CEPH_ID"),
                      ("--ceph-keyring", "SIMPLEFS_CEPH_KEYRING"), ("--ceph-fs", "SIMPLEFS_CEPH_FS")):
        if os.environ.get(var):
            args += [flag, os.environ[var]]
    return args


def pytest_configure(config):
    config.addinivalue_line("markers", "large: a long test that moves a lot of data")
    config.addinivalue_line("markers", "time_limit(seconds): upper bound for one test's run time")
    config.addinivalue_line("markers", "local_disk(reason): runs only with SIMPLEFS_E2E_STORAGE=posix")
    if STORAGE_MODE not in STORAGE_MODES:
        raise pytest.UsageError(f"SIMPLEFS_E2E_STORAGE={STORAGE_MODE!r}: expected one of {STORAGE_MODES}")


def pytest_collection_modifyitems(config, items):
    if not on_ceph():
        return
    ready = ceph_mount_ready()
    for item in items:
        if not ready:
            item.add_marker(pytest.mark.skip(reason=CEPH_SKIP_REASON))
            continue
        marker = item.get_closest_marker("local_disk")
        if marker:
            item.add_marker(pytest.mark.skip(reason=f"local disk only: {marker.args[0]}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(autouse=True)
def _time_limit(request):
    """Fails a test that runs longer than its limit (SIGALRM interrupts blocking calls)."""
    marker = request.node.get_closest_marker("time_limit")
    limit = int(marker.args[0]) if marker else DEFAULT_TEST_TIME_LIMIT

    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded its time limit of {limit}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


class Server:
    """A running simplefs process."""

    def __init__(self, proc: subprocess.Popen, port: int, root: Path, log_path: Path, args: list[str]):
        self.proc = proc
        self.port = port
        self.root = root
        self.log_path = log_path
        self.args = args
        self.base_url = f"http://{HOST}:{port}"
        self.exit_checked = False  # set when the test itself has checked how the process ended

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str) -> str:
        return self.base_url + path

    def rss(self) -> int:
        """Current resident set size of the server, in bytes (VmRSS of /proc/<pid>/status)."""
        return rss_bytes(self.pid)

    def log_text(self, tail: int = 20000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError as e:
            return f"<no log: {e}>"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """Waits for the process to exit; fails the test if it does not within timeout."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            self.exit_checked = True
            raise AssertionError(f"simplefs (pid {self.pid}) did not exit within {timeout}s; killed it.\n"
                                 f"--- server log ---\n{self.log_text()}")
        self.exit_checked = True
        return rc

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Sends sig and returns the exit code (bounded by timeout)."""
        if self.alive():
            self.send_signal(sig)
        return self.wait(timeout)


def _wait_healthy(server: Server, timeout: float) -> str | None:
    """Returns None when GET /health answers 200, else a reason."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not server.alive():
            return f"exited with code {server.proc.returncode} before answering /health"
        try:
            r = requests.get(server.url("/health"), timeout=1)
            if r.status_code == 200:
                return None
            last = f"/health answered {r.status_code}"
        except requests.RequestException as e:
            last = f"{type(e).__name__}"
        time.sleep(0.05)
    return f"/health not OK within {timeout}s ({last})"


@pytest.fixture
def storage_root(tmp_path) -> Path:
    """The default storage root of this test: tmp_path/"root", or a fresh directory on CephFS
    (removed afterwards) in the ceph modes."""
    if not on_ceph():
        yield tmp_path / "root"
        return
    base = Path(CEPH_MOUNT) / "e2e" / f"{tmp_path.name}-{uuid.uuid4().hex[:8]}"
    yield base / "root"
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def simplefs_factory(tmp_path, storage_root, request):
    """Returns start(*extra_args, root=None, env=None, root_flag=True, grace="5s", wait=True) -> Server.

    root defaults to storage_root (created); in the libcephfs mode it must be under the ceph-fuse
    mount, and the server gets it as --ceph-root instead of --storage-root. With root_flag=False, --storage-root is not passed
    (the test supplies it through env). grace is passed as --shutdown-grace unless None or the extra
    args already set it. Teardown sends SIGTERM to every server still running and requires exit
    code 0 within a bound; a server that already exited must have exited 0 unless the test checked.
    """
    binary = simplefs_bin()
    servers: list[Server] = []

    def start(*extra_args: str, root: Path | str | None = None, env: dict | None = None,
              root_flag: bool = True, grace: str | None = "5s", wait: bool = True,
              health_timeout: float = 10.0) -> Server:
        root_path = Path(root) if root is not None else storage_root
        root_path.mkdir(parents=True, exist_ok=True)
        extra = [str(a) for a in extra_args]
        last_reason = ""
        for attempt in range(3):
            port = free_port()
            args = [binary, "--host", HOST, "--port", str(port)]
            if root_flag:
                if STORAGE_MODE == "libcephfs":
                    args += libcephfs_args(root_path)
                else:
                    args += ["--storage-root", str(root_path)]
            if grace is not None and "--shutdown-grace" not in extra:
                args += ["--shutdown-grace", grace]
            args += extra
            if os.environ.get("SIMPLEFS_E2E_LOG_LEVEL") and "--log-level" not in extra:
                args += ["--log-level", os.environ["SIMPLEFS_E2E_LOG_LEVEL"]]
            log_path = tmp_path / f"server-{len(servers)}-{attempt}.log"
            log = open(log_path, "wb")
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=server_env(env))
            log.close()
            srv = Server(proc, port, root_path, log_path, args)
            servers.append(srv)
            if not wait:
                return srv
            reason = _wait_healthy(srv, health_timeout)
            if reason is None:
                return srv
            last_reason = reason
            if srv.alive():
                srv.proc.kill()
                srv.proc.wait(10)
            srv.exit_checked = True
            # A port taken between free_port() and the bind makes the server exit: try another.
        pytest.fail(f"simplefs did not start: {last_reason}\ncommand: {' '.join(args)}\n"
                    f"--- server log ---\n{srv.log_text()}", pytrace=False)

    yield start

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    problems = []
    for srv in servers:
        if srv.alive():
            srv.proc.send_signal(signal.SIGTERM)
            try:
                rc = srv.proc.wait(20)
            except subprocess.TimeoutExpired:
                srv.proc.kill()
                srv.proc.wait(10)
                problems.append(f"pid {srv.pid}: no exit within 20s of SIGTERM (killed)")
                continue
            if rc != 0:
                problems.append(f"pid {srv.pid}: exit code {rc} after SIGTERM, expected 0")
        elif not srv.exit_checked and srv.proc.returncode != 0:
            problems.append(f"pid {srv.pid}: exited by itself with code {srv.proc.returncode} during the test")
        if failed or problems:
            print(f"\n--- log of simplefs pid {srv.pid} ({' '.join(srv.args)}) ---\n{srv.log_text()}")
    if problems:
        pytest.fail("server teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def server(simplefs_factory) -> Server:
    """A simplefs with default settings and a fresh storage root."""
    return simplefs_factory()
