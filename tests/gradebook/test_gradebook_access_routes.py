"""Who sees and changes which gradebook: subject teacher edits, homeroom reads, students see their own released."""


def test_roles_and_objects(world, factory, book):
    factory.assign(world.klass, world.teacher2, "ngu-van")
    van = book("ngu-van", 1, as_="teacher2")
    col = van.column("tx", "Viết đoạn văn")
    assert van.put(col, {world.student: 7}).status_code == 200
    q = van.query
    # Homeroom teacher (world.teacher) reads Ngữ văn but may not enter scores.
    homeroom = world.as_("teacher")
    assert homeroom.get(f"/gradebook?{q}").status_code == 200
    assert homeroom.put(f"/gradebook/columns/{col}/scores", json={"scores": {str(world.student): 9}}).status_code == 403
    assert homeroom.post("/gradebook/columns", json={"class_id": world.klass, "subject": "ngu-van", "semester": 1,
                                                     "kind": "gk", "title": "x"}).status_code == 403
    # teacher2 does not teach Toán here: the Toán gradebook does not exist for them.
    assert world.as_("teacher2").get(f"/gradebook?class_id={world.klass}&subject=toan&semester=1").status_code == 404
    assert world.as_("admin").get(f"/gradebook?{q}").status_code == 200
    assert world.as_("student").get(f"/gradebook?{q}").status_code == 403
    assert world.as_("department").get(f"/gradebook?{q}").status_code == 403
    assert world.as_("anonymous").get(f"/gradebook?{q}").status_code == 401
    assert world.as_("teacher").get(f"/gradebook?class_id=999999&subject=toan&semester=1").status_code == 404
    assert world.as_("teacher").get("/gradebook?class_id=x&subject=toan&semester=1").status_code == 422


def test_student_sees_only_own_released_columns(world, book):
    sem = book()
    shown, hidden = sem.column("tx", "Miệng"), sem.column("tx", "15 phút")
    sem.put(shown, {world.student: 8, world.student2: 5})
    sem.put(hidden, {world.student: 3})
    resp = sem.api.patch(f"/gradebook/columns/{shown}", json={"released": True})
    assert resp.status_code == 200 and resp.get_json()["released"] is True
    me = world.as_("student").get(f"/gradebook/students/{world.student}").get_json()
    columns = me["subjects"][0]["semesters"]["1"]["columns"]
    assert [(c["id"], c["value"]) for c in columns] == [(shown, "8.0")]
    # No average from partial data that could reveal the hidden column.
    assert me["subjects"][0]["semesters"]["1"]["average"] is None
    assert "3.0" not in str(me)
    assert world.as_("student").get(f"/gradebook/students/{world.student2}").status_code == 404
    assert world.as_("outsider").get(f"/gradebook/students/{world.student}").status_code == 404
    assert world.as_("teacher2").get(f"/gradebook/students/{world.student}").status_code == 404
    # The homeroom teacher sees every column.
    full = world.as_("teacher").get(f"/gradebook/students/{world.student}").get_json()
    assert len(full["subjects"][0]["semesters"]["1"]["columns"]) == 2


def test_pages_render_for_teacher_and_student(app, world, book):
    sem = book()
    col = sem.column("tx", "Miệng")
    sem.put(col, {world.student: 8})
    sem.api.patch(f"/gradebook/columns/{col}", json={"released": True})
    client = app.test_client()
    client.post("/login", data={"username": "gv.lan", "password": "mat-khau-an-toan"})
    page = client.get(f"/gradebook/grid?{sem.query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-column="%d"' % col in html and "ĐTBmhk" in html and "<script>" not in html
    assert client.get(f"/gradebook/changes?{sem.query}").status_code == 200
    assert client.get("/gradebook/").status_code == 200
    student = app.test_client()
    student.post("/login", data={"username": "hs.anh", "password": "mat-khau-an-toan"})
    mine = student.get("/gradebook/me")
    assert mine.status_code == 200 and "Điểm của tôi" in mine.get_data(as_text=True)
    assert "8,0" in mine.get_data(as_text=True) and "8.0" not in mine.get_data(as_text=True)  # Vietnamese comma
    assert student.get(f"/gradebook/grid?{sem.query}").status_code == 404
