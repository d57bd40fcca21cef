"""A short run of scripts/soak (the mixed workload that watches RSS, descriptors and threads).

The full run is `scripts/soak build/release/simplefs` (600 s); this one lasts SIMPLEFS_E2E_SOAK_SECONDS
(default 60). Under a sanitizer (SIMPLEFS_E2E_SANITIZE, set by CMake) the RSS rule is not judged:
ASan's quarantine and TSan's shadow memory grow by design.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from e2e_helpers import simplefs_bin

SOAK = Path(__file__).resolve().parents[2] / "scripts" / "soak"
SECONDS = int(os.environ.get("SIMPLEFS_E2E_SOAK_SECONDS", "60"))


@pytest.mark.local_disk("starts its own server on a temp folder")
@pytest.mark.time_limit(SECONDS + 240)
def test_soak_short(tmp_path):
    report = tmp_path / "soak.json"
    cmd = [sys.executable, str(SOAK), simplefs_bin(), "--duration", str(SECONDS), "--json", str(report)]
    if os.environ.get("SIMPLEFS_E2E_SANITIZE"):
        cmd.append("--no-rss-rule")
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=SECONDS + 200)
    out = done.stdout[-20000:] + done.stderr[-5000:]
    assert done.returncode == 0, f"soak exited {done.returncode}:\n{out}"
    summary = json.loads(report.read_text())
    assert summary["ok"] and summary["errors"] == 0, out
    assert summary["requests"] > 100, f"only {summary['requests']} requests in {SECONDS} s"
    hangups = summary["operations"].get("upload_hangup", 0) + summary["operations"].get("download_hangup", 0)
    assert hangups > 0, "no client hung up: the workload lost its disconnects"
    print(f"soak {SECONDS}s: {summary['requests']} requests; baseline {summary['baseline']}, final {summary['final']}")
