"""Range requests on GET /files/{name}: single ranges, multipart/byteranges, 416, If-Range."""

from __future__ import annotations

import email.utils
import os
import time

import pytest
import requests

from e2e_helpers import (assert_error, get_file, parse_byteranges, post_file, random_name, strong_etag)

SIZE = 10_000


@pytest.fixture
def stored(server):
    name = random_name(".bin")
    data = os.urandom(SIZE)
    post_file(server, name, data)  # the original upload: these tests do not depend on PUT
    return server, name, data


def get_range(server, name, spec: str, extra: dict | None = None) -> requests.Response:
    return get_file(server, name, headers={"Range": spec, **(extra or {})})


def check_206(r: requests.Response, data: bytes, first: int, last: int):
    size = len(data)
    assert r.status_code == 206, f"{r.request.headers.get('range')}: status {r.status_code} {r.content[:200]!r}"
    assert r.headers.get("content-range") == f"bytes {first}-{last}/{size}", r.headers.get("content-range")
    assert r.headers.get("content-length") == str(last - first + 1)
    assert r.content == data[first:last + 1], f"wrong bytes for {first}-{last}"
    assert r.headers.get("etag") == strong_etag(data)


def test_accept_ranges_advertised(stored):
    server, name, data = stored
    r = get_file(server, name)
    assert r.status_code == 200 and r.content == data
    assert r.headers.get("accept-ranges") == "bytes"


@pytest.mark.parametrize("spec,first,last", [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, SIZE - 1),
    ("bytes=-500", SIZE - 500, SIZE - 1),
    ("bytes=0-0", 0, 0),
    ("bytes=9999-9999", 9999, 9999),
    ("bytes=1234-5678", 1234, 5678),
    ("bytes=9990-20000", 9990, SIZE - 1),   # last-pos past the end: clamped
    ("bytes=-20000", 0, SIZE - 1),          # suffix longer than the file: all of it
    ("bytes=0-", 0, SIZE - 1),
])
def test_single_range(stored, spec, first, last):
    server, name, data = stored
    check_206(get_range(server, name, spec), data, first, last)


def test_range_unit_case_insensitive(stored):
    server, name, data = stored
    # RFC 9110 §14.1: range units are compared case-insensitively.
    check_206(get_range(server, name, "Bytes=10-19"), data, 10, 19)


def test_range_across_read_chunks(server):
    """A range inside a multi-MiB file, spanning the server's 1 MiB read pieces."""
    name = random_name(".bin")
    data = os.urandom(3 * 1024 * 1024 + 5)
    post_file(server, name, data)
    check_206(get_range(server, name, "bytes=1048000-2097500"), data, 1048000, 2097500)
    check_206(get_range(server, name, f"bytes=-{1024 * 1024 + 3}"), data, len(data) - 1024 * 1024 - 3,
              len(data) - 1)


def test_multiple_ranges_multipart(stored):
    server, name, data = stored
    r = get_range(server, name, "bytes=0-99,5000-5099,-100")
    assert r.status_code == 206, (r.status_code, r.content[:200])
    ctype = r.headers.get("content-type", "")
    assert ctype.startswith("multipart/byteranges"), ctype
    assert "boundary=" in ctype
    assert "content-range" not in r.headers, "a multipart answer has Content-Range in the parts only"
    assert r.headers.get("content-length") == str(len(r.content))
    parts = parse_byteranges(ctype, r.content)
    assert [cr for cr, _ in parts] == [f"bytes 0-99/{SIZE}", f"bytes 5000-5099/{SIZE}",
                                       f"bytes {SIZE - 100}-{SIZE - 1}/{SIZE}"]
    assert parts[0][1] == data[0:100]
    assert parts[1][1] == data[5000:5100]
    assert parts[2][1] == data[SIZE - 100:]


def test_multiple_ranges_two_parts(stored):
    server, name, data = stored
    r = get_range(server, name, "bytes=100-199, 8000-")
    assert r.status_code == 206
    parts = parse_byteranges(r.headers["content-type"], r.content)
    assert parts == [(f"bytes 100-199/{SIZE}", data[100:200]), (f"bytes 8000-{SIZE - 1}/{SIZE}", data[8000:])]


@pytest.mark.parametrize("spec", ["bytes=10000-10100", "bytes=20000-", "bytes=10000-"])
def test_unsatisfiable_416(stored, spec):
    server, name, data = stored
    r = get_range(server, name, spec)
    assert_error(r, 416)
    assert r.headers.get("content-range") == f"bytes */{SIZE}", r.headers.get("content-range")


def test_unsatisfiable_on_empty_file(server):
    name = random_name(".bin")
    post_file(server, name, b"")
    r = get_range(server, name, "bytes=0-0")
    assert_error(r, 416)
    assert r.headers.get("content-range") == "bytes */0"


@pytest.mark.parametrize("spec", ["bytes=abc", "bytes=0-1x", "pages=0-1", "bytes 0-1", "bytes=", "bytes=-",
                                  "bytes=1-2-3"])
def test_invalid_range_syntax_gets_whole_file(stored, spec):
    server, name, data = stored
    r = get_range(server, name, spec)
    assert r.status_code == 200, f"{spec!r}: status {r.status_code}"
    assert r.content == data
    assert "content-range" not in r.headers


def test_if_range_current_etag(stored):
    server, name, data = stored
    etag = get_file(server, name).headers["etag"]
    check_206(get_range(server, name, "bytes=0-99", {"If-Range": etag}), data, 0, 99)


def test_if_range_old_etag_gets_whole_new_file(stored):
    server, name, old = stored
    old_etag = strong_etag(old)
    new = os.urandom(SIZE + 10)
    post_file(server, name, new)
    r = get_range(server, name, "bytes=0-99", {"If-Range": old_etag})
    assert r.status_code == 200, r.status_code
    assert r.content == new
    assert "content-range" not in r.headers


def test_if_range_last_modified_date(stored):
    server, name, data = stored
    # A Last-Modified date is a strong validator only when it is at least one second older than the
    # Date of the answer (RFC 9110 §8.8.2.2): wait that second out.
    time.sleep(1.2)
    lm = get_file(server, name).headers["last-modified"]
    check_206(get_range(server, name, "bytes=100-199", {"If-Range": lm}), data, 100, 199)
    older = email.utils.format_datetime(email.utils.parsedate_to_datetime(lm).replace(year=2001), usegmt=True)
    r = get_range(server, name, "bytes=100-199", {"If-Range": older})
    assert r.status_code == 200 and r.content == data, r.status_code


def test_head_with_range(stored):
    server, name, data = stored
    r = requests.head(server.url(f"/files/{name}"), headers={"Range": "bytes=0-9"}, timeout=10)
    assert r.status_code in (200, 206) and r.content == b""
    if r.status_code == 206:
        assert r.headers.get("content-range") == f"bytes 0-9/{SIZE}"
        assert r.headers.get("content-length") == "10"
    else:
        assert r.headers.get("content-length") == str(SIZE)


def test_if_range_weak_etag_gets_whole_file(stored):
    """If-Range needs a strong match (RFC 9110 §13.1.5): W/"<sha>" does not validate."""
    server, name, data = stored
    r = get_range(server, name, "bytes=0-99", {"If-Range": "W/" + strong_etag(data)})
    assert r.status_code == 200 and r.content == data, r.status_code


def test_multiple_ranges_one_unsatisfiable(stored):
    """The unsatisfiable range is left out; what remains is sent as one part, or a one-part multipart."""
    server, name, data = stored
    r = get_range(server, name, "bytes=0-9,20000-30000")
    assert r.status_code == 206, r.status_code
    ctype = r.headers.get("content-type", "")
    if ctype.startswith("multipart/byteranges"):
        assert parse_byteranges(ctype, r.content) == [(f"bytes 0-9/{SIZE}", data[:10])]
    else:
        check_206(r, data, 0, 9)
