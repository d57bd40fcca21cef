"""Clients that vanish in the middle of an upload: nothing stored, no temp file left, server fine."""

from __future__ import annotations

import os
import socket

import pytest
import requests

from e2e_helpers import (TIMEOUT, RawConnection, chunk, multipart_parts, post_head, random_name, temp_files,
                         wait_until)

DECLARED = 32 << 20   # body size announced by Content-Length
SENT = 8 << 20        # body bytes actually sent before the client goes away


def start_partial_upload(server, name: str, mode: str) -> RawConnection:
    """Sends the head and SENT bytes of an upload of name; returns the open connection once the
    server has begun writing the temp file."""
    head, tail, boundary = multipart_parts(name)
    conn = RawConnection(server.port)
    data = os.urandom(SENT)
    if mode == "content-length":
        conn.send(post_head(server.port, boundary, content_length=len(head) + DECLARED + len(tail)))
        conn.send(head)
        for off in range(0, SENT, 1 << 20):
            conn.send(data[off:off + (1 << 20)])
    else:
        conn.send(post_head(server.port, boundary, chunked=True))
        conn.send(chunk(head))
        for off in range(0, SENT, 1 << 20):
            conn.send(chunk(data[off:off + (1 << 20)]))
    # The server streams to disk: a temp file must appear while the body is still coming.
    wait_until(lambda: temp_files(server.root), 10, message="a .simplefs.tmp.* file for the upload")
    return conn


def assert_cleaned_up(server, name: str, old: bytes | None = None):
    wait_until(lambda: not temp_files(server.root), 10, message="temp files to be removed")
    target = server.root / name
    if old is None:
        assert not target.exists(), "an aborted upload left the target file"
        r = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
        assert r.status_code == 404
    else:
        assert target.read_bytes() == old, "an aborted overwrite changed the existing file"
        r = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == old
    assert requests.get(server.url("/health"), timeout=TIMEOUT).json() == {"status": "alive"}
    # The same name can be uploaded normally afterwards.
    fresh = os.urandom(1000)
    r = requests.post(server.url("/files/"), files={"file": (name, fresh)}, timeout=TIMEOUT)
    assert r.status_code == 202
    assert target.read_bytes() == fresh
    assert temp_files(server.root) == []


@pytest.mark.parametrize("mode", ["content-length", "chunked"])
@pytest.mark.parametrize("close", ["fin", "rst"])
def test_disconnect_mid_body(server, mode, close):
    name = random_name(".bin")
    conn = start_partial_upload(server, name, mode)
    if close == "fin":
        conn.close()
    else:
        conn.reset()
    assert_cleaned_up(server, name)


@pytest.mark.parametrize("close", ["fin", "rst"])
def test_disconnect_mid_overwrite_keeps_old_file(server, close):
    name = random_name(".bin")
    old = os.urandom(50_000)
    r = requests.post(server.url("/files/"), files={"file": (name, old)}, timeout=TIMEOUT)
    assert r.status_code == 202
    conn = start_partial_upload(server, name, "content-length")
    conn.close() if close == "fin" else conn.reset()
    assert_cleaned_up(server, name, old=old)


@pytest.mark.parametrize("close", ["fin", "rst"])
def test_half_close_after_partial_body(server, close):
    """The client shuts down its sending side mid-body and waits: the server must not store the
    truncated body; it may answer with an error or just close."""
    name = random_name(".bin")
    conn = start_partial_upload(server, name, "content-length")
    conn.sock.shutdown(socket.SHUT_WR)
    try:
        resp = conn.read_response("POST")
        assert resp.status >= 400, f"truncated upload answered {resp.status}"
    except (ConnectionError, OSError):
        pass  # closed without an answer: fine
    conn.close() if close == "fin" else conn.reset()
    assert_cleaned_up(server, name)


@pytest.mark.parametrize("where", ["in-headers", "after-headers", "in-multipart-head"])
def test_disconnect_early(server, where):
    name = random_name(".bin")
    head, tail, boundary = multipart_parts(name)
    req_head = post_head(server.port, boundary, content_length=len(head) + 1000 + len(tail))
    conn = RawConnection(server.port)
    if where == "in-headers":
        conn.send(req_head[: len(req_head) // 2])
    elif where == "after-headers":
        conn.send(req_head)
    else:
        conn.send(req_head + head[: len(head) - 10])
    # Make sure the server has seen the bytes before the close.
    assert requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200
    conn.close()
    assert_cleaned_up(server, name)


def test_many_aborted_uploads_leave_nothing(server):
    names = [random_name(".bin") for _ in range(10)]
    conns = []
    for i, name in enumerate(names):
        head, tail, boundary = multipart_parts(name)
        c = RawConnection(server.port)
        c.send(post_head(server.port, boundary, content_length=len(head) + DECLARED + len(tail)))
        c.send(head + os.urandom(2 << 20))
        conns.append(c)
    wait_until(lambda: len(temp_files(server.root)) == len(names), 10,
               message=f"{len(names)} temp files")
    for i, c in enumerate(conns):
        c.close() if i % 2 else c.reset()
    wait_until(lambda: not temp_files(server.root), 10, message="temp files to be removed")
    assert list(server.root.iterdir()) == []
    assert requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200
