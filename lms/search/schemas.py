"""Request and response schemas of the search API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .documents import MAX_PER_PAGE, TYPES

LEVELS = ("nhan_biet", "thong_hieu", "van_dung", "van_dung_cao")
STATUSES = ("draft", "in_review", "published", "rejected")
#: Deep pages cost the engine page × per_page hits to collect; nobody reads result 100,001.
MAX_PAGE = 1000
_CODE = validate.Regexp(r"^[a-z0-9_-]{1,40}$", error="Mã môn học chỉ gồm chữ thường không dấu, số, - và _.")


class SearchQuery(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "Free text; diacritics optional (\"chuyen doi so\" finds "
                                               "\"chuyển đổi số\"). Blank lists everything visible."})
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))
    subject = fields.String(load_default=None, validate=_CODE, metadata={"description": "Subject code, e.g. toan"})
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12))
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class SearchHitOut(Schema):
    type = fields.String(metadata={"enum": list(TYPES)})
    id = fields.Integer()
    title = fields.String(metadata={"description": "Plain text (escape before showing)."})
    snippet = fields.String(metadata={"description": "Safe HTML: text escaped, matched words in <mark>."})
    score = fields.Float()


def _counts(description: str):
    return fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": description})


class SearchFacetsOut(Schema):
    type = _counts("{lecture|question: count}")
    subject = _counts("{subject code: count}")
    grade = _counts("{grade: count}")
    level = _counts("{level: count} (questions)")
    status = _counts("{status: count}")


class SearchResultsOut(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(SearchHitOut))
    facets = fields.Nested(SearchFacetsOut, metadata={
        "description": "Counts under the caller's permissions and every active filter except the facet's own."})
    suggestion = fields.String(allow_none=True, metadata={"description": "\"Did you mean\" query, or null."})
    page = fields.Integer()
    per_page = fields.Integer()
