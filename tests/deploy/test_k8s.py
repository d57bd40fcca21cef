"""The Kubernetes manifests in deploy/k8s, rendered offline with `kubectl kustomize`.

Every folder with a kustomization.yaml is rendered (no cluster is contacted) and the objects are
checked against what simplefs really does: the probe paths answer 200 on the real binary
(SIMPLEFS_BIN) started with the pod's settings, every SIMPLEFS_* name is one that `simplefs
--help` lists, the grace period covers the preStop sleep plus --shutdown-grace, and the security
settings, volumes and overlays are what the README promises.

Needs kubectl >= 1.21 (kustomize v4 or later inside); without it the tests are skipped with a
message. Debian 12 packages no usable kubectl: kubernetes-client 1.20 embeds kustomize v2, which
cannot read these kustomizations.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = "base"
LIBCEPHFS = "overlays/libcephfs"
LOCAL_TEST = "overlays/local-test"

sys.path.insert(0, str(REPO / "tests" / "e2e"))
from e2e_helpers import HOST, free_port, server_env, wait_until  # noqa: E402

SKIP_PREFIX = "k8s manifest tests skipped:"
MIN_KUBECTL_MINOR = 21

# The files the libcephfs overlay's secretGenerator reads; the user provides them (git-ignored),
# the tests use the shipped examples.
CEPH_FILES = {"ceph.conf": "ceph.conf.example",
              "client.simplefs.keyring": "client.simplefs.keyring.example"}

# Kinds that live in a namespace (everything rendered here except the Namespace itself).
CLUSTER_SCOPED = {"Namespace"}


def kustomizations() -> list[str]:
    return sorted(str(p.parent.relative_to(K8S)) for p in K8S.rglob("kustomization.yaml"))


# --------------------------------------------------------------------------- rendering


def kubectl_or_skip() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip(f"{SKIP_PREFIX} kubectl not found (needs kubectl >= 1.{MIN_KUBECTL_MINOR}; "
                    "Debian 12 packages only kubernetes-client 1.20, whose kustomize v2 is too old)")
    out = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True,
                         text=True, timeout=60, env=kubectl_env())
    try:
        client = json.loads(out.stdout)["clientVersion"]
        minor = int(re.match(r"\d+", client["minor"]).group())
    except (ValueError, KeyError, AttributeError, TypeError):
        pytest.fail(f"cannot read the version of {kubectl}: {out.stdout!r} {out.stderr!r}")
    if (int(client["major"]), minor) < (1, MIN_KUBECTL_MINOR):
        pytest.skip(f"{SKIP_PREFIX} {kubectl} is {client.get('gitVersion')}, whose kustomize is older "
                    f"than v4 (needs kubectl >= 1.{MIN_KUBECTL_MINOR})")
    return kubectl


def kubectl_env() -> dict:
    # `kubectl kustomize` needs no cluster; an empty config makes sure none is ever reached.
    env = dict(os.environ)
    env["KUBECONFIG"] = os.devnull
    return env


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Every kustomization rendered: its folder (relative to deploy/k8s) -> the objects."""
    kubectl = kubectl_or_skip()
    tree = tmp_path_factory.mktemp("k8s") / "k8s"
    shutil.copytree(K8S, tree)
    for name, example in CEPH_FILES.items():
        shutil.copyfile(tree / LIBCEPHFS / example, tree / LIBCEPHFS / name)
    result = {}
    for folder in kustomizations():
        out = subprocess.run([kubectl, "kustomize", str(tree / folder)], capture_output=True,
                             text=True, timeout=120, env=kubectl_env())
        assert out.returncode == 0, f"kubectl kustomize {folder} failed:\n{out.stderr}"
        result[folder] = [doc for doc in yaml.safe_load_all(out.stdout) if doc]
    return result


def objects(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def the(docs: list[dict], kind: str) -> dict:
    found = objects(docs, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def containers(deployment: dict) -> list[dict]:
    spec = deployment["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def simplefs_container(deployment: dict) -> dict:
    [container] = [c for c in deployment["spec"]["template"]["spec"]["containers"]
                   if c["name"] == "simplefs"]
    return container


def container_env(docs: list[dict], container: dict) -> dict[str, str]:
    """The environment the container gets: its ConfigMaps (envFrom), then its own env."""
    maps = {m["metadata"]["name"]: m.get("data", {}) for m in objects(docs, "ConfigMap")}
    env = {}
    for source in container.get("envFrom", []):
        ref = source["configMapRef"]["name"]
        assert ref in maps, f"envFrom names ConfigMap {ref}, which is not rendered"
        env.update(maps[ref])
    for var in container.get("env", []):
        assert "value" in var, f"{var['name']}: only plain values are expected"
        env[var["name"]] = var["value"]
    return env


def parse_duration_seconds(text: str) -> float:
    """A simplefs DURATION: plain seconds or a number with ms, s, m or h."""
    match = re.fullmatch(r"\s*(\d+)\s*(ms|s|m|h)?\s*", text)
    assert match, f"not a simplefs duration: {text!r}"
    factor = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
    return int(match.group(1)) * factor


def prestop_sleep_seconds(container: dict) -> float:
    hook = container.get("lifecycle", {}).get("preStop")
    if hook is None:
        return 0
    if "sleep" in hook:
        return hook["sleep"]["seconds"]
    command = hook["exec"]["command"]
    assert command[0] == "sleep" and len(command) == 2, f"unexpected preStop command {command}"
    return float(command[1])


def port_number(container: dict, port) -> int:
    if isinstance(port, int):
        return port
    numbers = [p["containerPort"] for p in container["ports"] if p.get("name") == port]
    assert numbers, f"port {port!r} is not a named port of container {container['name']}"
    return numbers[0]


# --------------------------------------------------------------------------- the binary


def simplefs_bin_or_skip() -> str:
    path = os.environ.get("SIMPLEFS_BIN")
    if not path:
        pytest.skip("SIMPLEFS_BIN is not set: export SIMPLEFS_BIN=build/release/simplefs "
                    "to check the manifests against the binary (CTest sets it)")
    return path


@pytest.fixture(scope="module")
def help_env_names() -> set[str]:
    out = subprocess.run([simplefs_bin_or_skip(), "--help"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    names = set()
    for line in re.findall(r"Env: ([^\n]+)", out.stdout):
        names.update(n.replace("(legacy)", "").strip() for n in line.split(","))
    assert "SIMPLEFS_STORAGE_ROOT" in names and "SIMPLEFS_SHUTDOWN_GRACE" in names, out.stdout
    return names


# --------------------------------------------------------------------------- every kustomization


def test_every_kustomization_renders(rendered):
    assert {BASE, LIBCEPHFS, LOCAL_TEST} <= set(rendered), sorted(rendered)
    for folder, docs in rendered.items():
        namespaces = {d["metadata"].get("namespace") for d in docs
                      if d["kind"] not in CLUSTER_SCOPED}
        assert namespaces == {"simplefs"}, f"{folder}: objects in namespaces {namespaces}"
        names = [(d["kind"], d["metadata"]["name"]) for d in docs]
        assert len(names) == len(set(names)), f"{folder}: duplicate objects {names}"


def test_every_reference_resolves(rendered):
    """Volumes, mounts and envFrom name objects that are rendered with them (generated names
    carry a hash, so a stale or removed reference shows here)."""
    for folder, docs in rendered.items():
        present = {(d["kind"], d["metadata"]["name"]) for d in docs}
        for deployment in objects(docs, "Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            volumes = {v["name"]: v for v in pod["volumes"]}
            for volume in volumes.values():
                for field, kind, key in (("secret", "Secret", "secretName"),
                                         ("configMap", "ConfigMap", "name"),
                                         ("persistentVolumeClaim", "PersistentVolumeClaim", "claimName")):
                    if field in volume:
                        assert (kind, volume[field][key]) in present, \
                            f"{folder}: volume {volume['name']} needs {kind} {volume[field][key]}"
            for container in containers(deployment):
                for mount in container.get("volumeMounts", []):
                    assert mount["name"] in volumes, f"{folder}: mount of unknown volume {mount['name']}"
                for source in container.get("envFrom", []):
                    for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                        if field in source:
                            assert (kind, source[field]["name"]) in present, \
                                f"{folder}: envFrom needs {kind} {source[field]['name']}"


def test_every_container_has_requests_and_limits(rendered):
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            for container in containers(deployment):
                resources = container.get("resources", {})
                for part in ("requests", "limits"):
                    for what in ("cpu", "memory"):
                        assert what in resources.get(part, {}), \
                            f"{folder}: container {container['name']} has no {part}.{what}"


def test_pods_run_non_root_with_a_read_only_root(rendered):
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            pod_security = pod["securityContext"]
            assert pod_security["runAsNonRoot"] is True, folder
            assert pod_security["runAsUser"] > 0 and pod_security["runAsGroup"] > 0, folder
            assert pod_security["fsGroup"] > 0, folder
            assert pod_security["fsGroupChangePolicy"] == "OnRootMismatch", folder
            assert pod_security["seccompProfile"]["type"] == "RuntimeDefault", folder
            assert pod.get("automountServiceAccountToken") is False, folder
            tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
            for container in containers(deployment):
                security = container["securityContext"]
                where = f"{folder}: container {container['name']}"
                assert security["readOnlyRootFilesystem"] is True, where
                assert security["allowPrivilegeEscalation"] is False, where
                assert security.get("privileged", False) is False, where
                assert security["capabilities"]["drop"] == ["ALL"], where
                assert "add" not in security["capabilities"], where
                assert security.get("runAsNonRoot", True) is True, where
                assert security.get("runAsUser", pod_security["runAsUser"]) > 0, where
                mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
                assert mounts.get("/tmp") in tmp_volumes, f"{where}: /tmp is not a writable emptyDir"


def test_service_links_cannot_override_settings(rendered):
    # A Service named simplefs would put SIMPLEFS_PORT=tcp://<ip>:80 into the pods' environment.
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            assert deployment["spec"]["template"]["spec"].get("enableServiceLinks") is False, folder


def test_env_names_are_simplefs_settings(rendered, help_env_names):
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            env = container_env(docs, simplefs_container(deployment))
            unknown = sorted(set(env) - help_env_names)
            assert not unknown, f"{folder}: not simplefs settings (see simplefs --help): {unknown}"
            assert any(name.startswith("SIMPLEFS_") for name in env), folder


def test_grace_period_covers_prestop_and_shutdown_grace(rendered):
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            container = simplefs_container(deployment)
            env = container_env(docs, container)
            assert "SIMPLEFS_SHUTDOWN_GRACE" in env, f"{folder}: set --shutdown-grace explicitly"
            shutdown_grace = parse_duration_seconds(env["SIMPLEFS_SHUTDOWN_GRACE"])
            sleep = prestop_sleep_seconds(container)
            assert sleep > 0, f"{folder}: no preStop sleep, new connections may be refused"
            grace = pod["terminationGracePeriodSeconds"]
            assert grace > sleep + shutdown_grace, \
                f"{folder}: {grace} s must exceed preStop {sleep} s + shutdown grace {shutdown_grace} s"


def test_probes_and_ports_match_the_server(rendered):
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            container = simplefs_container(deployment)
            env = container_env(docs, container)
            assert port_number(container, "http") == 8080, folder
            assert int(env.get("SIMPLEFS_PORT", "8080")) == 8080, folder
            paths = {}
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in container, f"{folder}: no {probe}"
                get = container[probe]["httpGet"]
                assert port_number(container, get["port"]) == 8080, f"{folder}: {probe} port"
                paths[probe] = get["path"]
            assert paths["readinessProbe"] == "/readyz", folder
            assert paths["livenessProbe"] == "/livez", folder
            assert paths["startupProbe"] in ("/livez", "/readyz", "/health"), folder


def test_probe_paths_are_routes_of_the_server(rendered):
    # Without the binary at hand, at least the routing table must name them.
    routes = (REPO / "src" / "api" / "routes.cpp").read_text()
    served = set(re.findall(r'r\.add\(verb::get,\s*"([^"]+)"', routes))
    for folder, docs in rendered.items():
        for deployment in objects(docs, "Deployment"):
            container = simplefs_container(deployment)
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                path = container[probe]["httpGet"]["path"]
                assert path in served, f"{folder}: {probe} {path} is not a GET route ({served})"


def test_probe_paths_answer_200_with_the_pods_settings(rendered, tmp_path):
    """Starts the binary with the base pod's environment (only the listen address and the storage
    root moved to this machine), asks every probe path and the metrics path, then stops it with
    SIGTERM as the kubelet does."""
    binary = simplefs_bin_or_skip()
    docs = rendered[BASE]
    container = simplefs_container(the(docs, "Deployment"))
    env = container_env(docs, container)
    port = free_port()
    env.update({"SIMPLEFS_HOST": HOST, "SIMPLEFS_PORT": str(port),
                "SIMPLEFS_STORAGE_ROOT": str(tmp_path / "data"),
                # This machine's disk may be fuller than a real volume; readiness must not depend on it.
                "SIMPLEFS_DISK_USAGE_THRESHOLD": "100"})
    log_path = tmp_path / "simplefs.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([binary], env=server_env(env), stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://{HOST}:{port}"

        def answers():
            assert proc.poll() is None, f"simplefs exited:\n{log_path.read_text()}"
            try:
                return requests.get(base + "/livez", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(answers, timeout=30, message="simplefs to answer /livez")
        paths = {container[p]["httpGet"]["path"]
                 for p in ("startupProbe", "readinessProbe", "livenessProbe")}
        monitor = the(docs, "ServiceMonitor")
        paths.update(e["path"] for e in monitor["spec"]["endpoints"])
        for path in sorted(paths):
            response = requests.get(base + path, timeout=5)
            assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        proc.send_signal(signal.SIGTERM)
        shutdown_grace = parse_duration_seconds(env["SIMPLEFS_SHUTDOWN_GRACE"])
        assert proc.wait(timeout=shutdown_grace + 10) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_image_is_simplefs_set_by_kustomize(rendered):
    source = yaml.safe_load((K8S / "base" / "deployment.yaml").read_text())
    assert simplefs_container(source)["image"] == "simplefs"
    image = simplefs_container(the(rendered[BASE], "Deployment"))["image"]
    name, _, tag = image.rpartition(":")
    assert name == "simplefs", f"base image {image!r}: expected simplefs:<tag> from images:"
    # The released image of this version; a version bump must move the manifests with it.
    version = re.search(r'version = "([^"]+)"', (REPO / "src" / "config" / "version.hpp").read_text())
    assert tag == version.group(1), f"base image tag {tag!r} is not the version {version.group(1)!r}"


# --------------------------------------------------------------------------- the base


def test_base_volume_is_a_rwx_rook_cephfs_claim_mounted_at_data(rendered):
    docs = rendered[BASE]
    claim = the(docs, "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["storageClassName"] == "rook-cephfs"
    deployment = the(docs, "Deployment")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    container = simplefs_container(deployment)
    [data] = [m for m in container["volumeMounts"] if m["mountPath"] == "/data"]
    assert volumes[data["name"]]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert not data.get("readOnly", False)
    env = container_env(docs, container)
    assert env["SIMPLEFS_STORAGE_ROOT"] == "/data/simplefs_data"
    assert env.get("SIMPLEFS_STORAGE", "posix") == "posix"


def test_base_scales_and_survives_disruptions(rendered):
    docs = rendered[BASE]
    deployment = the(docs, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    spread = pod["topologySpreadConstraints"]
    assert any(c["topologyKey"] == "kubernetes.io/hostname" for c in spread)

    def selects(selector: dict) -> bool:
        return selector and all(pod_labels.get(k) == v for k, v in selector.items())

    assert selects(deployment["spec"]["selector"]["matchLabels"])
    budget = the(docs, "PodDisruptionBudget")
    assert budget["apiVersion"] == "policy/v1" and budget["spec"]["minAvailable"] == 1
    assert selects(budget["spec"]["selector"]["matchLabels"])
    scaler = the(docs, "HorizontalPodAutoscaler")
    assert scaler["apiVersion"] == "autoscaling/v2"
    assert scaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                "name": deployment["metadata"]["name"]}
    assert scaler["spec"]["minReplicas"] >= 2
    assert scaler["spec"]["maxReplicas"] >= scaler["spec"]["minReplicas"]
    assert [m["resource"]["name"] for m in scaler["spec"]["metrics"]] == ["cpu"]


def test_base_service_monitor_and_network_policy(rendered):
    docs = rendered[BASE]
    deployment = the(docs, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = the(docs, "Service")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http",
                                         "protocol": "TCP"}]
    assert all(pod_labels.get(k) == v for k, v in service["spec"]["selector"].items())

    monitor = the(docs, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["endpoints"][0]["port"] == "http"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    service_labels = service["metadata"]["labels"]
    assert all(service_labels.get(k) == v
               for k, v in monitor["spec"]["selector"]["matchLabels"].items())

    policy = the(docs, "NetworkPolicy")
    assert all(pod_labels.get(k) == v for k, v in policy["spec"]["podSelector"]["matchLabels"].items())
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    rules = policy["spec"]["ingress"]
    ports = {(p["port"], p.get("protocol", "TCP")) for rule in rules for p in rule["ports"]}
    assert ports == {(8080, "TCP")}, f"ingress must open the HTTP port only, opens {ports}"
    assert any(peer.get("namespaceSelector", {}).get("matchLabels", {}).get(
        "kubernetes.io/metadata.name") == "monitoring" for rule in rules for peer in rule.get("from", [])), \
        "the Prometheus namespace (monitoring) must be allowed to scrape"


# --------------------------------------------------------------------------- the overlays


def test_libcephfs_overlay_reads_ceph_files_from_a_secret_and_mounts_no_volume(rendered):
    docs = rendered[LIBCEPHFS]
    assert not objects(docs, "PersistentVolumeClaim")
    deployment = the(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert not [v for v in pod["volumes"] if "persistentVolumeClaim" in v or "hostPath" in v]
    container = simplefs_container(deployment)
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert "/data" not in mounts
    env = container_env(docs, container)
    assert env["SIMPLEFS_STORAGE"] == "cephfs"
    assert "SIMPLEFS_STORAGE_ROOT" not in env
    assert env["SIMPLEFS_CEPH_ID"] and env["SIMPLEFS_CEPH_FS"] and env["SIMPLEFS_CEPH_ROOT"]

    secret = the(docs, "Secret")
    volumes = {v["name"]: v for v in pod["volumes"]}
    for setting, key in (("SIMPLEFS_CEPH_CONF", "ceph.conf"), ("SIMPLEFS_CEPH_KEYRING", "keyring")):
        assert key in secret["data"], f"the Secret has no {key}"
        directory, _, file_name = env[setting].rpartition("/")
        mount = mounts.get(directory)
        assert mount is not None, f"{setting}={env[setting]}: nothing is mounted at {directory}"
        assert mount.get("readOnly") is True
        volume = volumes[mount["name"]]
        assert volume["secret"]["secretName"] == secret["metadata"]["name"]
        assert file_name == key


def test_libcephfs_overlay_keeps_the_rest_of_the_base(rendered):
    base_kinds = sorted(d["kind"] for d in rendered[BASE] if d["kind"] != "PersistentVolumeClaim")
    overlay_kinds = sorted(d["kind"] for d in rendered[LIBCEPHFS] if d["kind"] != "Secret")
    assert overlay_kinds == base_kinds


def test_local_test_overlay_runs_the_local_image_on_a_local_volume(rendered):
    docs = rendered[LOCAL_TEST]
    kinds = {d["kind"] for d in docs}
    for absent in ("PersistentVolumeClaim", "HorizontalPodAutoscaler", "ServiceMonitor", "NetworkPolicy"):
        assert absent not in kinds, f"{absent} left in the local-test overlay"
    deployment = the(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    container = simplefs_container(deployment)
    assert container["image"] == "localhost/simplefs:prod"
    assert container["imagePullPolicy"] == "Never"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    [data] = [m for m in container["volumeMounts"] if m["mountPath"] == "/data"]
    volume = volumes[data["name"]]
    assert "persistentVolumeClaim" not in volume
    assert "emptyDir" in volume or "hostPath" in volume
