"""Importing question files into the bank and exporting bank questions as files.

The formats package parses and writes (pure); this module adds what needs the application: validation by the
type registry, the all-or-nothing / partial policy, dry runs, storing embedded images in media, permissions.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

from . import permissions, services
from .content import plain_text
from .errors import QuestionValidationError
from .formats import MAX_IMPORT_BYTES, ImportRejected, get_format
from .models import LEVELS, Question, QuestionVersion
from .types import validate as validate_body

#: Largest import upload (API.md: 413 over 50 MB); the format parsers have the same limit.
MAX_UPLOAD_BYTES = MAX_IMPORT_BYTES
#: "qti" reads QTI 2.1, 2.2 and 3.0 alike; "qti3" only names the QTI 3.0 export.
IMPORT_FORMATS = ("aiken", "gift", "moodle_xml", "qti", "docx")
EXPORT_FORMATS = ("gift", "moodle_xml", "qti", "qti3", "docx", "aiken")
#: Content type and file extension of each export.
EXPORT_MEDIA = {
    "gift": ("text/plain; charset=utf-8", "gift.txt"),
    "aiken": ("text/plain; charset=utf-8", "aiken.txt"),
    "moodle_xml": ("application/xml; charset=utf-8", "xml"),
    "qti": ("application/zip", "zip"),
    "qti3": ("application/zip", "qti3.zip"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
# A placeholder media URL that passes the sanitiser while an import is only being checked (dry run).
_PLACEHOLDER_SRC = "/api/v1/media/0/file"
_CID = re.compile(r"""(src=["'])cid:([^"']+)(["'])""")
_LINE = re.compile(r"dòng (\d+)")


@dataclass
class ImportOutcome:
    """The import report: ``{imported, question_ids, errors:[{item, line, location, message}], warnings:[same],
    dry_run, importable, items:[{location, type, title}], topics:[{path, topic_id, new, questions}]}``. A warning
    names something changed or left out of a question that is still imported (a picture the web cannot show)."""

    dry_run: bool
    imported: int = 0
    question_ids: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    #: Categories in the file (GIFT $CATEGORY, Moodle XML category) as curriculum topics:
    #: ``[{path, topic_id, new, questions}]``; ``new`` topics are created by the import (a dry run only says so).
    topics: list[dict] = field(default_factory=list)

    @property
    def importable(self) -> int:
        return len(self.items)


def read_upload(stream, limit: int | None = None) -> bytes:
    """Read an uploaded file, refusing (413) past ``limit`` (default MAX_UPLOAD_BYTES) without reading on."""
    limit = limit or MAX_UPLOAD_BYTES
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Tệp nhập quá lớn: tối đa {limit // (1024 * 1024)} MB.")
    return data


def _sniff(format_name: str, data: bytes) -> None:
    # A file that is plainly not of the chosen format is a 415, not a list of per-item errors.
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if format_name == "docx" and not data.startswith(b"PK\x03\x04"):
        raise UnsupportedMediaType("Tệp không phải tài liệu Word .docx.")
    if format_name == "qti" and not (data.startswith(b"PK\x03\x04") or head.startswith(b"<")):
        raise UnsupportedMediaType("Tệp không phải gói QTI (.zip) hay tệp XML.")
    if format_name == "moodle_xml" and not head.startswith(b"<"):
        raise UnsupportedMediaType("Tệp không phải tệp XML của Moodle.")
    if format_name in ("gift", "aiken") and (data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]):
        raise UnsupportedMediaType("Tệp nhị phân: GIFT và Aiken là tệp văn bản.")


def _with_images(body, replace):
    if isinstance(body, str):
        return _CID.sub(lambda m: m.group(1) + replace(m.group(2)) + m.group(3), body)
    if isinstance(body, dict):
        return {k: _with_images(v, replace) for k, v in body.items()}
    if isinstance(body, list):
        return [_with_images(v, replace) for v in body]
    return body


def _error(location: str, message: str, item: int | None = None, line: int | None = None) -> dict:
    if line is None:
        match = _LINE.search(location or "")
        line = int(match.group(1)) if match else None
    return {"item": item, "line": line, "location": location, "message": message}


def import_questions(user, format_name: str, data: bytes, *, mode: str, dry_run: bool, subject: str, grade: int,
                     topic_id: int | None = None, level: str = "nhan_biet") -> ImportOutcome:
    """Parse ``data``, validate every item, and (unless a dry run) create draft questions.

    ``all_or_nothing`` creates nothing when any item has a problem; ``partial`` creates the good ones.
    Whole-file failures raise ValidationFailed (422) or UnsupportedMediaType (415). Embedded images are stored
    through media and their ``cid:`` references rewritten to /api/v1/media/<id>/file.
    """
    _sniff(format_name, data)
    services._check_classification(subject, grade, topic_id, level)
    try:
        parsed = get_format(format_name).parse(io.BytesIO(data))
    except ImportRejected as exc:
        raise ValidationFailed(exc.message, errors={"file": [exc.message]}) from None
    outcome = ImportOutcome(dry_run=dry_run)
    for problem in parsed.problems:
        location = f"dòng {problem.line}" if problem.line else (f"câu {problem.item}" if problem.item else "")
        outcome.errors.append(_error(location, problem.message, problem.item, problem.line))
    for warning in parsed.warnings:
        location = f"dòng {warning.line}" if warning.line else (f"câu {warning.item}" if warning.item else "")
        outcome.warnings.append(_error(location, warning.message, warning.item, warning.line))
    good = []
    for draft in parsed.drafts:
        # Same step for the dry run and the real import, so both always report the same.
        for message in draft.warnings + _drop_refused_images(draft):
            outcome.warnings.append(_error(draft.location, message))
        names = {image.name for image in draft.images}
        missing = set(re.findall(r"cid:([^\"'\s>]+)", str(draft.body))) - names
        try:
            if missing:
                raise QuestionValidationError({"stem": [f"Thiếu hình ảnh: {', '.join(sorted(missing))}."]})
            body = validate_body(_with_images(draft.body, lambda _name: _PLACEHOLDER_SRC))
        except QuestionValidationError as exc:
            summary = "; ".join(f"{k or 'câu hỏi'}: {', '.join(v)}" for k, v in exc.errors.items())
            outcome.errors.append(_error(draft.location, f"{draft.location}: {summary}"))
            continue
        good.append(draft)
        outcome.items.append({"location": draft.location, "type": body["type"],
                              "title": plain_text(body.get("stem") or body.get("text") or "")[:120],
                              **_preview(body, draft.meta or {})})
    writes = not dry_run and not (mode == "all_or_nothing" and outcome.errors)
    category_ids, outcome.topics = _category_topics(user, subject, grade, good, create=writes)
    if not writes:
        return outcome
    for draft in good:
        body = draft.body
        if draft.images:
            body = _with_images(body, _image_storer(user, draft))
        meta = draft.meta or {}
        tags = [str(t)[:50] for t in meta.get("tags") or [] if str(t).strip()][:20]
        question_topic = category_ids.get(str(meta.get("topic") or ""), topic_id)
        payload = {**body, "subject": subject, "grade": grade, "topic_id": question_topic,
                   "level": meta.get("level") if meta.get("level") in LEVELS else level, "tags": tags}
        question = services.create_question(user, payload, action="imported",
                                            detail={"format": format_name, "location": draft.location})
        outcome.question_ids.append(question.id)
    outcome.imported = len(outcome.question_ids)
    return outcome


def _category_topics(user, subject: str, grade: int, drafts, *, create: bool) -> tuple[dict[str, int], list[dict]]:
    """Map each category path of ``drafts`` to a topic of ``subject``/``grade`` (matched by name along the
    path), creating the missing levels when ``create``; returns ``({path: topic_id}, report)``. A dry run
    reports the same paths with ``new`` set, so both runs say the same; questions without a category keep the
    topic chosen for the import."""
    from lms.curriculum.api import ensure_topic_path, find_topic_path, split_topic_path

    counts: dict[str, int] = {}
    for draft in drafts:
        path = str((draft.meta or {}).get("topic") or "")
        if path:
            counts[path] = counts.get(path, 0) + 1
    ids: dict[str, int] = {}
    report = []
    for path, questions in counts.items():
        names = split_topic_path(path)
        if not names:
            continue
        found, depth = find_topic_path(subject, grade, names)
        new = depth < len(names)
        if new and create:
            found, _created = ensure_topic_path(user, subject, grade, names)
        if found is not None and (create or not new):
            ids[path] = found
        report.append({"path": "/".join(names), "topic_id": ids.get(path), "new": new, "questions": questions})
    return ids, report


def _preview(body: dict, meta: dict) -> dict:
    """What the import page shows per question before anything is written: the stem (sanitised; images as
    placeholders), the options or statements with the detected key, and the answer as the key table prints it."""
    from .formats.docx_writer import key_value

    choices = [{"label": chr(ord("A") + i), "text": o.get("text") or "", "correct": bool(o.get("correct"))}
               for i, o in enumerate(body.get("options") or [])]
    choices += [{"label": f"{chr(ord('a') + i)})", "text": s.get("text") or "", "correct": bool(s.get("correct"))}
                for i, s in enumerate(body.get("statements") or [])]
    answer = key_value(body)
    if body.get("type") == "essay":
        answer = "Tự luận (giáo viên chấm)"
    return {"stem": body.get("stem") or body.get("text") or "", "choices": choices, "answer": answer,
            "level": meta.get("level") if meta.get("level") in LEVELS else None,
            "has_explanation": bool(body.get("explanation"))}


_IMAGE_KINDS = {".wmf": "WMF", ".emf": "EMF", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP", ".svg": "SVG"}


def _drop_refused_images(draft) -> list[str]:
    """Take out of ``draft`` the pictures media would refuse, returning a warning for each.

    Word keeps a MathType/Equation 3.0 formula as an OLE object with a WMF preview; browsers cannot show WMF
    or EMF and the media store refuses them. One such picture must not fail the file: the question is
    imported without it and the teacher is told which picture of which question to insert again.
    """
    from media import api as media_api

    refused = [image for image in draft.images if not media_api.is_web_image(image.data)]
    if not refused:
        return []
    warnings = []
    for image in refused:
        pattern = re.compile(r"""<img\b[^>]*\bsrc=["']cid:%s["'][^>]*>""" % re.escape(image.name))
        draft.body = _with_text(draft.body, lambda text: pattern.sub("", text))
        extension = re.search(r"\.[A-Za-z]+$", image.name)
        kind = _IMAGE_KINDS.get(extension.group(0).lower() if extension else "", "không phải ảnh web")
        hint = (" (thường là ảnh xem trước của công thức MathType/Equation 3.0: hãy chuyển công thức sang "
                "Equation của Word hoặc chèn ảnh PNG)" if kind in ("WMF", "EMF") else " (hãy chèn lại dạng PNG/JPEG)")
        warnings.append(f"{draft.location}: đã bỏ hình {image.name} dạng {kind}, trình duyệt không hiển thị "
                        f"được{hint}.")
    draft.images = [image for image in draft.images if image not in refused]
    return warnings


def _with_text(body, change):
    if isinstance(body, str):
        return change(body)
    if isinstance(body, dict):
        return {k: _with_text(v, change) for k, v in body.items()}
    if isinstance(body, list):
        return [_with_text(v, change) for v in body]
    return body


def _image_storer(user, draft):
    from media import api as media_api

    blobs = {image.name: image for image in draft.images}
    stored: dict[str, str] = {}

    def replace(name: str) -> str:
        if name not in stored:
            blob = blobs[name]
            asset_id = media_api.store_bytes(user, blob.data, blob.name, blob.content_type)
            stored[name] = f"/api/v1/media/{asset_id}/file"
        return stored[name]

    return replace


def _image_loader(src: str) -> bytes | None:
    """Bytes of a /media image for DOCX export, read through media; None when unavailable."""
    match = re.match(r"^/(?:api/v1/)?media/(\d+)/", src or "")
    if not match:
        return None
    try:
        from media import api as media_api
    except ImportError:
        return None
    reader = getattr(media_api, "read_bytes", None)
    return reader(int(match.group(1))) if reader is not None else None


def export_questions(user, format_name: str, ids: list[int]) -> tuple[bytes, str, str, list[str]]:
    """The file of the given questions (current versions) in ``format_name``: ``(data, content_type,
    filename, warnings)``; ``warnings`` name, per question id, what the format could not write (the file is
    still made). NotFound names the first id the user may not see; 422 lists items the format cannot hold."""
    from lms.curriculum.api import topic_path

    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(set(ids))))}
    items = []
    for qid in ids:
        question = questions.get(qid)
        if not permissions.can_see(user, question):
            raise NotFound(f"Không tìm thấy câu hỏi {qid}.")
    # The whole path ("Hàm số/Đồng biến"), so that importing the file elsewhere rebuilds the same topics.
    names = {tid: topic_path(tid) for tid in {q.topic_id for q in questions.values() if q.topic_id is not None}}
    for qid in ids:
        question = questions[qid]
        version = db.session.scalar(select(QuestionVersion).where(
            QuestionVersion.question_id == qid, QuestionVersion.version == question.current_version))
        meta = {"level": question.level, "tags": list(question.tags or [])}
        if question.topic_id in names:
            meta["topic"] = names[question.topic_id]
        items.append({"body": dict(version.body), "meta": meta})
    fmt = get_format(format_name)
    if format_name == "docx":
        fmt.image_loader = _image_loader
    result = fmt.export(items)
    if result.skipped:
        raise ValidationFailed("Định dạng này không biểu diễn được một số câu hỏi.",
                               errors={"ids": [f"Câu {ids[p.item - 1] if p.item else '?'}: {p.message}"
                                               for p in result.skipped]})
    warnings = [f"Câu {ids[w.item - 1]}: {w.message}" if w.item else w.message for w in result.warnings]
    content_type, extension = EXPORT_MEDIA[format_name]
    return result.data, content_type, f"ngan-hang-cau-hoi.{extension}", warnings
