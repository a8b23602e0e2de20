"""The OpenAPI 3 document, generated from the declarations of ``ApiBlueprint.endpoint``."""
from __future__ import annotations

import re
import warnings

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify, render_template, url_for
from marshmallow import fields

from .permissions import PUBLIC, Rule
from .rest import DB_INT_MAX

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_TEXT = {
    400: "Malformed request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found or not visible",
    409: "State conflict", 413: "Too large", 415: "Unsupported media type", 422: "Validation failed",
    429: "Rate limited", 503: "A dependency is unavailable",
}
_REDIRECTS = {301, 302, 303, 307, 308}


def decimal_as_string(self, field, **kwargs) -> dict:
    """Scores and points travel as decimal strings ("8.25"), never binary floats, so a client reads exactly
    what was stored; the document says so instead of apispec's default ``number``. Input accepts a JSON
    number as well (marshmallow parses both), but the string is the documented form."""
    if not isinstance(field, fields.Decimal) or not field.as_string:
        return {}
    places = field.places  # marshmallow 4 keeps a quantum (Decimal("0.01")); older versions an int
    if places is not None and not isinstance(places, int):
        places = -places.as_tuple().exponent
    fraction = r"(\.[0-9]+)?" if places is None else rf"(\.[0-9]{{1,{places}}})?"
    prop = {"type": "string", "format": "decimal", "pattern": rf"^-?[0-9]+{fraction}$"}
    if places is not None:
        prop["x-decimal-places"] = places
    return prop


_INTRO = """E-lectures, question bank, online testing and the Thông tư 22 gradebook of Học Liệu Số.

**Authentication.** `POST /api/v1/auth/token` with `{"username": "...", "password": "..."}` returns
`{"token", "expires_at", "user"}`; send `Authorization: Bearer <token>` on every other call. Tokens expire
(`TOKEN_TTL_HOURS`); `DELETE /api/v1/auth/token` revokes the one sent. Repeated failed logins from one address
and username answer 429 with `Retry-After`.

**Errors** are RFC 9457 problem details (`application/problem+json`): `{"type", "title", "status", "detail"}`
and, for 422, `errors: {field: [message, ...]}`. 404 also means "exists but not visible to you".

**Lists** take `?page=1&per_page=20` (at most 100) and answer `{"items", "total", "page", "per_page"}`.

**Numbers and times.** Exam points are decimals with at most two places (`0.25`); gradebook values have one
decimal. Timestamps are ISO 8601 with an offset (stored in UTC).

**Tracing.** Send `X-Request-ID` (8-128 of `A-Z a-z 0-9 . _ : -`) to find your call in the server's logs;
every response carries the id it was logged under.

Each operation lists the roles allowed to call it; a role outside the list gets 403 before anything else.
"""


def _schema_name_resolver(schema) -> str:
    cls = schema if isinstance(schema, type) else schema.__class__
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


def _path_params(rule) -> tuple[str, list]:
    params = []

    def repl(match):
        conv, name = match.group(1), match.group(2)
        if conv == "int":  # lms.app's BoundedIntConverter: unsigned, within the database's integer
            schema = {"type": "integer", "minimum": 0, "maximum": DB_INT_MAX}
        else:
            schema = {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _CONVERTER.sub(repl, rule.rule), params


def build_spec(app: Flask) -> dict:
    """Walk the URL map and document every API endpoint."""
    marshmallow = MarshmallowPlugin(schema_name_resolver=_schema_name_resolver)
    spec = APISpec(
        title="Học Liệu Số API", version="1.0.0", openapi_version="3.0.3",
        plugins=[marshmallow],
        info={"description": _INTRO},
        servers=[{"url": "/"}],
    )
    marshmallow.converter.add_attribute_function(decimal_as_string)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": True},
        },
    })
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "api_doc", None)
        if doc is None:
            continue
        path, params = _path_params(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(doc, params, rule.endpoint)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # apispec warns when a schema is reused under one name
        for path, operations in paths.items():
            spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(doc, params: list, endpoint: str) -> dict:
    op: dict = {
        "summary": doc.summary,
        "operationId": endpoint.replace(".", "_"),
        "tags": [endpoint.split(".")[0] if "." in endpoint else "operations"],
        "description": (doc.description + "\n\n" if doc.description else "") + f"Allowed: {doc.rule.describe()}.",
        "parameters": list(params),
        "responses": {},
    }
    if doc.rule != PUBLIC:
        op["security"] = [{"bearer": []}]
    if doc.query is not None:
        op["parameters"].append({"in": "query", "schema": doc.query})
    if doc.paginated:
        op["parameters"] += [
            {"name": "page", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX, "default": 1}},
            {"name": "per_page", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
        ]
    if doc.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc.body}}}
        if doc.example_body is not None:
            op["requestBody"]["content"]["application/json"]["example"] = doc.example_body
    elif doc.files:
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": list(doc.files),
            "properties": {name: {"type": "string", "format": "binary", "description": text}
                           for name, text in doc.files.items()}}}}}
    produces = (doc.produces,) if isinstance(doc.produces, str) else tuple(doc.produces or ())
    binary = {media: {"schema": {"type": "string", "format": "binary"}} for media in produces}
    if doc.status in _REDIRECTS:
        ok = {"description": "Redirect to a short-lived signed URL",
              "headers": {"Location": {"schema": {"type": "string"}, "required": True}}}
    elif produces and doc.response is None:
        ok = {"description": "OK", "content": binary}
    elif doc.status == 204:
        ok = {"description": "No content"}
    elif doc.response is None:
        ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    elif doc.paginated:
        ok = {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": doc.response}, "total": {"type": "integer"},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"}}}}}}
    elif doc.many:
        ok = {"description": "OK",
              "content": {"application/json": {"schema": {"type": "array", "items": doc.response}}}}
    else:
        ok = {"description": "OK", "content": {"application/json": {"schema": doc.response}}}
    if doc.example_response is not None and "application/json" in ok.get("content", {}):
        ok["content"]["application/json"]["example"] = doc.example_response
    if produces and doc.response is not None:
        ok["content"].update(binary)  # a JSON document, or a file when the query asks for one (?format=)
    op["responses"][str(doc.status)] = ok
    for code in doc.also:
        op["responses"][str(code)] = ok if code not in _REDIRECTS else {
            "description": "Redirect to a short-lived signed URL",
            "headers": {"Location": {"schema": {"type": "string"}, "required": True}}}
    codes = set(doc.errors)
    if doc.rule != PUBLIC:
        codes |= {401, 403}
    if doc.body is not None or doc.query is not None or doc.paginated:
        codes |= {400, 422}  # malformed, then invalid (including integers past the database's range)
    if doc.body is not None:
        codes |= {413, 415}  # past MAX_JSON_KB; not application/json
    if doc.upload:
        codes |= {400, 413, 415, 422}
    if params:
        codes.add(404)
    for code in sorted(codes):
        op["responses"][str(code)] = {"description": _ERROR_TEXT.get(code, "Error"), "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    return op


def spec_view():
    """GET /api/v1/openapi.json — cached per process because the URL map does not change after start."""
    cache = current_app.extensions.setdefault("lms_openapi", {})
    if "doc" not in cache:
        cache["doc"] = build_spec(current_app)
    return jsonify(cache["doc"])


def docs_view():
    """GET /api/v1/docs — the human-readable API reference (vendored Redoc over the OpenAPI document)."""
    return render_template("api_docs.html", spec_url=url_for("openapi"))


def is_documented(view) -> Rule | None:
    doc = getattr(view, "api_doc", None)
    return doc.rule if doc else None
