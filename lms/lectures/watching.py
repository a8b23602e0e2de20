"""Watch-progress arithmetic, pure: merging the intervals a player reports into what was really watched.

A player reports the spans it actually played since its last report. The server keeps the union of those
spans per student and video, so watching the same minute twice counts once and jumping to the end (a seek)
counts nothing. Reports are distrusted: negative, inverted, non-finite or out-of-range spans are dropped,
spans are clamped to the video, and a report may add at most ``budget_s`` new seconds.

The budget comes from how long the server has actually seen the viewer on the lecture, not from what the
report claims: every report adds the wall-clock gap since the viewer's previous report on that lecture to the
row's ``seen_s`` (a gap is capped at ``MAX_REPORT_GAP_S``, so a report made a day after the last one banks no
day of "watching"), and all the seconds ever credited on a row stay within ``seen_s × MAX_PLAYBACK_RATE``
plus one small ``REPORT_SLACK_S``. The first report, with nothing seen before it, may add only the slack, and
no number of instant reports adds more: completing a video takes at least half its length in real time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

#: Share of a video that must have been watched for it to count as completed (overridable by the
#: LECTURE_COMPLETION_RATIO setting).
COMPLETION_RATIO = 0.9
#: Players may run at up to 2x speed; one report can add at most this many seconds per wall-clock second.
MAX_PLAYBACK_RATE = 2.0
#: Seconds allowed once per video on top of the wall-clock budget: request latency and clock rounding.
REPORT_SLACK_S = 5.0
#: The longest gap between two reports that counts as time in front of the lecture. The player reports every
#: 15 s while playing (browsers may slow a background tab's timer to once a minute) and once on play, so a
#: longer gap was a pause or an absence, not watching.
MAX_REPORT_GAP_S = 120.0
#: Spans shorter than this are rounding noise from the player's timeupdate events.
MIN_SPAN_S = 0.05
#: A report carries at most this many spans; more is not a player but a script.
MAX_SPANS_PER_REPORT = 500

Interval = tuple[float, float]


@dataclass(frozen=True)
class MergeResult:
    """The stored intervals after a report and what the report contributed."""

    intervals: list[Interval]
    watched_s: float
    added_s: float
    ignored: int


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def clean_spans(spans: Iterable[Sequence], duration_s: float) -> tuple[list[Interval], int]:
    """Keep the believable spans of a report, clamped to ``[0, duration_s]``; return them and the dropped count."""
    kept: list[Interval] = []
    ignored = 0
    for span in spans:
        if not isinstance(span, (list, tuple)) or len(span) != 2 or not all(_finite(v) for v in span):
            ignored += 1
            continue
        start, end = float(span[0]), float(span[1])
        if start < 0 or end <= start or start >= duration_s:
            ignored += 1
            continue
        end = min(end, duration_s)
        if end - start < MIN_SPAN_S:
            ignored += 1
            continue
        kept.append((start, end))
    return kept, ignored


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of ``intervals`` (touching spans are joined)."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def total(intervals: Iterable[Interval]) -> float:
    """Seconds covered by already-disjoint ``intervals``."""
    return sum(e - s for s, e in intervals)


def _new_parts(span: Interval, covered: list[Interval]) -> list[Interval]:
    """The pieces of ``span`` not already in ``covered`` (sorted, disjoint)."""
    parts: list[Interval] = []
    start, end = span
    for c_start, c_end in covered:
        if c_end <= start:
            continue
        if c_start >= end:
            break
        if c_start > start:
            parts.append((start, c_start))
        start = max(start, c_end)
        if start >= end:
            break
    if start < end:
        parts.append((start, end))
    return parts


def merge(stored: Iterable[Sequence], reported: Iterable[Sequence], duration_s: float,
          budget_s: float | None = None) -> MergeResult:
    """Merge a report into the stored intervals of one video.

    ``stored`` is what was kept before (trusted, but clamped again in case the duration changed);
    ``reported`` is the player's report. New coverage is accepted in the report's order until
    ``budget_s`` seconds have been added; the rest is ignored (and counted in ``ignored`` when a span is
    dropped entirely). ``duration_s`` must be positive.
    """
    if not _finite(duration_s) or duration_s <= 0:
        raise ValueError("duration_s must be a positive number")
    base, _ = clean_spans(stored, duration_s)
    covered = union(base)
    before = total(covered)
    spans, ignored = clean_spans(list(reported)[:MAX_SPANS_PER_REPORT], duration_s)
    remaining = math.inf if budget_s is None else max(0.0, float(budget_s))
    for span in spans:
        accepted_any = False
        for part_start, part_end in _new_parts(span, covered):
            if remaining <= 0:
                break
            part_end = min(part_end, part_start + remaining)
            if part_end - part_start < MIN_SPAN_S:
                continue
            remaining -= part_end - part_start
            covered = union(covered + [(part_start, part_end)])
            accepted_any = True
        if not accepted_any and remaining <= 0:
            ignored += 1
    watched = min(total(covered), duration_s)
    return MergeResult(intervals=[(round(s, 3), round(e, 3)) for s, e in covered], watched_s=watched,
                       added_s=watched - before, ignored=ignored)


def ratio(watched_s: float, duration_s: float) -> float:
    """Watched share in ``[0, 1]``, rounded to 4 places so stored and reported values agree."""
    if not duration_s or duration_s <= 0:
        return 0.0
    return round(min(1.0, max(0.0, watched_s / duration_s)), 4)


def is_complete(watched_ratio: float, threshold: float = COMPLETION_RATIO) -> bool:
    """Completed once the watched share reaches ``threshold`` (a small epsilon absorbs float noise)."""
    return watched_ratio + 1e-9 >= threshold


def seen_after_report(seen_s: float, seconds_since_last: float | None) -> float:
    """The viewer's time on the lecture after a report arriving ``seconds_since_last`` after their previous
    report on it (None: the first report, which proves no time spent yet). Gaps count up to
    ``MAX_REPORT_GAP_S``; a negative gap (clock step) counts nothing."""
    if seconds_since_last is None or not _finite(seconds_since_last):
        return max(0.0, seen_s)
    return max(0.0, seen_s) + min(MAX_REPORT_GAP_S, max(0.0, seconds_since_last))


def report_budget(seen_s: float, credited_s: float) -> float:
    """New seconds one report may add to a row that has ``credited_s`` watched seconds, when the server has
    seen the viewer for ``seen_s`` seconds: the whole row never holds more than ``seen_s`` at
    ``MAX_PLAYBACK_RATE`` plus one ``REPORT_SLACK_S``."""
    allowed = max(0.0, seen_s) * MAX_PLAYBACK_RATE + REPORT_SLACK_S
    return max(0.0, allowed - max(0.0, credited_s))


def clamp_position(position_s, duration_s: float) -> float:
    """A resume position inside the video; junk becomes 0."""
    if not _finite(position_s) or position_s < 0:
        return 0.0
    return float(min(position_s, duration_s))
