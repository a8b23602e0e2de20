"""Turning the lower packages' news into notices: an exam assigned, a score released, a lecture or question
reviewed. Each notice is keyed so that a signal sent twice (an exam saved again) notifies once."""
from __future__ import annotations

from lms.accounts import api as accounts
from lms.curriculum import api as curriculum
from lms.exams.signals import exam_saved
from lms.gradebook.signals import column_released
from lms.lectures import api as lectures
from question_bank import api as bank
from question_bank.signals import question_changed

from . import services


def _students_and_parents(class_ids, *, kind: str, key: str, title: str, student_url: str) -> None:
    students: set[int] = set()
    for class_id in class_ids:
        students |= set(accounts.class_student_ids(class_id))
    services.notify(students, kind=kind, key=key, title=title, url=student_url)
    services.notify(accounts.guardian_ids(students), kind=kind, key=key, title=title, url="/parent/")


def on_exam_saved(_sender, *, exam_id, title, class_ids, **_):
    _students_and_parents(class_ids or [], kind="exam_assigned", key=f"exam:{exam_id}",
                          title=f"Bài kiểm tra mới: {title}", student_url="/exams/")


def on_column_released(_sender, *, column_id, class_id, subject, semester, title, **_):
    info = curriculum.get_subject(subject)
    name = info.name if info else subject
    _students_and_parents([class_id], kind="score_released", key=f"column:{column_id}",
                          title=f"Đã công bố điểm {name} (HK{'I' if semester == 1 else 'II'}): {title}",
                          student_url="/gradebook/me")


_LECTURE_OUTCOMES = {"published": "đã được xuất bản", "rejected": "cần chỉnh sửa (bị trả lại)"}
_QUESTION_OUTCOMES = {"published": "đã được xuất bản", "rejected": "cần chỉnh sửa (bị trả lại)"}


def on_lecture_changed(_sender, *, lecture_id, action, **_):
    if action not in _LECTURE_OUTCOMES:
        return
    state = lectures.lecture_review_state(lecture_id)
    if state is None:
        return
    services.notify([state["owner_id"]], kind="lecture_reviewed",
                    key=f"lecture:{lecture_id}:{action}:{state['version_id']}",
                    title=f"Bài giảng “{state['title']}” {_LECTURE_OUTCOMES[action]}", url=f"/lectures/{lecture_id}")


def on_question_changed(_sender, *, question_id, **_):
    state = bank.question_review_state(question_id)
    if state is None or state["status"] not in _QUESTION_OUTCOMES:
        return
    services.notify([state["owner_id"]], kind="question_reviewed",
                    key=f"question:{question_id}:{state['status']}:{state['version']}",
                    title=f"Câu hỏi “{state['title'][:80]}” {_QUESTION_OUTCOMES[state['status']]}",
                    url=f"/questions/{question_id}")


def connect() -> None:
    """Subscribe once (blinker keeps one strong reference per function, so a second app does not double up)."""
    exam_saved.connect(on_exam_saved, weak=False)
    column_released.connect(on_column_released, weak=False)
    lectures.lecture_changed.connect(on_lecture_changed, weak=False)
    question_changed.connect(on_question_changed, weak=False)
