"""A full disk: the storage root on a small filesystem of its own, filled by uploads.

The filesystem is a loop-mounted ext4 image or a size-limited tmpfs, mounted by the test (it runs
as root; without the right to mount, the tests are skipped and say why) and unmounted afterwards.
The server runs with --disk-usage-threshold 100, so that uploads are not refused before their
body is read: the write itself fails with ENOSPC, as when the disk fills between the check and
the write. The upload that does not fit gets 507 with a JSON detail and leaves nothing behind
(no file, no temp file, its space free again); downloads go on working; after a delete, uploads
fit again. A tmpfs with few inodes fails the creation of the temp file itself the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from e2e_helpers import (TIMEOUT, assert_error, delete_file, file_path, list_all, sha256_hex, temp_files)
from test_metrics import parse_metrics, value

pytestmark = pytest.mark.local_disk("mounts a small filesystem of its own")

MiB = 1 << 20
FILE_SIZE = 3 * MiB
# Space a failed upload may leave used (directory blocks, the journal); far less than FILE_SIZE.
SLACK = 256 * 1024
# What mount(8) says when this process may not mount (no CAP_SYS_ADMIN, a locked-down container)
# or the machine has no loop devices: reasons to skip, not to fail.
FORBIDDEN = ("permission denied", "operation not permitted", "must be superuser", "only root",
             "failed to setup loop device", "could not find any free loop device", "no such device")


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def _mount(kind: str, mnt: Path, work: Path) -> None:
    if kind == "ext4":
        mkfs = shutil.which("mkfs.ext4") or "/sbin/mkfs.ext4"
        if not os.path.exists(mkfs):
            pytest.fail("mkfs.ext4 not found: install e2fsprogs (scripts/install-deps test)")
        image = work / "fs.img"
        with open(image, "wb") as f:
            f.truncate(20 * MiB)
        # -m 0: no blocks reserved for root (the server runs as root here and would use them).
        made = _run([mkfs, "-q", "-F", "-m", "0", str(image)])
        assert made.returncode == 0, f"mkfs.ext4: {made.stderr}"
        cmd = ["mount", "-o", "loop", str(image), str(mnt)]
    else:
        cmd = ["mount", "-t", "tmpfs", "-o", kind.removeprefix("tmpfs:"), "tmpfs", str(mnt)]
    done = _run(cmd)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip()
        if os.geteuid() != 0 or any(s in reason.lower() for s in FORBIDDEN):
            pytest.skip(f"disk-full tests skipped: this machine does not let the test mount a small "
                        f"filesystem ({' '.join(cmd)}: {reason or 'exit ' + str(done.returncode)})")
        pytest.fail(f"{' '.join(cmd)} failed: {reason}")


def _unmount(mnt: Path) -> None:
    for _ in range(50):
        if not os.path.ismount(mnt) or _run(["umount", str(mnt)]).returncode == 0:
            return
        time.sleep(0.1)  # still busy: a server being stopped
    _run(["umount", "-l", str(mnt)])


@pytest.fixture
def small_fs(request, tmp_path):
    """A freshly mounted small filesystem (request.param: "ext4" or "tmpfs:<mount options>"); yields
    the storage root on it."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    _mount(request.param, mnt, tmp_path)
    try:
        root = mnt / "root"
        root.mkdir()
        yield root
    finally:
        _unmount(mnt)


@pytest.fixture
def full_server(small_fs, simplefs_factory):
    # small_fs is set up before and torn down after the server (fixtures end in reverse order).
    return simplefs_factory("--disk-usage-threshold", "100", root=small_fs)


FILESYSTEMS = ["ext4", "tmpfs:size=16m"]
METHODS = ["PUT", "PUT-chunked", "POST"]


def _chunks(data: bytes, size: int = 256 * 1024):
    for off in range(0, len(data), size):
        yield data[off:off + size]


def upload(srv, name: str, data: bytes, method: str) -> requests.Response:
    if method == "PUT":
        return requests.put(srv.url(file_path(name)), data=data, timeout=60)
    if method == "PUT-chunked":
        return requests.put(srv.url(file_path(name)), data=_chunks(data), timeout=60)
    folder, _, leaf = name.rpartition("/")
    return requests.post(srv.url("/files/"), files={"file": (leaf, data)},
                         data={"path": folder} if folder else {}, timeout=60)


def stored_ok(r: requests.Response, method: str) -> bool:
    return r.status_code in ((202,) if method == "POST" else (200, 201))


def available(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def no_space_failures(srv) -> float:
    """507s counted as a failed write; fails the test if the threshold check refused any upload
    (the test is about the write itself failing)."""
    samples, _ = parse_metrics(requests.get(srv.url("/metrics"), timeout=TIMEOUT).text)
    assert value(samples, "simplefs_upload_failures_total", reason="disk_usage_threshold") == 0
    return value(samples, "simplefs_upload_failures_total", reason="no_space")


def check_nothing_left(srv, name: str, free_before: int) -> None:
    assert not (srv.root / name).exists(), f"the failed upload left {name} on disk"
    assert temp_files(srv.root) == [], "the failed upload left a temp file"
    assert requests.get(srv.url(file_path(name)), timeout=TIMEOUT).status_code == 404
    free_after = available(srv.root)
    assert free_after >= free_before - SLACK, \
        f"the failed upload still holds space: {free_before} bytes free before, {free_after} after"


def check_downloads(srv, stored: dict[str, bytes]) -> None:
    for name, data in stored.items():
        r = requests.get(srv.url(file_path(name)), timeout=TIMEOUT)
        assert r.status_code == 200, f"GET {name} on a full disk: {r.status_code}"
        assert sha256_hex(r.content) == sha256_hex(data), f"{name} changed"
    r = requests.get(srv.url(file_path(next(iter(stored)))), headers={"Range": "bytes=10-99"}, timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == stored[next(iter(stored))][10:100]
    names, _ = list_all(srv)
    assert set(names) >= {n for n in stored if "/" not in n}


def fill(srv, method: str, prefix: str) -> tuple[dict[str, bytes], str, int]:
    """Uploads FILE_SIZE files until one does not fit; returns (stored files, the name that did not
    fit, free bytes just before it)."""
    stored: dict[str, bytes] = {}
    limit = available(srv.root) // FILE_SIZE + 3
    for i in range(limit):
        name = f"{prefix}{i}.bin"
        data = os.urandom(FILE_SIZE)
        free_before = available(srv.root)
        r = upload(srv, name, data, method)
        if stored_ok(r, method):
            stored[name] = data
            continue
        detail = assert_error(r, 507)
        assert isinstance(detail, str) and detail, r.content
        # The threshold check did not refuse it: there was room, but not enough.
        assert free_before > 0
        assert stored, "not even the first file fitted"
        return stored, name, free_before
    pytest.fail(f"{limit} files of {FILE_SIZE} bytes all fitted on a filesystem with {available(srv.root)} bytes free")


@pytest.mark.parametrize("small_fs", FILESYSTEMS, indirect=True)
@pytest.mark.parametrize("method", METHODS)
def test_upload_that_does_not_fit(full_server, method):
    srv = full_server
    failures = no_space_failures(srv)
    stored, name, free_before = fill(srv, method, "fill-")
    check_nothing_left(srv, name, free_before)
    assert no_space_failures(srv) == failures + 1
    check_downloads(srv, stored)

    # A new version of a stored name that does not fit keeps the old one.
    victim = next(iter(stored))
    free_before = available(srv.root)
    r = upload(srv, victim, os.urandom(max(free_before + MiB, FILE_SIZE)), method)
    assert_error(r, 507)
    assert temp_files(srv.root) == []
    assert available(srv.root) >= free_before - SLACK
    check_downloads(srv, stored)

    # After a delete, the upload that failed fits.
    assert delete_file(srv, victim).status_code == 204
    del stored[victim]
    data = os.urandom(FILE_SIZE)
    r = upload(srv, name, data, method)
    assert stored_ok(r, method), f"{method} after a delete: {r.status_code} {r.content[:200]!r}"
    stored[name] = data
    assert (srv.root / name).read_bytes() == data
    check_downloads(srv, stored)
    assert no_space_failures(srv) == failures + 2


@pytest.mark.parametrize("small_fs", ["ext4"], indirect=True)
def test_full_disk_in_a_folder(full_server):
    """A nested upload that does not fit: no temp file in the folder, and its new folders go too."""
    srv = full_server
    stored, name, free_before = fill(srv, "PUT", "top-")
    nested = "new/folder/big.bin"
    r = upload(srv, nested, os.urandom(FILE_SIZE), "POST")
    assert_error(r, 507)
    check_nothing_left(srv, nested, free_before)
    assert not (srv.root / "new").exists(), "the failed upload left its empty folders"
    check_downloads(srv, stored)


@pytest.mark.parametrize("small_fs", ["tmpfs:size=16m,nr_inodes=24"], indirect=True)
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_no_inodes_left(full_server, method):
    """The temp file cannot even be created (ENOSPC from open): 507 as well."""
    srv = full_server
    failures = no_space_failures(srv)
    stored = {}
    for i in range(30):
        data = os.urandom(1000)
        r = upload(srv, f"small-{i}.txt", data, method)
        if not stored_ok(r, method):
            assert_error(r, 507)
            break
        stored[f"small-{i}.txt"] = data
    else:
        pytest.fail("30 files fitted into 24 inodes")
    assert stored, "not even one file fitted"
    assert temp_files(srv.root) == []
    assert no_space_failures(srv) == failures + 1
    check_downloads(srv, stored)
    victim = next(iter(stored))
    assert delete_file(srv, victim).status_code == 204
    r = upload(srv, "again.txt", b"fits again", method)
    assert stored_ok(r, method), f"{r.status_code} {r.content[:200]!r}"


@pytest.mark.parametrize("small_fs", ["tmpfs:size=16m"], indirect=True)
def test_readyz_follows_the_volume(small_fs, simplefs_factory):
    """/readyz answers 503 with the reason while uploads could not succeed: the volume at or above
    the upload threshold, or read-only; 200 again once that is over. /livez stays 200."""
    srv = simplefs_factory("--disk-usage-threshold", "50", root=small_fs)
    mnt = small_fs.parent

    def readyz() -> requests.Response:
        return requests.get(srv.url("/readyz"), timeout=TIMEOUT)

    assert readyz().status_code == 200
    filler = mnt / "filler.bin"
    filler.write_bytes(b"\0" * (9 * MiB))  # over half of the 16 MiB
    r = readyz()
    assert assert_error(r, 503).startswith("Not ready: disk "), r.text
    assert requests.get(srv.url("/livez"), timeout=TIMEOUT).status_code == 200
    filler.unlink()
    assert readyz().status_code == 200

    assert _run(["mount", "-o", "remount,ro", str(mnt)]).returncode == 0
    try:
        r = readyz()
        assert assert_error(r, 503).startswith("Not ready: storage not writable"), r.text
    finally:
        assert _run(["mount", "-o", "remount,rw", str(mnt)]).returncode == 0
    assert readyz().status_code == 200
    assert temp_files(small_fs) == [], "the readiness probe left a temp file"
