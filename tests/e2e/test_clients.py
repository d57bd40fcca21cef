"""Real clients against PUT, ranges and names: curl -T, curl -C -, wget -c, aria2c with split
downloads, and unicode names through requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.parse

import pytest
import requests

from e2e_helpers import (TIMEOUT, check_listing, check_metadata, delete_file, file_url, get_file, list_folder,
                         put_file, random_name, sha256_file, sha256_hex, temp_files)


def tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed (apt-get install {name})", pytrace=False)
    return path


def run(args: list[str], cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout, env=env)


def curl(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return run([tool("curl"), "-sS", "--max-time", "90", "--noproxy", "*", *args], cwd=cwd)


def out_text(p: subprocess.CompletedProcess) -> str:
    return (p.stdout + p.stderr).decode(errors="replace")


def make_file(path, size: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    return path


def put_src(server, name: str, src) -> None:
    with open(src, "rb") as f:
        r = requests.put(file_url(server, name), data=f, timeout=120)
    assert r.status_code == 201, (r.status_code, r.content[:300])


# --------------------------------------------------------------------------- curl


def test_curl_upload_T(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src" / name, 2 * 1024 * 1024 + 3)  # over 1 MiB: curl sends Expect
    data = src.read_bytes()
    for expected in ("201", "200"):
        resp = tmp_path / ("resp-" + random_name(".json"))
        p = curl("-v", "-T", str(src), "--expect100-timeout", "20", "-o", str(resp), "-w", "%{http_code}",
                 server.url(f"/files/{name}"))
        assert p.returncode == 0, out_text(p)
        trace = p.stderr.decode(errors="replace")
        assert re.search(r"^> PUT /files/", trace, re.M), "curl -T did not PUT"
        assert re.search(r"^> Expect: 100-continue", trace, re.M | re.I), "curl did not send Expect"
        assert re.search(r"^< HTTP/1\.1 100 Continue", trace, re.M | re.I), "no 100 Continue from the server"
        assert p.stdout.decode().strip() == expected, f"status {p.stdout!r}, body {resp.read_bytes()[:300]!r}"
        check_metadata(json.loads(resp.read_bytes()), name, data)
    assert sha256_file(server.root / name) == sha256_hex(data)
    assert temp_files(server.root) == []


def test_curl_resume_download(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src" / name, 3 * 1024 * 1024 + 77)
    put_src(server, name, src)
    data = src.read_bytes()
    out = tmp_path / "out.bin"
    cut = 1_234_567
    out.write_bytes(data[:cut])  # an interrupted earlier download
    p = curl("-v", "-f", "-C", "-", "-o", str(out), server.url(f"/files/{name}"))
    assert p.returncode == 0, out_text(p)
    trace = p.stderr.decode(errors="replace")
    assert re.search(rf"^> Range: bytes={cut}-", trace, re.M | re.I), "curl did not ask for the rest"
    assert re.search(r"^< HTTP/1\.1 206", trace, re.M), "no 206 for the resumed part"
    assert sha256_file(out) == sha256_hex(data)


def test_wget_resume_download(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src" / name, 3 * 1024 * 1024 + 11)
    put_src(server, name, src)
    data = src.read_bytes()
    dl = tmp_path / "wget"
    dl.mkdir()
    cut = 999_999
    (dl / name).write_bytes(data[:cut])
    p = run([tool("wget"), "-c", "-S", "--no-proxy", "--tries=1", "--timeout=30", "--no-config",
             server.url(f"/files/{name}")], cwd=dl)
    assert p.returncode == 0, out_text(p)
    assert re.search(r"HTTP/1\.1 206", out_text(p)), f"wget did not get a 206:\n{out_text(p)[-2000:]}"
    assert os.listdir(dl) == [name], os.listdir(dl)
    assert sha256_file(dl / name) == sha256_hex(data)


def test_aria2c_split_download(server, tmp_path):
    name = random_name(".bin")
    src = make_file(tmp_path / "src" / name, 32 * 1024 * 1024)
    put_src(server, name, src)
    dl = tmp_path / "aria"
    dl.mkdir()
    log = tmp_path / "aria2.log"
    p = run([tool("aria2c"), "--no-conf", "-q", "-x4", "-s4", "--min-split-size=1M", "--max-tries=1",
             "--timeout=30", "--connect-timeout=10", "--allow-overwrite=true", "--auto-file-renaming=false",
             "--file-allocation=none", "--all-proxy=", f"--log={log}", "--log-level=debug",
             "-d", str(dl), "-o", "out.bin", server.url(f"/files/{name}")], timeout=170)
    assert p.returncode == 0, out_text(p) + log.read_text(errors="replace")[-3000:]
    assert sha256_file(dl / "out.bin") == sha256_file(src)
    ranges = set(re.findall(r"Range: bytes=(\d+-\d*)", log.read_text(errors="replace")))
    assert len(ranges) >= 2, f"aria2c made {len(ranges)} ranged request(s): {sorted(ranges)}"


# --------------------------------------------------------------------------- unicode names


@pytest.mark.parametrize("name", ["résumé 2.txt", "日本語/ファイル.bin"])
def test_unicode_round_trip(server, name):
    data = os.urandom(2048)
    r = put_file(server, name, data)
    assert r.status_code == 201, (r.status_code, r.content[:300])
    check_metadata(r.json(), name, data)
    loc = r.headers.get("location", "")
    assert loc.isascii() and urllib.parse.unquote(loc) == "/files/" + name, loc
    assert server.root.joinpath(*name.split("/")).read_bytes() == data

    g = get_file(server, name)
    assert g.status_code == 200 and g.content == data

    top = name.split("/")[0]
    root = check_listing(list_folder(server))
    if "/" in name:
        assert root["folders"] == [top + "/"], root
        sub = check_listing(list_folder(server, top + "/"))
        assert [f["name"] for f in sub["files"]] == [name], sub
    else:
        assert [f["name"] for f in root["files"]] == [name], root

    assert delete_file(server, name).status_code == 204
    assert get_file(server, name).status_code == 404
    assert check_listing(list_folder(server)) == {"files": [], "folders": [], "next": None}
    assert list(server.root.iterdir()) == []


def test_unicode_names_together(server):
    names = ["résumé 2.txt", "日本語/ファイル.bin", "日本語/другой файл.txt", "Ελληνικά.md"]
    blobs = {n: os.urandom(100) for n in names}
    for n in names:
        assert put_file(server, n, blobs[n]).status_code == 201
    root = check_listing(list_folder(server))
    assert [f["name"] for f in root["files"]] == sorted(["résumé 2.txt", "Ελληνικά.md"], key=str.encode)
    assert root["folders"] == ["日本語/"]
    sub = check_listing(list_folder(server, "日本語/"))
    assert [f["name"] for f in sub["files"]] == sorted(["日本語/ファイル.bin", "日本語/другой файл.txt"],
                                                       key=str.encode)
    for n in names:
        assert requests.get(file_url(server, n), timeout=TIMEOUT).content == blobs[n]
        assert delete_file(server, n).status_code == 204
    assert list(server.root.iterdir()) == []
