"""The class's semester summary (bảng tổng hợp kết quả học kì) and its countersignature.

The summary holds every subject's semester result per student (ĐTBmhk, Đ/CĐ, or a primary level T/H/C)
and the learning result. The homeroom teacher signs it first; the principal then countersigns the same data.
A principal is the school's admin user (role ``admin`` with the class's ``school_id``): the platform has no
separate principal role, and an admin of no school or of another school cannot sign for this one.
Signing locks the summary, and with it the entry of every subject of the class for that semester; an unlock
(homeroom teacher or principal) needs a reason and marks every standing summary signature invalidated.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, Forbidden, ValidationFailed
from lms.core.permissions import ADMIN
from lms.curriculum import api as curriculum

from .. import rules, signing
from ..models import CLASS_SUMMARY, GradebookColumn, GradebookLock, SignOff
from .columns import get_lock, is_summary_locked
from .exam_results import _repost_exam_columns
from .qualities import primary_result, qualities_of
from .signoffs import _digest, _log_lock, tsa_url
from .summaries import _classify, build_gradebook

HOMEROOM, PRINCIPAL = "homeroom", "principal"
ROLES = (HOMEROOM, PRINCIPAL)


def summary_subjects(class_id: int, semester: int) -> list[str]:
    """Codes of the subjects with a gradebook (at least one column) in the class for the semester."""
    return sorted(set(db.session.scalars(select(GradebookColumn.subject_code).where(
        GradebookColumn.class_id == class_id, GradebookColumn.semester == semester))))


def build_summary(klass, semester: int) -> dict:
    """Every subject's semester result per student and the learning result: the signed content.

    TT22 classes get the semester classification (rules.classification_detail); a primary class gets the TT27
    year result in semester II (``None`` in semester I, which has no overall result).
    """
    primary = rules.is_primary_grade(klass.grade)
    codes = summary_subjects(klass.id, semester)
    books = {code: build_gradebook(klass, code, semester) for code in codes}
    infos = {code: curriculum.get_subject(code) for code in codes}
    qualities = qualities_of(klass.id) if primary else {}
    rows = []
    for student in accounts.class_students(klass.id):
        results, tests, scored, comment = {}, {}, {}, {}
        for code, book in books.items():
            row = next(r for r in book["rows"] if r["student_id"] == student.id)
            results[code] = row["average"]
            if primary:
                if rules.is_scored_subject(infos[code].graded_by):
                    tests[code] = row["test"]
            elif rules.is_comment_subject(infos[code].graded_by):
                comment[code] = None if row["average"] is None else row["average"] == rules.COMMENT_PASSED_CODE
            else:
                scored[code] = row["average"]
        if primary:
            result = primary_result(results, tests, qualities.get(student.id, {}))[0] if semester == 2 else None
        else:
            result = _classify(scored, comment)
        rows.append({"student_id": str(student.id), "full_name": student.full_name, "results": results,
                     "tests": tests if primary else {}, "result": result})
    return {
        "kind": "class_summary", "class_id": klass.id, "class_name": klass.name, "school_year": klass.school_year,
        "grade": klass.grade, "semester": semester,
        "subjects": [{"code": code, "name": infos[code].name, "graded_by": infos[code].graded_by} for code in codes],
        "rows": rows,
    }


def _incomplete(summary: dict) -> list[str]:
    missing = []
    for row in summary["rows"]:
        lacking = [code for code, value in row["results"].items() if value is None]
        lacking += [f"bài kiểm tra {code}" for code, value in row["tests"].items() if value is None]
        if lacking:
            missing.append(f"{row['full_name']}: {', '.join(lacking)}")
    return missing


def _signoffs(class_id: int, semester: int) -> list[SignOff]:
    return list(db.session.scalars(select(SignOff).where(
        SignOff.class_id == class_id, SignOff.subject_code == CLASS_SUMMARY, SignOff.semester == semester)
        .order_by(SignOff.id)))


def class_summary(klass, semester: int) -> dict:
    """The summary with its lock state and every signature (standing or invalidated), for the API."""
    summary = build_summary(klass, semester)
    lock = get_lock(klass.id, CLASS_SUMMARY, semester)
    return {**summary, "primary": rules.is_primary_grade(klass.grade), "complete": not _incomplete(summary),
            "missing": _incomplete(summary), "locked": bool(lock and lock.locked),
            "unlock_reason": lock.unlock_reason if lock else None, "signatures": _signoffs(klass.id, semester)}


def check_signer(user, klass, role: str) -> None:
    """Forbidden unless ``user`` may sign as ``role``: the class's homeroom teacher, or the school's admin."""
    if role == HOMEROOM and not accounts.is_homeroom(user.id, klass.id):
        raise Forbidden("Chỉ giáo viên chủ nhiệm của lớp được ký bảng tổng hợp với vai trò chủ nhiệm.")
    if role == PRINCIPAL and not (user.role == ADMIN and user.school_id == klass.school_id):
        raise Forbidden("Chỉ hiệu trưởng (tài khoản quản trị của trường) được ký duyệt bảng tổng hợp.")


def sign_summary(user, klass, semester: int, role: str, pkcs12_bytes: bytes, password: str | None) -> SignOff:
    """Sign the class's semester summary as homeroom teacher (first; locks it) or principal (countersign).

    Conflict when the summary is incomplete, already signed in that role, or (principal) when there is no
    standing homeroom signature over exactly the current data.
    """
    check_signer(user, klass, role)
    data = build_summary(klass, semester)
    missing = _incomplete(data)
    if not data["subjects"] or missing:
        raise Conflict("Bảng tổng hợp chưa đủ kết quả để ký: " + ("; ".join(missing) or "chưa có môn học nào."))
    standing = [s for s in _signoffs(klass.id, semester) if s.invalidated_at is None]
    if any(s.role == role for s in standing):
        raise Conflict("Bảng tổng hợp đã được ký với vai trò này.")
    digest = _digest(data)
    if role == PRINCIPAL and not any(s.role == HOMEROOM and s.snapshot_sha256 == digest for s in standing):
        raise Conflict("Giáo viên chủ nhiệm cần ký bảng tổng hợp trước khi hiệu trưởng ký duyệt.")
    if role == HOMEROOM and is_summary_locked(klass.id, semester):
        raise Conflict("Bảng tổng hợp đang khóa.")
    try:
        signer = signing.load_signer(pkcs12_bytes, password.encode("utf-8") if password else None)
        record = signing.sign(signing.canonical_json(data), signer, tsa_url())
    except signing.SigningError as exc:
        raise ValidationFailed("Không ký được bảng tổng hợp.", errors={"pkcs12": [str(exc)]}) from None
    signoff = SignOff(class_id=klass.id, subject_code=CLASS_SUMMARY, semester=semester, kind="class_summary",
                      signer_id=user.id, signer_name=record.signer_name, role=role, snapshot=data,
                      snapshot_sha256=digest, cms_der=record.cms_der, certificate_pem=record.certificate_pem,
                      certificate_fingerprint=record.certificate_fingerprint, signed_at=record.signed_at)
    db.session.add(signoff)
    lock = get_lock(klass.id, CLASS_SUMMARY, semester)
    if lock is None:
        lock = GradebookLock(class_id=klass.id, subject_code=CLASS_SUMMARY, semester=semester)
        db.session.add(lock)
    if not lock.locked:
        lock.locked, lock.locked_at, lock.locked_by = True, utcnow(), user.id
    _log_lock(klass, CLASS_SUMMARY, semester, "lock", user.id, f"Ký bảng tổng hợp ({role}) bởi {record.signer_name}")
    db.session.flush()
    return signoff


def unlock_summary(user, klass, semester: int, reason: str) -> GradebookLock:
    """Unlock a signed summary (homeroom teacher or principal): logged with the reason, every standing summary
    signature marked invalidated, and exam results held meanwhile posted."""
    if not (accounts.is_homeroom(user.id, klass.id) or user.role == ADMIN and user.school_id == klass.school_id):
        raise Forbidden("Chỉ giáo viên chủ nhiệm hoặc hiệu trưởng được mở khóa bảng tổng hợp.")
    lock = get_lock(klass.id, CLASS_SUMMARY, semester)
    if lock is None or not lock.locked:
        raise Conflict("Bảng tổng hợp chưa bị khóa.")
    now = utcnow()
    lock.locked, lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = False, now, user.id, reason
    for signoff in _signoffs(klass.id, semester):
        if signoff.invalidated_at is None:
            signoff.invalidated_at = now
            signoff.invalidated_reason = f"Mở khóa bảng tổng hợp: {reason}"
    _log_lock(klass, CLASS_SUMMARY, semester, "unlock", user.id, reason)
    db.session.flush()
    for code in summary_subjects(klass.id, semester):
        _repost_exam_columns(klass.id, code, semester)
    from ..signals import gradebook_unlocked

    gradebook_unlocked.send(klass, class_id=klass.id, subject=CLASS_SUMMARY, semester=semester)
    return lock


def current_snapshot(signoff: SignOff) -> dict | None:
    """What the summary a sign-off covers holds now (None when the class is gone)."""
    klass = accounts.get_class(signoff.class_id)
    return build_summary(klass, signoff.semester) if klass else None
