"""The gradebook API: DOMAIN.md worked examples entered with PUT and read back with GET, input rules."""


def test_worked_example_toan_semester_and_year_averages(world, book):
    # Toán has 105 periods in grade 10 -> 4 ĐĐGtx per semester (Thông tư 22).
    sem1, sem2 = book("toan", 1), book("toan", 2)
    cols1, cols2 = sem1.columns(4), sem2.columns(4)
    sem1.fill(cols1, world.student, ["8", "7,5", 9, 6, 7, "8.5"])
    sem2.fill(cols2, world.student, [9, 8, 8.5, 7, 8, 9])
    assert sem1.row(world.student)["average"] == "7.8"  # 70/9 = 7,777…
    assert sem2.row(world.student)["average"] == "8.4"  # 75,5/9 = 8,388…
    year = world.as_("teacher").get(f"/gradebook/students/{world.student}").get_json()
    toan = next(s for s in year["subjects"] if s["subject"] == "toan")
    assert toan["semesters"]["1"]["average"] == "7.8"
    assert toan["year_average"] == "8.2"  # (7,8 + 2·8,4) / 3


def test_rounding_order_vat_li_year_from_recorded_semester_averages(world, factory, book):
    factory.assign(world.klass, world.teacher, "vat-li")  # 70 periods -> 3 ĐĐGtx
    sem1, sem2 = book("vat-li", 1), book("vat-li", 2)
    sem1.fill(sem1.columns(3), world.student, [7, 6, "5.8", 7, 6])   # 50,8 / 8 = 6,35
    sem2.fill(sem2.columns(3), world.student, [7, 6, "6.6", 7, 6])   # 51,6 / 8 = 6,45
    assert sem1.row(world.student)["average"] == "6.4"
    assert sem2.row(world.student)["average"] == "6.5"
    year = world.as_("teacher").get(f"/gradebook/students/{world.student}").get_json()
    assert year["subjects"][0]["year_average"] == "6.5"  # (6,4 + 13,0)/3; from raw values it would be 6,4


def test_float_trap_8_25_rounds_half_up(world, factory, book):
    factory.assign(world.klass, world.teacher, "hoa-hoc")
    sem = book("hoa-hoc", 1)
    cols = sem.columns(3)
    sem.fill(cols, world.student, [8, 8, 8, "7,5", 9])  # 66/8 = 8,25
    assert sem.row(world.student)["average"] == "8.3"
    # A single score of 8,25 (JSON number or text) is recorded as 8,3, never 8,2.
    body = sem.put(cols[0], {world.student: 8.25, world.student2: "8,25"}).get_json()
    row = {r["student_id"]: r for r in body["rows"]}
    assert row[world.student]["scores"][str(cols[0])] == "8.3"
    assert row[world.student2]["scores"][str(cols[0])] == "8.3"


def _classification_setup(factory, world, book, students: dict[int, dict[str, str]]):
    """Every subject's year average set to the given value: all six assessments of both semesters equal."""
    scored = ["toan", "ngu-van", "tieng-anh", "lich-su", "vat-li", "hoa-hoc", "tin-hoc", "gdqp-an", "sinh-hoc"]
    for subject in scored + ["gdtc", "hdtn-hn"]:
        if subject != "toan":
            factory.assign(world.klass, world.teacher, subject)
    for subject in scored + ["gdtc", "hdtn-hn"]:
        for semester in (1, 2):
            sem = book(subject, semester)
            need = sem.get()["required_tx"]
            for column_id in sem.columns(need):
                values = {sid: ("Đ" if subject in ("gdtc", "hdtn-hn") else per[subject]) for sid, per in students.items()}
                assert sem.put(column_id, values).status_code == 200


def test_classification_examples_through_the_api(world, factory, book):
    third = factory.user("student", world.school, full_name="Hoàng Thu Hà")
    factory.enrol(world.klass, third)
    base = {"toan": "8.2", "ngu-van": "7", "tieng-anh": "8.5", "lich-su": "8", "vat-li": "8.3", "hoa-hoc": "8.1",
            "tin-hoc": "9", "gdqp-an": "8.6"}
    students = {world.student: {**base, "sinh-hoc": "7.2"},
                world.student2: {**base, "sinh-hoc": "4"},
                third: {**base, "sinh-hoc": "3.4", "hoa-hoc": "4"}}
    _classification_setup(factory, world, book, students)
    teacher = world.as_("teacher")
    results = {sid: teacher.get(f"/gradebook/students/{sid}").get_json()["year_result"] for sid in students}
    assert results[world.student]["label"] == "Tốt"
    assert results[world.student2]["level"] == "kha"          # Đạt raised to Khá (Điều 9.3)
    assert results[world.student2]["unadjusted"] == "dat"
    assert results[world.student2]["decisive_subject"] == "sinh-hoc"
    assert results[third]["level"] == "chua_dat"              # two weak subjects: no adjustment


def test_incomplete_gradebook_has_no_average_but_a_provisional_one(world, book):
    sem = book()
    cols = sem.columns(4)
    sem.fill(cols[:2], world.student, [8, 6])
    row = sem.row(world.student)
    assert row["average"] is None
    assert row["provisional"] == "7.0"


def test_invalid_values_are_422_and_nothing_is_written(world, book):
    sem = book()
    col = sem.column("tx")
    resp = sem.put(col, {world.student: "9", world.student2: "10,5"})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert str(world.student2) in resp.get_json()["errors"]["scores"]
    assert sem.row(world.student)["scores"][str(col)] is None
    for bad in ("abc", "1e1", True, [8], {"value": 8, "bogus": 1}):
        assert sem.put(col, {world.student: bad}).status_code == 422, bad
    assert sem.put(col, {world.outsider: 8}).status_code == 422  # not in the class
    assert sem.put(col, {"x": 8}).status_code == 422


def test_null_clears_and_flags(world, book):
    sem = book()
    col = sem.column("tx")
    sem.put(col, {world.student: 7})
    body = sem.put(col, {world.student: None}).get_json()
    assert body["rows"][0]["scores"][str(col)] is None
    body = sem.put(col, {world.student: {"value": None, "absent": True},
                         world.student2: {"zero_no_makeup": True}}).get_json()
    rows = {r["student_id"]: r for r in body["rows"]}
    assert rows[world.student]["flags"][str(col)] == ["absent"]
    assert rows[world.student2]["scores"][str(col)] == "0.0"
    assert sem.put(col, {world.student: {"value": 8, "absent": True}}).status_code == 422


def test_comment_subject_takes_d_and_cd_only(world, factory, book):
    factory.assign(world.klass, world.teacher, "gdtc")
    sem = book("gdtc", 1)
    cols = sem.columns(3)
    assert sem.put(cols[0], {world.student: 8}).status_code == 422
    sem.fill(cols, world.student, ["Đ", "D", "đạt", "Đ", "Đ"])
    sem.fill(cols, world.student2, ["Đ", "CD", "Đ", "Đ", "Đ"])
    rows = {r["student_id"]: r for r in sem.get()["rows"]}
    assert rows[world.student]["average"] == "Đ"
    assert rows[world.student2]["average"] == "CĐ"
    assert rows[world.student2]["scores"][str(cols[1])] == "CĐ"


def test_column_counts_follow_thong_tu_22(world, book):
    sem = book()
    sem.columns(4)
    resp = sem.api.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                    "kind": "tx", "title": "Thừa"})
    assert resp.status_code == 422 and "kind" in resp.get_json()["errors"]
    resp = sem.api.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                    "kind": "gk", "title": "Giữa kì lần 2"})
    assert resp.status_code == 422
    assert sem.api.post("/gradebook/columns", json={"class_id": world.klass, "subject": "nope", "semester": 1,
                                                    "kind": "tx", "title": "x"}).status_code in (404, 422)
    assert sem.api.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 3,
                                                    "kind": "tx", "title": "x"}).status_code == 422


def test_change_log_records_who_old_new_and_source(world, book):
    sem = book()
    col = sem.column("tx")
    sem.put(col, {world.student: 6})
    sem.put(col, {world.student: "6.5"})
    sem.put(col, {world.student: "6.5"})  # no change, no entry
    log = sem.api.get(f"/gradebook/changes?{sem.query}").get_json()
    assert log["total"] == 2
    latest = log["items"][0]
    assert (latest["old_value"], latest["new_value"], latest["source"]) == ("6.0", "6.5", "manual")
    assert latest["changed_by"] == world.teacher
    assert world.as_("teacher2").get(f"/gradebook/changes?{sem.query}").status_code == 404
