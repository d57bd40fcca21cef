"""Resumable uploads (tus 1.0.0) at /uploads/, with raw HTTP through requests and sockets.

Covers the core protocol and the extensions the server announces (creation, creation-with-upload,
creation-defer-length, termination, checksum, expiration, concatenation), the commit to /files/,
upload state kept on the storage (two processes on one root, SIGKILL mid-upload, restart), the
lock that keeps two PATCHes of one upload apart, metrics, CORS and access control.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import time
from pathlib import Path

import requests

from e2e_helpers import HOST, TIMEOUT, metric, random_name, random_text, sha256_hex, wait_until

UPLOAD_FOLDER = ".simplefs.tmp.uploads"
TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def metadata(**pairs: str) -> str:
    return ",".join(f"{key} {b64(value)}" for key, value in pairs.items())


def create(server, length: int | None, headers: dict | None = None, data: bytes | None = None,
           final: str | None = None, **meta: str) -> requests.Response:
    """POST /uploads/: length None defers it; final (the part URLs) makes a concatenation."""
    h = dict(TUS)
    if final is not None:
        h["Upload-Concat"] = "final;" + final
    elif length is None:
        h["Upload-Defer-Length"] = "1"
    else:
        h["Upload-Length"] = str(length)
    if meta:
        h["Upload-Metadata"] = metadata(**meta)
    if data is not None:
        h["Content-Type"] = OFFSET_STREAM
    h.update(headers or {})
    return requests.post(server.url("/uploads/"), headers=h, data=data, timeout=TIMEOUT)


def upload_url(server, created: requests.Response) -> str:
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    assert location.startswith("/uploads/")
    return server.url(location)


def patch(url: str, offset: int, data: bytes, headers: dict | None = None,
          timeout: float = TIMEOUT) -> requests.Response:
    h = dict(TUS, **{"Upload-Offset": str(offset), "Content-Type": OFFSET_STREAM})
    h.update(headers or {})
    return requests.patch(url, headers=h, data=data, timeout=timeout)


def head(url: str, headers: dict | None = None, timeout: float = TIMEOUT) -> requests.Response:
    return requests.head(url, headers=dict(TUS, **(headers or {})), timeout=timeout)


def state_files(root: Path) -> list[str]:
    folder = root / UPLOAD_FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_options_announce_version_extensions_and_limits(simplefs_factory):
    server = simplefs_factory("--max-upload-size", "1MiB")
    r = requests.options(server.url("/uploads/"), timeout=TIMEOUT)
    assert r.status_code == 204
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert r.headers["Tus-Version"] == "1.0.0"
    assert set(r.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "creation-defer-length", "termination", "checksum",
        "expiration", "concatenation"}
    assert r.headers["Tus-Max-Size"] == str(1 << 20)
    assert set(r.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}


def test_upload_in_chunks_commits_the_file(server):
    data = random_text(300_000)
    name = random_name(".bin")
    created = create(server, len(data), filename=name, path="tus/dir",
                     content_type="application/x-test")
    url = upload_url(server, created)
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert "Upload-Expires" in created.headers

    h = head(url)
    assert h.status_code == 200
    assert h.headers["Upload-Offset"] == "0"
    assert h.headers["Upload-Length"] == str(len(data))
    assert h.headers["Cache-Control"] == "no-store"
    assert h.headers["Upload-Metadata"] == created.request.headers["Upload-Metadata"]

    offset = 0
    for size in (100_000, 150_000, 50_000):
        r = patch(url, offset, data[offset:offset + size])
        assert r.status_code == 204, r.text
        offset += size
        assert r.headers["Upload-Offset"] == str(offset)
        assert r.headers["Tus-Resumable"] == "1.0.0"
    assert r.headers["Upload-File"] == f"/files/tus/dir/{name}"
    assert r.headers["ETag"] == f'"{sha256_hex(data)}"'

    got = requests.get(server.url(f"/files/tus/dir/{name}"), timeout=TIMEOUT)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["ETag"] == f'"{sha256_hex(data)}"'
    assert got.headers["Content-Type"] == "application/x-test"

    # The upload answers as complete, points to the file, and keeps no data.
    done = head(url)
    assert done.headers["Upload-Offset"] == str(len(data))
    assert done.headers["Upload-File"] == f"/files/tus/dir/{name}"
    data_files = [server.root / UPLOAD_FOLDER / f for f in state_files(server.root) if f.endswith(".data")]
    assert [f.stat().st_size for f in data_files] == [0]
    # The state folder is hidden from listings and cannot be addressed.
    listing = requests.get(server.url("/files/"), timeout=TIMEOUT).json()
    assert UPLOAD_FOLDER not in json.dumps(listing)
    assert requests.get(server.url(f"/files/{UPLOAD_FOLDER}/"), timeout=TIMEOUT).status_code in (400, 404)


def test_protocol_errors(server):
    data = random_text(1000)
    url = upload_url(server, create(server, len(data), filename=random_name()))

    wrong = patch(url, 5, data[:10])
    assert wrong.status_code == 409
    assert wrong.headers["Upload-Offset"] == "0"

    no_version = requests.patch(url, headers={"Upload-Offset": "0", "Content-Type": OFFSET_STREAM},
                                data=data[:10], timeout=TIMEOUT)
    assert no_version.status_code == 412
    assert no_version.headers["Tus-Version"] == "1.0.0"
    old_version = patch(url, 0, data[:10], {"Tus-Resumable": "0.2.2"})
    assert old_version.status_code == 412
    assert head(url, {"Tus-Resumable": "0.1"}).status_code == 412

    assert patch(url, 0, data[:10], {"Content-Type": "application/octet-stream"}).status_code == 415
    assert patch(url, 0, data + b"x").status_code == 413
    missing_offset = requests.patch(url, headers=dict(TUS, **{"Content-Type": OFFSET_STREAM}),
                                    data=b"x", timeout=TIMEOUT)
    assert missing_offset.status_code == 400
    # None of that moved the offset.
    assert head(url).headers["Upload-Offset"] == "0"

    assert patch(server.url("/uploads/" + "0" * 32), 0, b"x").status_code == 404
    assert patch(server.url("/uploads/not-an-id"), 0, b"x").status_code == 404
    assert head(server.url("/uploads/" + "f" * 32)).status_code == 404


def test_creation_errors_create_nothing(simplefs_factory):
    server = simplefs_factory("--max-upload-size", "1KiB")
    assert create(server, 10, filename="../escape.txt").status_code == 400
    assert create(server, 10, filename=".simplefs.tmp.x").status_code == 400
    assert create(server, 10).status_code == 400  # no filename
    assert create(server, 10, headers={"Upload-Metadata": "filename ***"}).status_code == 400
    assert create(server, 2048, filename="big.bin").status_code == 413
    assert create(server, None, headers={"Upload-Defer-Length": "2"}, filename="a").status_code == 400
    both = create(server, 10, headers={"Upload-Defer-Length": "1"}, filename="a")
    assert both.status_code == 400
    no_version = requests.post(server.url("/uploads/"), headers={"Upload-Length": "1"}, timeout=TIMEOUT)
    assert no_version.status_code == 412
    assert state_files(server.root) == []

    # A deferred length does not lift the limit on the whole upload.
    url = upload_url(server, create(server, None, filename=random_name()))
    assert patch(url, 0, b"a" * 1000).status_code == 204
    assert patch(url, 1000, b"b" * 100).status_code == 413
    assert head(url).headers["Upload-Offset"] == "1000"


def test_checksum_mismatch_discards_only_that_patch(server):
    data = random_text(4000)
    url = upload_url(server, create(server, len(data), filename=random_name()))
    first = data[:1000]
    good = base64.b64encode(hashlib.sha1(first).digest()).decode()
    r = patch(url, 0, first, {"Upload-Checksum": f"sha1 {good}"})
    assert r.status_code == 204, r.text
    assert r.headers["Upload-Offset"] == "1000"

    second = data[1000:3000]
    bad = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    r = patch(url, 1000, second, {"Upload-Checksum": f"sha256 {bad}"})
    assert r.status_code == 460
    assert head(url).headers["Upload-Offset"] == "1000"

    r = patch(url, 1000, second, {"Upload-Checksum": "md5 " + base64.b64encode(b"0" * 16).decode()})
    assert r.status_code == 400
    r = patch(url, 1000, second, {"Upload-Checksum": "sha256 not*base64"})
    assert r.status_code == 400
    assert head(url).headers["Upload-Offset"] == "1000"

    rest = data[1000:]
    good = base64.b64encode(hashlib.sha256(rest).digest()).decode()
    r = patch(url, 1000, rest, {"Upload-Checksum": f"sha256 {good}"})
    assert r.status_code == 204
    name = r.headers["Upload-File"]
    assert requests.get(server.url(name), timeout=TIMEOUT).content == data


def test_termination_removes_the_state(server):
    url = upload_url(server, create(server, 100, filename=random_name()))
    assert patch(url, 0, b"x" * 40).status_code == 204
    r = requests.delete(url, headers=TUS, timeout=TIMEOUT)
    assert r.status_code == 204
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert head(url).status_code == 404
    assert patch(url, 40, b"y").status_code == 404
    assert requests.delete(url, headers=TUS, timeout=TIMEOUT).status_code == 404
    assert state_files(server.root) == []


def test_deferred_length_and_creation_with_upload(server):
    data = random_text(5000)
    created = create(server, None, data=data[:2000], filename=random_name())
    url = upload_url(server, created)
    assert created.headers["Upload-Offset"] == "2000"
    assert created.headers["Upload-Defer-Length"] == "1"
    assert head(url).headers["Upload-Defer-Length"] == "1"
    r = patch(url, 2000, data[2000:], {"Upload-Length": str(len(data))})
    assert r.status_code == 204, r.text
    assert r.headers["Upload-Length"] == str(len(data))
    assert requests.get(server.url(r.headers["Upload-File"]), timeout=TIMEOUT).content == data

    # A whole file in the creation request.
    small = random_text(300)
    whole = create(server, len(small), data=small, filename=random_name())
    assert whole.status_code == 201
    assert whole.headers["Upload-Offset"] == str(len(small))
    assert requests.get(server.url(whole.headers["Upload-File"]), timeout=TIMEOUT).content == small


def test_expired_uploads_are_swept(simplefs_factory):
    server = simplefs_factory("--upload-expiry", "1s")
    url = upload_url(server, create(server, 100, filename=random_name()))
    assert patch(url, 0, b"a" * 10).status_code == 204
    before = metric(server, "simplefs_tus_uploads_expired_total")
    seen = set()

    def gone():
        status = head(url).status_code
        seen.add(status)
        return status == 404

    wait_until(gone, timeout=15, interval=0.1, message="the sweep to remove the upload")
    assert seen <= {200, 410, 404}
    assert [f for f in state_files(server.root) if not f.startswith(".simplefs.tmp.")] == []
    assert metric(server, "simplefs_tus_uploads_expired_total") == before + 1


def test_an_info_left_without_data_is_swept(simplefs_factory):
    # What a crash between creating (or removing) an upload's two files leaves: the info alone.
    server = simplefs_factory("--upload-expiry", "1s")
    url = upload_url(server, create(server, 100, filename=random_name()))
    upload_id = url.rsplit("/", 1)[1]
    (server.root / UPLOAD_FOLDER / f"{upload_id}.data").unlink()
    wait_until(lambda: f"{upload_id}.info" not in state_files(server.root), timeout=15, interval=0.1,
               message="the sweep to remove the info left alone")
    assert head(url).status_code == 404


def test_expired_upload_answers_gone_before_the_sweep(simplefs_factory):
    # 60 s expiry sweeps every 15 s; the info is aged by hand so that it is expired at once.
    server = simplefs_factory("--upload-expiry", "60s")
    url = upload_url(server, create(server, 100, filename=random_name()))
    upload_id = url.rsplit("/", 1)[1]
    info_path = server.root / UPLOAD_FOLDER / f"{upload_id}.info"
    info = json.loads(info_path.read_text())
    info["expires"] = int(time.time()) - 5
    info_path.write_text(json.dumps(info))
    assert head(url).status_code == 410
    assert patch(url, 0, b"x").status_code == 410


def _open_patch(server, url: str, offset: int, length: int) -> socket.socket:
    """A PATCH whose header is sent and whose body is not: it holds the upload's lock."""
    path = url[len(server.url("")):]
    sock = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
    sock.sendall((f"PATCH {path} HTTP/1.1\r\nHost: {HOST}\r\nTus-Resumable: 1.0.0\r\n"
                  f"Upload-Offset: {offset}\r\nContent-Type: {OFFSET_STREAM}\r\n"
                  f"Content-Length: {length}\r\n\r\n").encode())
    return sock


def _read_response(sock: socket.socket) -> tuple[int, dict]:
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = sock.recv(65536)
        if not chunk:
            break
        raw += chunk
    head_text = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head_text.split("\r\n")
    fields = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        fields[key.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), fields


def test_concurrent_patches_one_is_locked_out(server):
    data = random_text(200_000)
    url = upload_url(server, create(server, len(data), filename=random_name()))
    holder = _open_patch(server, url, 0, len(data))
    time.sleep(0.5)  # for the server to take the lock; a 204 below would show it had not
    try:
        r = patch(url, 0, data[:1000])
        assert r.status_code == 423, r.text
        assert r.headers["Tus-Resumable"] == "1.0.0"
        assert requests.delete(url, headers=TUS, timeout=TIMEOUT).status_code == 423
        holder.sendall(data)
        status, fields = _read_response(holder)
        assert status == 204
        assert fields["upload-offset"] == str(len(data))
    finally:
        holder.close()
    got = requests.get(server.url(fields["upload-file"]), timeout=TIMEOUT)
    assert got.content == data


def test_second_process_finishes_after_the_first_is_killed(simplefs_factory, storage_root):
    a = simplefs_factory()
    b = simplefs_factory(root=storage_root)
    data = random_text(600_000)
    url_a = upload_url(a, create(a, len(data), filename=random_name()))
    path = url_a[len(a.url("")):]
    assert patch(url_a, 0, data[:200_000]).status_code == 204

    # A takes a PATCH and part of its body, then dies: what it did not acknowledge may be on
    # disk, and B must neither count nor keep it.
    sock = _open_patch(a, url_a, 200_000, 300_000)
    sock.sendall(data[200_000:350_000])
    time.sleep(0.5)
    a.proc.kill()
    a.proc.wait(10)
    a.exit_checked = True
    sock.close()

    # On CephFS the dead client's caps and lock stay until the MDS evicts it
    # (mds_cap_revoke_eviction_timeout, 10 s in the test cluster): B may wait or answer 423 meanwhile.
    # On a local disk the kernel drops A's lock with the process.
    started = time.monotonic()
    url_b = b.url(path)
    h = head(url_b, timeout=90)
    assert h.status_code == 200
    offset = int(h.headers["Upload-Offset"])
    assert offset == 200_000
    def unlocked():
        r = patch(url_b, offset, data[offset:], timeout=90)
        return None if r.status_code == 423 else (r,)

    (r,) = wait_until(unlocked, timeout=90, interval=0.5, message="the killed process's lock to go")
    assert r.status_code == 204, r.text
    assert time.monotonic() - started < 90
    got = requests.get(b.url(r.headers["Upload-File"]), timeout=TIMEOUT)
    assert got.content == data
    assert got.headers["ETag"] == f'"{sha256_hex(data)}"'


def test_restart_keeps_what_was_acknowledged(simplefs_factory, storage_root):
    first = simplefs_factory()
    data = random_text(100_000)
    url = upload_url(first, create(first, len(data), filename=random_name()))
    path = url[len(first.url("")):]
    assert patch(url, 0, data[:60_000]).status_code == 204
    assert first.stop() == 0

    second = simplefs_factory(root=storage_root)
    url = second.url(path)
    assert head(url).headers["Upload-Offset"] == "60000"
    r = patch(url, 60_000, data[60_000:])
    assert r.status_code == 204
    assert requests.get(second.url(r.headers["Upload-File"]), timeout=TIMEOUT).content == data


def test_concatenation_of_partial_uploads(server):
    parts = [random_text(70_000), random_text(1), random_text(33_333)]
    urls = []
    for part in parts:
        created = create(server, len(part), headers={"Upload-Concat": "partial"})
        url = upload_url(server, created)
        assert head(url).headers["Upload-Concat"] == "partial"
        urls.append(url)
    # Out of order, as parallel clients would.
    for i in (2, 0, 1):
        assert patch(urls[i], 0, parts[i]).status_code == 204

    name = random_name(".joined")
    paths = " ".join(u[len(server.url("")):] for u in urls)
    final = create(server, None, final=paths, filename=name)
    assert final.status_code == 201, final.text
    assert final.headers["Upload-File"] == f"/files/{name}"
    whole = b"".join(parts)
    got = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
    assert got.content == whole
    assert got.headers["ETag"] == f'"{sha256_hex(whole)}"'
    final_url = server.url(final.headers["Location"])
    assert head(final_url).headers["Upload-Concat"].startswith("final;")
    assert patch(final_url, len(whole), b"x").status_code == 403

    # A partial upload that is not finished cannot be concatenated.
    unfinished = upload_url(server, create(server, 10, headers={"Upload-Concat": "partial"}))
    bad = create(server, None, final=unfinished, filename=random_name())
    assert bad.status_code == 400


def test_metrics_count_uploads_and_bytes(server):
    created0 = metric(server, "simplefs_tus_uploads_created_total")
    completed0 = metric(server, "simplefs_tus_uploads_completed_total")
    bytes0 = metric(server, "simplefs_tus_bytes_received_total")
    data = random_text(12345)
    url = upload_url(server, create(server, len(data), filename=random_name()))
    assert patch(url, 0, data).status_code == 204
    assert metric(server, "simplefs_tus_uploads_created_total") == created0 + 1
    assert metric(server, "simplefs_tus_uploads_completed_total") == completed0 + 1
    assert metric(server, "simplefs_tus_bytes_received_total") == bytes0 + len(data)


def test_cors_exposes_the_tus_fields(simplefs_factory):
    server = simplefs_factory("--cors-origins", "http://app.example")
    origin = {"Origin": "http://app.example"}
    pre = requests.options(server.url("/uploads/"), timeout=TIMEOUT, headers=dict(
        origin, **{"Access-Control-Request-Method": "PATCH",
                   "Access-Control-Request-Headers": "tus-resumable,upload-offset,upload-metadata"}))
    assert pre.status_code == 200
    assert "PATCH" in pre.headers["Access-Control-Allow-Methods"]
    assert "upload-offset" in pre.headers["Access-Control-Allow-Headers"]
    r = create(server, 10, headers=origin, filename=random_name())
    exposed = {h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "tus-resumable", "upload-offset", "upload-length", "upload-expires",
            "upload-file"} <= exposed


def test_access_control_needs_write_within_the_prefix(simplefs_factory, tmp_path):
    writer, alice, reader = "tus-writer-0123456789abcdef", "tus-alice-0123456789abcdefg", "tus-reader-0123456789abcdef"
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{writer} writer write\n{alice} alice read,write,delete users/alice/\n"
                      f"{reader} reader read\n")
    server = simplefs_factory("--auth-tokens", str(tokens))

    def auth(token):
        return {"Authorization": f"Bearer {token}"}

    refused = create(server, 3, filename="a.txt")
    assert refused.status_code == 401 and refused.headers["Tus-Resumable"] == "1.0.0"
    refused = create(server, 3, headers=auth(reader), filename="a.txt")
    assert refused.status_code == 403 and refused.headers["Tus-Resumable"] == "1.0.0"
    assert create(server, 3, headers=auth(alice), filename="a.txt").status_code == 403
    r = create(server, 3, headers=auth(alice), filename="a.txt", path="users/alice")
    url = upload_url(server, r)
    assert head(url).status_code == 401
    assert patch(url, 0, b"abc", auth(reader)).status_code == 403
    done = patch(url, 0, b"abc", auth(alice))
    assert done.status_code == 204
    assert done.headers["Upload-File"] == "/files/users/alice/a.txt"
    other = upload_url(server, create(server, 3, headers=auth(writer), filename="b.txt"))
    assert head(other, auth(alice)).status_code == 403
    assert head(other, auth(writer)).status_code == 200

    # Parts carry no name: a prefix-limited token writes its own, and the concatenation's name
    # must be within the prefix.
    part = upload_url(server, create(server, 4, headers=dict(auth(alice), **{"Upload-Concat": "partial"})))
    assert patch(part, 0, b"part", auth(alice)).status_code == 204
    part_path = part[len(server.url("")):]
    assert create(server, None, headers=auth(alice), final=part_path, filename="c.txt").status_code == 403
    joined = create(server, None, headers=auth(alice), final=part_path, filename="c.txt",
                    path="users/alice")
    assert joined.status_code == 201, joined.text
    assert joined.headers["Upload-File"] == "/files/users/alice/c.txt"
