"""Command line and environment: --help, bad values, STORAGE_ROOT, upload size and disk limits."""

from __future__ import annotations

import math
import os
import subprocess

import pytest
import requests

from e2e_helpers import (HOST, TIMEOUT, RawConnection, check_upload_body, chunk, free_port, multipart_parts,
                         post_head, random_name, server_env, simplefs_bin, temp_files)

OPTIONS = ["--host", "--port", "--storage-root", "--log-level", "--max-upload-size", "--shutdown-grace",
           "--disk-usage-threshold", "--chunk-size", "--threads"]


def run_binary(args: list[str], env: dict | None = None, timeout: float = 10) -> tuple[int, str, str]:
    proc = subprocess.Popen([simplefs_bin(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=server_env(env))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"simplefs {' '.join(args)} still running after {timeout}s (killed); "
                             f"stderr: {err.decode(errors='replace')[:500]}")
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def test_help(tmp_path):
    rc, out, err = run_binary(["--help"])
    assert rc == 0, err
    for opt in OPTIONS:
        assert opt in out, f"--help does not mention {opt}:\n{out}"


BAD = {
    "port 0": ["--port", "0"],
    "port abc": ["--port", "abc"],
    "port 70000": ["--port", "70000"],
    "port -1": ["--port", "-1"],
    "threshold 150": ["--disk-usage-threshold", "150"],
    "threshold abc": ["--disk-usage-threshold", "abc"],
    "max-upload-size abc": ["--max-upload-size", "abc"],
    "shutdown-grace soon": ["--shutdown-grace", "soon"],
    "log-level loud": ["--log-level", "loud"],
    "threads abc": ["--threads", "abc"],
    "chunk-size abc": ["--chunk-size", "abc"],
    "unknown flag": ["--no-such-flag"],
    "unknown flag with value": ["--no-such-flag", "1"],
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_values_exit_2(tmp_path, case):
    bad = BAD[case]
    root = tmp_path / "root"
    root.mkdir()
    args = ["--host", HOST, "--storage-root", str(root)]
    if bad[0] != "--port":
        args += ["--port", str(free_port())]
    args += bad
    rc, out, err = run_binary(args)
    assert rc == 2, f"{case}: exit code {rc}, stderr {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"{case}: expected one line on stderr, got {err!r}"
    assert list(root.iterdir()) == []


def upload(srv, name: str, data: bytes) -> requests.Response:
    return requests.post(srv.url("/files/"), files={"file": (name, data)}, data={"Button": "Submit"},
                         timeout=TIMEOUT)


def test_env_storage_root(simplefs_factory, tmp_path):
    env_root = tmp_path / "env-root"
    srv = simplefs_factory(root=env_root, root_flag=False, env={"STORAGE_ROOT": str(env_root)})
    name, data = random_name(".txt"), os.urandom(1234)
    r = upload(srv, name, data)
    assert r.status_code == 202
    check_upload_body(r.content, name)
    assert (env_root / name).read_bytes() == data


def test_flag_beats_env(simplefs_factory, tmp_path):
    env_root = tmp_path / "env-root"
    env_root.mkdir()
    flag_root = tmp_path / "flag-root"
    srv = simplefs_factory(root=flag_root, env={"STORAGE_ROOT": str(env_root)})
    name, data = random_name(".txt"), os.urandom(1234)
    assert upload(srv, name, data).status_code == 202
    assert (flag_root / name).read_bytes() == data
    assert list(env_root.iterdir()) == []


LIMIT = 1 << 20


def assert_nothing_stored(srv, allowed: set[str]):
    assert {p.name for p in srv.root.iterdir()} == allowed
    assert temp_files(srv.root) == []


def test_max_upload_size(simplefs_factory):
    srv = simplefs_factory("--max-upload-size", str(LIMIT))
    small_name, small = random_name(".bin"), os.urandom(LIMIT // 2)
    assert upload(srv, small_name, small).status_code == 202
    allowed = {small_name}

    # Content-Length over the limit: 413 from the head alone, no body sent.
    name = random_name(".bin")
    head, tail, boundary = multipart_parts(name)
    with RawConnection(srv.port) as c:
        c.send(post_head(srv.port, boundary, content_length=2 * LIMIT))
        resp = c.read_response("POST")
    assert resp.status == 413, (resp.status, resp.body)
    assert_nothing_stored(srv, allowed)

    # Same with Expect: 100-continue: the refusal comes instead of "100 Continue".
    with RawConnection(srv.port) as c:
        c.send(post_head(srv.port, boundary, content_length=2 * LIMIT, extra=b"Expect: 100-continue\r\n"))
        resp = c.read_response("POST", allow_interim=False)
    assert resp.status == 413
    assert_nothing_stored(srv, allowed)

    # requests sending the whole oversized body (the answer may come before it is all sent).
    try:
        r = upload(srv, name, os.urandom(2 * LIMIT))
        assert r.status_code == 413, r.status_code
    except requests.ConnectionError:
        pass  # the server answered and closed while the body was still going: nothing to read
    assert_nothing_stored(srv, allowed)

    # Chunked body: 413 as soon as the limit is passed, without the last chunk ever being sent.
    with RawConnection(srv.port) as c:
        c.send(post_head(srv.port, boundary, chunked=True))
        c.send(chunk(head))
        sent = len(head)
        piece = os.urandom(64 * 1024)
        try:
            while sent <= LIMIT + 8192:
                c.send(chunk(piece))
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = c.read_response("POST")
    assert resp.status == 413, (resp.status, resp.body)
    assert_nothing_stored(srv, allowed)

    assert requests.get(srv.url(f"/files/{small_name}"), timeout=TIMEOUT).content == small


def used_percent(path) -> float:
    st = os.statvfs(path)
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    avail = st.f_bavail * st.f_frsize
    return 100.0 * used / (used + avail)


def test_disk_usage_threshold(simplefs_factory, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    pct = used_percent(root)
    if pct < 2 or pct > 95:
        pytest.fail(f"the filesystem of {root} is {pct:.1f}% used: this test needs 2..95%", pytrace=False)

    high = min(99, math.ceil(pct) + 4)
    srv = simplefs_factory("--disk-usage-threshold", str(high), root=root)
    name, data = random_name(".txt"), os.urandom(20_000)
    assert upload(srv, name, data).status_code == 202, f"refused below the threshold ({pct:.1f}% < {high}%)"
    assert srv.stop() == 0

    low = math.floor(pct) - 1
    srv = simplefs_factory("--disk-usage-threshold", str(low), root=root)
    other = random_name(".txt")
    r = upload(srv, other, os.urandom(20_000))
    assert r.status_code == 507, f"usage {pct:.1f}% > threshold {low}%: got {r.status_code}"
    assert "detail" in r.json()
    assert_nothing_stored(srv, {name})
    g = requests.get(srv.url(f"/files/{name}"), timeout=TIMEOUT)
    assert g.status_code == 200 and g.content == data
    assert requests.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200
