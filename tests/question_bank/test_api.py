"""question_bank.api: what exams and search call."""
from __future__ import annotations

import pytest

from lms.core.db import db
from lms.core.errors import NotFound
from tests.question_bank.helpers import create, publish_shared


@pytest.fixture
def bank(world):
    teacher, teacher2, department = world.as_("teacher"), world.as_("teacher2"), world.as_("department")
    ids = {
        "own_draft": create(teacher, level="thong_hieu")["id"],
        "other_draft": create(teacher2)["id"],
        "shared": create(teacher2, stem="<p>Câu dùng chung</p>", explanation="<p>BÍ MẬT lời giải</p>")["id"],
        "school": create(teacher2, stem="<p>Câu trong trường</p>")["id"],
        "deleted": create(teacher)["id"],
    }
    publish_shared(teacher2, department, ids["shared"])
    teacher2.post(f"/questions/{ids['school']}/submit", json={"scope": "school"})
    teacher.patch(f"/questions/{ids['own_draft']}", json={"stem": "<p>Phiên bản 2</p>"})
    teacher.delete(f"/questions/{ids['deleted']}")
    return ids


def _user(uid):
    from lms.accounts.api import get_user
    return get_user(uid)


def test_versions_as_data(app, world, bank):
    from question_bank import api

    with app.app_context():
        v1 = api.get_version(bank["own_draft"], 1)
        assert v1.version == 1 and v1.type == "single_choice" and v1.subject == "toan" and v1.grade == 10
        assert v1.level == "thong_hieu" and v1.status == "draft" and "Nghiệm" in v1.body["stem"]
        with pytest.raises(NotFound):
            api.get_version(bank["own_draft"], 9)
        got = api.get_versions([(bank["own_draft"], 1), (bank["own_draft"], 2), (bank["shared"], 7)])
        assert set(got) == {(bank["own_draft"], 1), (bank["own_draft"], 2)}
        assert got[(bank["own_draft"], 2)].body["stem"] == "<p>Phiên bản 2</p>"
        # Deleted questions keep serving the attempts that used them.
        assert api.get_version(bank["deleted"], 1).question_id == bank["deleted"]


def test_latest_versions_and_candidates_follow_visibility(app, world, bank):
    from question_bank import api

    with app.app_context():
        teacher = _user(world.teacher)
        latest = api.latest_versions(teacher, [bank["shared"], bank["own_draft"], bank["school"]])
        assert [(v.question_id, v.version) for v in latest] == [(bank["shared"], 1), (bank["own_draft"], 2),
                                                               (bank["school"], 1)]
        for hidden in ("other_draft", "deleted"):
            with pytest.raises(NotFound) as exc:
                api.latest_versions(teacher, [bank["shared"], bank[hidden]])
            assert str(bank[hidden]) in exc.value.detail
        candidates = api.blueprint_candidates(teacher, "toan", 10)
        assert {c["id"] for c in candidates} == {bank["own_draft"], bank["shared"], bank["school"]}
        own = next(c for c in candidates if c["id"] == bank["own_draft"])
        assert own == {"id": bank["own_draft"], "version": 2, "topic_id": None, "level": "thong_hieu",
                       "type": "single_choice"}
        assert api.blueprint_candidates(teacher, "vat-li", 10) == []
        assert api.blueprint_candidates(_user(world.student), "toan", 10) == []
        outsider_teacher = _user(world.department)
        assert {c["id"] for c in api.blueprint_candidates(outsider_teacher, "toan", 10)} == {bank["shared"]}


def test_mark_versions_used_and_topic_names(app, world, bank):
    from question_bank import api
    from question_bank.models import QuestionVersion

    with app.app_context():
        api.mark_versions_used([(bank["shared"], 1), (bank["shared"], 5)])
        db.session.commit()
        row = db.session.scalar(db.select(QuestionVersion).where(QuestionVersion.question_id == bank["shared"]))
        first = row.used_at
        assert first is not None
        api.mark_versions_used([(bank["shared"], 1)])
        assert row.used_at == first
        assert api.topic_names([None, 999]) == {}


def test_search_documents_and_allow_clauses(app, world, bank):
    from lms.search.documents import Allow
    from question_bank import api

    with app.app_context():
        docs = {d["obj_id"]: d for d in api.index_documents()}
        assert bank["deleted"] not in docs and len(docs) == 4
        shared = docs[bank["shared"]]
        assert shared["type"] == "question" and shared["visibility"] == "shared" and shared["status"] == "published"
        assert shared["title"] == "Câu dùng chung" and shared["teacher_only"] == "<p>BÍ MẬT lời giải</p>"
        assert "BÍ MẬT" not in shared["body"] and "correct" not in shared["body"]
        assert shared["audience"] == "staff" and shared["class_ids"] == []
        assert docs[bank["own_draft"]]["visibility"] == "private"
        assert list(api.index_documents([bank["deleted"]])) == []
        assert api.search_allow_clauses(_user(world.student)) == []
        clauses = api.search_allow_clauses(_user(world.teacher))
        Allow(any_of=clauses)  # the engine accepts them
        assert {"type": "question", "owner_id": str(world.teacher)} in clauses
        assert {"type": "question", "visibility": "school", "status": "published",
                "school_id": str(world.school)} in clauses


def test_student_view_reexport_has_no_keys(app, world, bank):
    from question_bank import api

    with app.app_context():
        version = api.get_version(bank["shared"], 1)
        view = api.student_view(version.body)
        assert "explanation" not in view and all("correct" not in o for o in view["options"])
        assert api.score(version.body, api.correct_answer(version.body)).fraction == 1
