"""Request and response schemas of the question-bank API (teacher/department audience only).

Type-specific fields (options, statements, answer, answers, pairs, items, text, gaps, rubric, ...) pass
through as raw JSON: the type registry (``question_bank.types.validate``) owns their rules and reports field
errors in the same ``errors`` shape. There is no student schema here on purpose: students get no bank route.
"""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates

from .models import LEVELS, STATUSES
from .transfer import EXPORT_FORMATS, IMPORT_FORMATS
from .types import type_names

_TAG = fields.String(validate=validate.Length(min=1, max=50))
#: Ids beyond a 32-bit integer cannot exist; refusing them keeps PostgreSQL from raising on the comparison.
ID_RANGE = validate.Range(min=1, max=2**31 - 1)


def _type_fields() -> dict:
    described = {
        "options": "single/multiple_choice: [{id?, text, correct, feedback?}]; multiple_choice options may carry "
                   "weight (a percentage, negative allowed; correct ones sum to 100, as Moodle's partial credit)",
        "statements": "true_false_group: [{id?, text, correct}]",
        "answer": "true_false: true|false",
        "answers": "short_answer: [{text, feedback?}|{value, tolerance, feedback?}]",
        "name": "the question's name in Moodle/GIFT/QTI (kept and written back on export)",
        "idnumber": "the question's ID number in Moodle (kept and written back on export)",
        "pairs": "matching: [{id?, left, right}]",
        "items": "ordering: [{id?, text}] in the correct order",
        "text": "cloze: text with {{1}} gaps",
        "gaps": "cloze: [{id, answers:[...]}]",
        "rubric": "essay: marking guide (HTML)",
        "rule": "short_answer: \"thpt2025\" (at most 4 characters of -, comma, digits)",
        "ignore_diacritics": "short_answer/cloze: compare without Vietnamese diacritics",
    }
    return {name: fields.Raw(allow_none=True, metadata={"description": text}) for name, text in described.items()}


#: The type-specific fields shared by the write, patch and teacher schemas (checked by the type registry).
QuestionTypeFields = Schema.from_dict(_type_fields(), name="QuestionTypeFields")


class QuestionWrite(QuestionTypeFields):
    """POST /questions: classification plus the teacher body of version 1."""

    type = fields.String(required=True, validate=validate.OneOf(type_names()))
    stem = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100_000),
                         metadata={"description": "Sanitised HTML; LaTeX between $...$ or $$...$$"})
    explanation = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100_000))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=40))
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    topic_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    difficulty = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    tags = fields.List(_TAG, load_default=list, validate=validate.Length(max=20))
    scope = fields.String(load_default="personal", validate=validate.OneOf(("personal", "school")),
                          metadata={"description": "shared is reached only through submit and review"})


class QuestionPatch(QuestionTypeFields):
    """PATCH /questions/{id}: any subset; body fields change the content (a new version), the rest classify."""

    type = fields.String(validate=validate.OneOf(type_names()))
    stem = fields.String(allow_none=True, validate=validate.Length(max=100_000))
    explanation = fields.String(allow_none=True, validate=validate.Length(max=100_000))
    subject = fields.String(validate=validate.Length(min=1, max=40))
    grade = fields.Integer(validate=validate.Range(min=1, max=12))
    topic_id = fields.Integer(allow_none=True, validate=ID_RANGE)
    level = fields.String(validate=validate.OneOf(LEVELS))
    difficulty = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=5))
    tags = fields.List(_TAG, validate=validate.Length(max=20))
    scope = fields.String(validate=validate.OneOf(("personal", "school")))


class QuestionTeacher(QuestionTypeFields):
    """A question as staff see it: the version's body with its keys, classification and curation state."""

    id = fields.Integer()
    version = fields.Integer()
    latest_version = fields.Integer()
    type = fields.String()
    stem = fields.String()
    explanation = fields.String()
    subject = fields.String()
    grade = fields.Integer()
    topic_id = fields.Integer(allow_none=True)
    level = fields.String()
    difficulty = fields.Integer(allow_none=True)
    tags = fields.List(fields.String())
    status = fields.String()
    scope = fields.String()
    owner_id = fields.Integer()
    school_id = fields.Integer(allow_none=True)
    review_comment = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version_created_at = fields.DateTime()

    def get_attribute(self, obj, attr, default):
        # Views are dicts; marshmallow would otherwise fall back to dict attributes (``items`` is dict.items).
        return obj.get(attr, default) if isinstance(obj, dict) else super().get_attribute(obj, attr, default)


class QuestionSubmitted(QuestionTeacher):
    duplicates = fields.List(fields.Integer(), metadata={
        "description": "Ids of near-duplicate questions already in the bank (flagged for the reviewer, not refused)"})


class QuestionQuery(Schema):
    subject = fields.String(load_default=None, validate=validate.Length(max=40))
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12))
    topic_id = fields.Integer(load_default=None, validate=ID_RANGE)
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    type = fields.String(load_default=None, validate=validate.OneOf(type_names()))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    scope = fields.String(load_default=None, validate=validate.OneOf(("personal", "school", "shared")))
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    mine = fields.Boolean(load_default=False, metadata={"description": "Only the caller's own questions"})


class QuestionVersionQuery(Schema):
    version = fields.Integer(load_default=None, validate=ID_RANGE,
                             metadata={"description": "An older version (default: the latest)"})


class QuestionAuditOut(Schema):
    id = fields.Integer()
    action = fields.String(metadata={"description": "created|imported|edited|submitted|published|approved|"
                                                    "rejected|deleted"})
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    at = fields.DateTime()
    detail = fields.Dict(metadata={"description": "e.g. {version, fields} for edits, {comment} for reviews"})


class QuestionSubmitIn(Schema):
    scope = fields.String(load_default="shared", validate=validate.OneOf(("shared", "school")), metadata={
        "description": "shared: to the department's review queue; school: published to the author's school"})


class QuestionReviewIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class QuestionImportQuery(Schema):
    format = fields.String(required=True, validate=validate.OneOf(IMPORT_FORMATS))
    mode = fields.String(load_default="all_or_nothing", validate=validate.OneOf(("all_or_nothing", "partial")))
    dry_run = fields.Boolean(load_default=False)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "Subject code of the imported questions"})
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12), metadata={
        "description": "Grade of the imported questions"})
    topic_id = fields.Integer(load_default=None, validate=ID_RANGE)
    level = fields.String(load_default="nhan_biet", validate=validate.OneOf(LEVELS), metadata={
        "description": "Level for items whose file gives none"})


class QuestionImportError(Schema):
    item = fields.Integer(allow_none=True)
    line = fields.Integer(allow_none=True)
    location = fields.String()
    message = fields.String()


class QuestionImportChoice(Schema):
    label = fields.String(metadata={"description": "A, B, … for options; a), b), … for statements"})
    text = fields.String(metadata={"description": "sanitised HTML"})
    correct = fields.Boolean(metadata={"description": "the detected key (statements: true means Đúng)"})


class QuestionImportItem(Schema):
    location = fields.String()
    type = fields.String()
    title = fields.String()
    stem = fields.String(metadata={"description": "sanitised HTML; embedded images shown as placeholders"})
    choices = fields.List(fields.Nested(QuestionImportChoice))
    answer = fields.String(metadata={"description": "the detected answer as the key table prints it: B, ĐSĐS, -1,5"})
    level = fields.String(allow_none=True)
    has_explanation = fields.Boolean()


class QuestionImportTopic(Schema):
    path = fields.String(metadata={"description": "topic names from the subject's root, joined by /"})
    topic_id = fields.Integer(allow_none=True, metadata={"description": "null in a dry run for a new topic"})
    new = fields.Boolean(metadata={"description": "the topic did not exist: created by the import"})
    questions = fields.Integer()


class QuestionImportOut(Schema):
    imported = fields.Integer()
    question_ids = fields.List(fields.Integer())
    errors = fields.List(fields.Nested(QuestionImportError))
    warnings = fields.List(fields.Nested(QuestionImportError), metadata={
        "description": "Changes to questions that are still imported (a picture the web cannot show)"})
    dry_run = fields.Boolean()
    importable = fields.Integer(metadata={"description": "Items that passed validation"})
    items = fields.List(fields.Nested(QuestionImportItem))
    topics = fields.List(fields.Nested(QuestionImportTopic), metadata={
        "description": "Categories in the file (GIFT $CATEGORY, Moodle XML category) mapped to curriculum topics"})


class QuestionExportQuery(Schema):
    format = fields.String(required=True, validate=validate.OneOf(EXPORT_FORMATS))
    ids = fields.String(required=True, metadata={"description": "Comma-separated question ids: 1,2,3"})

    @validates("ids")
    def _ids(self, value, **_kwargs):
        if not re.fullmatch(r"\d{1,9}(,\d{1,9}){0,499}", value.replace(" ", "")):
            raise ValidationError("Danh sách mã câu hỏi dạng 1,2,3 (tối đa 500).")
