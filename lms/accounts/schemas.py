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
    must_change_password = fields.Boolean(metadata={
        "description": "The password was issued (account card, reset): every other API call answers 403 "
                       "password-change-required until POST /me/password."})


class PasswordResetOut(Schema):
    user_id = fields.Integer()
    username = fields.String()
    password = fields.String(metadata={"description": "The new first-login password; shown once, never stored."})


class UserAccountOut(UserOut):
    """What an admin sees of an account."""

    active = fields.Boolean(metadata={"description": "false: suspended, cannot sign in, every session ended"})
    student_code = fields.String(allow_none=True)
    last_seen_at = fields.DateTime(allow_none=True, metadata={"description": "last request, to a few minutes"})
    created_at = fields.DateTime()


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
    role = fields.String(validate=validate.OneOf(ROLES), metadata={
        "description": "a changed role or school is refused (409) while the user is still in another school's class"})
    school_id = fields.Integer(allow_none=True)
    student_code = fields.String(allow_none=True, validate=validate.Length(max=40))
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


class RosterRowOut(Schema):
    row = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String(allow_none=True)
    class_name = fields.String(allow_none=True)
    action = fields.String(metadata={"description": "create | update | error"})
    new_class = fields.Boolean(metadata={"description": "the row's class does not exist yet and will be created"})
    messages = fields.List(fields.String())


class RosterResultOut(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    dry_run = fields.Boolean()
    classes_created = fields.List(fields.String())
    errors = fields.List(fields.Nested(RosterRowError))
    rows = fields.List(fields.Nested(RosterRowOut), metadata={"description": "Per-row report (what each row does)."})
    initial_passwords = fields.List(fields.Nested(InitialPassword),
                                    metadata={"description": "Generated passwords for new users without one; shown once."})


class RosterQuery(Schema):
    school_id = fields.Integer(load_default=None)
    partial = fields.Boolean(load_default=False, metadata={"description": "Import the good rows even if some fail."})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check every row and report; write nothing."})
    create_classes = fields.Boolean(load_default=False, metadata={
        "description": "Create classes the roster names that do not exist yet (grade from the name, 10A1 -> 10)."})
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR, metadata={
        "description": "Year of the classes to match or create; default: the current school year."})


class SchoolIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SchoolOut(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()


class SchoolPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    code = fields.String(validate=validate.Length(min=1, max=40))


class SchoolYearIn(Schema):
    name = fields.String(required=True, validate=SCHOOL_YEAR)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    is_current = fields.Boolean(load_default=False)


class SchoolYearOut(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    is_current = fields.Boolean()


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


class ClassPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=40))
    grade = fields.Integer(validate=validate.Range(min=1, max=12))
    school_year = fields.String(validate=SCHOOL_YEAR)
    homeroom_teacher_id = fields.Integer(allow_none=True)


class ClassMemberOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()


class ClassQuery(Schema):
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR)
    school_id = fields.Integer(load_default=None)


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
    teacher_name = fields.Function(lambda a: a.teacher.full_name if a.teacher else None)


class GuardianIn(Schema):
    parent_id = fields.Integer(required=True)
    relation = fields.String(load_default="", validate=validate.Length(max=40),
                             metadata={"description": "mẹ, bố, ông, bà, người giám hộ..."})


class GuardianOut(Schema):
    parent_id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    relation = fields.String()


class ChildOut(Schema):
    id = fields.Integer()
    full_name = fields.String()
    #: The class of the newest school year the child is enrolled in.
    _class = fields.String(data_key="class", attribute="class", allow_none=True)
    class_id = fields.Integer(allow_none=True)
    school = fields.String(allow_none=True)
    school_year = fields.String(allow_none=True)
    relation = fields.String()
