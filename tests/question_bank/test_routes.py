"""The question-bank API: create/read/edit/delete, versions, visibility per role, curation, history."""
from __future__ import annotations

from tests.question_bank.helpers import create, publish_shared, question

EVERY_TYPE = [
    question(),
    question(type="multiple_choice", options=[{"text": "2", "correct": True}, {"text": "3", "correct": True},
                                              {"text": "4", "correct": False}]),
    {**question(type="true_false", answer=True), "options": None, "stem": "<p>$1 + 1 = 2$</p>"},
    {**question(type="true_false_group"), "options": None,
     "statements": [{"text": f"Ý {n}", "correct": n % 2 == 0} for n in range(4)]},
    {**question(type="short_answer", rule="thpt2025"), "options": None, "answers": [{"value": "-1.5"}]},
    {**question(type="matching"), "options": None,
     "pairs": [{"left": "Hà Nội", "right": "Việt Nam"}, {"left": "Paris", "right": "Pháp"}]},
    {**question(type="ordering"), "options": None, "items": [{"text": "Một"}, {"text": "Hai"}, {"text": "Ba"}]},
    {**question(type="cloze", stem=None), "options": None, "text": "<p>Thủ đô là {{1}}.</p>",
     "gaps": [{"id": "1", "answers": ["Hà Nội"]}]},
    {**question(type="essay"), "options": None, "rubric": "<p>Đủ ý: 1 điểm.</p>"},
]


def test_create_every_type_and_read_back_with_keys(world):
    teacher = world.as_("teacher")
    for payload in EVERY_TYPE:
        payload = {k: v for k, v in payload.items() if v is not None}
        resp = teacher.post("/questions", json=payload)
        assert resp.status_code == 201, (payload["type"], resp.get_json())
        created = resp.get_json()
        assert created["status"] == "draft" and created["version"] == 1 and created["type"] == payload["type"]
        again = teacher.get(f"/questions/{created['id']}").get_json()
        assert again == created
    listing = teacher.get("/questions?per_page=100").get_json()
    assert listing["total"] == len(EVERY_TYPE)
    assert {item["type"] for item in listing["items"]} == {p["type"] for p in EVERY_TYPE}
    choice = next(i for i in listing["items"] if i["type"] == "single_choice")
    assert [o["correct"] for o in choice["options"]] == [False, True, False, False]


def test_invalid_bodies_are_422_with_field_errors(world):
    teacher = world.as_("teacher")
    two_correct = question(options=[{"text": "a", "correct": True}, {"text": "b", "correct": True}])
    resp = teacher.post("/questions", json=two_correct)
    assert resp.status_code == 422 and "options" in resp.get_json()["errors"]
    resp = teacher.post("/questions", json=question(subject="khong-co"))
    assert resp.status_code == 422 and "subject" in resp.get_json()["errors"]
    resp = teacher.post("/questions", json=question(level="de"))
    assert resp.status_code == 422 and "level" in resp.get_json()["errors"]
    resp = teacher.post("/questions", json=question(type="sorting"))
    assert resp.status_code == 422 and "type" in resp.get_json()["errors"]
    resp = teacher.post("/questions", json={**question(), "secret": 1})
    assert resp.status_code == 422
    resp = teacher.post("/questions", json=question(scope="shared"))
    assert resp.status_code == 422 and "scope" in resp.get_json()["errors"]
    assert teacher.get("/questions").get_json()["total"] == 0


def test_xss_in_stem_and_options_is_sanitised(world):
    teacher = world.as_("teacher")
    created = create(teacher, stem='<p onclick="steal()">Tính $a<b$</p><script>alert(1)</script>'
                                   '<img src="https://evil.example/x.png" onerror="alert(2)">',
                     options=[{"text": '<a href="javascript:alert(3)">x</a>', "correct": True},
                              {"text": "<iframe src=//evil></iframe>y", "correct": False}])
    text = str(created)
    for bad in ("onclick", "<script", "alert(1)", "onerror", "evil.example", "javascript:", "<iframe"):
        assert bad not in text
    assert "$a&lt;b$" in created["stem"]


def test_patch_makes_a_new_version_and_keeps_the_old_one(world):
    teacher = world.as_("teacher")
    created = create(teacher)
    qid = created["id"]
    resp = teacher.patch(f"/questions/{qid}", json={"stem": "<p>Câu đã sửa</p>", "level": "thong_hieu"})
    assert resp.status_code == 200
    edited = resp.get_json()
    assert edited["version"] == 2 and edited["latest_version"] == 2 and edited["stem"] == "<p>Câu đã sửa</p>"
    assert edited["options"] == created["options"] and edited["level"] == "thong_hieu"
    old = teacher.get(f"/questions/{qid}?version=1").get_json()
    assert old["version"] == 1 and old["stem"] == created["stem"] and old["latest_version"] == 2
    assert teacher.get(f"/questions/{qid}?version=3").status_code == 404
    # Classification only: no new version.
    resp = teacher.patch(f"/questions/{qid}", json={"tags": ["phương trình"]})
    assert resp.get_json()["version"] == 2 and resp.get_json()["tags"] == ["phương trình"]
    # An edit that breaks the body is refused and writes nothing.
    resp = teacher.patch(f"/questions/{qid}", json={"options": [{"text": "chỉ một", "correct": True}]})
    assert resp.status_code == 422
    assert teacher.get(f"/questions/{qid}").get_json()["version"] == 2


def test_visibility_per_role(world, factory):
    teacher, teacher2 = world.as_("teacher"), world.as_("teacher2")
    department, admin = world.as_("department"), world.as_("admin")
    other_teacher = factory.api(factory.user("teacher", world.other_school))
    draft = create(teacher)["id"]
    shared = create(teacher, stem="<p>Câu dùng chung</p>")["id"]
    publish_shared(teacher, department, shared)
    school = create(teacher, stem="<p>Câu trong trường</p>")["id"]
    assert teacher.post(f"/questions/{school}/submit", json={"scope": "school"}).get_json()["status"] == "published"
    in_review = create(teacher, stem="<p>Câu chờ duyệt</p>")["id"]
    teacher.post(f"/questions/{in_review}/submit", json={})

    def ids(client):
        return {item["id"] for item in client.get("/questions?per_page=100").get_json()["items"]}

    assert ids(teacher) == {draft, shared, school, in_review}
    assert ids(teacher2) == {shared, school}
    assert ids(other_teacher) == {shared}
    assert ids(department) == {shared, in_review}
    assert ids(admin) == {draft, shared, school, in_review}
    assert teacher2.get(f"/questions/{draft}").status_code == 404
    assert other_teacher.get(f"/questions/{school}").status_code == 404
    assert department.get(f"/questions/{draft}").status_code == 404
    # Seeing is not editing: a colleague gets 403 on a question they can read.
    assert teacher2.patch(f"/questions/{school}", json={"stem": "<p>x</p>"}).status_code == 403
    assert teacher2.delete(f"/questions/{shared}").status_code == 403
    assert teacher2.patch(f"/questions/{draft}", json={"stem": "<p>x</p>"}).status_code == 404
    # The department may correct a shared question; the status stays published.
    resp = department.patch(f"/questions/{shared}", json={"stem": "<p>Sửa chính tả</p>"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "published"


def test_list_filters(world):
    teacher = world.as_("teacher")
    a = create(teacher, level="van_dung", stem="<p>Hàm số bậc hai</p>")["id"]
    b = create(teacher, subject="vat-li", grade=11)["id"]

    def ids(query):
        resp = teacher.get("/questions?" + query)
        assert resp.status_code == 200, resp.get_json()
        return [item["id"] for item in resp.get_json()["items"]]

    assert ids("level=van_dung") == [a]
    assert ids("subject=vat-li&grade=11") == [b]
    assert ids("q=bậc hai") == [a]
    assert ids("status=draft&type=single_choice") == [b, a]
    assert teacher.get("/questions?level=kho").status_code == 422
    assert teacher.get("/questions?topic_id=99999999999").status_code == 422
    assert teacher.get("/questions/99999999999").status_code == 404
    assert teacher.get(f"/questions/{a}?version=99999999999").status_code == 422
    assert teacher.get("/questions?per_page=1").get_json()["total"] == 2


def test_curation_flow_with_reject_comment_and_audit_trail(world):
    teacher, department = world.as_("teacher"), world.as_("department")
    qid = create(teacher)["id"]
    assert department.post(f"/questions/{qid}/review", json={"decision": "approve"}).status_code == 404
    resp = teacher.post(f"/questions/{qid}/submit", json={})
    assert resp.status_code == 200 and resp.get_json()["status"] == "in_review"
    assert resp.get_json()["scope"] == "shared" and resp.get_json()["duplicates"] == []
    assert teacher.post(f"/questions/{qid}/submit", json={}).status_code == 409
    assert teacher.post(f"/questions/{qid}/review", json={"decision": "approve"}).status_code == 403
    resp = department.post(f"/questions/{qid}/review", json={"decision": "reject"})
    assert resp.status_code == 422 and "comment" in resp.get_json()["errors"]
    resp = department.post(f"/questions/{qid}/review", json={"decision": "reject", "comment": "Thiếu đơn vị."})
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    assert teacher.get(f"/questions/{qid}").get_json()["review_comment"] == "Thiếu đơn vị."
    teacher.patch(f"/questions/{qid}", json={"stem": "<p>Đã thêm đơn vị (m)</p>"})
    assert teacher.post(f"/questions/{qid}/submit", json={}).get_json()["status"] == "in_review"
    resp = department.post(f"/questions/{qid}/review", json={"decision": "approve", "comment": "Tốt"})
    assert resp.get_json()["status"] == "published"
    # The author's edit of a published shared question goes back to the queue.
    edited = teacher.patch(f"/questions/{qid}", json={"stem": "<p>Sửa sau khi duyệt</p>"}).get_json()
    assert edited["status"] == "in_review" and edited["version"] == 3
    history = teacher.get(f"/questions/{qid}/history").get_json()
    assert [h["action"] for h in history] == ["created", "submitted", "rejected", "edited", "submitted",
                                             "approved", "edited"]
    assert history[2]["detail"]["comment"] == "Thiếu đơn vị." and history[2]["actor_name"] == "Chuyên viên Sở"
    assert history[3]["detail"]["version"] == 2 and history[0]["actor_name"] == "Nguyễn Thị Lan"
    assert world.as_("teacher2").get(f"/questions/{qid}/history").status_code == 404


def test_near_duplicate_is_flagged_not_blocked(world):
    teacher, teacher2, department = world.as_("teacher"), world.as_("teacher2"), world.as_("department")
    original = create(teacher)["id"]
    publish_shared(teacher, department, original)
    copy = create(teacher2, stem="<p><b>NGHIỆM</b> của phương   trình $x^2 = 4$ là</p>",
                  options=list(reversed(question()["options"])))["id"]
    resp = teacher2.post(f"/questions/{copy}/submit", json={})
    assert resp.status_code == 200
    assert resp.get_json()["duplicates"] == [original] and resp.get_json()["status"] == "in_review"
    other = create(teacher2, stem="<p>Một câu khác hẳn</p>")["id"]
    assert teacher2.post(f"/questions/{other}/submit", json={}).get_json()["duplicates"] == []


def test_delete_is_soft_and_hides_from_the_bank(world, app):
    from question_bank import api

    teacher = world.as_("teacher")
    qid = create(teacher)["id"]
    with app.app_context():
        api.mark_versions_used([(qid, 1)])
        from lms.core.db import db
        db.session.commit()
    assert teacher.delete(f"/questions/{qid}").status_code == 204
    assert teacher.get(f"/questions/{qid}").status_code == 404
    assert teacher.get("/questions").get_json()["total"] == 0
    assert teacher.delete(f"/questions/{qid}").status_code == 404
    with app.app_context():
        kept = api.get_version(qid, 1)  # an attempt that used it still reads it
        assert kept.body["options"][1]["correct"] is True


def test_students_and_anonymous_are_refused(world):
    teacher = world.as_("teacher")
    qid = create(teacher)["id"]
    for name, code in (("student", 403), ("anonymous", 401)):
        client = world.as_(name)
        assert client.get("/questions").status_code == code
        assert client.get(f"/questions/{qid}").status_code == code
        assert client.post("/questions", json=question()).status_code == code


def test_name_idnumber_feedback_and_weights_round_trip_through_the_api(world):
    from tests.question_bank.helpers import create

    teacher = world.as_("teacher")
    created = create(teacher, type="multiple_choice", name="Số nguyên tố", idnumber="NT-01", options=[
        {"text": "2", "correct": True, "weight": 50, "feedback": "<p>Đúng.</p>"},
        {"text": "3", "correct": True, "weight": 50},
        {"text": "4", "correct": False, "weight": -100, "feedback": "<p>4 là hợp số.</p>"}])
    got = teacher.get(f"/questions/{created['id']}").get_json()
    assert (got["name"], got["idnumber"]) == ("Số nguyên tố", "NT-01")
    assert [(o.get("weight"), o.get("feedback")) for o in got["options"]] == [
        (50, "<p>Đúng.</p>"), (50, None), (-100, "<p>4 là hợp số.</p>")]
    from tests.question_bank.helpers import question

    bad = teacher.post("/questions", json=question(type="multiple_choice", options=[
        {"text": "2", "correct": True, "weight": 60}, {"text": "4", "correct": False}]))
    assert bad.status_code == 422 and "100%" in str(bad.get_json())
