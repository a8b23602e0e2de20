"""Property-based run of the whole API against its own OpenAPI document (schemathesis, in-process over WSGI).

For each role (anonymous, admin, department, teacher, student) every documented operation gets generated
requests, valid and invalid, against a seeded world so that path ids point at real rows as well as at
missing ones. Every answer must be below 500, must match the documented schema for its status, and every
4xx must be ``application/problem+json``. The run is bounded (few examples per operation, no shrinking,
derandomised) so it stays within a couple of minutes; the counts are printed, appended to
``test-output/schemathesis.txt`` and asserted non-trivial. ``API_FUZZ_EXAMPLES`` (default 6 per operation and
strategy) raises the budget for a longer local run.
"""
from __future__ import annotations

import os
import time
import traceback
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lms.core.db import db
from tests.exams.conftest import make_question, single_choice

ROLES = ("anonymous", "admin", "department", "teacher", "student")
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "6"))
# Operations that end the caller's sessions and tokens (or suspend an account): they run last, each with a
# fresh token, so they cannot turn the rest of the run into a wall of 401s.
ENDS_SESSIONS = (("POST", "/api/v1/auth/logout"), ("DELETE", "/api/v1/auth/token"), ("POST", "/api/v1/me/password"),
                 ("POST", "/api/v1/auth/logout-all"), ("PATCH", "/api/v1/users/{user_id}"))


def problem_json_for_errors(ctx, response, case):
    """Every error answer is RFC 9457 problem+json with the required members."""
    if response.status_code < 400:
        return None
    media = (response.headers.get("content-type") or [""])[0]
    assert media.split(";")[0].strip() == "application/problem+json", (
        f"{response.status_code} answered as {media!r}")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code, body
    return None


CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance,
          problem_json_for_errors]


@pytest.fixture
def seeded(app, world):
    """The world plus one of everything a path can name: a question, an exam with an attempt, a lecture,
    a media asset, a gradebook column; returns path-parameter values keyed by parameter name."""
    teacher = world.as_("teacher")
    question = make_question(app, world.teacher, single_choice(1))
    exam = teacher.post("/exams", json={
        "title": "Kiểm tra 15 phút", "subject": "toan", "grade": 10, "class_ids": [world.klass], "mode": "exam",
        "duration_minutes": 15, "review": "after_submit", "max_attempts": 3,
        "sections": [{"title": "Trắc nghiệm", "points_per_question": "1", "question_ids": [question]}]})
    assert exam.status_code == 201, exam.get_json()
    exam_id = exam.get_json()["id"]
    attempt = world.as_("student").post(f"/exams/{exam_id}/attempts")
    assert attempt.status_code in (200, 201), attempt.get_json()
    column = teacher.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                      "kind": "tx", "title": "Miệng"})
    assert column.status_code == 201, column.get_json()
    versions = teacher.post(f"/exams/{exam_id}/versions", json={"count": 1})
    assert versions.status_code == 201, versions.get_json()
    lecture = teacher.post("/lectures", json={"title": "Hàm số bậc nhất", "description": "<p>Đồ thị</p>",
                                              "subject": "toan", "grade": 10, "visibility": "class",
                                              "class_ids": [world.klass]})
    assert lecture.status_code == 201, lecture.get_json()
    collection = teacher.post("/collections", json={"title": "Hàm số", "lecture_ids": [lecture.get_json()["id"]]})
    assert collection.status_code == 201, collection.get_json()
    with app.app_context():
        from media.models import MediaAsset

        asset = MediaAsset(owner_id=world.teacher, kind="pdf", status="ready", progress=100, filename="de-cuong.pdf",
                           content_type="application/pdf", size=1000, sha256="0" * 64)
        db.session.add(asset)
        db.session.commit()
        media_id = asset.id
    ids = {
        "exam_id": exam_id, "attempt_id": attempt.get_json()["id"], "question_id": question,
        "lecture_id": lecture.get_json()["id"], "column_id": column.get_json()["id"], "media_id": media_id,
        "asset_id": media_id,
        "class_id": world.klass, "student_id": world.student, "school_id": world.school, "user_id": world.student,
        "id": question, "code": versions.get_json()[0]["code"], "collection_id": collection.get_json()["id"],
    }
    return ids


def _run_order(operation) -> int:
    key = (operation.method.upper(), operation.path)
    return ENDS_SESSIONS.index(key) + 1 if key in ENDS_SESSIONS else 0


def db_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def _token(factory, world, role):
    return factory.token(world[role]) if role != "anonymous" else None


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_within_its_contract(app, factory, world, seeded, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    counts = {"operations": 0, "requests": 0}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    started = time.monotonic()

    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    # Fuzzed logins run once, anonymously (see ENDS_SESSIONS for the order).
    operations.sort(key=_run_order)
    for operation in operations:
        token = _token(factory, world, role)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if (operation.method.upper(), operation.path) == ("POST", "/api/v1/auth/token") and role != "anonymous":
            continue
        counts["operations"] += 1
        names = {p.name for p in operation.path_parameters}
        fixed = {name: seeded[name] for name in names if name in seeded}
        strategies = [operation.as_strategy(generation_mode=mode)
                      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if fixed and len(fixed) == len(names):
            strategies.append(operation.as_strategy(path_parameters=fixed))

        @settings(max_examples=EXAMPLES * len(strategies), deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(strategies))
        def run(case):
            # The document declares bearer auth, so generated cases carry a made-up token: use the role's.
            case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            case.headers.update(headers)
            # Responses are compressed when asked (Flask-Compress) and the WSGI transport does not inflate them.
            case.headers["Accept-Encoding"] = "identity"
            response = case.call()
            counts["requests"] += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures, report them together
            detail = str(exc) if isinstance(exc, BaseExceptionGroup) else traceback.format_exc()[-3000:]
            failures.append(f"{operation.method.upper()} {operation.path}: {detail[:3000]}")
    elapsed = time.monotonic() - started
    line = (f"schemathesis as {role} on {db_name(app)}: {counts['operations']} operations, {counts['requests']} "
            f"requests, {elapsed:.1f} s; statuses {dict(sorted(statuses.items()))}")
    print("\n" + line)
    os.makedirs("test-output", exist_ok=True)
    with open(os.path.join("test-output", "schemathesis.txt"), "a", encoding="utf-8") as record:
        record.write(line + "\n")
    assert not failures, "\n\n".join(failures)
    assert counts["operations"] > 50 and counts["requests"] > counts["operations"]
