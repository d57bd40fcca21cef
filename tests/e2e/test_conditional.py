"""Validators and conditional requests (RFC 9110 §13): ETag, Last-Modified, If-Match, If-None-Match,
If-Modified-Since, If-Unmodified-Since, evaluated in the order of §13.2.2."""

from __future__ import annotations

import email.utils
import http.client
import os
import threading
import time
from datetime import timedelta

import pytest
import requests

from e2e_helpers import (HOST, TIMEOUT, assert_error, delete_file, file_path, get_file, head_file, post_file, put_file,
                         random_name, sha256_hex, strong_etag, temp_files)

OTHER_ETAG = '"' + "0" * 64 + '"'


def http_date(dt) -> str:
    return email.utils.format_datetime(dt, usegmt=True)


def lm_of(r: requests.Response):
    return email.utils.parsedate_to_datetime(r.headers["last-modified"])


@pytest.fixture
def stored(server):
    name = random_name(".txt")
    data = os.urandom(3000)
    post_file(server, name, data)  # the original upload
    return server, name, data


def assert_304(r: requests.Response, data: bytes):
    assert r.status_code == 304, f"{r.request.method} {dict(r.request.headers)}: status {r.status_code}"
    assert r.content == b""
    assert r.headers.get("etag") == strong_etag(data)


def assert_200(r: requests.Response, data: bytes):
    assert r.status_code == 200, f"{r.request.method} {dict(r.request.headers)}: status {r.status_code}"
    if r.request.method == "GET":
        assert r.content == data


def assert_untouched(server, name, data):
    assert (server.root / name).read_bytes() == data
    g = get_file(server, name)
    assert g.status_code == 200 and g.content == data and g.headers.get("etag") == strong_etag(data)


# --------------------------------------------------------------------------- validators


def test_validators(stored):
    server, name, data = stored
    for r in (get_file(server, name), head_file(server, name)):
        assert r.status_code == 200
        assert r.headers.get("etag") == '"' + sha256_hex(data) + '"'
        lm = r.headers.get("last-modified")
        assert lm and lm.endswith(" GMT"), lm
        assert email.utils.parsedate_to_datetime(lm) is not None


# --------------------------------------------------------------------------- GET/HEAD


def test_if_none_match_304(stored):
    server, name, data = stored
    etag = strong_etag(data)
    for method in (get_file, head_file):
        assert_304(method(server, name, headers={"If-None-Match": etag}), data)
        assert_304(method(server, name, headers={"If-None-Match": f'{OTHER_ETAG}, {etag}'}), data)
        assert_304(method(server, name, headers={"If-None-Match": "*"}), data)
        assert_200(method(server, name, headers={"If-None-Match": OTHER_ETAG}), data)


def test_if_none_match_weak_comparison(stored):
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"<sha>" matches too."""
    server, name, data = stored
    assert_304(get_file(server, name, headers={"If-None-Match": "W/" + strong_etag(data)}), data)


def test_if_modified_since(stored):
    server, name, data = stored
    lm = lm_of(get_file(server, name))
    for method in (get_file, head_file):
        assert_304(method(server, name, headers={"If-Modified-Since": http_date(lm)}), data)
        assert_200(method(server, name, headers={"If-Modified-Since": http_date(lm - timedelta(hours=1))}), data)
        assert_200(method(server, name, headers={"If-Modified-Since": "not a date"}), data)


def test_if_modified_since_later_than_mtime(stored):
    server, name, data = stored
    # Move the file's mtime two days back, so that "later than mtime" is still in the past.
    past = time.time() - 2 * 86400
    os.utime(server.root / name, (past, past))
    lm = lm_of(get_file(server, name))
    assert abs(lm.timestamp() - past) < 2, f"Last-Modified {lm} does not follow the file's mtime"
    assert_304(get_file(server, name, headers={"If-Modified-Since": http_date(lm + timedelta(hours=1))}), data)
    assert_200(get_file(server, name, headers={"If-Modified-Since": http_date(lm - timedelta(seconds=1))}), data)


def test_if_none_match_beats_if_modified_since(stored):
    server, name, data = stored
    lm = lm_of(get_file(server, name))
    # If-None-Match present: If-Modified-Since is not evaluated (§13.2.2 step 4).
    r = get_file(server, name, headers={"If-None-Match": OTHER_ETAG, "If-Modified-Since": http_date(lm)})
    assert_200(r, data)
    r = get_file(server, name, headers={"If-None-Match": strong_etag(data),
                                        "If-Modified-Since": http_date(lm - timedelta(days=1))})
    assert_304(r, data)


# --------------------------------------------------------------------------- PUT


def test_put_if_match(stored):
    server, name, data = stored
    r = put_file(server, name, b"must not land", headers={"If-Match": OTHER_ETAG})
    assert_error(r, 412)
    assert_untouched(server, name, data)
    r = put_file(server, name, b"weak", headers={"If-Match": "W/" + strong_etag(data)})
    assert_error(r, 412)  # If-Match compares strongly (RFC 9110 §13.1.1)
    assert_untouched(server, name, data)
    new = b"second version"
    r = put_file(server, name, new, headers={"If-Match": f"{OTHER_ETAG}, {strong_etag(data)}"})
    assert r.status_code == 200, (r.status_code, r.content[:300])
    assert_untouched(server, name, new)
    newer = b"third version"
    r = put_file(server, name, newer, headers={"If-Match": "*"})
    assert r.status_code == 200
    assert_untouched(server, name, newer)
    assert temp_files(server.root) == []


def test_put_if_match_on_absent_name(server):
    for value in ("*", OTHER_ETAG):
        name = random_name(".txt")
        r = put_file(server, name, b"nothing to match", headers={"If-Match": value})
        assert_error(r, 412)
        assert not (server.root / name).exists()
    assert list(server.root.iterdir()) == []


def test_put_if_none_match_star_is_create_only(stored):
    server, name, data = stored
    r = put_file(server, name, b"overwrite attempt", headers={"If-None-Match": "*"})
    assert_error(r, 412)
    assert_untouched(server, name, data)
    fresh = random_name(".txt")
    r = put_file(server, fresh, b"created", headers={"If-None-Match": "*"})
    assert r.status_code == 201, (r.status_code, r.content[:300])
    assert_untouched(server, fresh, b"created")
    assert temp_files(server.root) == []


def test_put_if_none_match_current_etag(stored):
    server, name, data = stored
    r = put_file(server, name, b"no", headers={"If-None-Match": strong_etag(data)})
    assert_error(r, 412)
    assert_untouched(server, name, data)
    r = put_file(server, name, b"yes", headers={"If-None-Match": OTHER_ETAG})
    assert r.status_code == 200
    assert_untouched(server, name, b"yes")


def test_put_if_unmodified_since(stored):
    server, name, data = stored
    lm = lm_of(get_file(server, name))
    r = put_file(server, name, b"late", headers={"If-Unmodified-Since": http_date(lm - timedelta(hours=1))})
    assert_error(r, 412)
    assert_untouched(server, name, data)
    new = b"on time"
    r = put_file(server, name, new, headers={"If-Unmodified-Since": http_date(lm)})
    assert r.status_code == 200, (r.status_code, r.content[:300])
    assert_untouched(server, name, new)


def test_if_match_beats_if_unmodified_since(stored):
    """§13.2.2 step 2: If-Unmodified-Since is only evaluated when If-Match is absent."""
    server, name, data = stored
    lm = lm_of(get_file(server, name))
    new = b"if-match wins"
    r = put_file(server, name, new, headers={"If-Match": strong_etag(data),
                                             "If-Unmodified-Since": http_date(lm - timedelta(days=1))})
    assert r.status_code == 200, (r.status_code, r.content[:300])
    assert_untouched(server, name, new)


# --------------------------------------------------------------------------- DELETE


def test_delete_preconditions(stored):
    server, name, data = stored
    lm = lm_of(get_file(server, name))
    assert_error(delete_file(server, name, headers={"If-Match": OTHER_ETAG}), 412)
    assert_untouched(server, name, data)
    assert_error(delete_file(server, name, headers={"If-Unmodified-Since": http_date(lm - timedelta(hours=1))}),
                 412)
    assert_untouched(server, name, data)
    r = delete_file(server, name, headers={"If-Match": strong_etag(data),
                                           "If-Unmodified-Since": http_date(lm)})
    assert r.status_code == 204, (r.status_code, r.content[:300])
    assert not (server.root / name).exists()


# --------------------------------------------------------------------------- create-only race


def _racing_put(port: int, path: str, body: bytes, barrier: threading.Barrier, out: dict, key: str):
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.connect()
        barrier.wait(TIMEOUT)
        conn.request("PUT", path, body=body, headers={"If-None-Match": "*",
                                                      "Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        out[key] = (resp.status, resp.read())
    except Exception as e:  # reported by the main thread
        out[key] = ("error", repr(e))
    finally:
        conn.close()


@pytest.mark.time_limit(300)
def test_create_only_race(server):
    for round_no in range(20):
        name = random_name(".bin")
        bodies = {"a": b"A" * 4 + os.urandom(256 * 1024), "b": b"B" * 4 + os.urandom(256 * 1024)}
        barrier = threading.Barrier(2)
        out: dict = {}
        threads = [threading.Thread(target=_racing_put, args=(server.port, file_path(name), bodies[k], barrier,
                                                              out, k)) for k in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 3)
        assert not any(t.is_alive() for t in threads), f"round {round_no}: a PUT did not finish"
        statuses = sorted(out[k][0] for k in ("a", "b"))
        assert statuses == [201, 412], f"round {round_no}: statuses {out['a'][0]}, {out['b'][0]} " \
                                       f"({out['a'][1][:200]!r} / {out['b'][1][:200]!r})"
        winner = "a" if out["a"][0] == 201 else "b"
        on_disk = (server.root / name).read_bytes()
        assert on_disk == bodies[winner], f"round {round_no}: stored content is not the 201 winner's"
        g = get_file(server, name)
        assert g.content == bodies[winner] and g.headers.get("etag") == strong_etag(bodies[winner])
    assert temp_files(server.root) == []
