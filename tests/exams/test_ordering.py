"""Save, submit and auto-submit of one attempt are strictly ordered on every engine (issue 12, critical).

Real threads, each with its own test client (so its own app context, session and database connection), race
against one attempt. The invariants: every save answered 200 is part of what was graded, and was made before
the submit; every save after the submit is a 409; parallel submits return one identical result and grade
once (one ``attempt_graded``). Runs in both passes (SQLite file database and PostgreSQL).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

from lms.core.db import db
from lms.exams.signals import attempt_graded

from .conftest import shift_attempt

TRIALS = 100
SAVERS = 3


class Graded:
    """Counts ``attempt_graded`` per attempt while in a ``with`` block (only our receiver is disconnected)."""

    def __init__(self):
        self.by_attempt: dict[int, int] = {}
        self._lock = threading.Lock()

    def __call__(self, sender, **kw):
        with self._lock:
            self.by_attempt[kw["attempt_id"]] = self.by_attempt.get(kw["attempt_id"], 0) + 1

    def __enter__(self):
        attempt_graded.connect(self)
        return self

    def __exit__(self, *exc):
        attempt_graded.disconnect(self)


def _items(app, attempt_id):
    from lms.exams.models import Attempt

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        out = {i.question_id: (i.answer, i.points) for i in attempt.items}
        summary = (attempt.status, attempt.submitted_at, attempt.score)
        db.session.remove()
        return out, summary


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_saves_racing_submit_are_graded_or_refused(app, world, bank, make_exam):
    ids = bank.choices(SAVERS)
    exam = make_exam(ids, max_attempts=None, duration_minutes=None)
    clients = [world.as_("student") for _ in range(SAVERS + 1)]
    barrier = threading.Barrier(SAVERS + 1)
    acknowledged = refused = 0

    def save(client, attempt_id, qid):
        barrier.wait()
        resp = client.put(f"/attempts/{attempt_id}/answers", json={"answers": {str(qid): "b"}})
        return resp.status_code, resp.get_json()

    def submit(client, attempt_id):
        barrier.wait()
        resp = client.post(f"/attempts/{attempt_id}/submit")
        return resp.status_code, resp.get_json()

    with ThreadPoolExecutor(SAVERS + 1) as pool, Graded() as graded:
        for _ in range(TRIALS):
            started = clients[0].post(f"/exams/{exam['id']}/attempts")
            assert started.status_code == 201, started.get_json()
            attempt_id = started.get_json()["id"]
            saves = [pool.submit(save, clients[i + 1], attempt_id, qid) for i, qid in enumerate(ids)]
            done = pool.submit(submit, clients[0], attempt_id)
            status, result = done.result()
            assert status == 200, result
            items, (state, submitted_at, score) = _items(app, attempt_id)
            assert state == "graded"
            earned = Decimal("0")
            for qid, future in zip(ids, saves):
                code, body = future.result()
                assert code in (200, 409), body
                answer, points = items[qid]
                if code == 200:
                    acknowledged += 1
                    # Acknowledged: stored, graded (the answer is right, so it earned its point), and before
                    # the submit.
                    assert answer == "b" and points == Decimal("1.00"), (attempt_id, qid, answer, points)
                    assert _when(body["saved_at"]) <= submitted_at
                    earned += points
                else:
                    refused += 1
                    assert answer is None and points == Decimal("0.00")
            assert score == earned
            # Once the submit has answered, every later save is refused and changes nothing.
            late = clients[1].put(f"/attempts/{attempt_id}/answers", json={"answers": {str(ids[0]): "a"}})
            assert late.status_code == 409
            assert _items(app, attempt_id)[0][ids[0]] == items[ids[0]]
        assert set(graded.by_attempt.values()) == {1} and len(graded.by_attempt) == TRIALS
    # Both outcomes happened, so the trials really raced.
    assert acknowledged and refused, (acknowledged, refused)


def test_parallel_submits_return_one_result_and_grade_once(app, world, bank, make_exam):
    ids = bank.choices(4)
    exam = make_exam(ids, max_attempts=None, duration_minutes=None)
    parallel = 20
    clients = [world.as_("student") for _ in range(parallel)]
    barrier = threading.Barrier(parallel)

    def submit(client, attempt_id):
        barrier.wait()
        resp = client.post(f"/attempts/{attempt_id}/submit")
        return resp.status_code, resp.get_json()

    with ThreadPoolExecutor(parallel) as pool, Graded() as graded:
        for _ in range(5):
            attempt_id = clients[0].post(f"/exams/{exam['id']}/attempts").get_json()["id"]
            clients[0].put(f"/attempts/{attempt_id}/answers",
                           json={"answers": {str(ids[0]): "b", str(ids[1]): "b"}})
            results = [f.result() for f in [pool.submit(submit, c, attempt_id) for c in clients]]
            assert {code for code, _ in results} == {200}
            assert all(body == results[0][1] for _, body in results), {body["submitted_at"] for _, body in results}
            assert results[0][1]["score"] == "2.00"
            assert graded.by_attempt[attempt_id] == 1


def test_auto_submit_racing_saves_and_reads_grades_once(app, world, bank, make_exam):
    """The deadline path (the periodic job, a late save, a review read) is the same ordered submit."""
    from lms.exams import attempts

    ids = bank.choices(3)
    exam = make_exam(ids, max_attempts=None, duration_minutes=10)
    clients = [world.as_("student") for _ in range(6)]
    barrier = threading.Barrier(len(clients) + 1)

    def job():
        barrier.wait()
        with app.app_context():
            done = attempts.submit_overdue()
            db.session.commit()
            db.session.remove()
            return done

    def late_save(client, attempt_id):
        barrier.wait()
        return client.put(f"/attempts/{attempt_id}/answers", json={"answers": {str(ids[2]): "b"}}).status_code

    def read(client, attempt_id):
        barrier.wait()
        return client.get(f"/attempts/{attempt_id}").status_code

    with ThreadPoolExecutor(len(clients) + 1) as pool, Graded() as graded:
        for _ in range(10):
            attempt_id = clients[0].post(f"/exams/{exam['id']}/attempts").get_json()["id"]
            assert clients[0].put(f"/attempts/{attempt_id}/answers",
                                  json={"answers": {str(ids[0]): "b", str(ids[1]): "b"}}).status_code == 200
            shift_attempt(app, attempt_id, minutes=11)
            futures = [pool.submit(job)]
            futures += [pool.submit(late_save, c, attempt_id) for c in clients[:3]]
            futures += [pool.submit(read, c, attempt_id) for c in clients[3:]]
            outcomes = [f.result() for f in futures]
            assert outcomes[1:4] == [409, 409, 409] and outcomes[4:] == [200, 200, 200]
            items, (state, _, score) = _items(app, attempt_id)
            assert state == "graded" and score == Decimal("2.00") and items[ids[2]][0] is None
            assert graded.by_attempt[attempt_id] == 1


def test_autosave_seq_never_rolls_an_answer_back(app, world, bank, make_exam):
    ids = bank.choices(3)
    exam = make_exam(ids, max_attempts=None, duration_minutes=None)
    student = world.as_("student")
    started = student.post(f"/exams/{exam['id']}/attempts").get_json()
    assert started["seq"] is None
    url = f"/attempts/{started['id']}/answers"
    q1, q2, q3 = (str(i) for i in ids)
    saved = student.put(url, json={"answers": {q1: "b", q2: "c"}, "seq": 5})
    assert saved.status_code == 200 and saved.get_json()["seq"] == 5
    # A delayed retry of an older save: acknowledged, but the newer answers stay.
    old = student.put(url, json={"answers": {q1: "a", q2: "a", q3: "d"}, "seq": 3})
    assert old.status_code == 200 and old.get_json()["seq"] == 3
    doc = student.get(f"/attempts/{started['id']}").get_json()
    assert doc["answers"] == {q1: "b", q2: "c", q3: "d"} and doc["seq"] == 5
    # The same seq again (a retry of that very request) and a newer one write.
    assert student.put(url, json={"answers": {q2: "d"}, "seq": 5}).status_code == 200
    assert student.put(url, json={"answers": {q1: "a"}, "seq": 9}).status_code == 200
    # Without seq the last write wins and the stored seq stays, so a later delayed seq=4 still loses.
    plain = student.put(url, json={"answers": {q1: "c"}})
    assert plain.status_code == 200 and plain.get_json()["seq"] is None
    assert student.put(url, json={"answers": {q1: "d"}, "seq": 4}).status_code == 200
    doc = student.get(f"/attempts/{started['id']}").get_json()
    assert doc["answers"] == {q1: "c", q2: "d", q3: "d"} and doc["seq"] == 9
    # A resume on another device learns where to count on from.
    assert student.post(f"/exams/{exam['id']}/attempts").get_json()["seq"] == 9
    for bad in (-1, "7", 1.5, 2**31, True):
        resp = student.put(url, json={"answers": {q1: "a"}, "seq": bad})
        assert resp.status_code == 422, (bad, resp.get_json())
        assert "seq" in resp.get_json()["errors"]
    result = student.post(f"/attempts/{started['id']}/submit").get_json()
    assert result["score"] == "0.00"  # c, d, d against b, b, b: the stored answers were graded


def test_autosave_seq_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/attempts/{attempt_id}/answers"]["put"]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schemas[ref]["properties"]["seq"]["type"] == "integer"
    assert schemas[ref]["properties"]["seq"]["maximum"] == 2**31 - 1
