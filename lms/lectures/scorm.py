"""SCORM run-time data (``cmi.*``) as the platform keeps it: checked, turned into progress, shaped for a launch.

Pure functions over the nested ``cmi`` object scorm-again's ``renderCommitCMI`` produces and ``loadFromJSON``
reads back (``{"core": {"lesson_location": "3", "score": {"raw": "8", ...}}, "suspend_data": "..."}`` for
SCORM 1.2; ``{"location": "3", "completion_status": "completed", "score": {"scaled": "0.8"}, ...}`` for 2004).
Every leaf is a string, as the SCORM API hands them out.
"""
from __future__ import annotations

import json
import math

from lms.core.errors import ValidationFailed

VERSIONS = ("1.2", "2004")
#: SCORM 2004 allows 64,000 characters of suspend_data (1.2: 4,096); the whole state stays well under this.
MAX_STATE_BYTES = 256 * 1024
MAX_DEPTH = 8
MAX_LEAF_CHARS = 64_000

#: What a new launch gets back of the last session: where the student was, what the package saved, the status
#: and score so far and the accumulated time. Session-only elements (session_time, exit) and the package's
#: interaction journal are not replayed: 1.2 makes interactions write-only, and resuming needs none of them.
_RESTORED = {
    "1.2": {"core": {"lesson_location": None, "lesson_status": None, "total_time": None,
                     "score": {"raw": None, "min": None, "max": None}},
            "suspend_data": None},
    "2004": {"location": None, "suspend_data": None, "completion_status": None, "success_status": None,
             "progress_measure": None, "total_time": None,
             "score": {"scaled": None, "raw": None, "min": None, "max": None}},
}
_DONE_12 = {"completed", "passed", "failed"}


def version_of(package: dict) -> str:
    """"1.2" or "2004" for a media package description (media.processing.packages reads it from the manifest)."""
    return "2004" if package.get("version") == "2004" else "1.2"


def check_state(cmi: object) -> dict:
    """``cmi`` if it is a nested object of strings within the limits; ValidationFailed (422) otherwise."""
    def walk(node, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _invalid("Dữ liệu SCORM lồng nhau quá sâu.")
        for key, value in node.items():
            if not isinstance(key, str) or not key or len(key) > 64:
                raise _invalid("Tên phần tử SCORM không hợp lệ.")
            if isinstance(value, dict):
                walk(value, depth + 1)
            elif isinstance(value, list):
                # scorm-again renders empty collections as [] in some versions; only empty ones are accepted.
                if value:
                    raise _invalid(f"Phần tử SCORM {key[:64]} phải là đối tượng.")
            elif not isinstance(value, str):
                raise _invalid(f"Giá trị SCORM {key[:64]} phải là chuỗi.")
            elif len(value) > MAX_LEAF_CHARS or "\x00" in value:
                raise _invalid(f"Giá trị SCORM {key[:64]} quá dài hoặc chứa ký tự không hợp lệ.")

    if not isinstance(cmi, dict):
        raise _invalid("Thiếu dữ liệu cmi.")
    walk(cmi, 1)
    if len(json.dumps(cmi, ensure_ascii=False).encode("utf-8")) > MAX_STATE_BYTES:
        raise _invalid(f"Dữ liệu SCORM vượt quá {MAX_STATE_BYTES // 1024} KB.")
    return cmi


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"cmi": [message]})


def _get(cmi: dict, *path: str) -> str:
    node = cmi
    for part in path:
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    return node.strip() if isinstance(node, str) else ""


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _ratio(raw: float | None, low: float | None, high: float | None, default_high: float | None) -> float | None:
    if raw is None:
        return None
    low = 0.0 if low is None else low
    high = default_high if high is None else high
    if high is None or high <= low:
        return None
    return min(1.0, max(0.0, (raw - low) / (high - low)))


def progress(cmi: dict, version: str) -> tuple[bool, float | None]:
    """(completed, score 0..1 or None) of a session's ``cmi``, for the lecture's package progress.

    1.2: completed when lesson_status is completed, passed or failed (the student finished; failing is a
    score matter); the score is score.raw between score.min (default 0) and score.max (default 100, the
    range 1.2 defines for raw). 2004: completed when completion_status is completed or success_status says
    passed/failed; the score is score.scaled (-1..1, clamped to 0..1), else raw between min and max.
    """
    if version == "2004":
        completed = (_get(cmi, "completion_status") == "completed"
                     or _get(cmi, "success_status") in ("passed", "failed"))
        scaled = _number(_get(cmi, "score", "scaled"))
        if scaled is not None:
            return completed, min(1.0, max(0.0, scaled))
        return completed, _ratio(_number(_get(cmi, "score", "raw")), _number(_get(cmi, "score", "min")),
                                 _number(_get(cmi, "score", "max")), None)
    completed = _get(cmi, "core", "lesson_status") in _DONE_12
    return completed, _ratio(_number(_get(cmi, "core", "score", "raw")), _number(_get(cmi, "core", "score", "min")),
                             _number(_get(cmi, "core", "score", "max")), 100.0)


def _pick(saved: dict, shape: dict) -> dict:
    out = {}
    for key, sub in shape.items():
        value = saved.get(key) if isinstance(saved, dict) else None
        if sub is None:
            if isinstance(value, str) and value != "":
                out[key] = value
        else:
            picked = _pick(value or {}, sub)
            if picked:
                out[key] = picked
    return out


def launch_state(saved: dict | None, version: str, learner_id: int, learner_name: str) -> dict:
    """The ``cmi`` a new session starts from: the restored part of ``saved`` plus who the learner is.

    ``entry`` is "resume" when the last session ended suspended (the package asked to come back where it
    was), "" after an ordinary exit and "ab-initio" the first time, as both SCORM versions define it.
    """
    saved = saved or {}
    state = _pick(saved, _RESTORED[version])
    if version == "2004":
        exit_ = _get(saved, "exit")
        state.update(learner_id=str(learner_id), learner_name=learner_name, credit="credit", mode="normal",
                     entry="resume" if exit_ == "suspend" else ("" if saved else "ab-initio"))
        return state
    exit_ = _get(saved, "core", "exit")
    core = state.setdefault("core", {})
    core.update(student_id=str(learner_id), student_name=learner_name, credit="credit", lesson_mode="normal",
                entry="resume" if exit_ == "suspend" else ("" if saved else "ab-initio"))
    return state
