from __future__ import annotations

from marshmallow import Schema, fields, validate


class SubjectOut(Schema):
    code = fields.String()
    name = fields.String()
    graded_by = fields.String(metadata={"enum": ["score", "comment"]})
    periods_per_year = fields.Dict(keys=fields.String(), values=fields.Integer())


class TopicIn(Schema):
    subject = fields.String(required=True)
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent_id = fields.Integer(load_default=None, allow_none=True)


class TopicOut(Schema):
    id = fields.Integer()
    subject = fields.String(attribute="subject_code")
    grade = fields.Integer()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    position = fields.Integer()


class TopicQuery(Schema):
    subject = fields.String(load_default=None)
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12))


class TopicPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    position = fields.Integer(validate=validate.Range(min=0, max=10000))


class TopicImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "only report what would happen"})


class TopicImportRow(Schema):
    row = fields.Integer()
    subject = fields.String()
    grade = fields.Integer(allow_none=True)
    topic = fields.String()
    subtopic = fields.String()
    status = fields.String(metadata={"enum": ["created", "exists", "error"]})
    message = fields.String()


class TopicImportError(Schema):
    row = fields.Integer()
    message = fields.String()


class TopicImportOut(Schema):
    dry_run = fields.Boolean(metadata={"description": "true when nothing was written (a preview, or rows failed)"})
    created = fields.Integer(metadata={"description": "topics added (or that would be added)"})
    existing = fields.Integer(metadata={"description": "rows already in the tree"})
    errors = fields.List(fields.Nested(TopicImportError))
    rows = fields.List(fields.Nested(TopicImportRow))
