"""Watch progress through the API: merging, seeking ahead, forged reports, completion, the class view."""
import pytest


@pytest.fixture
def lecture(world, make_lecture, asset):
    video = asset(world.teacher, duration_s=100.0)
    doc = asset(world.teacher, kind="pdf")
    data = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[doc, video], submit=True)
    return data["id"], video


def _report(student, lid, position_s, watched, **extra):
    resp = student.put(f"/lectures/{lid}/progress", json={"position_s": position_s, "watched": watched, **extra})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_reports_merge_and_complete_at_ninety_percent(world, lecture, clock):
    lid, video = lecture
    student = world.as_("student")
    start = _report(student, lid, 0, [])  # the player's report on pressing play opens the clock
    assert start["media_id"] == video  # the first playable attachment, not the PDF
    clock.advance(30)
    first = _report(student, lid, 30, [[0, 30]])
    assert first["watched_ratio"] == pytest.approx(0.3) and not first["completed"]
    again = _report(student, lid, 30, [[0, 30], [10, 20]], media_id=video)
    assert again["watched_ratio"] == pytest.approx(0.3)  # duplicates count once
    clock.advance(30)
    _report(student, lid, 60, [[25, 60]])
    clock.advance(30)
    almost = _report(student, lid, 89.5, [[60, 89.5]])
    assert almost["watched_ratio"] == pytest.approx(0.895) and not almost["completed"]
    clock.advance(1)
    done = _report(student, lid, 90, [[89.5, 90]])
    assert done["watched_ratio"] == pytest.approx(0.9) and done["completed"] and done["lecture_completed"]


def test_a_genuine_player_sequence_completes(world, lecture, clock):
    # What player.js sends: an empty report on play, then the spans played every 15 s.
    lid, _ = lecture
    student = world.as_("student")
    _report(student, lid, 0, [])
    body = None
    for t in range(15, 101, 15):
        clock.advance(15)
        body = _report(student, lid, min(t, 100), [[t - 15, min(t, 100)]])
    clock.advance(10)
    body = _report(student, lid, 100, [[90, 100]])
    assert body["completed"] and body["watched_ratio"] == pytest.approx(1.0)


def test_seeking_ahead_never_counts(world, lecture, clock):
    lid, _ = lecture
    student = world.as_("student")
    _report(student, lid, 0, [])
    clock.advance(10)
    _report(student, lid, 10, [[0, 10]])
    clock.advance(5)
    # Jumped to 95 and watched to the end.
    resp = _report(student, lid, 100, [[95, 100]])
    assert resp["watched_ratio"] == pytest.approx(0.15) and not resp["completed"]
    assert resp["position_s"] == 100


def test_forged_and_junk_reports_are_cut_down(world, lecture, clock):
    lid, _ = lecture
    student = world.as_("student")
    body = _report(student, lid, 100, [[0, 100000], [-5, 3], [9, 2], ["x", 1], [1e308, 1.7e308]])
    # The very first report, with no time seen before it, may add only the small slack.
    assert body["watched_ratio"] == pytest.approx(0.05) and not body["completed"]
    # 1e309 is Infinity once parsed, and Infinity is not JSON: the boundary refuses the body (lms.core.rest).
    resp = student.put(f"/lectures/{lid}/progress", json={"position_s": 100, "watched": [[1e308, 1e309]]})
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"


def test_many_instant_reports_cannot_complete(world, lecture, clock):
    # The slack is granted once, not per report: a script firing reports without time passing gains nothing.
    lid, _ = lecture
    student = world.as_("student")
    for _ in range(50):
        body = _report(student, lid, 100, [[0, 100]])
    assert body["watched_ratio"] == pytest.approx(0.05) and not body["completed"]
    clock.advance(10)  # ten seconds in front of the lecture credit twenty at most (2x playback)
    body = _report(student, lid, 100, [[0, 100]])
    assert body["watched_ratio"] == pytest.approx(0.25) and not body["completed"]


def test_a_day_between_reports_banks_no_day_of_watching(world, make_lecture, asset, clock):
    hour = asset(world.teacher, duration_s=3600.0)
    lid = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[hour], submit=True)["id"]
    student = world.as_("student")
    _report(student, lid, 0, [])
    clock.advance(86_400)
    body = _report(student, lid, 3600, [[0, 3600]])
    # Only MAX_REPORT_GAP_S of the day counts, at 2x, plus the slack: 245 of the 3600 s claimed.
    assert body["watched_ratio"] == pytest.approx(245 / 3600, abs=1e-4) and not body["completed"]


def test_two_videos_share_the_time_in_front_of_the_lecture(world, make_lecture, asset, clock):
    one, two = asset(world.teacher, duration_s=100.0), asset(world.teacher, duration_s=100.0)
    lid = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[one, two], submit=True)["id"]
    student = world.as_("student")
    _report(student, lid, 0, [], media_id=one)
    clock.advance(20)
    first = _report(student, lid, 20, [[0, 40]], media_id=one)
    # No time passed since the report on the other video: the second video gets only its slack.
    second = _report(student, lid, 40, [[0, 40]], media_id=two)
    assert first["watched_ratio"] == pytest.approx(0.4)
    assert second["watched_ratio"] == pytest.approx(0.05)


@pytest.mark.parametrize("payload", [{"watched": [[0, 1]]}, {"position_s": -1}, {"position_s": "abc"},
                                     {"position_s": 1, "watched": "0-5"}, {"position_s": 1, "media_id": 999999}])
def test_bad_reports_are_422(world, lecture, payload):
    lid, _ = lecture
    resp = world.as_("student").put(f"/lectures/{lid}/progress", json=payload)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"


def test_only_students_who_may_view_report(world, lecture):
    lid, _ = lecture
    assert world.as_("outsider").put(f"/lectures/{lid}/progress", json={"position_s": 1}).status_code == 404
    assert world.as_("teacher").put(f"/lectures/{lid}/progress", json={"position_s": 1}).status_code == 403


def test_video_not_ready_is_a_conflict(world, make_lecture, asset):
    video = asset(world.teacher, duration_s=None, status="processing")
    lid = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[video], submit=True)["id"]
    resp = world.as_("student").put(f"/lectures/{lid}/progress", json={"position_s": 1, "watched": [[0, 1]]})
    assert resp.status_code == 409


def test_teacher_sees_every_student_of_the_class(world, lecture, clock):
    lid, video = lecture
    _report(world.as_("student"), lid, 0, [])
    clock.advance(20)
    _report(world.as_("student"), lid, 20, [[0, 20]])
    report = world.as_("teacher").get(f"/lectures/{lid}/progress?class_id={world.klass}")
    assert report.status_code == 200
    rows = {r["student_id"]: r for r in report.get_json()["items"]}
    assert set(rows) == {world.student, world.student2}  # also the one who never pressed play
    assert rows[world.student]["watched_ratio"] == pytest.approx(0.2)
    assert rows[world.student]["position_s"] == 20
    assert rows[world.student2]["watched_ratio"] == 0 and rows[world.student2]["completed"] is False
    assert report.get_json()["completion_ratio"] == 0.9


def test_student_sees_only_own_progress(world, lecture, clock):
    lid, _ = lecture
    _report(world.as_("student2"), lid, 20, [[0, 20]])
    mine = world.as_("student").get(f"/lectures/{lid}/progress?class_id={world.klass}").get_json()
    assert [r["student_id"] for r in mine["items"]] == [world.student]
    assert mine["items"][0]["watched_ratio"] == 0


def test_teacher_needs_a_class_they_teach(world, lecture, factory):
    lid, _ = lecture
    teacher = world.as_("teacher")
    assert teacher.get(f"/lectures/{lid}/progress").status_code == 422
    other = factory.klass(world.school, name="11B2")
    assert teacher.get(f"/lectures/{lid}/progress?class_id={other}").status_code == 404
