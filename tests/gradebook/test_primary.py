"""Primary mode (Thông tư 27/2020) for a grade-4 class: whole-point periodic tests, T/H/C levels in the other
columns, and the primary year result in the student's year view instead of ĐTBmcn."""
import pytest

from tests.gradebook.conftest import Book


@pytest.fixture
def grade4(world, factory):
    klass = factory.klass(world.school, name="4A1", grade=4, homeroom_teacher_id=world.teacher)
    factory.enrol(klass, world.student)
    for subject in ("toan", "khoa-hoc", "dao-duc"):
        factory.assign(klass, world.teacher, subject)
    return lambda subject, semester: Book(world.as_("teacher"), klass, subject, semester)


def test_tests_take_whole_points_and_other_columns_levels(world, grade4):
    toan = grade4("toan", 1)
    level, mid, end = toan.column("tx", "Nhận xét"), toan.column("gk", "KT giữa kì I"), toan.column("ck", "KT cuối kì I")
    book = toan.get()
    assert book["primary"] is True and book["required_tx"] is None
    assert [c["value_kind"] for c in book["columns"]] == ["level", "test", "test"]

    for column, bad in ((mid, "7,5"), (mid, 7.5), (end, 11), (end, "8.0"), (level, "8"), (level, "Đ")):
        resp = toan.put(column, {world.student: bad})
        assert resp.status_code == 422, (column, bad)
    assert toan.put(level, {world.student: "t"}).status_code == 200
    assert toan.put(mid, {world.student: 7.0}).status_code == 200   # a JSON 7.0 is the whole number 7
    assert toan.put(end, {world.student: "0"}).status_code == 200   # 0 is allowed by TT27
    row = toan.row(world.student)
    assert row["scores"] == {str(level): "T", str(mid): "7", str(end): "0"}
    assert row["average"] == "T" and row["test"] == "0"

    # TT27: the mid-semester test exists only in grades 4–5, Tiếng Việt and Toán.
    khoa_hoc = grade4("khoa-hoc", 1)
    resp = khoa_hoc.api.post("/gradebook/columns", json={"class_id": khoa_hoc.class_id, "subject": "khoa-hoc",
                                                          "semester": 1, "kind": "gk", "title": "KT giữa kì"})
    assert resp.status_code == 422 and "Tiếng Việt" in resp.get_json()["errors"]["kind"][0]
    # A comment subject has no test: all its columns take levels.
    dao_duc = grade4("dao-duc", 1)
    assert dao_duc.column("ck", "Cuối kì") and [c["value_kind"] for c in dao_duc.get()["columns"]] == ["level"]


def _year(world, grade4, toan_end_of_year):
    for subject, values in (("toan", {"tx": "T", "ck": toan_end_of_year}), ("dao-duc", {"tx": "H", "ck": "T"}),
                            ("khoa-hoc", {"tx": "T", "ck": 9})):
        for semester in (1, 2):
            sem = grade4(subject, semester)
            existing = {c["kind"]: c["id"] for c in sem.get()["columns"]}
            for kind, value in values.items():
                column = existing.get(kind) or sem.column(kind, kind)
                assert sem.put(column, {world.student: value}).status_code == 200
    return world.as_("teacher").get(f"/gradebook/students/{world.student}").get_json()


def test_year_view_shows_the_primary_result_instead_of_year_average(world, grade4):
    year = _year(world, grade4, 10)
    assert year["primary"] is True and year["year_result"] is None
    toan = next(s for s in year["subjects"] if s["subject"] == "toan")
    assert toan["year_average"] is None and toan["year_level"] == "T" and toan["year_test"] == "10"
    # Đạo đức ends the year at T (its last column), whatever semester I said.
    assert next(s for s in year["subjects"] if s["subject"] == "dao-duc")["year_level"] == "T"
    assert year["primary_result"] is None and "phẩm chất, năng lực" in year["primary_missing"]

    api = world.as_("teacher")
    klass = grade4("toan", 1).class_id
    names = api.put("/gradebook/qualities", json={"class_id": klass, "qualities": {str(world.student): {}}})
    codes = list(names.get_json()["names"])
    all_good = {str(world.student): {code: "T" for code in codes}}
    assert api.put("/gradebook/qualities", json={"class_id": klass, "qualities": all_good}).status_code == 200
    year = api.get(f"/gradebook/students/{world.student}").get_json()
    assert year["primary_result"] == {"level": "hoan_thanh_xuat_sac", "label": "Hoàn thành xuất sắc"}

    toan_ck = next(c["id"] for c in grade4("toan", 2).get()["columns"] if c["kind"] == "ck")
    grade4("toan", 2).put(toan_ck, {world.student: 8})
    year = api.get(f"/gradebook/students/{world.student}").get_json()
    assert year["primary_result"]["label"] == "Hoàn thành tốt"   # a test below 9
    api.put("/gradebook/qualities", json={"class_id": klass, "qualities": {str(world.student): {codes[0]: "C"}}})
    year = api.get(f"/gradebook/students/{world.student}").get_json()
    assert year["primary_result"]["label"] == "Chưa hoàn thành"  # a quality at Cần cố gắng


def test_qualities_are_primary_homeroom_only_and_checked(world, grade4):
    klass = grade4("toan", 1).class_id
    api = world.as_("teacher")
    bad = api.put("/gradebook/qualities", json={"class_id": klass, "qualities": {str(world.student): {"yeu-nuoc": "X"}}})
    assert bad.status_code == 422
    unknown = api.put("/gradebook/qualities", json={"class_id": klass, "qualities": {str(world.student): {"bay": "T"}}})
    assert unknown.status_code == 422
    assert world.as_("teacher2").put("/gradebook/qualities", json={
        "class_id": klass, "qualities": {str(world.student): {"yeu-nuoc": "T"}}}).status_code == 404
    secondary = api.put("/gradebook/qualities", json={"class_id": world.klass,
                                                      "qualities": {str(world.student): {"yeu-nuoc": "T"}}})
    assert secondary.status_code == 422


def test_student_page_shows_the_primary_result(app, world, grade4):
    _year(world, grade4, 10)
    client = app.test_client()
    client.post("/login", data={"username": "gv.lan", "password": "mat-khau-an-toan"})
    html = client.get(f"/gradebook/students/{world.student}").get_data(as_text=True)
    assert "Mức đạt được cả năm" in html and "ĐTBmcn" not in html
    grid = client.get(f"/gradebook/grid?{grade4('toan', 2).query}").get_data(as_text=True)
    assert "Thông tư 27" in grid and 'data-kind="level"' in grid and 'data-kind="test"' in grid
