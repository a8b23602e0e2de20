"""Request and response schemas of the học bạ số API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

SCHOOL_YEAR = validate.Regexp(r"^\d{4}-\d{4}$", error="Năm học có dạng 2026-2027.")


class TranscriptIn(Schema):
    student_id = fields.Integer(required=True)
    school_year = fields.String(required=True, validate=SCHOOL_YEAR)
    homeroom_comment = fields.String(load_default="", validate=validate.Length(max=2000))


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


class VerifyOut(Schema):
    valid = fields.Boolean()
    intact = fields.Boolean()
    modified_after_signing = fields.Boolean()
    signers = fields.List(fields.Nested(VerifiedSignerOut))
