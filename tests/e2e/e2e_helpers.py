"""Helpers shared by the simplefs end-to-end tests.

Everything here talks only to 127.0.0.1. Every network operation has a timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import socket
import string
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pytest

# Default timeout (seconds) for one HTTP request / socket operation.
TIMEOUT = 10.0
HOST = "127.0.0.1"
TEMP_PREFIX = ".simplefs.tmp."


# Environment variables the server may read as configuration; removed from its environment so
# that the machine's environment cannot change what a test starts.
_CONFIG_ENV = ("STORAGE_ROOT", "HOST", "PORT", "LOG_LEVEL", "MAX_UPLOAD_SIZE", "SHUTDOWN_GRACE",
               "DISK_USAGE_THRESHOLD", "CHUNK_SIZE", "THREADS", "CORS_ORIGINS", "ALLOWED_ORIGINS",
               "CORS_ALLOW_ORIGINS", "FILE_READ_BATCH_SIZE")


# --------------------------------------------------------------------------- the binary


def simplefs_bin() -> str:
    path = os.environ.get("SIMPLEFS_BIN")
    if not path:
        pytest.fail("SIMPLEFS_BIN is not set: export SIMPLEFS_BIN=/path/to/simplefs "
                    "(e.g. build/release/simplefs) before running the e2e tests", pytrace=False)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"SIMPLEFS_BIN={path!r} is not an executable file", pytrace=False)
    return path


def server_env(overrides: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in _CONFIG_ENV and not (k.startswith("SIMPLEFS_") and k != "SIMPLEFS_BIN")}
    if overrides:
        for k, v in overrides.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- polling


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.02,
               message: str = "condition") -> object:
    """Polls predicate until it returns a truthy value or timeout passes (then AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}")
        time.sleep(interval)


# --------------------------------------------------------------------------- names and data


def random_name(suffix: str = ".txt", length: int = 12) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=length)) + suffix


def random_text(size: int) -> bytes:
    alphabet = (string.ascii_letters + string.digits + " \n").encode()
    return bytes(random.choices(alphabet, k=size))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str, bufsize: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(bufsize)
            if not b:
                return h.hexdigest()
            h.update(b)


# --------------------------------------------------------------------------- filesystem checks


def temp_files(root: Path | str) -> list[str]:
    """All paths under root (recursively) whose last component starts with the temp prefix."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in filenames + dirnames:
            if n.startswith(TEMP_PREFIX):
                found.append(os.path.join(dirpath, n))
    return sorted(found)


def snapshot(base: Path | str, exclude: Iterable[str] = ()) -> dict[str, tuple]:
    """Maps every path under base (relative) to (kind, content digest or link target, mode).

    Top-level entries named in exclude are skipped. Symbolic links are not followed.
    """
    base = str(base)
    excl = set(exclude)
    snap: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        rel_dir = os.path.relpath(dirpath, base)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in excl]
            filenames = [f for f in filenames if f not in excl]
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.normpath(os.path.join(rel_dir, n))
            st = os.lstat(p)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("dir", st.st_mode)
            else:
                snap[rel] = ("file", sha256_file(p), st.st_size, st.st_mtime_ns)
    return snap


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                parts = line.split()
                assert parts[2] == "kB", line
                return int(parts[1]) * 1024
    raise AssertionError(f"no VmRSS in /proc/{pid}/status (process gone?)")


# --------------------------------------------------------------------------- multipart


def multipart_parts(filename: bytes | str, boundary: str = None,
                    extra_fields: Iterable[tuple[str, str]] = (("Button", "Submit"),),
                    content_type: str = "application/octet-stream",
                    disposition_extra: bytes = b"") -> tuple[bytes, bytes, str]:
    """Returns (head, tail, boundary) so that head + content + tail is a multipart body with the
    file in field "file". filename is inserted byte-for-byte into the quoted filename parameter."""
    if boundary is None:
        boundary = "e2eBoundary" + "".join(random.choices(string.ascii_letters + string.digits, k=24))
    if isinstance(filename, str):
        filename = filename.encode("utf-8")
    b = boundary.encode()
    head = b""
    for k, v in extra_fields:
        head += (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"" + k.encode() + b"\"\r\n\r\n"
                 + v.encode() + b"\r\n")
    head += (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
             + b"\"" + disposition_extra + b"\r\nContent-Type: " + content_type.encode() + b"\r\n\r\n")
    tail = b"\r\n--" + b + b"--\r\n"
    return head, tail, boundary


def multipart_body(filename: bytes | str, content: bytes, **kw) -> tuple[bytes, str]:
    head, tail, boundary = multipart_parts(filename, **kw)
    return head + content + tail, boundary


def chunk(data: bytes) -> bytes:
    """One chunk of HTTP/1.1 chunked transfer coding."""
    return b"%x\r\n" % len(data) + data + b"\r\n"


LAST_CHUNK = b"0\r\n\r\n"


# --------------------------------------------------------------------------- raw HTTP


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    interim: list[int] = field(default_factory=list)

    def header(self, name: str, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class RawConnection:
    """A plain TCP client for requests that libraries would refuse or normalise."""

    def __init__(self, port: int, timeout: float = TIMEOUT):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = bytearray()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def reset(self) -> None:
        """Closes with an RST instead of a FIN (SO_LINGER on, timeout 0)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def read_line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"connection closed while reading a line; got {self.buf[:200]!r}")
        i = self.buf.index(b"\r\n")
        line = bytes(self.buf[:i])
        del self.buf[:i + 2]
        return line

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError(f"connection closed after {len(self.buf)} of {n} body bytes")
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_head(self) -> tuple[int, str, list[tuple[str, str]]]:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"connection closed before a complete response head; got {self.buf[:200]!r}")
        i = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:i])
        del self.buf[:i + 4]
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise AssertionError(f"bad status line {lines[0]!r}")
        headers = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        return int(m.group(1)), m.group(2) or "", headers

    def read_response(self, method: str = "GET", allow_interim: bool = True) -> RawResponse:
        interim = []
        while True:
            status, reason, headers = self.read_head()
            if 100 <= status < 200:
                if not allow_interim:
                    raise AssertionError(f"unexpected interim response {status}")
                interim.append(status)
                continue
            break
        resp = RawResponse(status, reason, headers, b"", interim)
        if method == "HEAD" or status in (204, 304):
            return resp
        te = (resp.header("transfer-encoding") or "").lower()
        cl = resp.header("content-length")
        if "chunked" in te:
            body = bytearray()
            while True:
                size_line = self.read_line()
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    while self.read_line() != b"":
                        pass
                    break
                body += self.read_exact(size)
                assert self.read_exact(2) == b"\r\n"
            resp.body = bytes(body)
        elif cl is not None:
            resp.body = self.read_exact(int(cl))
        else:
            while self._fill():
                pass
            resp.body = bytes(self.buf)
            self.buf = bytearray()
        return resp


def raw_request(port: int, data: bytes, method: str = "GET", timeout: float = TIMEOUT) -> RawResponse:
    """Sends data (a complete request) on a fresh connection and reads one response."""
    with RawConnection(port, timeout) as c:
        c.send(data)
        return c.read_response(method)


def raw_get(port: int, target: bytes | str, extra_headers: bytes = b"") -> RawResponse:
    if isinstance(target, str):
        target = target.encode("utf-8")
    req = (b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode()
           + b"\r\nConnection: close\r\n" + extra_headers + b"\r\n")
    return raw_request(port, req)


def post_head(port: int, boundary: str, content_length: int | None = None, chunked: bool = False,
              extra: bytes = b"") -> bytes:
    """Request head of a multipart POST /files/."""
    h = (b"POST /files/ HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode()
         + b"\r\nContent-Type: multipart/form-data; boundary=" + boundary.encode() + b"\r\n")
    if content_length is not None:
        h += b"Content-Length: " + str(content_length).encode() + b"\r\n"
    if chunked:
        h += b"Transfer-Encoding: chunked\r\n"
    return h + extra + b"\r\n"


def upload_message(name: str) -> dict:
    return {"message": f"{name} upload task submitted."}


def check_upload_body(body: bytes, name: str) -> None:
    """The 202 body: parses to exactly {"message": "<name> upload task submitted."}, and its bytes
    are a canonical serialisation of that object (json.dumps default or compact)."""
    obj = json.loads(body.decode("utf-8"))
    assert obj == upload_message(name), f"upload body {body!r}"
    assert list(obj.keys()) == ["message"]
    canonical = {json.dumps(upload_message(name), ensure_ascii=a, separators=s).encode()
                 for a in (True, False) for s in ((", ", ": "), (",", ":"))}
    assert body.strip() in canonical, f"upload body bytes {body!r} not canonical JSON"


# --------------------------------------------------------------------------- PUT, DELETE, listing, ranges
# Helpers for the tests of PUT/DELETE/HEAD, listings, ranges, conditionals and digests.

import base64  # noqa: E402
import email  # noqa: E402
import urllib.parse  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

import requests  # noqa: E402

# The JSON object that describes a stored file (PUT answer, POST "files" entries).
METADATA_KEYS = {"name", "size", "sha256", "etag", "content_type", "modified"}
# One entry of "files" in a listing.
LISTING_FILE_KEYS = {"name", "size", "modified", "etag", "content_type"}
LISTING_KEYS = {"files", "folders", "next"}
RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


def quote_name(name: str) -> str:
    """Percent-encodes a stored name for a URL path (UTF-8; "/" kept as the folder separator)."""
    return urllib.parse.quote(name, safe="/")


def file_path(name: str) -> str:
    return "/files/" + quote_name(name)


def file_url(server, name: str) -> str:
    return server.url(file_path(name))


def put_file(server, name: str, data, headers: dict | None = None, session=None,
             timeout: float = TIMEOUT) -> requests.Response:
    """PUT /files/<name> with data as the raw body (bytes: Content-Length; a generator: chunked)."""
    return (session or requests).put(file_url(server, name), data=data, headers=headers or {}, timeout=timeout)


def delete_file(server, name: str, headers: dict | None = None, session=None) -> requests.Response:
    return (session or requests).delete(file_url(server, name), headers=headers or {}, timeout=TIMEOUT)


def get_file(server, name: str, headers: dict | None = None, session=None, **kw) -> requests.Response:
    kw.setdefault("timeout", TIMEOUT)
    return (session or requests).get(file_url(server, name), headers=headers or {}, **kw)


def head_file(server, name: str, headers: dict | None = None, session=None) -> requests.Response:
    return (session or requests).head(file_url(server, name), headers=headers or {}, timeout=TIMEOUT)


def strong_etag(data: bytes) -> str:
    return '"' + sha256_hex(data) + '"'


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def sha256_digest_field(data: bytes) -> str:
    """An RFC 9530 Digest field value: sha-256=:<base64>:"""
    return f"sha-256=:{sha256_b64(data)}:"


def describe(r: requests.Response) -> str:
    return f"{r.request.method} {r.request.url}: status {r.status_code}, body {r.content[:300]!r}"


def assert_error(r: requests.Response, status: int) -> str:
    """An error answer: the status, a JSON body that is an object with a "detail"; returns the detail."""
    assert r.status_code == status, f"expected {status}; {describe(r)}"
    assert r.headers.get("content-type", "").startswith("application/json"), \
        f"{describe(r)}: content-type {r.headers.get('content-type')!r}"
    obj = r.json()
    assert isinstance(obj, dict) and "detail" in obj, f"{describe(r)}: no detail"
    return obj["detail"]


def assert_raw_error(resp: RawResponse, status: int, what: str = ""):
    assert resp.status == status, f"{what}: expected {status}, got {resp.status} {resp.body[:300]!r}"
    assert (resp.header("content-type") or "").startswith("application/json"), \
        f"{what}: content-type {resp.header('content-type')!r}, body {resp.body[:300]!r}"
    obj = resp.json()
    assert isinstance(obj, dict) and "detail" in obj, f"{what}: body {resp.body[:300]!r}"
    return obj["detail"]


def parse_rfc3339(text: str) -> datetime:
    assert isinstance(text, str) and RFC3339_UTC.fullmatch(text), f"not an RFC 3339 UTC time: {text!r}"
    base = text[:19]
    return datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def check_metadata(obj, name: str, data: bytes, content_type: str | None = None) -> dict:
    """The metadata object of a stored file: exactly METADATA_KEYS, values that describe data."""
    assert isinstance(obj, dict), obj
    assert set(obj.keys()) == METADATA_KEYS, f"metadata keys {sorted(obj.keys())}, expected {sorted(METADATA_KEYS)}"
    assert obj["name"] == name, obj
    assert obj["size"] == len(data) and type(obj["size"]) is int, obj
    assert obj["sha256"] == sha256_hex(data), obj
    assert obj["etag"] == strong_etag(data), obj
    assert isinstance(obj["content_type"], str) and obj["content_type"], obj
    if content_type is not None:
        assert obj["content_type"] == content_type, obj
    modified = parse_rfc3339(obj["modified"])
    now = datetime.now(timezone.utc)
    assert abs((now - modified).total_seconds()) < 300, f"modified {obj['modified']} is not near now ({now})"
    return obj


def list_folder(server, folder: str = "", session=None, **params) -> requests.Response:
    """GET /files/<folder> (folder "" or ending in "/"), query parameters from params."""
    assert folder == "" or folder.endswith("/"), folder
    return (session or requests).get(server.url("/files/" + quote_name(folder)),
                                     params={k: v for k, v in params.items() if v is not None}, timeout=TIMEOUT)


def check_listing(r: requests.Response) -> dict:
    assert r.status_code == 200, describe(r)
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    obj = r.json()
    assert isinstance(obj, dict) and set(obj.keys()) == LISTING_KEYS, f"listing keys {list(obj)}"
    assert isinstance(obj["files"], list) and isinstance(obj["folders"], list), obj
    assert obj["next"] is None or (isinstance(obj["next"], str) and obj["next"]), obj["next"]
    for f in obj["files"]:
        assert isinstance(f, dict) and set(f.keys()) == LISTING_FILE_KEYS, f"file entry {f}"
    for d in obj["folders"]:
        assert isinstance(d, str) and d.endswith("/"), f"folder entry {d!r}"
    return obj


def page_entries(obj: dict) -> list[str]:
    """The names of one listing page, files and folders together in byte order."""
    return sorted([f["name"] for f in obj["files"]] + list(obj["folders"]), key=lambda n: n.encode())


def list_all(server, folder: str = "", limit: int | None = None, prefix: str | None = None,
             max_pages: int = 1000, session=None) -> tuple[list[str], list[dict]]:
    """Follows "next" from the first page to the last; returns (all entry names in page order, pages)."""
    names: list[str] = []
    pages: list[dict] = []
    cursor = None
    for _ in range(max_pages):
        obj = check_listing(list_folder(server, folder, session=session, limit=limit, prefix=prefix, cursor=cursor))
        pages.append(obj)
        names += page_entries(obj)
        cursor = obj["next"]
        if cursor is None:
            return names, pages
    raise AssertionError(f"listing of {folder!r} did not end within {max_pages} pages")


def parse_byteranges(content_type: str | bytes, body: bytes) -> list[tuple[str, bytes]]:
    """Parses a multipart/byteranges body; returns [(Content-Range, bytes)] per part."""
    if isinstance(content_type, str):
        content_type = content_type.encode("latin-1")
    msg = email.message_from_bytes(b"Content-Type: " + content_type + b"\r\n\r\n" + body)
    assert msg.is_multipart(), f"not a multipart body: {content_type!r} {body[:200]!r}"
    assert not msg.defects, f"multipart defects {msg.defects}"
    return [(part.get("Content-Range"), part.get_payload(decode=True)) for part in msg.get_payload()]


def make_empty_files(folder: Path | str, names: Iterable[str]) -> None:
    """Creates empty files directly on disk (not through the server)."""
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL | os.O_CLOEXEC
    for n in names:
        os.close(os.open(os.path.join(folder, n), flags, 0o644))


def post_file(server, name: str, data: bytes, session=None) -> requests.Response:
    """The original upload: POST /files/ with the file in a multipart "file" part; asserts 202."""
    r = (session or requests).post(server.url("/files/"), files={"file": (name, data)}, data={"Button": "Submit"},
                                   timeout=TIMEOUT)
    assert r.status_code == 202, f"POST /files/ {name!r}: status {r.status_code} {r.content[:300]!r}"
    return r


def metric(server, name: str) -> float:
    """The value of an unlabelled series in the server's /metrics."""
    text = requests.get(server.url("/metrics"), timeout=TIMEOUT).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")
