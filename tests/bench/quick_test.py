#!/usr/bin/python3
"""bench.quick: runs bench/run.py --quick and checks its JSON.

Every scenario must have run against every server it names (simplefs and nginx, plus
simplefs --fsync=never for the write scenarios), each with a figure and no errors, every row of
the table must have both figures, and every integrity check must have passed.
Exits 77 (CTest: skipped) when run.py does, i.e. when nginx, wrk, curl or cc is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIP = 77
READ = ["simplefs", "nginx"]
WRITE = ["simplefs", "simplefs-nofsync", "nginx"]
EXPECTED = {
    "small_get": READ, "revalidate": READ, "head": READ, "range_get": READ, "big_get_1": READ,
    "big_get_4": READ, "small_put": WRITE, "small_post": WRITE, "big_put": WRITE, "big_post": WRITE,
    "mixed": WRITE, "idle": READ, "concurrent_uploads": READ,
}


def problems(doc: dict) -> list[str]:
    found = []
    scenarios = doc["scenarios"]
    if set(scenarios) != set(EXPECTED):
        found.append(f"scenarios {sorted(scenarios)}, expected {sorted(EXPECTED)}")
    for key, servers in EXPECTED.items():
        for server in servers:
            runs = scenarios.get(key, {}).get("runs", {}).get(server, [])
            median = scenarios.get(key, {}).get("medians", {}).get(server, {})
            if not runs:
                found.append(f"{key}: no run against {server}")
            elif median.get("value") is None or median.get("errors"):
                found.append(f"{key} on {server}: value {median.get('value')}, errors {median.get('errors')}")
    for row in doc["rows"]:
        if row["simplefs"]["value"] is None or row["nginx"]["value"] is None or row["ratio"] is None:
            found.append(f"row {row['title']!r} lacks a figure")
    found += [f"check failed: {c['server']}: {c['check']}" for c in doc["checks"] if not c["ok"]]
    if not doc["checks"]:
        found.append("no integrity checks ran")
    return found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--simplefs", required=True)
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args()
    rc = subprocess.call([sys.executable, str(REPO / "bench/run.py"), "--quick", "--simplefs",
                          args.simplefs, "--out", str(args.out)])
    if rc == SKIP:
        return SKIP
    if rc != 0:
        print(f"bench/run.py --quick failed with exit code {rc}")
        return 1
    doc = json.loads(Path(f"{args.out}.json").read_text())  # raises on malformed JSON
    found = problems(doc)
    for p in found:
        print(f"bench.quick: {p}")
    print(f"bench.quick: {'FAILED' if found else 'ok'}: {len(doc['rows'])} rows, "
          f"{len(doc['checks'])} integrity checks")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
