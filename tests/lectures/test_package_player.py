"""The package player page: viewers of the lecture get a sandboxed frame with a signed launch URL; others 404."""
import re

from tests.media import packages
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixture)


def test_class_student_plays_the_package_sandboxed_and_others_cannot(world, fs_storage, login, make_lecture,
                                                                      asset):
    sim = upload(world.as_("teacher"), packages.html5_sim(), "con-lac.zip").get_json()["id"]
    pdf = asset(world.teacher, kind="pdf", filename="phieu.pdf")
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[sim, pdf], submit=True)

    page = login("hs.anh").get(f"/lectures/{lecture['id']}").get_data(as_text=True)
    assert f'/lectures/{lecture["id"]}/packages/{sim}"' in page and "Bài tương tác" in page

    resp = login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{sim}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Mô phỏng con lắc đơn" in html
    frame = re.search(r'<iframe[^>]*id="package-frame"[^>]*>', html, re.S).group(0)
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-modals"' in frame
    assert "allow-same-origin" not in frame
    assert re.search(rf'src="/api/v1/media/{sim}/pkg/\d+/[\w-]+/index.html"', frame)
    assert 'data-package-origin="null"' in html  # package.js takes messages from an opaque origin only

    assert login("hs.ngoai").get(f"/lectures/{lecture['id']}/packages/{sim}").status_code == 404
    assert login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{pdf}").status_code == 404
    other = upload(world.as_("teacher"), packages.html5_sim(), "khac.zip").get_json()["id"]
    assert login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{other}").status_code == 404
    # Through the API too: the lecture makes the package visible to its class, not to outsiders.
    assert world.as_("student").get(f"/media/{sim}/package").status_code == 302
    assert world.as_("outsider").get(f"/media/{sim}/package").status_code == 404


def test_packages_from_their_own_host_get_a_frame_with_a_real_origin(world, fs_storage, login, make_lecture,
                                                                      app, monkeypatch):
    monkeypatch.setitem(app.config, "PACKAGE_ORIGIN", "https://hoclieuso-goi.example.net")
    monkeypatch.setitem(app.config, "APP_ORIGINS", ("https://hoclieuso.example.edu.vn",))
    sim = upload(world.as_("teacher"), packages.html5_sim(), "con-lac.zip").get_json()["id"]
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[sim], submit=True)
    html = login("hs.anh").get(f"/lectures/{lecture['id']}/packages/{sim}").get_data(as_text=True)
    frame = re.search(r'<iframe[^>]*id="package-frame"[^>]*>', html, re.S).group(0)
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-modals allow-same-origin"' in frame
    assert re.search(rf'src="https://hoclieuso-goi.example.net/api/v1/media/{sim}/pkg/\d+/[\w-]+/index.html"', frame)
    assert 'data-package-origin="https://hoclieuso-goi.example.net"' in html


def test_package_progress_is_sticky_keeps_the_best_score_and_reaches_the_class_view(world, fs_storage, login,
                                                                                      make_lecture, asset):
    sim = upload(world.as_("teacher"), packages.html5_sim(), "con-lac.zip").get_json()["id"]
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[sim], submit=True)
    student = world.as_("student")
    path = f"/lectures/{lecture['id']}/progress"

    first = student.put(path, json={"media_id": sim, "score": 0.6})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["completed"] is False and first.get_json()["score"] == 0.6
    done = student.put(path, json={"media_id": sim, "completed": True, "score": 0.9}).get_json()
    assert done["completed"] is True and done["lecture_completed"] is True and done["lecture_watched_ratio"] == 1.0
    later = student.put(path, json={"media_id": sim, "completed": False, "score": 0.3}).get_json()
    assert later["completed"] is True and later["score"] == 0.9  # a retry never lowers what was earned

    for bad in ({"media_id": sim, "score": 1.5}, {"media_id": sim, "score": -0.1}):
        assert student.put(path, json=bad).status_code == 422
    # Video reports still need a position; a lecture without video answers that clearly.
    assert student.put(path, json={"media_id": 999999}).status_code in (409, 422)

    report = world.as_("teacher").get(f"{path}?class_id={world.klass}").get_json()
    anh = next(i for i in report["items"] if i["student_id"] == world.student)
    bao = next(i for i in report["items"] if i["student_id"] == world.student2)
    assert anh["packages"] == [{"media_id": sim, "completed": True, "score": 0.9}] and anh["completed"]
    assert bao["packages"] == [{"media_id": sim, "completed": False, "score": None}] and not bao["completed"]
    page = login("gv.lan").get(f"/lectures/{lecture['id']}/class-progress?class_id={world.klass}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bài tương tác" in html and "Xong · 9,0" in html


def test_video_progress_still_requires_a_position(world, make_lecture, asset):
    video = asset(world.teacher, duration_s=60.0)
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[video], submit=True)
    resp = world.as_("student").put(f"/lectures/{lecture['id']}/progress", json={"media_id": video})
    assert resp.status_code == 422 and "position_s" in resp.get_json()["errors"]
