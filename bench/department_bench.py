"""Department dashboard and account cards on a province-sized database.

    .venv/bin/python bench/department_bench.py                       # SQLite in a temp dir
    .venv/bin/python bench/department_bench.py --scale 0.1           # a tenth of the data
    .venv/bin/python bench/department_bench.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Synthetic province (scale 1): 40 schools, 1,600 teachers, 40,000 students in 1,000 classes; 60,000 questions
with their review audit trail; 6,000 lectures; 20 common papers each given in every school (800 exams) with
one graded attempt per student of the 10th grade. Times (median of ``--runs``) for ``GET /department/`` (every
figure, table and chart), one CSV export, and printing the account cards of a 45-student class (which resets
45 passwords with the production scrypt cost). Each line carries the load average: the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _load() -> str:
    return "load %.1f %.1f %.1f" % os.getloadavg()


def populate(db, scale: float, rng: random.Random) -> dict:
    from sqlalchemy import insert

    from lms.accounts.models import Enrolment, School, SchoolClass, User
    from lms.core.db import utcnow
    from lms.exams.models import Attempt, Exam, ExamClass
    from lms.lectures.models import Lecture
    from question_bank.models import Question, QuestionAudit

    now = utcnow()
    n_schools = max(2, int(40 * scale))
    db.session.execute(insert(School), [{"code": f"S{i:03d}", "name": f"Trường THPT số {i}", "created_at": now}
                                        for i in range(n_schools)])
    school_ids = [s.id for s in db.session.scalars(db.select(School).order_by(School.id))]
    dummy = "pbkdf2:sha256:1000$x$" + "0" * 64
    users, uid = [], 0
    per_school_teachers, per_school_classes, per_class = 40, 25, 40
    for sid in school_ids:
        for _ in range(per_school_teachers):
            uid += 1
            users.append({"username": f"gv{uid}", "password_hash": dummy, "full_name": f"Giáo viên {uid}",
                          "role": "teacher", "school_id": sid, "active": True, "must_change_password": False,
                          "created_at": now,
                          "last_seen_at": now - timedelta(days=rng.randint(0, 60)) if rng.random() < .8 else None})
    users.append({"username": "so", "password_hash": dummy, "full_name": "Chuyên viên Sở", "role": "department",
                  "school_id": None, "active": True, "must_change_password": False, "created_at": now})
    db.session.execute(insert(User), users)
    classes = [{"school_id": sid, "name": f"{10 + c % 3}A{c}", "grade": 10 + c % 3, "school_year": "2026-2027"}
               for sid in school_ids for c in range(per_school_classes)]
    db.session.execute(insert(SchoolClass), classes)
    class_rows = db.session.execute(db.select(SchoolClass.id, SchoolClass.school_id, SchoolClass.grade)).all()
    students = []
    for cid, sid, grade in class_rows:
        for k in range(per_class):
            uid += 1
            students.append({"username": f"hs{uid}", "password_hash": dummy, "full_name": f"Học Sinh Số {uid}",
                             "role": "student", "school_id": sid, "active": True, "must_change_password": True,
                             "created_at": now,
                             "last_seen_at": now - timedelta(days=rng.randint(0, 90)) if rng.random() < .7 else None})
    for chunk in range(0, len(students), 5000):
        db.session.execute(insert(User), students[chunk:chunk + 5000])
    student_ids = list(db.session.scalars(db.select(User.id).where(User.role == "student").order_by(User.id)))
    enrol, it = [], iter(student_ids)
    for cid, sid, grade in class_rows:
        for _ in range(per_class):
            enrol.append({"class_id": cid, "student_id": next(it), "created_at": now})
    for chunk in range(0, len(enrol), 5000):
        db.session.execute(insert(Enrolment), enrol[chunk:chunk + 5000])
    teacher_ids = list(db.session.scalars(db.select(User.id).where(User.role == "teacher")))
    teacher_school = dict(db.session.execute(db.select(User.id, User.school_id).where(User.role == "teacher")).all())
    n_questions = int(60000 * scale)
    questions = []
    for i in range(n_questions):
        owner = rng.choice(teacher_ids)
        created = now - timedelta(days=rng.randint(0, 720))
        status = rng.choice(["draft", "published", "in_review", "published", "rejected"])
        questions.append({"owner_id": owner, "school_id": teacher_school[owner], "subject_code": "toan", "grade": 10,
                          "level": "nhan_biet", "qtype": "single_choice", "tags": [],
                          "scope": "shared" if status in ("in_review", "published", "rejected") else "personal",
                          "status": status, "current_version": 1, "dup_key": f"k{i}", "search_text": "",
                          "created_at": created, "updated_at": created})
    for chunk in range(0, len(questions), 5000):
        db.session.execute(insert(Question), questions[chunk:chunk + 5000])
    audits = []
    for qid, status, created in db.session.execute(db.select(Question.id, Question.status, Question.created_at)):
        if status in ("in_review", "published", "rejected"):
            submitted = created + timedelta(hours=rng.randint(1, 48))
            audits.append({"question_id": qid, "action": "submitted", "at": submitted, "detail": {}})
            if status != "in_review":
                audits.append({"question_id": qid, "action": "approved" if status == "published" else "rejected",
                               "at": submitted + timedelta(hours=rng.randint(1, 240)), "detail": {}})
    for chunk in range(0, len(audits), 5000):
        db.session.execute(insert(QuestionAudit), audits[chunk:chunk + 5000])
    lectures = []
    for i in range(int(6000 * scale)):
        owner = rng.choice(teacher_ids)
        created = now - timedelta(days=rng.randint(0, 720))
        lectures.append({"owner_id": owner, "school_id": teacher_school[owner], "subject": "toan", "grade": 10,
                         "visibility": rng.choice(["private", "school", "shared"]),
                         "status": rng.choice(["draft", "published", "in_review"]), "licence_note": "",
                         "created_at": created, "updated_at": created, "submitted_at": created})
    db.session.execute(insert(Lecture), lectures)
    grade10 = {}
    for cid, sid, grade in class_rows:
        if grade == 10:
            grade10.setdefault(sid, []).append(cid)
    papers = 20
    for p in range(papers):
        sections = [{"title": "Trắc nghiệm", "points_per_question": "0.25", "question_ids": list(range(p * 40 + 1,
                                                                                                   p * 40 + 41))}]
        for sid in school_ids:
            exam = Exam(owner_id=next(t for t in teacher_ids if teacher_school[t] == sid), title=f"Khảo sát {p + 1}",
                        subject="toan", grade=10, mode="exam", sections=sections, counted="best",
                        review="after_submit", school_year="2026-2027")
            db.session.add(exam)
            db.session.flush()
            db.session.execute(insert(ExamClass), [{"exam_id": exam.id, "class_id": c} for c in grade10[sid]])
            if p < 5:  # the five most recent papers have been sat
                enrolled = db.session.scalars(db.select(Enrolment.student_id).where(
                    Enrolment.class_id.in_(grade10[sid]))).all()
                db.session.execute(insert(Attempt), [
                    {"exam_id": exam.id, "student_id": s, "number": 1, "status": "graded", "started_at": now,
                     "submitted_at": now, "score_10": Decimal(rng.randint(0, 100)) / 10} for s in enrolled])
    db.session.commit()
    return {"schools": n_schools, "users": uid + 1, "questions": n_questions, "lectures": len(lectures),
            "audits": len(audits), "exams": papers * n_schools,
            "first_class": next(cid for cid, sid, grade in class_rows)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", help="PostgreSQL URL: a throwaway database is created next to it")
    parser.add_argument("--profile", action="store_true", help="cProfile the common-paper figure")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="dept-bench-")
    url, drop = f"sqlite:///{data}/bench.db", None
    if args.pg:
        from tests.conftest import _postgres_database

        url, drop = _postgres_database(args.pg)
    from lms.app import create_app
    from lms.core.db import db

    app = create_app({"LMS_DATA_DIR": data, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-0123456789abcdef",
                      "WTF_CSRF_ENABLED": False, "TESTING": True})
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            t0 = time.perf_counter()
            sizes = populate(db, args.scale, random.Random(7))
            print(f"populated in {time.perf_counter() - t0:.1f} s: {sizes}")
            from lms.accounts import services

            admin = services.create_user(None, username="bench.admin", password="bench-password-1", role="admin")
            db.session.commit()
            admin_id = admin.id
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"{'PostgreSQL' if args.pg else 'SQLite'}")
        with app.test_request_context():
            from lms.reports import figures

            for name, call in (("growth", lambda: figures.growth(12)), ("contributions", figures.contributions),
                               ("reviews", figures.reviews), ("usage", figures.usage),
                               ("exam_scores", figures.exam_scores)):
                start = time.perf_counter()
                call()
                print(f"  figure {name}: {(time.perf_counter() - start) * 1000:.0f} ms")
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(figures.exam_scores)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(admin_id)
            session["_fresh"] = True
        for label, method, path in (("GET /department/", "get", "/department/"),
                                    ("GET /department/export/exam-scores.csv", "get",
                                     "/department/export/exam-scores.csv"),
                                    ("POST /admin/classes/<id>/cards (40 students)", "post",
                                     f"/admin/classes/{sizes['first_class']}/cards")):
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                resp = getattr(client, method)(path)
                times.append(time.perf_counter() - start)
                assert resp.status_code == 200, (path, resp.status_code)
            print(f"| {label} | {statistics.median(times) * 1000:.0f} ms | {min(times) * 1000:.0f} ms | "
                  f"{len(resp.data) // 1024} KB | {_load()} |")
    finally:
        if drop:
            with app.app_context():
                db.engine.dispose()
            drop()


if __name__ == "__main__":
    main()
