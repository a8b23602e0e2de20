"""SCORM packages of a lecture: the student's cmi state is saved per lecture and package, restored on the next
launch (resume), and its status and score become the package's progress in the class view."""
from __future__ import annotations

import json
import re

import pytest

from lms.lectures import scorm
from tests.conftest import PASSWORD
from tests.media import packages
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixture)


@pytest.fixture
def scorm_lecture(world, fs_storage, make_lecture):
    sco = upload(world.as_("teacher"), packages.scorm12_runtime(), "phan-so.zip").get_json()["id"]
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[sco], submit=True)
    return lecture["id"], sco


def _commit(location, status="incomplete", raw=None, exit_="suspend"):
    core = {"lesson_location": location, "lesson_status": status, "exit": exit_, "session_time": "00:01:00",
            "total_time": "00:02:00", "student_id": "x", "score": {"raw": raw or "", "min": "0", "max": "10"}}
    return {"core": core, "suspend_data": f"trang={location}", "interactions": {}, "objectives": {}}


def test_first_launch_starts_ab_initio_with_the_learner(world, scorm_lecture):
    lecture_id, sco = scorm_lecture
    body = world.as_("student").get(f"/lectures/{lecture_id}/packages/{sco}/runtime").get_json()
    assert body["version"] == "1.2"
    assert body["cmi"] == {"core": {"student_id": str(world.student), "student_name": body["cmi"]["core"]
                                    ["student_name"], "credit": "credit", "lesson_mode": "normal",
                                    "entry": "ab-initio"}}
    assert body["cmi"]["core"]["student_name"]


def test_a_suspended_session_resumes_where_it_left_off(world, scorm_lecture):
    lecture_id, sco = scorm_lecture
    student = world.as_("student")
    path = f"/lectures/{lecture_id}/packages/{sco}/runtime"
    saved = student.put(path, json={"cmi": _commit("2")})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["completed"] is False and saved.get_json()["score"] is None
    cmi = student.get(path).get_json()["cmi"]
    assert cmi["core"]["lesson_location"] == "2" and cmi["suspend_data"] == "trang=2"
    assert cmi["core"]["entry"] == "resume" and cmi["core"]["total_time"] == "00:02:00"
    assert "session_time" not in cmi["core"] and "exit" not in cmi["core"]  # session-only elements
    assert cmi["core"]["student_id"] == str(world.student)  # never what the package wrote
    # Another student of the class starts fresh: the state is per student.
    assert world.as_("student2").get(path).get_json()["cmi"]["core"]["entry"] == "ab-initio"
    # An ordinary exit gives "" next time, as SCORM 1.2 defines it.
    student.put(path, json={"cmi": _commit("3", exit_="")})
    assert student.get(path).get_json()["cmi"]["core"]["entry"] == ""


def test_passed_with_a_score_reaches_the_class_progress_and_stays(world, scorm_lecture, app):
    lecture_id, sco = scorm_lecture
    student = world.as_("student")
    path = f"/lectures/{lecture_id}/packages/{sco}/runtime"
    done = student.put(path, json={"cmi": _commit("3", status="passed", raw="8")}).get_json()
    assert done["completed"] is True and done["score"] == pytest.approx(0.8) and done["lecture_completed"]
    # A later, worse session keeps completion and the best score.
    later = student.put(path, json={"cmi": _commit("1", status="incomplete", raw="3")}).get_json()
    assert later["completed"] is True and later["score"] == pytest.approx(0.8)
    report = world.as_("teacher").get(f"/lectures/{lecture_id}/progress?class_id={world.klass}").get_json()
    anh = next(i for i in report["items"] if i["student_id"] == world.student)
    assert anh["packages"] == [{"media_id": sco, "completed": True, "score": pytest.approx(0.8)}]


@pytest.mark.parametrize("cmi", [
    "x", [], {"core": {"lesson_location": 3}}, {"core": {"lesson_location": None}},
    {"suspend_data": "a" * 64_001}, {"suspend_data": "a\x00"}, {"": "x"},
    {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": "x"}}}}}}}}},
    {"interactions": ["x"]},
])
def test_malformed_state_is_a_422_not_stored(world, scorm_lecture, cmi):
    lecture_id, sco = scorm_lecture
    student = world.as_("student")
    path = f"/lectures/{lecture_id}/packages/{sco}/runtime"
    resp = student.put(path, json={"cmi": cmi})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert student.get(path).get_json()["cmi"]["core"]["entry"] == "ab-initio"


def test_too_large_state_is_refused(world, scorm_lecture):
    lecture_id, sco = scorm_lecture
    cmi = {f"k{i}": "x" * 60_000 for i in range(5)}
    resp = world.as_("student").put(f"/lectures/{lecture_id}/packages/{sco}/runtime", json={"cmi": cmi})
    assert resp.status_code in (413, 422)


def test_only_the_lectures_students_and_only_scorm_packages(world, fs_storage, scorm_lecture, make_lecture):
    lecture_id, sco = scorm_lecture
    path = f"/lectures/{lecture_id}/packages/{sco}/runtime"
    assert world.as_("outsider").get(path).status_code == 404
    assert world.as_("outsider").put(path, json={"cmi": _commit("1")}).status_code == 404
    assert world.as_("teacher").put(path, json={"cmi": _commit("1")}).status_code == 403
    sim = upload(world.as_("teacher"), packages.html5_sim(), "con-lac.zip").get_json()["id"]
    other = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[sim], submit=True)
    assert world.as_("student").get(f"/lectures/{other['id']}/packages/{sim}/runtime").status_code == 404
    assert world.as_("student").get(f"/lectures/{lecture_id}/packages/{sim}/runtime").status_code == 404


def test_the_player_page_embeds_the_launch_state_and_loads_the_frame_after_the_runtime(world, scorm_lecture, app):
    lecture_id, sco = scorm_lecture
    world.as_("student").put(f"/lectures/{lecture_id}/packages/{sco}/runtime", json={"cmi": _commit("2")})
    client = app.test_client()
    assert client.post("/login", data={"username": "hs.anh", "password": PASSWORD}).status_code == 302
    html = client.get(f"/lectures/{lecture_id}/packages/{sco}").get_data(as_text=True)
    launch = json.loads(re.search(r'<script type="application/json" id="scorm-launch">(.*?)</script>', html,
                                  re.S).group(1))
    assert launch["version"] == "1.2" and launch["cmi"]["core"]["lesson_location"] == "2"
    frame = re.search(r'<iframe[^>]*id="package-frame"[^>]*>', html, re.S).group(0)
    assert " src=" not in frame and re.search(r'data-src="/api/v1/media/\d+/pkg/', frame)
    assert "allow-same-origin" not in frame
    assert html.index("package.js") < html.index("scorm-again/scorm12.min.js") < html.index("scorm-player.js")
    # A teacher previewing gets the runtime too (the package needs its API) but a fresh, unsaved session.
    teacher = app.test_client()
    assert teacher.post("/login", data={"username": "gv.lan", "password": PASSWORD}).status_code == 302
    html = teacher.get(f"/lectures/{lecture_id}/packages/{sco}").get_data(as_text=True)
    assert '"entry": "ab-initio"' in html and 'data-track="false"' in html


def test_progress_mapping_for_both_versions():
    assert scorm.progress({"core": {"lesson_status": "failed", "score": {"raw": "40"}}}, "1.2") == (True, 0.4)
    assert scorm.progress({"core": {"lesson_status": "browsed"}}, "1.2") == (False, None)
    assert scorm.progress({"core": {"score": {"raw": "15", "min": "", "max": "10"}}}, "1.2") == (False, 1.0)
    assert scorm.progress({"core": {"score": {"raw": "nan"}}}, "1.2") == (False, None)
    assert scorm.progress({"completion_status": "completed", "score": {"scaled": "0.75"}}, "2004") == (True, 0.75)
    assert scorm.progress({"success_status": "passed", "score": {"scaled": "-0.5"}}, "2004") == (True, 0.0)
    assert scorm.progress({"completion_status": "incomplete", "score": {"raw": "6", "min": "0", "max": "8"}},
                          "2004") == (False, 0.75)
    assert scorm.progress({"score": {"raw": "6"}}, "2004") == (False, None)  # no range: no ratio
    state = scorm.launch_state({"location": "s2", "exit": "suspend", "suspend_data": "zz", "session_time": "PT1M"},
                               "2004", 7, "An")
    assert state == {"location": "s2", "suspend_data": "zz", "learner_id": "7", "learner_name": "An",
                     "credit": "credit", "mode": "normal", "entry": "resume"}
