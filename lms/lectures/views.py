"""Web pages of the lecture library: browse, watch, edit, review, class progress.

Pages read through the same permission rules as the API; every change is made by the pages' scripts
through the JSON API (one write path, one set of checks).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts import api as accounts_api
from lms.core.db import db
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, DEPARTMENT, STUDENT, TEACHER, require
from lms.core.rest import paginate, whole_number
from lms.curriculum import api as curriculum_api
import media.api as media_api

from . import package_runtime, permissions, presenters, progress, scorm
from .models import VISIBILITIES, Lecture, LectureCollection, LectureProgress, LectureVersion

web = Blueprint("lectures_web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/static/lectures")

PER_PAGE = 24
VISIBILITY_LABELS = {"private": "Chỉ mình tôi", "class": "Lớp tôi dạy", "school": "Toàn trường",
                     "shared": "Kho học liệu chung (cần duyệt)"}
KIND_LABELS = {"video": "Video", "audio": "Âm thanh", "pdf": "PDF", "image": "Hình ảnh", "document": "Tài liệu"}
MEDIA_STATUS_LABELS = {"uploaded": "đã tải lên", "processing": "đang xử lý", "ready": "sẵn sàng",
                       "failed": "lỗi xử lý"}
STATUS_LABELS = {"draft": ("Bản nháp", "warn"), "in_review": ("Chờ duyệt", "warn"),
                 "published": ("Đã xuất bản", "ok"), "rejected": ("Không được duyệt", "danger")}


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name))


def _lecture_or_404(lecture_id: int) -> Lecture:
    lecture = db.session.get(Lecture, lecture_id)
    if not permissions.can_view(current_user, lecture):
        raise NotFound("Không tìm thấy bài giảng.")
    return lecture


def _require_role(*roles: str) -> None:
    require(current_user.role in roles, "Trang này không dành cho vai trò của bạn.")


def _common() -> dict:
    return {"subjects": curriculum_api.subject_names(), "status_labels": STATUS_LABELS,
            "visibility_labels": VISIBILITY_LABELS}


@web.route("/lectures")
@login_required
def library():
    """Browse by subject, grade and topic: students their published lectures, staff the shared library too."""
    subject, grade, topic_id = request.args.get("subject") or None, _int_arg("grade"), _int_arg("topic_id")
    q = (request.args.get("q") or "").strip()[:200]
    stmt = select(Lecture).where(permissions.visible_filter(current_user), Lecture.published_version_id.is_not(None))
    if subject:
        stmt = stmt.where(Lecture.subject == subject)
    if grade:
        stmt = stmt.where(Lecture.grade == grade)
    if topic_id:
        stmt = stmt.where(Lecture.topic_id == topic_id)
    if q:
        stmt = stmt.where(Lecture.published_version_id.in_(
            select(LectureVersion.id).where(LectureVersion.title.ilike(f"%{q}%"))))
    page = paginate(stmt.order_by(Lecture.published_at.desc(), Lecture.id.desc()), _int_arg("page") or 1, PER_PAGE)
    items = [presenters.summary(current_user, lec) for lec in page.items]
    featured = db.session.scalars(select(LectureCollection).where(
        permissions.collection_filter(current_user), LectureCollection.featured.is_(True))
        .order_by(LectureCollection.updated_at.desc()).limit(6)).all()
    topic = curriculum_api.get_topic(topic_id) if topic_id else None
    completed = set()
    if current_user.role == STUDENT and items:
        completed = set(db.session.scalars(select(LectureProgress.lecture_id).where(
            LectureProgress.student_id == current_user.id, LectureProgress.completed.is_(True),
            LectureProgress.lecture_id.in_([i["id"] for i in items]))))
    return render_template("lectures/library.html", items=items, page=page, featured=featured,
                           filters={"subject": subject or "", "grade": grade or "", "topic_id": topic_id or "",
                                    "q": q},
                           topic=topic, completed=completed, per_page=PER_PAGE, **_common())


@web.route("/lectures/mine")
@login_required
def mine():
    """The teacher's own lectures with their workflow state."""
    _require_role(TEACHER, DEPARTMENT, ADMIN)
    lectures = db.session.scalars(select(Lecture).where(Lecture.owner_id == current_user.id)
                                  .order_by(Lecture.updated_at.desc())).all()
    items = [presenters.summary(current_user, lec) for lec in lectures]
    collections = db.session.scalars(select(LectureCollection).where(LectureCollection.owner_id == current_user.id)
                                     .order_by(LectureCollection.updated_at.desc())).all()
    return render_template("lectures/mine.html", items=items, collections=collections, **_common())


@web.route("/lectures/<int:lecture_id>")
@login_required
def detail(lecture_id: int):
    """The lecture page: player, documents, next lecture in the collection; ``?preview=1`` as a student sees it."""
    lecture = _lecture_or_404(lecture_id)
    which = request.args.get("version") if request.args.get("version") in ("draft", "published") else "current"
    preview = request.args.get("preview") == "1" and permissions.sees_drafts(current_user, lecture)
    version = permissions.readable_version(current_user, lecture, which)
    if version is None:
        raise NotFound("Bài giảng chưa có phiên bản này.")
    data = presenters.detail(current_user, lecture, version)
    resume = {}
    if current_user.role == STUDENT:
        state = progress.lecture_progress_for(lecture, current_user.id)
        resume = {m["media_id"]: m["position_s"] for m in state["media"]}
    collection, next_lecture = None, None
    collection_id = _int_arg("collection")
    if collection_id:
        coll = db.session.get(LectureCollection, collection_id)
        if permissions.can_view_collection(current_user, coll):
            collection = coll
            ordered = presenters.visible_collection_lectures(current_user, coll)
            ids = [lec.id for lec in ordered]
            if lecture.id in ids and ids.index(lecture.id) + 1 < len(ids):
                nxt = ordered[ids.index(lecture.id) + 1]
                next_lecture = presenters.summary(current_user, nxt)
    classes = []
    if current_user.role in (TEACHER, ADMIN) and not preview:
        classes = [accounts_api.get_class(cid) for cid in sorted(accounts_api.taught_class_ids(current_user.id))]
    topic = curriculum_api.get_topic(lecture.topic_id) if lecture.topic_id else None
    return render_template("lectures/detail.html", lecture=data, preview=preview, resume=resume,
                           tracks_progress=current_user.role == STUDENT and lecture.is_published
                           and version.id == lecture.published_version_id,
                           collection=collection, next_lecture=next_lecture, classes=classes, topic=topic,
                           can_review=permissions.can_review(current_user) and lecture.status == "in_review"
                           and not preview, **_common())


def _attachment_page(lecture_id: int, media_id: int, kind: str, missing: str):
    """``(lecture, version, lecture data, attachment)`` for a page showing one attachment of ``kind``, as the
    viewer reads the lecture; NotFound (``missing``) when the lecture's version has no such attachment."""
    lecture = _lecture_or_404(lecture_id)
    version = permissions.readable_version(current_user, lecture, "current")
    if version is None:
        raise NotFound("Bài giảng chưa có phiên bản này.")
    data = presenters.detail(current_user, lecture, version)
    attachment = next((a for a in data["attachments"] if a.get("media_id") == media_id and a.get("media")
                       and a["media"]["kind"] == kind), None)
    if attachment is None:
        raise NotFound(missing)
    return lecture, version, data, attachment


@web.route("/lectures/<int:lecture_id>/packages/<int:media_id>")
@login_required
def package_player(lecture_id: int, media_id: int):
    """An interactive package of the lecture (HTML5, SCORM, H5P) full width in a sandboxed frame.

    The frame's ``src`` is the package's signed launch URL made here, so a phone on 3G saves the redirect of
    ``/api/v1/media/{id}/package``; the package runs sandboxed, on an opaque origin or on PACKAGE_ORIGIN's host
    (media.package_origin).
    """
    lecture, version, data, attachment = _attachment_page(lecture_id, media_id, "package",
                                                          "Bài giảng không có gói tương tác này.")
    launch = media_api.package_launch_url(media_id)
    package = attachment["media"].get("package") or {}
    # An attachment without a caption is titled by its file name; the package's own title reads better.
    title = attachment["title"]
    if package.get("title") and title == attachment["media"].get("filename"):
        title = package["title"]
    tracks = current_user.role == STUDENT and lecture.is_published and version.id == lecture.published_version_id
    scorm_launch = None
    if launch and package.get("type") == "scorm":
        # The student resumes from their saved state; a teacher previewing gets a fresh, unsaved session.
        if tracks:
            scorm_launch = package_runtime.launch(current_user, lecture, media_id)
        else:
            which = scorm.version_of(package)
            scorm_launch = {"version": which, "cmi": scorm.launch_state(None, which, current_user.id,
                                                                        current_user.full_name or current_user.username)}
    return render_template("lectures/package.html", lecture=data, attachment=attachment, launch_url=launch,
                           package=package, title=title, tracks_progress=tracks, scorm_launch=scorm_launch,
                           frame=media_api.package_frame(), **_common())


@web.route("/lectures/<int:lecture_id>/documents/<int:media_id>")
@login_required
def document_reader(lecture_id: int, media_id: int):
    """A PDF of the lecture in the e-textbook reader (pdf.js), opened at the student's remembered page.

    The reader loads its copy of the PDF (object streams, see media.processing.pdfs) by range requests, one
    page at a time, so the first page shows before the whole file has arrived on 3G; its URL is signed here to
    save the phone a redirect.
    """
    lecture, version, data, attachment = _attachment_page(lecture_id, media_id, "pdf",
                                                          "Bài giảng không có tài liệu PDF này.")
    tracks = current_user.role == STUDENT and lecture.is_published and version.id == lecture.published_version_id
    page = 1
    if tracks:
        state = progress.lecture_progress_for(lecture, current_user.id)
        page = next((d["page"] for d in state["documents"] if d["media_id"] == media_id), 1)
    return render_template("lectures/reader.html", lecture=data, attachment=attachment,
                           source_url=media_api.reader_source_url(media_id), page=page,
                           pages=attachment["media"].get("pages"), tracks_progress=tracks, **_common())


def _editor(lecture: Lecture | None):
    data = presenters.detail(current_user, lecture) if lecture is not None else None
    classes = [accounts_api.get_class(cid) for cid in sorted(accounts_api.taught_class_ids(current_user.id))]
    visibilities = [v for v in VISIBILITIES if v != "class" or classes]
    if current_user.school_id is None:
        visibilities = [v for v in visibilities if v != "school"]
    return render_template("lectures/edit.html", lecture=data, classes=classes, visibilities=visibilities,
                           grades=range(1, 13), kind_labels=KIND_LABELS, media_status_labels=MEDIA_STATUS_LABELS,
                           **_common())


@web.route("/lectures/new")
@login_required
def new():
    """Editor for a new lecture."""
    _require_role(TEACHER, DEPARTMENT)
    return _editor(None)


@web.route("/lectures/<int:lecture_id>/edit")
@login_required
def edit(lecture_id: int):
    """Editor of an existing lecture (its working draft)."""
    lecture = _lecture_or_404(lecture_id)
    require(permissions.can_edit(current_user, lecture), "Chỉ người tạo bài giảng mới được sửa.")
    return _editor(lecture)


@web.route("/lectures/<int:lecture_id>/class-progress")
@login_required
def class_progress(lecture_id: int):
    """Who in a class has watched the lecture (every enrolled student, also those who never opened it)."""
    _require_role(TEACHER, ADMIN)
    lecture = _lecture_or_404(lecture_id)
    class_ids = sorted(accounts_api.taught_class_ids(current_user.id))
    classes = [accounts_api.get_class(cid) for cid in class_ids]
    class_id = _int_arg("class_id") or (class_ids[0] if class_ids else None)
    report = None
    if class_id is not None:
        report = progress.progress_report(current_user, lecture, class_id)
    published = db.session.get(LectureVersion, lecture.published_version_id) if lecture.published_version_id else None
    # Packages the teacher may count in the class's gradebook (gradebook-link.js asks the gradebook API).
    packages = [{"id": p["id"], "title": (p.get("package") or {}).get("title") or p.get("filename") or ""}
                for p in progress.package_media(published)]
    return render_template("lectures/progress.html", lecture=presenters.summary(current_user, lecture),
                           classes=classes, class_id=class_id, report=report, packages=packages,
                           chart=progress_chart(report) if report and report["items"] else None)


#: Bands of the class progress chart: (label, lowest watched share included).
PROGRESS_BANDS = (("Dưới 25%", 0.0), ("25–50%", 0.25), ("50–75%", 0.5), ("Từ 75%", 0.75))


def progress_chart(report: dict):
    """How many students have not opened the lecture, watched part of it (by band), or finished it."""
    from lms.core.charts import bar_chart

    counts = {"Chưa xem": 0, **{label: 0 for label, _ in PROGRESS_BANDS}, "Xem xong": 0}
    for row in report["items"]:
        if row["completed"]:
            counts["Xem xong"] += 1
        elif not row["last_watched_at"]:
            counts["Chưa xem"] += 1
        else:
            band = [label for label, low in PROGRESS_BANDS if (row["watched_ratio"] or 0) >= low][-1]
            counts[band] += 1
    return bar_chart(list(counts), [("Số học sinh", list(counts.values()))],
                     title=f"Tiến độ xem của lớp: {len(report['items'])} học sinh", y_label="Số học sinh")


@web.route("/lectures/review")
@login_required
def review_queue():
    """The department's queue of lectures submitted to the shared library."""
    _require_role(DEPARTMENT)
    lectures = db.session.scalars(select(Lecture).where(Lecture.status == "in_review")
                                  .order_by(Lecture.submitted_at, Lecture.id)).all()
    items = [presenters.summary(current_user, lec) for lec in lectures]
    return render_template("lectures/review.html", items=items, **_common())


@web.route("/collections/<int:collection_id>")
@login_required
def collection(collection_id: int):
    """A collection's lectures in order."""
    coll = db.session.get(LectureCollection, collection_id)
    if not permissions.can_view_collection(current_user, coll):
        raise NotFound("Không tìm thấy bộ bài giảng.")
    return render_template("lectures/collection.html", collection=presenters.collection(current_user, coll),
                           can_feature=current_user.role == DEPARTMENT and coll.visibility == "shared",
                           **_common())
