"""Sign-off of one subject's gradebook: lock, sign with an X.509 certificate, unlock with a reason, verify."""
from __future__ import annotations

import hashlib
import uuid

from flask import current_app
from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core import signatures
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, ValidationFailed

from .. import signing
from ..models import GradebookLock, ScoreChange, SignOff
from .columns import get_lock, is_summary_locked, subject_or_404
from .exam_results import _repost_exam_columns
from .summaries import build_gradebook


# --------------------------------------------------------------------------------------------------
# Lock, sign, unlock, verify
# --------------------------------------------------------------------------------------------------


def snapshot(klass, subject: str, semester: int) -> dict:
    """The canonical content a signature covers: every column holding a value, every student's values and
    averages. Empty columns are left out so an exam created later does not break the signature."""
    book = build_gradebook(klass, subject, semester)
    used = {cid for row in book["rows"] for cid, value in row["scores"].items() if value is not None}
    return {
        "class_id": klass.id, "class_name": klass.name, "school_year": klass.school_year, "subject": subject,
        "semester": semester,
        "columns": [{"id": str(c["id"]), "kind": c["kind"], "title": c["title"]}
                    for c in book["columns"] if str(c["id"]) in used],
        "rows": [{"student_id": str(r["student_id"]), "full_name": r["full_name"],
                  "scores": {cid: v for cid, v in r["scores"].items() if cid in used},
                  "average": r["average"]} for r in book["rows"]],
    }


def _digest(data: dict) -> str:
    return hashlib.sha256(signing.canonical_json(data)).hexdigest()


def _log_lock(klass, subject: str, semester: int, kind: str, actor_id: int, reason: str | None) -> None:
    db.session.add(ScoreChange(class_id=klass.id, subject_code=subject, semester=semester, kind=kind,
                               source=kind, reason=reason, changed_by=actor_id, changed_at=utcnow(),
                               idempotency_key=f"{kind}:{klass.id}:{subject}:{semester}:{uuid.uuid4().hex}"))


def sign(user, klass, subject: str, semester: int, pkcs12_bytes: bytes, password: str | None) -> SignOff:
    """Lock the gradebook and sign its canonical snapshot with the certificate in the PKCS#12 file.

    A wrong password or damaged file is a 422 on ``pkcs12``; an expired certificate a 422 too.
    """
    subject_or_404(subject)
    try:
        signer = signing.load_signer(pkcs12_bytes, password.encode("utf-8") if password else None)
        data = snapshot(klass, subject, semester)
        record = signing.sign(signing.canonical_json(data), signer, tsa_url())
    except signing.SigningError as exc:
        raise ValidationFailed("Không ký được sổ điểm.", errors={"pkcs12": [str(exc)]}) from None
    role = "subject_teacher" if accounts.teaches(user.id, klass.id, subject) else "principal"
    signoff = SignOff(class_id=klass.id, subject_code=subject, semester=semester, kind="subject",
                      signer_id=user.id, signer_name=record.signer_name, role=role, snapshot=data,
                      snapshot_sha256=_digest(data), cms_der=record.cms_der, certificate_pem=record.certificate_pem,
                      certificate_fingerprint=record.certificate_fingerprint, signed_at=record.signed_at)
    db.session.add(signoff)
    lock = get_lock(klass.id, subject, semester)
    if lock is None:
        lock = GradebookLock(class_id=klass.id, subject_code=subject, semester=semester)
        db.session.add(lock)
    lock.locked, lock.locked_at, lock.locked_by = True, utcnow(), user.id
    _log_lock(klass, subject, semester, "lock", user.id, f"Ký số bởi {record.signer_name}")
    db.session.flush()
    return signoff


def unlock(user, klass, subject: str, semester: int, reason: str) -> GradebookLock:
    """Unlock a signed gradebook: the reason is logged and every standing signature is marked invalidated."""
    lock = get_lock(klass.id, subject, semester)
    if lock is None or not lock.locked:
        raise Conflict("Sổ điểm chưa bị khóa.")
    if is_summary_locked(klass.id, semester):
        # Unlocking would invalidate this signature while the signed class summary still forbids any change.
        raise Conflict("Bảng tổng hợp kết quả học kì của lớp đã được ký; cần mở khóa bảng tổng hợp trước.")
    now = utcnow()
    lock.locked, lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = False, now, user.id, reason
    for signoff in db.session.scalars(select(SignOff).where(
            SignOff.class_id == klass.id, SignOff.subject_code == subject, SignOff.semester == semester,
            SignOff.invalidated_at.is_(None))):
        signoff.invalidated_at = now
        signoff.invalidated_reason = f"Mở khóa sổ điểm: {reason}"
    _log_lock(klass, subject, semester, "unlock", user.id, reason)
    db.session.flush()
    _repost_exam_columns(klass.id, subject, semester)
    from ..signals import gradebook_unlocked

    gradebook_unlocked.send(klass, class_id=klass.id, subject=subject, semester=semester)
    return lock


def trusted_roots():
    """Trusted root certificates from GRADEBOOK_TRUSTED_ROOTS (a PEM bundle file path or PEM text);
    None when unset (the signature is then checked but the issuer is not)."""
    configured = current_app.config.get("GRADEBOOK_TRUSTED_ROOTS")
    return signatures.load_roots(configured) if configured else None


def tsa_url() -> str | None:
    """SIGNING_TSA_URL: the RFC 3161 timestamp authority every new signature asks, or None."""
    return current_app.config.get("SIGNING_TSA_URL") or None


def verify(signoff: SignOff) -> dict:
    """Check a sign-off and say separately what holds.

    ``signature_valid``: the CMS signature is mathematically correct over the stored snapshot (digest, key,
    certificate allowed to sign and valid at signing time), whoever issued the certificate.
    ``data_unchanged``: the stored snapshot still matches the hash recorded at signing and the gradebook
    still holds exactly that data. ``signer_trusted``: the certificate chains to a configured trusted root
    (None when no roots are configured, so nobody can say). The summary ``valid`` is true only when the
    signature is valid, the data unchanged, the signer not distrusted and the sign-off not invalidated by an
    unlock: a "valid" badge next to a gradebook that no longer holds the signed scores would be a lie.
    """
    roots = trusted_roots()
    # The maths is checked without roots so an unknown issuer does not hide a correct signature, and a
    # forged one is never reported as "untrusted" only.
    outcome = signing.verify(signing.canonical_json(signoff.snapshot), signoff.cms_der, None)
    chain = signing.verify(signing.canonical_json(signoff.snapshot), signoff.cms_der, roots) \
        if roots is not None and outcome.valid else None
    if signoff.kind == "class_summary":
        from .class_summaries import current_snapshot  # that module builds on this one

        current = current_snapshot(signoff)
    else:
        klass = accounts.get_class(signoff.class_id)
        current = snapshot(klass, signoff.subject_code, signoff.semester) if klass else None
    stored_ok = _digest(signoff.snapshot) == signoff.snapshot_sha256
    matches = current is not None and _digest(current) == signoff.snapshot_sha256
    signature_valid = outcome.valid
    data_unchanged = stored_ok and matches
    signer_trusted = None if roots is None else bool(chain is not None and chain.valid)
    reasons = []
    if not signature_valid:
        reasons.append(outcome.reason)
    elif chain is not None and not chain.valid:
        reasons.append(chain.reason)
    if not stored_ok:
        reasons.append("Bản lưu của dữ liệu đã ký không khớp mã băm ghi lúc ký.")
    if not matches:
        reasons.append("Dữ liệu hiện tại của sổ điểm khác với dữ liệu đã ký." if signoff.kind != "class_summary"
                       else "Dữ liệu hiện tại của bảng tổng hợp khác với dữ liệu đã ký.")
    if signoff.invalidated_at is not None:
        reasons.append(signoff.invalidated_reason or "Chữ ký đã bị vô hiệu.")
    valid = (signature_valid and data_unchanged and signer_trusted is not False
             and signoff.invalidated_at is None)
    return {
        "id": signoff.id, "valid": valid, "signature_valid": signature_valid, "data_unchanged": data_unchanged,
        "signer_trusted": signer_trusted, "snapshot_intact": stored_ok,
        "signer": outcome.signer_name or signoff.signer_name,
        "role": signoff.role, "signed_at": outcome.signed_at or signoff.signed_at,
        "chain_verified": chain is not None, "matches_current_data": matches,
        "invalidated_at": signoff.invalidated_at, "invalidated_reason": signoff.invalidated_reason,
        "reason": " ".join(r for r in reasons if r) or None,
        "timestamp": None if outcome.timestamp_at is None else {
            "time": outcome.timestamp_at, "valid": outcome.timestamp_valid,
            "trusted": bool(chain.timestamp_trusted) if chain is not None else False},
    }
