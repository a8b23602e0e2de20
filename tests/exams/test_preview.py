"""Preview the paper a blueprint (ma trận by topic) draws before assigning it, then assign exactly that paper."""
from __future__ import annotations

from .conftest import exam_body, make_question, single_choice


def _topic(world, name):
    resp = world.as_("department").post("/topics", json={"subject": "toan", "grade": 10, "name": name})
    return resp.get_json()["id"]


def _blueprint_body(world, t1, t2, **extra):
    return exam_body(world, None, sections=[{
        "title": "Trắc nghiệm", "points_per_question": "1", "scoring": "proportional", "fill": "fixed",
        "blueprint": [{"topic_id": t1, "level": "nhan_biet", "count": 2},
                      {"topic_id": t2, "level": "thong_hieu", "count": 1}]}], **extra)


def test_preview_draws_by_topic_saves_nothing_and_the_seed_assigns_that_paper(app, world):
    t1, t2 = _topic(world, "Chương I: Mệnh đề và tập hợp"), _topic(world, "Chương IV: Vectơ")
    pool1 = [make_question(app, world.teacher, single_choice(i), topic_id=t1) for i in range(1, 7)]
    pool2 = [make_question(app, world.teacher, single_choice(i), topic_id=t2, level="thong_hieu")
             for i in range(7, 12)]
    teacher = world.as_("teacher")
    resp = teacher.post("/exams/preview", json=_blueprint_body(world, t1, t2))
    assert resp.status_code == 200, resp.get_json()
    preview = resp.get_json()
    drawn = [q["id"] for q in preview["sections"][0]["questions"]]
    assert preview["total"] == 3 and set(drawn[:2]) <= set(pool1) and drawn[2] in pool2
    assert any(o["correct"] for o in preview["sections"][0]["questions"][0]["body"]["options"])
    assert teacher.get("/exams").get_json()["total"] == 0  # nothing saved

    again = teacher.post("/exams/preview", json=_blueprint_body(world, t1, t2, draw_seed=preview["draw_seed"]))
    assert [q["id"] for q in again.get_json()["sections"][0]["questions"]] == drawn
    created = teacher.post("/exams", json=_blueprint_body(world, t1, t2, draw_seed=preview["draw_seed"]))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["sections"][0]["question_ids"] == drawn


def test_preview_names_the_cell_the_bank_cannot_fill(app, world):
    t1, t2 = _topic(world, "Chương I"), _topic(world, "Chương II")
    make_question(app, world.teacher, single_choice(1), topic_id=t1)
    resp = world.as_("teacher").post("/exams/preview", json=_blueprint_body(world, t1, t2))
    assert resp.status_code == 422
    assert "Chương I" in str(resp.get_json())


def test_only_teachers_preview(world):
    body = exam_body(world, [1])
    for who, status in (("student", 403), ("admin", 403), ("department", 403), ("anonymous", 401)):
        assert world.as_(who).post("/exams/preview", json=body).status_code == status


def test_exam_form_previews_the_blueprint_paper_then_creates_it(app, world):
    from tests.conftest import PASSWORD

    t1, t2 = _topic(world, "Chương I: Mệnh đề và tập hợp"), _topic(world, "Chương IV: Vectơ")
    for i in range(1, 7):
        make_question(app, world.teacher, single_choice(i), topic_id=t1)
    for i in range(7, 12):
        make_question(app, world.teacher, single_choice(i), topic_id=t2, level="thong_hieu")
    client = app.test_client()
    client.post("/login", data={"username": "gv.lan", "password": PASSWORD})
    form = {"title": "Kiểm tra theo ma trận", "subject": "toan", "grade": "10", "class_ids": str(world.klass),
            "mode": "exam", "max_attempts": "1", "review": "after_submit", "counted": "best", "build": "blueprint",
            "section_title": "Phần I", "points_per_question": "1", "scoring": "proportional", "fill": "fixed",
            "bp_topic": [str(t1), str(t2)], "bp_level": ["nhan_biet", "thong_hieu"], "bp_type": ["", ""],
            "bp_count": ["2", "1"]}
    resp = client.post("/exams/new", data={**form, "action": "preview"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Xem trước đề: 3 câu" in html and "Chương IV: Vectơ" in html
    seed = html.split('name="draw_seed" value="')[1].split('"')[0]
    shown = [int(x.split("<")[0]) for x in html.split(" · #")[1:]]
    assert world.as_("teacher").get("/exams").get_json()["total"] == 0
    resp = client.post("/exams/new", data={**form, "action": "create", "draw_seed": seed})
    assert resp.status_code == 302
    exam = world.as_("teacher").get("/exams").get_json()["items"][0]
    assert exam["sections"][0]["question_ids"] == shown


def test_statistics_page_is_readable(app, world):
    from tests.conftest import PASSWORD

    ids = [make_question(app, world.teacher, single_choice(i)) for i in range(1, 4)]
    teacher = world.as_("teacher")
    exam = teacher.post("/exams", json=exam_body(world, ids, review="immediately")).get_json()
    for who, picks in (("student", ["b", "b", "a"]), ("student2", ["c", "b", "b"])):
        client = world.as_(who)
        attempt = client.post(f"/exams/{exam['id']}/attempts").get_json()
        client.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(q): p for q, p in zip(ids, picks)}})
        client.post(f"/attempts/{attempt['id']}/submit")
    page = app.test_client()
    page.post("/login", data={"username": "gv.lan", "password": PASSWORD})
    html = page.get(f"/exams/{exam['id']}/statistics").get_data(as_text=True)
    assert "Câu trắc nghiệm số 1" in html  # the question's text, not only its number
    assert "<strong>B</strong>. Phương án B (1): 1 bài" in html and "<strong>C</strong>. Phương án C (1): 1 bài" in html
    assert "Đáp án" in html and "Điểm trung bình" in html
    assert '<svg class="item-map chart"' in html and '<svg class="histogram chart"' in html
    assert "<dt>Điểm trung bình</dt><dd>6,7</dd>" in html  # a decimal comma, not 6.7
    # Labels sit inside the viewBox: the last bar's label is centred, not starting at the right edge.
    assert 'text-anchor="middle">9–10</text>' in html


def test_item_map_plots_each_question_once_and_apart():
    from lms.exams.charts import histogram_svg, item_map_svg

    svg = str(item_map_svg([{"number": 1, "facility": 0.5, "discrimination": 0.4},
                            {"number": 2, "facility": 0.5, "discrimination": 0.4},
                            {"number": 3, "facility": 0.95, "discrimination": None}]))
    dots = svg.split('<g class="')[1:]
    assert len(dots) == 2 and all(d.startswith("dot\"") for d in dots)  # 3 has no discrimination yet
    xs = [d.split('cx="')[1].split('"')[0] for d in dots]
    assert xs[0] != xs[1]  # the same numbers do not hide each other
    assert "độ phân biệt chưa tính được" in svg and "0,5" in svg
    bars = str(histogram_svg([{"from": b, "to": b + 1, "count": 1 if b == 9 else 0} for b in range(10)]))
    assert bars.count("<rect") == 10 and 'text-anchor="middle" class="count">1</text>' in bars
