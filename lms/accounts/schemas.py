"""Request and response schemas of the accounts API, one per direction and audience."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from lms.core.permissions import ROLES

SCHOOL_YEAR = validate.Regexp(r"^\d{4}-\d{4}$", error="Năm học có dạng 2026-2027.")


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    school_id = fields.Integer(allow_none=True)


class UserAccountOut(UserOut):
    """What an admin sees of an account."""

    active = fields.Boolean(metadata={"description": "false: suspended, cannot sign in, every session ended"})


class TokenOut(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)


class UserCreate(Schema):
    username = fields.String(required=True, validate=[validate.Length(min=3, max=80),
                                                       validate.Regexp(r"^[A-Za-z0-9._@-]+$",
                                                                       error="Chỉ dùng chữ không dấu, số, . _ @ -")])
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    full_name = fields.String(load_default="", validate=validate.Length(max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    school_id = fields.Integer(load_default=None, allow_none=True)
    student_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class UserUpdate(Schema):
    """An admin's edit of an account; every field optional."""

    full_name = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean(metadata={"description": "false suspends the account and ends its sessions and tokens"})
    password = fields.String(load_only=True, validate=validate.Length(max=200),
                             metadata={"description": "A new password (the password policy applies); ends every "
                                                      "session and token of the account"})


class PasswordChange(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200),
                                 metadata={"description": "At least 10 characters, not a common password"})


class UserQuery(Schema):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    school_id = fields.Integer(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))


class RosterRowError(Schema):
    row = fields.Integer()
    message = fields.String()


class InitialPassword(Schema):
    username = fields.String()
    password = fields.String()


class RosterResultOut(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    errors = fields.List(fields.Nested(RosterRowError))
    initial_passwords = fields.List(fields.Nested(InitialPassword),
                                    metadata={"description": "Generated passwords for new users without one; shown once."})


class RosterQuery(Schema):
    school_id = fields.Integer(load_default=None)
    partial = fields.Boolean(load_default=False, metadata={"description": "Import the good rows even if some fail."})


class SchoolIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SchoolOut(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()


class ClassIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    school_id = fields.Integer(required=True)
    school_year = fields.String(required=True, validate=SCHOOL_YEAR)
    homeroom_teacher_id = fields.Integer(load_default=None, allow_none=True)


class ClassOut(Schema):
    id = fields.Integer()
    name = fields.String()
    grade = fields.Integer()
    school_id = fields.Integer()
    school_year = fields.String()
    homeroom_teacher_id = fields.Integer(allow_none=True)


class ClassQuery(Schema):
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR)


class StudentIds(Schema):
    student_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=1000))


class EnrolmentOut(Schema):
    class_id = fields.Integer()
    student_ids = fields.List(fields.Integer())


class TeacherAssignmentIn(Schema):
    teacher_id = fields.Integer(required=True)
    subject = fields.String(required=True)


class TeacherAssignmentOut(Schema):
    class_id = fields.Integer()
    teacher_id = fields.Integer()
    subject = fields.String(attribute="subject_code")
