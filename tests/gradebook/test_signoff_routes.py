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
    assert check["signature_valid"] is True and check["data_unchanged"] is True and check["signer_trusted"] is True
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
    assert check["signature_valid"] is True  # the signature still covers what was signed …
    assert check["data_unchanged"] is False and check["matches_current_data"] is False  # … not what is held
    assert check["valid"] is False and check["signer_trusted"] is True
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
    assert check["signature_valid"] is True and check["data_unchanged"] is True and check["signer_trusted"] is False
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


def _signed(app, world, book, pki, monkeypatch, roots=True):
    if roots:
        monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", pki["ca_pem"])
    sem = book()
    sem.fill(sem.columns(4)[:2], world.student, [8, 7])
    resp = _sign(sem.api, world, pki)
    assert resp.status_code == 201, resp.get_json()
    return sem, resp.get_json()["id"]


def test_verify_a_tampered_stored_snapshot_is_not_valid(app, world, book, pki, monkeypatch):
    from lms.core.db import db
    from lms.gradebook.models import SignOff

    sem, sig = _signed(app, world, book, pki, monkeypatch)
    with app.app_context():
        signoff = db.session.get(SignOff, sig)
        forged = dict(signoff.snapshot)
        forged["rows"] = [dict(r, scores={k: "10.0" for k in r["scores"]}) for r in forged["rows"]]
        signoff.snapshot = forged  # someone with database access rewrites what "was signed"
        db.session.commit()
    check = sem.api.get(f"/gradebook/signatures/{sig}/verify").get_json()
    assert check["signature_valid"] is False and check["snapshot_intact"] is False
    assert check["data_unchanged"] is False and check["valid"] is False
    assert "thay đổi" in check["reason"]


def test_verify_a_rewritten_hash_alone_is_not_valid(app, world, book, pki, monkeypatch):
    from lms.core.db import db
    from lms.gradebook.models import SignOff

    sem, sig = _signed(app, world, book, pki, monkeypatch)
    with app.app_context():
        db.session.get(SignOff, sig).snapshot_sha256 = "0" * 64
        db.session.commit()
    check = sem.api.get(f"/gradebook/signatures/{sig}/verify").get_json()
    assert check["signature_valid"] is True  # the maths over the stored snapshot still holds …
    assert check["snapshot_intact"] is False and check["data_unchanged"] is False  # … the record does not
    assert check["valid"] is False


def test_verify_data_changed_behind_the_lock_is_not_valid(app, world, book, pki, monkeypatch):
    from decimal import Decimal

    from sqlalchemy import select

    from lms.core.db import db
    from lms.gradebook.models import Score

    sem, sig = _signed(app, world, book, pki, monkeypatch)
    with app.app_context():
        score = db.session.scalars(select(Score).where(Score.student_id == world.student)).first()
        score.value = Decimal("9.5")  # a direct database edit, no unlock, no invalidation
        db.session.commit()
    check = sem.api.get(f"/gradebook/signatures/{sig}/verify").get_json()
    assert check["signature_valid"] is True and check["signer_trusted"] is True
    assert check["matches_current_data"] is False and check["data_unchanged"] is False
    assert check["invalidated_at"] is None and check["valid"] is False


def test_verify_without_trusted_roots_says_trust_is_unknown(app, world, book, pki, monkeypatch):
    monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", None)
    sem, sig = _signed(app, world, book, pki, monkeypatch, roots=False)
    check = sem.api.get(f"/gradebook/signatures/{sig}/verify").get_json()
    assert check["signer_trusted"] is None and check["chain_verified"] is False
    assert check["signature_valid"] is True and check["data_unchanged"] is True and check["valid"] is True


def test_verify_response_is_documented(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    props = spec["components"]["schemas"]["GradebookVerifyOut"]["properties"]
    for name in ("valid", "signature_valid", "data_unchanged", "signer_trusted"):
        assert props[name].get("description"), name


def test_a_configured_tsa_timestamp_is_in_the_verify_reply(app, world, book, pki, monkeypatch):
    import datetime as dt

    from tests.tsa import running_tsa

    monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", pki["ca_pem"])
    sem = book()
    sem.fill(sem.columns(4)[:1], world.student, [8])
    with running_tsa(pki["ca"]) as (url, served):
        monkeypatch.setitem(app.config, "SIGNING_TSA_URL", url)
        sig = _sign(sem.api, world, pki).get_json()
    assert served, "the TSA was asked"
    check = sem.api.get(f"/gradebook/signatures/{sig['id']}/verify").get_json()
    assert check["valid"] is True, check
    assert check["timestamp"]["valid"] is True and check["timestamp"]["trusted"] is True
    stamped, claimed = (dt.datetime.fromisoformat(check[k] if k == "signed_at" else check[k]["time"])
                        for k in ("timestamp", "signed_at"))
    assert abs(stamped - claimed) < dt.timedelta(minutes=2)
    monkeypatch.setitem(app.config, "GRADEBOOK_TRUSTED_ROOTS", None)
    unrooted = sem.api.get(f"/gradebook/signatures/{sig['id']}/verify").get_json()
    assert unrooted["timestamp"]["valid"] is True and unrooted["timestamp"]["trusted"] is False
