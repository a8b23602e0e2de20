"""Small server-side SVG charts (bar and line) that need no JavaScript and read well on a phone.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that states every value in words, and
each bar or point carries its own ``<title>`` (a tooltip, and what a screen reader announces). Pages still
show the numbers in a table next to the chart; the chart is the summary, not the only copy of the data.
Numbers use the Vietnamese format (8,5; 1.234). Every text is XML-escaped.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

from . import formatting

#: Colour-blind-safe palette (Okabe–Ito), dark enough for text contrast on white.
PALETTE = ("#0b6e4f", "#d55e00", "#0072b2", "#cc79a7", "#e69f00", "#56b4e9", "#009e73", "#6b6b6b")
_ids = itertools.count(1)
#: Text size in chart units; charts are drawn 560 units wide and scaled to the screen (never below 460 px).
FONT = 13


def vn_number(value, decimals: int | None = None) -> str:
    """``1234.5`` -> ``1.234,5``: thousands with a dot, decimals with a comma (Vietnamese usage).

    One implementation for every page (``lms.core.formatting``): rounding is half up, as the gradebook's
    (``f"{Decimal('8.25'):.1f}"`` would round half to even and print 8,2).
    """
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value) == int(value) else 1
    return formatting.vn_number(value, places=decimals, grouping=True, empty="—")


def _nice_max(value: float, integers: bool = False) -> float:
    """The top of the axis: four equal steps of 1, 2, 2.5 or 5 times a power of ten that reach ``value``
    (whole steps for counts, so no axis reads "1,2 questions")."""
    if value <= 0:
        return 4 if integers else 1
    raw = value / 4
    exponent = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        step = mult * exponent
        if integers and step < 1 or integers and step != int(step):
            continue
        if step * 4 >= value:
            return step * 4
    return 40 * exponent


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.56  # DejaVu/Roboto average advance; enough to keep labels inside the frame


def _frame(width: int, height: int, title: str, desc: str) -> tuple[str, list[str]]:
    uid = f"chart{next(_ids)}"
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
            f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{uid}-t {uid}-d" '
            f'style="max-width:{width}px;height:auto;font-family:\'DejaVu Sans\',Roboto,Arial,sans-serif">',
            f'<title id="{uid}-t">{escape(title)}</title>', f'<desc id="{uid}-d">{escape(desc)}</desc>']
    return uid, head


def _tick_decimals(top_value: float) -> int:
    step = top_value / 4
    return 0 if step == int(step) else (1 if step * 10 == int(step * 10) else 2)


def _axes(parts, left, top, plot_w, plot_h, top_value, y_label):
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="{FONT}" text-anchor="end" fill="#5b6673">'
                     f'{escape(vn_number(value, _tick_decimals(top_value)))}</text>')
    if y_label:
        parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="{FONT}" fill="#5b6673" text-anchor="middle" '
                     f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>')


def _x_labels(parts, labels, left, slot, baseline, rotate):
    for i, label in enumerate(labels):
        x = left + slot * (i + 0.5)
        if rotate:
            parts.append(f'<text x="{x:.1f}" y="{baseline + 14}" font-size="{FONT}" fill="#1b2430" text-anchor="end" '
                         f'transform="rotate(-35 {x:.1f} {baseline + 14})">{escape(label)}</text>')
        else:
            parts.append(f'<text x="{x:.1f}" y="{baseline + 16}" font-size="{FONT}" fill="#1b2430" '
                         f'text-anchor="middle">{escape(label)}</text>')


def _legend(parts, names, x, y, width):
    cursor_x, cursor_y = x, y
    for i, name in enumerate(names):
        item = 18 + _text_width(name, FONT) + 14
        if cursor_x + item > x + width and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 18
        parts.append(f'<rect x="{cursor_x:.1f}" y="{cursor_y - 10}" width="12" height="12" rx="2" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{cursor_x + 17:.1f}" y="{cursor_y}" font-size="{FONT}" fill="#1b2430">{escape(name)}</text>')
        cursor_x += item
    return cursor_y


def _layout(labels, series, width, max_value=None, stacked=False):
    longest = max((_text_width(label, FONT) for label in labels), default=0)
    slot_guess = (width - 70) / max(1, len(labels))
    rotate = longest > slot_guess - 4
    bottom = 28 + (longest * 0.6 if rotate else 0)
    legend_rows = 1 + int(sum(18 + _text_width(n, FONT) + 14 for n, _ in series) // max(1, width - 60))
    top = 12 + (18 * legend_rows if len(series) > 1 else 0)
    values = [v for _, vals in series for v in vals if v is not None]
    if stacked:
        values = [sum(vals[i] or 0 for _, vals in series) for i in range(len(labels))]
    integers = all(isinstance(v, int) or float(v) == int(v) for v in values)
    top_value = float(max_value) if max_value else _nice_max(float(max(values, default=0)), integers)
    label_w = _text_width(vn_number(top_value, _tick_decimals(top_value)), FONT)
    left = 14 + max(label_w, 16) + 16  # tick labels, and room for the rotated y-axis label
    return rotate, bottom, top, top_value, left


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence]], *, title: str, y_label: str = "",
              width: int = 560, height: int = 280, decimals: int | None = None, stacked: bool = False,
              max_value=None) -> Markup:
    """Grouped (or ``stacked``) vertical bars: one group per label, one bar per series ``(name, values)``.
    ``max_value`` fixes the axis top (100 for percentages)."""
    labels = [str(label) for label in labels]
    rotate, bottom, top, top_value, left = _layout(labels, series, width, max_value, stacked)
    plot_w, plot_h = width - left - 10, height - top - bottom
    desc = "; ".join(f"{label}: " + ", ".join(f"{name} {vn_number(vals[i], decimals)}" for name, vals in series)
                     for i, label in enumerate(labels)) or "Chưa có dữ liệu."
    _, parts = _frame(width, height, title, desc)
    if len(series) > 1:
        _legend(parts, [name for name, _ in series], left, 14, plot_w)
    _axes(parts, left, top, plot_w, plot_h, top_value, y_label)
    slot = plot_w / max(1, len(labels))
    groups = 1 if stacked else max(1, len(series))
    bar_w = max(2.0, min(48.0, slot * 0.8 / groups))
    for i, label in enumerate(labels):
        base = top + plot_h
        for s, (name, vals) in enumerate(series):
            value = float(vals[i] or 0)
            h = plot_h * value / top_value
            x = left + slot * i + (slot - bar_w * groups) / 2 + (0 if stacked else s * bar_w)
            y = base - h
            tip = f"{label} · {name}: {vn_number(vals[i], decimals)}" if len(series) > 1 else \
                f"{label}: {vn_number(vals[i], decimals)}"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{max(h, 0):.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(tip)}</title></rect>')
            if stacked:
                base = y
    _x_labels(parts, labels, left, slot, top + plot_h, rotate)
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#5b6673"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence]], *, title: str, y_label: str = "",
               width: int = 560, height: int = 280, decimals: int | None = None, max_value=None) -> Markup:
    """One line per series ``(name, values)`` over the labels (months, weeks); a ``None`` value breaks the line."""
    labels = [str(label) for label in labels]
    rotate, bottom, top, top_value, left = _layout(labels, series, width, max_value)
    plot_w, plot_h = width - left - 10, height - top - bottom
    desc = "; ".join(f"{name}: " + ", ".join(f"{labels[i]} {vn_number(v, decimals)}" for i, v in enumerate(vals))
                     for name, vals in series) or "Chưa có dữ liệu."
    _, parts = _frame(width, height, title, desc)
    if len(series) > 1:
        _legend(parts, [name for name, _ in series], left, 14, plot_w)
    _axes(parts, left, top, plot_w, plot_h, top_value, y_label)
    slot = plot_w / max(1, len(labels))
    for s, (name, vals) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        path, pen_down = [], False
        points = []
        for i, value in enumerate(vals):
            if value is None:
                pen_down = False
                continue
            x = left + slot * (i + 0.5)
            y = top + plot_h - plot_h * float(value) / top_value
            path.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
            pen_down = True
            points.append((x, y, labels[i], value))
        if path:
            parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        for x, y, label, value in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>'
                         f'{escape(f"{label} · {name}: {vn_number(value, decimals)}")}</title></circle>')
    _x_labels(parts, labels, left, slot, top + plot_h, rotate)
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#5b6673"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


