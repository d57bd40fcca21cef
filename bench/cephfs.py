#!/usr/bin/env python3
"""simplefs on CephFS: 1 GiB upload/download throughput per way of storing, and cross-replica
read-after-write latency with the MDS tick at Ceph's default and at a short value.

Needs a running test cluster with a ceph-fuse mount of its root (what `make test` sets up):

    scripts/ceph-dev-cluster up build/ceph-cluster
    scripts/ceph-dev-cluster mount build/ceph-cluster $PWD/build/ceph-cluster/mnt
    eval "$(scripts/ceph-dev-cluster env build/ceph-cluster)"
    bench/cephfs.py --mount $PWD/build/ceph-cluster/mnt [--size-mib 1024] [--rounds 20]

Traffic goes to 127.0.0.1 only; curl moves the bytes (upload from and download to /dev/shm, so
the client's disk is not what is measured). Prints a table and writes JSON (--json).
The test cluster keeps its OSD data in RAM (memstore): the CephFS figures are what Ceph's client
and MDS cost on this machine, not what a real OSD disk would add.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: str, storage_args: list[str], log: Path):
        self.port = free_port()
        self.log = open(log, "wb")
        self.proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(self.port),
                                      *storage_args], stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"simplefs did not become ready: see {log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def ceph_args(root: str) -> list[str]:
    args = ["--storage", "cephfs", "--ceph-root", root]
    for flag, var in (("--ceph-conf", "SIMPLEFS_CEPH_CONF"), ("--ceph-id", "SIMPLEFS_CEPH_ID"),
                      ("--ceph-keyring", "SIMPLEFS_CEPH_KEYRING"), ("--ceph-fs", "SIMPLEFS_CEPH_FS")):
        if os.environ.get(var):
            args += [flag, os.environ[var]]
    return args


def curl_seconds(args: list[str]) -> float:
    t0 = time.monotonic()
    subprocess.run(["curl", "-sS", "-f", "--noproxy", "*", "-o", "/dev/null", *args], check=True,
                   timeout=600)
    return time.monotonic() - t0


def throughput(binary: str, storage_args: list[str], source: Path, size: int, work: Path,
               label: str) -> dict:
    srv = Server(binary, storage_args, work / f"{label}.log")
    try:
        url = srv.url + "/files/bench/one.bin"
        up = curl_seconds(["-T", str(source), url])
        down = curl_seconds([url])
        return {"upload_MBps": size / up / 1e6, "download_MBps": size / down / 1e6}
    finally:
        requests.delete(srv.url + "/files/bench/one.bin", timeout=60)
        srv.stop()


def set_mds_tick(seconds: str) -> None:
    cluster_dir = Path(os.environ["SIMPLEFS_CEPH_CONF"]).resolve().parent
    subprocess.run([str(REPO / "scripts" / "ceph-dev-cluster"), "up", str(cluster_dir),
                    "--mds-tick", seconds], check=True, timeout=120, stdout=subprocess.DEVNULL)


def cross_replica_latency(binary: str, root: str, rounds: int, work: Path, label: str) -> dict:
    """PUT a small new file through A, then at once GET it through B: B's latency."""
    a = Server(binary, ceph_args(root), work / f"{label}-a.log")
    b = Server(binary, ceph_args(root), work / f"{label}-b.log")
    try:
        sa, sb = requests.Session(), requests.Session()
        latencies = []
        for i in range(rounds):
            name = f"lat/{uuid.uuid4().hex}.txt"
            body = os.urandom(4096)
            assert sa.put(a.url + "/files/" + name, data=body, timeout=60).status_code == 201
            t0 = time.monotonic()
            r = sb.get(b.url + "/files/" + name, timeout=60)
            latencies.append((time.monotonic() - t0) * 1000)
            assert r.status_code == 200 and r.content == body, r.status_code
        latencies.sort()
        return {"rounds": rounds, "median_ms": statistics.median(latencies),
                "p90_ms": latencies[int(0.9 * (len(latencies) - 1))], "max_ms": latencies[-1]}
    finally:
        a.stop()
        b.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mount", required=True, help="ceph-fuse mount of the file system's root")
    ap.add_argument("--binary", default=str(REPO / "build" / "release" / "simplefs"))
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=20, help="read-after-write rounds per tick value")
    ap.add_argument("--short-tick", default="0.05")
    ap.add_argument("--restore-tick", default="0.05", help="mds_tick_interval to leave behind")
    ap.add_argument("--json", default="build/bench-cephfs.json")
    opts = ap.parse_args()
    if not os.environ.get("SIMPLEFS_CEPH_CONF") or not os.path.ismount(opts.mount):
        sys.exit("needs SIMPLEFS_CEPH_CONF (scripts/ceph-dev-cluster env) and a ceph-fuse --mount")

    size = opts.size_mib * 1024 * 1024
    run_id = uuid.uuid4().hex[:8]
    results: dict = {"size_bytes": size, "throughput": {}, "latency": {}}
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm, tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        source = Path(shm) / "source.bin"
        with open(source, "wb") as f:
            block = os.urandom(1 << 20)
            for _ in range(opts.size_mib):
                f.write(block)
        local_root = work_dir / "local"
        fuse_root = Path(opts.mount) / f"bench-{run_id}-fuse"
        ways = {
            "local disk (posix)": ["--storage-root", str(local_root)],
            "ceph-fuse mount (posix)": ["--storage-root", str(fuse_root)],
            "libcephfs (cephfs)": ceph_args(f"/bench-{run_id}-libcephfs"),
        }
        try:
            for label, args in ways.items():
                results["throughput"][label] = throughput(opts.binary, args, source, size, work_dir,
                                                          label.split()[0])
            for tick in ("5", opts.short_tick):
                set_mds_tick(tick)
                results["latency"][f"mds_tick_interval={tick}s"] = cross_replica_latency(
                    opts.binary, f"/bench-{run_id}-latency-{tick}", opts.rounds, work_dir, f"tick{tick}")
        finally:
            set_mds_tick(opts.restore_tick)
            for d in Path(opts.mount).glob(f"bench-{run_id}-*"):
                shutil.rmtree(d, ignore_errors=True)

    print(f"\n1 file of {opts.size_mib} MiB through curl on 127.0.0.1 (fsync and SHA-256 on)")
    print(f"{'storage':28} {'upload MB/s':>12} {'download MB/s':>14}")
    for label, r in results["throughput"].items():
        print(f"{label:28} {r['upload_MBps']:12.0f} {r['download_MBps']:14.0f}")
    print(f"\nGET through replica B right after PUT through replica A (libcephfs, {opts.rounds} rounds)")
    print(f"{'MDS tick':28} {'median ms':>10} {'p90 ms':>10} {'max ms':>10}")
    for label, r in results["latency"].items():
        print(f"{label:28} {r['median_ms']:10.1f} {r['p90_ms']:10.1f} {r['max_ms']:10.1f}")
    Path(opts.json).parent.mkdir(parents=True, exist_ok=True)
    Path(opts.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nraw results: {opts.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
