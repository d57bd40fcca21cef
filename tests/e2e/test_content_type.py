"""Content types of downloads: stored or guessed type, nosniff, Content-Disposition (RFC 6266/8187)."""

from __future__ import annotations

import os
import re
import urllib.parse

import pytest
import requests

from e2e_helpers import TIMEOUT, file_url, get_file, head_file, put_file, random_name

# RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
EXT_VALUE = re.compile(r"UTF-8''((?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-Fa-f]{2})+)", re.I)


def put_ok(server, name, data, headers=None):
    r = put_file(server, name, data, headers=headers)
    assert r.status_code == 201, (name, r.status_code, r.content[:300])
    return r.json()


def test_nosniff_on_downloads(server):
    name = random_name(".txt")
    put_ok(server, name, b"<html><script>alert(1)</script></html>")
    for r in (get_file(server, name), head_file(server, name), get_file(server, name, headers={"Range": "bytes=0-3"})):
        assert r.status_code in (200, 206)
        assert r.headers.get("x-content-type-options") == "nosniff", f"{r.request.method}: {dict(r.headers)}"
    # Also on a file uploaded with the original POST.
    other = random_name(".bin")
    assert requests.post(server.url("/files/"), files={"file": (other, b"abc")}, data={"Button": "Submit"},
                         timeout=TIMEOUT).status_code == 202
    assert get_file(server, other).headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("ctype", ["image/png", "application/vnd.example+json", "text/csv; charset=iso-8859-1",
                                   "application/octet-stream"])
def test_stored_content_type_served(server, ctype):
    name = random_name(".txt")  # the extension would guess text/plain
    meta = put_ok(server, name, os.urandom(100), headers={"Content-Type": ctype})
    assert meta["content_type"] == ctype
    for r in (get_file(server, name), head_file(server, name)):
        assert r.headers.get("content-type") == ctype, f"{r.request.method}: {r.headers.get('content-type')!r}"


@pytest.mark.parametrize("ext,expected", [
    (".txt", "text/plain; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".json", "application/json"),
    (".png", "image/png"),
    (".pdf", "application/pdf"),
    (".zzqx", "application/octet-stream"),
    ("", "application/octet-stream"),
])
def test_guessed_content_type(server, ext, expected):
    name = random_name(ext)
    meta = put_ok(server, name, os.urandom(100))
    g = get_file(server, name)
    assert g.headers.get("content-type") == expected, f"{name}: {g.headers.get('content-type')!r}"
    assert meta["content_type"] == expected


def _filename_star(cd: str) -> str:
    m = re.search(r"filename\*\s*=\s*([^;]+)", cd)
    assert m, f"no filename* in {cd!r}"
    value = m.group(1).strip()
    m2 = EXT_VALUE.fullmatch(value)
    assert m2, f"filename* value {value!r} is not UTF-8''<attr-chars and %XX>"
    return urllib.parse.unquote(m2.group(1), encoding="utf-8", errors="strict")


@pytest.mark.parametrize("name", ["résumé.txt", "日本語.bin", "naïve café.pdf", "emoji-😀.txt"])
def test_non_ascii_name_disposition(server, name):
    data = os.urandom(50)
    put_ok(server, name, data)
    for r in (get_file(server, name), head_file(server, name)):
        assert r.status_code == 200
        cd = r.headers.get("content-disposition", "")
        assert cd.isascii(), f"non-ASCII bytes in Content-Disposition: {cd!r}"
        assert cd.lower().startswith("attachment"), cd
        decoded = _filename_star(cd)
        assert decoded.endswith(name), f"filename* decodes to {decoded!r}, expected it to end with {name!r}"
        m = re.search(r'filename="([^"]*)"', cd)
        if m:  # the plain fallback, if sent, is ASCII only
            assert m.group(1).isascii()


def test_ascii_name_is_attachment(server):
    name = random_name(".txt")
    put_ok(server, name, b"abc")
    cd = get_file(server, name).headers.get("content-disposition", "")
    assert cd.startswith("attachment"), cd


def test_inline_query(server):
    for name in (random_name(".txt"), "é-" + random_name(".png")):
        put_ok(server, name, b"\x89PNG\r\n\x1a\n" + os.urandom(50))
        for method in ("GET", "HEAD"):
            r = requests.request(method, file_url(server, name) + "?inline=1", timeout=TIMEOUT)
            assert r.status_code == 200, (method, r.status_code)
            cd = r.headers.get("content-disposition", "")
            assert cd.startswith("inline"), f"{method} ?inline=1: {cd!r}"
            assert r.headers.get("x-content-type-options") == "nosniff"
        r = requests.get(file_url(server, name), timeout=TIMEOUT)
        assert r.headers.get("content-disposition", "").startswith("attachment")
