"""Fixtures of the search feature tests: an empty index per test and helpers that create content through
the owning features' APIs (so indexing runs through the real signals and jobs)."""
from __future__ import annotations

import pytest


@pytest.fixture
def search_index(app):
    """The app's search index, emptied before and after the test (tables are emptied by tests/conftest.py,
    but the index lives in files and would otherwise carry other tests' documents with reused ids)."""
    from lms.search import service

    with app.app_context():
        index = service.get_index()
        index.clear()
    yield index
    with app.app_context():
        index.clear()


def make_question(client, stem, *, explanation=None, subject="toan", grade=10, level="nhan_biet", **extra):
    """Create a single-choice question through POST /questions; returns its id."""
    body = {"type": "single_choice", "stem": stem, "subject": subject, "grade": grade, "level": level,
            "options": [{"text": "Đáp án một", "correct": True}, {"text": "Đáp án hai", "correct": False}]}
    if explanation:
        body["explanation"] = explanation
    body.update(extra)
    resp = client.post("/questions", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def search(client, **params):
    """GET /api/v1/search with ``params``; asserts 200 and returns the JSON body."""
    resp = client.get("/search", query_string=params)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def hits(body):
    """``[(type, id), ...]`` of a search response, in rank order."""
    return [(item["type"], item["id"]) for item in body["items"]]


def make_lecture(client, title, *, description="<p>Tài liệu tham khảo cho giáo viên và học sinh.</p>", subject="toan", grade=10, visibility="school", class_ids=(),
                 publish=True):
    """Create a lecture through POST /lectures (and submit it, which publishes non-shared ones); returns its id."""
    resp = client.post("/lectures", json={"title": title, "description": description, "subject": subject,
                                          "grade": grade, "visibility": visibility, "class_ids": list(class_ids)})
    assert resp.status_code == 201, resp.get_json()
    lecture_id = resp.get_json()["id"]
    if publish:
        resp = client.post(f"/lectures/{lecture_id}/submit")
        assert resp.status_code == 200, resp.get_json()
    return lecture_id
