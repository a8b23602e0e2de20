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
}


def init_app(app: Flask) -> None:
    """Register the filters (and ``vn`` as a global, the exams pages' short name for a number)."""
    load_timezone(app.config.setdefault("TIMEZONE", DEFAULT_TIMEZONE))
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.setdefault("vn", vn_points)


__all__ = ["DEFAULT_TIMEZONE", "FILTERS", "init_app", "iso_local", "load_timezone", "local_zone", "to_local",
           "vn_date", "vn_datetime", "vn_number", "vn_percent", "vn_points", "vn_score"]
