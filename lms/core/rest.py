"""The API route layer: permission rule, request loading, response dumping and OpenAPI metadata in one place.

Every JSON route is declared with ``ApiBlueprint.endpoint``; the declaration is what ``openapi.py`` documents
and what the permission-matrix test checks, so the contract and the behaviour cannot drift apart.
"""
from __future__ import annotations

import functools
import inspect
import json
import math
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from .db import db
from .errors import BadRequest, NotFound, UnsupportedMediaType, ValidationFailed
from .permissions import Rule, enforce

MAX_PER_PAGE = 100
# The database's INTEGER (PostgreSQL int4; SQLite raises OverflowError past int64 anyway). An integer past it
# can name no row and fit no column, so the schema layer refuses it instead of the driver.
DB_INT_MIN, DB_INT_MAX = -(2**31), 2**31 - 1


def whole_number(value, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """A number typed into a web form or URL, or None: ASCII digits only (``"²".isdigit()`` is true but
    ``int("²")`` fails) and within ``low..high`` (by default the database's integer range)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdecimal() or len(text) > 12:
        return None
    number = int(text)
    return number if low <= number <= high else None


def _up_to(limit: int) -> str:
    """A regular expression matching exactly the decimal numbers 0..``limit`` (no sign, no leading zeros)."""
    digits = str(limit)
    options = ["0", rf"[1-9]\d{{0,{len(digits) - 2}}}"]
    for i, d in enumerate(digits):
        if i == 0 and d == "1":
            continue
        low = "1" if i == 0 else "0"
        top = int(d) - 1
        if top < int(low):
            continue
        rest = len(digits) - i - 1
        options.append(digits[:i] + (f"[{low}-{top}]" if top > int(low) else low) + (rf"\d{{{rest}}}" if rest else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class DbIntConverter(IntegerConverter):
    """``<int:…>`` limited to 0..DB_INT_MAX by its regular expression, not only in ``to_python``: werkzeug
    answers 405 when another method's rule matches the text of a path whose converter later refuses the
    value, so a number past the range must not match at all, and every method gets the same 404."""

    regex = _up_to(DB_INT_MAX)

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=DB_INT_MAX))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


_PAGE_ARGS = PageArgs()


@dataclass
class Page:
    """One page of results, dumped as ``{items, total, page, per_page}``."""

    items: list
    total: int
    page: int
    per_page: int


@dataclass
class EndpointDoc:
    rule: Rule
    summary: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    paginated: bool = False
    many: bool = False
    files: dict = field(default_factory=dict)  # multipart field name -> description
    produces: str | tuple[str, ...] | None = None  # non-JSON responses (files, playlists, exports)
    errors: tuple[int, ...] = ()
    #: Longer text for the API reference; the view's docstring when not given.
    description: str = ""
    #: A realistic request body and success response for the API reference (shown by /api/v1/docs).
    example_body: Any = None
    example_response: Any = None
    also: tuple[int, ...] = ()  # other success statuses with the same body (200 "resumed" next to 201 "created")
    upload: bool = False  # the body is a streamed file (MAX_UPLOAD_MB), not a JSON document (MAX_JSON_KB)


def _has_upper_bound(field: fields.Field) -> bool:
    return any(isinstance(v, validate.Range) and v.max is not None for v in field.validators)


def bound_integers(schema: type[Schema] | Schema, _seen: set | None = None) -> None:
    """Give every ``Integer`` field of ``schema`` (nested, list items, dict keys and values included) the
    database's integer range unless it declares its own upper bound (a BigInteger column such as a byte size
    does). Runs once per schema class when a route is declared; the OpenAPI document then shows the range."""
    seen = set() if _seen is None else _seen
    cls = schema if isinstance(schema, type) else type(schema)
    if cls in seen:
        return
    seen.add(cls)

    def visit(field):
        if field is None:
            return
        if isinstance(field, fields.Integer) and not _has_upper_bound(field):
            field.validators.append(validate.Range(min=DB_INT_MIN, max=DB_INT_MAX,
                                                   error="Số phải nằm trong khoảng {min}..{max}."))
        elif isinstance(field, fields.Nested):
            nested = field.nested
            if isinstance(nested, (type, Schema)):
                bound_integers(nested, seen)
        elif isinstance(field, fields.List):
            visit(field.inner)
        elif isinstance(field, fields.Tuple):
            for inner in field.tuple_fields:
                visit(inner)
        elif isinstance(field, fields.Dict):
            visit(field.key_field)
            visit(field.value_field)

    for declared in cls._declared_fields.values():
        visit(declared)


def _bad_text(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) in a JSON document that no database can store: a lone UTF-16
    surrogate (``"\\ud800"`` is valid JSON but not Unicode) or a NUL character (PostgreSQL text refuses it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return path or "_schema"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "_schema"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            bad = _bad_text(key, where) or _bad_text(item, where)
            if bad:
                return bad.encode("utf-8", "backslashreplace").decode("utf-8")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            bad = _bad_text(item, f"{path}.{index}" if path else str(index))
            if bad:
                return bad
    return None


def _refuse_bad_text(data: Any) -> None:
    bad = _bad_text(data)
    if bad:
        raise ValidationFailed("Văn bản chứa ký tự không hợp lệ.", errors={
            bad: ["Ký tự không hợp lệ (nửa cặp UTF-16 hoặc ký tự NUL); hãy gửi văn bản Unicode chuẩn."]})


def load(schema: Schema, data: Any) -> dict:
    """Validate ``data`` (a JSON document, query string or form) with ``schema``; a failure is a 422 with
    per-field messages, text no database can store (see ``_bad_text``) included."""
    _refuse_bad_text(data)
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("Một số trường không hợp lệ.", errors=messages) from None


def _not_a_number(token: str):
    raise ValueError(f"{token} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def json_body() -> Any:
    """The request's JSON document: 415 for another content type, 400 for malformed JSON, 413 past
    ``MAX_JSON_KB`` (see limits.py), 422 for text that is not storable Unicode (lone surrogates, NUL)."""
    if not request.mimetype or request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
            return {}
        raise UnsupportedMediaType("Nội dung phải là application/json.")
    raw = request.get_data(cache=True)  # bounded: 413 past MAX_JSON_KB (limits.py)
    try:
        # NaN, Infinity and 1e400 are accepted by Python's parser but are not JSON numbers nor storable.
        data = json.loads(raw, parse_constant=_not_a_number, parse_float=_finite_float)
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested past the parser's depth
        raise BadRequest("JSON không đúng cú pháp.") from None
    if data is None:
        raise BadRequest("Thiếu nội dung JSON.")
    _refuse_bad_text(data)
    return data


def paginate(stmt, page: int, per_page: int) -> Page:
    """Run ``stmt`` for one page and count the whole result set."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(items), total=total or 0, page=page, per_page=per_page)


def _query_dict() -> dict:
    data = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values[0] if len(values) == 1 else values
    return data


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes carry a permission rule and their schemas."""

    def endpoint(self, path: str, method: str, *, allow: Rule, summary: str, body: type[Schema] | None = None,
                 query: type[Schema] | None = None, response: type[Schema] | None = None, status: int = 200,
                 paginated: bool = False, many: bool = False, files: dict | None = None,
                 produces: str | tuple[str, ...] | None = None, errors: tuple[int, ...] = (), description: str = "",
                 example_body: Any = None, example_response: Any = None, upload: bool = False,
                 also: tuple[int, ...] = ()):
        doc = EndpointDoc(rule=allow, summary=summary, body=body, query=query, response=response, status=status,
                          paginated=paginated, many=many, files=files or {}, produces=produces, errors=errors,
                          description=description, example_body=example_body, example_response=example_response,
                          upload=upload or bool(files), also=also)
        for schema in (body, query):
            if schema is not None:
                bound_integers(schema)
        # One instance of each schema per route, made here: marshmallow schemas keep no state between loads and
        # dumps, and building one (fields copied, hooks resolved) cost as much as using it (issue 16).
        body_schema = body() if body is not None else None
        query_schema = query() if query is not None else None
        response_schema = response(many=many) if response is not None and not paginated else None
        page_schema = response(many=True) if response is not None and paginated else None

        def decorator(view):
            if not doc.description:
                doc.description = inspect.getdoc(view) or ""

            @functools.wraps(view)
            def wrapper(**kwargs):
                if any(isinstance(v, str) and "\x00" in v for v in kwargs.values()):
                    raise NotFound("Không tìm thấy tài nguyên được yêu cầu.")  # no name with a NUL exists
                enforce(allow)
                if query is not None or paginated:
                    args = _query_dict()
                    loaded = {}
                    if paginated:
                        page_keys = {k: args.pop(k) for k in ("page", "per_page") if k in args}
                        loaded.update(load(_PAGE_ARGS, page_keys))
                    if query_schema is not None:
                        loaded.update(load(query_schema, args))
                    kwargs["args"] = loaded
                if body_schema is not None:
                    kwargs["body"] = load(body_schema, json_body())
                result = view(**kwargs)
                if isinstance(result, Response):
                    return result
                code = status
                if isinstance(result, tuple):
                    result, code = result
                if response is None:
                    payload = result
                elif paginated:
                    payload = {"items": page_schema.dump(result.items), "total": result.total,
                               "page": result.page, "per_page": result.per_page}
                else:
                    payload = response_schema.dump(result)
                if code == 204:
                    return Response(status=204)
                out = jsonify(payload)
                out.status_code = code
                return out

            wrapper.api_doc = doc
            self.add_url_rule(path, view_func=wrapper, methods=[method], endpoint=f"{view.__name__}_{method.lower()}")
            return wrapper

        return decorator
