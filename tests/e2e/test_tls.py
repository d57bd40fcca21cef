"""HTTPS with --tls-cert/--tls-key: curl and requests against a certificate the test makes, TLS 1.2+
only, large transfers (no sendfile over TLS), plain HTTP refused, certificate reload on SIGHUP."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
import requests

from e2e_helpers import HOST, TIMEOUT, random_name, sha256_hex, wait_until


def make_certificate(folder: Path, common_name: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={common_name}",
                    "-addext", f"subjectAltName=IP:{HOST},DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def served_certificate(port: int) -> bytes:
    """The DER certificate the server presents to a new connection."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as raw:
        with ctx.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


def der(cert: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.read_text())


@pytest.fixture
def https_server(simplefs_factory, tmp_path):
    cert, key = make_certificate(tmp_path / "tls", "simplefs-test")
    srv = simplefs_factory("--tls-cert", str(cert), "--tls-key", str(key), wait=False)
    srv.base_url = f"https://{HOST}:{srv.port}"
    ok = wait_until(lambda: _healthy(srv, cert), 10)
    assert ok, f"no HTTPS /health\n{srv.log_text()}"
    srv.cert, srv.key = cert, key
    return srv


def _healthy(srv, cert: Path) -> bool:
    try:
        return requests.get(srv.url("/health"), verify=str(cert), timeout=1).status_code == 200
    except requests.RequestException:
        return False


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "60", *args], capture_output=True, timeout=90)


def test_curl_upload_download_over_https(https_server, tmp_path):
    srv = https_server
    data = os.urandom(3 * 1024 * 1024 + 17)  # several TLS records and body chunks
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    name = random_name(".bin")
    put = curl("--cacert", str(srv.cert), "-T", str(src), "-o", "/dev/null", "-w", "%{http_code}",
               srv.url(f"/files/{name}"))
    assert put.returncode == 0, put.stderr
    assert put.stdout == b"201", put.stdout
    out = tmp_path / "down.bin"
    get = curl("--cacert", str(srv.cert), "-o", str(out), "-w", "%{http_code} %{ssl_verify_result}",
               srv.url(f"/files/{name}"))
    assert get.returncode == 0, get.stderr
    assert get.stdout == b"200 0", get.stdout
    assert sha256_hex(out.read_bytes()) == sha256_hex(data)
    # A small file (sent with its head in one write) and a range.
    small = curl("--cacert", str(srv.cert), "-T", "-", srv.url("/files/small.txt"), "-o", "/dev/null")
    assert small.returncode == 0
    r = requests.get(srv.url(f"/files/{name}"), headers={"Range": "bytes=100-199"}, verify=str(srv.cert),
                     timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == data[100:200]


def test_keep_alive_chunked_and_multipart_over_https(https_server):
    srv = https_server
    ca = str(srv.cert)  # per request: REQUESTS_CA_BUNDLE in the environment would override Session.verify
    with requests.Session() as s:
        for i in range(5):
            name = random_name()
            body = (f"chunk {i} " * 1000).encode()
            r = s.put(srv.url(f"/files/{name}"), data=iter([body[:100], body[100:]]), verify=ca, timeout=TIMEOUT)
            assert r.status_code == 201, r.text
            assert s.get(srv.url(f"/files/{name}"), verify=ca, timeout=TIMEOUT).content == body
        r = s.post(srv.url("/files/"), files={"file": ("form.txt", b"from a form")}, verify=ca, timeout=TIMEOUT)
        assert r.status_code == 202, r.text
        assert s.get(srv.url("/files/form.txt"), verify=ca, timeout=TIMEOUT).content == b"from a form"


def test_only_tls_12_and_13(https_server):
    srv = https_server
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = ssl.create_default_context(cafile=str(srv.cert))
        ctx.minimum_version = ctx.maximum_version = version
        with socket.create_connection((HOST, srv.port), timeout=TIMEOUT) as raw:
            with ctx.wrap_socket(raw, server_hostname=HOST) as tls:
                assert tls.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
    # curl asking for at most TLS 1.1 gets no connection.
    old = curl("--cacert", str(srv.cert), "--tlsv1.0", "--tls-max", "1.1", srv.url("/health"))
    assert old.returncode != 0, "a TLS 1.1 connection was accepted"


def test_plain_http_on_the_https_port_gets_no_answer(https_server):
    srv = https_server
    with pytest.raises(requests.RequestException):
        requests.get(f"http://{HOST}:{srv.port}/health", timeout=5)
    # ...and the server keeps serving HTTPS.
    assert requests.get(srv.url("/health"), verify=str(srv.cert), timeout=TIMEOUT).status_code == 200


def test_connection_cap_answers_503_inside_tls(simplefs_factory, tmp_path):
    cert, key = make_certificate(tmp_path / "tls", "simplefs-test")
    srv = simplefs_factory("--tls-cert", str(cert), "--tls-key", str(key), "--max-connections", "1",
                           wait=False)
    ctx = ssl.create_default_context(cafile=str(cert))

    def hold_the_one_connection():
        # Retried: until the server listens, and until it has seen earlier tries close.
        try:
            tls = ctx.wrap_socket(socket.create_connection((HOST, srv.port), timeout=TIMEOUT),
                                  server_hostname=HOST)
            tls.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            if tls.recv(4096).startswith(b"HTTP/1.1 200 "):
                return tls
            tls.close()
        except OSError:
            pass
        return None

    held = wait_until(hold_the_one_connection, 10)
    try:
        # One over the cap: a TLS handshake, then a readable 503 (not a TLS alert or garbage).
        out = curl("--cacert", str(cert), "-D", "-", "-o", "-", f"https://{HOST}:{srv.port}/health")
        assert out.returncode == 0, out.stderr
        text = out.stdout.decode()
        assert text.startswith("HTTP/1.1 503 "), text
        assert "retry-after: 1" in text.lower() and "Too many connections" in text
    finally:
        held.close()


def test_certificate_reloaded_on_sighup(https_server, tmp_path):
    srv = https_server
    assert served_certificate(srv.port) == der(srv.cert)
    new_cert, new_key = make_certificate(tmp_path / "tls-new", "simplefs-renewed")
    # A broken pair first: the server keeps the certificate it has.
    srv.cert.write_bytes(new_cert.read_bytes())
    srv.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert srv.alive()
    assert served_certificate(srv.port) != der(new_cert), "a certificate without its key was taken"
    srv.key.write_bytes(new_key.read_bytes())
    srv.send_signal(signal.SIGHUP)
    assert wait_until(lambda: served_certificate(srv.port) == der(new_cert), 5), "SIGHUP did not reload"
    assert requests.get(srv.url("/health"), verify=str(srv.cert), timeout=TIMEOUT).status_code == 200
    assert "keeping the previous certificate" in srv.log_text()


def test_start_refused_with_half_or_bad_tls_settings(simplefs_factory, tmp_path):
    cert, key = make_certificate(tmp_path / "tls", "x")
    srv = simplefs_factory("--tls-cert", str(cert), wait=False)
    assert srv.wait(10) == 2
    assert "--tls-key" in srv.log_text()
    other_cert, _ = make_certificate(tmp_path / "tls-other", "y")
    srv = simplefs_factory("--tls-cert", str(other_cert), "--tls-key", str(key), wait=False)
    assert srv.wait(10) != 0
    assert "mismatch" in srv.log_text()
