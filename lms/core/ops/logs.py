"""Structured logs: one JSON object per line, each carrying the id of the request (or job) it belongs to.

The request id comes from ``X-Request-ID`` when a proxy or client sent a sane one, else it is generated; it is
returned in the response header and travels with every job the request enqueues, so a worker's lines can be
joined to the request that caused them. Secrets that slip into a message (bearer tokens, passwords, presigned
URL signatures) are masked before the line is written.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from contextlib import contextmanager

#: The id of the request or job being handled in this thread/context ("-" outside both).
_current: contextvars.ContextVar[str] = contextvars.ContextVar("lms_request_id", default="-")

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# Values that must never reach a log file, whatever a developer formats into a message.
_SECRETS = (
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"(?i)((?:password|passwd|secret|token|api_key|access_key)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]+"),
     r"\1***"),
    (re.compile(r"(?i)(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s\"']+"), r"\1***"),
)
#: A word each of the patterns above needs: a message with none of them (nearly every line) is not scanned thrice.
_SUSPECT = ("bearer", "passw", "secret", "token", "api_key", "access_key", "x-amz-")


def current_request_id() -> str:
    """The id of the request or job this code runs for ("-" when there is none)."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it looks like an id (not a place to smuggle text into logs)."""
    if header and _SANE_ID.match(header):
        return header
    return new_request_id()


@contextmanager
def bound_request_id(request_id: str | None):
    """Run a block (a job) under ``request_id`` (a fresh one when None)."""
    token = _current.set(request_id or new_request_id())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def set_request_id(request_id: str):
    """Bind ``request_id`` for the rest of this request; returns the token to reset it with."""
    return _current.set(request_id)


def reset_request_id(token) -> None:
    _current.reset(token)


def redact(message: str) -> str:
    """Mask tokens, passwords and presigned-URL signatures in a log message."""
    lowered = message.casefold()
    if not any(word in lowered for word in _SUSPECT):
        return message
    for pattern, replacement in _SECRETS:
        message = pattern.sub(replacement, message)
    return message


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id (also used by the text format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "request_id", "msg", ...extra}`` on one line."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "request_id", "asctime"}
    #: ``(second, "YYYY-MM-DDTHH:MM:SS")`` of the last line: formatting the date once a second, not per line
    #: (one tuple, replaced whole, so threads never pair one second with another's text).
    _second = (None, "")

    def _timestamp(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        return f"{cached[1]}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self._timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", _current.get()),
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) else redact(str(value))
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(fmt: str = "json", level: str = "info", stream=None) -> None:
    """Route the root logger (the app's, werkzeug's, huey's, gunicorn's error log) through one handler."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_lms", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._lms = True
        handler.addFilter(RequestIdFilter())
        # Other handlers (basicConfig's, pytest's capture) keep working; ours is the one production reads.
        root.handlers = [h for h in root.handlers if type(h) is not logging.StreamHandler] + [handler]
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.setLevel(level.upper())
