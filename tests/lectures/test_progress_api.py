"""Watch progress through the API: merging, seeking ahead, forged reports, completion, the class view."""
import pytest


@pytest.fixture
def lecture(world, make_lecture, asset):
    video = asset(world.teacher, duration_s=100.0)
    doc = asset(world.teacher, kind="pdf")
    data = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[doc, video], submit=True)
    return data["id"], video


def test_reports_merge_and_complete_at_ninety_percent(world, lecture):
    lid, video = lecture
    student = world.as_("student")
    first = student.put(f"/lectures/{lid}/progress", json={"position_s": 30, "watched": [[0, 30]]}).get_json()
    assert first["media_id"] == video  # the first playable attachment, not the PDF
    assert first["watched_ratio"] == pytest.approx(0.3) and not first["completed"]
    again = student.put(f"/lectures/{lid}/progress", json={"media_id": video, "position_s": 30,
                                                           "watched": [[0, 30], [10, 20]]}).get_json()
    assert again["watched_ratio"] == pytest.approx(0.3)  # duplicates count once
    student.put(f"/lectures/{lid}/progress", json={"position_s": 60, "watched": [[25, 60]]})
    almost = student.put(f"/lectures/{lid}/progress", json={"position_s": 89.5, "watched": [[60, 89.5]]}).get_json()
    assert almost["watched_ratio"] == pytest.approx(0.895) and not almost["completed"]
    done = student.put(f"/lectures/{lid}/progress", json={"position_s": 90, "watched": [[89.5, 90]]}).get_json()
    assert done["watched_ratio"] == pytest.approx(0.9) and done["completed"] and done["lecture_completed"]


def test_seeking_ahead_never_counts(world, lecture):
    lid, _ = lecture
    student = world.as_("student")
    student.put(f"/lectures/{lid}/progress", json={"position_s": 10, "watched": [[0, 10]]})
    # Jumped to 95 and watched to the end.
    resp = student.put(f"/lectures/{lid}/progress", json={"position_s": 100, "watched": [[95, 100]]}).get_json()
    assert resp["watched_ratio"] == pytest.approx(0.15) and not resp["completed"]
    assert resp["position_s"] == 100


def test_forged_and_junk_reports_are_cut_down(world, lecture):
    lid, _ = lecture
    student = world.as_("student")
    resp = student.put(f"/lectures/{lid}/progress",
                       json={"position_s": 100,
                             "watched": [[0, 100000], [-5, 3], [9, 2], ["x", 1], [1e308, 1e309]]})
    body = resp.get_json()
    assert resp.status_code == 200
    # One instant report may add only the slack (30 s), not the claimed whole video.
    assert body["watched_ratio"] == pytest.approx(0.3) and not body["completed"]


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


def test_teacher_sees_every_student_of_the_class(world, lecture):
    lid, video = lecture
    world.as_("student").put(f"/lectures/{lid}/progress", json={"position_s": 20, "watched": [[0, 20]]})
    report = world.as_("teacher").get(f"/lectures/{lid}/progress?class_id={world.klass}")
    assert report.status_code == 200
    rows = {r["student_id"]: r for r in report.get_json()["items"]}
    assert set(rows) == {world.student, world.student2}  # also the one who never pressed play
    assert rows[world.student]["watched_ratio"] == pytest.approx(0.2)
    assert rows[world.student]["position_s"] == 20
    assert rows[world.student2]["watched_ratio"] == 0 and rows[world.student2]["completed"] is False
    assert report.get_json()["completion_ratio"] == 0.9


def test_student_sees_only_own_progress(world, lecture):
    lid, _ = lecture
    world.as_("student2").put(f"/lectures/{lid}/progress", json={"position_s": 20, "watched": [[0, 20]]})
    mine = world.as_("student").get(f"/lectures/{lid}/progress?class_id={world.klass}").get_json()
    assert [r["student_id"] for r in mine["items"]] == [world.student]
    assert mine["items"][0]["watched_ratio"] == 0


def test_teacher_needs_a_class_they_teach(world, lecture, factory):
    lid, _ = lecture
    teacher = world.as_("teacher")
    assert teacher.get(f"/lectures/{lid}/progress").status_code == 422
    other = factory.klass(world.school, name="11B2")
    assert teacher.get(f"/lectures/{lid}/progress?class_id={other}").status_code == 404
