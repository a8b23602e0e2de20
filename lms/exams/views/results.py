"""The teacher's pages after the form: results, releasing scores, statistics, regrade, printed versions."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms.accounts.api import get_user
from lms.core.db import db
from lms.core.errors import DomainError
from lms.curriculum.api import subject_names
from question_bank import api as bank

from .. import attempts, charts, item_report, rules, services, statistics
from ..models import Attempt, AttemptItem, Exam, PaperVersion
from .blueprint import REGRADE_LABELS, _owner_exam, _teacher_exam, web

@web.route("/<int:exam_id>/results")
@login_required
def results(exam_id):
    exam = _teacher_exam(exam_id)
    if attempts.submit_overdue_for_exam(exam):
        db.session.commit()
    doc = statistics.results(exam)
    pending = [a for row in doc["rows"] for a in row["attempts"] if a["status"] == "needs_grading"]
    return render_template("exams/results.html", exam=exam, doc=doc, labels=statistics.STATUS_LABELS,
                           subjects=subject_names(), columns=statistics.RESULT_COLUMNS, pending=pending)


@web.route("/<int:exam_id>/release", methods=["POST"])
@login_required
def release(exam_id):
    """The “Công bố điểm” button: same service as POST /api/v1/exams/{id}/release."""
    exam = _owner_exam(exam_id)
    released = request.form.get("released", "1") != "0"
    services.release_scores(current_user, exam, released)
    db.session.commit()
    flash("Đã công bố điểm cho học sinh." if released else "Đã ẩn điểm với học sinh.", "success")
    return redirect(url_for("exams_web.results", exam_id=exam.id))


@web.route("/<int:exam_id>/statistics")
@login_required
def stats(exam_id):
    exam = _teacher_exam(exam_id)
    doc = statistics.cached(exam)
    db.session.commit()
    items = item_report.rows(exam, doc)
    # The map numbers questions as the table does (1, 2, ...), whatever order each student saw them in.
    points = [{"number": r["order"], "facility": q.get("facility"), "discrimination": q.get("discrimination")}
              for r, q in zip(items, doc["questions"])]
    return render_template("exams/statistics.html", exam=exam, doc=doc, items=items,
                           histogram=charts.histogram_svg(doc["histogram"]), item_map=charts.item_map_svg(points),
                           num=charts.vn_number)


def exam_questions(exam: Exam) -> list[dict]:
    """Every question of an exam (pinned in a section or drawn into an attempt) with what a regrade needs."""
    pinned = [(q, v, index) for index, s in enumerate(exam.sections) for q, v in s.get("items") or []]
    drawn = db.session.execute(select(AttemptItem.question_id, AttemptItem.version, AttemptItem.section_index)
                               .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                               .where(Attempt.exam_id == exam.id).distinct()).all()
    seen: dict[int, tuple[int, int]] = {}
    for qid, version, index in [*pinned, *drawn]:
        seen.setdefault(qid, (version, index))
    if not seen:
        return []
    data = bank.get_versions((q, v) for q, (v, _) in seen.items())
    try:
        latest = {v.question_id: v.version for v in bank.latest_versions(get_user(exam.owner_id), list(seen))}
    except DomainError:  # a question since deleted or hidden: no "newer version" hint for any of them
        latest = {}
    out = []
    for n, (qid, (version, index)) in enumerate(seen.items(), start=1):
        body = data[(qid, version)].body
        section = exam.sections[index] if index < len(exam.sections) else {}
        out.append({"number": n, "id": qid, "version": version, "latest": latest.get(qid, version),
                    "type": body["type"], "section": section.get("title", ""),
                    "override": (section.get("overrides") or {}).get(str(qid)),
                    "text": Markup(body.get("stem") or "").striptags()[:140]})
    return out


@web.route("/<int:exam_id>/regrade")
@login_required
def regrade(exam_id):
    exam = _owner_exam(exam_id)
    return render_template("exams/regrade.html", exam=exam, questions=exam_questions(exam),
                           actions=REGRADE_LABELS, override_labels={"drop": "Đã bỏ", "full_credit": "Trọn điểm"})


@web.route("/<int:exam_id>/versions")
@login_required
def versions(exam_id):
    exam = _teacher_exam(exam_id)
    rows = db.session.scalars(select(PaperVersion).where(PaperVersion.exam_id == exam.id)
                              .order_by(PaperVersion.code)).all()
    # Keys are numbers as strings: by length, then text, puts "10" after "9".
    keys = {v.code: sorted((v.answer_key or {}).items(), key=lambda kv: (len(kv[0]), kv[0])) for v in rows}
    return render_template("exams/versions.html", exam=exam, versions=rows, keys=keys,
                           max_versions=rules.MAX_PAPER_VERSIONS, may_write=current_user.role == "teacher")
