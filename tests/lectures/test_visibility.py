"""The visibility matrix: roles x visibility x class membership, for detail, list, media access and search.

One set of rules (lms.lectures.permissions) is read three ways (object, SQL, search clauses); this matrix
checks all of them against the same expected table.
"""
import pytest

from lms.search.documents import Allow
from lms.search.whoosh_backend import SearchIndex

VIEWERS = ("owner", "class_teacher", "colleague", "enrolled", "same_school", "outsider", "department", "admin")

# Published lectures, by visibility: who may see them.
PUBLISHED = {
    "private": {"owner", "admin"},
    "class": {"owner", "class_teacher", "enrolled", "admin"},
    "school": {"owner", "class_teacher", "colleague", "enrolled", "same_school", "admin"},
    "shared": set(VIEWERS),
}
# Not published: drafts only to the owner (and admins); a shared one in review also to the department.
DRAFT = {"owner", "admin"}
IN_REVIEW = {"owner", "admin", "department"}


@pytest.fixture
def cast(world, factory, asset):
    """Lectures of each visibility owned by teacher2, who teaches 10A1 physics; world.teacher is another
    teacher of 10A1; 'colleague' teaches nothing; 'same_school' is a student of the school not in 10A1."""
    factory.assign(world.klass, world.teacher2, "vat-li")
    people = {"owner": world.teacher2, "class_teacher": world.teacher, "enrolled": world.student,
              "colleague": factory.user("teacher", world.school), "same_school": factory.user("student", world.school),
              "outsider": world.outsider, "department": world.department, "admin": world.admin}
    clients = {name: factory.api(uid) for name, uid in people.items()}
    owner = clients["owner"]
    lectures = {}
    for visibility in PUBLISHED:
        for state in ("published", "draft"):
            video = asset(world.teacher2)
            body = {"title": f"{visibility} {state}", "subject": "vat-li", "grade": 10, "visibility": visibility,
                    "class_ids": [world.klass] if visibility == "class" else [], "media_ids": [video]}
            lid = owner.post("/lectures", json=body).get_json()["id"]
            if state == "published":
                owner.post(f"/lectures/{lid}/submit")
                if visibility == "shared":
                    clients["department"].post(f"/lectures/{lid}/review", json={"decision": "approve"})
            lectures[(visibility, state)] = (lid, video)
    video = asset(world.teacher2)
    lid = owner.post("/lectures", json={"title": "shared review", "subject": "vat-li", "grade": 10,
                                        "visibility": "shared", "media_ids": [video]}).get_json()["id"]
    owner.post(f"/lectures/{lid}/submit")
    lectures[("shared", "in_review")] = (lid, video)
    return people, clients, lectures


def _expected(visibility, state):
    if state == "published":
        return PUBLISHED[visibility]
    return IN_REVIEW if state == "in_review" else DRAFT


def test_detail_list_and_media_follow_the_matrix(cast):
    people, clients, lectures = cast
    failures = []
    for viewer, client in clients.items():
        listed = {i["id"] for i in client.get("/lectures?per_page=100").get_json()["items"]}
        for (visibility, state), (lid, video) in lectures.items():
            allowed = viewer in _expected(visibility, state)
            detail = client.get(f"/lectures/{lid}").status_code
            media = client.get(f"/media/{video}").status_code
            got = (detail == 200, lid in listed, media == 200)
            if got != (allowed, allowed, allowed):
                failures.append((viewer, visibility, state, got))
            if not allowed and detail != 404:
                failures.append((viewer, visibility, state, f"detail {detail}, expected 404"))
    assert failures == []


def test_search_clauses_match_the_matrix(app, cast, tmp_path):
    from lms.accounts.models import User
    from lms.core.db import db
    from lms.lectures import api

    people, clients, lectures = cast
    index = SearchIndex(tmp_path / "ix")
    try:
        with app.app_context():
            index.upsert(list(api.index_documents()))
            for viewer, uid in people.items():
                user = db.session.get(User, uid)
                allow = Allow(any_of=api.search_allow_clauses(user))
                found = {int(item["id"]) for item in index.search(None, allow=allow, per_page=100).items}
                expected = {lid for (vis, state), (lid, _) in lectures.items() if viewer in _expected(vis, state)}
                assert found == expected, viewer
    finally:
        index.close()


def test_students_never_receive_a_draft(world, make_lecture):
    teacher, student = world.as_("teacher"), world.as_("student")
    lid = make_lecture(title="Công khai", visibility="class", class_ids=[world.klass], submit=True)["id"]
    teacher.patch(f"/lectures/{lid}", json={"title": "Nháp bí mật", "description": "<p>chưa xong</p>"})
    body = student.get(f"/lectures/{lid}").get_json()
    assert body["title"] == "Công khai" and body["status"] == "published" and body["draft_version_id"] is None
    assert body["versions"] == [] and body["reviews"] == []
    assert "Nháp" not in str(student.get("/lectures").get_json())
