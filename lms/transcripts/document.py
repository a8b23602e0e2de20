"""The học bạ PDF (reportlab, the only reportlab import of transcripts) with DejaVu fonts embedded so every
Vietnamese letter renders in any reader, and three empty signature boxes the signers fill in order. It is
declared PDF/A-2b (archival: fonts embedded, sRGB output intent, XMP metadata) so it stays readable for the
decades a học bạ is kept."""
from __future__ import annotations

import functools
import io
import os

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.core import signatures

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
        # So that <b> in a paragraph picks the embedded bold face rather than a standard (unembedded) font.
        pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold",
                                      italic="DejaVuSans", boldItalic="DejaVuSans-Bold")
        _FONTS["ok"] = True
    return "DejaVuSans", "DejaVuSans-Bold"


def _vn(value) -> str:
    return "–" if value in (None, "") else str(value).replace(".", ",")


def render(info: dict) -> bytes:
    """The transcript of ``info``: {school, class_name, grade, school_year, student: {full_name, student_code},
    year: gradebook student_year dict, conduct: {"1"|"2"|"year": level code}, vocabulary: the gradebook's
    transcript_vocabulary(), homeroom_comment, homeroom_name, principal_name}. Grades 1-5 follow the TT27
    template (levels, end-of-year tests, qualities and competences), grades 6-12 the TT22 one."""
    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    title = ParagraphStyle("title", parent=base, fontName=bold, fontSize=16, leading=20, alignment=1)
    centre = ParagraphStyle("centre", parent=base, alignment=1)
    year = info["year"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, initialFontName=regular, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
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
    # 9 pt with tight rows keeps a primary học bạ (15 qualities and competences) on one A4 page.
    grid = [("FONT", (0, 0), (-1, -1), regular, 9), ("FONT", (0, 0), (-1, 0), bold, 9),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("ALIGN", (1, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6"))]
    tables = _primary_tables(info) if year.get("primary") else _secondary_tables(info)
    for heading, rows, widths, extra in tables:
        if heading:
            story.append(Paragraph(f"<b>{_esc(heading)}</b>", base))
            story.append(Spacer(1, 1.5 * mm))
        table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
        table.setStyle(TableStyle(grid + [(cmd, start, end, *args) for cmd, start, end, *args in extra]))
        story += [table, Spacer(1, 4 * mm)]
    story += _result_lines(info, base)
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
    return signatures.as_pdfa_2b(out.getvalue(), _srgb_profile())


@functools.cache
def _srgb_profile() -> bytes:
    """The sRGB ICC profile of the PDF/A OutputIntent, built by LittleCMS (Pillow, which reportlab already
    brings): no profile file to ship or find on the system."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _secondary_tables(info: dict) -> list:
    """TT22 (grades 6-12): each subject's semester and year averages (or Đ/CĐ), then the learning result
    (kết quả học tập) and the homeroom teacher's training result (kết quả rèn luyện) per semester and year."""
    year, conduct, labels = info["year"], info.get("conduct") or {}, info["vocabulary"]["conduct"]
    rows = [["Môn học / Hoạt động giáo dục", "Học kì I", "Học kì II", "Cả năm"]]
    for subject in year["subjects"]:
        sem = subject["semesters"]
        rows.append([subject["name"], _vn(sem.get("1", {}).get("average")), _vn(sem.get("2", {}).get("average")),
                     _vn(subject.get("year_average"))])
    learning = [year.get("semester_results", {}).get("1"), year.get("semester_results", {}).get("2"),
                year.get("year_result")]
    results = [["", "Kết quả học tập", "Kết quả rèn luyện"]]
    for label, learned, key in zip(("Học kì I", "Học kì II", "Cả năm"), learning, ("1", "2", "year")):
        results.append([label, learned["label"] if learned else "–", labels.get(conduct.get(key), "–")])
    return [(None, rows, (75, 33, 33, 33), []),
            ("Kết quả học tập và rèn luyện (Thông tư 22/2021/TT-BGDĐT)", results, (60, 57, 57), [])]


def _primary_tables(info: dict) -> list:
    """TT27 (grades 1-5): each subject's year level (T/H/C) and end-of-year test score, then every quality
    and competence with its level, grouped as on the Ministry's template."""
    year, vocab = info["year"], info["vocabulary"]
    rows = [["Môn học và hoạt động giáo dục", "Mức đạt được", "Điểm KTĐK cuối năm"]]
    for subject in year["subjects"]:
        level = subject.get("year_level")
        rows.append([subject["name"], f"{level} ({vocab['primary_levels'][level]})" if level else "–",
                     _vn(subject.get("year_test"))])
    qualities = year.get("qualities") or {}
    # Two side-by-side halves (qualities and general competences | specific competences) keep it to one page.
    halves, extra = ([], []), [("ALIGN", (2, 1), (2, -1), "LEFT")]
    for half, (heading, members) in zip((0, 0, 1), vocab["quality_groups"]):
        halves[half].append((heading, None))
        for code, name in members:
            level = qualities.get(code)
            halves[half].append((f"    {name}", vocab["quality_levels"].get(level, "–") if level else "–"))
    marks = [["Phẩm chất, năng lực", "Mức đạt được", "Năng lực", "Mức đạt được"]]
    for r in range(max(len(h) for h in halves)):
        row = []
        for c, half in enumerate(halves):
            name, level = half[r] if r < len(half) else ("", "")
            row += [name, level or ""]
            if level is None:  # a group heading across its half
                extra += [("SPAN", (2 * c, r + 1), (2 * c + 1, r + 1)),
                          ("BACKGROUND", (2 * c, r + 1), (2 * c + 1, r + 1), colors.HexColor("#f6f8fa"))]
        marks.append(row)
    return [(None, rows, (90, 45, 45), []),
            ("Những phẩm chất chủ yếu và năng lực cốt lõi", marks, (57, 30, 57, 30), extra)]


def _result_lines(info: dict, base) -> list:
    year = info["year"]
    if not year.get("primary"):
        return []  # the TT22 results are in their table
    result = year.get("primary_result")
    lines = [Paragraph("Đánh giá kết quả giáo dục (Thông tư 27): "
                       f"<b>{_esc(result['label'] if result else 'chưa đủ dữ liệu')}</b>", base)]
    if result:
        # TT27 Điều 14: a result of Hoàn thành or better completes the grade's programme (grade 5: primary).
        done = result["level"] != "chua_hoan_thanh"
        what = "tiểu học" if info.get("grade") == 5 else f"lớp {info.get('grade')}"
        lines.append(Paragraph(("Hoàn thành" if done else "Chưa hoàn thành") + f" chương trình {what}.", base))
    return lines


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
