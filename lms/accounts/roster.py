"""Roster import from CSV or XLSX: every row is checked first, and nothing is written if any row fails."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from lms.core.permissions import PARENT, ROLES, STUDENT, TEACHER

from . import guardians, passwords, services, years
from .models import Enrolment, School, SchoolClass, User

MAX_ROSTER_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Vietnamese role names as teachers type them in spreadsheets.
ROLE_ALIASES = {
    "hoc sinh": STUDENT, "hs": STUDENT, "student": STUDENT,
    "giao vien": TEACHER, "gv": TEACHER, "teacher": TEACHER,
}
HEADER_ALIASES = {
    "username": "username", "ten dang nhap": "username", "tai khoan": "username",
    "full_name": "full_name", "ho va ten": "full_name", "ho ten": "full_name", "name": "full_name",
    "role": "role", "vai tro": "role",
    "class": "class", "lop": "class",
    "password": "password", "mat khau": "password",
    "student_code": "student_code", "ma hoc sinh": "student_code", "ma hs": "student_code",
    "school": "school", "truong": "school", "ma truong": "school",
    "parent_username": "parent_username", "tai khoan phu huynh": "parent_username",
    "ten dang nhap phu huynh": "parent_username",
    "parent_full_name": "parent_full_name", "ho ten phu huynh": "parent_full_name",
    "ho va ten phu huynh": "parent_full_name", "phu huynh": "parent_full_name",
    "parent_relation": "parent_relation", "quan he": "parent_relation",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if unicodedata.category(c) != "Mn").strip().lower()


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    dry_run: bool = False
    errors: list[dict] = field(default_factory=list)
    initial_passwords: list[dict] = field(default_factory=list)
    #: One entry per data row: what it does (create/update/error), for the preview and the report.
    rows: list[dict] = field(default_factory=list)
    classes_created: list[str] = field(default_factory=list)
    #: Ids of the classes the roster's students are in, for printing their account cards next.
    class_ids: list[int] = field(default_factory=list)


def read_rows(filename: str, data: bytes) -> list[dict]:
    """Rows as dicts with canonical keys; the format is sniffed from the bytes, not the file name."""
    if len(data) > MAX_ROSTER_BYTES:
        raise PayloadTooLarge(f"Danh sách vượt quá {MAX_ROSTER_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise ValidationFailed(errors={"file": ["Tệp rỗng."]})
    if data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnsupportedMediaType("Tệp phải là CSV (UTF-8) hoặc XLSX.") from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        raw_rows = list(csv.reader(io.StringIO(text), dialect))
    raw_rows = [r for r in raw_rows if any(str(c or "").strip() for c in r)]
    if not raw_rows:
        raise ValidationFailed(errors={"file": ["Không có dòng nào."]})
    if len(raw_rows) > MAX_ROWS + 1:
        raise PayloadTooLarge(f"Tối đa {MAX_ROWS} dòng mỗi lần nhập.")
    header = [HEADER_ALIASES.get(_fold(h)) for h in raw_rows[0]]
    if "username" not in header or "full_name" not in header:
        raise ValidationFailed(errors={"file": ["Dòng tiêu đề cần có cột username và full_name (hoặc 'Tên đăng nhập', 'Họ và tên')."]})
    rows = []
    for raw in raw_rows[1:]:
        row = {}
        for key, value in zip(header, raw):
            if key:
                row[key] = str(value).strip() if value is not None else ""
        rows.append(row)
    return rows


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook  # the only openpyxl use in accounts

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            # Refuse a zip bomb before openpyxl inflates it.
            if sum(i.file_size for i in zf.infolist()) > 50 * MAX_ROSTER_BYTES:
                raise PayloadTooLarge("Tệp XLSX giải nén quá lớn.")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except PayloadTooLarge:
        raise
    except Exception:
        raise UnsupportedMediaType("Không đọc được tệp XLSX.") from None
    sheet = wb.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def import_roster(actor: User, rows: list[dict], *, default_school_id: int | None, partial: bool = False,
                  dry_run: bool = False, school_year: str | None = None, create_classes: bool = False) -> RosterResult:
    """Create or update users and their class enrolment. All-or-nothing unless ``partial``.

    ``dry_run`` checks every row and fills the per-row report without writing anything (the admin console's
    preview). ``school_year`` restricts class matching to that year (default: the newest class of that name);
    with ``create_classes`` a class the roster names but the school lacks is created in that year, its grade
    read from the name (10A1 -> 10).
    """
    if create_classes and not school_year:
        school_year = years.current_school_year()
        if not school_year:
            raise ValidationFailed(errors={"school_year": ["Chọn năm học cho các lớp sẽ được tạo."]})
    result = RosterResult(dry_run=dry_run)
    schools = {s.code.lower(): s for s in db.session.scalars(select(School))}
    seen: set[str] = set()
    plans = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header, as the teacher sees it in Excel
        problems, plan = _plan_row(row, schools, default_school_id, seen, school_year, create_classes)
        result.rows.append({"row": number, "username": plan["username"], "full_name": plan["full_name"],
                            "role": plan["role"], "class_name": row.get("class") or None,
                            "action": "error" if problems else ("update" if plan["existing"] else "create"),
                            "new_class": plan["new_class"] is not None, "messages": problems})
        if problems:
            result.errors += [{"row": number, "message": m} for m in problems]
        else:
            plans.append((number, plan))
    if dry_run or (result.errors and not partial):
        return result
    made: dict[tuple, SchoolClass] = {}
    class_ids: dict[int, None] = {}
    for _number, plan in plans:
        if plan["new_class"] is not None:
            key = plan["new_class"]
            if key not in made:
                made[key] = services.create_class(actor, name=key[1], grade=key[2], school_id=key[0],
                                                  school_year=school_year)
                result.classes_created.append(key[1])
            plan["klass"] = made[key]
        _apply(actor, plan, result)
        if plan["klass"] is not None and plan["role"] == STUDENT:
            class_ids[plan["klass"].id] = None
    result.class_ids = list(class_ids)
    db.session.flush()
    return result


def grade_from_class_name(name: str) -> int | None:
    """The grade a Vietnamese class name starts with (10A1 -> 10, 6/2 -> 6), or None."""
    match = re.match(r"\s*(\d{1,2})", name or "")
    grade = int(match.group(1)) if match else None
    return grade if grade is not None and 1 <= grade <= 12 else None


def _plan_row(row, schools, default_school_id, seen, school_year=None, create_classes=False):
    problems = []
    username = row.get("username", "")
    if not username:
        problems.append("Thiếu tên đăng nhập.")
    elif username.lower() in seen:
        problems.append(f"Tên đăng nhập {username} lặp lại trong tệp.")
    seen.add(username.lower())
    full_name = row.get("full_name", "")
    if not full_name:
        problems.append("Thiếu họ và tên.")
    role = ROLE_ALIASES.get(_fold(row.get("role") or "student"), _fold(row.get("role") or ""))
    if role not in (STUDENT, TEACHER):
        problems.append(f"Vai trò {row.get('role')!r} không hợp lệ (học sinh hoặc giáo viên).")
    school_id = default_school_id
    if row.get("school"):
        school = schools.get(row["school"].lower())
        if school is None:
            problems.append(f"Không có trường mã {row['school']}.")
        else:
            school_id = school.id
    if school_id is None and not problems:
        problems.append("Thiếu trường (cột 'school' hoặc chọn trường khi nhập).")
    klass = new_class = None
    if row.get("class") and school_id is not None:
        stmt = select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.name == row["class"])
        if school_year:
            stmt = stmt.where(SchoolClass.school_year == school_year)
        klass = db.session.scalars(stmt.order_by(SchoolClass.school_year.desc())).first()
        if klass is None and create_classes:
            grade = grade_from_class_name(row["class"])
            if grade is None:
                problems.append(f"Không đoán được khối của lớp {row['class']} (tên lớp bắt đầu bằng khối, như 10A1).")
            elif len(row["class"]) > 40:
                problems.append("Tên lớp dài quá 40 ký tự.")
            else:
                new_class = (school_id, row["class"], grade)
        elif klass is None:
            problems.append(f"Không có lớp {row['class']} trong trường"
                            + (f" năm học {school_year}." if school_year else "."))
    password = row.get("password") or ""
    if password:
        problems.extend(passwords.problems(password, username))
    existing = db.session.scalar(select(User).where(User.username == username)) if username else None
    if existing is not None and (existing.role != role or (existing.school_id not in (None, school_id))):
        problems.append(f"Tài khoản {username} đã có với vai trò hoặc trường khác.")
    plan = dict(username=username, full_name=full_name, role=role if role in (STUDENT, TEACHER) else None,
                school_id=school_id, klass=klass, new_class=new_class, password=password,
                student_code=row.get("student_code") or None, existing=existing,
                parent=_plan_parent(row, role, full_name, seen, problems))
    return problems, plan


def _plan_parent(row, role, student_name, seen, problems) -> dict | None:
    """The parent account a student row carries (``parent_username``), created or linked on import.

    Siblings may name the same parent; the account is created once. A parent username that belongs to a
    student or teacher account (or to a user row of the file) is refused rather than turned into a parent.
    """
    username = row.get("parent_username", "")
    if not username:
        return None
    if role != STUDENT:
        problems.append("Chỉ dòng học sinh mới có cột tài khoản phụ huynh.")
        return None
    if username.lower() in seen:
        problems.append(f"Tài khoản phụ huynh {username} trùng một tài khoản trong tệp.")
        return None
    existing = db.session.scalar(select(User).where(User.username == username))
    if existing is not None and existing.role != PARENT:
        problems.append(f"Tài khoản {username} đã có và không phải tài khoản phụ huynh.")
        return None
    return {"username": username, "full_name": row.get("parent_full_name") or f"Phụ huynh {student_name}",
            "relation": row.get("parent_relation", "")[:40]}


def _apply(actor, plan, result: RosterResult) -> None:
    user = plan["existing"]
    if user is None:
        password = plan["password"] or services.generate_password()
        user = services.create_user(actor, username=plan["username"], password=password,
                                    full_name=plan["full_name"], role=plan["role"], school_id=plan["school_id"],
                                    student_code=plan["student_code"])
        # Whoever typed or generated this password is not the user: they choose their own at first sign-in.
        user.must_change_password = True
        result.created += 1
        if not plan["password"]:
            result.initial_passwords.append({"username": user.username, "password": password})
    else:
        user.full_name = plan["full_name"]
        if plan["student_code"]:
            user.student_code = plan["student_code"]
        if plan["password"]:
            # A reset password ends the account's sessions, as any password change does.
            user.password_hash = services.hash_password(plan["password"])
            services.end_sessions(user)
        result.updated += 1
    klass = plan["klass"]
    if klass is not None and plan["role"] == STUDENT:
        if db.session.get(Enrolment, (klass.id, user.id)) is None:
            db.session.add(Enrolment(class_id=klass.id, student_id=user.id))
    if plan["parent"]:
        _apply_parent(actor, user, plan["parent"], result)
    db.session.flush()


#: The sample roster offered for download: the columns the import reads, with two example rows.
TEMPLATE_HEADER = ("Tên đăng nhập", "Họ và tên", "Lớp", "Vai trò", "Mã học sinh", "Mật khẩu", "Mã trường")
TEMPLATE_ROWS = (("hs.nguyenvana", "Nguyễn Văn An", "10A1", "Học sinh", "HS001", "", ""),
                 ("gv.tranthibinh", "Trần Thị Bình", "", "Giáo viên", "", "", ""))


def template_xlsx() -> bytes:
    """A roster template (XLSX) whose header row the import recognises; blank passwords are generated."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(list(TEMPLATE_HEADER))
    for row in TEMPLATE_ROWS:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (20, 28, 8, 12, 14, 14, 12)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _apply_parent(actor, student: User, wanted: dict, result: RosterResult) -> None:
    parent = db.session.scalar(select(User).where(User.username == wanted["username"]))
    if parent is None:
        password = services.generate_password()
        parent = services.create_user(actor, username=wanted["username"], password=password,
                                      full_name=wanted["full_name"], role=PARENT)
        parent.must_change_password = True  # a handed-out password, as for the students
        result.created += 1
        result.initial_passwords.append({"username": parent.username, "password": password})
    guardians.link(actor, student, parent.id, wanted["relation"])
