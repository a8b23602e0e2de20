"""Importing a filled-in sổ điểm (XLSX/CSV): all or nothing, with a per-row report."""
from __future__ import annotations

from .. import rules
from .columns import book_columns, ensure_unlocked, subject_or_404, value_kind
from .scores import _apply, parse_entry
from .summaries import build_gradebook


def import_sheet(user, klass, subject: str, semester: int, filename: str, data: bytes) -> dict:
    """Import a filled-in sổ điểm (XLSX/CSV): a per-row report, and nothing written unless every row is right."""
    from .. import spreadsheets

    ensure_unlocked(klass.id, subject, semester)
    info = subject_or_404(subject)
    book = build_gradebook(klass, subject, semester)
    kinds = {c["id"]: c["kind"] for c in book["columns"]}
    reports, cells = spreadsheets.plan_import(book, spreadsheets.read_table(filename, data))
    by_row = {r["row"]: r for r in reports}
    parsed = []
    for cell in cells:
        try:
            parsed.append((cell, parse_entry(cell["raw"], value_kind(info, klass.grade, kinds[cell["column_id"]]))))
        except rules.GradebookRuleError as exc:
            by_row[cell["row"]]["errors"].append(f"{cell['label']}: {exc}")
    errors = [{"row": r["row"], "message": "; ".join(r["errors"])} for r in reports if r["errors"]]
    if not reports:
        errors.append({"row": 0, "message": "Tệp không có dòng học sinh nào."})
    if errors:
        return {"applied": False, "changed": 0, "rows": reports, "errors": errors}
    columns = {c.id: c for c in book_columns(klass.id, subject, semester)}
    changed = 0
    for cell, entry in parsed:
        column = columns[cell["column_id"]]
        if _apply(column, cell["student_id"], entry, source="import", actor_id=user.id, reason="Nhập từ tệp",
                  override=True if column.source == "exam" else None):
            by_row[cell["row"]]["changed"] += 1
            changed += 1
    return {"applied": True, "changed": changed, "rows": reports, "errors": []}
