"""The API boundary answers every strange input with a 4xx problem, never a 500: text no database can store,
integers past the database's range, bodies past the size limits (shared/API.md "Conventions")."""
from __future__ import annotations

import io
import json

import pytest

from tests.core.test_problems import assert_problem
from tests.exams.conftest import make_question, single_choice

SURROGATE = '"\\ud800"'  # valid JSON text, not valid Unicode: json.loads gives a lone surrogate
BIG = 2**63  # past every database integer


def raw(client, method, path, text: str, **headers):
    return client.request(method, path, data=text.encode("utf-8"),
                          headers={"Content-Type": "application/json", **headers})


# -- text that is not storable Unicode ------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, template, role", [
    ("POST", "/schools", '{"name": %s, "code": "X1"}', "admin"),
    ("POST", "/users", '{"username": "u1", "password": "mat-khau-an-toan", "role": "teacher", "full_name": %s}',
     "admin"),
    ("POST", "/lectures", '{"title": %s, "subject": "toan", "grade": 10, "visibility": "private"}', "teacher"),
    ("POST", "/questions", '{"type": "essay", "stem": %s, "subject": "toan", "grade": 10, "level": "nhan_biet"}',
     "teacher"),
    ("POST", "/topics", '{"subject": "toan", "grade": 10, "name": "A", "extra": {"k": [1, %s]}}', "teacher"),
    ("POST", "/auth/token", '{"username": %s, "password": "x"}', "anonymous"),
])
def test_lone_surrogate_anywhere_in_a_body_is_422(world, method, path, template, role):
    body = assert_problem(raw(world.as_(role), method, path, template % SURROGATE), 422)
    assert body["errors"]


def test_surrogate_in_a_key_and_nul_in_a_value_are_422(world):
    admin = world.as_("admin")
    assert_problem(raw(admin, "POST", "/schools", '{"name": "A", "code": "B", %s: 1}' % SURROGATE), 422)
    assert_problem(admin.post("/schools", json={"name": "Trường\x00A", "code": "NUL1"}), 422)
    assert admin.get("/schools").get_json()["total"] == 2  # nothing was written


def test_surrogate_autosave_is_refused_and_the_review_page_keeps_working(app, world):
    question = make_question(app, world.teacher, {"type": "essay", "stem": "<p>Trình bày.</p>"})
    exam = world.as_("teacher").post("/exams", json={
        "title": "Tự luận", "subject": "toan", "grade": 10, "class_ids": [world.klass], "mode": "exam",
        "duration_minutes": 15, "review": "immediately",
        "sections": [{"title": "Tự luận", "points_per_question": "1", "question_ids": [question]}]}).get_json()
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    text = '{"answers": {"%d": "Bài làm %s"}}' % (question, "\\ud83d")  # half an emoji, as a broken client sends
    resp = raw(student, "PUT", f"/attempts/{attempt['id']}/answers", text)
    body = assert_problem(resp, 422)
    assert f"answers.{question}" in body["errors"]
    ok = student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(question): "Bài làm 😀"}})
    assert ok.status_code == 200, ok.get_json()
    assert student.post(f"/attempts/{attempt['id']}/submit").status_code == 200
    review = student.get(f"/attempts/{attempt['id']}")
    assert review.status_code == 200 and review.get_json()["answers"][str(question)] == "Bài làm 😀"
    assert world.as_("teacher").get(f"/attempts/{attempt['id']}").status_code == 200


def test_nul_in_a_query_string_or_path_is_4xx(world):
    teacher = world.as_("teacher")
    assert_problem(teacher.get("/questions?q=a%00b"), 422)
    assert_problem(teacher.get("/search?q=%00"), 422)
    assert_problem(teacher.post("/media/uploads/abc%00def/complete"), 404)


# -- integers past the database's range ------------------------------------------------------------------------

@pytest.mark.parametrize("query", [f"page={BIG}", "page=99999999999999999999999", f"per_page={BIG}"])
def test_pages_past_the_range_are_422(world, query):
    for path in ("/schools", "/lectures", "/questions", "/media", "/users"):
        assert_problem(world.as_("admin" if path in ("/schools", "/users") else "teacher").get(f"{path}?{query}"),
                       422)


@pytest.mark.parametrize("path", [f"/gradebook?class_id={BIG}&subject=toan&semester=1",
                                  f"/lectures?topic_id={BIG}", f"/exams?class_id={BIG}",
                                  f"/gradebook/class-summary?class_id={BIG}&semester=1", f"/topics?parent_id={BIG}",
                                  f"/lectures/1/progress?class_id={-BIG}"])
def test_ids_past_the_range_in_a_query_are_422_or_404(world, path):
    resp = world.as_("teacher").get(path)
    assert resp.status_code in (404, 422), (path, resp.status_code)
    assert_problem(resp, resp.status_code)


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/classes/{klass}/students", {"student_ids": [BIG]}),
    ("POST", "/classes/{klass}/teachers", {"teacher_id": BIG, "subject": "toan"}),
    ("POST", "/lectures", {"title": "A", "subject": "toan", "grade": 10, "visibility": "class", "class_ids": [BIG]}),
    ("POST", "/exams", {"title": "A", "subject": "toan", "grade": 10, "class_ids": [BIG], "mode": "exam",
                        "sections": [{"title": "A", "question_ids": [BIG]}]}),
    ("POST", "/gradebook/columns", {"class_id": BIG, "subject": "toan", "semester": 1, "kind": "tx", "title": "A"}),
])
def test_ids_past_the_range_in_a_body_are_422(world, method, path, body):
    role = "admin" if path.startswith("/classes") else "teacher"
    resp = world.as_(role).request(method, path.format(klass=world.klass), json=body)
    problem = assert_problem(resp, 422)
    assert "Số phải nằm trong khoảng" in json.dumps(problem["errors"], ensure_ascii=False)


def test_the_document_shows_the_integer_range(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    page = next(p for p in doc["paths"]["/api/v1/schools"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 2**31 - 1
    path_id = doc["paths"]["/api/v1/lectures/{lecture_id}"]["get"]["parameters"][0]
    assert path_id["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


@pytest.mark.parametrize("number", [2**31, 2**40, 10**30])
def test_unknown_large_ids_in_a_path_are_404_for_every_method(app, world, number):
    """Every rule with an ``<int:…>`` gets a number past the range, under every method it declares and one it
    does not: always 404 (werkzeug used to answer 405 for the methods of a sibling rule)."""
    import re

    admin = world.as_("admin")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", str(number), rule.rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)
        for method in sorted((rule.methods - {"HEAD", "OPTIONS"}) | {"DELETE"}):
            assert_problem(admin.request(method, path), 404)
            checked += 1
    assert checked > 40


# -- body size -----------------------------------------------------------------------------------------------

class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts what the server read."""

    def __init__(self, size: int, chunk: bytes = b" "):
        self.size, self.read_bytes, self.chunk = size, 0, chunk

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = self.chunk * n
        self.read_bytes += n
        return n


def send(app, path: str, stream: CountingStream, **environ):
    """POST ``stream`` as the raw WSGI input, the way gunicorn hands a body over (no test-client buffering)."""
    from werkzeug.test import EnvironBuilder

    env = EnvironBuilder(path=path, method="POST", content_type="application/json").get_environ()
    env.pop("CONTENT_LENGTH", None)
    env.update({"wsgi.input": stream, **environ})
    return app.response_class.from_app(app, env, buffered=True)


def test_a_declared_huge_body_is_413_before_a_byte_is_read(app):
    stream = CountingStream(300 * 1024 * 1024)
    body = assert_problem(send(app, "/api/v1/auth/token", stream, CONTENT_LENGTH=str(stream.size)), 413)
    assert "1 MB" in body["detail"]
    assert stream.read_bytes == 0


def test_a_chunked_body_is_cut_at_the_json_limit(app):
    stream = CountingStream(50 * 1024 * 1024)
    # gunicorn de-chunks and marks the stream terminated; werkzeug then bounds it by the route's limit.
    resp = send(app, "/api/v1/auth/token", stream, HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True})
    assert_problem(resp, 413)
    assert stream.read_bytes <= app.config["MAX_JSON_KB"] * 1024 + 64 * 1024


def test_json_just_past_the_limit_is_413_and_below_it_is_read(world, app):
    limit = app.config["MAX_JSON_KB"] * 1024
    admin = world.as_("admin")
    padding = "x" * (limit + 10)
    assert_problem(admin.post("/schools", json={"name": padding, "code": "BIG"}), 413)
    resp = admin.post("/schools", json={"name": "x" * (limit // 2), "code": "OK"})
    assert resp.status_code == 422  # read and validated (name too long), not refused for size


def test_upload_routes_keep_the_upload_limit(world):
    # 1.5 MB of CSV is past the JSON limit but a normal upload: the gradebook import reads it and reports rows.
    data = b"STT,Ma HS,Ho va ten\n" + b"1,HS1,Nguyen Van A\n" * 80000
    resp = world.as_("teacher").request("POST", f"/gradebook/import?class_id={world.klass}&subject=toan&semester=1",
                                        data={"file": (io.BytesIO(data), "so-diem.csv")},
                                        content_type="multipart/form-data")
    assert len(data) > 1024 * 1024 and resp.status_code != 413
    assert 400 <= resp.status_code < 500


def test_a_web_form_past_its_limit_is_413(app):
    resp = app.test_client().post("/login", data={"username": "a", "password": "x" * (5 * 1024 * 1024)},
                                  headers={"Accept": "text/html"})
    assert resp.status_code == 413


def test_web_pages_refuse_nul_in_forms_and_query_strings(app, world):
    client = app.test_client()
    resp = client.post("/login", data={"username": "gv.lan\x00", "password": "x"}, headers={"Accept": "text/html"})
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert client.get("/login?next=%00", headers={"Accept": "text/html"}).status_code == 400


@pytest.mark.parametrize("text", [
    '{"position_s": NaN, "watched": []}', '{"position_s": Infinity, "watched": []}',
    '{"position_s": 1e400, "watched": []}', '{"position_s": 1, "watched": [[0, -Infinity]]}',
    '[' * 100000 + ']' * 100000,
])
def test_numbers_json_does_not_have_are_400(world, text):
    assert_problem(raw(world.as_("student"), "PUT", "/lectures/1/progress", text), 400)


def test_a_body_that_is_not_utf8_is_400(world):
    resp = world.as_("admin").request("POST", "/schools", data=b'{"name": "Tr\xe6\xf8ng", "code": "X"}',
                                      headers={"Content-Type": "application/json"})
    assert_problem(resp, 400)


@pytest.mark.parametrize("path", [
    f"/lectures?topic_id={BIG}&grade=10", "/lectures?page=%C2%B2", f"/lectures?page={BIG}",
    f"/questions/?topic_id={BIG}&page=%C2%B2", f"/questions/?page={BIG}", f"/lectures/{BIG}",
])
def test_web_pages_treat_odd_numbers_in_urls_as_absent_or_404(app, world, path):
    from tests.conftest import PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"username": "gv.lan", "password": PASSWORD}).status_code == 302
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code in (200, 404), (path, resp.status_code)
