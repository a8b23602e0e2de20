"""JSON API of exams and online testing (API.md "Exams and online testing")."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from lms.accounts.api import get_user
from lms.core.auth import exempt_api
from lms.core.db import db, utcnow
from lms.core.downloads import download
from lms.core.errors import Conflict, NotFound
from lms.core.permissions import ADMIN, PARENT, STUDENT, TEACHER, roles
from lms.core.rest import ApiBlueprint, paginate
from lms.curriculum.api import get_subject
from question_bank import api as bank

from . import attempts, grading, permissions, schemas, services, statistics
from .models import Attempt, Exam, ExamClass, PaperVersion

bp = ApiBlueprint("exams", __name__, url_prefix="/api/v1")
exempt_api(bp)

STAFF_READ = roles(TEACHER, ADMIN)


def _exam(exam_id: int) -> Exam:
    return permissions.ensure_manageable(current_user, db.session.get(Exam, exam_id))


@bp.endpoint("/exams", "POST", allow=roles(TEACHER), body=schemas.ExamWrite, response=schemas.ExamOut, status=201,
             summary="Create an exam (sections from question ids, a blueprint, or a 2025 preset)", errors=(422,))
def create_exam(body):
    exam = services.create_exam(current_user, body)
    db.session.commit()
    return exam


@bp.endpoint("/exams/preview", "POST", allow=roles(TEACHER), body=schemas.ExamPreviewIn,
             response=schemas.PaperPreviewOut, summary="Preview the paper a blueprint draws, saving nothing; "
             "POST /exams with the returned draw_seed assigns exactly that paper", errors=(422,))
def preview_exam(body):
    preview = services.preview_paper(current_user, body)
    db.session.rollback()  # nothing of a preview is kept
    return preview


@bp.endpoint("/exams", "GET", allow=roles(TEACHER), query=schemas.ExamQuery, response=schemas.ExamOut,
             paginated=True, summary="The caller's exams, newest first")
def list_exams(args):
    stmt = select(Exam).where(Exam.owner_id == current_user.id).order_by(Exam.created_at.desc(), Exam.id.desc())
    if args["subject"]:
        stmt = stmt.where(Exam.subject == args["subject"])
    if args["class_id"]:
        stmt = stmt.where(Exam.id.in_(select(ExamClass.exam_id).where(ExamClass.class_id == args["class_id"])))
    return paginate(stmt, args["page"], args["per_page"])


def assigned_exams(student) -> list[dict]:
    """The student's exam list as the page shows it (values formatted as in the API)."""
    schema = schemas.ExamStudentOut()
    return [schema.dump(row) for row in services.assigned_exams(student, utcnow())]


@bp.endpoint("/exams/assigned", "GET", allow=roles(STUDENT, PARENT, TEACHER), query=schemas.ExamAssignedQuery,
             response=schemas.ExamAssignedListOut, errors=(404,),
             summary="Exams assigned to the student's classes, with the student's attempts and released scores "
                     "(a linked parent or a teacher of the student: ?student_id=)")
def list_assigned(args):
    student = permissions.ensure_student_followed(current_user, args["student_id"])
    return {"items": services.assigned_exams(student, utcnow())}


@bp.endpoint("/exams/presets", "GET", allow=roles(TEACHER), summary="2025 exam presets and blueprint presets")
def list_presets():
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return str(value) if hasattr(value, "quantize") else value

    return {"exam_presets": plain(bank.EXAM_PRESETS), "blueprint_presets": plain(bank.BLUEPRINT_PRESETS)}


@bp.endpoint("/exams/<int:exam_id>", "GET", allow=STAFF_READ, response=schemas.ExamOut, summary="One exam")
def get_exam(exam_id):
    return _exam(exam_id)


@bp.endpoint("/exams/<int:exam_id>", "PATCH", allow=roles(TEACHER), body=schemas.ExamPatch,
             response=schemas.ExamOut, summary="Change an exam (its paper is frozen once attempts exist)",
             errors=(409, 422))
def update_exam(exam_id, body):
    exam = services.update_exam(current_user, _exam(exam_id), body)
    db.session.commit()
    return exam


@bp.endpoint("/exams/<int:exam_id>/release", "POST", allow=roles(TEACHER), body=schemas.ExamReleaseIn,
             response=schemas.ExamOut, summary="Release the exam's scores to students (công bố điểm): its "
             "gradebook columns become visible in their “Điểm của tôi”; {released:false} withdraws")
def release_scores(exam_id, body):
    exam = services.release_scores(current_user, _exam(exam_id), body["released"])
    db.session.commit()
    return exam


@bp.endpoint("/exams/<int:exam_id>/versions", "POST", allow=roles(TEACHER), body=schemas.ExamVersionsIn,
             response=schemas.ExamPaperVersionOut, many=True, status=201,
             summary="Make printed versions (mã đề 101, 102, ...) with their answer keys", errors=(422,))
def create_versions(exam_id, body):
    rows = services.make_versions(current_user, _exam(exam_id), body["count"])
    db.session.commit()
    return rows


@bp.endpoint("/exams/<int:exam_id>/versions", "GET", allow=STAFF_READ, response=schemas.ExamPaperVersionOut,
             many=True, summary="The printed versions of an exam")
def list_versions(exam_id):
    exam = _exam(exam_id)
    return db.session.scalars(select(PaperVersion).where(PaperVersion.exam_id == exam.id)
                              .order_by(PaperVersion.code)).all()


@bp.endpoint("/exams/<int:exam_id>/versions/<code>/export", "GET", allow=STAFF_READ, query=schemas.ExamExportQuery,
             produces="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             summary="One printed version as a Word paper with its answer key page")
def export_version(exam_id, code, args):
    exam = _exam(exam_id)
    version = db.session.scalar(select(PaperVersion).where(PaperVersion.exam_id == exam.id,
                                                           PaperVersion.code == code))
    if version is None:
        raise NotFound("Không có mã đề này.")
    owner = get_user(exam.owner_id)
    school = owner.school.name if owner is not None and owner.school is not None else "Trường học"
    subject = get_subject(exam.subject)
    data = services.paper_docx(exam, version, school, subject.name if subject else exam.subject)
    return download(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    f"{exam.title} - mã đề {version.code}.docx")


# -- attempts ------------------------------------------------------------------------------------------------

@bp.endpoint("/exams/<int:exam_id>/attempts", "POST", allow=roles(STUDENT), response=schemas.ExamAttemptOut,
             status=201, also=(200,), errors=(409,),
             summary="Start (201) or resume (200) an attempt; never any key before review allows")
def start_attempt(exam_id):
    """Starts (or resumes) the caller's attempt: the paper version assigned to the student, questions without keys,
    and the deadline. Calling it again returns the same open attempt, so a reload never loses work."""
    exam = permissions.ensure_takeable(current_user, db.session.get(Exam, exam_id))
    now = utcnow()
    try:
        attempt, created, items = attempts.start_or_resume(current_user, exam, now)
    except Conflict:
        db.session.commit()  # an overdue attempt submitted on the way stays submitted
        raise
    # Made before the commit, from what this request holds: after it every object would be read again
    # (the attempt, its 40 items, the exam, the user), the most expensive part of a start.
    doc = attempts.document(attempt, exam, current_user, now, items)
    db.session.commit()
    return doc, 201 if created else 200


def _own_attempt(attempt_id: int) -> tuple[Attempt, Exam]:
    attempt = permissions.ensure_own_attempt(current_user, attempts.lock(attempt_id))
    return attempt, db.session.get(Exam, attempt.exam_id)


@bp.endpoint("/attempts/<int:attempt_id>/answers", "PUT", allow=roles(STUDENT), body=schemas.ExamAnswersIn,
             response=schemas.ExamSavedOut,
             summary="Autosave answers (idempotent; per question the newest seq, else the last write, wins)",
             errors=(409, 422))
def save_answers(attempt_id, body):
    """Saves answers (any subset, as often as the client likes). Per question the save with the highest ``seq``
    wins (a retried or delayed older save changes nothing and is still 200); without ``seq`` the latest wins.
    Refused with 409 after submission or past the deadline, when the attempt is submitted automatically. A
    save answered 200 is always part of what gets graded."""
    target = permissions.ensure_own_attempt(current_user, attempts.save_target(attempt_id, body["answers"]))
    try:
        saved_at = attempts.save_answers(target, body["answers"], utcnow(), body["seq"])
    except Conflict:
        # Submitted, or past deadline + grace: then submit it now (in order, under its lock) with what was saved.
        db.session.rollback()
        attempt = attempts.lock(attempt_id)
        if attempts.finalize_if_overdue(attempt, db.session.get(Exam, attempt.exam_id), utcnow()):
            db.session.commit()
            raise Conflict("Đã hết giờ làm bài; bài đã được nộp với các câu trả lời đã lưu.") from None
        db.session.rollback()
        raise
    db.session.commit()
    return {"saved_at": saved_at, "seq": body["seq"]}


@bp.endpoint("/attempts/<int:attempt_id>/submit", "POST", allow=roles(STUDENT), response=schemas.ExamAttemptResultOut,
             summary="Submit; a second submit returns the same result")
def submit_attempt(attempt_id):
    """Submits once: auto-scored questions are graded at once and, when the exam feeds a gradebook column, the
    score is posted there. Submitting again returns the same result."""
    attempt, exam = _own_attempt(attempt_id)
    now = utcnow()
    if not attempts.finalize_if_overdue(attempt, exam, now):
        attempts.submit(attempt, exam, "submit", now)
    # Before the commit, from what this request holds (after it, the attempt, exam and user are read again).
    out = attempts.result(attempt, permissions.review_level(current_user, attempt, exam, now))
    db.session.commit()
    return out


@bp.endpoint("/attempts/<int:attempt_id>", "GET", allow=roles(STUDENT, TEACHER, ADMIN),
             response=schemas.ExamAttemptOut, summary="An attempt with the review its policy allows the caller")
def get_attempt(attempt_id):
    attempt = db.session.get(Attempt, attempt_id)
    exam = db.session.get(Exam, attempt.exam_id) if attempt else None
    permissions.ensure_attempt_visible(current_user, attempt, exam)
    now = utcnow()
    if attempts.finalize_if_overdue(attempt, exam, now):
        db.session.commit()
    return attempts.document(attempt, exam, current_user, now)


@bp.endpoint("/attempts/<int:attempt_id>/grades/<int:question_id>", "PUT", allow=roles(TEACHER),
             body=schemas.ExamGradeIn, response=schemas.ExamAttemptOut,
             summary="Hand-grade one question (essays); recomputes the total", errors=(409, 422))
def grade_question(attempt_id, question_id, body):
    attempt = attempts.lock(attempt_id)
    exam = db.session.get(Exam, attempt.exam_id) if attempt else None
    if attempt is None or not permissions.can_manage(current_user, exam):
        raise NotFound("Không tìm thấy bài làm.")
    now = utcnow()
    attempts.finalize_if_overdue(attempt, exam, now)
    grading.hand_grade(current_user, attempt, exam, question_id, body["points"], body["comment"])
    db.session.commit()
    return attempts.document(attempt, exam, current_user, now)


@bp.endpoint("/exams/<int:exam_id>/regrade", "POST", allow=roles(TEACHER), body=schemas.ExamRegradeIn,
             response=schemas.ExamRegradeOut,
             summary="Regrade one question (new version, full credit or drop): preview with dry_run, then apply",
             errors=(422,))
def regrade(exam_id, body):
    exam = _exam(exam_id)
    preview = grading.regrade(current_user, exam, body["question_id"], body["action"], body["dry_run"])
    if body["dry_run"]:
        db.session.rollback()
    else:
        db.session.commit()
    return preview


# -- results and statistics ----------------------------------------------------------------------------------

@bp.endpoint("/exams/<int:exam_id>/results", "GET", allow=STAFF_READ, query=schemas.ExamResultsQuery,
             response=schemas.ExamResultsOut, produces=("text/csv", statistics.XLSX_MIME),
             summary="Every student of the assigned classes with attempts and scores (?format=csv|xlsx to export)")
def exam_results(exam_id, args):
    exam = _exam(exam_id)
    now = utcnow()
    if attempts.submit_overdue_for_exam(exam, now):
        db.session.commit()
    doc = statistics.results(exam)
    if args["format"] == "csv":
        return download(statistics.results_csv(doc), "text/csv; charset=utf-8", f"Kết quả - {exam.title}.csv")
    if args["format"] == "xlsx":
        return download(statistics.results_xlsx(doc), statistics.XLSX_MIME, f"Kết quả - {exam.title}.xlsx")
    return doc


@bp.endpoint("/exams/<int:exam_id>/statistics", "GET", allow=STAFF_READ, response=schemas.ExamStatisticsOut,
             summary="Histogram, mean, median, SD, item analysis and reliability of the graded attempts")
def exam_statistics(exam_id):
    exam = _exam(exam_id)
    doc = statistics.cached(exam)
    db.session.commit()
    return doc
