"""Class summary countersign: the homeroom teacher signs, the principal (the school's admin) countersigns; the
signed summary locks every subject of the class until an unlock with a reason, which invalidates visibly."""
import io

from tests.conftest import PASSWORD


def _sign(api, world, pki, role, semester=1, password=None):
    return api.post("/gradebook/class-summary/sign", data={
        "pkcs12": (io.BytesIO(pki["p12"]), "ky.p12"), "password": password or pki["password"],
        "class_id": str(world.klass), "semester": str(semester), "role": role}, content_type="multipart/form-data")


def _filled(world, book):
    sem = book()
    cols = sem.columns(4)
    sem.fill(cols, world.student, [8, "7,5", 9, 6, 7, "8.5"])      # 7,8
    sem.fill(cols, world.student2, [9, 8, "8.5", 7, 8, 9])        # 8,4 (DOMAIN.md semester II numbers)
    return sem, cols


def test_homeroom_then_principal_sign_lock_verify_and_unlock(app, world, factory, book, pki, monkeypatch):
    monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", pki["ca_pem"])
    principal = factory.api(factory.user("admin", world.school, username="ht.cva", full_name="Hiệu trưởng"))
    homeroom = world.as_("teacher")
    sem, cols = _filled(world, book)
    query = f"/gradebook/class-summary?class_id={world.klass}&semester=1"

    summary = homeroom.get(query).get_json()
    assert [s["code"] for s in summary["subjects"]] == ["toan"]
    results = {r["student_id"]: r["results"]["toan"] for r in summary["rows"]}
    assert results == {str(world.student): "7.8", str(world.student2): "8.4"}
    assert summary["complete"] is True and summary["locked"] is False and summary["signatures"] == []
    assert all(r["result"]["level"] for r in summary["rows"])  # the TT22 semester classification is included

    # The principal countersigns only after the homeroom teacher; other admins and teachers cannot sign.
    assert _sign(principal, world, pki, "principal").status_code == 409
    assert _sign(world.as_("admin"), world, pki, "principal").status_code == 403  # an admin of no school
    assert _sign(homeroom, world, pki, "principal").status_code == 403
    assert _sign(principal, world, pki, "homeroom").status_code == 403
    assert _sign(homeroom, world, pki, "homeroom", password="sai").status_code == 422

    first = _sign(homeroom, world, pki, "homeroom")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["role"] == "homeroom"
    assert _sign(homeroom, world, pki, "homeroom").status_code == 409
    second = _sign(principal, world, pki, "principal")
    assert second.status_code == 201, second.get_json()

    # Locked: no subject of the class can change, and the subject teacher cannot unlock around it.
    assert sem.put(cols[0], {world.student: 5}).status_code == 409
    book_now = sem.get()
    assert book_now["locked"] is True and book_now["summary_locked"] is True
    assert sem.api.post("/gradebook/unlock", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                   "reason": "thử mở khóa môn"}).status_code == 409
    summary = homeroom.get(query).get_json()
    assert summary["locked"] is True and [s["role"] for s in summary["signatures"]] == ["homeroom", "principal"]

    for sig in (first.get_json(), second.get_json()):
        check = homeroom.get(f"/gradebook/signatures/{sig['id']}/verify").get_json()
        assert check["valid"] is True and check["chain_verified"] is True
        assert check["matches_current_data"] is True and check["reason"] is None
    assert world.as_("teacher2").get(f"/gradebook/signatures/{first.get_json()['id']}/verify").status_code == 404

    # Unlock needs a reason; it invalidates both signatures, visibly, and scores can change again.
    unlock = {"class_id": world.klass, "semester": 1, "reason": ""}
    assert principal.post("/gradebook/class-summary/unlock", json=unlock).status_code == 422
    assert world.as_("teacher2").post("/gradebook/class-summary/unlock",
                                      json={**unlock, "reason": "Sửa điểm nhập nhầm"}).status_code == 404
    resp = principal.post("/gradebook/class-summary/unlock", json={**unlock, "reason": "Sửa điểm nhập nhầm"})
    assert resp.status_code == 200 and resp.get_json()["locked"] is False
    assert sem.put(cols[0], {world.student: 5}).status_code == 200
    check = homeroom.get(f"/gradebook/signatures/{second.get_json()['id']}/verify").get_json()
    assert check["signature_valid"] is True and check["matches_current_data"] is False
    assert check["valid"] is False and check["data_unchanged"] is False
    assert "Sửa điểm nhập nhầm" in check["invalidated_reason"]
    summary = homeroom.get(query).get_json()
    assert summary["locked"] is False and summary["unlock_reason"] == "Sửa điểm nhập nhầm"
    assert all(s["invalidated_at"] for s in summary["signatures"])
    # A new round starts with the homeroom teacher again.
    assert _sign(principal, world, pki, "principal").status_code == 409
    assert _sign(homeroom, world, pki, "homeroom").status_code == 201


def test_incomplete_summary_cannot_be_signed_and_is_for_homeroom_and_admins(world, book, pki, app):
    sem = book()
    sem.fill(sem.columns(4), world.student, [8, "7,5", 9, 6, 7, "8.5"])  # student2 has nothing yet
    homeroom = world.as_("teacher")
    summary = homeroom.get(f"/gradebook/class-summary?class_id={world.klass}&semester=1").get_json()
    assert summary["complete"] is False and any("Phạm Gia Bảo" in m for m in summary["missing"])
    resp = _sign(homeroom, world, pki, "homeroom")
    assert resp.status_code == 409 and "Phạm Gia Bảo" in resp.get_json()["detail"]
    assert world.as_("admin").get(f"/gradebook/class-summary?class_id={world.klass}&semester=1").status_code == 200
    assert world.as_("teacher2").get(f"/gradebook/class-summary?class_id={world.klass}&semester=1").status_code == 404
    assert world.as_("student").get(f"/gradebook/class-summary?class_id={world.klass}&semester=1").status_code in (
        403, 404)


def test_class_picker_lists_classes_before_any_column(app, world, factory):
    empty = factory.klass(world.school, name="11B2")
    factory.assign(empty, world.teacher2, "vat-li")
    admin = app.test_client()
    admin.post("/login", data={"username": "quantri", "password": PASSWORD})
    html = admin.get("/gradebook/").get_data(as_text=True)
    assert "10A1" in html and "11B2" in html
    teacher = app.test_client()
    teacher.post("/login", data={"username": "gv.minh", "password": PASSWORD})
    html = teacher.get("/gradebook/").get_data(as_text=True)
    assert "11B2" in html and "10A1" not in html
    assert f"class_id={empty}&amp;subject=vat-li" in html or f"class_id={empty}&subject=vat-li" in html


def test_accounts_teaching_assignments_and_all_class_ids(app, world, factory):
    from lms.accounts import api as accounts

    other = factory.klass(world.other_school, name="12C3")
    factory.assign(other, world.teacher, "tin-hoc")
    with app.app_context():
        assert accounts.teaching_assignments(world.teacher) == [(world.klass, "toan"), (other, "tin-hoc")]
        assert accounts.teaching_assignments(world.teacher2) == []
        assert set(accounts.all_class_ids()) >= {world.klass, other}
        assert accounts.all_class_ids(world.school) == [world.klass]
