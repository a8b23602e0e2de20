"""How numbers, scores and times look on every page: the Vietnamese way, in the school's time zone.

Times are stored in UTC (``lms.core.db.UTCDateTime``) and shown in ``TIMEZONE`` (default Asia/Ho_Chi_Minh) as
``dd/mm/yyyy HH:MM`` without any zone label: a Vietnamese teacher reads 07:30 as the start of the first period,
never as "00:30 UTC". Numbers use the decimal comma and a dot between thousands (``1.234,5``); gradebook
scores always keep one decimal (``8,0``), as Thông tư 22 records them.

The same functions are Jinja filters (registered by :func:`init_app`) so every template formats alike:
``{{ when|vn_datetime }}``, ``{{ when|vn_date }}``, ``{{ score|vn_score }}``, ``{{ value|vn_number }}``,
``{{ ratio|vn_percent }}``.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
EMPTY = "–"


def load_timezone(name: str) -> ZoneInfo:
    """The zone called ``name``; ``ValueError`` naming it when the system's zone database does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as {DEFAULT_TIMEZONE})") from None


def local_zone() -> ZoneInfo:
    """The configured display zone (``TIMEZONE``), or Vietnam time outside an application."""
    name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else DEFAULT_TIMEZONE
    return load_timezone(name)


def _as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        # A naive value can only come from our own UTC storage (UTCDateTime refuses to store naive ones).
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def to_local(value) -> datetime | None:
    """``value`` (aware datetime, naive UTC datetime or ISO 8601 text) in the display zone; None if empty."""
    moment = _as_datetime(value)
    return moment.astimezone(local_zone()) if moment else None


def vn_datetime(value, seconds: bool = False, empty: str = EMPTY) -> str:
    """``dd/mm/yyyy HH:MM`` (``:SS`` with ``seconds``) in the display zone."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return vn_date(value, empty)
    moment = to_local(value)
    if moment is None:
        return empty if value in (None, "") else str(value)
    return moment.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def vn_date(value, empty: str = EMPTY) -> str:
    """``dd/mm/yyyy``; a datetime is first moved into the display zone (23:30 UTC is already tomorrow)."""
    if value in (None, ""):
        return empty
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    moment = to_local(value)
    return moment.strftime("%d/%m/%Y") if moment else str(value)


#: What a person types for a day and an optional time, the Vietnamese way: 05/12/2026 07:30 (24 h). Any of
#: / - . between the date's parts and : h . in the time, one-digit day, month and hour; digits alone
#: (05122026 0730, what a phone's number pad gives without the page's script) are read the same way.
_VN_MOMENT = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T]+(\d{1,2})[:hH.](\d{2}))?")
_VN_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})(?: *(\d{2})(\d{2}))?")
_ISO_MOMENT = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2})?)?")


def _moment_parts(text: str, *, with_time: bool) -> tuple[int, ...] | None:
    """(year, month, day, hour, minute) from typed text, or None when it is not a day (and time) at all."""
    text = " ".join((text or "").split())
    for pattern, order in ((_VN_MOMENT, (2, 1, 0)), (_VN_DIGITS, (2, 1, 0)), (_ISO_MOMENT, (0, 1, 2))):
        found = pattern.fullmatch(text)
        if found:
            groups = found.groups()
            if groups[3] is not None and not with_time:
                return None
            return tuple(int(groups[i]) for i in order) + (int(groups[3] or 0), int(groups[4] or 0))
    return None


def parse_vn_date(text: str | None) -> date | None:
    """The day in ``dd/mm/yyyy`` (or ISO ``yyyy-mm-dd``) text; None when empty; ``ValueError`` when not a
    day, with a message for the form."""
    if not (text or "").strip():
        return None
    parts = _moment_parts(text, with_time=False)
    try:
        if not parts:
            raise ValueError
        return date(*parts[:3])
    except ValueError:
        raise ValueError("Ngày không hợp lệ (dd/mm/yyyy, ví dụ 05/09/2026).") from None


def parse_vn_datetime(text: str | None) -> datetime | None:
    """The moment in ``dd/mm/yyyy HH:mm`` (24 h; or ISO) text, read in the display zone and returned aware;
    a day alone is its 00:00. None when empty; ``ValueError`` with a message for the form when not a moment."""
    if not (text or "").strip():
        return None
    parts = _moment_parts(text, with_time=True)
    try:
        if not parts:
            raise ValueError
        return datetime(*parts, tzinfo=local_zone())
    except ValueError:
        raise ValueError("Ngày giờ không hợp lệ (dd/mm/yyyy HH:mm, ví dụ 05/09/2026 07:30).") from None


def vn_input_datetime(value) -> str:
    """``dd/mm/yyyy HH:MM`` in the display zone for a form field's value (empty when unset), the text that
    :func:`parse_vn_datetime` reads back to the same moment."""
    return vn_datetime(value, empty="")


def vn_input_date(value) -> str:
    """``dd/mm/yyyy`` for a form field's value (empty when unset); :func:`parse_vn_date` reads it back."""
    return vn_date(value, empty="")


def iso_local(value) -> str:
    """Machine-readable ISO 8601 with the display zone's offset, for ``<time datetime=...>``."""
    moment = to_local(value)
    return moment.isoformat(timespec="minutes") if moment else ""


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # repr() gives the shortest text that round-trips, so 0.1 stays 0,1 instead of 0,1000000000000000055…
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return ".".join(out)


def vn_number(value, places: int | None = None, grouping: bool = True, empty: str = EMPTY) -> str:
    """A number with the decimal comma (``0,25``; ``12.500`` with ``grouping``).

    ``places`` rounds half up to that many decimals and keeps trailing zeros (``8`` -> ``8,0`` with 1);
    without it the value keeps the decimals it comes with (the API already quantizes: points ``1.50``, a score
    on 10 ``5.0``), so a page never shows fewer decimals than the record. Text that is not a number (``Đ``,
    ``CĐ``, a level letter) is returned unchanged, so one filter serves score and comment columns.
    """
    number = _decimal(value)
    if number is None:
        return empty if value in (None, "") else str(value)
    if not number.is_finite():
        return str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{abs(number):f}"
    else:
        text = f"{abs(number):f}"
    whole, _, frac = text.partition(".")
    whole = _group(whole) if grouping else whole
    sign = "-" if number < 0 and any(ch not in "0.," for ch in text) else ""
    return sign + whole + ("," + frac if frac else "")


def vn_score(value, empty: str = EMPTY) -> str:
    """A 0–10 score as the gradebook records it: one decimal, half up (``8`` -> ``8,0``; ``8,25`` -> ``8,3``)."""
    return vn_number(value, places=1, grouping=False, empty=empty)


def vn_points(value, empty: str = EMPTY) -> str:
    """Exam points and scores as recorded (``0,25``, ``1,50``, ``5,0``): no rounding, no grouping."""
    return vn_number(value, grouping=False, empty=empty)


def vn_percent(ratio, empty: str = EMPTY) -> str:
    """A 0..1 ratio as a whole percentage (``0.756`` -> ``76%``, ``0.5`` -> ``50%``)."""
    number = _decimal(ratio)
    if number is None:
        return empty
    return vn_number(number * 100, places=0, grouping=False) + "%"


FILTERS = {
    "vn_datetime": vn_datetime, "vn_date": vn_date, "vn_number": vn_number, "vn_score": vn_score,
    "vn_points": vn_points, "vn_percent": vn_percent, "iso_local": iso_local, "to_local": to_local,
    "vn_input_datetime": vn_input_datetime, "vn_input_date": vn_input_date,
}


def init_app(app: Flask) -> None:
    """Register the filters (and ``vn`` as a global, the exams pages' short name for a number)."""
    load_timezone(app.config.setdefault("TIMEZONE", DEFAULT_TIMEZONE))
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.setdefault("vn", vn_points)


__all__ = ["DEFAULT_TIMEZONE", "FILTERS", "init_app", "iso_local", "load_timezone", "local_zone", "to_local",
           "parse_vn_date", "parse_vn_datetime", "vn_input_date", "vn_input_datetime", "vn_date", "vn_datetime", "vn_number", "vn_percent", "vn_points", "vn_score"]
