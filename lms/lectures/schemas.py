"""Request and response schemas of the e-lecture API, one per direction and audience."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .models import COLLECTION_VISIBILITIES, DECISIONS, STATUSES, VISIBILITIES

GRADE = validate.Range(min=1, max=12)
MAX_ATTACHMENTS = 50


class LectureAttachmentIn(Schema):
    media_id = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(load_default="", validate=validate.Length(max=300))


def _check_attachments(data: dict) -> None:
    ids = [a["media_id"] for a in data.get("attachments") or []] + list(data.get("media_ids") or [])
    if len(ids) != len(set(ids)):
        raise ValidationError("Mỗi tệp chỉ được gắn một lần.", "media_ids")
    if data.get("media_ids") is not None and data.get("attachments") is not None:
        raise ValidationError("Dùng media_ids hoặc attachments, không dùng cả hai.", "attachments")


class LectureCreate(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=100_000))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=40))
    grade = fields.Integer(required=True, validate=GRADE)
    topic_id = fields.Integer(load_default=None, allow_none=True)
    media_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=None,
                            validate=validate.Length(max=MAX_ATTACHMENTS),
                            metadata={"description": "Attachments in display order (titles from file names)."})
    attachments = fields.List(fields.Nested(LectureAttachmentIn), load_default=None,
                              validate=validate.Length(max=MAX_ATTACHMENTS),
                              metadata={"description": "Alternative to media_ids: ordered media with captions."})
    visibility = fields.String(load_default="private", validate=validate.OneOf(VISIBILITIES))
    class_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=100))
    licence_note = fields.String(load_default="", validate=validate.Length(max=500))
    practice_exam_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _attachments(self, data, **kwargs):
        _check_attachments(data)


class LectureUpdate(Schema):
    """Every field optional; only the given ones change."""

    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String(validate=validate.Length(max=100_000))
    subject = fields.String(validate=validate.Length(min=1, max=40))
    grade = fields.Integer(validate=GRADE)
    topic_id = fields.Integer(allow_none=True)
    media_ids = fields.List(fields.Integer(validate=validate.Range(min=1)),
                            validate=validate.Length(max=MAX_ATTACHMENTS))
    attachments = fields.List(fields.Nested(LectureAttachmentIn), validate=validate.Length(max=MAX_ATTACHMENTS))
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))
    class_ids = fields.List(fields.Integer(), validate=validate.Length(max=100))
    licence_note = fields.String(validate=validate.Length(max=500))
    practice_exam_id = fields.Integer(allow_none=True)

    @validates_schema
    def _attachments(self, data, **kwargs):
        _check_attachments(data)


class LectureQuery(Schema):
    subject = fields.String(load_default=None, validate=validate.Length(max=40))
    grade = fields.Integer(load_default=None, validate=GRADE)
    topic_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    owner = fields.String(load_default=None, validate=validate.OneOf(["me"]),
                          metadata={"description": "`me`: only the caller's own lectures."})
    collection_id = fields.Integer(load_default=None)


class LectureDetailQuery(Schema):
    version = fields.String(load_default="current", validate=validate.OneOf(["current", "published", "draft"]),
                            metadata={"description": "current: the draft for its owner (and the department while "
                                                     "in review), else the published version."})


class LectureReviewIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    comment = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _reason(self, data, **kwargs):
        if data["decision"] == "reject" and not data["comment"].strip():
            raise ValidationError("Hãy ghi lý do không duyệt để giáo viên sửa.", "comment")


class LectureReviewOut(Schema):
    id = fields.Integer()
    version_id = fields.Integer()
    version_number = fields.Integer()
    decision = fields.String()
    comment = fields.String()
    reviewer_id = fields.Integer()
    reviewer_name = fields.String()
    created_at = fields.DateTime()


class LectureMediaOut(Schema):
    """Playback view of an attachment (media.api ``media_payload``)."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    progress = fields.Integer(allow_none=True)
    filename = fields.String(allow_none=True)
    duration_s = fields.Float(allow_none=True)
    renditions = fields.List(fields.Dict())
    hls_url = fields.String(allow_none=True)
    thumbnail_url = fields.String(allow_none=True)
    download_url = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class LectureAttachmentOut(Schema):
    media_id = fields.Integer()
    title = fields.String()
    media = fields.Nested(LectureMediaOut, allow_none=True)


class LectureVersionInfo(Schema):
    id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    created_at = fields.DateTime()


class LectureOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String(metadata={"description": "Sanitised HTML"})
    subject = fields.String()
    grade = fields.Integer()
    topic_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer()
    owner_name = fields.String()
    school_id = fields.Integer(allow_none=True)
    visibility = fields.String(metadata={"description": "Audience of the version shown"})
    class_ids = fields.List(fields.Integer())
    status = fields.String(metadata={"description": "draft | in_review | published | rejected (of the newest "
                                                    "version; readers other than the owner always see published)"})
    published = fields.Boolean()
    version_id = fields.Integer(allow_none=True)
    version_number = fields.Integer(allow_none=True)
    published_version_id = fields.Integer(allow_none=True)
    draft_version_id = fields.Integer(allow_none=True)
    licence_note = fields.String()
    practice_exam_id = fields.Integer(allow_none=True)
    attachments = fields.List(fields.Nested(LectureAttachmentOut))
    reviews = fields.List(fields.Nested(LectureReviewOut),
                          metadata={"description": "Review trail (owner, department, admin only)"})
    versions = fields.List(fields.Nested(LectureVersionInfo),
                           metadata={"description": "Version history (owner, department, admin only)"})
    can_edit = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class LectureSummaryOut(Schema):
    id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    grade = fields.Integer()
    topic_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer()
    owner_name = fields.String()
    visibility = fields.String()
    status = fields.String()
    published = fields.Boolean()
    attachment_count = fields.Integer()
    thumbnail_url = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class LectureProgressIn(Schema):
    media_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "Defaults to the lecture's first video or audio"})
    position_s = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(min=0, max=86_400),
                              metadata={"description": "Required for video/audio (seconds) and PDFs (the page "
                                                       "number; the last page completes the PDF)"})
    completed = fields.Boolean(load_default=None, allow_none=True,
                               metadata={"description": "Interactive packages: the runtime says the student finished"})
    score = fields.Float(load_default=None, allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=1),
                         metadata={"description": "Interactive packages: score 0..1 (the best one counts)"})
    watched = fields.List(fields.List(fields.Raw(), metadata={"description": "[start_s, end_s]"}),
                          load_default=list, validate=validate.Length(max=500),
                          metadata={"description": "Spans played since the last report; junk spans are ignored"})


class LectureProgressOut(Schema):
    lecture_id = fields.Integer()
    media_id = fields.Integer()
    position_s = fields.Float()
    watched_ratio = fields.Float()
    completed = fields.Boolean()
    score = fields.Float(allow_none=True, metadata={"description": "Interactive packages only"})
    lecture_watched_ratio = fields.Float(metadata={"description": "Over every video/audio of the lecture"})
    lecture_completed = fields.Boolean()


class PackageRuntimeIn(Schema):
    cmi = fields.Dict(keys=fields.String(), required=True,
                      metadata={"description": "The package's whole cmi data model, nested, every leaf a string "
                                               "(scorm-again renderCommitCMI)"})


class PackageRuntimeOut(Schema):
    lecture_id = fields.Integer()
    media_id = fields.Integer()
    version = fields.String(metadata={"description": "SCORM version of the package: 1.2 or 2004"})
    cmi = fields.Dict(metadata={"description": "What the session starts from (scorm-again loadFromJSON)"})


class LectureProgressQuery(Schema):
    class_id = fields.Integer(load_default=None)


class LectureMediaProgressOut(Schema):
    media_id = fields.Integer()
    position_s = fields.Float()
    watched_ratio = fields.Float()
    completed = fields.Boolean()


class LecturePackageProgressOut(Schema):
    media_id = fields.Integer()
    completed = fields.Boolean()
    score = fields.Float(allow_none=True)


class LectureDocumentProgressOut(Schema):
    media_id = fields.Integer()
    page = fields.Integer(metadata={"description": "Where the reader reopens"})
    pages = fields.Integer(allow_none=True)
    completed = fields.Boolean(metadata={"description": "The student reached the last page"})


class LectureStudentProgressOut(Schema):
    student_id = fields.Integer()
    full_name = fields.String()
    position_s = fields.Float()
    watched_ratio = fields.Float()
    completed = fields.Boolean()
    last_watched_at = fields.DateTime(allow_none=True)
    media = fields.List(fields.Nested(LectureMediaProgressOut))
    packages = fields.List(fields.Nested(LecturePackageProgressOut),
                           metadata={"description": "Interactive packages: completion and best score"})
    documents = fields.List(fields.Nested(LectureDocumentProgressOut),
                            metadata={"description": "PDF e-textbooks: current page, last page reached"})


class LectureProgressReportOut(Schema):
    lecture_id = fields.Integer()
    class_id = fields.Integer(allow_none=True)
    completion_ratio = fields.Float(metadata={"description": "Share of a video that counts as completed"})
    items = fields.List(fields.Nested(LectureStudentProgressOut))


class LectureCollectionIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20_000))
    subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    grade = fields.Integer(load_default=None, allow_none=True, validate=GRADE)
    visibility = fields.String(load_default="private", validate=validate.OneOf(COLLECTION_VISIBILITIES))
    lecture_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=200))
    featured = fields.Boolean(load_default=False, metadata={"description": "Department only"})


class LectureCollectionUpdate(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String(validate=validate.Length(max=20_000))
    subject = fields.String(allow_none=True, validate=validate.Length(max=40))
    grade = fields.Integer(allow_none=True, validate=GRADE)
    visibility = fields.String(validate=validate.OneOf(COLLECTION_VISIBILITIES))
    lecture_ids = fields.List(fields.Integer(), validate=validate.Length(max=200))
    featured = fields.Boolean(metadata={"description": "Department only"})


class LectureCollectionQuery(Schema):
    featured = fields.Boolean(load_default=None, allow_none=True)
    subject = fields.String(load_default=None, validate=validate.Length(max=40))
    grade = fields.Integer(load_default=None, validate=GRADE)
    owner = fields.String(load_default=None, validate=validate.OneOf(["me"]))


class LectureCollectionOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    subject = fields.String(allow_none=True)
    grade = fields.Integer(allow_none=True)
    visibility = fields.String()
    featured = fields.Boolean()
    owner_id = fields.Integer()
    school_id = fields.Integer(allow_none=True)
    lectures = fields.List(fields.Nested(LectureSummaryOut),
                           metadata={"description": "In order; only the lectures the caller may see"})
    can_edit = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class StudentProgressQuery(Schema):
    student_id = fields.Integer(load_default=None)


class StudentLectureProgressOut(Schema):
    lecture_id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    grade = fields.Integer()
    watched_ratio = fields.Float()
    completed = fields.Boolean()
    last_watched_at = fields.DateTime(allow_none=True)


class StudentProgressOut(Schema):
    student_id = fields.Integer()
    items = fields.List(fields.Nested(StudentLectureProgressOut))
