"""Request and response schemas of the gradebook API. Values travel as strings ("8.3", "Đ", "CĐ") so a
decimal never passes through a binary float; input also takes JSON numbers."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from .models import KINDS

SEMESTER = validate.OneOf((1, 2), error="Học kì là 1 hoặc 2.")
SCHOOL_YEAR = validate.Regexp(r"^\d{4}-\d{4}$", error="Năm học có dạng 2026-2027.")
SUBJECT = validate.Length(min=1, max=40)


class GradebookScoreValue(fields.Field):
    """A cell as sent by a client: a number, a string ("8,25", "Đ", "CĐ"), null, or
    ``{value, absent?, make_up?, zero_no_makeup?}``. The subject decides what is valid (services)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None or isinstance(value, (str, int, float, dict)) and not isinstance(value, bool):
            if isinstance(value, str) and len(value) > 20:
                raise ValidationError("Giá trị quá dài.")
            return value
        raise ValidationError("Điểm là số 0..10, “Đ”/“CĐ”, null hoặc {value, absent, make_up, zero_no_makeup}.")


class GradebookQuery(Schema):
    class_id = fields.Integer(required=True)
    subject = fields.String(required=True, validate=SUBJECT)
    semester = fields.Integer(required=True, validate=SEMESTER)


class GradebookExportQuery(GradebookQuery):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))


class GradebookStudentQuery(Schema):
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR)


class GradebookColumnIn(Schema):
    class_id = fields.Integer(required=True)
    subject = fields.String(required=True, validate=SUBJECT)
    semester = fields.Integer(required=True, validate=SEMESTER)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class GradebookColumnPatch(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    released = fields.Boolean()


class GradebookColumnOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    source = fields.String(metadata={"description": "manual | exam"})
    exam_id = fields.Integer(allow_none=True)
    lecture_id = fields.Integer(allow_none=True, metadata={
        "description": "The lecture whose interactive package (package_media_id) this column counts"})
    package_media_id = fields.Integer(allow_none=True)
    released = fields.Boolean()
    position = fields.Integer()
    value_kind = fields.String(allow_none=True, metadata={
        "description": "score (0..10, one decimal) | comment (Đ/CĐ) | test (primary: whole points 0..10) | "
                       "level (primary: T/H/C)"})


class GradebookColumnPackageIn(Schema):
    lecture_id = fields.Integer(required=True)
    media_id = fields.Integer(required=True, metadata={"description": "An interactive package of the lecture"})


class GradebookColumnCreated(GradebookColumnOut):
    class_id = fields.Integer()
    subject = fields.String(attribute="subject_code")
    semester = fields.Integer()
    school_year = fields.String()


class GradebookScoresIn(Schema):
    scores = fields.Dict(keys=fields.String(validate=validate.Length(max=20)), values=GradebookScoreValue(allow_none=True),
                         required=True, validate=validate.Length(min=1, max=200),
                         metadata={"description": "student_id -> value (0..10 one decimal half up, Đ/CĐ, null "
                                                  "clears, or {value, absent, make_up, zero_no_makeup})"})


class GradebookCommentsIn(Schema):
    class_id = fields.Integer(required=True)
    subject = fields.String(required=True, validate=SUBJECT)
    semester = fields.Integer(required=True, validate=SEMESTER)
    comments = fields.Dict(keys=fields.Integer(), values=fields.String(allow_none=True, validate=validate.Length(max=2000)),
                           required=True, validate=validate.Length(min=1, max=200))


class GradebookSignatureBrief(Schema):
    id = fields.Integer()
    signer = fields.String(attribute="signer_name")
    role = fields.String()
    signed_at = fields.DateTime()
    invalidated_at = fields.DateTime(allow_none=True)
    invalidated_reason = fields.String(allow_none=True)


class GradebookRowOut(Schema):
    student_id = fields.Integer()
    full_name = fields.String()
    student_code = fields.String(allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                         metadata={"description": "column_id -> \"8.3\" | \"Đ\" | \"CĐ\" | null"})
    flags = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                        metadata={"description": "column_id -> [absent, make_up, zero_no_makeup, manual_override]"})
    average = fields.String(allow_none=True, metadata={"description": "ĐTBmhk (or Đ/CĐ); null if incomplete"})
    provisional = fields.String(allow_none=True, metadata={"description": "Tạm tính from the scores present"})
    test = fields.String(allow_none=True, metadata={"description": "Primary: the end-of-semester test (whole points)"})
    comment = fields.String(allow_none=True)


class GradebookOut(Schema):
    class_id = fields.Integer()
    class_name = fields.String()
    grade = fields.Integer()
    school_year = fields.String()
    subject = fields.String()
    subject_name = fields.String()
    graded_by = fields.String()
    semester = fields.Integer()
    required_tx = fields.Integer(allow_none=True)
    primary = fields.Boolean(metadata={"description": "Grades 1–5: Thông tư 27 (levels T/H/C, whole-point tests)"})
    locked = fields.Boolean(metadata={"description": "Signed: this gradebook or the class summary including it"})
    summary_locked = fields.Boolean(metadata={"description": "The class's semester summary is signed"})
    columns = fields.List(fields.Nested(GradebookColumnOut))
    rows = fields.List(fields.Nested(GradebookRowOut))
    issues = fields.List(fields.String())
    signatures = fields.List(fields.Nested(GradebookSignatureBrief))


class GradebookYearColumn(GradebookColumnOut):
    value = fields.String(allow_none=True)
    attempt_id = fields.Integer(allow_none=True, metadata={
        "description": "exam columns: the counted attempt, whose review is GET /attempts/{attempt_id}"})


class GradebookYearSemester(Schema):
    columns = fields.List(fields.Nested(GradebookYearColumn))
    average = fields.String(allow_none=True, metadata={"description": "ĐTBmhk, Đ/CĐ, or a primary level T/H/C"})
    provisional = fields.String(allow_none=True)
    test = fields.String(allow_none=True, metadata={"description": "Primary: the end-of-semester test"})


class GradebookClassification(Schema):
    level = fields.String(metadata={"description": "tot | kha | dat | chua_dat"})
    label = fields.String()
    unadjusted = fields.String()
    decisive_subject = fields.String(allow_none=True, metadata={"description": "Điều 9.3 adjustment cause"})


class GradebookYearSubject(Schema):
    subject = fields.String()
    name = fields.String()
    graded_by = fields.String()
    class_id = fields.Integer()
    semesters = fields.Dict(keys=fields.String(), values=fields.Nested(GradebookYearSemester))
    year_average = fields.String(allow_none=True, metadata={"description": "ĐTBmcn (or Đ/CĐ); null in primary"})
    primary = fields.Boolean()
    year_level = fields.String(allow_none=True, metadata={"description": "Primary: the year level T/H/C"})
    year_test = fields.String(allow_none=True, metadata={"description": "Primary: the end-of-year test"})


class GradebookStudentOut(Schema):
    student_id = fields.Integer()
    full_name = fields.String()
    school_year = fields.String(allow_none=True)
    school_years = fields.List(fields.String())
    subjects = fields.List(fields.Nested(GradebookYearSubject))
    semester_results = fields.Dict(keys=fields.String(), values=fields.Nested(GradebookClassification, allow_none=True))
    year_result = fields.Nested(GradebookClassification, allow_none=True)
    primary = fields.Boolean(metadata={"description": "A primary (Thông tư 27) year: see primary_result"})
    qualities = fields.Dict(keys=fields.String(), values=fields.String(),
                            metadata={"description": "Primary: quality code -> T | Đ | C"})
    primary_result = fields.Nested(lambda: PrimaryResultOut(), allow_none=True)
    primary_missing = fields.List(fields.String(), metadata={"description": "What the primary result waits for"})


class PrimaryResultOut(Schema):
    level = fields.String(metadata={"description": "hoan_thanh_xuat_sac | hoan_thanh_tot | hoan_thanh | "
                                                   "chua_hoan_thanh"})
    label = fields.String()


class GradebookChangeOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "score | lock | unlock"})
    column_id = fields.Integer(allow_none=True)
    student_id = fields.Integer(allow_none=True)
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)
    source = fields.String()
    reason = fields.String(allow_none=True)
    changed_by = fields.Integer(allow_none=True)
    changed_at = fields.DateTime()


class GradebookImportRow(Schema):
    row = fields.Integer()
    student_id = fields.Integer(allow_none=True)
    full_name = fields.String(allow_none=True)
    changed = fields.Integer()
    errors = fields.List(fields.String())


class GradebookImportOut(Schema):
    applied = fields.Boolean(metadata={"description": "False when any row failed: nothing was written"})
    changed = fields.Integer()
    rows = fields.List(fields.Nested(GradebookImportRow))
    errors = fields.List(fields.Dict())


class GradebookSignForm(Schema):
    """The text fields of the multipart sign request."""

    class_id = fields.Integer(required=True)
    subject = fields.String(required=True, validate=SUBJECT)
    semester = fields.Integer(required=True, validate=SEMESTER)
    password = fields.String(load_default="", validate=validate.Length(max=200))


class GradebookUnlockIn(Schema):
    class_id = fields.Integer(required=True)
    subject = fields.String(required=True, validate=SUBJECT)
    semester = fields.Integer(required=True, validate=SEMESTER)
    reason = fields.String(required=True, validate=validate.Length(min=5, max=1000,
                                                                   error="Lý do mở khóa từ 5 đến 1000 ký tự."))


class GradebookLockOut(Schema):
    class_id = fields.Integer()
    subject = fields.String(attribute="subject_code")
    semester = fields.Integer()
    locked = fields.Boolean()
    unlocked_at = fields.DateTime(allow_none=True)
    unlock_reason = fields.String(allow_none=True)


class SignatureTimestampOut(Schema):
    """A timestamp authority's word on when a signature existed."""

    time = fields.DateTime(metadata={"description": "The TSA's time (genTime)"})
    valid = fields.Boolean(metadata={"description": "The token is intact and correctly signed by the TSA"})
    trusted = fields.Boolean(metadata={"description": "The TSA's certificate chains to GRADEBOOK_TRUSTED_ROOTS"})


class GradebookVerifyOut(Schema):
    """Three separate answers, then the summary: a signature can be correct while the data moved on."""

    id = fields.Integer()
    valid = fields.Boolean(metadata={"description": (
        "Summary: true only when signature_valid and data_unchanged are true, signer_trusted is not false and "
        "the sign-off was not invalidated by an unlock")})
    signature_valid = fields.Boolean(metadata={"description": (
        "The CMS signature is mathematically correct over the stored snapshot (message digest, public key, a "
        "certificate allowed to sign and valid at signing time), whoever issued the certificate")})
    data_unchanged = fields.Boolean(metadata={"description": (
        "The stored snapshot still matches the hash recorded at signing and the gradebook still holds exactly "
        "that data")})
    signer_trusted = fields.Boolean(allow_none=True, metadata={"description": (
        "The certificate chains to one of GRADEBOOK_TRUSTED_ROOTS; null when no trusted roots are configured")})
    snapshot_intact = fields.Boolean(metadata={"description": (
        "The stored snapshot matches the hash recorded at signing (part of data_unchanged)")})
    signer = fields.String(allow_none=True)
    role = fields.String()
    signed_at = fields.DateTime(allow_none=True)
    chain_verified = fields.Boolean(metadata={"description": "Whether the trust chain was checked at all"})
    matches_current_data = fields.Boolean(metadata={"description": (
        "The gradebook's current data equals the signed snapshot (part of data_unchanged)")})
    invalidated_at = fields.DateTime(allow_none=True)
    invalidated_reason = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "Why valid is false, in Vietnamese"})
    timestamp = fields.Nested(SignatureTimestampOut, allow_none=True, metadata={"description": (
        "The RFC 3161 timestamp inside the signature (SIGNING_TSA_URL was set when signing); null when none")})


class GradebookQualitiesIn(Schema):
    class_id = fields.Integer(required=True)
    qualities = fields.Dict(keys=fields.Integer(), values=fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.String(allow_none=True, validate=validate.Length(max=20))),
        required=True, validate=validate.Length(min=1, max=200),
        metadata={"description": "student_id -> {quality code: T | Đ | C | null}"})


class GradebookQualitiesOut(Schema):
    class_id = fields.Integer()
    names = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "code -> name"})
    qualities = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()))


class ClassSummaryQuery(Schema):
    class_id = fields.Integer(required=True)
    semester = fields.Integer(required=True, validate=SEMESTER)


class ClassSummarySignForm(ClassSummaryQuery):
    """The text fields of the multipart class-summary sign request."""

    role = fields.String(required=True, validate=validate.OneOf(("homeroom", "principal")))
    password = fields.String(load_default="", validate=validate.Length(max=200))


class ClassSummaryUnlockIn(ClassSummaryQuery):
    reason = fields.String(required=True, validate=validate.Length(min=5, max=1000,
                                                                   error="Lý do mở khóa từ 5 đến 1000 ký tự."))


class ClassSummarySubject(Schema):
    code = fields.String()
    name = fields.String()
    graded_by = fields.String()


class ClassSummaryRow(Schema):
    student_id = fields.String()
    full_name = fields.String()
    results = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                          metadata={"description": "subject -> ĐTBmhk | Đ | CĐ | T | H | C | null"})
    tests = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                        metadata={"description": "Primary: subject -> end-of-semester test"})
    result = fields.Dict(allow_none=True, metadata={"description": "TT22 classification {level, label, unadjusted, "
                                                                  "decisive_subject} or primary {level, label}"})


class ClassSummaryOut(Schema):
    class_id = fields.Integer()
    class_name = fields.String()
    school_year = fields.String()
    grade = fields.Integer()
    semester = fields.Integer()
    primary = fields.Boolean()
    subjects = fields.List(fields.Nested(ClassSummarySubject))
    rows = fields.List(fields.Nested(ClassSummaryRow))
    complete = fields.Boolean(metadata={"description": "Every student has every result: the summary can be signed"})
    missing = fields.List(fields.String())
    locked = fields.Boolean()
    unlock_reason = fields.String(allow_none=True)
    signatures = fields.List(fields.Nested(GradebookSignatureBrief))
