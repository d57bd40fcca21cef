"""Listings: GET /files/ and GET /files/{folder}/ with prefix=, limit= and cursor=."""

from __future__ import annotations

import os
import random

import pytest

from e2e_helpers import (TEMP_PREFIX, assert_error, check_listing, delete_file, list_all, list_folder,
                         make_empty_files, page_entries, put_file, random_name)


def put_ok(server, name: str, data: bytes = b"x", headers=None) -> dict:
    r = put_file(server, name, data, headers=headers)
    assert r.status_code == 201, (name, r.status_code, r.content[:300])
    return r.json()


def byte_sorted(names):
    return sorted(names, key=lambda n: n.encode())


def test_empty_root(server):
    obj = check_listing(list_folder(server))
    assert obj == {"files": [], "folders": [], "next": None}


def test_root_and_folder_listing(server):
    metas = {}
    for name, data in (("a.txt", b"aaa"), ("c.txt", b"c"), ("b/x.txt", b"xx"), ("b/sub/y.txt", b"y"),
                       ("b/sub/deeper/z.txt", b"z")):
        metas[name] = put_ok(server, name, data)

    root = check_listing(list_folder(server))
    assert [f["name"] for f in root["files"]] == ["a.txt", "c.txt"]
    assert root["folders"] == ["b/"]
    assert root["next"] is None

    b = check_listing(list_folder(server, "b/"))
    assert [f["name"] for f in b["files"]] == ["b/x.txt"]
    assert b["folders"] == ["b/sub/"]
    assert b["next"] is None

    sub = check_listing(list_folder(server, "b/sub/"))
    assert [f["name"] for f in sub["files"]] == ["b/sub/y.txt"]
    assert sub["folders"] == ["b/sub/deeper/"]

    # Each file entry carries the same values as the PUT answer.
    for obj in (root, b, sub):
        for f in obj["files"]:
            m = metas[f["name"]]
            assert f == {k: m[k] for k in ("name", "size", "modified", "etag", "content_type")}, (f, m)


def test_entries_sorted_by_bytes(server):
    names = ["b.txt", "B.txt", "a.txt", "_u.txt", "Z.txt", "z.txt", "é.txt", "10.txt", "9.txt", "a b.txt",
             "ab.txt", "a-b.txt"]
    for n in names:
        put_ok(server, n)
    for n in ("m/x", "D/x", "ü/x"):
        put_ok(server, n)
    obj = check_listing(list_folder(server))
    files = [f["name"] for f in obj["files"]]
    assert files == byte_sorted(names), files
    assert obj["folders"] == byte_sorted(["m/", "D/", "ü/"]), obj["folders"]


def test_paging_interleaves_files_and_folders(server):
    for n in ("a.txt", "c.txt", "e.txt", "b/1", "d/1", "f/1"):
        put_ok(server, n)
    expected = ["a.txt", "b/", "c.txt", "d/", "e.txt", "f/"]
    assert page_entries(check_listing(list_folder(server))) == expected
    for limit in (1, 2, 4, 5, 6, 7):
        names, pages = list_all(server, limit=limit)
        assert names == expected, f"limit={limit}: {names}"
        for p in pages:
            assert len(p["files"]) + len(p["folders"]) <= limit, f"limit={limit}: page {p}"
        for p in pages[:-1]:
            assert len(p["files"]) + len(p["folders"]) == limit, f"limit={limit}: short page before the end {p}"
    # limit=2: exactly [a.txt, b/], [c.txt, d/], [e.txt, f/]
    names, pages = list_all(server, limit=2)
    assert [page_entries(p) for p in pages if page_entries(p)] == [expected[0:2], expected[2:4], expected[4:6]]


def test_folder_name_sorts_with_its_slash(server):
    """A folder's name is "b/": in byte order "b.txt" < "b/" < "b0.txt"."""
    for n in ("b.txt", "b0.txt", "b/x"):
        put_ok(server, n)
    names, _ = list_all(server, limit=1)
    assert names == ["b.txt", "b/", "b0.txt"], names


def test_paging_in_a_folder(server):
    folder = "p" + random_name("") + "/"
    files = [f"{folder}{i:03d}.txt" for i in range(25)]
    subs = [f"{folder}{i:03d}x/" for i in range(0, 25, 5)]
    for n in files:
        put_ok(server, n)
    for s in subs:
        put_ok(server, s + "inner.txt")
    expected = byte_sorted(files + subs)
    names, pages = list_all(server, folder, limit=7)
    assert names == expected
    assert len(set(names)) == len(names)
    assert pages[-1]["next"] is None


def test_prefix(server):
    for n in ("apple.txt", "apricot.txt", "banana.txt", "ap/x.txt", "zz/y.txt", "apx/y.txt"):
        put_ok(server, n)
    obj = check_listing(list_folder(server, prefix="ap"))
    assert [f["name"] for f in obj["files"]] == ["apple.txt", "apricot.txt"]
    assert obj["folders"] == ["ap/", "apx/"]
    obj = check_listing(list_folder(server, prefix="apr"))
    assert [f["name"] for f in obj["files"]] == ["apricot.txt"] and obj["folders"] == []
    obj = check_listing(list_folder(server, prefix="q"))
    assert obj == {"files": [], "folders": [], "next": None}
    names, _ = list_all(server, prefix="ap", limit=1)
    assert names == ["ap/", "apple.txt", "apricot.txt", "apx/"]


def test_default_limit_is_1000(server):
    folder = server.root / "many"
    folder.mkdir()
    make_empty_files(folder, (f"f{i:05d}" for i in range(1001)))
    first = check_listing(list_folder(server, "many/"))
    assert len(first["files"]) == 1000 and first["folders"] == []
    assert first["next"] is not None
    second = check_listing(list_folder(server, "many/", cursor=first["next"]))
    assert [f["name"] for f in second["files"]] == ["many/f01000"]
    assert second["next"] is None
    assert [f["name"] for f in first["files"]] == [f"many/f{i:05d}" for i in range(1000)]


@pytest.mark.parametrize("limit", ["0", "10001", "abc", "-1", "1.5", "99999999999999999999999"])
def test_bad_limit_400(server, limit):
    put_ok(server, "a.txt")
    assert_error(list_folder(server, limit=limit), 400)


def test_limit_bounds_accepted(server):
    put_ok(server, "a.txt")
    for limit in ("1", "10000"):
        obj = check_listing(list_folder(server, limit=limit))
        assert [f["name"] for f in obj["files"]] == ["a.txt"]


def test_missing_folder_404(server):
    put_ok(server, "a.txt")
    put_ok(server, "f/b.txt")
    assert_error(list_folder(server, "nope/"), 404)
    assert_error(list_folder(server, "f/nope/"), 404)
    assert_error(list_folder(server, "a.txt/"), 404)


def test_temp_files_never_listed(server):
    put_ok(server, "sub/real.txt")
    put_ok(server, "top.txt")
    (server.root / (TEMP_PREFIX + "0123abcd")).write_bytes(b"partial")
    (server.root / "sub" / (TEMP_PREFIX + "4567ef")).write_bytes(b"partial")
    root = check_listing(list_folder(server))
    assert [f["name"] for f in root["files"]] == ["top.txt"] and root["folders"] == ["sub/"]
    sub = check_listing(list_folder(server, "sub/"))
    assert [f["name"] for f in sub["files"]] == ["sub/real.txt"] and sub["folders"] == []
    names, _ = list_all(server, limit=1)
    assert names == ["sub/", "top.txt"]
    obj = check_listing(list_folder(server, prefix=TEMP_PREFIX[:3]))
    assert obj["files"] == [] and obj["folders"] == []


def test_deleted_file_not_listed(server):
    put_ok(server, "keep.txt")
    put_ok(server, "gone.txt")
    assert delete_file(server, "gone.txt").status_code == 204
    obj = check_listing(list_folder(server))
    assert [f["name"] for f in obj["files"]] == ["keep.txt"]


def test_hand_placed_files_listed(server):
    (server.root / "hand").mkdir()
    (server.root / "hand" / "h.txt").write_bytes(b"12345")
    obj = check_listing(list_folder(server, "hand/"))
    assert len(obj["files"]) == 1
    f = obj["files"][0]
    assert f["name"] == "hand/h.txt" and f["size"] == 5


@pytest.mark.large
@pytest.mark.local_disk("100,000 creates and removals take over 7 minutes through ceph-fuse on the "
                        "test cluster; the ceph runs page through smaller folders")
@pytest.mark.time_limit(600)
def test_100k_files_paged(server):
    folder = server.root / "big"
    folder.mkdir()
    count = 100_000
    names = [f"f{i:06d}.dat" for i in range(count)]
    random.shuffle(names)
    make_empty_files(folder, names)
    expected = byte_sorted("big/" + n for n in names)

    limit = 10000
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        pages += 1
        assert pages <= count // limit + 2, "too many pages"
        obj = check_listing(list_folder(server, "big/", limit=limit, cursor=cursor))
        assert obj["folders"] == []
        assert len(obj["files"]) <= limit
        page = [f["name"] for f in obj["files"]]
        assert all(f["size"] == 0 for f in obj["files"])
        assert page == byte_sorted(page), f"page {pages} not sorted"
        if seen and page:
            assert seen[-1].encode() < page[0].encode(), f"page {pages} starts at {page[0]} after {seen[-1]}"
        seen += page
        cursor = obj["next"]
        if cursor is None:
            break
        assert len(page) == limit, f"page {pages} has {len(page)} entries but is not the last"
    assert len(seen) == len(set(seen)), f"{len(seen) - len(set(seen))} duplicates"
    missing = set(expected) - set(seen)
    assert not missing, f"{len(missing)} missing, e.g. {sorted(missing)[:5]}"
    assert seen == expected
