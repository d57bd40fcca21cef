"""Crash consistency: kill -9 during many concurrent uploads, restart on the same storage root.

Each round runs uploads from several threads (PUT with a length or chunked, multipart POST; small
and multi-MiB bodies; a few names shared by all threads, some in folders, every version with its
own content), kills the server with SIGKILL at a random moment, restarts it on the same root and
checks what it serves:
  - every name holds exactly one complete version that was sent for it (SHA-256 of the bytes is
    one of the versions sent; the ETag and the file on disk say the same);
  - every upload answered 2xx before the kill is there, unless a version sent for the same name
    may have been committed after it (one whose request began before that answer arrived);
  - no temp file is listed or downloadable while uploads run, and none is left after start-up;
  - no folder is left without a file in it.

SIMPLEFS_E2E_CRASH_ROUNDS sets the number of rounds (default 30), SIMPLEFS_E2E_CRASH_WORKERS the
uploading threads (default 8). The figures of the run are printed at the end (pytest -s shows them).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import re
import threading
import time
from dataclasses import dataclass

import pytest
import requests
import urllib3

from e2e_helpers import TEMP_PREFIX, file_path, list_all, quote_name, strong_etag, temp_files

ROUNDS = int(os.environ.get("SIMPLEFS_E2E_CRASH_ROUNDS", "30"))
WORKERS = int(os.environ.get("SIMPLEFS_E2E_CRASH_WORKERS", "8"))
NAMES = [f"crash-{i}.bin" for i in range(8)] + ["nested/crash-a.bin", "nested/deeper/crash-b.bin",
                                               "other/crash-c.bin"]
REQUEST_TIMEOUT = 30
# How long uploads run before the kill, in seconds (uniformly random).
LOAD_TIME = (0.05, 1.5)
SMALL_MAX = 96 * 1024
LARGE = (1 << 20, 5 << 20)


@dataclass
class Version:
    name: str
    method: str
    sha256: str
    size: int
    started: float               # time.monotonic() before the request was sent
    acked: float | None = None   # time.monotonic() after its 2xx answer arrived


class Ledger:
    """Every version sent, by name; filled by the upload threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.versions: dict[str, list[Version]] = {n: [] for n in NAMES}  # more added by rounds
        self.by_digest: dict[str, Version] = {}
        self.serial = itertools.count()
        self.unexpected: list[str] = []
        self.sent = 0
        self.acked = 0

    def new_content(self, name: str, size: int) -> bytes:
        with self.lock:
            n = next(self.serial)
        # The serial makes every version's content unique, the random part its size and bytes.
        return f"{name} version {n}\n".encode() + os.urandom(size)

    def upload(self, name: str, method: str, content: bytes, send) -> bool:
        """Records a version of name, then sends it with send() -> Response; False when no answer
        came (the server was killed)."""
        v = Version(name, method, hashlib.sha256(content).hexdigest(), len(content), time.monotonic())
        with self.lock:
            self.versions.setdefault(name, []).append(v)
            self.by_digest[v.sha256] = v
            self.sent += 1
        try:
            r = send()
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
            return False  # requests' chunked path lets urllib3's and socket errors through
        answered = time.monotonic()
        with self.lock:
            if 200 <= r.status_code < 300:
                v.acked = answered
                self.acked += 1
            else:
                self.unexpected.append(f"{method} {name}: {r.status_code} {r.content[:200]!r}")
        return True


def _chunks(data: bytes, size: int = 256 * 1024):
    for off in range(0, len(data), size):
        yield data[off:off + size]


def _send(session: requests.Session, base_url: str, name: str, method: str, content: bytes) -> requests.Response:
    if method == "PUT":
        return session.put(base_url + file_path(name), data=content, timeout=REQUEST_TIMEOUT)
    if method == "PUT-chunked":
        return session.put(base_url + file_path(name), data=_chunks(content), timeout=REQUEST_TIMEOUT)
    folder, _, leaf = name.rpartition("/")
    fields = {"path": folder} if folder else {}
    return session.post(base_url + "/files/", files={"file": (leaf, content)}, data=fields,
                        timeout=REQUEST_TIMEOUT)


def _upload_loop(base_url: str, ledger: Ledger, stop: threading.Event, rng: random.Random) -> None:
    with requests.Session() as session:
        while not stop.is_set():
            name = rng.choice(NAMES)
            method = rng.choice(("PUT", "PUT-chunked", "POST"))
            size = rng.randint(*LARGE) if rng.random() < 0.3 else rng.randint(0, SMALL_MAX)
            content = ledger.new_content(name, size)
            if not ledger.upload(name, method, content, lambda: _send(session, base_url, name, method, content)):
                session.close()  # the server is gone (or going): a new connection next time


def _slow_chunks(data: bytes, stop: threading.Event):
    for piece in _chunks(data, 64 * 1024):
        yield piece
        stop.wait(0.03)


def _upload_into_new_folder(base_url: str, ledger: Ledger, name: str, stop: threading.Event) -> None:
    """One upload to a folder that does not exist yet, sent slowly so that the kill usually comes
    before its end: its folders must not outlive it."""
    content = ledger.new_content(name, 2 << 20)
    ledger.upload(name, "PUT-slow", content, lambda: requests.put(
        base_url + file_path(name), data=_slow_chunks(content, stop), timeout=REQUEST_TIMEOUT))


def _list_tree(srv) -> list[str]:
    """Every entry of every listing page, from the root down through the folders listed."""
    entries = []
    folders = [""]
    while folders:
        names, pages = list_all(srv, folders.pop())
        entries += names
        folders += [f for p in pages for f in p["folders"]]
    return entries


def _check_temp_files_hidden(srv) -> int:
    """While uploads run: temp files on disk appear in no listing and cannot be downloaded.
    Returns how many were on disk."""
    on_disk = temp_files(srv.root)
    listed = _list_tree(srv)
    assert not [n for n in listed if TEMP_PREFIX in n], f"temp files listed: {listed}"
    for path in on_disk[:4]:
        rel = os.path.relpath(path, srv.root)
        try:
            r = requests.get(srv.url("/files/" + quote_name(rel)), timeout=REQUEST_TIMEOUT)
        except requests.RequestException:
            continue
        assert r.status_code in (400, 404), f"GET of the temp file {rel}: {r.status_code}"
    return len(on_disk)


def _files_and_empty_folders(root) -> tuple[set[str], list[str]]:
    files, empty = set(), []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for f in filenames:
            files.add(os.path.normpath(os.path.join(rel, f)))
        if rel != "." and not dirnames and not filenames:
            empty.append(rel)
    return files, empty


def _verify(srv, ledger: Ledger, round_no: int) -> int:
    """Checks every name against the ledger after a restart; returns how many names exist."""
    problems = []
    present = set()
    for name, versions in ledger.versions.items():
        r = requests.get(srv.url(file_path(name)), timeout=REQUEST_TIMEOUT)
        acked = [v for v in versions if v.acked is not None]
        if r.status_code == 404:
            if acked:
                problems.append(f"{name}: 404, but {len(acked)} upload(s) were acknowledged")
            continue
        if r.status_code != 200:
            problems.append(f"{name}: GET answered {r.status_code} {r.content[:200]!r}")
            continue
        present.add(name)
        digest = hashlib.sha256(r.content).hexdigest()
        version = ledger.by_digest.get(digest)
        if version is None or version.name != name:
            problems.append(f"{name}: {len(r.content)} bytes that are no version sent for it (torn or mixed)")
            continue
        if r.headers.get("etag") != strong_etag(r.content):
            problems.append(f"{name}: ETag {r.headers.get('etag')} does not describe the content")
        disk = hashlib.sha256((srv.root / name).read_bytes()).hexdigest()
        if disk != digest:
            problems.append(f"{name}: the file on disk differs from the download")
        if version.acked is not None:
            # Acknowledged uploads that began after this version was acknowledged were committed
            # after it: one of them must be what is stored.
            lost = [a for a in acked if a.started > version.acked]
            if lost:
                problems.append(f"{name}: holds a version acknowledged before {len(lost)} later acknowledged "
                                f"upload(s) began (an acknowledged upload was lost)")
    left = temp_files(srv.root)
    if left:
        problems.append(f"temp files left after start-up: {left}")
    files, empty = _files_and_empty_folders(srv.root)
    if files != present:
        problems.append(f"files on disk {sorted(files)} != names served {sorted(present)}")
    if empty:
        problems.append(f"empty folders left: {empty}")
    listed = {n for n in _list_tree(srv) if not n.endswith("/")}
    if listed != present:
        problems.append(f"listed {sorted(listed)} != names served {sorted(present)}")
    assert not problems, f"round {round_no}:\n  " + "\n  ".join(problems)
    return len(present)


@pytest.mark.local_disk("reads the storage root directly and kills the server mid-commit")
@pytest.mark.time_limit(900)
def test_kill9_during_uploads_loses_nothing_acknowledged(simplefs_factory, storage_root):
    assert ROUNDS >= 1 and WORKERS >= 1
    seed = int(os.environ.get("SIMPLEFS_E2E_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    ledger = Ledger()
    srv = simplefs_factory(root=storage_root)
    temp_seen_running = temp_left_by_kills = rounds_with_leftovers = 0
    started = time.monotonic()
    for round_no in range(1, ROUNDS + 1):
        stop = threading.Event()
        threads = [threading.Thread(target=_upload_loop, args=(srv.base_url, ledger, stop,
                                                               random.Random(rng.random())), daemon=True)
                   for _ in range(WORKERS)]
        threads.append(threading.Thread(target=_upload_into_new_folder,
                                        args=(srv.base_url, ledger, f"new-{round_no}/sub/slow.bin", stop),
                                        daemon=True))
        for t in threads:
            t.start()
        load_time = rng.uniform(*LOAD_TIME)
        time.sleep(load_time / 2)
        temp_seen_running += _check_temp_files_hidden(srv)
        time.sleep(load_time / 2)
        srv.proc.kill()
        stop.set()
        srv.wait(10)
        for t in threads:
            t.join(REQUEST_TIMEOUT + 10)
            assert not t.is_alive(), "an upload thread did not finish after the kill"
        assert not ledger.unexpected, f"round {round_no} (seed {seed}): unexpected answers {ledger.unexpected[:5]}"

        left = len(temp_files(storage_root))
        temp_left_by_kills += left
        rounds_with_leftovers += left > 0
        srv = simplefs_factory(root=storage_root)
        if left:
            removed = re.findall(r"removed (\d+) temp file", srv.log_text())
            assert removed == [str(left)], f"round {round_no}: {left} temp files before start-up, log says {removed}"
        try:
            present = _verify(srv, ledger, round_no)
        except AssertionError as e:
            raise AssertionError(f"seed {seed}: {e}") from None
        print(f"round {round_no}: load {load_time:.2f}s, {present} names, {left} temp file(s) removed at start-up")

    elapsed = time.monotonic() - started
    print(f"crash consistency (seed {seed}): {ROUNDS} kill -9 rounds survived in {elapsed:.0f}s; "
          f"{ledger.sent} uploads sent, {ledger.acked} acknowledged; temp files seen while running: "
          f"{temp_seen_running}, left by kills: {temp_left_by_kills} (in {rounds_with_leftovers} rounds), "
          f"all removed at start-up")
    assert ledger.acked > 0, "no upload was ever acknowledged: the test proved nothing"
    assert temp_left_by_kills > 0 or ROUNDS < 10, "no kill ever hit an upload in flight"
