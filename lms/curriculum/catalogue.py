"""The subjects of the 2018 general education programme (Thông tư 32/2018/TT-BGDĐT) with periods per year.

``graded_by`` follows Thông tư 22/2021 Điều 5 (secondary: comment-only subjects) and Thông tư 27/2020 for
primary. Periods per year drive the number of regular assessments (lms.gradebook.rules), so they are data
here, not constants in the gradebook.
"""
from __future__ import annotations

PRIMARY = range(1, 6)
LOWER_SECONDARY = range(6, 10)
UPPER_SECONDARY = range(10, 13)


def _per_grade(**spans) -> dict[str, int]:
    out: dict[str, int] = {}
    for span, periods in spans.items():
        first, _, last = span.strip("g").partition("_")
        for grade in range(int(first), int(last or first) + 1):
            out[str(grade)] = periods
    return out


SUBJECTS: list[dict] = [
    {"code": "toan", "name": "Toán", "graded_by": "score",
     "periods_per_year": _per_grade(g1=105, g2_5=175, g6_9=140, g10_12=105)},
    {"code": "ngu-van", "name": "Ngữ văn", "graded_by": "score", "periods_per_year": _per_grade(g6_9=140, g10_12=105)},
    {"code": "tieng-viet", "name": "Tiếng Việt", "graded_by": "score",
     "periods_per_year": _per_grade(g1=420, g2_3=350, g4_5=245)},
    {"code": "tieng-anh", "name": "Tiếng Anh", "graded_by": "score",
     "periods_per_year": _per_grade(g3_5=140, g6_9=105, g10_12=105)},
    {"code": "vat-li", "name": "Vật lí", "graded_by": "score", "periods_per_year": _per_grade(g10_12=70)},
    {"code": "hoa-hoc", "name": "Hóa học", "graded_by": "score", "periods_per_year": _per_grade(g10_12=70)},
    {"code": "sinh-hoc", "name": "Sinh học", "graded_by": "score", "periods_per_year": _per_grade(g10_12=70)},
    {"code": "khtn", "name": "Khoa học tự nhiên", "graded_by": "score", "periods_per_year": _per_grade(g6_9=140)},
    {"code": "lich-su", "name": "Lịch sử", "graded_by": "score", "periods_per_year": _per_grade(g10_12=52)},
    {"code": "dia-li", "name": "Địa lí", "graded_by": "score", "periods_per_year": _per_grade(g10_12=70)},
    {"code": "lich-su-dia-li", "name": "Lịch sử và Địa lí", "graded_by": "score",
     "periods_per_year": _per_grade(g4_5=70, g6_9=105)},
    {"code": "gdcd", "name": "Giáo dục công dân", "graded_by": "score", "periods_per_year": _per_grade(g6_9=35)},
    {"code": "gdktpl", "name": "Giáo dục kinh tế và pháp luật", "graded_by": "score",
     "periods_per_year": _per_grade(g10_12=70)},
    {"code": "tin-hoc", "name": "Tin học", "graded_by": "score",
     "periods_per_year": _per_grade(g6_9=35, g10_12=70)},
    {"code": "cong-nghe", "name": "Công nghệ", "graded_by": "score",
     "periods_per_year": _per_grade(g6_8=35, g9=52, g10_12=70)},
    {"code": "tin-hoc-cong-nghe", "name": "Tin học và Công nghệ", "graded_by": "score",
     "periods_per_year": _per_grade(g3_5=70)},
    {"code": "khoa-hoc", "name": "Khoa học", "graded_by": "score", "periods_per_year": _per_grade(g4_5=70)},
    {"code": "dao-duc", "name": "Đạo đức", "graded_by": "comment", "periods_per_year": _per_grade(g1_5=35)},
    {"code": "tu-nhien-xa-hoi", "name": "Tự nhiên và Xã hội", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_3=70)},
    {"code": "gdqp-an", "name": "Giáo dục quốc phòng và an ninh", "graded_by": "score",
     "periods_per_year": _per_grade(g10_12=35)},
    {"code": "gdtc", "name": "Giáo dục thể chất", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_12=70)},
    {"code": "nghe-thuat", "name": "Nghệ thuật", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_9=70)},
    {"code": "am-nhac", "name": "Âm nhạc", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_5=35, g10_12=70)},
    {"code": "mi-thuat", "name": "Mĩ thuật", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_5=35, g10_12=70)},
    {"code": "hdtn-hn", "name": "Hoạt động trải nghiệm, hướng nghiệp", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_5=105, g6_12=105)},
    {"code": "gddp", "name": "Nội dung giáo dục của địa phương", "graded_by": "comment",
     "periods_per_year": _per_grade(g1_12=35)},
]
