"""JSON API of the e-lecture library: lectures, review, collections, watch progress."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import or_, select

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, DEPARTMENT, PARENT, SIGNED_IN, STUDENT, TEACHER, roles
from lms.core.rest import ApiBlueprint, Page, paginate

from . import collections, package_runtime, permissions, presenters, progress, schemas, services, student_progress
from .models import Lecture, LectureCollection, LectureCollectionItem, LectureVersion

bp = ApiBlueprint("lectures", __name__, url_prefix="/api/v1")
exempt_api(bp)

AUTHORS = roles(TEACHER, DEPARTMENT, ADMIN)


def _lecture(lecture_id: int) -> Lecture:
    return permissions.ensure_visible(current_user, db.session.get(Lecture, lecture_id))


def _summaries(page: Page) -> Page:
    page.items = [presenters.summary(current_user, lecture) for lecture in page.items]
    return page


@bp.endpoint("/lectures", "POST", allow=roles(TEACHER, DEPARTMENT), body=schemas.LectureCreate,
             response=schemas.LectureOut, status=201, summary="Create a draft lecture", errors=(422,),
             example_body={"title": "Hàm số bậc nhất", "subject": "toan", "grade": 10, "media_ids": [17, 18],
                           "visibility": "class", "class_ids": [5],
                           "description": "<p>Vẽ đồ thị hàm số $y = ax + b$.</p>"})
def create_lecture(body):
    """Creates a draft owned by the caller. Attach media by id (uploaded first with ``POST /api/v1/media``);
    ``visibility`` decides who may see it once published: private, class (``class_ids``), school or shared (the
    department reviews shared lectures before they appear in the common library)."""
    lecture = services.create_lecture(current_user, body)
    db.session.commit()
    return presenters.detail(current_user, lecture)


@bp.endpoint("/lectures", "GET", allow=SIGNED_IN, query=schemas.LectureQuery, response=schemas.LectureSummaryOut,
             paginated=True, summary="Lectures the caller may see (students: published ones only)")
def list_lectures(args):
    stmt = select(Lecture).where(permissions.visible_filter(current_user))
    for name in ("subject", "grade", "topic_id"):
        if args[name] is not None:
            stmt = stmt.where(getattr(Lecture, name) == args[name])
    if args["status"]:
        stmt = stmt.where(Lecture.status == args["status"])
    if args["owner"] == "me":
        stmt = stmt.where(Lecture.owner_id == current_user.id)
    if args["collection_id"] is not None:
        stmt = stmt.where(Lecture.id.in_(select(LectureCollectionItem.lecture_id)
                                         .where(LectureCollectionItem.collection_id == args["collection_id"])))
    if args["q"]:
        # Title match on the version readers see (published) or the caller's own draft; full-text search with
        # diacritics folding is GET /search.
        like = f"%{args['q'].strip()}%"
        titled = select(LectureVersion.lecture_id).where(LectureVersion.title.ilike(like))
        stmt = stmt.where(or_(
            Lecture.published_version_id.in_(select(LectureVersion.id).where(LectureVersion.title.ilike(like))),
            (Lecture.owner_id == current_user.id) & Lecture.id.in_(titled)))
    stmt = stmt.order_by(Lecture.updated_at.desc(), Lecture.id.desc())
    return _summaries(paginate(stmt, args["page"], args["per_page"]))


@bp.endpoint("/lectures/review-queue", "GET", allow=roles(DEPARTMENT), response=schemas.LectureSummaryOut,
             paginated=True, summary="Lectures waiting for the department's review, oldest first")
def review_queue(args):
    stmt = (select(Lecture).where(Lecture.status == "in_review")
            .order_by(Lecture.submitted_at, Lecture.id))
    return _summaries(paginate(stmt, args["page"], args["per_page"]))


@bp.endpoint("/lectures/<int:lecture_id>", "GET", allow=SIGNED_IN, query=schemas.LectureDetailQuery,
             response=schemas.LectureOut, summary="A lecture as the caller may read it", errors=(404,))
def get_lecture(lecture_id, args):
    lecture = _lecture(lecture_id)
    version = permissions.readable_version(current_user, lecture, args["version"])
    if version is None:
        raise NotFound("Bài giảng không có phiên bản này.")
    return presenters.detail(current_user, lecture, version)


@bp.endpoint("/lectures/<int:lecture_id>", "PATCH", allow=AUTHORS, body=schemas.LectureUpdate,
             response=schemas.LectureOut, summary="Edit a lecture (a published one gets a new draft version)",
             errors=(404, 409, 422))
def update_lecture(lecture_id, body):
    lecture = services.update_lecture(current_user, _lecture(lecture_id), body)
    db.session.commit()
    return presenters.detail(current_user, lecture)


@bp.endpoint("/lectures/<int:lecture_id>", "DELETE", allow=AUTHORS, status=204, summary="Delete a lecture",
             errors=(404,))
def delete_lecture(lecture_id):
    services.delete_lecture(current_user, _lecture(lecture_id))
    db.session.commit()
    return None, 204


@bp.endpoint("/lectures/<int:lecture_id>/submit", "POST", allow=AUTHORS, response=schemas.LectureOut,
             summary="Submit the draft: shared lectures go to review, others are published at once",
             errors=(404, 409, 422))
def submit_lecture(lecture_id):
    lecture = services.submit_lecture(current_user, _lecture(lecture_id))
    db.session.commit()
    return presenters.detail(current_user, lecture)


@bp.endpoint("/lectures/<int:lecture_id>/review", "POST", allow=roles(DEPARTMENT), body=schemas.LectureReviewIn,
             response=schemas.LectureOut, summary="Approve (publish) or reject a submitted lecture",
             errors=(404, 409, 422))
def review_lecture(lecture_id, body):
    lecture = services.review_lecture(current_user, _lecture(lecture_id), body["decision"], body["comment"])
    db.session.commit()
    return presenters.detail(current_user, lecture)


@bp.endpoint("/lectures/progress", "GET", allow=roles(STUDENT, PARENT, TEACHER, ADMIN),
             query=schemas.StudentProgressQuery, response=schemas.StudentProgressOut, errors=(404,),
             summary="One student's progress over the lectures of their classes: the student's own, or "
                     "(student_id) a child's for a linked parent, a student's for their teachers and admins")
def get_student_progress(args):
    student = student_progress.ensure_student_followed(current_user, args["student_id"])
    return student_progress.student_lectures(student.id)


@bp.endpoint("/lectures/<int:lecture_id>/progress", "PUT", allow=roles(STUDENT), body=schemas.LectureProgressIn,
             response=schemas.LectureProgressOut,
             summary="Report watched spans; the server merges them so seeking ahead never counts",
             errors=(404, 409, 422))
def put_progress(lecture_id, body):
    result = progress.record_progress(current_user, _lecture(lecture_id), body)
    db.session.commit()
    return result


@bp.endpoint("/lectures/<int:lecture_id>/progress", "GET", allow=roles(STUDENT, TEACHER, ADMIN),
             query=schemas.LectureProgressQuery, response=schemas.LectureProgressReportOut,
             summary="Watch progress: a student's own, or every student of a class the teacher teaches",
             errors=(404, 422))
def get_progress(lecture_id, args):
    return progress.progress_report(current_user, _lecture(lecture_id), args["class_id"])


# SCORM run-time data ------------------------------------------------------------------------------

@bp.endpoint("/lectures/<int:lecture_id>/packages/<int:media_id>/runtime", "GET", allow=roles(STUDENT),
             response=schemas.PackageRuntimeOut, errors=(404,),
             summary="The SCORM run-time data a new session of the package starts from (resume where the student "
                     "left off)")
def get_package_runtime(lecture_id, media_id):
    """``cmi`` in scorm-again's nested shape: the last session's location, suspend_data, status, score and
    total time, with ``entry`` ("resume" after a suspended exit) and the learner's id and name. The player page
    embeds the same object, so it rarely needs this call."""
    return package_runtime.launch(current_user, _lecture(lecture_id), media_id)


@bp.endpoint("/lectures/<int:lecture_id>/packages/<int:media_id>/runtime", "PUT", allow=roles(STUDENT),
             body=schemas.PackageRuntimeIn, response=schemas.LectureProgressOut, errors=(404, 422),
             summary="Save a commit of a SCORM package (its whole cmi data model); completion and score go into "
                     "the lecture progress",
             example_body={"cmi": {"core": {"lesson_location": "2", "lesson_status": "passed", "exit": "suspend",
                                            "score": {"raw": "8", "min": "0", "max": "10"}},
                                   "suspend_data": "trang=2"}})
def put_package_runtime(lecture_id, media_id, body):
    """SCORM 1.2: lesson_status completed/passed/failed completes the package and score.raw between score.min
    (0) and score.max (100) is its score; SCORM 2004: completion_status/success_status and score.scaled (else
    raw/min/max). Completion stays once reached and the best score counts. At most 256 KB of data."""
    result = package_runtime.save(current_user, _lecture(lecture_id), media_id, body["cmi"])
    db.session.commit()
    return result


# Collections ----------------------------------------------------------------------------------------

def _collection(collection_id: int) -> LectureCollection:
    return permissions.ensure_collection_visible(current_user, db.session.get(LectureCollection, collection_id))


@bp.endpoint("/collections", "POST", allow=roles(TEACHER, DEPARTMENT), body=schemas.LectureCollectionIn,
             response=schemas.LectureCollectionOut, status=201, summary="Create a lecture collection (bộ bài giảng)",
             errors=(422,))
def create_collection(body):
    collection = collections.create_collection(current_user, body)
    db.session.commit()
    return presenters.collection(current_user, collection)


@bp.endpoint("/collections", "GET", allow=SIGNED_IN, query=schemas.LectureCollectionQuery,
             response=schemas.LectureCollectionOut, paginated=True,
             summary="Collections the caller may see, featured first")
def list_collections(args):
    stmt = select(LectureCollection).where(permissions.collection_filter(current_user))
    if args["featured"] is not None:
        stmt = stmt.where(LectureCollection.featured == args["featured"])
    for name in ("subject", "grade"):
        if args[name] is not None:
            stmt = stmt.where(getattr(LectureCollection, name) == args[name])
    if args["owner"] == "me":
        stmt = stmt.where(LectureCollection.owner_id == current_user.id)
    stmt = stmt.order_by(LectureCollection.featured.desc(), LectureCollection.updated_at.desc(),
                         LectureCollection.id.desc())
    page = paginate(stmt, args["page"], args["per_page"])
    page.items = [presenters.collection(current_user, c) for c in page.items]
    return page


@bp.endpoint("/collections/<int:collection_id>", "GET", allow=SIGNED_IN, response=schemas.LectureCollectionOut,
             summary="A collection with the lectures the caller may see", errors=(404,))
def get_collection(collection_id):
    return presenters.collection(current_user, _collection(collection_id))


@bp.endpoint("/collections/<int:collection_id>", "PATCH", allow=roles(TEACHER, DEPARTMENT, ADMIN),
             body=schemas.LectureCollectionUpdate, response=schemas.LectureCollectionOut,
             summary="Edit a collection (the department may feature shared ones)", errors=(404, 422))
def update_collection(collection_id, body):
    collection = collections.update_collection(current_user, _collection(collection_id), body)
    db.session.commit()
    return presenters.collection(current_user, collection)


@bp.endpoint("/collections/<int:collection_id>", "DELETE", allow=roles(TEACHER, DEPARTMENT, ADMIN), status=204,
             summary="Delete a collection (its lectures stay)", errors=(404,))
def delete_collection(collection_id):
    collections.delete_collection(current_user, _collection(collection_id))
    db.session.commit()
    return None, 204

