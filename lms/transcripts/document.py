"""The học bạ PDF (reportlab, the only reportlab import of transcripts) with DejaVu fonts embedded so every
Vietnamese letter renders in any reader, and three empty signature boxes the signers fill in order."""
from __future__ import annotations

import io
import os

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

#: Debian's fonts-dejavu-core.
FONT_DIR = os.environ.get("LMS_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
#: Where each signer's visible block goes on the last page: (x1, y1, x2, y2) in points, and its heading.
SIGNATURE_BOXES = {
    "homeroom": ((40, 60, 200, 150), "Giáo viên chủ nhiệm"),
    "principal": ((218, 60, 378, 150), "Hiệu trưởng"),
    "seal": ((396, 60, 556, 150), "Dấu của nhà trường"),
}
_FONTS = {}


def _fonts() -> tuple[str, str]:
    if not _FONTS:
        pdfmetrics.registerFont(TTFont("DejaVuSans", os.path.join(FONT_DIR, "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")))
        _FONTS["ok"] = True
    return "DejaVuSans", "DejaVuSans-Bold"


def _vn(value) -> str:
    return "–" if value in (None, "") else str(value).replace(".", ",")


def render(info: dict) -> bytes:
    """The transcript of ``info``: {school, class_name, school_year, student: {full_name, student_code},
    year: gradebook student_year dict, homeroom_comment, homeroom_name, principal_name}."""
    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    title = ParagraphStyle("title", parent=base, fontName=bold, fontSize=16, leading=20, alignment=1)
    centre = ParagraphStyle("centre", parent=base, alignment=1)
    year = info["year"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=60 * mm, title=f"Học bạ {info['student']['full_name']} {info['school_year']}",
                            author=info["school"], subject="Học bạ số", creator="Học Liệu Số")
    story = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ParagraphStyle("h", parent=centre, fontName=bold)),
        Paragraph("Độc lập - Tự do - Hạnh phúc", centre), Spacer(1, 6 * mm),
        Paragraph("HỌC BẠ", title), Paragraph(f"Năm học {info['school_year']}", centre), Spacer(1, 4 * mm),
        Paragraph(f"Trường: <b>{_esc(info['school'])}</b>", base),
        Paragraph(f"Họ và tên học sinh: <b>{_esc(info['student']['full_name'])}</b>"
                  f" &nbsp; Mã học sinh: {_esc(info['student'].get('student_code') or '–')}", base),
        Paragraph(f"Lớp: <b>{_esc(info['class_name'])}</b>", base), Spacer(1, 4 * mm),
    ]
    primary = year.get("primary")
    head = (["Môn học", "Mức đạt được HK I", "Mức đạt được cuối năm", "Điểm KT cuối năm"] if primary
            else ["Môn học / Hoạt động giáo dục", "Học kì I", "Học kì II", "Cả năm"])
    rows = [head]
    for subject in year["subjects"]:
        sem = subject["semesters"]
        if primary:
            rows.append([subject["name"], _vn(sem["1"].get("average")), _vn(subject.get("year_level")),
                         _vn(subject.get("year_test"))])
        else:
            rows.append([subject["name"], _vn(sem["1"].get("average")), _vn(sem["2"].get("average")),
                         _vn(subject.get("year_average"))])
    table = Table(rows, colWidths=[75 * mm, 33 * mm, 33 * mm, 33 * mm], repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), regular, 10), ("FONT", (0, 0), (-1, 0), bold, 10),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6"))]))
    story += [table, Spacer(1, 4 * mm)]
    if primary:
        result = year.get("primary_result")
        label = result["label"] if result else "chưa đủ dữ liệu"
        story.append(Paragraph(f"Kết quả cuối năm (Thông tư 27): <b>{_esc(label)}</b>", base))
    else:
        result = year.get("year_result")
        story.append(Paragraph("Kết quả học tập cả năm (Thông tư 22): "
                               f"<b>{_esc(result['label'] if result else 'chưa đủ dữ liệu')}</b>", base))
    story += [Spacer(1, 3 * mm), Paragraph("Nhận xét của giáo viên chủ nhiệm:", base),
              Paragraph(_esc(info.get("homeroom_comment") or "…"), base)]

    def sign_off(canvas, _doc):
        canvas.saveState()
        for (x1, y1, x2, y2), heading in SIGNATURE_BOXES.values():
            canvas.setFont(bold, 9)
            canvas.drawCentredString((x1 + x2) / 2, y2 + 6, heading)
            canvas.setStrokeColor(colors.HexColor("#98a2b3"))
            canvas.rect(x1, y1, x2 - x1, y2 - y1)
        canvas.setFont(regular, 8)
        canvas.drawString(40, 40, f"{info['homeroom_name']}")
        canvas.drawString(218, 40, f"{info['principal_name']}")
        canvas.restoreState()

    doc.build(story, onFirstPage=sign_off, onLaterPages=sign_off)
    return out.getvalue()


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
