"""Printable account cards (PDF): ten per A4 page, cut along the dashed lines, one per student.

The only reportlab import site of accounts. Text is set in DejaVu Sans (Debian's fonts-dejavu-core, installed by
``make run`` and ``make test``), embedded in the PDF so Vietnamese diacritics print the same on any printer.
``PDF_FONT_DIR`` overrides where the fonts are looked up.
"""
from __future__ import annotations

import io
import os

from flask import current_app

from lms.core.errors import DomainError

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu")
FONTS = {"Card": "DejaVuSans.ttf", "Card-Bold": "DejaVuSans-Bold.ttf", "Card-Mono": "DejaVuSansMono-Bold.ttf"}
COLUMNS, ROWS = 2, 5


class FontMissing(DomainError):
    status, title, slug = 503, "Thiếu phông chữ", "font-missing"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if all(name in pdfmetrics.getRegisteredFontNames() for name in FONTS):
        return
    dirs = ([current_app.config["PDF_FONT_DIR"]] if current_app.config.get("PDF_FONT_DIR") else []) + list(FONT_DIRS)
    for name, filename in FONTS.items():
        path = next((os.path.join(d, filename) for d in dirs if os.path.exists(os.path.join(d, filename))), None)
        if path is None:
            raise FontMissing(f"Không tìm thấy phông {filename} (cài gói fonts-dejavu-core hoặc đặt PDF_FONT_DIR).")
        pdfmetrics.registerFont(TTFont(name, path))


def _fit(canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest size not above ``size`` at which ``text`` fits ``width`` (long Vietnamese names)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def render_cards(entries: list[dict], *, class_name: str, school_year: str, school_name: str, login_url: str) -> bytes:
    """A PDF with one card per ``{full_name, username, password}`` entry, in the order given."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Thẻ tài khoản lớp {class_name} năm học {school_year}")
    canvas.setAuthor(school_name or "Học Liệu Số")
    page_w, page_h = A4
    margin = 10 * mm
    card_w, card_h = (page_w - 2 * margin) / COLUMNS, (page_h - 2 * margin) / ROWS
    pad = 5 * mm
    per_page = COLUMNS * ROWS
    for index, entry in enumerate(entries):
        slot = index % per_page
        if slot == 0 and index:
            canvas.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x, y = margin + col * card_w, page_h - margin - (row + 1) * card_h
        canvas.setDash(3, 3)
        canvas.setStrokeGray(0.6)
        canvas.rect(x, y, card_w, card_h)
        canvas.setDash()
        inner = card_w - 2 * pad
        top = y + card_h - pad
        canvas.setFillGray(0.35)
        header = f"{school_name} · Năm học {school_year}" if school_name else f"Năm học {school_year}"
        canvas.setFont("Card", _fit(canvas, header, "Card", 8, inner))
        canvas.drawString(x + pad, top - 8, header)
        canvas.setFillGray(0)
        canvas.setFont("Card-Bold", 9)
        canvas.drawString(x + pad, top - 20, "THẺ TÀI KHOẢN HỌC LIỆU SỐ")
        name = entry["full_name"] or entry["username"]
        canvas.setFont("Card-Bold", _fit(canvas, name, "Card-Bold", 13, inner))
        canvas.drawString(x + pad, top - 38, name)
        canvas.setFont("Card", 10)
        canvas.drawString(x + pad, top - 53, f"Lớp: {class_name}")
        for offset, (label, value) in ((68, ("Tên đăng nhập:", entry["username"])),
                                       (86, ("Mật khẩu lần đầu:", entry["password"]))):
            canvas.setFont("Card", 9)
            canvas.drawString(x + pad, top - offset, label)
            canvas.setFont("Card-Mono", _fit(canvas, value, "Card-Mono", 12, inner - 30 * mm))
            canvas.drawString(x + pad + 30 * mm, top - offset, value)
        canvas.setFont("Card", 7.5)
        canvas.setFillGray(0.3)
        canvas.drawString(x + pad, y + pad + 9, _clip(f"Đăng nhập tại {login_url}", inner))
        canvas.drawString(x + pad, y + pad, "Lần đầu đăng nhập, hệ thống sẽ yêu cầu đổi mật khẩu.")
        canvas.setFillGray(0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _clip(text: str, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while len(text) > 10 and stringWidth(text, "Card", 7.5) > width:
        text = text[:-2] + "…"
    return text
