"""Web page of search: results with snippets, facet links, pagination and a "did you mean" link."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from lms.curriculum.api import subject_names

from . import schemas, service

web = Blueprint("search_web", __name__, template_folder="templates")

TYPE_LABELS = {"lecture": "Bài giảng", "question": "Câu hỏi"}
LEVEL_LABELS = {"nhan_biet": "Nhận biết", "thong_hieu": "Thông hiểu", "van_dung": "Vận dụng",
                "van_dung_cao": "Vận dụng cao"}
STATUS_LABELS = {"draft": "Bản nháp", "in_review": "Chờ duyệt", "published": "Đã xuất bản", "rejected": "Bị từ chối"}
FACET_TITLES = {"type": "Loại", "subject": "Môn học", "grade": "Khối lớp", "level": "Mức độ", "status": "Trạng thái"}
FILTERS = ("type", "subject", "grade", "level", "status")

# The pages of the owning features, tried in order; the JSON API is the fallback while a page is missing.
_DETAIL_ENDPOINTS = {"lecture": ("lectures_web.detail",), "question": ("question_bank_web.detail",)}
_API_PATHS = {"lecture": "/api/v1/lectures/{id}", "question": "/api/v1/questions/{id}"}


def object_url(type_: str, obj_id) -> str:
    """Return the page of a lecture or question: the feature's detail page if registered, else its API URL."""
    for endpoint in _DETAIL_ENDPOINTS.get(type_, ()):
        if endpoint in current_app.view_functions:
            rules = list(current_app.url_map.iter_rules(endpoint))
            arguments = sorted(rules[0].arguments) if rules else []
            if len(arguments) == 1:
                return url_for(endpoint, **{arguments[0]: obj_id})
    return _API_PATHS[type_].format(id=obj_id)


def facet_label(name: str, value: str, subjects: dict[str, str]) -> str:
    """Vietnamese label of a facet value."""
    if name == "type":
        return TYPE_LABELS.get(value, value)
    if name == "subject":
        return subjects.get(value, value)
    if name == "grade":
        return f"Lớp {value}"
    if name == "level":
        return LEVEL_LABELS.get(value, value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    return value


def _link(args: dict, **changes) -> str:
    """URL of this page with ``changes`` applied to the current arguments (``None`` removes one)."""
    merged = {k: v for k, v in args.items() if v not in (None, "")}
    merged.update(changes)
    # Defaults stay out of the URL so equal searches have equal, shareable links.
    defaults = {"page": 1, "per_page": 20}
    merged = {k: v for k, v in merged.items() if v not in (None, "") and defaults.get(k) != v}
    return url_for("search_web.results", **merged)


@web.route("/search")
@login_required
def results():
    """Search results for the box in the top bar (same engine and permission filter as the API)."""
    raw = {k: v for k, v in request.args.items() if k in schemas.SearchQuery._declared_fields}
    errors = None
    try:
        args = schemas.SearchQuery().load(raw)
    except ValidationError as exc:
        # A hand-edited URL gets the page with an explanation instead of an error screen.
        errors = exc.messages
        args = schemas.SearchQuery().load({"q": raw.get("q", "")[:200]})
    found = service.search(current_user, **args)
    subjects = subject_names()
    last_page = max(1, -(-found.total // found.per_page))
    facets = []
    for name in FILTERS:
        values = found.facets.get(name) or {}
        active = args.get(name)
        if not values and active is None:
            continue
        facets.append({
            "name": name, "title": FACET_TITLES[name],
            "active_label": facet_label(name, str(active), subjects) if active is not None else None,
            "clear_url": _link(args, **{name: None, "page": None}),
            "values": [{"label": facet_label(name, value, subjects), "count": count,
                        "active": str(active) == value, "url": _link(args, **{name: value, "page": None})}
                       for value, count in values.items()],
        })
    items = [dict(item, url=object_url(item["type"], item["id"]), type_label=TYPE_LABELS.get(item["type"], ""))
             for item in found.items]
    status = 422 if errors else 200
    return render_template(
        "search/results.html", args=args, found=found, items=items, facets=facets, errors=errors,
        last_page=last_page,
        prev_url=_link(args, page=found.page - 1) if found.page > 1 else None,
        next_url=_link(args, page=found.page + 1) if found.page < last_page else None,
        suggestion_url=_link(args, q=found.suggestion, page=None) if found.suggestion else None,
    ), status
