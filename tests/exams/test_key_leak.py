"""No JSON a student receives during an attempt carries a key, correct flag, explanation or earned points
before the exam's review policy allows it."""
from __future__ import annotations

import pytest

from .conftest import close_exam, essay, short, single_choice, tf_group

#: Keys that reveal correctness. ``answers`` at the top of an attempt is the student's own saved answers.
FORBIDDEN = {"correct", "correct_answer", "correct_answers", "answer", "answers", "explanation", "key",
             "answer_key", "keys", "points_earned", "rubric", "solution", "feedback", "is_correct", "weight",
             "idnumber"}
#: Moodle name of the weighted question: teacher metadata a student never receives.
SECRET_NAME = "Tên-Moodle-bí-mật-7"


def weighted_multiple_choice(n):
    """Moodle-style partial credit with per-option feedback, a name and an ID number (all key material)."""
    return {"type": "multiple_choice", "stem": f"<p>Chọn các số nguyên tố ({n}).</p>",
            "name": SECRET_NAME, "idnumber": f"MC-{n}",
            "options": [{"id": "a", "text": "2", "correct": True, "weight": 50, "feedback": "<p>Đúng: 2.</p>"},
                        {"id": "b", "text": "3", "correct": True, "weight": 50, "feedback": "<p>Đúng: 3.</p>"},
                        {"id": "c", "text": "4", "correct": False, "weight": -100, "feedback": "<p>4 = 2·2.</p>"}]}


def leaks(doc, path="$"):
    """Paths of forbidden keys anywhere in ``doc`` (skipping the attempt's own ``answers`` map)."""
    found = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = f"{path}.{key}"
            if key in FORBIDDEN and not (path == "$" and key == "answers"):
                found.append(here)
            found += leaks(value, here)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += leaks(value, f"{path}[{i}]")
    return found


def _paper(bank):
    return [bank.q(single_choice(1)), bank.q(single_choice(2)), bank.q(tf_group(1)),
            bank.q(short(1, "12")), bank.q(essay(1)), bank.q(weighted_multiple_choice(1))]


@pytest.mark.parametrize("review", ["immediately", "after_submit", "after_close", "never"])
def test_student_sees_no_key_before_review_allows(app, world, bank, make_exam, review):
    ids = _paper(bank)
    exam = make_exam(ids, review=review, shuffle_options=True)
    student = world.as_("student")
    received = []
    start = student.post(f"/exams/{exam['id']}/attempts")
    received.append(("start", start.get_json()))
    attempt_id = start.get_json()["id"]
    received.append(("resume", student.post(f"/exams/{exam['id']}/attempts").get_json()))
    received.append(("autosave", student.put(f"/attempts/{attempt_id}/answers", json={"answers": {
        str(ids[0]): "b", str(ids[2]): {"a": True}, str(ids[4]): "Bài làm", str(ids[5]): ["a", "c"]}}).get_json()))
    received.append(("bad autosave", student.put(f"/attempts/{attempt_id}/answers",
                                                 json={"answers": {str(ids[0]): "zz"}}).get_json()))
    received.append(("get open", student.get(f"/attempts/{attempt_id}").get_json()))
    received.append(("list", student.get("/exams/assigned").get_json()))
    for stage, doc in received:
        assert leaks(doc) == [], stage
        assert SECRET_NAME not in str(doc) and "Đúng: 2" not in str(doc), stage
    # The paper is the student view: no question shows a stem-only key in disguise either.
    assert start.get_json()["answers"] == {}
    assert all("text" in o and set(o) == {"id", "text"} for q in start.get_json()["questions"]
               for o in q.get("options", []) + q.get("statements", []))

    submit = student.post(f"/attempts/{attempt_id}/submit").get_json()
    after = student.get(f"/attempts/{attempt_id}").get_json()
    assert leaks(submit) == []
    if review == "immediately":
        assert after["review"] == "full"
        # Full review shows the feedback of the options this student chose, never the weights or name.
        weighted = next(q for q in after["questions"] if q["id"] == ids[5])
        assert weighted["feedback"] == ["<p>Đúng: 2.</p>", "<p>4 = 2·2.</p>"]
        assert "weight" not in str(weighted) and SECRET_NAME not in str(after)
        assert any(q.get("explanation") for q in after["questions"])
        assert all("correct_answer" in q for q in after["questions"])
    elif review == "after_submit":
        # The exam is still open to others: the total only, since "correct" next to an answer is the key.
        assert after["review"] == "score" and leaks(after) == []
    else:
        assert leaks(after) == [], review
    if review == "after_close":
        assert submit["score"] is None and "score" not in after
    # Once the exam closes, the policies that promise a review deliver it; "never" still shows nothing.
    close_exam(app, exam["id"])
    closed = student.get(f"/attempts/{attempt_id}").get_json()
    if review == "never":
        assert leaks(closed) == [] and closed["score"] == submit["score"]
    else:
        assert closed["review"] == "full" and any("correct_answer" in q for q in closed["questions"])
        assert not any("rubric" in q for q in closed["questions"])  # the marking guide is for teachers


def test_teacher_always_sees_the_review(world, bank, make_exam):
    ids = _paper(bank)
    exam = make_exam(ids, review="never")
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    teacher_view = world.as_("teacher").get(f"/attempts/{attempt['id']}").get_json()
    assert teacher_view["review"] == "full"
    assert all("correct_answer" in q for q in teacher_view["questions"])
    assert world.as_("teacher2").get(f"/attempts/{attempt['id']}").status_code == 404
    assert world.as_("student2").get(f"/attempts/{attempt['id']}").status_code == 404


def test_practice_mode_shows_feedback_right_after_submit(world, bank, make_exam):
    ids = bank.choices(2)
    exam = make_exam(ids, mode="practice", review="never")
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    assert leaks(attempt) == []
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b"}})
    student.post(f"/attempts/{attempt['id']}/submit")
    review = student.get(f"/attempts/{attempt['id']}").get_json()
    by_id = {q["id"]: q for q in review["questions"]}
    assert by_id[ids[0]]["correct"] is True and by_id[ids[1]]["correct"] is False
    assert by_id[ids[1]]["correct_answer"] == "b"
