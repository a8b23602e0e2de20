"""Interval merging of watch reports: the pure arithmetic behind PUT /lectures/{id}/progress."""
import math

import pytest

from lms.lectures import watching
from lms.lectures.watching import merge


def test_overlapping_reports_count_once():
    first = merge([], [[0, 30]], 100)
    second = merge(first.intervals, [[20, 50]], 100)
    assert second.intervals == [(0, 50)]
    assert second.watched_s == pytest.approx(50)
    assert second.added_s == pytest.approx(20)


def test_duplicate_report_adds_nothing():
    first = merge([], [[10, 40]], 100)
    again = merge(first.intervals, [[10, 40], [10, 40]], 100)
    assert again.watched_s == pytest.approx(30)
    assert again.added_s == 0


def test_seeking_ahead_leaves_a_gap():
    # Watched 0-10, jumped to 90, watched to the end: the skipped 80 seconds never count.
    result = merge([], [[0, 10], [90, 100]], 100)
    assert result.intervals == [(0, 10), (90, 100)]
    assert watching.ratio(result.watched_s, 100) == pytest.approx(0.2)


def test_adjacent_spans_join():
    assert merge([], [[0, 10], [10, 20]], 100).intervals == [(0, 20)]


def test_spans_are_clamped_to_the_duration():
    result = merge([], [[95, 400]], 100)
    assert result.intervals == [(95, 100)]
    assert result.watched_s == pytest.approx(5)


@pytest.mark.parametrize("span", [[-5, 10], [30, 20], [40, 40], [150, 160], [math.nan, 5], [0, math.inf],
                                  ["a", 5], [1], [1, 2, 3], "0-5", None, [True, 5]])
def test_junk_spans_are_ignored(span):
    result = merge([[0, 5]], [span], 100)
    assert result.intervals == [(0, 5)]
    assert result.ignored == 1


def test_budget_caps_what_one_report_can_add():
    # A forged report claiming the whole hour after a few seconds of wall time adds only the budget.
    seen = watching.seen_after_report(0.0, 10)
    result = merge([], [[0, 3600]], 3600, budget_s=watching.report_budget(seen, 0.0))
    assert result.added_s == pytest.approx(10 * watching.MAX_PLAYBACK_RATE + watching.REPORT_SLACK_S)


def test_first_report_may_add_only_the_slack():
    seen = watching.seen_after_report(0.0, None)
    assert seen == 0
    result = merge([], [[0, 100000]], 100, budget_s=watching.report_budget(seen, 0.0))
    assert result.added_s == pytest.approx(watching.REPORT_SLACK_S)


def test_budget_is_cumulative_so_instant_reports_add_nothing_more():
    # Slack is granted once per row, not per report: the second instant report finds the budget spent.
    credited = watching.REPORT_SLACK_S
    assert watching.report_budget(watching.seen_after_report(0.0, 0.0), credited) == 0


def test_long_gaps_count_only_up_to_the_cap():
    # A report a day after the previous one does not bank a day of watching.
    seen = watching.seen_after_report(0.0, 86_400)
    assert seen == watching.MAX_REPORT_GAP_S
    assert watching.seen_after_report(seen, -30) == seen  # a clock stepping back counts nothing


def test_budget_counts_only_new_seconds():
    stored = [(0, 60)]
    result = merge(stored, [[0, 60], [60, 70]], 100, budget_s=10)
    assert result.intervals == [(0, 70)]


def test_completion_at_ninety_percent():
    assert not watching.is_complete(watching.ratio(89.9, 100))
    assert watching.is_complete(watching.ratio(90, 100))
    assert watching.is_complete(watching.ratio(54, 60), threshold=0.9)


def test_duration_must_be_positive():
    with pytest.raises(ValueError):
        merge([], [[0, 1]], 0)


def test_position_is_clamped():
    assert watching.clamp_position(500, 100) == 100
    assert watching.clamp_position(-3, 100) == 0
    assert watching.clamp_position(math.nan, 100) == 0
