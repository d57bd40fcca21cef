"""The original service's smoke-test flow and the basic HTTP contract."""

from __future__ import annotations

import email.utils
import html.parser
import http.client
import re
import time
from datetime import datetime, timedelta, timezone

import requests

from e2e_helpers import (TIMEOUT, RawConnection, check_upload_body, multipart_body, random_name, random_text, raw_get,
                         raw_request, temp_files)


def assert_json(r: requests.Response, status: int, expected=None):
    assert r.status_code == status, f"{r.request.method} {r.request.url}: status {r.status_code}, body {r.content[:300]!r}"
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    obj = r.json()
    if expected is not None:
        assert obj == expected
    return obj


def upload(server, name: str, content: bytes, session=requests) -> requests.Response:
    return session.post(server.url("/files/"), files={"file": (name, content)}, data={"Button": "Submit"},
                        timeout=TIMEOUT)


def check_download_headers(r: requests.Response, name: str, content: bytes, t_before: float, t_after: float,
                           content_type: str):
    h = r.headers
    cd = h.get("content-disposition")
    m = re.fullmatch(r'attachment; filename="download_(\d{14})_(.*)"', cd or "")
    assert m, f"content-disposition {cd!r}"
    assert m.group(2) == name
    stamp = time.mktime(time.strptime(m.group(1), "%Y%m%d%H%M%S"))  # server local time
    assert t_before - 2 <= stamp <= t_after + 2, f"timestamp {m.group(1)} not near local now"
    assert h.get("content-type") == content_type
    assert h.get("content-length") == str(len(content))
    lm = h.get("last-modified")
    assert lm, "no last-modified"
    lm_time = email.utils.parsedate_to_datetime(lm)
    assert lm_time.tzinfo is not None and lm.endswith("GMT"), lm
    now = datetime.now(timezone.utc)
    assert now - timedelta(minutes=5) <= lm_time <= now + timedelta(seconds=2), lm
    etag = h.get("etag")
    assert etag and re.fullmatch(r'(W/)?"[^"\s]+"', etag), f"etag {etag!r}"


def test_smoke_upload_then_download(server):
    name = random_name(".txt")
    content = random_text(4096)
    r = upload(server, name, content)
    assert r.status_code == 202, r.content
    assert r.headers.get("content-type", "").startswith("application/json")
    check_upload_body(r.content, name)
    # Stored completely before the answer: on disk and through the API.
    assert (server.root / name).read_bytes() == content
    t0 = time.time()
    g = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
    t1 = time.time()
    assert g.status_code == 200
    assert g.content == content
    check_download_headers(g, name, content, t0, t1, "text/plain; charset=utf-8")
    assert temp_files(server.root) == []


def test_unknown_extension_is_octet_stream(server):
    name = random_name(".zzqx")
    content = bytes(range(256)) * 40
    r = upload(server, name, content)
    assert r.status_code == 202
    t0 = time.time()
    g = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
    assert g.status_code == 200 and g.content == content
    check_download_headers(g, name, content, t0, time.time(), "application/octet-stream")


def test_overwrite_replaces_content(server):
    name = random_name(".bin")
    for size in (10000, 10):  # shorter second version: no stale tail may remain
        content = random_text(size)
        assert upload(server, name, content).status_code == 202
        g = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
        assert g.status_code == 200 and g.content == content


def test_empty_file(server):
    name = random_name(".txt")
    assert upload(server, name, b"").status_code == 202
    g = requests.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
    assert g.status_code == 200 and g.content == b"" and g.headers.get("content-length") == "0"


class _FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
        self.inputs = []
        self.buttons = []

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append(a)
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "button":
            self.buttons.append(a)


def test_index_form(server):
    r = requests.get(server.url("/"), timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers.get("content-type", "").startswith("text/html")
    p = _FormParser()
    p.feed(r.text)
    assert len(p.forms) == 1, p.forms
    form = p.forms[0]
    assert form.get("action") == "/files/"
    assert form.get("enctype") == "multipart/form-data"
    assert form.get("method", "").lower() == "post"
    assert any(i.get("name") == "file" and i.get("type") == "file" for i in p.inputs), p.inputs
    submit = [i for i in p.inputs if i.get("type", "").lower() == "submit"]
    submit += [b for b in p.buttons if b.get("type", "submit").lower() == "submit"]
    assert submit, "no submit button"


def test_health(server):
    r = requests.get(server.url("/health"), timeout=TIMEOUT)
    assert_json(r, 200, {"status": "alive"})


def test_missing_file_404(server):
    r = requests.get(server.url(f"/files/{random_name('.txt')}"), timeout=TIMEOUT)
    assert_json(r, 404, {"detail": "Not Found"})


def test_unknown_route_404(server):
    for path in ("/nope", "/health/x", "/static/x.js", "/filesx/a.txt"):
        r = requests.get(server.url(path), timeout=TIMEOUT, allow_redirects=False)
        assert_json(r, 404, {"detail": "Not Found"})


def test_wrong_method_405(server):
    for method, path, allowed in (("DELETE", "/health", "GET"), ("POST", "/health", "GET"),
                                  ("PUT", "/files/", "POST"), ("PATCH", "/files/x.txt", "GET"),
                                  ("POST", "/files/x.txt", "GET")):
        r = requests.request(method, server.url(path), timeout=TIMEOUT)
        assert_json(r, 405, {"detail": "Method Not Allowed"})
        allow = [m.strip() for m in r.headers.get("allow", "").split(",")]
        assert allowed in allow, f"{method} {path}: allow {r.headers.get('allow')!r}"
    assert not (server.root / "x.txt").exists()


def test_missing_file_part_422(server):
    r = requests.post(server.url("/files/"), files={"other": ("a.txt", b"abc")}, data={"Button": "Submit"},
                      timeout=TIMEOUT)
    obj = assert_json(r, 422)
    assert "detail" in obj
    r = requests.post(server.url("/files/"), files={"Button": (None, "Submit")}, timeout=TIMEOUT)
    obj = assert_json(r, 422)
    assert "detail" in obj
    assert list(server.root.iterdir()) == []


def _post_raw_multipart(server, body: bytes, content_type: str) -> requests.Response:
    return requests.post(server.url("/files/"), data=body, headers={"Content-Type": content_type},
                         timeout=TIMEOUT)


def test_malformed_multipart_400(server):
    name = random_name(".txt")
    body, boundary = multipart_body(name, b"hello world")
    cases = {
        "wrong boundary": (body, "multipart/form-data; boundary=SomethingElse12345"),
        "no boundary parameter": (body, "multipart/form-data"),
        "truncated body": (body[: len(body) - 20], f"multipart/form-data; boundary={boundary}"),
        "garbage": (b"this is not multipart at all\r\n", f"multipart/form-data; boundary={boundary}"),
    }
    for what, (data, ctype) in cases.items():
        r = _post_raw_multipart(server, data, ctype)
        assert r.status_code == 400, f"{what}: status {r.status_code} body {r.content[:300]!r}"
        assert r.headers.get("content-type", "").startswith("application/json"), what
        detail = r.json().get("detail")
        assert isinstance(detail, str) and detail, f"{what}: {r.content!r}"
    assert list(server.root.iterdir()) == []
    # A correct body still works afterwards.
    r = _post_raw_multipart(server, body, f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 202
    assert (server.root / name).read_bytes() == b"hello world"


def test_cors_simple_request(server):
    for origin in ("http://localhost", "http://localhost:8080"):
        r = requests.get(server.url("/health"), headers={"Origin": origin}, timeout=TIMEOUT)
        assert r.status_code == 200
        assert r.headers.get("access-control-allow-origin") == origin
        assert r.headers.get("access-control-allow-credentials") == "true"


def test_cors_preflight(server):
    origin = "http://localhost"
    r = requests.options(server.url("/files/"), headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.content
    assert r.headers.get("access-control-allow-origin") == origin
    assert r.headers.get("access-control-allow-credentials") == "true"
    methods = r.headers.get("access-control-allow-methods", "")
    assert "POST" in [m.strip() for m in methods.split(",")] or methods.strip() == "*", methods
    allow_headers = r.headers.get("access-control-allow-headers", "").lower()
    assert "content-type" in allow_headers or allow_headers.strip() == "*", allow_headers


def test_cors_foreign_origin(server):
    foreign = "http://evil.example"
    r = requests.get(server.url("/health"), headers={"Origin": foreign}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers, r.headers
    r = requests.options(server.url("/files/"), headers={
        "Origin": foreign, "Access-Control-Request-Method": "POST"}, timeout=TIMEOUT)
    assert "access-control-allow-origin" not in r.headers, r.headers
    assert r.headers.get("access-control-allow-origin") != foreign


def test_keep_alive_session_reuses_connection(server):
    name = random_name(".txt")
    content = random_text(2000)
    with requests.Session() as s:
        assert s.get(server.url("/health"), timeout=TIMEOUT).status_code == 200
        assert upload(server, name, content, session=s).status_code == 202
        for _ in range(3):
            g = s.get(server.url(f"/files/{name}"), timeout=TIMEOUT)
            assert g.status_code == 200 and g.content == content
        assert s.get(server.url("/nope"), timeout=TIMEOUT).status_code == 404
        assert s.get(server.url("/health"), timeout=TIMEOUT).status_code == 200
        pool = s.get_adapter(server.base_url).poolmanager.connection_from_url(server.base_url)
        assert pool.num_connections == 1, f"{pool.num_connections} connections opened for 7 requests"


def test_keep_alive_http_client_same_socket(server):
    """The same check without requests: every response keeps the connection open."""
    name = random_name(".txt")
    content = random_text(1000)
    body, boundary = multipart_body(name, content)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        conn.connect()
        local = conn.sock.getsockname()
        plan = [("GET", "/health", None, {}),
                ("POST", "/files/", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}),
                ("GET", f"/files/{name}", None, {}),
                ("GET", "/missing-route", None, {}),
                ("GET", f"/files/{random_name()}", None, {}),
                ("GET", "/health", None, {})]
        statuses = []
        for method, path, data, headers in plan:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            statuses.append(resp.status)
            assert not resp.will_close, f"{method} {path}: server closes the connection"
            assert conn.sock is not None and conn.sock.getsockname() == local, "new connection"
            if path == f"/files/{name}":
                assert payload == content
        assert statuses == [200, 202, 200, 404, 404, 200]
    finally:
        conn.close()


def test_http10_request_answered(server):
    """An HTTP/1.0 client without Host still gets an answer and the connection closes."""
    r = raw_request(server.port, b"GET /health HTTP/1.0\r\n\r\n")
    assert r.status == 200 and r.json() == {"status": "alive"}


def test_http10_keep_alive_is_announced_and_kept(server):
    """An HTTP/1.0 client asking for keep-alive is told so (it waits for a close otherwise, as
    `ab -k` did) and can send its next request on the same connection; without it, the server
    closes after the answer."""
    with RawConnection(server.port) as conn:
        for _ in range(2):
            conn.send(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
            r = conn.read_response()
            assert r.status == 200
            assert (r.header("connection") or "").lower() == "keep-alive"
    with RawConnection(server.port) as conn:
        conn.send(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        r = conn.read_response()
        assert r.status == 200 and (r.header("connection") or "").lower() != "keep-alive"
        assert not conn._fill(), "the server kept an HTTP/1.0 connection it was not asked to keep"


def test_oversized_header_gets_431_not_a_reset(server):
    # 32 KiB of header, over the 16 KiB limit: the client must read the 431, which needs the
    # server to drain what it did not parse before closing (else the kernel sends a reset).
    big = b"X-Filler: " + b"a" * (32 * 1024) + b"\r\n"
    resp = raw_get(server.port, "/health", extra_headers=big)
    assert resp.status == 431, (resp.status, resp.body)
    assert b"detail" in resp.body
    # The server goes on serving.
    assert requests.get(server.url("/health"), timeout=TIMEOUT).json() == {"status": "alive"}


def test_http10_expect_continue_gets_no_interim_response(server):
    # RFC 9110 §10.1.1: a server must not send 100 Continue to an HTTP/1.0 client.
    name = random_name(".txt")
    body, boundary = multipart_body(name, b"ten bytes!")
    head = (b"POST /files/ HTTP/1.0\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            b"Content-Type: multipart/form-data; boundary=" + boundary.encode()
            + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    resp = raw_request(server.port, head + body, method="POST")
    assert resp.status == 202, (resp.status, resp.body)
    assert resp.interim == []
    assert (server.root / name).read_bytes() == b"ten bytes!"
