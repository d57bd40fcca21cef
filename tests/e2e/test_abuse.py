"""Slow and abusive clients: body and keep-alive timeouts, the connection cap, 1,000 slowloris
connections while ordinary clients are served, the header field count limit, and request
smuggling attempts (RFC 9112 framing errors) refused with 400 (or 501) without side effects."""

from __future__ import annotations

import resource
import socket
import threading
import time

import pytest
import requests

from e2e_helpers import (HOST, TIMEOUT, RawConnection, assert_raw_error, file_path, get_file, metric,
                         put_file, random_name, temp_files, wait_until)


def host_line(port: int) -> bytes:
    return b"Host: 127.0.0.1:" + str(port).encode() + b"\r\n"


def closed_by_server(c: RawConnection, within: float) -> bool:
    """True when the server closes the connection (EOF or reset) within `within` seconds."""
    c.sock.settimeout(within)
    try:
        while True:
            data = c.sock.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def raise_fd_limit(want: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            pytest.skip(f"the open file limit ({hard}) is below the {want} this test needs")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# --------------------------------------------------------------------------- timeouts


@pytest.mark.time_limit(60)
def test_idle_body_times_out_and_leaves_nothing(simplefs_factory, storage_root):
    srv = simplefs_factory("--idle-timeout", "1s")
    name = random_name()
    with RawConnection(srv.port) as c:
        c.send(b"PUT " + file_path(name).encode() + b" HTTP/1.1\r\n" + host_line(srv.port)
               + b"Content-Length: 100000\r\n\r\n" + b"x" * 1000)
        t0 = time.monotonic()
        assert closed_by_server(c, 10), "a body that stopped arriving kept its connection"
        elapsed = time.monotonic() - t0
    assert 0.5 <= elapsed < 8, f"closed after {elapsed:.2f}s with --idle-timeout 1s"
    assert get_file(srv, name).status_code == 404
    assert wait_until(lambda: not temp_files(storage_root), 5), temp_files(storage_root)


@pytest.mark.time_limit(60)
def test_keepalive_timeout_is_its_own_setting(simplefs_factory):
    # A long pause in a body is allowed (idle 30 s), a kept-alive connection waits at most 1 s.
    srv = simplefs_factory("--keepalive-timeout", "1s", "--idle-timeout", "30s")
    with RawConnection(srv.port) as c:
        c.send(b"GET /health HTTP/1.1\r\n" + host_line(srv.port) + b"\r\n")
        assert c.read_response().status == 200
        t0 = time.monotonic()
        assert closed_by_server(c, 10), "an idle kept-alive connection stayed open"
        elapsed = time.monotonic() - t0
    assert 0.5 <= elapsed < 8, f"closed after {elapsed:.2f}s with --keepalive-timeout 1s"

    name = random_name()
    with RawConnection(srv.port) as c:
        c.send(b"PUT " + file_path(name).encode() + b" HTTP/1.1\r\n" + host_line(srv.port)
               + b"Content-Length: 6\r\n\r\nabc")
        time.sleep(2)  # longer than the keep-alive timeout, shorter than the idle timeout
        c.send(b"def")
        assert c.read_response("PUT").status == 201
    assert get_file(srv, name).content == b"abcdef"


# --------------------------------------------------------------------------- connection cap


@pytest.mark.time_limit(60)
def test_connection_cap_answers_503_then_recovers(simplefs_factory):
    cap = 5
    srv = simplefs_factory("--max-connections", str(cap))
    held = []
    try:
        for _ in range(cap):
            c = RawConnection(srv.port)
            c.send(b"GET /health HTTP/1.1\r\n" + host_line(srv.port) + b"\r\n")
            assert c.read_response().status == 200
            held.append(c)
        with RawConnection(srv.port) as extra:
            extra.send(b"GET /health HTTP/1.1\r\n" + host_line(srv.port) + b"\r\n")
            resp = extra.read_response()
            detail = assert_raw_error(resp, 503, "one connection over --max-connections")
            assert "connections" in detail.lower(), detail
            assert resp.header("retry-after") == "1"
            assert closed_by_server(extra, 5), "the refused connection stayed open"
        # The held connections still work.
        held[0].send(b"GET /health HTTP/1.1\r\n" + host_line(srv.port) + b"\r\n")
        assert held[0].read_response().status == 200
    finally:
        for c in held:
            c.close()
    # Once they are gone, new clients get in again.
    assert wait_until(lambda: requests.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200, 10)
    assert metric(srv, "simplefs_connections_refused_total") >= 1


# --------------------------------------------------------------------------- slowloris

SLOWLORIS = 1000


@pytest.mark.time_limit(120)
def test_slowloris_does_not_starve_ordinary_clients(simplefs_factory):
    raise_fd_limit(SLOWLORIS + 256)
    srv = simplefs_factory("--header-timeout", "60s")
    stop = threading.Event()
    socks: list[socket.socket] = []
    for _ in range(SLOWLORIS):
        s = socket.create_connection((HOST, srv.port), timeout=TIMEOUT)
        s.setblocking(False)
        socks.append(s)
    header = b"GET /health HTTP/1.1\r\n" + host_line(srv.port) + b"X-Slow: " + b"a" * 4000

    def trickle():
        # One byte per connection per round, a round about every 0.2 s: never a whole header.
        sent = 0
        while not stop.is_set() and sent < len(header):
            for s in socks:
                try:
                    s.send(header[sent:sent + 1])
                except (BlockingIOError, OSError):
                    pass
            sent += 1
            stop.wait(0.2)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        assert wait_until(lambda: metric(srv, "simplefs_open_connections") >= SLOWLORIS, 30), \
            "the server did not hold the slowloris connections"
        bound = 2.0  # seconds for any ordinary request while the slow ones trickle
        worst = 0.0
        # Ordinary traffic for 5 s: some 25 rounds of trickled bytes meanwhile.
        until = time.monotonic() + 5
        with requests.Session() as session:
            i = 0
            while time.monotonic() < until:
                i += 1
                name = random_name()
                data = f"ordinary {i}".encode()
                t0 = time.monotonic()
                assert put_file(srv, name, data, session=session).status_code == 201
                assert get_file(srv, name, session=session).content == data
                worst = max(worst, time.monotonic() - t0)
        assert worst < bound, f"an ordinary PUT+GET took {worst:.2f}s with {SLOWLORIS} slowloris clients"
        # Fresh connections (not only a kept-alive one) get in as well.
        for _ in range(20):
            t0 = time.monotonic()
            assert requests.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200
            worst = max(worst, time.monotonic() - t0)
        assert worst < bound, f"a fresh connection waited {worst:.2f}s"
        held = metric(srv, "simplefs_open_connections")
        assert held >= SLOWLORIS, "slowloris connections were dropped"
        print(f"{held:.0f} connections open, {SLOWLORIS} of them slowloris; {i} ordinary PUT+GET pairs, "
              f"worst {worst * 1000:.1f} ms")
    finally:
        stop.set()
        trickler.join(timeout=10)
        for s in socks:
            s.close()
    assert srv.alive()


# --------------------------------------------------------------------------- header fields


def get_with_fields(srv, count: int) -> int:
    with RawConnection(srv.port) as c:
        extra = b"".join(b"X-F%d: v\r\n" % i for i in range(count - 1))
        c.send(b"GET /health HTTP/1.1\r\n" + host_line(srv.port) + extra + b"\r\n")
        resp = c.read_response()
        if resp.status != 200:
            assert_raw_error(resp, resp.status, f"{count} fields")
        return resp.status


def test_header_field_count_limit(simplefs_factory):
    srv = simplefs_factory()
    assert get_with_fields(srv, 100) == 200
    assert get_with_fields(srv, 101) == 431
    srv2 = simplefs_factory("--max-header-fields", "20")
    assert get_with_fields(srv2, 20) == 200
    assert get_with_fields(srv2, 21) == 431


# --------------------------------------------------------------------------- smuggling

SMUGGLED = b"DELETE /files/victim.txt HTTP/1.1\r\nHost: x\r\n\r\n"


def smuggle_cases(name: str) -> list[tuple[str, bytes, int]]:
    target = file_path(name).encode()
    body = b"0\r\n\r\n" + SMUGGLED
    n = str(len(body)).encode()
    return [
        ("Content-Length and Transfer-Encoding",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: " + n
         + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + body, 400),
        ("Transfer-Encoding and Content-Length",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: " + n
         + b"\r\n\r\n" + body, 400),
        ("two equal Content-Length",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
         + SMUGGLED, 400),
        ("two different Content-Length",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 0\r\n\r\nhello"
         + SMUGGLED, 400),
        ("Content-Length list",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello" + SMUGGLED, 400),
        ("obs-fold",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nContent-Length: 5\r\n\r\nhello"
         + SMUGGLED, 400),
        ("obs-fold with a tab",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Folded: a\r\n\tb\r\n\r\nhello"
         + SMUGGLED, 400),
        ("Transfer-Encoding without chunked",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + SMUGGLED, 400),
        ("Transfer-Encoding in HTTP/1.0",
         b"PUT " + target + b" HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body, 400),
        ("chunked twice",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n" + body, 400),
        ("space before the colon",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello" + SMUGGLED, 400),
        ("unsupported coding before chunked",
         b"PUT " + target + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + body, 501),
    ]


@pytest.mark.parametrize("case", range(len(smuggle_cases("x"))),
                         ids=[c[0] for c in smuggle_cases("x")])
def test_smuggling_attempt_refused(server, storage_root, case):
    assert put_file(server, "victim.txt", b"still here").status_code == 201
    name = random_name()
    what, data, status = smuggle_cases(name)[case]
    with RawConnection(server.port) as c:
        c.send(data)
        resp = c.read_response("PUT")
        assert_raw_error(resp, status, what)
        assert closed_by_server(c, 10), f"{what}: the connection stayed open for the next request"
    assert get_file(server, name).status_code == 404, f"{what}: the upload was stored"
    victim = get_file(server, "victim.txt")
    assert victim.status_code == 200 and victim.content == b"still here", f"{what}: the smuggled DELETE ran"
    assert not temp_files(storage_root)
