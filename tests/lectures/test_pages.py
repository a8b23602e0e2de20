"""The lecture pages render for the roles they serve and hide what the viewer may not see."""
import pytest


@pytest.fixture
def browser(login):
    return login


@pytest.fixture
def published(world, make_lecture, asset):
    video = asset(world.teacher, duration_s=60.0, hls=True)
    pdf = asset(world.teacher, kind="pdf", filename="phieu-hoc-tap.pdf")
    return make_lecture(title="Hàm số bậc nhất", visibility="class", class_ids=[world.klass],
                        attachments=[{"media_id": video, "title": "Video bài giảng"},
                                     {"media_id": pdf, "title": "Phiếu học tập"}], submit=True)


def test_student_library_and_lecture_page(world, browser, published):
    student = browser("hs.anh")
    page = student.get("/lectures?subject=toan&grade=10").get_data(as_text=True)
    assert "Hàm số bậc nhất" in page and 'for="f-subject"' in page
    resp = student.get(f"/lectures/{published['id']}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Phiếu học tập" in html and 'data-track="true"' in html
    assert 'data-hls="/api/v1/media/' in html and 'class="quality-select"' in html
    # Poster (srcset, WebP first) and a play button; hls.js is named for player.js to fetch on play, not loaded.
    assert 'class="video-start"' in html and 'type="image/webp"' in html and "format=webp 320w" in html
    assert 'data-hls-script="/static/vendor/hls/hls.min.js?v=' in html and '<script src="/static/vendor/hls' not in html
    assert 'preload="none"' in html and "<script>" not in html  # CSP: no inline scripts
    assert "Sửa bài giảng" not in html
    assert browser("hs.ngoai").get(f"/lectures/{published['id']}").status_code == 404


def test_teacher_pages(world, browser, published):
    teacher = browser("gv.lan")
    assert "Hàm số bậc nhất" in teacher.get("/lectures/mine").get_data(as_text=True)
    editor = teacher.get(f"/lectures/{published['id']}/edit").get_data(as_text=True)
    assert 'id="upload"' in editor and "editor.js" in editor and 'for="title"' in editor
    assert teacher.get("/lectures/new").status_code == 200
    preview = teacher.get(f"/lectures/{published['id']}?preview=1").get_data(as_text=True)
    assert "Bản xem trước" in preview and "Sửa bài giảng" not in preview
    report = teacher.get(f"/lectures/{published['id']}/class-progress?class_id={world.klass}")
    assert report.status_code == 200 and "Lê Minh Anh" in report.get_data(as_text=True)
    assert browser("gv.minh").get(f"/lectures/{published['id']}/edit").status_code == 404


def test_department_review_pages(world, browser, make_lecture):
    lecture = make_lecture(title="Chuyển động thẳng đều", visibility="shared", submit=True)
    dept = browser("sogd")
    queue = dept.get("/lectures/review").get_data(as_text=True)
    assert "Chuyển động thẳng đều" in queue
    page = dept.get(f"/lectures/{lecture['id']}").get_data(as_text=True)
    assert 'id="review-box"' in page and "review.js" in page
    assert browser("hs.anh").get("/lectures/review").status_code == 403


def test_collection_page_and_next_lecture(world, browser, make_lecture):
    a = make_lecture(title="Bài một", visibility="school", submit=True)["id"]
    b = make_lecture(title="Bài hai", visibility="school", submit=True)["id"]
    coll = world.as_("teacher").post("/collections", json={"title": "Chương I", "visibility": "school",
                                                           "lecture_ids": [a, b]}).get_json()
    student = browser("hs.anh")
    assert "Bài hai" in student.get(f"/collections/{coll['id']}").get_data(as_text=True)
    first = student.get(f"/lectures/{a}?collection={coll['id']}").get_data(as_text=True)
    assert "Bài tiếp theo: Bài hai" in first
