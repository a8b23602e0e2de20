"""The API route layer: permission rule, request loading, response dumping and OpenAPI metadata in one place.

Every JSON route is declared with ``ApiBlueprint.endpoint``; the declaration is what ``openapi.py`` documents
and what the permission-matrix test checks, so the contract and the behaviour cannot drift apart.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from .db import db
from .errors import BadRequest, UnsupportedMediaType, ValidationFailed
from .permissions import Rule, enforce

MAX_PER_PAGE = 100


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


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
    produces: str | None = None  # non-JSON responses (files, playlists)
    errors: tuple[int, ...] = ()
    #: Longer text for the API reference; the view's docstring when not given.
    description: str = ""
    #: A realistic request body and success response for the API reference (shown by /api/v1/docs).
    example_body: Any = None
    example_response: Any = None


def load(schema: Schema, data: Any) -> dict:
    """Validate ``data`` with ``schema``; a failure is a 422 with per-field messages."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("Một số trường không hợp lệ.", errors=messages) from None


def json_body() -> Any:
    """The request's JSON document: 415 for another content type, 400 for malformed JSON."""
    if not request.mimetype or request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        if not request.get_data(cache=True):
            return {}
        raise UnsupportedMediaType("Nội dung phải là application/json.")
    try:
        data = request.get_json(force=True, silent=False)
    except Exception:  # werkzeug raises BadRequest subclasses with HTML descriptions
        raise BadRequest("JSON không đúng cú pháp.") from None
    if data is None:
        raise BadRequest("Thiếu nội dung JSON.")
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
                 produces: str | None = None, errors: tuple[int, ...] = (), description: str = "",
                 example_body: Any = None, example_response: Any = None):
        doc = EndpointDoc(rule=allow, summary=summary, body=body, query=query, response=response, status=status,
                          paginated=paginated, many=many, files=files or {}, produces=produces, errors=errors,
                          description=description, example_body=example_body, example_response=example_response)

        def decorator(view):
            if not doc.description:
                doc.description = inspect.getdoc(view) or ""

            @functools.wraps(view)
            def wrapper(**kwargs):
                enforce(allow)
                if query is not None or paginated:
                    args = _query_dict()
                    loaded = {}
                    if paginated:
                        page_keys = {k: args.pop(k) for k in ("page", "per_page") if k in args}
                        loaded.update(load(PageArgs(), page_keys))
                    if query is not None:
                        loaded.update(load(query(), args))
                    kwargs["args"] = loaded
                if body is not None:
                    kwargs["body"] = load(body(), json_body())
                result = view(**kwargs)
                if isinstance(result, Response):
                    return result
                code = status
                if isinstance(result, tuple):
                    result, code = result
                if response is None:
                    payload = result
                elif paginated:
                    payload = {"items": response(many=True).dump(result.items), "total": result.total,
                               "page": result.page, "per_page": result.per_page}
                else:
                    payload = response(many=many).dump(result)
                if code == 204:
                    return Response(status=204)
                out = jsonify(payload)
                out.status_code = code
                return out

            wrapper.api_doc = doc
            self.add_url_rule(path, view_func=wrapper, methods=[method], endpoint=f"{view.__name__}_{method.lower()}")
            return wrapper

        return decorator
