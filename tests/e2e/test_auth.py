"""Access control: bearer tokens from --auth-tokens, /metrics behind --metrics-auth, token reload
on SIGHUP, and signed URLs made by `simplefs sign` (checked with --signing-secret-file).

Everything goes through the real binary, with requests and curl.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from e2e_helpers import TIMEOUT, multipart_body, random_text, simplefs_bin, temp_files, wait_until

ADMIN = "admin-token-0123456789abcdef"
READER = "reader-token-0123456789abcd"
WRITER = "writer-token-0123456789abcd"
LISTER = "lister-token-0123456789abcd"
ALICE = "alice-token-0123456789abcde"
NEWCOMER = "newcomer-token-0123456789ab"
SECRET = "e2e-signing-secret-0123456789abcdef0123456789"

TOKENS = f"""# token name scopes [prefix]
{ADMIN} admin read,write,delete,list

{READER}  reader  read
{WRITER}\twriter\twrite
{LISTER} lister list
{ALICE} alice read,write,delete,list users/alice/
"""

CHALLENGE = 'Bearer realm="simplefs"'


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def curl(*args: str) -> subprocess.CompletedProcess:
    path = shutil.which("curl")
    if not path:
        pytest.fail("curl is not installed (Debian package curl)", pytrace=False)
    return subprocess.run([path, "-sS", "--max-time", "30", "--noproxy", "*", *args],
                          capture_output=True, timeout=60)


def sign(secret_file: Path, base_url: str, name: str, method: str = "GET",
         expires_in: str = "600") -> str:
    p = subprocess.run([simplefs_bin(), "sign", "--secret-file", str(secret_file), "--method", method,
                        "--expires-in", expires_in, "--base-url", base_url, name],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = p.stdout.splitlines()
    assert len(lines) == 1, p.stdout
    return lines[0]


def signed_by_hand(base_url: str, method: str, name: str, expires: int, secret: str = SECRET) -> str:
    """A signed URL computed as the README documents it, without the binary."""
    message = f"SIMPLEFS-HMAC-SHA256\n{method}\n{name}\n{expires}\n".encode()
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return (f"{base_url}/files/{urllib.parse.quote(name, safe='/')}"
            f"?X-Simplefs-Expires={expires}&X-Simplefs-Signature={signature}")


def expect_refused(r: requests.Response, status: int, detail: str | None = None) -> None:
    assert r.status_code == status, f"{r.request.method} {r.url}: {r.status_code} {r.text[:300]}"
    if r.request.method != "HEAD":
        assert r.headers["Content-Type"].startswith("application/json")
        body = r.json()
        assert set(body) == {"detail"} and isinstance(body["detail"], str), body
        if detail is not None:
            assert body["detail"] == detail


@pytest.fixture
def auth_files(tmp_path) -> tuple[Path, Path]:
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKENS)
    secret = tmp_path / "secret"
    secret.write_text(SECRET + "\n")  # the newline an editor adds is not part of the secret
    return tokens, secret


@pytest.fixture
def secured(simplefs_factory, auth_files):
    tokens, secret = auth_files
    return simplefs_factory("--auth-tokens", tokens, "--signing-secret-file", secret)


def put(server, name: str, data: bytes, token: str | None = ADMIN, **kw) -> requests.Response:
    headers = bearer(token) if token else {}
    url = server.url("/files/" + urllib.parse.quote(name, safe="/"))
    return requests.put(url, data=data, headers=headers, timeout=TIMEOUT, **kw)


# --------------------------------------------------------------------------- tokens


def test_off_by_default_and_signature_parameters_ignored(server):
    assert put(server, "open.txt", b"open", token=None).status_code == 201
    r = requests.get(server.url("/files/open.txt?X-Simplefs-Expires=1&X-Simplefs-Signature=00"),
                     timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == b"open"
    assert requests.get(server.url("/files/"), timeout=TIMEOUT).status_code == 200
    assert requests.delete(server.url("/files/open.txt"), timeout=TIMEOUT).status_code == 204


def test_without_token_401_with_challenge(secured):
    assert put(secured, "x.txt", b"x").status_code == 201
    body, content_type = multipart_body("y.txt", b"y")
    for method, path, kw in (("GET", "/files/x.txt", {}), ("HEAD", "/files/x.txt", {}),
                             ("PUT", "/files/x.txt", {"data": b"new"}), ("DELETE", "/files/x.txt", {}),
                             ("GET", "/files/", {}), ("GET", "/files/dir/", {}),
                             ("POST", "/files/", {"data": body, "headers": {"Content-Type": content_type}})):
        r = requests.request(method, secured.url(path), timeout=TIMEOUT, **kw)
        expect_refused(r, 401, "Not authenticated")
        assert r.headers["WWW-Authenticate"] == CHALLENGE
    # another scheme counts as no token
    r = requests.get(secured.url("/files/x.txt"), auth=("user", ADMIN), timeout=TIMEOUT)
    expect_refused(r, 401)
    assert r.headers["WWW-Authenticate"] == CHALLENGE
    # nothing changed
    assert requests.get(secured.url("/files/x.txt"), headers=bearer(ADMIN), timeout=TIMEOUT).content == b"x"
    assert not (secured.root / "y.txt").exists()


def test_invalid_token_401_invalid_token(secured):
    for token in ("wrong-token-0123456789abcdef", ADMIN[:-1], ADMIN + "x", ADMIN.upper()):
        r = requests.get(secured.url("/files/"), headers=bearer(token), timeout=TIMEOUT)
        expect_refused(r, 401, "Invalid token")
        assert r.headers["WWW-Authenticate"] == CHALLENGE + ', error="invalid_token"'
    r = requests.get(secured.url("/files/"), headers={"Authorization": "Bearer"}, timeout=TIMEOUT)
    assert r.status_code == 401


def test_scopes(secured):
    data = random_text(5000)
    # write only: PUT yes, GET/DELETE/list no
    assert put(secured, "s.txt", data, token=WRITER).status_code == 201
    for method, path, token in (("GET", "/files/s.txt", WRITER), ("DELETE", "/files/s.txt", WRITER),
                                ("GET", "/files/", WRITER), ("PUT", "/files/s.txt", READER),
                                ("DELETE", "/files/s.txt", READER), ("GET", "/files/", READER),
                                ("GET", "/files/s.txt", LISTER), ("PUT", "/files/t.txt", LISTER)):
        r = requests.request(method, secured.url(path), headers=bearer(token), data=b"z", timeout=TIMEOUT)
        expect_refused(r, 403, "The token does not allow this operation")
        assert r.headers["WWW-Authenticate"] == CHALLENGE + ', error="insufficient_scope"'
    # read: GET and HEAD
    r = requests.get(secured.url("/files/s.txt"), headers=bearer(READER), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == data
    r = requests.head(secured.url("/files/s.txt"), headers=bearer(READER), timeout=TIMEOUT)
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(data)
    # list
    r = requests.get(secured.url("/files/"), headers=bearer(LISTER), timeout=TIMEOUT)
    assert r.status_code == 200 and [f["name"] for f in r.json()["files"]] == ["s.txt"]
    # the refused requests changed nothing; admin may delete
    assert (secured.root / "s.txt").read_bytes() == data
    assert not (secured.root / "t.txt").exists()
    r = requests.delete(secured.url("/files/s.txt"), headers=bearer(ADMIN), timeout=TIMEOUT)
    assert r.status_code == 204


def test_allowed_operations_with_curl(secured, tmp_path):
    src = tmp_path / "upload.bin"
    src.write_bytes(os.urandom(300_000))
    auth = f"Authorization: Bearer {ADMIN}"
    p = curl("-f", "-H", auth, "-T", str(src), secured.url("/files/dir/c.bin"))
    assert p.returncode == 0, p.stderr
    out = tmp_path / "down.bin"
    p = curl("-f", "-H", auth, "-o", str(out), secured.url("/files/dir/c.bin"))
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == src.read_bytes()
    p = curl("-f", "-H", auth, "-F", f"file=@{src};filename=form.bin", secured.url("/files/"))
    assert p.returncode == 0, p.stderr
    assert (secured.root / "form.bin").read_bytes() == src.read_bytes()
    p = curl("-f", "-H", auth, secured.url("/files/dir/"))
    assert p.returncode == 0 and b"dir/c.bin" in p.stdout
    p = curl("-f", "-H", auth, "-X", "DELETE", secured.url("/files/dir/c.bin"))
    assert p.returncode == 0, p.stderr
    # without the token curl sees the 401 and its challenge
    p = curl("-i", secured.url("/files/form.bin"))
    assert p.stdout.startswith(b"HTTP/1.1 401")
    assert b'www-authenticate: bearer realm="simplefs"' in p.stdout.lower()


def test_prefix_limits_names(secured):
    assert put(secured, "users/alice/a.txt", b"a", token=ALICE).status_code == 201
    assert put(secured, "users/alice", b"x", token=ALICE).status_code == 409  # a folder: allowed, fails later
    assert put(secured, "users/bob/b.txt", b"b", token=ADMIN).status_code == 201
    assert put(secured, "top.txt", b"t", token=ADMIN).status_code == 201
    for method, name in (("PUT", "users/bob/a.txt"), ("PUT", "users/alice2.txt"), ("PUT", "users/alicex/a"),
                         ("GET", "users/bob/b.txt"), ("DELETE", "users/bob/b.txt"), ("GET", "top.txt")):
        r = requests.request(method, secured.url("/files/" + name), headers=bearer(ALICE), data=b"z",
                             timeout=TIMEOUT)
        expect_refused(r, 403, "The token does not allow this name")
    # dot segments inside the prefix pass the prefix check but never name a file
    for name in ("users/alice/../bob/b.txt", "users/alice/%2E%2E/bob/b.txt"):
        p = curl("--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Authorization: Bearer {ALICE}",
                 "-X", "PUT", "--data-binary", "evil", secured.url("/files/" + name))
        assert p.stdout in (b"400", b"403"), (name, p.stdout, p.stderr)
    assert (secured.root / "users/bob/b.txt").read_bytes() == b"b"
    assert not (secured.root / "users/alice2.txt").exists()
    r = requests.get(secured.url("/files/users/alice/a.txt"), headers=bearer(ALICE), timeout=TIMEOUT)
    assert r.status_code == 200 and r.content == b"a"

    # listings: only inside the prefix
    r = requests.get(secured.url("/files/users/alice/"), headers=bearer(ALICE), timeout=TIMEOUT)
    assert r.status_code == 200 and [f["name"] for f in r.json()["files"]] == ["users/alice/a.txt"]
    r = requests.get(secured.url("/files/users/alice/?prefix=a"), headers=bearer(ALICE), timeout=TIMEOUT)
    assert r.status_code == 200 and len(r.json()["files"]) == 1
    # a root listing limited to names under the prefix is allowed (and shows nothing else)
    r = requests.get(secured.url("/files/?prefix=users/alice/"), headers=bearer(ALICE), timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["files"] == [] and r.json()["folders"] == []
    for path in ("/files/", "/files/?prefix=users", "/files/?prefix=users/alice", "/files/users/",
                 "/files/users/?prefix=alice", "/files/users/bob/"):
        r = requests.get(secured.url(path), headers=bearer(ALICE), timeout=TIMEOUT)
        expect_refused(r, 403, "The token does not allow this name")

    assert requests.delete(secured.url("/files/users/alice/a.txt"), headers=bearer(ALICE),
                           timeout=TIMEOUT).status_code == 204


def test_prefix_limits_multipart_names(secured):
    def post(parts: list[tuple[str, bytes]], path_field: str | None, token: str = ALICE) -> requests.Response:
        fields = [("path", (None, path_field))] if path_field is not None else []
        fields += [("file", (name, data)) for name, data in parts]
        return requests.post(secured.url("/files/"), files=fields, headers=bearer(token), timeout=TIMEOUT)

    r = post([("one.txt", b"1"), ("two.txt", b"2")], "users/alice/in")
    assert r.status_code == 202, r.text
    assert (secured.root / "users/alice/in/two.txt").read_bytes() == b"2"
    # outside: refused before the part is stored, and nothing of the request is committed
    r = post([("evil.txt", b"x" * 100_000)], None)
    expect_refused(r, 403, "The token does not allow this name")
    r = post([("fine.txt", b"ok"), ("evil.txt", b"x")], "users/bob")
    expect_refused(r, 403)
    r = post([("evil.txt", b"x")], "users/alice2")
    expect_refused(r, 403)
    assert not (secured.root / "evil.txt").exists()
    assert not (secured.root / "users/bob").exists()
    assert not (secured.root / "users/alice2").exists()
    assert temp_files(secured.root) == []
    # the same form from an unlimited token
    assert post([("evil.txt", b"x")], None, token=ADMIN).status_code == 202


def test_open_endpoints_and_cors_preflight(secured):
    for path in ("/", "/health", "/livez", "/readyz", "/docs", "/openapi.json", "/metrics"):
        r = requests.get(secured.url(path), timeout=TIMEOUT)
        assert r.status_code == 200, f"GET {path}: {r.status_code}"
    r = requests.options(secured.url("/files/x.txt"), timeout=TIMEOUT,
                         headers={"Origin": "http://localhost", "Access-Control-Request-Method": "PUT",
                                  "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost"
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
    # a browser script can read the challenge of a refused request
    r = requests.get(secured.url("/files/x.txt"), headers={"Origin": "http://localhost"}, timeout=TIMEOUT)
    assert r.status_code == 401
    assert "www-authenticate" in r.headers["Access-Control-Expose-Headers"].lower()


def test_metrics_auth_flag(simplefs_factory, auth_files):
    tokens, _ = auth_files
    srv = simplefs_factory("--auth-tokens", tokens, "--metrics-auth")
    r = requests.get(srv.url("/metrics"), timeout=TIMEOUT)
    expect_refused(r, 401, "Not authenticated")
    assert r.headers["WWW-Authenticate"] == CHALLENGE
    expect_refused(requests.get(srv.url("/metrics"), headers=bearer("no-such-token-0123456789"),
                                timeout=TIMEOUT), 401, "Invalid token")
    requests.get(srv.url("/files/"), headers=bearer(READER), timeout=TIMEOUT)  # 403: missing scope
    r = requests.get(srv.url("/metrics"), headers=bearer(LISTER), timeout=TIMEOUT)  # any token will do
    assert r.status_code == 200
    text = r.text
    assert 'simplefs_auth_failures_total{reason="missing_token"} 1' in text
    assert 'simplefs_auth_failures_total{reason="invalid_token"} 1' in text
    assert 'simplefs_auth_failures_total{reason="missing_scope"} 1' in text
    assert requests.get(srv.url("/health"), timeout=TIMEOUT).status_code == 200


def run_server_expecting_failure(args: list, tmp_path: Path) -> subprocess.CompletedProcess:
    root = tmp_path / "refused-root"
    root.mkdir(exist_ok=True)
    return subprocess.run([simplefs_bin(), "--host", "127.0.0.1", "--port", "1", "--storage-root", str(root),
                           *map(str, args)], capture_output=True, text=True, timeout=30)


def test_bad_configuration_refuses_start_up(tmp_path, auth_files):
    tokens, secret = auth_files
    bad = tmp_path / "bad-tokens"
    bad.write_text(f"# fine\n{ADMIN} admin read\n{READER} reader raed\n")
    p = run_server_expecting_failure(["--auth-tokens", bad], tmp_path)
    assert p.returncode == 2
    assert f"{bad}: line 3: unknown scope 'raed'" in p.stderr
    assert READER not in p.stderr and ADMIN not in p.stderr

    p = run_server_expecting_failure(["--auth-tokens", tmp_path / "missing"], tmp_path)
    assert p.returncode == 2 and "No such file or directory" in p.stderr

    p = run_server_expecting_failure(["--metrics-auth"], tmp_path)
    assert p.returncode == 2 and "--metrics-auth needs --auth-tokens" in p.stderr

    short = tmp_path / "short-secret"
    short.write_text("too short\n")
    p = run_server_expecting_failure(["--auth-tokens", tokens, "--signing-secret-file", short], tmp_path)
    assert p.returncode == 2 and "at least 32 bytes" in p.stderr


def test_sighup_reloads_tokens(simplefs_factory, auth_files):
    tokens, _ = auth_files
    srv = simplefs_factory("--auth-tokens", tokens)

    def status(token: str) -> int:
        return requests.get(srv.url("/files/"), headers=bearer(token), timeout=TIMEOUT).status_code

    assert status(NEWCOMER) == 401
    tokens.write_text(TOKENS + f"{NEWCOMER} newcomer list\n")
    srv.send_signal(signal.SIGHUP)
    wait_until(lambda: status(NEWCOMER) == 200, 10, message="the added token to work after SIGHUP")
    assert status(ADMIN) == 200

    # a file that does not parse: the tokens stay as they were
    tokens.write_text(f"{NEWCOMER} newcomer lsit\n")
    srv.send_signal(signal.SIGHUP)
    wait_until(lambda: "keeping the current tokens" in srv.log_text(), 10, message="the reload error in the log")
    assert "line 1: unknown scope 'lsit'" in srv.log_text()
    assert status(NEWCOMER) == 200 and status(ADMIN) == 200

    # removed tokens stop working
    tokens.write_text(f"{NEWCOMER} newcomer list\n")
    srv.send_signal(signal.SIGHUP)
    wait_until(lambda: status(ADMIN) == 401, 10, message="the removed token to fail after SIGHUP")
    assert status(NEWCOMER) == 200
    assert srv.alive()


def test_sighup_rotates_the_signing_secret(secured, auth_files):
    _, secret = auth_files
    assert put(secured, "doc.txt", b"doc").status_code == 201
    old_url = sign(secret, secured.base_url, "doc.txt")
    assert requests.get(old_url, timeout=TIMEOUT).status_code == 200

    # a secret that is too short: the current one stays
    secret.write_text("short\n")
    secured.send_signal(signal.SIGHUP)
    wait_until(lambda: "keeping the current signing secret" in secured.log_text(), 10,
               message="the reload error in the log")
    assert requests.get(old_url, timeout=TIMEOUT).status_code == 200

    secret.write_text("rotated-" + SECRET + "\n")
    secured.send_signal(signal.SIGHUP)
    wait_until(lambda: requests.get(old_url, timeout=TIMEOUT).status_code == 403, 10,
               message="the old signature refused after SIGHUP")
    expect_refused(requests.get(old_url, timeout=TIMEOUT), 403, "Invalid signature")
    new_url = sign(secret, secured.base_url, "doc.txt")
    assert requests.get(new_url, timeout=TIMEOUT).content == b"doc"
    assert secured.alive()


# --------------------------------------------------------------------------- signed URLs


def test_signed_download_and_upload_with_curl(secured, auth_files, tmp_path):
    _, secret = auth_files
    data = os.urandom(200_000)
    name = "shared/naïve report #1.bin"
    assert put(secured, name, data).status_code == 201

    url = sign(secret, secured.base_url, name)
    assert url.startswith(secured.base_url + "/files/shared/na%C3%AFve%20report%20%231.bin?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert set(query) == {"X-Simplefs-Expires", "X-Simplefs-Signature"}
    assert abs(int(query["X-Simplefs-Expires"][0]) - (time.time() + 600)) < 120
    out = tmp_path / "down.bin"
    p = curl("-f", "-o", str(out), url)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == data
    p = curl("-f", "-I", url)  # HEAD with a GET signature
    assert p.returncode == 0 and f"content-length: {len(data)}".encode() in p.stdout.lower()
    # the other query parameters keep working
    r = requests.get(url + "&inline=1", timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("inline")
    r = requests.get(url, headers={"Range": "bytes=0-9"}, timeout=TIMEOUT)
    assert r.status_code == 206 and r.content == data[:10]
    # but a GET signature is only a GET signature
    for method in ("PUT", "DELETE"):
        expect_refused(requests.request(method, url, data=b"x", timeout=TIMEOUT), 403, "Invalid signature")

    upload = sign(secret, secured.base_url, "inbox/from-partner.bin", method="PUT", expires_in="5m")
    src = tmp_path / "up.bin"
    src.write_bytes(os.urandom(150_000))
    p = curl("-f", "-T", str(src), upload)
    assert p.returncode == 0, p.stderr
    assert (secured.root / "inbox/from-partner.bin").read_bytes() == src.read_bytes()
    expect_refused(requests.get(upload, timeout=TIMEOUT), 403, "Invalid signature")

    delete = sign(secret, secured.base_url, "inbox/from-partner.bin", method="DELETE")
    assert requests.delete(delete, timeout=TIMEOUT).status_code == 204
    assert not (secured.root / "inbox/from-partner.bin").exists()


def test_tampered_and_expired_signed_urls(secured, auth_files):
    _, secret = auth_files
    assert put(secured, "doc.txt", b"doc").status_code == 201
    assert put(secured, "doc2.txt", b"doc2").status_code == 201
    url = sign(secret, secured.base_url, "doc.txt")
    assert requests.get(url, timeout=TIMEOUT).content == b"doc"
    base, query = url.split("?")
    params = dict(urllib.parse.parse_qsl(query))
    expires, sig = params["X-Simplefs-Expires"], params["X-Simplefs-Signature"]
    flipped = ("0" if sig[-1] != "0" else "1")
    tampered = [
        url.replace("/files/doc.txt", "/files/doc2.txt"),
        f"{base}?X-Simplefs-Expires={int(expires) + 1}&X-Simplefs-Signature={sig}",
        f"{base}?X-Simplefs-Expires={int(expires) + 86400}&X-Simplefs-Signature={sig}",
        f"{base}?X-Simplefs-Expires={expires}&X-Simplefs-Signature={sig[:-1]}{flipped}",
        f"{base}?X-Simplefs-Expires={expires}&X-Simplefs-Signature={sig[:-1]}",
        f"{base}?X-Simplefs-Expires={expires}",
        f"{base}?X-Simplefs-Signature={sig}",
        signed_by_hand(secured.base_url, "GET", "doc.txt", int(expires), secret="another-secret-0123456789abcdef"),
    ]
    for bad in tampered:
        r = requests.get(bad, timeout=TIMEOUT)
        expect_refused(r, 403, "Invalid signature")
    # a token does not rescue a bad signature: the signature decides
    expect_refused(requests.get(tampered[0], headers=bearer(ADMIN), timeout=TIMEOUT), 403)

    # signed by hand as the README describes: valid, then expired
    good = signed_by_hand(secured.base_url, "GET", "doc2.txt", int(time.time()) + 300)
    assert requests.get(good, timeout=TIMEOUT).content == b"doc2"
    expired = signed_by_hand(secured.base_url, "GET", "doc2.txt", int(time.time()) - 5)
    expect_refused(requests.get(expired, timeout=TIMEOUT), 403, "Signed URL expired")

    r = requests.get(secured.url("/metrics"), timeout=TIMEOUT)
    assert 'simplefs_auth_failures_total{reason="expired_signature"} 1' in r.text
    assert f'simplefs_auth_failures_total{{reason="bad_signature"}} {len(tampered) + 1}' in r.text


def test_signed_urls_need_a_server_secret(simplefs_factory, auth_files):
    tokens, secret = auth_files
    srv = simplefs_factory("--auth-tokens", tokens)
    assert put(srv, "f.txt", b"f").status_code == 201
    r = requests.get(sign(secret, srv.base_url, "f.txt"), timeout=TIMEOUT)
    expect_refused(r, 403, "Signed URLs are not enabled")


def test_signed_urls_without_tokens(simplefs_factory, auth_files):
    """With only a signing secret, everything stays open, but a bad signature is still refused."""
    _, secret = auth_files
    srv = simplefs_factory("--signing-secret-file", secret)
    assert put(srv, "f.txt", b"f", token=None).status_code == 201
    assert requests.get(srv.url("/files/f.txt"), timeout=TIMEOUT).content == b"f"
    url = sign(secret, srv.base_url, "f.txt")
    assert requests.get(url, timeout=TIMEOUT).content == b"f"
    expect_refused(requests.get(url.replace("f.txt", "g.txt"), timeout=TIMEOUT), 403, "Invalid signature")


def test_sign_command_errors(tmp_path, auth_files):
    _, secret = auth_files
    p = subprocess.run([simplefs_bin(), "sign", "--secret-file", str(tmp_path / "none"), "x"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and p.stdout == "" and "No such file or directory" in p.stderr
    p = subprocess.run([simplefs_bin(), "sign", "--secret-file", str(secret), "--method", "POST", "x"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "--method" in p.stderr
    p = subprocess.run([simplefs_bin(), "sign", "x"], capture_output=True, text=True, timeout=30,
                       env={**os.environ, "SIMPLEFS_SIGNING_SECRET_FILE": str(secret)})
    assert p.returncode == 0 and p.stdout.startswith("http://localhost:8080/files/x?X-Simplefs-Expires=")
