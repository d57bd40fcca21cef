"""Nested names (a/b/c.txt) for PUT/GET/HEAD/DELETE, and POST /files/ with several files and a path."""

from __future__ import annotations

import json
import os

import pytest
import requests

from e2e_helpers import (TIMEOUT, RawConnection, assert_error, assert_raw_error, check_listing, check_metadata,
                         check_upload_body, delete_file, get_file, head_file, list_folder, put_file, random_name,
                         temp_files)


def test_nested_put_get_head_delete(server):
    top = "n" + random_name("")
    name = f"{top}/b/c.txt"
    data = os.urandom(4000)
    r = put_file(server, name, data)
    assert r.status_code == 201, (r.status_code, r.content[:300])
    check_metadata(r.json(), name, data)
    assert r.headers.get("location") == f"/files/{name}"
    assert (server.root / top / "b").is_dir()
    assert (server.root / top / "b" / "c.txt").read_bytes() == data
    g = get_file(server, name)
    assert g.status_code == 200 and g.content == data
    h = head_file(server, name)
    assert h.status_code == 200 and h.headers.get("content-length") == str(len(data))
    r = put_file(server, name, b"v2")
    assert r.status_code == 200
    assert get_file(server, name).content == b"v2"
    assert delete_file(server, name).status_code == 204
    assert get_file(server, name).status_code == 404
    assert not (server.root / top).exists()


def test_deep_nesting(server):
    parts = [f"d{i}" for i in range(20)]
    name = "/".join(parts) + "/leaf.bin"
    data = os.urandom(100)
    assert put_file(server, name, data).status_code == 201
    assert server.root.joinpath(*parts, "leaf.bin").read_bytes() == data
    obj = check_listing(list_folder(server, "/".join(parts) + "/"))
    assert [f["name"] for f in obj["files"]] == [name]
    assert get_file(server, name).content == data
    assert delete_file(server, name).status_code == 204
    assert list(server.root.iterdir()) == []


def test_siblings_share_folders(server):
    for n in ("s/a.txt", "s/b.txt", "s/t/c.txt"):
        assert put_file(server, n, n.encode()).status_code == 201
    for n in ("s/a.txt", "s/b.txt", "s/t/c.txt"):
        assert get_file(server, n).content == n.encode()
    assert delete_file(server, "s/a.txt").status_code == 204
    assert (server.root / "s").is_dir()
    assert get_file(server, "s/b.txt").content == b"s/b.txt"


BAD_TARGETS = ["/files/a//b.txt", "/files/a/./b.txt", "/files/a/../b.txt", "/files/./a.txt", "/files/../a.txt",
               "/files/a/.", "/files/a/..", "/files/a/%2e%2e/b.txt", "/files/a/%2E/b.txt", "/files//a.txt"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_bad_segments_400(server, method):
    assert put_file(server, "a/b.txt", b"keep").status_code == 201
    host = b"Host: 127.0.0.1:" + str(server.port).encode() + b"\r\n"
    for target in BAD_TARGETS:
        body = b"abc" if method == "PUT" else b""
        req = (method.encode() + b" " + target.encode() + b" HTTP/1.1\r\n" + host + b"Connection: close\r\n"
               + (b"Content-Length: 3\r\n" if method == "PUT" else b"") + b"\r\n" + body)
        with RawConnection(server.port) as c:
            c.send(req)
            resp = c.read_response(method)
        if method == "HEAD":
            assert resp.status == 400, f"HEAD {target}: {resp.status}"
        else:
            assert_raw_error(resp, 400, f"{method} {target}")
    assert (server.root / "a" / "b.txt").read_bytes() == b"keep"
    assert sorted(p.relative_to(server.root).as_posix() for p in server.root.rglob("*")) == ["a", "a/b.txt"]


def test_put_under_a_file_fails(server):
    assert put_file(server, "f.txt", b"file").status_code == 201
    r = put_file(server, "f.txt/inner.txt", b"x")
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:300])
    assert_error(r, r.status_code)
    assert (server.root / "f.txt").read_bytes() == b"file"
    assert temp_files(server.root) == []


# --------------------------------------------------------------------------- POST with several files and a path


def post(server, fields: list) -> requests.Response:
    """fields: [(field name, (filename or None, content))] in this order."""
    return requests.post(server.url("/files/"), files=fields, timeout=TIMEOUT)


def check_multi_answer(r: requests.Response, expected: list[tuple[str, bytes]]):
    assert r.status_code == 202, (r.status_code, r.content[:300])
    assert r.headers.get("content-type", "").startswith("application/json")
    obj = r.json()
    assert set(obj.keys()) == {"message", "files"}, obj
    assert isinstance(obj["message"], str) and obj["message"]
    assert isinstance(obj["files"], list) and len(obj["files"]) == len(expected), obj["files"]
    for meta, (name, data) in zip(obj["files"], expected):
        check_metadata(meta, name, data)


def test_post_single_file_no_path_is_original_answer(server):
    name = random_name(".txt")
    r = post(server, [("file", (name, b"one")), ("Button", (None, "Submit"))])
    assert r.status_code == 202
    check_upload_body(r.content, name)
    assert (server.root / name).read_bytes() == b"one"


def test_post_several_files_with_path(server):
    folder = "docs/" + random_name("")
    files = [("a.txt", b"A" * 100), ("b.bin", os.urandom(5000)), ("c d.txt", b"")]
    fields = [("path", (None, folder))] + [("file", (n, d)) for n, d in files] + [("Button", (None, "Submit"))]
    r = post(server, fields)
    check_multi_answer(r, [(f"{folder}/{n}", d) for n, d in files])
    for n, d in files:
        assert (server.root / folder / n).read_bytes() == d
        assert get_file(server, f"{folder}/{n}").content == d
    obj = check_listing(list_folder(server, folder + "/"))
    assert sorted(f["name"] for f in obj["files"]) == sorted(f"{folder}/{n}" for n, _ in files)


def test_post_one_file_with_path(server):
    r = post(server, [("path", (None, "one/two")), ("file", ("x.txt", b"x"))])
    check_multi_answer(r, [("one/two/x.txt", b"x")])
    assert (server.root / "one" / "two" / "x.txt").read_bytes() == b"x"


def test_post_several_files_without_path(server):
    files = [(random_name(".txt"), os.urandom(10)) for _ in range(3)]
    r = post(server, [("file", (n, d)) for n, d in files])
    check_multi_answer(r, files)
    for n, d in files:
        assert (server.root / n).read_bytes() == d


def test_post_path_after_file_400(server):
    r = post(server, [("file", ("early.txt", b"e")), ("path", (None, "late")), ("file", ("later.txt", b"l"))])
    assert_error(r, 400)
    assert not (server.root / "late").exists()
    assert temp_files(server.root) == []


@pytest.mark.parametrize("path", ["../x", "a//b", "/abs", ".", "a/../b", "a/./b", ".."])
def test_post_bad_path_400(server, path):
    r = post(server, [("path", (None, path)), ("file", ("f.txt", b"f"))])
    assert_error(r, 400)
    assert list(server.root.iterdir()) == []
    assert not (server.root.parent / "x").exists() and not (server.root.parent / "f.txt").exists()


def test_post_answer_is_json_object_bytes(server):
    """The multi-file answer is plain JSON (UTF-8), names as given."""
    r = post(server, [("path", (None, "ü")), ("file", ("ñ.txt", b"1")), ("file", ("2.txt", b"2"))])
    check_multi_answer(r, [("ü/ñ.txt", b"1"), ("ü/2.txt", b"2")])
    json.loads(r.content.decode("utf-8"))
