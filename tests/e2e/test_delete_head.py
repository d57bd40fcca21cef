"""HEAD /files/{name} (the GET headers, no body) and DELETE /files/{name}."""

from __future__ import annotations

import os
import re

import requests

from e2e_helpers import (TIMEOUT, RawConnection, assert_error, delete_file, file_path, get_file, head_file,
                         put_file, random_name, random_text, strong_etag, temp_files)

# Headers that must be the same on HEAD as on GET (Date and the time stamp in the attachment name may
# move on by a second between the two requests).
SAME_HEADERS = ("content-type", "content-length", "etag", "last-modified", "accept-ranges", "repr-digest",
                "x-content-type-options")


def _cd_without_stamp(value: str | None) -> str | None:
    return None if value is None else re.sub(r"\d{14}", "<stamp>", value)


def test_head_has_get_headers_without_body(server):
    name = random_name(".txt")
    data = random_text(12345)
    assert put_file(server, name, data).status_code == 201
    g = get_file(server, name)
    h = head_file(server, name)
    assert g.status_code == 200 and h.status_code == 200, (g.status_code, h.status_code)
    assert h.content == b""
    assert h.headers.get("content-length") == str(len(data))
    for k in SAME_HEADERS:
        assert h.headers.get(k) == g.headers.get(k), f"{k}: HEAD {h.headers.get(k)!r} vs GET {g.headers.get(k)!r}"
    assert _cd_without_stamp(h.headers.get("content-disposition")) == \
        _cd_without_stamp(g.headers.get("content-disposition"))
    assert h.headers.get("etag") == strong_etag(data)


def test_head_sends_no_body_on_the_wire(server):
    """On one kept-alive connection: HEAD, then GET /health must parse as the very next response."""
    name = random_name(".bin")
    data = os.urandom(50_000)
    assert put_file(server, name, data).status_code == 201
    host = b"Host: 127.0.0.1:" + str(server.port).encode() + b"\r\n"
    with RawConnection(server.port) as c:
        c.send(b"HEAD " + file_path(name).encode() + b" HTTP/1.1\r\n" + host + b"\r\n")
        h = c.read_response("HEAD")
        assert h.status == 200 and h.header("content-length") == str(len(data))
        c.send(b"GET /health HTTP/1.1\r\n" + host + b"\r\n")
        nxt = c.read_response("GET")
        assert nxt.status == 200 and nxt.json() == {"status": "alive"}, (nxt.status, nxt.body[:200])


def test_head_missing_404(server):
    h = head_file(server, random_name(".txt"))
    assert h.status_code == 404 and h.content == b""


def test_delete_existing_204(server):
    name = random_name(".txt")
    assert put_file(server, name, b"bye").status_code == 201
    r = delete_file(server, name)
    assert r.status_code == 204, (r.status_code, r.content[:200])
    assert r.content == b""
    assert not (server.root / name).exists()
    assert_error(get_file(server, name), 404)
    assert head_file(server, name).status_code == 404
    # And again: gone.
    assert_error(delete_file(server, name), 404)


def test_delete_absent_404(server):
    assert_error(delete_file(server, random_name(".txt")), 404)
    assert_error(delete_file(server, "no/such/" + random_name(".txt")), 404)
    assert list(server.root.iterdir()) == []


def test_delete_then_put_again(server):
    name = random_name(".txt")
    assert put_file(server, name, b"one").status_code == 201
    assert delete_file(server, name).status_code == 204
    assert put_file(server, name, b"two").status_code == 201, "a name freed by DELETE is new again"
    assert get_file(server, name).content == b"two"


def test_delete_removes_emptied_parent_folder(server):
    name = "d" + random_name("") + "/f.txt"
    assert put_file(server, name, b"x").status_code == 201
    folder = server.root / name.split("/")[0]
    assert folder.is_dir()
    assert delete_file(server, name).status_code == 204
    assert not folder.exists(), "the emptied folder was left behind"
    assert server.root.is_dir(), "the storage root itself must stay"
    assert list(server.root.iterdir()) == []


def test_delete_removes_emptied_ancestors(server):
    top = "t" + random_name("")
    name = f"{top}/b/c/f.txt"
    assert put_file(server, name, b"x").status_code == 201
    assert delete_file(server, name).status_code == 204
    assert not (server.root / top).exists(), f"left behind: {[str(p) for p in (server.root / top).rglob('*')]}"
    assert server.root.is_dir() and list(server.root.iterdir()) == []


def test_delete_keeps_non_empty_parent(server):
    top = "k" + random_name("")
    assert put_file(server, f"{top}/a.txt", b"a").status_code == 201
    assert put_file(server, f"{top}/sub/b.txt", b"b").status_code == 201
    assert delete_file(server, f"{top}/sub/b.txt").status_code == 204
    assert not (server.root / top / "sub").exists()
    assert (server.root / top / "a.txt").read_bytes() == b"a"
    assert get_file(server, f"{top}/a.txt").content == b"a"


def test_delete_if_match(server):
    name = random_name(".txt")
    data = b"guarded"
    assert put_file(server, name, data).status_code == 201
    r = delete_file(server, name, headers={"If-Match": '"' + "0" * 64 + '"'})
    assert_error(r, 412)
    assert (server.root / name).read_bytes() == data
    assert get_file(server, name).content == data
    r = delete_file(server, name, headers={"If-Match": strong_etag(data)})
    assert r.status_code == 204, (r.status_code, r.content[:200])
    assert not (server.root / name).exists()
    assert temp_files(server.root) == []


def test_delete_keeps_connection_alive(server):
    with requests.Session() as s:
        for _ in range(3):
            name = random_name(".txt")
            assert put_file(server, name, b"z", session=s).status_code == 201
            assert delete_file(server, name, session=s).status_code == 204
            assert delete_file(server, name, session=s).status_code == 404
        assert s.get(server.url("/health"), timeout=TIMEOUT).status_code == 200
        pool = s.get_adapter(server.base_url).poolmanager.connection_from_url(server.base_url)
        assert pool.num_connections == 1, f"{pool.num_connections} connections"
