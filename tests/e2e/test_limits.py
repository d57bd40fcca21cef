"""Limits: --max-upload-size on PUT, 414 for long targets, 431 and --max-header-size, 408 and
--header-timeout, 405 with Allow. Every error body is JSON with a "detail"."""

from __future__ import annotations

import os
import socket
import time

import pytest
import requests

from e2e_helpers import (TIMEOUT, RawConnection, assert_error, assert_raw_error, chunk, file_path, get_file,
                         put_file, random_name, raw_get, temp_files)

LIMIT = 1 << 20


def put_head(port: int, name: str, extra: bytes) -> bytes:
    return (b"PUT " + file_path(name).encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode()
            + b"\r\n" + extra + b"\r\n")


def test_put_max_upload_size(simplefs_factory):
    srv = simplefs_factory("--max-upload-size", str(LIMIT))
    keep = random_name(".bin")
    keep_data = os.urandom(LIMIT)  # exactly the limit: accepted
    r = put_file(srv, keep, keep_data, timeout=30)
    assert r.status_code == 201, (r.status_code, r.content[:300])

    # Content-Length over the limit: 413 from the head alone, no body sent.
    name = random_name(".bin")
    with RawConnection(srv.port) as c:
        c.send(put_head(srv.port, name, b"Content-Length: " + str(LIMIT + 1).encode() + b"\r\n"))
        resp = c.read_response("PUT")
    assert_raw_error(resp, 413, "PUT with Content-Length over the limit")

    # With Expect: 100-continue: the refusal instead of "100 Continue".
    with RawConnection(srv.port) as c:
        c.send(put_head(srv.port, name, b"Expect: 100-continue\r\nContent-Length: "
                        + str(2 * LIMIT).encode() + b"\r\n"))
        resp = c.read_response("PUT", allow_interim=False)
    assert_raw_error(resp, 413, "PUT with Expect over the limit")

    # Replacing an existing file with too much: 413, the old content stays.
    with RawConnection(srv.port) as c:
        c.send(put_head(srv.port, keep, b"Content-Length: " + str(2 * LIMIT).encode() + b"\r\n"))
        resp = c.read_response("PUT")
    assert_raw_error(resp, 413, "replacing PUT over the limit")

    # requests sending the whole body (the answer may come before it is all sent).
    try:
        r = put_file(srv, name, os.urandom(2 * LIMIT), timeout=30)
        assert_error(r, 413)
    except requests.ConnectionError:
        pass

    # Chunked: 413 once the limit is passed, without the last chunk.
    with RawConnection(srv.port) as c:
        c.send(put_head(srv.port, name, b"Transfer-Encoding: chunked\r\n"))
        sent = 0
        piece = os.urandom(64 * 1024)
        try:
            while sent <= LIMIT + 8192:
                c.send(chunk(piece))
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = c.read_response("PUT")
    assert_raw_error(resp, 413, "chunked PUT over the limit")

    assert not (srv.root / name).exists()
    assert sorted(p.name for p in srv.root.iterdir()) == [keep]
    assert temp_files(srv.root) == []
    g = get_file(srv, keep)
    assert g.status_code == 200 and g.content == keep_data


# --------------------------------------------------------------------------- request target


def test_long_target_414(server):
    for target in ("/files/" + "a" * (8193 - len("/files/")), "/files/" + "b" * 9000,
                   "/files/?prefix=" + "c" * 9000, "/health?" + "x" * 8200):
        assert len(target) > 8192
        resp = raw_get(server.port, target)
        assert_raw_error(resp, 414, f"GET of a {len(target)}-byte target")
    assert requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200


def test_target_just_under_8k_not_414(server):
    target = "/files/" + "a" * (8100 - len("/files/"))
    resp = raw_get(server.port, target)
    assert resp.status != 414, "an 8100-byte target is within 8 KiB"
    assert resp.status in (400, 404), resp.status  # the name itself is too long / absent


# --------------------------------------------------------------------------- header size


def _filler(total: int, name: bytes = b"X-Filler") -> bytes:
    return name + b": " + b"a" * total + b"\r\n"


def test_header_over_16k_431(server):
    resp = raw_get(server.port, "/health", extra_headers=_filler(17 * 1024))
    assert_raw_error(resp, 431, "a 17 KiB header")
    many = b"".join(_filler(1000, b"X-F%d" % i) for i in range(20))  # 20 fields of ~1 KiB
    resp = raw_get(server.port, "/health", extra_headers=many)
    assert_raw_error(resp, 431, "20 KiB of header fields")
    assert requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200


def test_header_under_16k_accepted(server):
    resp = raw_get(server.port, "/health", extra_headers=_filler(15 * 1024))
    assert resp.status == 200, (resp.status, resp.body[:200])


def test_max_header_size_flag(simplefs_factory):
    srv = simplefs_factory("--max-header-size", "64KiB")
    resp = raw_get(srv.port, "/health", extra_headers=_filler(32 * 1024))
    assert resp.status == 200, (resp.status, resp.body[:200])
    resp = raw_get(srv.port, "/health", extra_headers=_filler(70 * 1024))
    assert_raw_error(resp, 431, "a 70 KiB header with --max-header-size 64KiB")
    name = random_name(".txt")
    r = put_file(srv, name, b"big header", headers={"X-Big": "b" * (40 * 1024)})
    assert r.status_code == 201, (r.status_code, r.content[:300])


# --------------------------------------------------------------------------- header timeout


@pytest.mark.time_limit(60)
def test_header_timeout_408(simplefs_factory):
    srv = simplefs_factory("--header-timeout", "1s")
    with RawConnection(srv.port, timeout=15) as c:
        t0 = time.monotonic()
        c.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + str(srv.port).encode() + b"\r\nX-Half: ")
        resp = c.read_response("GET")
        elapsed = time.monotonic() - t0
        assert_raw_error(resp, 408, "half a request header, then silence")
        assert elapsed >= 0.5, f"408 after {elapsed:.2f}s with --header-timeout 1s: too early"
        # The server closes the connection after the 408.
        try:
            rest = c.sock.recv(100)
        except ConnectionResetError:
            rest = b""
        except socket.timeout:
            raise AssertionError("the connection stayed open after 408")
        assert rest == b"", rest
    assert requests.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200


@pytest.mark.time_limit(60)
def test_header_timeout_complete_request_is_served(simplefs_factory):
    srv = simplefs_factory("--header-timeout", "1s")
    with RawConnection(srv.port) as c:
        c.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + str(srv.port).encode() + b"\r\n")
        time.sleep(0.3)
        c.send(b"\r\n")
        resp = c.read_response("GET")
    assert resp.status == 200 and resp.json() == {"status": "alive"}


# --------------------------------------------------------------------------- 405


def _allow(r) -> set[str]:
    return {m.strip().upper() for m in r.headers.get("allow", "").split(",") if m.strip()}


def test_405_with_allow(server):
    r = requests.patch(server.url("/files/x"), data=b"x", timeout=TIMEOUT)
    assert_error(r, 405)
    assert {"GET", "PUT", "DELETE"} <= _allow(r), r.headers.get("allow")
    r = requests.post(server.url("/files/x.txt"), data=b"x", timeout=TIMEOUT)
    assert_error(r, 405)
    assert {"GET", "PUT", "DELETE"} <= _allow(r), r.headers.get("allow")
    r = requests.patch(server.url("/files/"), timeout=TIMEOUT)
    assert_error(r, 405)
    assert {"GET", "POST"} <= _allow(r), r.headers.get("allow")
    assert not (server.root / "x").exists() and not (server.root / "x.txt").exists()
