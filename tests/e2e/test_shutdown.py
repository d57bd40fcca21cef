"""Graceful shutdown on SIGTERM/SIGINT, and removal of stale temp files at start-up."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import threading
import time

import pytest
import requests

import conftest

from e2e_helpers import (HOST, TIMEOUT, RawConnection, check_upload_body, multipart_parts, post_head, random_name,
                         temp_files, wait_until)


def refuses_connections(port: int) -> bool:
    try:
        s = socket.create_connection((HOST, port), timeout=1)
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    s.close()
    return False


def begin_upload(srv, name: str, declared: int, first: bytes) -> tuple[RawConnection, bytes, bytes]:
    head, tail, boundary = multipart_parts(name)
    conn = RawConnection(srv.port, timeout=20)
    conn.send(post_head(srv.port, boundary, content_length=len(head) + declared + len(tail)))
    conn.send(head + first)
    wait_until(lambda: temp_files(srv.root), 10, message="the upload's temp file")
    return conn, head, tail


def test_upload_finishing_within_grace_is_stored(simplefs_factory):
    srv = simplefs_factory(grace="5s")
    name = random_name(".bin")
    data = os.urandom(6 << 20)
    conn, head, tail = begin_upload(srv, name, len(data), data[: 3 << 20])
    try:
        srv.send_signal(signal.SIGTERM)
        # The listener goes away at once, while the upload is still in flight.
        wait_until(lambda: refuses_connections(srv.port), 3, message="new connections to be refused")
        assert srv.alive(), "the server exited with an upload in flight"
        conn.send(data[3 << 20:] + tail)
        resp = conn.read_response("POST")
    finally:
        conn.close()
    assert resp.status == 202, resp.body
    check_upload_body(resp.body, name)
    rc = srv.wait(5 + 5)
    assert rc == 0, f"exit code {rc}"
    assert (srv.root / name).read_bytes() == data
    assert temp_files(srv.root) == []


def test_upload_still_running_when_grace_ends_is_aborted(simplefs_factory):
    grace = 2.0
    srv = simplefs_factory(grace="2s")
    name = random_name(".bin")
    conn, head, tail = begin_upload(srv, name, 64 << 20, os.urandom(1 << 20))
    stop = threading.Event()

    def trickle():  # a slow client: 4 KiB every 100 ms, never finishing in time
        try:
            while not stop.is_set():
                conn.send(os.urandom(4096))
                stop.wait(0.1)
        except OSError:
            pass

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        t0 = time.monotonic()
        srv.send_signal(signal.SIGTERM)
        rc = srv.wait(grace + 8)
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        t.join(5)
        conn.close()
    assert rc == 0, f"exit code {rc}"
    assert elapsed >= grace * 0.75, f"exited after {elapsed:.2f}s: the grace period of {grace}s was not given"
    assert not (srv.root / name).exists(), "an incomplete upload was stored"
    assert temp_files(srv.root) == [], "the aborted upload's temp file was left behind"


def test_download_in_flight_completes(simplefs_factory):
    srv = simplefs_factory(grace="5s")
    name = random_name(".bin")
    data = os.urandom(24 << 20)
    r = requests.post(srv.url("/files/"), files={"file": (name, data)}, timeout=30)
    assert r.status_code == 202
    conn = RawConnection(srv.port, timeout=20)
    try:
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        conn.send(f"GET /files/{name} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        status, _, headers = conn.read_head()
        assert status == 200
        srv.send_signal(signal.SIGTERM)
        wait_until(lambda: refuses_connections(srv.port), 3, message="new connections to be refused")
        length = int(dict((k.lower(), v) for k, v in headers)["content-length"])
        body = conn.read_exact(length)
    finally:
        conn.close()
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    assert srv.wait(5 + 5) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_idle_server_exits_zero(simplefs_factory, sig):
    srv = simplefs_factory(grace="5s")
    # An idle keep-alive connection must not keep the server up past the grace period.
    with requests.Session() as s:
        assert s.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200
        t0 = time.monotonic()
        srv.send_signal(sig)
        rc = srv.wait(5 + 5)
    assert rc == 0, f"exit code {rc} after {signal.Signals(sig).name}"
    assert time.monotonic() - t0 < 5 + 5
    assert refuses_connections(srv.port)


def test_stale_temp_files_removed_at_startup(simplefs_factory, storage_root):
    root = storage_root
    (root / "sub" / "deeper").mkdir(parents=True)
    stale = [root / ".simplefs.tmp.deadbeef", root / "sub" / ".simplefs.tmp.0123456789abcdef",
             root / "sub" / "deeper" / ".simplefs.tmp.cafe"]
    two_hours_ago = time.time() - 7200
    for p in stale:
        p.write_bytes(os.urandom(1000))
        os.utime(p, (two_hours_ago, two_hours_ago))
    # A young temp file on a shared filesystem may be another replica's upload in progress.
    young = root / "sub" / ".simplefs.tmp.young"
    young.write_bytes(b"upload in progress elsewhere")
    keep = {root / "keep.txt": b"keep me", root / "sub" / "keep2.bin": os.urandom(500),
            root / "sub" / ".hidden": b"dotfile", root / "sub" / "deeper" / "simplefs.tmp.x": b"not a temp name"}
    for p, c in keep.items():
        p.write_bytes(c)
    srv = simplefs_factory(root=root)
    # Removed before serving: /health answered, so they must be gone now.
    expected_left = [str(young)] if conftest.on_ceph() else []
    assert temp_files(root) == expected_left, f"left: {temp_files(root)}"
    for p, c in keep.items():
        assert p.read_bytes() == c, f"{p} was changed or removed"
    r = requests.get(srv.url("/files/keep.txt"), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == b"keep me"
