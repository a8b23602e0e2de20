"""Server-side SVG charts of the statistics page: the score histogram and the item map (difficulty ×
discrimination). Plain SVG markup, no chart script: it renders on any phone and prints."""
from __future__ import annotations

from markupsafe import Markup, escape

from . import rules


def vn_number(value, digits: int = 2) -> str:
    """0.667 -> "0,67": the Vietnamese decimal comma; empty for None."""
    if value is None:
        return ""
    text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text.replace(".", ",")


def histogram_svg(histogram: list[dict], width: int = 480, height: int = 220) -> Markup:
    """Bars of the score histogram (0–1 … 9–10) with count labels and an axis title, inside the viewBox."""
    left, right, top, bottom = 8, 8, 18, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((b["count"] for b in histogram), default=0) or 1
    bar_w = plot_w / max(len(histogram), 1)
    parts = [f'<svg class="histogram chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="hist-title" xmlns="http://www.w3.org/2000/svg">']
    summary = "; ".join(f"từ {b['from']} đến {b['to']} điểm: {b['count']} bài" for b in histogram)
    parts.append(f'<title id="hist-title">Phổ điểm (thang 10): {escape(summary)}</title>')
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" class="axis"/>')
    for i, b in enumerate(histogram):
        h = plot_h * b["count"] / peak
        x = left + i * bar_w
        cx = round(x + bar_w / 2, 1)
        parts.append(f'<rect x="{round(x + 3, 1)}" y="{round(base - h, 1)}" width="{round(bar_w - 6, 1)}" '
                     f'height="{round(h, 1)}"/>')
        parts.append(f'<text x="{cx}" y="{base + 15}" text-anchor="middle">{b["from"]}–{b["to"]}</text>')
        if b["count"]:
            parts.append(f'<text x="{cx}" y="{round(base - h - 4, 1)}" text-anchor="middle" class="count">'
                         f'{b["count"]}</text>')
    parts.append(f'<text x="{width / 2}" y="{height - 4}" text-anchor="middle" class="axis-title">'
                 'Điểm (thang 10)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def item_map_svg(questions: list[dict], width: int = 480, height: int = 320) -> Markup:
    """Each question as a numbered dot: x = độ khó (share of points earned, 0..1), y = độ phân biệt (-1..1).
    The recommended zone (rules.FACILITY_RANGE, discrimination ≥ rules.WEAK_DISCRIMINATION) is shaded."""
    left, right, top, bottom = 44, 12, 12, 44
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x):
        return round(left + plot_w * min(max(x, 0.0), 1.0), 1)

    def py(y):
        return round(top + plot_h * (1 - (min(max(y, -1.0), 1.0) + 1) / 2), 1)

    lo, hi = rules.FACILITY_RANGE
    parts = [f'<svg class="item-map chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="map-title" '
             'xmlns="http://www.w3.org/2000/svg">',
             '<title id="map-title">Độ khó và độ phân biệt của từng câu: '
             + escape("; ".join(f"câu {q['number']}: độ khó {vn_number(q['facility'])}, độ phân biệt "
                                f"{vn_number(q['discrimination']) or 'chưa tính được'}" for q in questions))
             + "</title>",
             f'<rect class="zone" x="{px(lo)}" y="{py(1)}" width="{round(px(hi) - px(lo), 1)}" '
             f'height="{round(py(rules.WEAK_DISCRIMINATION) - py(1), 1)}"/>',
             f'<line class="axis" x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}"/>',
             f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<text x="{px(tick)}" y="{top + plot_h + 16}" text-anchor="middle">{vn_number(tick)}</text>')
    for tick in (-1, -0.5, 0, 0.5, 1):
        parts.append(f'<text x="{left - 6}" y="{py(tick) + 4}" text-anchor="end">{vn_number(tick)}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle" class="axis-title">'
                 'Độ khó (tỉ lệ điểm đạt được: 0 khó – 1 dễ)</text>')
    parts.append(f'<text transform="translate(12 {top + plot_h / 2}) rotate(-90)" text-anchor="middle" '
                 'class="axis-title">Độ phân biệt</text>')
    taken: dict[tuple, int] = {}
    for q in questions:
        d = q.get("discrimination")
        if q.get("facility") is None or d is None:
            continue  # too few students for a discrimination: listed under the chart instead
        cls = "dot" if d >= rules.WEAK_DISCRIMINATION and lo <= q["facility"] <= hi else "dot warn"
        x, y = px(q["facility"]), py(d)
        # Questions with the same numbers would hide each other: later ones step aside, still readable.
        clash = taken.get((x, y), 0)
        taken[(x, y)] = clash + 1
        x = round(x - 20 * clash, 1)
        parts.append(f'<g class="{cls}"><circle cx="{x}" cy="{y}" r="9"/>'
                     f'<text x="{x}" y="{y + 4}" text-anchor="middle">{q["number"]}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
