"""Interactive packages on a phone: a teacher's HTML5 simulation plays sandboxed in the lecture's player page,
and a hostile package can neither read the platform's cookies nor call its API as the student."""
from __future__ import annotations

import json
import re
import time

import pytest
import requests

from tests.e2e.conftest import DEMO_PASSWORD, OUT, assert_clean
from tests.media import packages

pytestmark = pytest.mark.browser

#: A "simulation" that tries what a malicious package would: read cookies and storage, call the API with the
#: student's session, reach into the parent page. It writes what happened into its own page.
PROBE_JS = """(async function () {
  const out = {};
  try { out.cookie = document.cookie; } catch (e) { out.cookie = 'denied:' + e.name; }
  try { out.storage = String(localStorage.length); } catch (e) { out.storage = 'denied:' + e.name; }
  try { out.parent = parent.document.title; } catch (e) { out.parent = 'denied:' + e.name; }
  try {
    const r = await fetch('/api/v1/me', {credentials: 'include'});
    out.me = r.status + ':' + (await r.text()).slice(0, 200);
  } catch (e) { out.me = 'denied:' + e.name; }
  out.origin = String(self.origin);
  document.getElementById('probe').textContent = JSON.stringify(out);
})();
"""
PROBE_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thí nghiệm ảo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Thí nghiệm ảo</h1><pre id="probe">đang chạy</pre><script src="probe.js"></script></body></html>"""


def _token(base, username):
    resp = requests.post(base + "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD},
                         timeout=30)
    resp.raise_for_status()
    return resp.json()["token"]


def _upload_ready(base, token, data, name):
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.post(base + "/api/v1/media", files={"file": (name, data, "application/zip")},
                         headers=headers, timeout=60)
    assert resp.status_code == 201, resp.text
    asset_id = resp.json()["id"]
    deadline = time.time() + 60
    while True:
        body = requests.get(f"{base}/api/v1/media/{asset_id}", headers=headers, timeout=30).json()
        if body["status"] in ("ready", "failed"):
            return body
        assert time.time() < deadline, body
        time.sleep(0.5)


def _lecture_with(base, token, media_ids, title):
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.post(base + "/api/v1/lectures", headers=headers, timeout=30, json={
        "title": title, "subject": "toan", "grade": 10, "visibility": "school", "media_ids": media_ids})
    assert resp.status_code == 201, resp.text
    lecture_id = resp.json()["id"]
    resp = requests.post(f"{base}/api/v1/lectures/{lecture_id}/submit", headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    return lecture_id


def _student_login(page):
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("student")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("load")


def test_student_plays_an_html5_sim_and_a_hostile_package_stays_in_its_sandbox(live_server, phone):
    base = live_server["url"]
    teacher = _token(base, "teacher")
    sim = _upload_ready(base, teacher, packages.html5_sim(), "con-lac.zip")
    probe = _upload_ready(base, teacher, packages.zip_bytes({"index.html": PROBE_HTML, "probe.js": PROBE_JS}),
                          "thi-nghiem.zip")
    bomb = _upload_ready(base, teacher, packages.bomb(), "bom.zip")
    assert sim["status"] == probe["status"] == "ready" and sim["package"]["type"] == "html5"
    assert bomb["status"] == "failed" and "bom nén" in bomb["error"]
    lecture_id = _lecture_with(base, teacher, [sim["id"], probe["id"]], "Con lắc đơn và thí nghiệm ảo")

    page = phone
    _student_login(page)
    page.goto(f"/lectures/{lecture_id}")
    page.get_by_role("link", name="con-lac.zip").click()
    page.wait_for_url(re.compile(rf"/lectures/{lecture_id}/packages/{sim['id']}$"))
    page.get_by_role("heading", name="Mô phỏng con lắc đơn").wait_for()  # the package's own <title>
    frame = page.frame_locator("#package-frame")
    frame.locator("#status").filter(has_text="sẵn sàng").wait_for()
    box = page.locator("#package-frame").bounding_box()
    assert box["width"] >= 340 and box["x"] + box["width"] <= 390  # full width, no sideways scrolling
    page.screenshot(path=str(OUT / "packages-01-html5-sim.png"), full_page=True)

    # The platform's own page holds a readable cookie and a session; the package must see neither.
    page.goto(f"/lectures/{lecture_id}")
    page.evaluate("document.cookie = 'bi_mat=khong-duoc-doc; path=/'")
    assert any(c["name"] == "bi_mat" for c in page.context.cookies())
    assert_clean(page)
    # The probe's refused fetch is logged by Chromium as a console error: that is the point of the test.
    page._lms_watch.allowing(r"blocked by CORS policy", r"net::ERR_FAILED")
    page.goto(f"/lectures/{lecture_id}/packages/{probe['id']}")
    result = page.frame_locator("#package-frame").locator("#probe")
    result.filter(has_text="origin").wait_for()
    seen = json.loads(result.inner_text())
    page.screenshot(path=str(OUT / "packages-02-sandbox-probe.png"), full_page=True)
    assert seen["origin"] == "null", seen                      # opaque origin
    assert seen["cookie"].startswith("denied:"), seen          # SecurityError: no cookie access at all
    assert seen["storage"].startswith("denied:"), seen
    assert seen["parent"].startswith("denied:"), seen          # cannot script the lecture page
    assert seen["me"].startswith("denied:"), seen              # the API answers no opaque origin
    assert "student" not in json.dumps(seen)


def _status(page, text):
    page.locator(".package-status").filter(has_text=text).wait_for()


def test_student_resumes_a_scorm_package_and_scores_on_an_h5p_package(live_server, phone, browser):
    base = live_server["url"]
    teacher = _token(base, "teacher")
    sco = _upload_ready(base, teacher, packages.scorm12_runtime(), "phan-so.zip")
    h5p = _upload_ready(base, teacher, packages.h5p_true_false(), "dung-sai.h5p")
    assert sco["package"]["type"] == "scorm" and h5p["package"]["type"] == "h5p", (sco, h5p)
    lecture_id = _lecture_with(base, teacher, [sco["id"], h5p["id"]], "Phân số: bài SCORM và câu hỏi H5P")

    page = phone
    _student_login(page)
    # SCORM 1.2: the package finds window.API in its own sandboxed document, starts ab initio, moves on.
    page.goto(f"/lectures/{lecture_id}/packages/{sco['id']}")
    frame = page.frame_locator("#package-frame")
    frame.locator("#page").filter(has_text="Trang 1/3").wait_for()
    assert "entry=ab-initio" in frame.locator("#entry").inner_text()
    frame.get_by_role("button", name="Trang tiếp").click()
    _status(page, "Đã ghi nhận tiến độ")
    frame.get_by_role("button", name="Trang tiếp").click()
    frame.locator("#page").filter(has_text="Trang 3/3").wait_for()
    page.wait_for_function("""() => performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/runtime')).length >= 2""")
    page.screenshot(path=str(OUT / "packages-03-scorm-page3.png"), full_page=True)

    # Reload: the saved cmi comes back, the package resumes on page 3 with entry=resume.
    page.reload()
    frame = page.frame_locator("#package-frame")
    frame.locator("#page").filter(has_text="Trang 3/3").wait_for()
    assert "entry=resume" in frame.locator("#entry").inner_text()
    frame.get_by_role("button", name="Nộp bài").click()
    frame.locator("#result").filter(has_text="đã nộp: 8/10").wait_for()
    _status(page, "Đã hoàn thành · điểm cao nhất 8/10")
    box = page.locator("#package-frame").bounding_box()
    assert box["width"] >= 340 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(OUT / "packages-04-scorm-passed.png"), full_page=True)

    # H5P: the real True/False package plays in h5p-standalone; its xAPI "answered" is the score.
    page.goto(f"/lectures/{lecture_id}/packages/{h5p['id']}")
    content = page.frame_locator("#package-frame")
    content.get_by_text("Is this false?").wait_for()
    content.get_by_role("radio", name="False").click()
    content.get_by_role("button", name="Check").click()
    _status(page, "Đã hoàn thành · điểm cao nhất 10/10")
    page.screenshot(path=str(OUT / "packages-05-h5p-answered.png"), full_page=True)
    assert_clean(page)

    # The class progress has both packages done with their scores.
    headers = {"Authorization": f"Bearer {teacher}"}
    me = requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {_token(base, 'student')}"},
                      timeout=30).json()
    classes = requests.get(base + "/api/v1/classes", headers=headers, timeout=30).json()
    found = class_id = None
    for klass in classes.get("items", classes if isinstance(classes, list) else []):
        report = requests.get(f"{base}/api/v1/lectures/{lecture_id}/progress?class_id={klass['id']}",
                              headers=headers, timeout=30).json()
        mine = next((i for i in report.get("items", []) if i["student_id"] == me["id"]), None)
        if mine:
            found, class_id = mine, klass["id"]
    assert found is not None
    by_media = {p["media_id"]: p for p in found["packages"]}
    assert by_media[sco["id"]]["completed"] and abs(by_media[sco["id"]]["score"] - 0.8) < 1e-9, found
    assert by_media[h5p["id"]]["completed"] and by_media[h5p["id"]]["score"] == 1.0, found
    assert found["completed"]

    # The teacher counts the SCORM package in a column of the class's gradebook (học kì II) from the class
    # progress page; the student's best score lands there as 8,0.
    resp = requests.post(base + "/api/v1/gradebook/columns", headers=headers, timeout=30, json={
        "class_id": class_id, "subject": "toan", "semester": 2, "kind": "tx", "title": "Bài tương tác phân số"})
    assert resp.status_code == 201, resp.text
    column_id = resp.json()["id"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", base_url=base)
    try:
        teacher_page = context.new_page()
        teacher_page.set_default_timeout(20000)
        teacher_page.goto("/login")
        teacher_page.get_by_label("Tên đăng nhập").fill("teacher")
        teacher_page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        teacher_page.get_by_role("button", name="Đăng nhập").click()
        teacher_page.wait_for_load_state("load")
        teacher_page.goto(f"/lectures/{lecture_id}/class-progress?class_id={class_id}")
        teacher_page.get_by_label("Học kì").select_option("2")
        picker = teacher_page.locator(f"#pg-column-{sco['id']}")
        picker.locator(f"option[value='{column_id}']").wait_for(state="attached")
        picker.select_option(str(column_id))
        teacher_page.locator(f".package-gradebook-row[data-media-id='{sco['id']}']").get_by_role(
            "button", name="Lưu").click()
        teacher_page.locator("#pg-status").filter(has_text="Đã lưu").wait_for()
        teacher_page.screenshot(path=str(OUT / "packages-06-teacher-counts-package.png"), full_page=True)
    finally:
        context.close()
    book = requests.get(f"{base}/api/v1/gradebook?class_id={class_id}&subject=toan&semester=2", headers=headers,
                        timeout=30).json()
    row = next(r for r in book["rows"] if r["student_id"] == me["id"])
    assert row["scores"][str(column_id)] == "8.0", row


def test_a_scorm_2004_package_resumes_and_reports_its_scaled_score(live_server, phone):
    base = live_server["url"]
    teacher = _token(base, "teacher")
    sco = _upload_ready(base, teacher, packages.scorm2004_runtime(), "hinh-hoc.zip")
    assert sco["package"]["version"] == "2004", sco
    lecture_id = _lecture_with(base, teacher, [sco["id"]], "Hình học: bài SCORM 2004")
    page = phone
    _student_login(page)
    page.goto(f"/lectures/{lecture_id}/packages/{sco['id']}")
    frame = page.frame_locator("#package-frame")
    frame.locator("#where").filter(has_text="Phần 1 (ab-initio)").wait_for()
    frame.get_by_role("button", name="Phần tiếp").click()
    frame.locator("#where").filter(has_text="Phần 2").wait_for()
    _status(page, "Đã ghi nhận tiến độ")
    page.reload()
    frame = page.frame_locator("#package-frame")
    frame.locator("#where").filter(has_text="Phần 2 (resume)").wait_for()
    frame.get_by_role("button", name="Hoàn thành").click()
    frame.locator("#result").filter(has_text="xong: 0.9").wait_for()
    _status(page, "Đã hoàn thành · điểm cao nhất 9/10")
    page.screenshot(path=str(OUT / "packages-07-scorm2004.png"), full_page=True)


#: What a hostile SCORM package tries besides the probe: ask the player page's runtime for a method outside the
#: SCORM API (scorm-again's loadFromJSON would overwrite the learner's id), and read the learner from the API.
SCORM_PROBE_JS = PROBE_JS.replace("document.getElementById('probe').textContent = JSON.stringify(out);", """
  out.api = typeof window.API;
  out.student = window.API ? window.API.LMSGetValue('cmi.core.student_id') : '';
  out.refused = await new Promise(function (resolve) {
    window.addEventListener('message', function (ev) {
      if (ev.data && ev.data.messageId === 'evil-1') resolve(ev.data.error ? ev.data.error.message : 'answered');
    });
    parent.postMessage({messageId: 'evil-1', method: 'loadFromJSON', params: [{core: {student_id: '1'}}, 'cmi']}, '*');
    setTimeout(function () { resolve('no answer'); }, 3000);
  });
  document.getElementById('probe').textContent = JSON.stringify(out);""")


def test_a_scorm_package_gets_its_api_but_stays_in_its_sandbox(live_server, phone):
    base = live_server["url"]
    teacher = _token(base, "teacher")
    manifest = packages.SCORM12_MANIFEST.replace('href="sco/lesson.html"', 'href="index.html"').replace(
        '<file href="sco/lesson.html"/>', '<file href="index.html"/>')
    probe = _upload_ready(base, teacher, packages.zip_bytes({
        "imsmanifest.xml": manifest, "index.html": PROBE_HTML, "probe.js": SCORM_PROBE_JS, "wrong.html": "x"}),
        "scorm-do-tham.zip")
    assert probe["package"]["type"] == "scorm", probe
    lecture_id = _lecture_with(base, teacher, [probe["id"]], "Gói SCORM dò thám")
    page = phone
    _student_login(page)
    page.goto(f"/lectures/{lecture_id}")
    page.evaluate("document.cookie = 'bi_mat=khong-duoc-doc; path=/'")
    assert_clean(page)
    page._lms_watch.allowing(r"blocked by CORS policy", r"net::ERR_FAILED")
    page.goto(f"/lectures/{lecture_id}/packages/{probe['id']}")
    result = page.frame_locator("#package-frame").locator("#probe")
    result.filter(has_text="refused").wait_for()
    seen = json.loads(result.inner_text())
    assert seen["origin"] == "null" and seen["api"] == "object", seen
    assert seen["cookie"].startswith("denied:") and seen["parent"].startswith("denied:"), seen
    assert seen["me"].startswith("denied:"), seen                   # no API call with the student's session
    assert seen["storage"] == "0", seen                             # a memory store, not the site's storage
    assert seen["refused"] == "Method not allowed: loadFromJSON", seen
    assert "bi_mat" not in json.dumps(seen)
