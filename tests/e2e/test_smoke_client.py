"""scripts/smoke-test, the client for checking a deployment: passes against a real simplefs (also
over HTTPS with a token limited to a folder), leaves nothing behind, and fails with a clear message
when the server is gone, refuses it, or serves bytes other than those uploaded."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from e2e_helpers import HOST, TIMEOUT, wait_until
from test_tls import make_certificate

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "smoke-test"
STEPS = ("health", "upload", "download", "put", "range", "head", "delete")
TOKEN = "smoke-client-test-token-0123456789"


def smoke(*args: str) -> subprocess.CompletedProcess:
    # sys.executable: the interpreter that has requests (the script's shebang may find another).
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def show(p: subprocess.CompletedProcess) -> str:
    return f"exit code {p.returncode}\n--- stdout ---\n{p.stdout}--- stderr ---\n{p.stderr}"


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir())


def test_passes_against_simplefs_and_cleans_up(server):
    assert os.access(SCRIPT, os.X_OK), f"{SCRIPT} is not executable"
    p = smoke(server.base_url, "--size", 300_001)
    assert p.returncode == 0, show(p)
    lines = p.stdout.splitlines()
    for step in STEPS:
        assert any(line.startswith(f"ok   {step} ") for line in lines), f"no line for {step}\n{show(p)}"
    assert lines[-1] == "smoke-test: all steps passed", show(p)
    assert p.stderr == "", show(p)
    assert stored_files(server.root) == [], "the smoke test left files behind"
    # It really stored and read files of the size asked for.
    metrics = requests.get(server.url("/metrics"), timeout=TIMEOUT).text
    uploaded = next(float(line.split()[1]) for line in metrics.splitlines()
                    if line.startswith("simplefs_upload_bytes_total "))
    assert uploaded == 2 * 300_001


def test_https_with_a_token_limited_to_a_folder(simplefs_factory, tmp_path):
    cert, key = make_certificate(tmp_path / "tls", "smoke-test")
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN} smoke read,write,delete smoke/checks\n")
    srv = simplefs_factory("--tls-cert", cert, "--tls-key", key, "--auth-tokens", tokens, wait=False)
    base = f"https://{HOST}:{srv.port}"

    def healthy() -> bool:
        try:
            return requests.get(base + "/health", verify=str(cert), timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_until(healthy, 10, message="HTTPS /health")
    p = smoke(base, "--cacert", cert, "--token", TOKEN, "--prefix", "smoke/checks", "--size", 4096)
    assert p.returncode == 0, show(p)
    assert "smoke/checks/smoke-" in p.stdout, show(p)
    assert stored_files(srv.root) == [], "the smoke test left files behind"

    # Without the token: refused at the first file request, with the server's answer.
    p = smoke(base, "--cacert", cert, "--size", 4096)
    assert p.returncode == 1, show(p)
    assert p.stderr.startswith("FAIL upload: POST ") and "expected 202, got 401" in p.stderr, show(p)
    # Without the CA certificate: the TLS check fails before anything is sent.
    p = smoke(base, "--token", TOKEN, "--prefix", "smoke/checks")
    assert p.returncode == 1, show(p)
    assert p.stderr.startswith("FAIL health: GET ") and "SSLError" in p.stderr, show(p)
    assert stored_files(srv.root) == []


def test_fails_when_the_server_is_gone(server):
    base = server.base_url
    assert server.stop() == 0
    p = smoke(base, "--timeout", 5)
    assert p.returncode == 1, show(p)
    assert p.stderr.startswith(f"FAIL health: GET {base}/health: ConnectionError"), show(p)
    assert "ok   " not in p.stdout, show(p)


def test_bad_arguments_exit_2():
    base = f"http://{HOST}:9"
    for args in ([], ["127.0.0.1:8080"], [base, "--size", "1"], [base, "--cacert", "/nonexistent/ca.pem"],
                 [base, "--timeout", "0"]):
        p = smoke(*args)
        assert p.returncode == 2, f"{args}: {show(p)}"


class CorruptingServer(BaseHTTPRequestHandler):
    """Stores uploads, then serves every file with one byte flipped; records deletes."""

    deleted: list[str] = []

    def log_message(self, *args):
        pass

    def answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self.answer(200, b'{"status":"alive"}')
        else:
            self.answer(200, b"\x00" * 64)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.answer(202, b'{"message":"stored"}')

    def do_DELETE(self):
        type(self).deleted.append(self.path)
        self.answer(204)


def test_detects_a_download_that_differs_and_cleans_up():
    httpd = ThreadingHTTPServer((HOST, 0), CorruptingServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        p = smoke(f"http://{HOST}:{httpd.server_address[1]}", "--size", 64)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert p.returncode == 1, show(p)
    assert p.stderr.startswith("FAIL download: GET ") and "SHA-256" in p.stderr, show(p)
    assert "ok   upload " in p.stdout, show(p)
    # The file it had uploaded is deleted on the way out.
    assert len(CorruptingServer.deleted) == 1 and CorruptingServer.deleted[0].startswith("/files/smoke-"), \
        CorruptingServer.deleted
