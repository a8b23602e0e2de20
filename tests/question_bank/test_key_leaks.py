"""No route a student can call returns question-bank content: every bank route answers 403, with no stem,
option, key or explanation in the body, whatever the path, method or query."""
from __future__ import annotations

import re

from tests.question_bank.helpers import create, publish_shared

SECRET_STEM = "Câu-hỏi-bí-mật-42"
SECRET_EXPLANATION = "Lời-giải-bí-mật-42"


def _rules(app, prefix):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(prefix) and not rule.endpoint.endswith(".static"):
            yield rule


def test_students_get_403_and_no_content_from_every_bank_route(app, world):
    teacher, department = world.as_("teacher"), world.as_("department")
    qid = create(teacher, stem=f"<p>{SECRET_STEM}</p>", explanation=f"<p>{SECRET_EXPLANATION}</p>")["id"]
    publish_shared(teacher, department, qid)
    student = world.as_("student")
    checked = 0
    for rule in _rules(app, "question_bank."):
        url = re.sub(r"<(?:\w+:)?(\w+)>", str(qid), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for suffix in ("", f"?version=1&format=gift&ids={qid}"):
                resp = student.request(method, url + suffix, json={"decision": "approve"})
                where = f"{method} {url + suffix}"
                assert resp.status_code == 403, where
                body = resp.get_data(as_text=True)
                for secret in (SECRET_STEM, SECRET_EXPLANATION, '"correct"', "x = \\\\pm 2"):
                    assert secret not in body, where
                checked += 1
    assert checked >= 20
    # Nothing the student did changed the question.
    assert teacher.get(f"/questions/{qid}").get_json()["status"] == "published"


def test_student_session_pages_are_refused(app, world):
    from lms.accounts.models import User
    from lms.core.db import db

    client = app.test_client()
    with app.app_context():
        user = db.session.get(User, world.student)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
    qid = create(world.as_("teacher"), stem=f"<p>{SECRET_STEM}</p>")["id"]
    paths = [re.sub(r"<(?:\w+:)?(\w+)>", str(qid), rule.rule) for rule in _rules(app, "question_bank_web.")]
    assert len(paths) >= 6
    for path in paths:
        resp = client.get(path)
        assert resp.status_code == 403, path
        assert SECRET_STEM not in resp.get_data(as_text=True)
