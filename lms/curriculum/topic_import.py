"""The topic catalogue as CSV: the shipped tree of the 2018 programme, department imports and exports.

One CSV layout serves all three: ``subject,grade,topic,subtopic[,source]``. A row with an empty ``subtopic``
names a chủ đề/chương; a row with one names a bài/đơn vị kiến thức under that chủ đề (created on the way
when missing). Rows that already exist are reported as such, never duplicated, so importing the same file
twice, or the shipped catalogue over a school's own additions, changes nothing.

The shipped file ``data/topics_ct2018.csv`` follows the chapter tables of contents of the common textbook
series (“Kết nối tri thức với cuộc sống”; Tiếng Anh “Global Success”) and, where a series differs or a
grade is organised by strand, the content strands of Chương trình GDPT 2018 (Thông tư 32/2018/TT-BGDĐT);
the ``source`` column names which for every row. Departments adapt it in the topic page.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field

from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationFailed

from .models import Subject, Topic

CATALOGUE_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "topics_ct2018.csv")
COLUMNS = ("subject", "grade", "topic", "subtopic")
#: A department file is a few thousand rows at most; anything larger is a mistake, not a catalogue.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20000
NAME_MAX = 200


@dataclass
class TopicRow:
    """One checked line of a topic CSV (``row`` is the 1-based line number, the header being line 1)."""

    row: int
    subject: str
    grade: int | None
    topic: str
    subtopic: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did (or, for a preview, would do) line by line."""

    dry_run: bool
    created: int = 0
    existing: int = 0
    rows: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[dict]:
        return [{"row": r["row"], "message": r["message"]} for r in self.rows if r["status"] == "error"]


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("Tệp không phải văn bản UTF-8.", errors={"file": ["Hãy lưu tệp CSV với mã hoá UTF-8."]})


def parse_rows(data: bytes | str, subjects: set[str]) -> list[TopicRow]:
    """Read and check a topic CSV; each row carries its own errors (unknown subject, grade, empty name)."""
    text = _decode(data)
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","  # Excel in Vietnamese locale saves with ;
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("subject", "grade", "topic") if c not in header]
    if missing:
        raise ValidationFailed("Thiếu cột bắt buộc trong tệp CSV.", errors={
            "file": [f"Dòng tiêu đề phải có các cột {', '.join(COLUMNS)}; thiếu: {', '.join(missing)}."]})
    reader.fieldnames = header
    rows: list[TopicRow] = []
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_IMPORT_ROWS:
            raise ValidationFailed(errors={"file": [f"Tệp có quá {MAX_IMPORT_ROWS} dòng."]})
        values = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        if not any(values.values()):
            continue  # blank lines Excel leaves at the end
        item = TopicRow(number, values["subject"].lower(), None, values["topic"], values["subtopic"])
        if item.subject not in subjects:
            item.errors.append(f"Không có môn mã “{values['subject']}”.")
        try:
            item.grade = int(values["grade"])
            if not 1 <= item.grade <= 12:
                raise ValueError
        except ValueError:
            item.errors.append(f"Khối “{values['grade']}” không hợp lệ (1–12).")
        if not item.topic:
            item.errors.append("Thiếu tên chủ đề.")
        for name in (item.topic, item.subtopic):
            if len(name) > NAME_MAX:
                item.errors.append(f"Tên dài quá {NAME_MAX} kí tự.")
        rows.append(item)
    return rows


def shipped_rows() -> list[TopicRow]:
    """The catalogue shipped with the product, checked against the subject codes of API.md."""
    from .catalogue import SUBJECTS

    with open(CATALOGUE_CSV, encoding="utf-8") as handle:
        return parse_rows(handle.read(), {s["code"] for s in SUBJECTS})


class _Tree:
    """The existing topics keyed by (subject, grade, parent_id, lowercased name), filled as rows are added."""

    def __init__(self):
        self.known: dict[tuple, int] = {}
        self.next_position: dict[tuple, int] = {}

    def load(self, rows):
        for topic_id, subject, grade, parent_id, name, position in rows:
            self.known[(subject, grade, parent_id, name.strip().lower())] = topic_id
            slot = (subject, grade, parent_id)
            self.next_position[slot] = max(self.next_position.get(slot, 0), (position or 0) + 1)

    def find(self, subject, grade, parent_id, name):
        return self.known.get((subject, grade, parent_id, name.strip().lower()))

    def remember(self, topic_id, subject, grade, parent_id, name):
        self.known[(subject, grade, parent_id, name.strip().lower())] = topic_id
        slot = (subject, grade, parent_id)
        self.next_position[slot] = self.next_position.get(slot, 0) + 1

    def position(self, subject, grade, parent_id) -> int:
        return self.next_position.get((subject, grade, parent_id), 0)


def apply_rows(rows: list[TopicRow], insert, existing_rows, *, dry_run: bool = False) -> ImportReport:
    """Add the rows' topics that are missing. ``insert(subject, grade, parent_id, name, position) -> id`` writes
    one topic; ``existing_rows`` are ``(id, subject, grade, parent_id, name, position)`` tuples of the tree.
    Shared by the migration (Core inserts) and the service (ORM), so both merge the same way."""
    tree = _Tree()
    tree.load(existing_rows)
    report = ImportReport(dry_run=dry_run)
    fake_ids = iter(range(-1, -10 ** 9, -1))  # ids a preview hands out to topics it would create
    for item in rows:
        entry = {"row": item.row, "subject": item.subject, "grade": item.grade, "topic": item.topic,
                 "subtopic": item.subtopic}
        if item.errors:
            report.rows.append({**entry, "status": "error", "message": " ".join(item.errors)})
            continue
        created = False
        parent_id = tree.find(item.subject, item.grade, None, item.topic)
        if parent_id is None:
            position = tree.position(item.subject, item.grade, None)
            parent_id = next(fake_ids) if dry_run else insert(item.subject, item.grade, None, item.topic, position)
            tree.remember(parent_id, item.subject, item.grade, None, item.topic)
            created = not item.subtopic
            if item.subtopic:
                report.created += 1  # the chủ đề made on the way counts too
        if item.subtopic:
            child_id = tree.find(item.subject, item.grade, parent_id, item.subtopic)
            if child_id is None:
                position = tree.position(item.subject, item.grade, parent_id)
                child_id = next(fake_ids) if dry_run else insert(item.subject, item.grade, parent_id,
                                                                 item.subtopic, position)
                tree.remember(child_id, item.subject, item.grade, parent_id, item.subtopic)
                created = True
        if created:
            report.created += 1
            report.rows.append({**entry, "status": "created", "message": ""})
        else:
            report.existing += 1
            report.rows.append({**entry, "status": "exists", "message": "Đã có trong danh mục."})
    return report


def import_csv(actor, data: bytes | str, *, dry_run: bool = False) -> ImportReport:
    """Import a department's topic CSV into the tree. With errors in any row nothing is written (the report
    says which rows); ``dry_run`` only reports. Flushes; the caller commits."""
    subjects = set(db.session.scalars(select(Subject.code)))
    rows = parse_rows(data, subjects)
    if not rows:
        raise ValidationFailed("Tệp không có dòng dữ liệu nào.", errors={"file": ["Tệp CSV trống."]})
    existing = db.session.execute(select(Topic.id, Topic.subject_code, Topic.grade, Topic.parent_id, Topic.name,
                                         Topic.position)).all()

    def insert(subject, grade, parent_id, name, position):
        topic = Topic(subject_code=subject, grade=grade, parent_id=parent_id, name=name, position=position)
        db.session.add(topic)
        db.session.flush()
        return topic.id

    has_errors = any(item.errors for item in rows)
    report = apply_rows(rows, insert, existing, dry_run=dry_run or has_errors)
    report.dry_run = dry_run or has_errors
    return report


def export_csv(subject: str | None = None, grade: int | None = None) -> str:
    """The tree (or one subject/grade of it) in the import layout, so a department can edit it in a sheet."""
    stmt = select(Topic).order_by(Topic.subject_code, Topic.grade, Topic.position, Topic.id)
    if subject:
        stmt = stmt.where(Topic.subject_code == subject)
    if grade:
        stmt = stmt.where(Topic.grade == grade)
    topics = db.session.scalars(stmt).all()
    by_id = {t.id: t for t in topics}
    children: dict[int | None, list[Topic]] = {}
    for topic in topics:
        children.setdefault(topic.parent_id if topic.parent_id in by_id else None, []).append(topic)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)

    def walk(node: Topic, path: list[str]):
        names = path + [node.name]
        if len(names) == 1:
            writer.writerow([node.subject_code, node.grade, names[0], ""])
        else:
            # Deeper levels flatten to topic / "subtopic path" so nothing is lost in a two-column layout.
            writer.writerow([node.subject_code, node.grade, names[0], " / ".join(names[1:])])
        for child in sorted(children.get(node.id, []), key=lambda t: (t.position, t.id)):
            walk(child, names)

    for root in sorted(children.get(None, []), key=lambda t: (t.subject_code, t.grade, t.position, t.id)):
        walk(root, [])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 Vietnamese correctly only with it


def topic_counts() -> dict[tuple[str, int], int]:
    """How many topics each (subject, grade) has, for the catalogue overview."""
    rows = db.session.execute(select(Topic.subject_code, Topic.grade, func.count(Topic.id))
                              .group_by(Topic.subject_code, Topic.grade)).all()
    return {(s, g): n for s, g, n in rows}
