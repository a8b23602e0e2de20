"""The dashboard's figures: each is a table (header and rows, values as plain numbers) plus what its chart needs.

Numbers are computed here once and used by the page, the charts and the CSV export alike, so they cannot
disagree. Scores are ``Decimal`` rounded half up to one decimal (as the gradebook records them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from zoneinfo import ZoneInfo

from flask import current_app

import question_bank.api as bank_api
from lms.accounts import api as accounts_api
from lms.exams import api as exams_api
from lms.lectures import api as lectures_api

USAGE_DAYS = 30
REVIEW_DAYS = 90
#: Score bands on 10 at the Thông tư 22 thresholds (3,5 / 5,0 / 6,5 / 8,0), lower bound included.
BANDS = ((Decimal(0), "Dưới 3,5"), (Decimal("3.5"), "3,5 – dưới 5"), (Decimal(5), "5 – dưới 6,5"),
         (Decimal("6.5"), "6,5 – dưới 8"), (Decimal(8), "Từ 8 trở lên"))
ONE = Decimal("0.1")


@dataclass
class Table:
    """One dashboard table: what the page shows, and the CSV export's content."""

    key: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


def zone_name() -> str:
    return current_app.config.get("TIMEZONE") or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh"


def last_months(count: int, now: datetime | None = None) -> list[str]:
    """The ``count`` local calendar months ending with the current one, oldest first, as ``YYYY-MM``."""
    local = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(zone_name()))
    year, month = local.year, local.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_start(key: str) -> datetime:
    """The first instant of a local month, in UTC (what the queries compare with)."""
    year, month = map(int, key.split("-"))
    return datetime(year, month, 1, tzinfo=ZoneInfo(zone_name())).astimezone(timezone.utc)


def month_label(key: str) -> str:
    return f"{key[5:]}/{key[:4]}"


def growth(months: int) -> Table:
    keys = last_months(months)
    since = month_start(keys[0])
    questions = bank_api.monthly_growth(since, zone_name())
    lectures = lectures_api.monthly_growth(since, zone_name())
    table = Table("growth", "Tăng trưởng ngân hàng câu hỏi và kho bài giảng theo tháng",
                  ["Tháng", "Câu hỏi mới", "Câu hỏi vào ngân hàng chung", "Bài giảng mới", "Bài giảng vào kho chung"])
    for key in keys:
        q, lec = questions.get(key, {}), lectures.get(key, {})
        table.rows.append([month_label(key), q.get("created", 0), q.get("shared", 0), lec.get("created", 0),
                           lec.get("shared", 0)])
    return table


def contributions() -> Table:
    questions, lectures = bank_api.counts_by_school(), lectures_api.counts_by_school()
    table = Table("contributions", "Đóng góp của từng trường",
                  ["Trường", "Mã trường", "Câu hỏi", "Câu hỏi trong ngân hàng chung", "Bài giảng",
                   "Bài giảng trong kho chung"],
                  note="Tính theo trường của người soạn; tài khoản Sở/Phòng không thuộc trường nào.")
    rows = [(s["name"], s["code"], s["id"]) for s in accounts_api.schools()]
    if questions.get(None) or lectures.get(None):
        rows.append(("Sở/Phòng GD&ĐT", "", None))
    for name, code, school_id in rows:
        q, lec = questions.get(school_id, {}), lectures.get(school_id, {})
        table.rows.append([name, code, q.get("total", 0), q.get("shared", 0), lec.get("total", 0),
                           lec.get("shared", 0)])
    return table


def _days(delta: timedelta) -> Decimal:
    return (Decimal(delta.total_seconds()) / Decimal(86400)).quantize(ONE, ROUND_HALF_UP)


def reviews(now: datetime | None = None) -> Table:
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(days=REVIEW_DAYS)
    table = Table("reviews", f"Duyệt vào kho chung ({REVIEW_DAYS} ngày qua) và hàng chờ hiện tại",
                  ["Loại", "Đang chờ duyệt", "Chờ lâu nhất (ngày)", "Đã duyệt", "Chấp nhận", "Từ chối",
                   "Thời gian duyệt trung vị (ngày)"],
                  note="Thời gian duyệt tính từ lúc gửi duyệt đến lúc có quyết định.")
    for label, figures in (("Câu hỏi", bank_api.review_figures(since)), ("Bài giảng", lectures_api.review_figures(since))):
        durations = [reviewed - submitted for submitted, reviewed, _ in figures["reviews"]]
        approved = sum(1 for *_, decision in figures["reviews"] if decision == "approve")
        oldest = figures["oldest_submitted_at"]
        table.rows.append([label, figures["backlog"], _days(now - oldest) if oldest else None, len(durations),
                           approved, len(durations) - approved,
                           _days(median(durations)) if durations else None])
    return table


def usage(now: datetime | None = None) -> Table:
    now = now or datetime.now(timezone.utc)
    active = accounts_api.people_by_school(now - timedelta(days=USAGE_DAYS))
    everyone = accounts_api.people_by_school()
    table = Table("usage", f"Giáo viên, học sinh hoạt động theo trường ({USAGE_DAYS} ngày qua)",
                  ["Trường", "Mã trường", "Giáo viên hoạt động", "Tổng giáo viên", "Tỉ lệ giáo viên (%)",
                   "Học sinh hoạt động", "Tổng học sinh", "Tỉ lệ học sinh (%)"],
                  note="Hoạt động: có đăng nhập hoặc dùng hệ thống ít nhất một lần trong khoảng thời gian.")
    for school in accounts_api.schools():
        on, all_ = active.get(school["id"], {}), everyone.get(school["id"], {})
        row = [school["name"], school["code"]]
        for role in ("teacher", "student"):
            total = all_.get(role, 0)
            count = on.get(role, 0)
            share = (Decimal(100 * count) / Decimal(total)).quantize(ONE, ROUND_HALF_UP) if total else None
            row += [count, total, share]
        table.rows.append(row)
    return table


def _band_counts(scores: list[Decimal]) -> list[int]:
    counts = [0] * len(BANDS)
    for score in scores:
        index = max(i for i, (low, _) in enumerate(BANDS) if score >= low)
        counts[index] += 1
    return counts


def exam_scores(limit: int = 6) -> tuple[Table, list[dict]]:
    """One table row per (shared exam, school), and per exam the data of its distribution chart."""
    names = {s["id"]: s["name"] for s in accounts_api.schools()}
    table = Table("exam-scores", "Phân bố điểm các đề dùng chung theo trường",
                  ["Đề", "Môn", "Khối", "Trường", "Số bài", "Điểm trung bình", "Điểm trung vị"]
                  + [label for _, label in BANDS],
                  note="Đề dùng chung: giao cho lớp của từ hai trường trở lên, hoặc do Sở/Phòng ra đề. "
                       "Mỗi học sinh tính một lần làm bài theo quy tắc của đề (cao nhất, đầu tiên hoặc cuối cùng).")
    charts = []
    for exam in exams_api.shared_exam_scores(limit):
        per_school = []
        for school_id, scores in sorted(exam["scores"].items(), key=lambda item: names.get(item[0], "")):
            mean = (sum(scores) / len(scores)).quantize(ONE, ROUND_HALF_UP)
            mid = Decimal(median(scores)).quantize(ONE, ROUND_HALF_UP)
            bands = _band_counts(scores)
            table.rows.append([exam["title"], exam["subject"], exam["grade"], names.get(school_id, str(school_id)),
                               len(scores), mean, mid] + bands)
            per_school.append({"school": names.get(school_id, str(school_id)), "count": len(scores), "bands": bands})
        charts.append({"exam": exam, "schools": per_school})
    return table, charts
