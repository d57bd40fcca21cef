"""Names that try to leave the storage root, in uploads and downloads, and symlinks out of it.

Layout under tmp_path: root/ is the server's storage root; outside/ is a sentinel directory next to
it that no request may read or change.
"""

from __future__ import annotations

import os
import urllib.parse

import pytest
import requests

from e2e_helpers import (TIMEOUT, multipart_body, random_name, raw_get, sha256_hex, snapshot, temp_files)


@pytest.fixture
def layout(server, tmp_path):
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    secret = b"SECRET-" + os.urandom(16).hex().encode() + b"\n"
    (outside / "secret.txt").write_bytes(secret)
    (outside / "sub" / "inner.txt").write_bytes(secret + b"inner")
    return server, tmp_path, outside, secret


def outside_state(tmp_path, outside):
    top = sorted(n for n in os.listdir(tmp_path) if not n.startswith("server-"))
    return top, snapshot(outside)


def files_with_content(root, content: bytes) -> list[str]:
    hits = []
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p) and open(p, "rb").read() == content:
                hits.append(os.path.relpath(p, root))
    return hits


def post_name(server, filename: bytes | str, content: bytes, **kw) -> requests.Response:
    body, boundary = multipart_body(filename, content, **kw)
    return requests.post(server.url("/files/"), data=body,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=TIMEOUT)


def rejected_upload_names(tmp_path) -> list[bytes]:
    abs_out = str(tmp_path / "outside" / "new.txt").encode()
    abs_top = str(tmp_path / "escaped.txt").encode()
    return [
        b"../x", b"../outside/new.txt", b"../../x", b"..", b".", b"x/../../outside/new.txt", b"sub/../x",
        abs_out, abs_top, b"/x", b"a\\b", b"..\\outside\\new.txt", b"C:\\x\\y.txt",
        b"a\x01b", b"a\x1fb", b"a\x7fb", b"a\tb", b"a\x00b",
        b"a" * 256, "é".encode() * 128,  # 256 bytes
        b"sub/", b"a//b", b".simplefs.tmp.deadbeef", b"sub/.simplefs.tmp.0abc",
    ]


def test_upload_names_that_must_be_rejected(layout):
    server, tmp_path, outside, secret = layout
    before = outside_state(tmp_path, outside)
    for name in rejected_upload_names(tmp_path):
        content = b"payload " + os.urandom(8).hex().encode()
        r = post_name(server, name, content)
        assert r.status_code == 400, f"filename {name!r}: status {r.status_code} body {r.content[:200]!r}"
        assert "detail" in r.json(), name
        assert list(server.root.iterdir()) == [], f"filename {name!r} left {list(server.root.iterdir())}"
        assert outside_state(tmp_path, outside) == before, f"filename {name!r} changed the outside"


def test_empty_upload_name_rejected(layout):
    server, tmp_path, outside, secret = layout
    r = post_name(server, b"", b"data")
    assert r.status_code in (400, 422), r.status_code  # 422: treated as "no file"
    assert list(server.root.iterdir()) == []


@pytest.mark.parametrize("name", [b"..%2Fx", b"%2e%2e/x", b"%2e%2e%2foutside%2fnew.txt", b"...", b"..x", b"x..",
                                  b"..%5Coutside%5Cnew.txt"])
def test_upload_names_literal_percent(layout, name):
    """Percent signs in a multipart filename are literal. Stored inside the root, or refused."""
    server, tmp_path, outside, secret = layout
    before = outside_state(tmp_path, outside)
    content = b"literal " + os.urandom(8).hex().encode()
    r = post_name(server, name, content)
    assert outside_state(tmp_path, outside) == before
    if r.status_code == 202:
        assert files_with_content(server.root, content), f"{name!r}: 202 but stored nowhere in the root"
        assert (server.root / name.decode()).read_bytes() == content
    else:
        assert r.status_code == 400, f"{name!r}: {r.status_code}"
        assert files_with_content(server.root, content) == []
    assert temp_files(server.root) == [] and temp_files(outside) == []


def test_upload_rfc5987_filename_star(layout):
    """filename*=UTF-8''..%2F..  decodes to a traversal: refused, or ignored in favour of filename."""
    server, tmp_path, outside, secret = layout
    before = outside_state(tmp_path, outside)
    content = b"star " + os.urandom(8).hex().encode()
    r = post_name(server, "safe.txt", content,
                  disposition_extra=b"; filename*=UTF-8''..%2F..%2Foutside%2Fnew.txt")
    assert outside_state(tmp_path, outside) == before
    if r.status_code == 202:
        assert files_with_content(server.root, content) == ["safe.txt"]
    else:
        assert r.status_code == 400, r.status_code


def test_longest_names_accepted(layout):
    server, tmp_path, outside, secret = layout
    for name in ("a" * 251 + ".txt", "é" * 127 + "a", "ü-" + random_name(".txt")):
        assert len(name.encode()) <= 255
        content = os.urandom(100)
        r = post_name(server, name, content)
        assert r.status_code == 202, f"{len(name.encode())}-byte name: {r.status_code} {r.content[:200]!r}"
        assert (server.root / name).read_bytes() == content
        g = requests.get(server.url("/files/" + urllib.parse.quote(name)), timeout=TIMEOUT)
        assert g.status_code == 200 and g.content == content


def download_targets(tmp_path) -> list[str]:
    secret_abs = str(tmp_path / "outside" / "secret.txt")
    q = urllib.parse.quote(secret_abs, safe="")
    return [
        "/files/../outside/secret.txt",
        "/files/..%2Foutside%2Fsecret.txt",
        "/files/..%2foutside%2fsecret.txt",
        "/files/%2e%2e/outside/secret.txt",
        "/files/%2e%2e%2foutside%2fsecret.txt",
        "/files/%2E%2E%2Foutside%2Fsecret.txt",
        "/files/..%252Foutside%252Fsecret.txt",
        "/files/" + "..%2F" * 12 + "etc%2Fpasswd",
        "/files/../../../../../../../../etc/passwd",
        "/files//etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files/" + q,
        "/files//" + secret_abs.lstrip("/"),
        "/files/..%5Coutside%5Csecret.txt",
        "/files/a%5Cb",
        "/files/a%00b",
        "/files/a%01b",
        "/files/a%0Ab",
        "/files/a%0D%0AX-Injected:%201",
        "/files/a%7Fb",
        "/files/" + "a" * 256,
        "/files/" + "%61" * 256,
        "/files/..",
        "/files/%2e%2e",
        "/files/.",
        "/files/%2e",
        "/files/.simplefs.tmp.0123abcd",
    ]


def assert_no_leak(resp, secret: bytes, what: str):
    assert secret not in resp.body, f"{what}: the outside content was served"
    assert b"root:x:0:0" not in resp.body, f"{what}: /etc/passwd was served"


def test_download_traversal_names(layout):
    server, tmp_path, outside, secret = layout
    before = outside_state(tmp_path, outside)
    for target in download_targets(tmp_path):
        r = raw_get(server.port, target)
        assert_no_leak(r, secret, target)
        assert r.status in (400, 404), f"GET {target}: status {r.status}"
        assert r.header("x-injected") is None
    assert outside_state(tmp_path, outside) == before
    assert requests.get(server.url("/health"), timeout=TIMEOUT).status_code == 200


def test_download_raw_backslash_target(layout):
    """A raw backslash in the request target: refused by the parser or the name rules."""
    server, tmp_path, outside, secret = layout
    try:
        r = raw_get(server.port, b"/files/..\\outside\\secret.txt")
    except ConnectionError:
        return  # the HTTP parser dropped the request: nothing was served
    assert_no_leak(r, secret, "raw backslash")
    assert r.status in (400, 404), r.status


def test_temp_file_never_visible(layout):
    server, tmp_path, outside, secret = layout
    hidden = server.root / ".simplefs.tmp.0123abcd"
    hidden.write_bytes(secret)
    r = raw_get(server.port, "/files/.simplefs.tmp.0123abcd")
    assert r.status in (400, 404), r.status
    assert secret not in r.body


def test_symlinks_out_of_the_root(layout):
    server, tmp_path, outside, secret = layout
    root = server.root
    os.symlink(outside / "secret.txt", root / "link_file")
    os.symlink(outside, root / "link_dir")
    (root / "sub").mkdir()
    os.symlink("../../outside", root / "sub" / "link_up")
    before = outside_state(tmp_path, outside)

    for target in ("/files/link_file", "/files/link_dir%2Fsecret.txt", "/files/link_dir/secret.txt",
                   "/files/sub%2Flink_up%2Fsecret.txt", "/files/sub/link_up/secret.txt",
                   "/files/link_dir%2Fsub%2Finner.txt"):
        r = raw_get(server.port, target)
        assert_no_leak(r, secret, target)
        assert 400 <= r.status < 500, f"GET {target} through a symlink out of the root: {r.status}"

    for name in ("link_file", "link_dir/new.txt", "link_dir/secret.txt", "sub/link_up/new.txt",
                 "link_dir/sub/inner.txt"):
        content = b"via-link " + os.urandom(8).hex().encode()
        r = post_name(server, name, content)
        assert outside_state(tmp_path, outside) == before, f"upload to {name!r} changed the outside"
        assert temp_files(outside) == []
        if r.status_code == 202:
            # Only acceptable if the link itself was replaced inside the root.
            g = raw_get(server.port, "/files/" + urllib.parse.quote(name, safe=""))
            assert g.status == 200 and g.body == content, f"{name!r}: 202 but not readable back"
        else:
            assert 400 <= r.status_code < 500, f"upload to {name!r}: {r.status_code}"
    assert (outside / "secret.txt").read_bytes() == secret
    assert sha256_hex((outside / "sub" / "inner.txt").read_bytes()) == sha256_hex(secret + b"inner")
