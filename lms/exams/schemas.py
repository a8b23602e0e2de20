"""Request and response schemas of the exams API, per direction and audience (names prefixed ``Exam``).

The student-facing attempt schema carries the paper as the bank's ``student_view`` built it; review fields
(points earned, keys, explanations) are added by lms.exams.attempts.document only when the policy allows.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from . import rules

POINTS = fields.Decimal(places=2, as_string=True, allow_none=True)


def _non_negative(value):
    # A plain function, not validate.Range: apispec would print a Decimal bound as a string and break the spec.
    if value < 0 or value > 100:
        raise ValidationError("Điểm phải từ 0 đến 100.")


def _points(**kw):
    return fields.Decimal(places=2, as_string=True, allow_nan=False, **kw)


class ExamBlueprintCell(Schema):
    topic_id = fields.Integer(load_default=None, allow_none=True)
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(rules.LEVELS))
    type = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=rules.MAX_QUESTIONS_PER_EXAM))


class ExamSectionIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    points_per_question = _points(load_default=None, allow_none=True, validate=_non_negative,
                                  metadata={"description": "Omit for thpt2025: the legal points per form."})
    scoring = fields.String(load_default="proportional", validate=validate.OneOf(rules.SCORING_POLICIES))
    question_ids = fields.List(fields.Integer(), load_default=None, allow_none=True,
                               validate=validate.Length(max=rules.MAX_QUESTIONS_PER_EXAM))
    blueprint = fields.List(fields.Nested(ExamBlueprintCell), load_default=None, allow_none=True,
                            validate=validate.Length(max=100))
    fill = fields.String(load_default="fixed", validate=validate.OneOf(rules.FILL_MODES),
                         metadata={"description": "fixed: one draw for everyone; per_student: a draw per attempt"})


class ExamGradebookLink(Schema):
    column_kind = fields.String(required=True, validate=validate.OneOf(rules.GRADEBOOK_KINDS))
    semester = fields.Integer(required=True, validate=validate.OneOf((1, 2)))
    columns = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^\d+$")), values=fields.Integer(allow_none=True),
                          load_default=None, allow_none=True, metadata={
                              "description": "{class_id: column_id}: fill an existing gradebook column of that "
                                             "class (same subject, semester and kind) instead of adding one; "
                                             "a new column must fit the Thông tư 22 counts (else 422)"})


class ExamWrite(Schema):
    """POST /exams (PATCH takes the same fields, all optional)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=40))
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    class_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=50))
    mode = fields.String(load_default="exam", validate=validate.OneOf(rules.MODES))
    duration_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=600))
    opens_at = fields.AwareDateTime(load_default=None, allow_none=True)
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True)
    max_attempts = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100))
    shuffle_questions = fields.Boolean(load_default=False)
    shuffle_options = fields.Boolean(load_default=False)
    review = fields.String(load_default="after_submit", validate=validate.OneOf(rules.REVIEW_POLICIES))
    counted = fields.String(load_default="best", validate=validate.OneOf(rules.COUNTED_POLICIES))
    gradebook = fields.Nested(ExamGradebookLink, load_default=None, allow_none=True)
    draw_seed = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9a-f]{8,32}$"),
                              metadata={"description": "from POST /exams/preview: draw exactly the previewed paper"})
    preset = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60),
                           metadata={"description": "An EXAM_PRESETS name (thpt2025-toan, ...): sections from "
                                                    "the 2025 format, filled from the bank"})
    sections = fields.List(fields.Nested(ExamSectionIn), load_default=None, allow_none=True,
                           validate=validate.Length(max=20))

    @validates_schema
    def _window(self, data, **kwargs):
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            raise ValidationError("Giờ đóng phải sau giờ mở.", "closes_at")


class ExamPreviewIn(ExamWrite):
    """POST /exams/preview: the exam form as it stands; classes are not needed to see the paper."""

    class_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))
    title = fields.String(load_default="", validate=validate.Length(max=200))


class PreviewQuestionOut(Schema):
    id = fields.Integer(attribute="question_id")
    version = fields.Integer()
    type = fields.String()
    level = fields.String()
    topic_id = fields.Integer(allow_none=True)
    body = fields.Dict(metadata={"description": "the teacher's view of the question, key included"})


class PreviewSectionOut(Schema):
    title = fields.String()
    fill = fields.String(metadata={"description": "per_student: one sample draw; every student gets their own"})
    points_per_question = fields.String(allow_none=True)
    questions = fields.List(fields.Nested(PreviewQuestionOut))


class PaperPreviewOut(Schema):
    draw_seed = fields.String(metadata={"description": "send it with POST /exams to assign exactly this paper"})
    total = fields.Integer()
    sections = fields.List(fields.Nested(PreviewSectionOut))


class ExamPatch(ExamWrite):
    """PATCH /exams/{id}: any subset of the fields of ExamWrite."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)

    def load(self, data, **kwargs):
        loaded = super().load(data, **kwargs)
        # partial loading still fills load_default values; keep only what the caller sent.
        sent = set(data) if isinstance(data, dict) else set()
        return {k: v for k, v in loaded.items() if k in sent}


class ExamSectionOut(Schema):
    title = fields.String()
    points_per_question = POINTS
    scoring = fields.String()
    fill = fields.String()
    question_ids = fields.Method("_ids")
    blueprint = fields.List(fields.Dict(), allow_none=True)
    overrides = fields.Dict()

    def _ids(self, section):
        return [q for q, _ in section.get("items") or []] or None


class ExamOut(Schema):
    id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    grade = fields.Integer()
    class_ids = fields.List(fields.Integer())
    mode = fields.String()
    duration_minutes = fields.Integer(allow_none=True)
    opens_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)
    max_attempts = fields.Integer(allow_none=True)
    shuffle_questions = fields.Boolean()
    shuffle_options = fields.Boolean()
    review = fields.String()
    counted = fields.String()
    gradebook = fields.Method("_gradebook", metadata={"description": "{column_kind, semester} or null"})
    scores_released_at = fields.DateTime(allow_none=True, metadata={
        "description": "when the teacher released the scores to students (công bố điểm); null while unreleased"})
    preset = fields.String(allow_none=True)
    owner_id = fields.Integer()
    school_year = fields.String()
    sections = fields.Method("_sections", metadata={"description": "teachers only"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    papers = fields.Method("_papers", metadata={
        "description": "the job drawing each student's paper ahead of the exam: {state: queued|running|done|failed|"
                       "null, total, done} (a student without a drawn paper gets one when starting)"})

    def _papers(self, exam):
        return {"state": exam.papers_state, "total": exam.papers_total or 0, "done": exam.papers_done or 0}

    def _gradebook(self, exam):
        return {"column_kind": exam.gradebook_kind, "semester": exam.gradebook_semester} if exam.gradebook_kind \
            else None

    def _sections(self, exam):
        return ExamSectionOut(many=True).dump(exam.sections or [])


class AttemptSummaryOut(Schema):
    """One submitted attempt in the student's exam list: where its review is and, if the policy shows it, the
    score out of 10."""

    id = fields.Integer()
    number = fields.Integer()
    status = fields.String(metadata={"enum": ["needs_grading", "graded"]})
    submitted_at = fields.DateTime(allow_none=True)
    review = fields.String(metadata={"description": "what the review shows now: none | score | points | full"})
    score_10 = fields.Decimal(as_string=True, allow_none=True)


class ExamStudentOut(Schema):
    """An exam as a student sees it in their list: no sections, plus their own progress."""

    id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    grade = fields.Integer()
    mode = fields.String()
    duration_minutes = fields.Integer(allow_none=True)
    opens_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)
    max_attempts = fields.Integer(allow_none=True)
    review = fields.String()
    attempts_used = fields.Integer()
    open_attempt_id = fields.Integer(allow_none=True)
    attempts = fields.List(fields.Nested(AttemptSummaryOut), metadata={"description": "submitted attempts"})
    last_attempt = fields.Nested(AttemptSummaryOut, allow_none=True)
    scores_released = fields.Boolean(metadata={"description": "the teacher released the scores (công bố điểm)"})


class ExamReleaseIn(Schema):
    released = fields.Boolean(load_default=True, metadata={"description": "false withdraws a release"})


class ExamAssignedListOut(Schema):
    items = fields.List(fields.Nested(ExamStudentOut))


class ExamAssignedQuery(Schema):
    student_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=rules.MAX_SEQ),
                                metadata={"description": "A teacher of the student asks for what the student sees"})


class ExamQuery(Schema):
    class_id = fields.Integer(load_default=None)
    subject = fields.String(load_default=None, validate=validate.Length(max=40))


class ExamVersionsIn(Schema):
    count = fields.Integer(required=True, validate=validate.Range(min=1, max=rules.MAX_PAPER_VERSIONS))


class ExamPaperVersionOut(Schema):
    code = fields.String()
    question_order = fields.Method("_order")
    option_orders = fields.Dict()
    answer_key = fields.Dict()

    def _order(self, version):
        return [q for q, _ in version.question_order]


class ExamExportQuery(Schema):
    format = fields.String(load_default="docx", validate=validate.OneOf(("docx",)))


class ExamAnswersIn(Schema):
    answers = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^\d{1,12}$")), values=fields.Raw(allow_none=True),
                          required=True, validate=validate.Length(max=rules.MAX_QUESTIONS_PER_EXAM))
    seq = fields.Integer(load_default=None, allow_none=True, strict=True,
                         validate=validate.Range(min=0, max=rules.MAX_SEQ),
                         metadata={"description": "The client's increasing counter of saves of this attempt: a "
                                                  "save older than the one that wrote a question's stored answer "
                                                  "leaves that answer unchanged (still 200)"})


class ExamSavedOut(Schema):
    saved_at = fields.DateTime()
    seq = fields.Integer(allow_none=True, metadata={"description": "The request's seq, echoed"})


class ExamAttemptResultOut(Schema):
    id = fields.Integer()
    status = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    score = POINTS
    max_score = POINTS
    score_10 = fields.Decimal(places=1, as_string=True, allow_none=True)


class ExamAttemptOut(Schema):
    """An attempt: the paper (student view) in this attempt's order, saved answers, review per policy."""

    id = fields.Integer()
    exam_id = fields.Integer()
    exam_title = fields.String()
    mode = fields.String()
    number = fields.Integer()
    status = fields.String()
    started_at = fields.DateTime()
    deadline = fields.DateTime(allow_none=True)
    server_now = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    grace_seconds = fields.Integer()
    review = fields.String(metadata={"description": "none | score | points | full: what this viewer may see"})
    questions = fields.Method("_questions", metadata={"description": "[{id, number, type, points, section, stem, "
                                                                     "options|statements|...}]"})
    answers = fields.Dict(metadata={"description": "{question_id: answer} as saved"})
    seq = fields.Integer(allow_none=True, metadata={"description": "The highest save seq stored for this "
                                                                   "attempt: a client resuming on another device "
                                                                   "counts on from it"})
    score = POINTS
    max_score = POINTS
    score_10 = fields.Decimal(places=1, as_string=True, allow_none=True)

    def _questions(self, doc):
        out = []
        for q in doc["questions"]:
            q = dict(q)
            for key in ("points", "points_earned"):
                if key in q and q[key] is not None:
                    q[key] = str(q[key])
            out.append(q)
        return out


class ExamGradeIn(Schema):
    points = _points(required=True, validate=_non_negative)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class ExamRegradeIn(Schema):
    question_id = fields.Integer(required=True)
    action = fields.String(required=True, validate=validate.OneOf(("new_version", "full_credit", "drop")))
    dry_run = fields.Boolean(load_default=True)


class ExamRegradeChange(Schema):
    attempt_id = fields.Integer()
    student_id = fields.Integer()
    full_name = fields.String()
    old_score = POINTS
    new_score = POINTS
    old_score_10 = fields.Decimal(places=1, as_string=True, allow_none=True)
    new_score_10 = fields.Decimal(places=1, as_string=True, allow_none=True)


class ExamRegradeOut(Schema):
    question_id = fields.Integer()
    action = fields.String()
    dry_run = fields.Boolean()
    changes = fields.List(fields.Nested(ExamRegradeChange))


class ExamResultsQuery(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))


class ExamResultAttempt(Schema):
    id = fields.Integer()
    number = fields.Integer()
    status = fields.String()
    started_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    score = POINTS
    max_score = POINTS
    score_10 = fields.Decimal(places=1, as_string=True, allow_none=True)


class ExamResultRow(Schema):
    student_id = fields.Integer()
    full_name = fields.String()
    username = fields.String()
    class_name = fields.String()
    status = fields.String(metadata={"description": "not_started | in_progress | needs_grading | graded"})
    attempts = fields.List(fields.Nested(ExamResultAttempt))
    counted_attempt_id = fields.Integer(allow_none=True)
    score = POINTS
    score_10 = fields.Decimal(places=1, as_string=True, allow_none=True)


class ExamResultsOut(Schema):
    exam_id = fields.Integer()
    title = fields.String()
    counted = fields.String()
    max_score = POINTS
    rows = fields.List(fields.Nested(ExamResultRow))


class ExamStatisticsOut(Schema):
    exam_id = fields.Integer()
    computed_at = fields.String()
    attempts = fields.Integer()
    mean = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    sd = fields.Float(allow_none=True)
    max_score = fields.Float(allow_none=True)
    histogram = fields.List(fields.Dict(), metadata={"description": "[{from, to, count}] on the 0-10 scale"})
    reliability = fields.Dict(metadata={"description": "{kr20, alpha, items}"})
    questions = fields.List(fields.Dict(), metadata={"description": "per question: facility, discrimination, "
                                                                    "point_biserial, option_counts, flags"})
