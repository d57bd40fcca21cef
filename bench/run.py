#!/usr/bin/python3
"""simplefs against nginx, side by side over loopback: one table, raw results as JSON.

    bench/run.py [--quick] [--rounds N] [--duration S] [--threads N] [--simplefs PATH]
                 [--out PREFIX] [--only SCENARIO,...]

Starts simplefs (as shipped, and with --fsync=never) and an nginx file server (dav_methods PUT
DELETE, sendfile on, client_max_body_size 0) with the same number of network threads / worker
processes, over the same files, then runs every scenario against each server in turn, round
after round, and reports medians. wrk drives the request-rate scenarios (bench/wrk.lua), curl the
large transfers (from and to /dev/shm or /dev/null), Python sockets the idle connections.
Server CPU comes from /proc/PID/stat, memory from /proc/PID/status (nginx: master + workers).
Traffic goes to 127.0.0.1 only. bench/README.md describes the scenarios and the fairness choices.

Exits 77 when nginx, wrk or curl is missing (CTest skips), 1 when a check failed.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import hashlib
import json
import os
import platform
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WRK_LUA = BENCH / "wrk.lua"
KiB, MiB, GiB = 1024, 1024**2, 1024**3
SKIP = 77
LOCK = Path(tempfile.gettempdir()) / "simplefs-bench.lock"

# Sizes and counts. "full" is the benchmark (about 7 minutes on 2 cores); "quick" only
# proves that every scenario runs and yields numbers (CTest bench.quick).
PROFILES = {
    "full": dict(rounds=3, duration=3, small_files=1000, small_size=4 * KiB, big_size=1 * GiB,
                 slice_size=64 * KiB, conns=64, get_reps=1, idle_conns=10000, conc_uploads=100,
                 conc_size=256 * MiB),
    "quick": dict(rounds=1, duration=1, small_files=50, small_size=4 * KiB, big_size=8 * MiB,
                  slice_size=64 * KiB, conns=16, get_reps=1, idle_conns=200, conc_uploads=4,
                  conc_size=2 * MiB),
}

SIMPLEFS, NOFSYNC, NGINX = "simplefs", "simplefs-nofsync", "nginx"
READ_SERVERS = (SIMPLEFS, NGINX)
WRITE_SERVERS = (SIMPLEFS, NOFSYNC, NGINX)


class CheckFailed(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# processes

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: servers and load generators end when this script dies, even by SIGKILL.
    # It fires when the *thread* that started the child ends, so children start from the main thread.
    _libc.prctl(1, signal.SIGTERM)


def spawn(cmd: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(cmd, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL, **kwargs)


def run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, preexec_fn=_die_with_parent, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def stop(proc: subprocess.Popen | None, grace: float = 10) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def machine_busy_seconds() -> float:
    """CPU-seconds the whole machine has spent busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This script's CPU plus that of every child it has reaped (servers, wrk, curl, headload)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed(f"server exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise CheckFailed(f"nothing listens on port {port} after 20 s")


# ---------------------------------------------------------------------------------------------
# servers


class Server:
    """A server process: its URL, the folder its writes land in, its processes' CPU and memory."""

    def __init__(self, name: str, cmd: list[str], log: Path, write_dir: Path, port: int):
        self.name, self.cmd, self.log, self.write_dir, self.port = name, cmd, log, write_dir, port
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = spawn(self.cmd, stdout=log, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, self.log)

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        stop(self.proc)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def pids(self) -> list[int]:
        return [self.proc.pid]

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(p) for p in self.pids())

    def rss_kib(self) -> int:
        return sum(status_kib(p, "VmRSS") for p in self.pids())

    def reset_peak(self) -> None:
        for pid in self.pids():  # "5" resets VmHWM to the current RSS
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_kib(self) -> int:
        """VmHWM since reset_peak(); for several processes the sum of their peaks."""
        return sum(status_kib(p, "VmHWM") for p in self.pids())


class Simplefs(Server):
    def __init__(self, name: str, binary: Path, root: Path, threads: int, fsync: str):
        root.mkdir(parents=True, exist_ok=True)
        port = free_port()
        cmd = [str(binary), "--host", "127.0.0.1", "--port", str(port), "--storage-root", str(root),
               "--threads", str(threads), "--fsync", fsync, "--log-level", "warn"]
        super().__init__(name, cmd, root.parent / f"{name}.log", root / "w", port)


NGINX_CONF = """\
{user}
worker_processes {threads};
worker_rlimit_nofile {nofile};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    sendfile on;
    default_type application/octet-stream;
    client_max_body_size 0;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location /files/read/ {{ alias {read_dir}/; }}
        location /files/ {{
            alias {root}/;
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
"""


class Nginx(Server):
    def __init__(self, prefix: Path, read_dir: Path, threads: int, nofile: int, connections: int):
        root, port, conf = prefix / "root", free_port(), prefix / "nginx.conf"
        root.mkdir(parents=True)
        (prefix / "body").mkdir()
        conf.write_text(NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "", threads=threads, prefix=prefix,
            nofile=nofile, connections=connections, port=port, read_dir=read_dir, root=root))
        self.workers = threads
        cmd = [nginx_binary(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        super().__init__(NGINX, cmd, prefix / "error.log", root / "w", port)

    def start(self) -> None:
        super().start()
        deadline = time.monotonic() + 10
        while len(self.pids()) < self.workers + 1 and time.monotonic() < deadline:
            time.sleep(0.05)

    def pids(self) -> list[int]:
        return [self.proc.pid, *children(self.proc.pid)]


def nginx_binary() -> str:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin") or ""


# ---------------------------------------------------------------------------------------------
# data


@dataclass
class Data:
    """The files every server reads, and the client-side sources of the uploads (in /dev/shm)."""

    small_paths: list[str]  # URL paths /files/read/fNNNN.bin
    small_digests: dict[str, str]
    big_path: str
    big_src: Path
    big_digest: str
    conc_src: Path
    conc_digest: str
    lists: Path
    etags: dict[str, Path] = field(default_factory=dict)  # server -> "path<TAB>etag" list


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def write_random(path: Path, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(0, size, 4 * MiB):
            block = os.urandom(min(4 * MiB, size - f.tell()))
            h.update(block)
            f.write(block)
    return h.hexdigest()


def seed(seeder: Server, prof: dict, shm: Path, lists: Path) -> Data:
    """Uploads the read set through simplefs (so its xattrs hold the digests) and makes the lists."""
    session = requests.Session()
    paths, digests = [], {}
    for i in range(prof["small_files"]):
        body, path = os.urandom(prof["small_size"]), f"/files/read/f{i:04d}.bin"
        expect_status(session.put(seeder.url(path), data=body), {201, 200}, f"seed PUT {path}")
        paths.append(path)
        digests[path] = hashlib.sha256(body).hexdigest()
    big_src, conc_src = shm / "big.bin", shm / "conc.bin"
    big_digest = write_random(big_src, prof["big_size"])
    conc_digest = write_random(conc_src, prof["conc_size"])
    big_path = "/files/read/big.bin"
    code, _ = curl_upload(seeder.url(big_path), big_src, timeout=600)
    if code not in (200, 201):
        raise CheckFailed(f"seed PUT {big_path}: {code}")
    lists.mkdir()
    (lists / "small.txt").write_text("\n".join(paths) + "\n")
    return Data(paths, digests, big_path, big_src, big_digest, conc_src, conc_digest, lists)


def hardlink_tree(src: Path, dst: Path) -> None:
    """Same inodes (same page cache, same xattrs) under another server's root."""
    for dirpath, _, files in os.walk(src):
        target = dst / Path(dirpath).relative_to(src)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            if not name.startswith(".simplefs.tmp."):
                os.link(Path(dirpath) / name, target / name)


def write_etag_list(server: Server, data: Data) -> None:
    session = requests.Session()
    lines = []
    for path in data.small_paths:
        r = session.head(server.url(path))
        expect_status(r, {200}, f"HEAD {path} on {server.name}")
        lines.append(f"{path}\t{r.headers['ETag']}")
    data.etags[server.name] = data.lists / f"etags-{server.name}.txt"
    data.etags[server.name].write_text("\n".join(lines) + "\n")


def clean_writes(server: Server) -> None:
    # Requests still in flight when the load generator stopped may add files meanwhile.
    for _ in range(5):
        shutil.rmtree(server.write_dir, ignore_errors=True)
        if not server.write_dir.exists():
            break
        time.sleep(0.2)
    if isinstance(server, Nginx):
        server.write_dir.mkdir(exist_ok=True)
    os.sync()  # one server's dirty pages must not be written back during the next one's run


# ---------------------------------------------------------------------------------------------
# checks


def expect_status(r: requests.Response, codes: set[int], what: str) -> None:
    if r.status_code not in codes:
        raise CheckFailed(f"{what}: HTTP {r.status_code}, expected {sorted(codes)}: {r.text[:200]}")


def check_reads(server: Server, data: Data, prof: dict, shm: Path) -> list[dict]:
    """Exact status codes and bodies of the read scenarios' requests; sha256 of a small and the big file."""
    s = requests.Session()
    path = data.small_paths[len(data.small_paths) // 2]
    r = s.get(server.url(path))
    expect_status(r, {200}, f"GET {path}")
    small_ok = hashlib.sha256(r.content).hexdigest() == data.small_digests[path]
    r = s.head(server.url(path))
    expect_status(r, {200}, f"HEAD {path}")
    r = s.get(server.url(path), headers={"If-None-Match": r.headers["ETag"]})
    expect_status(r, {304}, f"GET {path} If-None-Match")
    first = prof["big_size"] // 3
    r = s.get(server.url(data.big_path),
              headers={"Range": f"bytes={first}-{first + prof['slice_size'] - 1}"})
    expect_status(r, {206}, f"Range GET {data.big_path}")
    with open(data.big_src, "rb") as f:
        f.seek(first)
        range_ok = r.content == f.read(prof["slice_size"])
    copy = shm / f"download-{server.name}.bin"
    code, _ = curl_download(server.url(data.big_path), copy, timeout=600)
    big_ok = code == 200 and sha256_file(copy) == data.big_digest
    copy.unlink(missing_ok=True)
    return [check(server, f"GET {path}: sha256", small_ok),
            check(server, "Range GET: the slice's bytes", range_ok),
            check(server, f"GET {data.big_path} ({human(prof['big_size'])}): sha256", big_ok)]


def check_writes(server: Server, data: Data) -> list[dict]:
    """A PUT (and for simplefs a multipart POST): status, sha256 on disk and read back."""
    s = requests.Session()
    body = os.urandom(256 * KiB)
    digest = hashlib.sha256(body).hexdigest()
    results = []
    r = s.put(server.url("/files/w/check-put.bin"), data=body)
    expect_status(r, {201}, f"PUT on {server.name}")
    results.append(check(server, "PUT 256 KiB: sha256 on disk and read back",
                         stored_ok(server, s, "check-put.bin", digest)))
    if isinstance(server, Simplefs):
        r = s.post(server.url("/files/"), data={"path": "w"},
                   files={"file": ("check-post.bin", body, "application/octet-stream")})
        expect_status(r, {202}, f"POST on {server.name}")
        results.append(check(server, "multipart POST 256 KiB: sha256 on disk and read back",
                             stored_ok(server, s, "check-post.bin", digest)))
    return results


def stored_ok(server: Server, session: requests.Session, name: str, digest: str) -> bool:
    on_disk = sha256_file(server.write_dir / name) == digest
    r = session.get(server.url(f"/files/w/{name}"))
    return on_disk and r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == digest


def check(server: Server, what: str, ok: bool) -> dict:
    print(f"  check {server.name}: {what}: {'ok' if ok else 'FAILED'}", flush=True)
    return {"server": server.name, "check": what, "ok": ok}


# ---------------------------------------------------------------------------------------------
# load generators


def run_wrk(server: Server, lua_args: list[str], conns: int, duration: int, threads: int) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(WRK_LUA), server.url("/"), "--", *lua_args]
    return load_result(run(cmd, timeout=duration + 60))


def build_headload(work: Path) -> Path:
    binary = work / "headload"
    p = run(["cc", "-O2", "-Wall", "-pthread", "-o", str(binary), str(BENCH / "headload.c")], 120)
    if p.returncode != 0:
        raise CheckFailed(f"cannot build bench/headload.c: {p.stderr}")
    return binary


def run_headload(binary: Path, server: Server, paths: Path, conns: int, duration: int,
                 threads: int) -> dict:
    cmd = [str(binary), str(server.port), str(duration), str(conns), str(threads), str(paths)]
    return load_result(run(cmd, timeout=duration + 60))


def load_result(p: subprocess.CompletedProcess) -> dict:
    """The "WRKJSON {...}" line of wrk.lua's done() or of headload."""
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if p.returncode != 0 or line is None:
        raise CheckFailed(f"{p.args[0]} failed ({p.returncode}): {p.stdout[-1000:]} {p.stderr[-1000:]}")
    w = json.loads(line.removeprefix("WRKJSON "))
    lat = w["latency_us"]
    return {"value": w["requests"] / (w["duration_us"] / 1e6), "requests": w["requests"],
            "errors": sum(w["errors"].values()), "error_detail": w["errors"],
            "p50_ms": lat["p50"] / 1000, "p99_ms": lat["p99"] / 1000, "max_ms": lat["max"] / 1000}


CURL_OUT = "%{http_code} %{time_total}"


def curl_download(url: str, out: Path | str, timeout: float) -> tuple[int, float]:
    p = run(["curl", "-sS", "--max-time", str(timeout), "-o", str(out), "-w", CURL_OUT, url],
            timeout + 10)
    return parse_curl(p.stdout)


def curl_upload_cmd(url: str, src: Path, timeout: float, multipart_name: str = "") -> list[str]:
    # "Expect:" off: the transfer starts at once on both servers instead of after 100 Continue.
    cmd = ["curl", "-sS", "--max-time", str(timeout), "-o", "/dev/null", "-w", CURL_OUT,
           "-H", "Expect:"]
    if multipart_name:
        return [*cmd, "-F", "path=w", "-F", f"file=@{src};filename={multipart_name}", url]
    return [*cmd, "-T", str(src), url]


def curl_upload(url: str, src: Path, timeout: float, multipart_name: str = "") -> tuple[int, float]:
    p = run(curl_upload_cmd(url, src, timeout, multipart_name), timeout + 10)
    return parse_curl(p.stdout)


def parse_curl(out: str) -> tuple[int, float]:
    try:
        code, seconds = out.split()
        return int(code), float(seconds)
    except ValueError:
        return 0, 0.0


# ---------------------------------------------------------------------------------------------
# scenarios: each run(server, round) returns value, requests, errors (and p50/p99 for wrk)


@dataclass
class Scenario:
    key: str
    title: str
    unit: str
    servers: tuple[str, ...]
    run: Callable[[Server, int], dict]
    once: bool = False  # one round only (the 100 concurrent uploads)
    fresh: bool = False  # on a newly started server: memory left by earlier scenarios would blur it
    lower_is_better: bool = False


class Bench:
    def __init__(self, args: argparse.Namespace, prof: dict, data: Data, servers: dict[str, Server]):
        self.args, self.prof, self.data, self.servers = args, prof, data, servers
        self.checks: list[dict] = []
        self.t0 = time.monotonic()
        self.headload = build_headload(data.lists.parent)

    def wrk(self, server: Server, lua_args: list[str]) -> dict:
        return run_wrk(server, lua_args, self.prof["conns"], self.args.duration,
                       self.args.client_threads)

    def small_get(self, server: Server, _: int) -> dict:
        return self.wrk(server, ["get", str(self.data.lists / "small.txt")])

    def head(self, server: Server, _: int) -> dict:
        return run_headload(self.headload, server, self.data.lists / "small.txt", self.prof["conns"],
                            self.args.duration, self.args.client_threads)

    def revalidate(self, server: Server, _: int) -> dict:
        return self.wrk(server, ["revalidate", str(self.data.etags[server.name])])

    def range_get(self, server: Server, _: int) -> dict:
        return self.wrk(server, ["range", self.data.big_path, str(self.prof["big_size"]),
                                 str(self.prof["slice_size"])])

    def small_put(self, server: Server, rnd: int) -> dict:
        result = self.wrk(server, ["put", f"/files/w/r{rnd}-", str(self.prof["small_size"])])
        return self.count_stored(server, result)

    def small_post(self, server: Server, rnd: int) -> dict:
        if isinstance(server, Nginx):  # nginx has no multipart upload: its PUT, the closest
            return self.small_put(server, rnd)
        result = self.wrk(server, ["multipart", "w", f"r{rnd}-", str(self.prof["small_size"])])
        return self.count_stored(server, result)

    def mixed(self, server: Server, rnd: int) -> dict:
        return self.wrk(server, ["mixed", str(self.data.lists / "small.txt"), f"/files/w/r{rnd}-",
                                 str(self.prof["small_size"]), "10"])

    @staticmethod
    def count_stored(server: Server, result: dict) -> dict:
        """Every answered upload must be on disk (a few more may have been in flight at the end)."""
        entries = os.scandir(server.write_dir) if server.write_dir.is_dir() else []
        stored = sum(1 for e in entries if not e.name.startswith("."))
        result["stored_files"] = stored
        if stored < result["requests"]:
            result["errors"] += result["requests"] - stored
            result["error_detail"]["missing_files"] = result["requests"] - stored
        return result

    def big_get(self, server: Server, streams: int) -> dict:
        total_bytes, elapsed, errors = 0, 0.0, 0
        for _ in range(self.prof["get_reps"]):
            start = time.monotonic()
            procs = [spawn(["curl", "-sS", "--max-time", "300", "-o", "/dev/null", "-w", CURL_OUT,
                            server.url(self.data.big_path)], stdout=subprocess.PIPE, text=True)
                     for _ in range(streams)]
            outs = [parse_curl(p.communicate(timeout=310)[0]) for p in procs]
            # one stream: curl's own time; several: the wall time of the whole batch
            elapsed += outs[0][1] if streams == 1 else time.monotonic() - start
            errors += sum(code != 200 for code, _ in outs)
            total_bytes += streams * self.prof["big_size"]
        return {"value": total_bytes / elapsed / 1e6 if elapsed else None,
                "requests": self.prof["get_reps"] * streams, "errors": errors}

    def big_upload(self, server: Server, rnd: int, multipart: bool) -> dict:
        name = f"big-r{rnd}.bin"
        if multipart and isinstance(server, Simplefs):
            code, seconds = curl_upload(server.url("/files/"), self.data.big_src, 600, name)
            ok = code == 202
        else:
            code, seconds = curl_upload(server.url(f"/files/w/{name}"), self.data.big_src, 600)
            ok = code == 201
        result = {"value": self.prof["big_size"] / seconds / 1e6 if ok and seconds else None,
                  "requests": 1, "errors": 0 if ok else 1, "http_code": code}
        if ok and rnd == 0:  # spot check, outside the timing
            self.checks.append(check(server, f"{'POST' if multipart else 'PUT'} "
                                     f"{human(self.prof['big_size'])}: sha256 on disk",
                                     sha256_file(server.write_dir / name) == self.data.big_digest))
        return result

    def idle(self, server: Server, _: int) -> dict:
        """Memory per kept-alive connection: RSS growth over N connections that each did one GET."""
        warm, _ = open_idle_connections(server.port, self.data.small_paths[0], 100)
        for s in warm:  # first-request allocations are not per-connection memory
            s.close()
        time.sleep(0.5)
        before = server.rss_kib()
        socks, errors = open_idle_connections(server.port, self.data.small_paths[0],
                                              self.prof["idle_conns"])
        try:
            time.sleep(1)
            after = server.rss_kib()
            closed = count_closed(socks)
        finally:
            for s in socks:
                s.close()
        count = len(socks)
        return {"value": (after - before) / count if count else None, "requests": count,
                "errors": errors + closed, "rss_before_kib": before, "rss_after_kib": after,
                "closed_by_server": closed}

    def concurrent_uploads(self, server: Server, _: int) -> dict:
        """N PUTs of the same source at once; the value is the server's peak RSS."""
        n, size = self.prof["conc_uploads"], self.prof["conc_size"]
        start = time.monotonic()
        procs = [spawn(curl_upload_cmd(server.url(f"/files/w/c{i:03d}.bin"), self.data.conc_src, 900),
                       stdout=subprocess.PIPE, text=True) for i in range(n)]
        peak_sampled = 0
        while any(p.poll() is None for p in procs) and time.monotonic() - start < 960:
            peak_sampled = max(peak_sampled, server.rss_kib())
            time.sleep(0.05)
        codes = [parse_curl(p.communicate(timeout=30)[0])[0] for p in procs]
        elapsed = time.monotonic() - start
        errors = sum(code != 201 for code in codes)
        sizes_ok = all((server.write_dir / f"c{i:03d}.bin").stat().st_size == size
                       for i in range(n) if codes[i] == 201)
        self.checks.append(check(server, f"{n} concurrent PUTs of {human(size)}: sizes, one sha256",
                                 errors == 0 and sizes_ok and
                                 sha256_file(server.write_dir / "c000.bin") == self.data.conc_digest))
        peak = max(peak_sampled, server.peak_kib())
        return {"value": peak / 1024, "requests": n, "errors": errors,
                "aggregate_mb_s": n * size / elapsed / 1e6, "peak_sampled_kib": peak_sampled}

    def scenarios(self) -> list[Scenario]:
        p = self.prof
        small, c = human(p["small_size"]), p["conns"]
        big = human(p["big_size"])
        return [
            Scenario("small_get", f"small GET {small}, {c} conns", "req/s", READ_SERVERS, self.small_get),
            Scenario("revalidate", f"304 revalidation (If-None-Match), {c} conns", "req/s",
                     READ_SERVERS, self.revalidate),
            Scenario("head", f"HEAD {small}, {c} conns", "req/s", READ_SERVERS, self.head),
            Scenario("range_get", f"Range GET {human(p['slice_size'])} of {big}, {c} conns", "req/s",
                     READ_SERVERS, self.range_get),
            Scenario("big_get_1", f"large GET {big}, 1 stream", "MB/s", READ_SERVERS,
                     lambda s, r: self.big_get(s, 1)),
            Scenario("big_get_4", f"large GET {big}, 4 streams", "MB/s", READ_SERVERS,
                     lambda s, r: self.big_get(s, 4)),
            Scenario("small_put", f"small PUT {small}, {c} conns", "req/s", WRITE_SERVERS, self.small_put),
            Scenario("small_post", f"multipart POST {small}, {c} conns", "req/s", WRITE_SERVERS,
                     self.small_post),
            Scenario("big_put", f"large PUT {big}, 1 stream", "MB/s", WRITE_SERVERS,
                     lambda s, r: self.big_upload(s, r, multipart=False)),
            Scenario("big_post", f"multipart POST {big}, 1 stream", "MB/s", WRITE_SERVERS,
                     lambda s, r: self.big_upload(s, r, multipart=True)),
            Scenario("mixed", f"mixed 90% GET / 10% PUT {small}, {c} conns", "req/s", WRITE_SERVERS,
                     self.mixed),
            Scenario("idle", f"{p['idle_conns']:,} idle keep-alive connections", "KiB/conn",
                     READ_SERVERS, self.idle, fresh=True, lower_is_better=True),
            Scenario("concurrent_uploads", f"{p['conc_uploads']} concurrent PUTs of "
                     f"{human(p['conc_size'])}: peak RSS", "MiB", READ_SERVERS,
                     self.concurrent_uploads, once=True, fresh=True, lower_is_better=True),
        ]


def open_idle_connections(port: int, path: str, count: int) -> tuple[list[socket.socket], int]:
    """Opens count connections, 250 at a time, each sends one keep-alive GET and reads the answer."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    socks: list[socket.socket] = []
    errors = 0
    for start in range(0, count, 250):
        batch = []
        for _ in range(min(250, count - start)):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(request)
            except OSError:
                errors += 1
                continue
            s.setblocking(False)
            batch.append(s)
        errors += read_answers(batch)
        socks.extend(batch)
    return socks, errors


def read_answers(batch: list[socket.socket]) -> int:
    """Reads one complete 200 answer on each socket; returns the number of sockets that failed."""
    sel = selectors.DefaultSelector()
    for s in batch:
        sel.register(s, selectors.EVENT_READ, bytearray())
    errors = 0
    deadline = time.monotonic() + 30
    while sel.get_map() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            buf = key.data
            chunk = key.fileobj.recv(65536)
            buf += chunk
            done, ok = answer_complete(buf)
            if not chunk or done:
                sel.unregister(key.fileobj)
                errors += not (chunk and ok)
    errors += len(sel.get_map())
    sel.close()
    return errors


def answer_complete(buf: bytearray) -> tuple[bool, bool]:
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False, False
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in head[1:]
                   if line.lower().startswith("content-length:")), 0)
    return len(buf) >= end + 4 + length, head[0].split()[1] == "200"


def count_closed(socks: list[socket.socket]) -> int:
    """Connections the server has closed meanwhile (readable with EOF)."""
    closed = 0
    for s in socks:
        try:
            if s.recv(1, socket.MSG_PEEK) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:  # reset
            closed += 1
    return closed


# ---------------------------------------------------------------------------------------------
# rounds, medians, the table


def measure(server: Server, fn: Callable[[], dict]) -> dict:
    server.reset_peak()
    cpu0 = server.cpu_seconds()
    result = fn()
    cpu = server.cpu_seconds() - cpu0
    result["cpu_s"] = cpu
    result["cpu_per_req_s"] = cpu / result["requests"] if result.get("requests") else None
    result.setdefault("peak_rss_mib", server.peak_kib() / 1024)
    return result


def run_all(bench: Bench, scenarios: list[Scenario], rounds: int,
            deadline: float) -> tuple[dict[str, dict[str, list]], int]:
    """Runs the rounds; stops early when one more round would end past the deadline."""
    raw: dict[str, dict[str, list]] = {sc.key: {name: [] for name in sc.servers} for sc in scenarios}
    last_round = 0.0  # without the once-only scenarios
    for rnd in range(rounds):
        if rnd > 0 and time.monotonic() + last_round > deadline:
            print(f"bench: WARNING: stopping after {rnd} of {rounds} rounds: one more would exceed "
                  "the time budget (--budget)", flush=True)
            return raw, rnd
        started, once = time.monotonic(), 0.0
        for sc in scenarios:
            if sc.once and rnd > 0:
                continue
            t = time.monotonic()
            run_scenario(bench, sc, rnd, rounds, raw[sc.key])
            once += time.monotonic() - t if sc.once else 0.0
        last_round = time.monotonic() - started - once
    return raw, rounds


def run_scenario(bench: Bench, sc: Scenario, rnd: int, rounds: int, raw: dict[str, list]) -> None:
    """One scenario against each of its servers, in an order that rotates from round to round."""
    order = sc.servers[rnd % len(sc.servers):] + sc.servers[:rnd % len(sc.servers)]
    for name in order:
        server = bench.servers[name]
        if sc.fresh:
            server.restart()
        result = measure(server, lambda: sc.run(server, rnd))
        raw[name].append(result)
        print(f"  [{time.monotonic() - bench.t0:4.0f} s] round {rnd + 1}/{rounds} {sc.key:<18} "
              f"{name:<16} {brief(result, sc.unit)}", flush=True)
        clean_writes(server)


def brief(r: dict, unit: str) -> str:
    text = f"{fmt_value(r['value'], unit)} {unit}"
    if "p99_ms" in r:
        text += f", p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms"
    text += f", CPU/req {fmt_cpu(r['cpu_per_req_s'])}, peak RSS {r['peak_rss_mib']:.1f} MiB"
    if r["errors"]:
        text += f", ERRORS {r['errors']} {r.get('error_detail', '')}"
    return text


def median_of(runs: list[dict]) -> dict:
    """Medians over the runs; errors are summed, and any error voids the figures."""
    errors = sum(r["errors"] for r in runs)
    out: dict = {"runs": len(runs), "errors": errors}
    for key in ("value", "cpu_per_req_s", "p50_ms", "p99_ms", "peak_rss_mib"):
        values = [r[key] for r in runs if r.get(key) is not None]
        out[key] = statistics.median(values) if values and not errors else None
    out["min"] = min((r["value"] for r in runs if r["value"] is not None), default=None)
    out["max"] = max((r["value"] for r in runs if r["value"] is not None), default=None)
    return out


@dataclass
class Row:
    title: str
    unit: str
    simplefs: dict
    nginx: dict
    target: str = "–"
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        s, n = self.simplefs["value"], self.nginx["value"]
        return s / n if s is not None and n else None


def ratio_at_least(limit: float) -> Callable[[Row, dict], tuple[str, bool | None]]:
    def target(row: Row, _: dict) -> tuple[str, bool | None]:
        r = row.ratio
        return f"ratio ≥ {limit}", None if r is None else r >= limit
    return target


def small_get_target(row: Row, _: dict) -> tuple[str, bool | None]:
    s, n = row.simplefs, row.nginx
    if row.ratio is None or s["p99_ms"] is None or n["p99_ms"] is None:
        return "ratio ≥ 1.2, CPU/req and p99 ≤ nginx", None
    ok = row.ratio >= 1.2 and s["cpu_per_req_s"] <= n["cpu_per_req_s"] and s["p99_ms"] <= n["p99_ms"]
    return "ratio ≥ 1.2, CPU/req and p99 ≤ nginx", ok


def post_vs_put(put_key: str, server: str) -> Callable[[Row, dict], tuple[str, bool | None]]:
    def target(row: Row, medians: dict) -> tuple[str, bool | None]:
        post, put = row.simplefs["value"], medians[put_key][server]["value"]
        if post is None or not put:
            return "≥ 0.9 × simplefs's own PUT", None
        return f"≥ 0.9 × own PUT ({post / put:.2f})", post / put >= 0.9
    return target


def at_most(limit: float, what: str) -> Callable[[Row, dict], tuple[str, bool | None]]:
    def target(row: Row, _: dict) -> tuple[str, bool | None]:
        v = row.simplefs["value"]
        return f"simplefs ≤ {what}", None if v is None else v <= limit
    return target


def no_target(_: Row, __: dict) -> tuple[str, bool | None]:
    return "–", None


# (scenario, simplefs variant, title suffix, target) in table order
ROW_SPECS = [
    ("small_get", SIMPLEFS, "", small_get_target),
    ("revalidate", SIMPLEFS, "", ratio_at_least(1.2)),
    ("head", SIMPLEFS, "", ratio_at_least(1.2)),
    ("range_get", SIMPLEFS, "", no_target),
    ("big_get_1", SIMPLEFS, "", ratio_at_least(1.0)),
    ("big_get_4", SIMPLEFS, "", ratio_at_least(1.0)),
    ("small_put", SIMPLEFS, "", no_target),
    ("small_put", NOFSYNC, ", --fsync=never", ratio_at_least(1.0)),
    ("big_put", SIMPLEFS, "", ratio_at_least(0.7)),
    ("big_put", NOFSYNC, ", --fsync=never", ratio_at_least(1.0)),
    ("small_post", SIMPLEFS, " (nginx: PUT)", post_vs_put("small_put", SIMPLEFS)),
    ("small_post", NOFSYNC, ", --fsync=never (nginx: PUT)", post_vs_put("small_put", NOFSYNC)),
    ("big_post", SIMPLEFS, " (nginx: PUT)", post_vs_put("big_put", SIMPLEFS)),
    ("big_post", NOFSYNC, ", --fsync=never (nginx: PUT)", post_vs_put("big_put", NOFSYNC)),
    ("mixed", SIMPLEFS, "", no_target),
    ("mixed", NOFSYNC, ", --fsync=never", no_target),
    ("idle", SIMPLEFS, "", at_most(16, "16 KiB")),
    ("concurrent_uploads", SIMPLEFS, "", at_most(128, "128 MiB")),
]


def make_rows(scenarios: list[Scenario], medians: dict) -> list[Row]:
    by_key = {sc.key: sc for sc in scenarios}
    rows = []
    for key, variant, suffix, target in ROW_SPECS:
        if key not in by_key or variant not in medians[key]:
            continue
        sc = by_key[key]
        row = Row(sc.title + suffix, sc.unit, medians[key][variant], medians[key][NGINX])
        row.target, row.met = target(row, medians)
        rows.append(row)
    return rows


def fmt_value(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    if unit in ("req/s", "MB/s"):
        return f"{v:,.0f}"
    return f"{v:.1f}"


def fmt_cpu(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_cell(m: dict, unit: str) -> str:
    if m["errors"]:
        return f"ERRORS ({m['errors']})"
    return fmt_value(m["value"], unit)


def fmt_latency(m: dict) -> str:
    if m["p99_ms"] is None:
        return "–"
    return f"{m['p50_ms']:.2f} / {m['p99_ms']:.2f}"


def markdown_table(rows: list[Row]) -> str:
    head = ("| scenario | unit | simplefs | nginx | ratio | target | met | CPU/req simplefs | "
            "CPU/req nginx | p50 / p99 ms simplefs | p50 / p99 ms nginx | peak RSS MiB simplefs | "
            "peak RSS MiB nginx |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in rows:
        ratio = "–" if r.ratio is None or r.simplefs["errors"] or r.nginx["errors"] else f"{r.ratio:.2f}"
        met = {True: "yes", False: "**NO**", None: "–"}[r.met] if r.target != "–" else "–"
        cells = [r.title, r.unit, fmt_cell(r.simplefs, r.unit), fmt_cell(r.nginx, r.unit), ratio,
                 r.target, met, fmt_cpu(r.simplefs["cpu_per_req_s"]), fmt_cpu(r.nginx["cpu_per_req_s"]),
                 fmt_latency(r.simplefs), fmt_latency(r.nginx), fmt_rss(r.simplefs), fmt_rss(r.nginx)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fmt_rss(m: dict) -> str:
    return "–" if m["peak_rss_mib"] is None else f"{m['peak_rss_mib']:.1f}"


# ---------------------------------------------------------------------------------------------
# machine, output


def machine(binary: Path) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    nginx_v = run([nginx_binary(), "-v"], 10).stderr.strip()
    version = run([str(binary), "--version"], 10).stdout.strip().splitlines()
    # No git in a checkout copied without .git (the test image, make test_container).
    commit = run(["git", "-C", str(binary.parent), "describe", "--always", "--dirty", "--exclude", "*"],
                 10).stdout.strip() if shutil.which("git") else ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "memory_gib": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / GiB, 1),
            "nginx": nginx_v.removeprefix("nginx version: "), "wrk": shutil.which("wrk"),
            "simplefs_version": version[0] if version else "", "simplefs_binary": str(binary),
            "simplefs_commit": commit or "unknown"}


def markdown_report(meta: dict, rows: list[Row], checks: list[dict]) -> str:
    m = meta["machine"]
    failed = [c for c in checks if not c["ok"]]
    lines = [
        f"simplefs `{m['simplefs_commit']}` ({m['simplefs_version']}) against {m['nginx']}, "
        f"{meta['started']}, {meta['profile']} profile: {meta['rounds']} rounds, wrk {meta['duration']} s "
        f"per run, {meta['threads']} server threads/workers, wrk {meta['client_threads']} threads; "
        f"whole run {meta['elapsed_s']:.0f} s.",
        f"Machine: {m['nproc']} × {m['cpu']}, {m['memory_gib']} GiB RAM, kernel {m['kernel']}; "
        "client and servers share the cores. "
        f"Busy before the start: {meta['busy_cores_before']:.2f} cores; CPU spent outside the bench's "
        f"processes during the scenarios (other programs, kernel writeback): {meta['foreign_cpu_s']:.0f} s.",
        "",
        markdown_table(rows),
        "",
        "Medians over the rounds; ratio = simplefs / nginx (for memory rows, lower is better). "
        "CPU/req: server CPU time (user + system, all threads/processes) per request or transfer. "
        "Peak RSS: VmHWM during the run (nginx: sum over master and workers). "
        "MB/s = 10^6 bytes per second.",
        "",
        *warnings(meta),
        f"Integrity checks: {len(checks) - len(failed)}/{len(checks)} passed"
        + ("" if not failed else ": FAILED " + "; ".join(f"{c['server']}: {c['check']}" for c in failed))
        + ".",
    ]
    return "\n".join(lines) + "\n"


def warnings(meta: dict) -> list[str]:
    found = []
    if meta["rounds"] < meta["rounds_asked"]:
        found.append(f"**Warning**: only {meta['rounds']} of {meta['rounds_asked']} rounds fitted in the "
                     f"time budget of {meta['budget_s']:.0f} s.")
    # The bench's own disk writes cost some kernel CPU too (writeback): about 0.05 cores.
    if meta["foreign_cpu_s"] > 0.15 * meta["elapsed_s"] or meta["busy_cores_before"] > 0.2:
        found.append(f"**Warning**: other programs were busy ({meta['foreign_cpu_s']:.0f} CPU-s during "
                     f"a {meta['elapsed_s']:.0f} s run): every figure is skewed; run it again on a "
                     "quiet machine.")
    return [*found, ""] if found else []


def human(size: int) -> str:
    for unit, factor in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} B"


# ---------------------------------------------------------------------------------------------
# main


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, 1 round of 1 s: proves it works")
    ap.add_argument("--rounds", type=int, help="rounds of every scenario (default 3, quick 1)")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (default 3, quick 1)")
    ap.add_argument("--budget", type=float, default=540,
                    help="seconds: no new round starts that would end later (default 540)")
    ap.add_argument("--threads", type=int, default=2,
                    help="simplefs --threads and nginx worker_processes (default 2)")
    ap.add_argument("--client-threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--simplefs", type=Path, help="binary (default: build/release/simplefs of this tree)")
    ap.add_argument("--out", type=Path,
                    help="writes OUT.json and OUT.md (default bench/results/latest, quick: .../quick)")
    ap.add_argument("--only", help="comma-separated scenario keys (for development)")
    ap.add_argument("--workdir", type=Path, help="parent of the servers' data (default: TMPDIR; not tmpfs)")
    args = ap.parse_args()
    prof = PROFILES["quick" if args.quick else "full"]
    args.rounds = args.rounds or prof["rounds"]
    args.duration = args.duration or prof["duration"]
    args.simplefs = (args.simplefs or REPO / "build/release/simplefs").resolve()
    args.out = args.out or BENCH / "results" / ("quick" if args.quick else "latest")
    return args


def missing_tools(binary: Path) -> list[str]:
    missing = [t for t in ("wrk", "curl", "cc") if not shutil.which(t)]
    if not nginx_binary():
        missing.append("nginx")
    if not binary.exists():
        missing.append(str(binary))
    return missing


def raise_nofile(want: int) -> int:
    """Raises this process's open-file limit (the servers inherit it); returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in (max(want, hard), hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
            return limit
        except (ValueError, OSError):
            pass
    return soft


def main() -> int:
    args = parse_args()
    prof = PROFILES["quick" if args.quick else "full"]
    if missing := missing_tools(args.simplefs):
        print(f"bench: skipped, missing: {', '.join(missing)} (make bench installs nginx, wrk, curl)")
        return SKIP
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    lock = LOCK.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"bench: another run holds {LOCK}; waiting for it", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    nofile = raise_nofile(prof["idle_conns"] + 2048)
    if nofile < prof["idle_conns"] + 1024:
        print(f"bench: the open-file limit is {nofile}: too low for {prof['idle_conns']} connections")
        return 1
    work = Path(tempfile.mkdtemp(prefix="simplefs-bench-", dir=args.workdir))
    shm = Path(tempfile.mkdtemp(prefix="simplefs-bench-", dir="/dev/shm"))
    servers: dict[str, Server] = {}
    try:
        return bench_in(args, prof, work, shm, nofile, servers)
    except CheckFailed as e:
        print(f"bench: FAILED: {e}", file=sys.stderr)
        print_server_logs(servers)
        return 1
    except Exception:
        print_server_logs(servers)
        raise
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)


def print_server_logs(servers: dict[str, Server]) -> None:
    for s in servers.values():
        state = "running" if s.proc and s.proc.poll() is None else f"exited {s.proc.returncode}"
        print(f"--- {s.name} ({state}), end of {s.log}:\n{s.log.read_text()[-1500:]}", file=sys.stderr)


def bench_in(args: argparse.Namespace, prof: dict, work: Path, shm: Path, nofile: int,
             servers: dict[str, Server]) -> int:
    started, t0 = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), time.monotonic()
    print(f"bench: {args.simplefs} and {nginx_binary()}; data in {work}", flush=True)
    busy0, own0 = machine_busy_seconds(), own_cpu_seconds()
    time.sleep(1)
    busy_before = max(0.0, machine_busy_seconds() - busy0 - (own_cpu_seconds() - own0))
    if busy_before > 0.2:
        print(f"bench: WARNING: other programs keep {busy_before:.1f} cores busy: the figures will be "
              "skewed", flush=True)
    servers[NOFSYNC] = Simplefs(NOFSYNC, args.simplefs, work / NOFSYNC, args.threads, "never")
    servers[SIMPLEFS] = Simplefs(SIMPLEFS, args.simplefs, work / SIMPLEFS, args.threads, "always")
    data = seed(servers[NOFSYNC], prof, shm, work / "lists")
    hardlink_tree(work / NOFSYNC / "read", work / SIMPLEFS / "read")
    # Each worker may get all the idle connections (the kernel picks the worker). nginx allocates
    # and touches its connection table at start: that memory is in its RSS before the idle test.
    connections = min(prof["idle_conns"] + 1024, nofile - 64)
    servers[NGINX] = Nginx(work / NGINX, work / NOFSYNC / "read", args.threads, nofile, connections)
    os.sync()
    bench = Bench(args, prof, data, servers)
    for name in READ_SERVERS:
        write_etag_list(servers[name], data)
        bench.checks += check_reads(servers[name], data, prof, shm)
    for server in servers.values():
        bench.checks += check_writes(server, data)
        clean_writes(server)
    scenarios = bench.scenarios()
    if args.only:
        wanted = set(args.only.split(","))
        scenarios = [sc for sc in scenarios if sc.key in wanted]
    busy0, own0 = machine_busy_seconds(), own_cpu_seconds()
    raw, rounds_done = run_all(bench, scenarios, args.rounds, t0 + args.budget)
    for server in servers.values():  # reaped: their CPU counts in own_cpu_seconds()
        server.stop()
    elapsed = time.monotonic() - t0
    foreign = machine_busy_seconds() - busy0 - (own_cpu_seconds() - own0)
    medians = {key: {name: median_of(runs) for name, runs in per.items()} for key, per in raw.items()}
    rows = make_rows(scenarios, medians)
    meta = {"started": started, "elapsed_s": elapsed, "busy_cores_before": busy_before,
            "foreign_cpu_s": foreign, "profile":
            "quick" if args.quick else "full", "rounds": rounds_done, "rounds_asked": args.rounds,
            "budget_s": args.budget, "duration": args.duration,
            "threads": args.threads, "client_threads": args.client_threads, "sizes": prof,
            "machine": machine(args.simplefs)}
    write_results(args.out, meta, scenarios, raw, medians, rows, bench.checks)
    failed = [c for c in bench.checks if not c["ok"]]
    return 1 if failed else 0


def write_results(out: Path, meta: dict, scenarios: list[Scenario], raw: dict, medians: dict,
                  rows: list[Row], checks: list[dict]) -> None:
    report = markdown_report(meta, rows, checks)
    print("\n" + report, flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"meta": meta, "checks": checks,
           "scenarios": {sc.key: {"title": sc.title, "unit": sc.unit, "lower_is_better": sc.lower_is_better,
                                  "runs": raw[sc.key], "medians": medians[sc.key]} for sc in scenarios},
           "rows": [{"title": r.title, "unit": r.unit, "simplefs": r.simplefs, "nginx": r.nginx,
                     "ratio": r.ratio, "target": r.target, "met": r.met} for r in rows]}
    Path(f"{out}.json").write_text(json.dumps(doc, indent=1) + "\n")
    Path(f"{out}.md").write_text(report)
    print(f"bench: wrote {out}.json and {out}.md")


if __name__ == "__main__":
    sys.exit(main())
