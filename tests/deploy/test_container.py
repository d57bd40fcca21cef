"""The production image (Dockerfile.prod) built and run for real with podman, and the local-test
Kubernetes overlay run with `podman kube play`; scripts/smoke-test checks both from outside.

The image is built with the README's command, `make build_prod CONTAINER=podman
BASE_IMAGE=localhost/debian:bookworm-slim`: the base image is made on this machine from Debian's
mirror (scripts/container-base-image), so no registry is involved. Needs root and podman
(scripts/install-deps test); without them the tests are skipped and say why. The kube play test
also needs kubectl >= 1.21 to render the overlay (see test_k8s.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/debian:bookworm-slim"
IMAGE = "localhost/simplefs:prod"
SMOKE_TEST = REPO / "scripts" / "smoke-test"
UID = 10001

sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e_helpers import HOST, free_port, wait_until  # noqa: E402
from test_k8s import K8S, LOCAL_TEST, kubectl_env, kubectl_or_skip, simplefs_container  # noqa: E402

SKIP_PREFIX = "container tests skipped:"


def podman_env() -> dict:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(REPO / "deploy" / "podman" / "containers.conf"))
    return env


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    out = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout,
                         env=podman_env())
    if check:
        assert out.returncode == 0, f"podman {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def image() -> str:
    if shutil.which("podman") is None:
        pytest.skip(f"{SKIP_PREFIX} podman not found (scripts/install-deps test installs it)")
    if os.geteuid() != 0:
        pytest.skip(f"{SKIP_PREFIX} they run rootful podman; run them as root")
    # Dockerfile.test sets the variable; podman marks its containers with /run/.containerenv.
    if os.environ.get("SIMPLEFS_TEST_IMAGE") or Path("/run/.containerenv").exists():
        pytest.skip(f"{SKIP_PREFIX} already inside a container (make test_container): no podman in podman")
    env = podman_env()
    env.pop("MAKEFLAGS", None)  # not a sub-make of the make that runs ctest
    build = subprocess.run(["make", "-C", str(REPO), "build_prod", "CONTAINER=podman",
                            f"BASE_IMAGE={BASE_IMAGE}"],
                           capture_output=True, text=True, timeout=2400, env=env)
    assert build.returncode == 0, f"make build_prod failed:\n{build.stdout[-6000:]}\n{build.stderr[-6000:]}"
    return IMAGE


def wait_ready(base: str) -> None:
    def ready() -> bool:
        try:
            return requests.get(f"{base}/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    assert wait_until(ready, timeout=30), f"{base}/readyz never answered 200"


def smoke_test(base: str) -> None:
    out = subprocess.run([sys.executable, str(SMOKE_TEST), base, "--size", str(3 * 2**20)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"smoke-test {base} failed:\n{out.stdout}\n{out.stderr}"
    assert "smoke-test: all steps passed" in out.stdout


def test_image_is_a_small_runtime_for_uid_10001(image):
    inspected = json.loads(podman("image", "inspect", image).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == f"{UID}:{UID}", "a numeric user, so that runAsNonRoot can check it"
    assert "8080/tcp" in config["ExposedPorts"]
    assert "STORAGE_ROOT=/data/simplefs_data" in config["Env"]
    # podman shows it beside Config; lost in the OCI image format (build with --format docker).
    assert inspected.get("Healthcheck", {}).get("Test", [""])[0] == "CMD", "no HEALTHCHECK"
    assert config["Entrypoint"] == ["/usr/local/bin/simplefs"]
    # Only the binary and its libraries: no compiler, no build tree, no package lists.
    probe = podman("run", "--rm", "--entrypoint", "bash", image, "-c",
                   "id -u; command -v g++ cc cmake npm; ls -d /src /build 2>/dev/null;"
                   " find /var/lib/apt/lists -type f ! -name lock; true")
    uid, *left = probe.stdout.split()
    assert uid == str(UID)
    assert left == [], f"build tools, sources or package lists left in the image: {left}"
    size = int(inspected["Size"])
    # The Debian base is ~78 MB; libcephfs and its libraries add most of the rest.
    assert size < 200 * 1024 * 1024, f"the runtime image is {size / 2**20:.0f} MiB"


def test_image_runs_read_only_without_privileges(image):
    name = f"simplefs-ci-{uuid.uuid4().hex[:8]}"
    port = free_port()
    base = f"http://{HOST}:{port}"
    podman("run", "-d", "--name", name, "--read-only", "--cap-drop=ALL",
           "--security-opt=no-new-privileges", "-p", f"{HOST}:{port}:8080", image)
    try:
        wait_ready(base)
        smoke_test(base)
        # The files go to the volume at /data, under STORAGE_ROOT.
        assert requests.put(f"{base}/files/kept.txt", data=b"in the volume\n", timeout=10).status_code == 201
        inside = podman("exec", name, "bash", "-c",
                        "cat /data/simplefs_data/kept.txt; id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/1/status;"
                        " touch /usr/local/bin/x 2>&1 || true").stdout
        assert "in the volume" in inside
        assert f"\n{UID}\n" in inside
        assert "CapEff:\t0000000000000000" in inside and "NoNewPrivs:\t1" in inside
        assert "Read-only file system" in inside
        # The image's HEALTHCHECK asks /readyz.
        assert podman("healthcheck", "run", name, check=False).returncode == 0
        # SIGTERM: simplefs drains and exits 0 well within the stop timeout.
        podman("stop", "-t", "20", name)
        state = json.loads(podman("inspect", name).stdout)[0]["State"]
        assert state["ExitCode"] == 0, state
        logs = podman("logs", name)
        assert "stopped" in logs.stdout + logs.stderr
    finally:
        podman("rm", "-f", "-v", name, check=False)


def test_healthcheck_fails_when_storage_is_not_writable(image):
    # /data as a read-only tmpfs: the server starts, /readyz answers 503, the check fails.
    name = f"simplefs-ci-{uuid.uuid4().hex[:8]}"
    podman("run", "-d", "--name", name, "--read-only", "--cap-drop=ALL",
           "--mount", "type=tmpfs,destination=/data,ro=true", "-e", "STORAGE_ROOT=/data", image)
    try:
        def logs() -> str:
            out = podman("logs", name, check=False)
            return out.stdout + out.stderr

        assert wait_until(lambda: "serving" in logs(), timeout=30), logs()
        assert podman("healthcheck", "run", name, check=False).returncode != 0
    finally:
        podman("rm", "-f", "-v", name, check=False)


def test_kube_play_runs_the_local_test_overlay(image, tmp_path):
    kubectl = kubectl_or_skip()
    rendered = subprocess.run([kubectl, "kustomize", str(K8S / LOCAL_TEST)], capture_output=True,
                              text=True, timeout=120, env=kubectl_env())
    assert rendered.returncode == 0, rendered.stderr
    docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    [deployment] = [d for d in docs if d["kind"] == "Deployment"]
    container = simplefs_container(deployment)
    assert container["image"] == image
    # podman publishes containerPorts on the host: pin it to loopback and a free port. Nothing
    # else of the rendered objects changes.
    port = free_port()
    [http] = [p for p in container["ports"] if p["name"] == "http"]
    http.update(hostIP=HOST, hostPort=port)
    manifest = tmp_path / "simplefs-local.yaml"
    manifest.write_text(yaml.safe_dump_all(docs))
    podman("kube", "play", str(manifest), timeout=300)
    try:
        base = f"http://{HOST}:{port}"
        wait_ready(base)
        smoke_test(base)
        pods = json.loads(podman("pod", "ps", "--format", "json").stdout)
        [pod] = [p for p in pods if p["Name"].startswith("simplefs-pod")]
        [member] = [c for c in pod["Containers"] if c["Names"].endswith("-simplefs")]
        inside = podman("exec", member["Id"], "bash", "-c",
                        "id -u; touch /x 2>&1 || true; echo SIMPLEFS_SHUTDOWN_GRACE=$SIMPLEFS_SHUTDOWN_GRACE;"
                        " ls -d /data/simplefs_data").stdout
        assert inside.splitlines()[0] == str(UID)
        assert "Read-only file system" in inside
        assert "SIMPLEFS_SHUTDOWN_GRACE=20s" in inside
        assert "/data/simplefs_data" in inside
    finally:
        podman("kube", "down", str(manifest), check=False, timeout=120)
