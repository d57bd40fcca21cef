"""Uploads and downloads with the curl and aria2c command-line clients."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.parse

import pytest

from e2e_helpers import check_upload_body, random_name, sha256_file, temp_files


def tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed (Debian package {name})", pytrace=False)
    return path


def run(args: list[str], cwd=None, timeout: float = 90) -> subprocess.CompletedProcess:
    p = subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout)
    return p


def curl(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return run([tool("curl"), "-sS", "--max-time", "60", "--noproxy", "*", *args], cwd=cwd)


def make_file(dirpath, name: str, size: int):
    dirpath.mkdir(parents=True, exist_ok=True)
    p = dirpath / name
    with open(p, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    return p


def curl_upload(server, path, tmp_path, *extra: str, form_file: str | None = None):
    resp = tmp_path / ("resp-" + random_name(".json"))
    spec = form_file or f"file=@{path}"
    p = curl("-v", "-o", str(resp), "-w", "%{http_code}", "-F", spec, "-F", "Button=Submit", *extra,
             server.url("/files/"))
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout.decode().strip(), resp.read_bytes(), p.stderr.decode(errors="replace")


def test_curl_upload_and_download(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src", name, 300_000)
    status, body, _ = curl_upload(server, src, tmp_path)
    assert status == "202", body
    check_upload_body(body, name)
    want = sha256_file(src)
    assert sha256_file(server.root / name) == want

    # -O: named after the last URL segment.
    dl = tmp_path / "dl-O"
    dl.mkdir()
    p = curl("-f", "-O", server.url(f"/files/{name}"), cwd=dl)
    assert p.returncode == 0, p.stderr
    assert sha256_file(dl / name) == want

    # -o: an explicit output path.
    out = tmp_path / "explicit.out"
    p = curl("-f", "-o", str(out), server.url(f"/files/{name}"))
    assert p.returncode == 0, p.stderr
    assert sha256_file(out) == want

    # -OJ: named after content-disposition.
    dlj = tmp_path / "dl-OJ"
    dlj.mkdir()
    p = curl("-f", "-O", "-J", server.url(f"/files/{name}"), cwd=dlj)
    assert p.returncode == 0, p.stderr
    saved = os.listdir(dlj)
    assert len(saved) == 1 and re.fullmatch(r"download_\d{14}_" + re.escape(name), saved[0]), saved
    assert sha256_file(dlj / saved[0]) == want


def test_curl_name_with_spaces_and_percent_encoding(server, tmp_path):
    name = "my file (1) " + random_name(".txt")
    src = make_file(tmp_path / "src", "plain.txt", 5000)
    status, body, _ = curl_upload(server, src, tmp_path, form_file=f'file=@{src};filename="{name}"')
    assert status == "202", body
    check_upload_body(body, name)
    assert sha256_file(server.root / name) == sha256_file(src)
    out = tmp_path / "o"
    p = curl("-f", "-o", str(out), server.url("/files/" + urllib.parse.quote(name)))
    assert p.returncode == 0, p.stderr
    assert sha256_file(out) == sha256_file(src)


def test_curl_chunked_request_body(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src", name, 3 * 1024 * 1024 + 17)
    status, body, trace = curl_upload(server, src, tmp_path, "-H", "Transfer-Encoding: chunked")
    assert re.search(r"^> Transfer-Encoding: chunked", trace, re.M | re.I), "curl did not send chunked"
    assert not re.search(r"^> Content-Length:", trace, re.M | re.I)
    assert status == "202", body
    check_upload_body(body, name)
    assert sha256_file(server.root / name) == sha256_file(src)
    out = tmp_path / "o"
    p = curl("-f", "-o", str(out), server.url(f"/files/{name}"))
    assert p.returncode == 0, p.stderr
    assert sha256_file(out) == sha256_file(src)


def test_curl_expect_100_continue(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src", name, 2 * 1024 * 1024)
    # A long expect timeout: if the server never sends "100 Continue" curl would wait it out.
    status, body, trace = curl_upload(server, src, tmp_path, "--expect100-timeout", "20")
    assert re.search(r"^> Expect: 100-continue", trace, re.M | re.I), "curl did not send Expect"
    assert re.search(r"^< HTTP/1\.1 100 Continue", trace, re.M | re.I), "no 100 Continue from the server"
    assert status == "202", body
    check_upload_body(body, name)
    assert sha256_file(server.root / name) == sha256_file(src)
    assert temp_files(server.root) == []


def test_aria2c_download(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src", name, 1_500_000)
    status, body, _ = curl_upload(server, src, tmp_path)
    assert status == "202", body
    dl = tmp_path / "aria"
    dl.mkdir()
    p = run([tool("aria2c"), "--no-conf", "-q", "-x1", "-s1", "--max-tries=1", "--timeout=30",
             "--connect-timeout=10", "--allow-overwrite=true", "--auto-file-renaming=false",
             "--file-allocation=none", "--all-proxy=", "-d", str(dl), "-o", "out.bin",
             server.url(f"/files/{name}")])
    assert p.returncode == 0, (p.stdout + p.stderr).decode(errors="replace")
    assert sha256_file(dl / "out.bin") == sha256_file(src)
