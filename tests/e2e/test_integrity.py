"""Integrity: Content-Digest (RFC 9530) and Content-MD5 on uploads, Repr-Digest on downloads."""

from __future__ import annotations

import base64
import hashlib
import os
import re

import pytest
import requests

from e2e_helpers import (TIMEOUT, assert_error, get_file, head_file, md5_b64, multipart_body, put_file,
                         random_name, sha256_b64, sha256_digest_field, strong_etag, temp_files)


def wrong_sha256_field(data: bytes) -> str:
    return sha256_digest_field(data + b"tampered")


def assert_digest_rejected(r: requests.Response, words=("digest",)):
    detail = assert_error(r, 400)
    text = str(detail).lower()
    assert any(w in text for w in words), f"detail {detail!r} does not mention the digest"


def assert_intact(server, name: str, data: bytes | None):
    if data is None:
        assert not (server.root / name).exists(), f"{name} was created"
        assert get_file(server, name).status_code == 404
    else:
        assert (server.root / name).read_bytes() == data
        g = get_file(server, name)
        assert g.status_code == 200 and g.content == data and g.headers.get("etag") == strong_etag(data)
    assert temp_files(server.root) == []


# --------------------------------------------------------------------------- PUT


def test_put_correct_content_digest(server):
    name = random_name(".bin")
    data = os.urandom(200_000)
    r = put_file(server, name, data, headers={"Content-Digest": sha256_digest_field(data)})
    assert r.status_code == 201, (r.status_code, r.content[:300])
    assert_intact(server, name, data)


def test_put_correct_content_md5(server):
    name = random_name(".bin")
    data = os.urandom(200_000)
    r = put_file(server, name, data, headers={"Content-MD5": md5_b64(data)})
    assert r.status_code == 201, (r.status_code, r.content[:300])
    assert_intact(server, name, data)


def test_put_content_digest_mismatch_new_name(server):
    name = random_name(".bin")
    data = os.urandom(100_000)
    r = put_file(server, name, data, headers={"Content-Digest": wrong_sha256_field(data)})
    assert_digest_rejected(r)
    assert_intact(server, name, None)


def test_put_content_digest_mismatch_keeps_previous(server):
    name = random_name(".bin")
    old = os.urandom(50_000)
    assert put_file(server, name, old).status_code == 201
    new = os.urandom(4 * 1024 * 1024)
    r = put_file(server, name, new, headers={"Content-Digest": wrong_sha256_field(new)}, timeout=60)
    assert_digest_rejected(r)
    assert_intact(server, name, old)


def test_put_content_md5_mismatch_keeps_previous(server):
    name = random_name(".bin")
    old = os.urandom(50_000)
    assert put_file(server, name, old).status_code == 201
    new = os.urandom(300_000)
    r = put_file(server, name, new, headers={"Content-MD5": md5_b64(new + b"x")})
    assert_digest_rejected(r, words=("digest", "md5"))
    assert_intact(server, name, old)


def test_put_chunked_digest_mismatch(server):
    name = random_name(".bin")
    old = b"old version"
    assert put_file(server, name, old).status_code == 201
    pieces = [os.urandom(100_000) for _ in range(5)]
    data = b"".join(pieces)
    r = put_file(server, name, iter(pieces), headers={"Content-Digest": wrong_sha256_field(data)})
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert_digest_rejected(r)
    assert_intact(server, name, old)
    # The same chunked upload with the right digest is accepted.
    r = put_file(server, name, iter(pieces), headers={"Content-Digest": sha256_digest_field(data)})
    assert r.status_code == 200, (r.status_code, r.content[:300])
    assert_intact(server, name, data)


def test_put_digest_with_other_algorithms_listed(server):
    """RFC 9530: a Content-Digest may list several algorithms; sha-256 is checked."""
    name = random_name(".bin")
    data = os.urandom(10_000)
    sha512 = base64.b64encode(hashlib.sha512(data).digest()).decode()
    r = put_file(server, name, data, headers={"Content-Digest": f"sha-512=:{sha512}:, {sha256_digest_field(data)}"})
    assert r.status_code == 201, (r.status_code, r.content[:300])
    r = put_file(server, name, b"other", headers={"Content-Digest": f"sha-512=:{sha512}:, {sha256_digest_field(data)}"})
    assert_digest_rejected(r)
    assert_intact(server, name, data)


def test_put_empty_body_digest(server):
    name = random_name(".txt")
    r = put_file(server, name, b"", headers={"Content-Digest": sha256_digest_field(b"")})
    assert r.status_code == 201
    r = put_file(server, name, b"", headers={"Content-Digest": sha256_digest_field(b"x")})
    assert_digest_rejected(r)
    assert_intact(server, name, b"")


# --------------------------------------------------------------------------- POST


def _post(server, body: bytes, boundary: str, headers: dict) -> requests.Response:
    return requests.post(server.url("/files/"), data=body, timeout=TIMEOUT,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **headers})


def test_post_content_digest(server):
    """On POST the digest covers the request content: the whole multipart body."""
    name = random_name(".bin")
    old = b"previous"
    assert put_file(server, name, old).status_code == 201
    data = os.urandom(300_000)
    body, boundary = multipart_body(name, data)
    r = _post(server, body, boundary, {"Content-Digest": sha256_digest_field(body + b"!")})
    assert_digest_rejected(r)
    assert_intact(server, name, old)
    r = _post(server, body, boundary, {"Content-MD5": md5_b64(body + b"!")})
    assert_digest_rejected(r, words=("digest", "md5"))
    assert_intact(server, name, old)
    r = _post(server, body, boundary, {"Content-Digest": sha256_digest_field(body)})
    assert r.status_code == 202, (r.status_code, r.content[:300])
    assert_intact(server, name, data)
    data2 = os.urandom(1000)
    body, boundary = multipart_body(name, data2)
    r = _post(server, body, boundary, {"Content-MD5": md5_b64(body)})
    assert r.status_code == 202, (r.status_code, r.content[:300])
    assert_intact(server, name, data2)


# --------------------------------------------------------------------------- Repr-Digest


def test_repr_digest_on_get_and_head(server):
    name = random_name(".bin")
    data = os.urandom(123_456)
    assert put_file(server, name, data).status_code == 201
    want = f"sha-256=:{sha256_b64(data)}:"
    for r in (get_file(server, name), head_file(server, name)):
        assert r.status_code == 200
        assert r.headers.get("repr-digest") == want, f"{r.request.method}: Repr-Digest {r.headers.get('repr-digest')!r}"
    r = get_file(server, name, headers={"Want-Repr-Digest": "sha-256=5"})
    assert r.headers.get("repr-digest") == want


def test_want_repr_digest_zero(server):
    name = random_name(".bin")
    data = os.urandom(1000)
    assert put_file(server, name, data).status_code == 201
    for method in (get_file, head_file):
        r = method(server, name, headers={"Want-Repr-Digest": "sha-256=0"})
        assert r.status_code == 200
        assert "repr-digest" not in r.headers, f"{r.request.method}: {r.headers.get('repr-digest')!r}"


def test_repr_digest_on_partial_content_is_of_the_whole(server):
    """Repr-Digest describes the selected representation, not the range sent (RFC 9530 §3)."""
    name = random_name(".bin")
    data = os.urandom(10_000)
    assert put_file(server, name, data).status_code == 201
    r = get_file(server, name, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206
    if "repr-digest" in r.headers:
        assert r.headers["repr-digest"] == f"sha-256=:{sha256_b64(data)}:"


def test_repr_digest_of_hand_placed_file_is_right(server):
    """A file put in the root by hand has no recorded hash: any Repr-Digest sent must still be right."""
    data = os.urandom(5000)
    (server.root / "hand.bin").write_bytes(data)
    r = get_file(server, "hand.bin")
    assert r.status_code == 200 and r.content == data
    if "repr-digest" in r.headers:
        assert r.headers["repr-digest"] == f"sha-256=:{sha256_b64(data)}:"
    etag = r.headers.get("etag")
    if etag and re.fullmatch(r'"[0-9a-f]{64}"', etag):
        assert etag == strong_etag(data), "a SHA-256 ETag that is not the content's"


def test_repeated_downloads_follow_every_overwrite(server):
    """Hot small files are served from memory on the network threads (metadata cached per file
    version): a download after an overwrite must never show the previous content or validators."""
    name = random_name(".bin")
    session = requests.Session()
    for round_number in range(40):
        data = os.urandom(1 + (round_number * 997) % 60_000)
        assert put_file(server, name, data).status_code in (200, 201, 204)
        for _ in range(3):
            r = session.get(server.url(f"/files/{name}"), headers={"Want-Repr-Digest": "sha-256=1"},
                            timeout=TIMEOUT)
            assert r.status_code == 200
            assert r.content == data, f"round {round_number}: stale or wrong bytes"
            assert r.headers["ETag"] == strong_etag(data)
            assert r.headers["Repr-Digest"] == sha256_digest_field(data)
