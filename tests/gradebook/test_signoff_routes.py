"""Sign-off: sign locks the gradebook; verify checks the signature and the current data; unlock invalidates."""
import io


def _sign(api, world, pki, password=None):
    return api.post("/gradebook/sign", data={
        "pkcs12": (io.BytesIO(pki["p12"]), "gv.p12"), "password": password or pki["password"],
        "class_id": str(world.klass), "subject": "toan", "semester": "1"}, content_type="multipart/form-data")


def test_sign_verify_unlock_and_change(app, world, book, pki, monkeypatch):
    monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", pki["ca_pem"])
    sem = book()
    cols = sem.columns(4)
    sem.fill(cols, world.student, [8, "7,5", 9, 6, 7, "8.5"])
    resp = _sign(sem.api, world, pki)
    assert resp.status_code == 201, resp.get_json()
    sig = resp.get_json()
    assert sig["signer"] == "Nguyễn Thị Lan" and sig["invalidated_at"] is None

    check = sem.api.get(f"/gradebook/signatures/{sig['id']}/verify").get_json()
    assert check["valid"] is True and check["chain_verified"] is True
    assert check["matches_current_data"] is True and check["reason"] is None

    # Locked: no entry, no new column, no second signature.
    assert sem.put(cols[0], {world.student: 5}).status_code == 409
    assert sem.get()["locked"] is True
    assert _sign(sem.api, world, pki).status_code == 409

    # The homeroom-only teacher of another subject cannot unlock; a missing reason is 422.
    assert sem.api.post("/gradebook/unlock", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                   "reason": ""}).status_code == 422
    resp = sem.api.post("/gradebook/unlock", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                   "reason": "Sửa điểm nhập nhầm của học sinh"})
    assert resp.status_code == 200 and resp.get_json()["locked"] is False
    assert sem.put(cols[0], {world.student: 5}).status_code == 200

    check = sem.api.get(f"/gradebook/signatures/{sig['id']}/verify").get_json()
    assert check["valid"] is True  # the signature still covers what was signed …
    assert check["matches_current_data"] is False  # … but the gradebook no longer holds it
    assert check["invalidated_at"] is not None
    assert "Sửa điểm nhập nhầm" in check["invalidated_reason"]
    shown = sem.get()["signatures"][0]
    assert shown["invalidated_at"] is not None
    log = sem.api.get(f"/gradebook/changes?{sem.query}").get_json()["items"]
    assert [i["kind"] for i in log[:3]] == ["score", "unlock", "lock"]


def test_untrusted_issuer_and_bad_password(app, world, book, pki, monkeypatch):
    sem = book()
    sem.fill(sem.columns(4)[:1], world.student, [8])
    bad = _sign(sem.api, world, pki, password="sai-mat-khau")
    assert bad.status_code == 422 and "pkcs12" in bad.get_json()["errors"]
    sig = _sign(sem.api, world, pki).get_json()
    monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", pki["other_ca_pem"])
    check = sem.api.get(f"/gradebook/signatures/{sig['id']}/verify").get_json()
    assert check["valid"] is False and check["matches_current_data"] is True
    assert world.as_("teacher2").get(f"/gradebook/signatures/{sig['id']}/verify").status_code == 404
    assert world.as_("teacher2").post("/gradebook/unlock", json={"class_id": world.klass, "subject": "toan",
                                                                 "semester": 1, "reason": "không được phép"}
                                      ).status_code == 404


def test_sign_requires_the_file_and_fields(world, book):
    sem = book()
    resp = sem.api.post("/gradebook/sign", data={"class_id": str(world.klass), "subject": "toan", "semester": "1"},
                        content_type="multipart/form-data")
    assert resp.status_code == 422 and "pkcs12" in resp.get_json()["errors"]
    resp = sem.api.post("/gradebook/sign", data={"class_id": "x"}, content_type="multipart/form-data")
    assert resp.status_code == 422
