"""yamllint over deploy/ with deploy/.yamllint: syntax, indentation, duplicate keys, line length."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def test_deploy_yaml_is_clean():
    yamllint = shutil.which("yamllint")
    if yamllint is None:
        pytest.fail("yamllint not found: apt-get install yamllint (scripts/install-deps test)",
                    pytrace=False)
    files = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert files, "no YAML files under deploy/"
    out = subprocess.run([yamllint, "--strict", "-f", "parsable", "-c", str(DEPLOY / ".yamllint"),
                          *map(str, files)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"yamllint found problems:\n{out.stdout}{out.stderr}"
