"""Pages of the department dashboard: ``/department`` and one CSV per table."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, render_template, request

from lms.core.charts import bar_chart, line_chart, vn_number
from lms.core.downloads import csv_response
from lms.core.permissions import ADMIN, DEPARTMENT, page, roles

from . import figures

web = Blueprint("reports_web", __name__, url_prefix="/department", template_folder="templates",
                static_folder="static", static_url_path="/static")
WHO = roles(DEPARTMENT, ADMIN)
MONTH_CHOICES = (6, 12, 24)


def _months() -> int:
    value = request.args.get("months", "12")
    return int(value) if value.isdigit() and int(value) in MONTH_CHOICES else 12


def _tables(months: int):
    growth = figures.growth(months)
    contributions = figures.contributions()
    reviews = figures.reviews()
    usage = figures.usage()
    scores, exam_charts = figures.exam_scores()
    return growth, contributions, reviews, usage, scores, exam_charts


@web.route("/")
@page(WHO)
def dashboard():
    months = _months()
    growth, contributions, reviews, usage, scores, exam_charts = _tables(months)
    labels = [row[0] for row in growth.rows]
    charts = {
        "growth": line_chart(labels, [("Câu hỏi mới", [r[1] for r in growth.rows]),
                                      ("Bài giảng mới", [r[3] for r in growth.rows]),
                                      ("Vào kho chung (câu hỏi)", [r[2] for r in growth.rows]),
                                      ("Vào kho chung (bài giảng)", [r[4] for r in growth.rows])],
                             title=f"Câu hỏi và bài giảng mới mỗi tháng, {months} tháng qua", y_label="Số lượng"),
        "contributions": bar_chart([r[1] or r[0] for r in contributions.rows],
                                   [("Câu hỏi", [r[2] for r in contributions.rows]),
                                    ("Bài giảng", [r[4] for r in contributions.rows])],
                                   title="Số câu hỏi và bài giảng theo trường"),
        "reviews": bar_chart([r[0] for r in reviews.rows],
                             [("Đang chờ duyệt", [r[1] for r in reviews.rows]),
                              ("Đã duyệt", [r[3] for r in reviews.rows])],
                             title="Hàng chờ duyệt và số đã duyệt"),
        "usage": bar_chart([r[1] for r in usage.rows],
                           [("Giáo viên hoạt động (%)", [r[4] or 0 for r in usage.rows]),
                            ("Học sinh hoạt động (%)", [r[7] or 0 for r in usage.rows])],
                           title="Tỉ lệ giáo viên, học sinh hoạt động theo trường", y_label="%", decimals=1,
                           max_value=100),
    }
    for item in exam_charts:
        item["chart"] = bar_chart(
            [s["school"] for s in item["schools"]],
            [(label, [Decimal(100 * s["bands"][i]) / s["count"] for s in item["schools"]])
             for i, (_, label) in enumerate(figures.BANDS)],
            title=f"Phân bố điểm đề “{item['exam']['title']}” theo trường (% số bài)", y_label="%",
            decimals=1, stacked=True, max_value=100)
    return render_template("reports/dashboard.html", months=months, month_choices=MONTH_CHOICES,
                           tables=[growth, contributions, reviews, usage, scores], charts=charts, exam_charts=exam_charts,
                           fmt=_cell)


def _cell(value) -> str:
    """A table cell in Vietnamese number format; missing values as a dash."""
    if value is None:
        return "—"
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return vn_number(value, 1 if isinstance(value, Decimal) else 0)
    return str(value)


@web.route("/export/<name>.csv")
@page(WHO)
def export(name):
    months = _months()
    builders = {"growth": lambda: figures.growth(months), "contributions": figures.contributions,
                "reviews": figures.reviews, "usage": figures.usage, "exam-scores": lambda: figures.exam_scores()[0]}
    table = builders[name]() if name in builders else abort(404)
    return csv_response(f"thong-ke-{table.key}.csv", table.header, table.rows)
