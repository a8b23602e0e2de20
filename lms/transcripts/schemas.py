"""Request and response schemas of the học bạ số API."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from lms.gradebook.api import SignatureTimestampOut, transcript_vocabulary

SCHOOL_YEAR = validate.Regexp(r"^\d{4}-\d{4}$", error="Năm học có dạng 2026-2027.")


class TranscriptIn(Schema):
    student_id = fields.Integer(load_default=None)
    class_id = fields.Integer(load_default=None, metadata={"description": "a class: every student, as a job"})
    school_year = fields.String(required=True, validate=SCHOOL_YEAR)
    homeroom_comment = fields.String(load_default="", validate=validate.Length(max=2000))
    conduct = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("1", "2", "year"))),
        values=fields.String(validate=validate.OneOf(tuple(transcript_vocabulary()["conduct"]))),
        load_default=None, metadata={"description": (
            "Secondary only (TT22): the homeroom teacher's training result (kết quả rèn luyện) per semester "
            "(\"1\", \"2\") and for the year (\"year\"): tot | kha | dat | chua_dat")})

    @validates_schema
    def one_target(self, data, **_):
        if (data.get("student_id") is None) == (data.get("class_id") is None):
            raise ValidationError("Chọn một học sinh (student_id) hoặc một lớp (class_id).", "student_id")


class BatchOut(Schema):
    id = fields.Integer()
    kind = fields.Constant("class")
    class_id = fields.Integer()
    school_year = fields.String()
    status = fields.String(metadata={"description": "queued | running | done | failed"})
    total = fields.Integer()
    done = fields.Integer()
    ids = fields.List(fields.Integer(), attribute="transcript_ids")
    error = fields.String()


class TranscriptSignForm(Schema):
    password = fields.String(load_default="", validate=validate.Length(max=200))
    as_ = fields.String(data_key="as", load_default=None, validate=validate.OneOf(("homeroom", "principal", "seal")))


class SignatureOut(Schema):
    role = fields.String()
    name = fields.String()
    signed_at = fields.String()


class TranscriptOut(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    class_id = fields.Integer()
    school_year = fields.String()
    status = fields.String(metadata={"description": "draft | signed_homeroom | signed"})
    stale = fields.Boolean()
    conduct = fields.Dict(allow_none=True, metadata={"description": "The TT22 training result printed, or null"})
    signatures = fields.List(fields.Nested(SignatureOut))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class VerifiedSignerOut(Schema):
    name = fields.String()
    role = fields.String()
    signed_at = fields.DateTime(allow_none=True)
    trusted = fields.Boolean()
    intact = fields.Boolean()
    valid = fields.Boolean()
    timestamp = fields.Nested(SignatureTimestampOut, allow_none=True, metadata={"description": (
        "The RFC 3161 signature timestamp (SIGNING_TSA_URL was set when signing); null when none")})


class VerifyOut(Schema):
    valid = fields.Boolean()
    intact = fields.Boolean()
    modified_after_signing = fields.Boolean()
    signers = fields.List(fields.Nested(VerifiedSignerOut))
