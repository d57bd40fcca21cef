"""PUT /files/{name}: raw bodies (Content-Length, chunked, Expect: 100-continue), 201/200, metadata."""

from __future__ import annotations

import email.utils
import os
import urllib.parse

import requests

from e2e_helpers import (TIMEOUT, RawConnection, check_metadata, chunk, LAST_CHUNK, file_path, get_file,
                         parse_rfc3339, put_file, random_name, random_text, sha256_hex, strong_etag, temp_files)


def check_put(r: requests.Response, status: int, name: str, data: bytes, content_type: str | None = None) -> dict:
    assert r.status_code == status, f"PUT {name!r}: expected {status}, got {r.status_code} {r.content[:300]!r}"
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    meta = check_metadata(r.json(), name, data, content_type)
    assert r.headers.get("etag") == strong_etag(data), f"ETag header {r.headers.get('etag')!r}"
    loc = r.headers.get("location")
    assert loc is not None, f"no Location header: {dict(r.headers)}"
    assert all(0x21 <= ord(c) < 0x7f for c in loc), f"Location not percent-encoded: {loc!r}"
    assert urllib.parse.unquote(loc, errors="strict") == "/files/" + name, f"Location {loc!r} for {name!r}"
    return meta


def test_put_creates_then_replaces(server):
    name = random_name(".bin")
    v1 = os.urandom(100_000)
    r = put_file(server, name, v1)
    meta = check_put(r, 201, name, v1)
    assert r.headers["location"] == "/files/" + name
    assert (server.root / name).read_bytes() == v1
    g = get_file(server, name)
    assert g.status_code == 200 and g.content == v1
    assert g.headers.get("etag") == meta["etag"]

    # Replaced, by a shorter body: 200, no stale tail.
    v2 = os.urandom(10)
    r = put_file(server, name, v2)
    meta2 = check_put(r, 200, name, v2)
    assert meta2["etag"] != meta["etag"]
    assert (server.root / name).read_bytes() == v2
    g = get_file(server, name)
    assert g.status_code == 200 and g.content == v2 and g.headers.get("content-length") == "10"
    assert g.headers.get("etag") == strong_etag(v2)
    assert temp_files(server.root) == []


def test_put_modified_matches_last_modified(server):
    name = random_name(".txt")
    data = random_text(500)
    meta = check_put(put_file(server, name, data), 201, name, data)
    g = get_file(server, name)
    lm = email.utils.parsedate_to_datetime(g.headers["last-modified"])
    assert parse_rfc3339(meta["modified"]) == lm, f"modified {meta['modified']} vs Last-Modified {g.headers['last-modified']}"


def test_put_empty_body(server):
    name = random_name(".dat")
    r = put_file(server, name, b"")
    check_put(r, 201, name, b"")
    assert (server.root / name).read_bytes() == b""
    g = get_file(server, name)
    assert g.status_code == 200 and g.content == b"" and g.headers.get("content-length") == "0"


def test_put_several_mebibytes(server):
    name = random_name(".bin")
    data = os.urandom(5 * 1024 * 1024 + 123)
    check_put(put_file(server, name, data, timeout=60), 201, name, data)
    g = get_file(server, name)
    assert g.status_code == 200 and sha256_hex(g.content) == sha256_hex(data)


def test_put_chunked_with_requests(server):
    name = random_name(".bin")
    pieces = [os.urandom(n) for n in (1, 65536, 100_000, 7, 1 << 20)]
    data = b"".join(pieces)
    r = put_file(server, name, iter(pieces))  # a generator: requests sends Transfer-Encoding: chunked
    assert r.request.headers.get("transfer-encoding") == "chunked"
    check_put(r, 201, name, data)
    assert (server.root / name).read_bytes() == data


def _put_head(port: int, name: str, extra: bytes = b"") -> bytes:
    return (b"PUT " + file_path(name).encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode()
            + b"\r\n" + extra + b"\r\n")


def test_put_chunked_raw(server):
    name = random_name(".txt")
    pieces = [b"hello ", b"", b"chunked ", os.urandom(3000)]
    data = b"".join(pieces)
    with RawConnection(server.port) as c:
        c.send(_put_head(server.port, name, b"Transfer-Encoding: chunked\r\n"))
        for p in pieces:
            if p:
                c.send(chunk(p))
        c.send(LAST_CHUNK)
        resp = c.read_response("PUT")
    assert resp.status == 201, (resp.status, resp.body[:300])
    assert resp.json()["sha256"] == sha256_hex(data)
    assert (server.root / name).read_bytes() == data


def test_put_expect_100_continue(server):
    name = random_name(".bin")
    data = os.urandom(2 * 1024 * 1024)
    with RawConnection(server.port) as c:
        c.send(_put_head(server.port, name, b"Expect: 100-continue\r\nContent-Length: "
                         + str(len(data)).encode() + b"\r\n"))
        status, _, _ = c.read_head()
        assert status == 100, f"expected 100 Continue before sending the body, got {status}"
        c.send(data)
        resp = c.read_response("PUT")
    assert resp.status == 201, (resp.status, resp.body[:300])
    assert resp.json()["sha256"] == sha256_hex(data)
    assert (server.root / name).read_bytes() == data
    assert temp_files(server.root) == []


def test_put_keeps_connection_alive(server):
    names = [random_name(".txt") for _ in range(3)]
    with requests.Session() as s:
        for n in names:
            d = random_text(1000)
            assert put_file(server, n, d, session=s).status_code == 201
            assert put_file(server, n, d + b"!", session=s).status_code == 200
            assert s.get(server.url(file_path(n)), timeout=TIMEOUT).content == d + b"!"
        pool = s.get_adapter(server.base_url).poolmanager.connection_from_url(server.base_url)
        assert pool.num_connections == 1, f"{pool.num_connections} connections for 9 requests"


def test_put_location_is_percent_encoded(server):
    name = "a b&c%d+e#f?g " + random_name(".txt")
    data = b"odd name"
    r = put_file(server, name, data)
    check_put(r, 201, name, data)
    assert (server.root / name).read_bytes() == data
    g = requests.get(server.url(r.headers["location"]), timeout=TIMEOUT)
    assert g.status_code == 200 and g.content == data


def test_put_stores_request_content_type(server):
    name = random_name(".txt")
    data = b"col1,col2\n1,2\n"
    ctype = "text/csv; charset=iso-8859-1"
    r = put_file(server, name, data, headers={"Content-Type": ctype})
    check_put(r, 201, name, data, content_type=ctype)
    g = get_file(server, name)
    assert g.status_code == 200 and g.headers.get("content-type") == ctype
    # Replaced without a Content-Type: guessed from the extension again.
    r = put_file(server, name, data)
    assert r.status_code == 200
    g = get_file(server, name)
    assert g.headers.get("content-type") == "text/plain; charset=utf-8"
    assert r.json()["content_type"] == g.headers.get("content-type")


def test_put_without_content_type_guesses(server):
    for ext, expected in ((".txt", "text/plain; charset=utf-8"), (".png", "image/png"),
                          (".zzqx", "application/octet-stream")):
        name = random_name(ext)
        data = os.urandom(64)
        r = put_file(server, name, data)
        assert "content-type" not in {k.lower() for k in r.request.headers}
        meta = check_put(r, 201, name, data)
        g = get_file(server, name)
        assert g.headers.get("content-type") == expected, f"{name}: {g.headers.get('content-type')!r}"
        assert meta["content_type"] == expected, f"{name}: metadata content_type {meta['content_type']!r}"


def test_put_then_post_same_name(server):
    """PUT and the original POST write the same store."""
    name = random_name(".txt")
    assert put_file(server, name, b"by put").status_code == 201
    r = requests.post(server.url("/files/"), files={"file": (name, b"by post")}, data={"Button": "Submit"},
                      timeout=TIMEOUT)
    assert r.status_code == 202
    assert get_file(server, name).content == b"by post"
    r = put_file(server, name, b"by put again")
    check_put(r, 200, name, b"by put again")
