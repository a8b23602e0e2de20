"""Học bạ số: generated from the gradebook, signed homeroom -> principal -> seal as PAdES incremental updates,
verified (also by pyHanko's own validator, independently of the app's code), tampering caught."""
import io
import re

import pytest


def _sign(client, tid, p12, password="mat-khau", as_=None):
    data = {"pkcs12": (io.BytesIO(p12), "cert.p12"), "password": password}
    if as_:
        data["as"] = as_
    return client.request("POST", f"/transcripts/{tid}/sign", data=data, content_type="multipart/form-data")


def _verify(client, pdf):
    return client.request("POST", "/transcripts/verify", data={"file": (io.BytesIO(pdf), "hoc-ba.pdf")},
                          content_type="multipart/form-data")


def _signed(world, school_pki):
    teacher, admin = world.as_("teacher"), world.as_("admin")
    made = teacher.post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027",
                                              "homeroom_comment": "Chăm ngoan, tiến bộ."})
    assert made.status_code == 201, made.get_json()
    tid = made.get_json()["id"]
    assert made.get_json()["status"] == "draft"
    assert _sign(admin, tid, school_pki["principal"]).status_code == 409  # the homeroom teacher signs first
    first = _sign(teacher, tid, school_pki["homeroom"])
    assert first.status_code == 201 and first.get_json()["status"] == "signed_homeroom", first.get_json()
    second = _sign(admin, tid, school_pki["principal"])
    assert second.status_code == 201 and second.get_json()["status"] == "signed"
    third = _sign(admin, tid, school_pki["seal"], as_="seal")
    assert third.status_code == 201
    assert [s["role"] for s in third.get_json()["signatures"]] == ["homeroom", "principal", "seal"]
    return tid


def test_generate_sign_three_times_and_verify(app, world, graded, school_pki):
    app.config["GRADEBOOK_TRUSTED_ROOTS"] = school_pki["roots"]
    tid = _signed(world, school_pki)
    pdf = world.as_("student").get(f"/transcripts/{tid}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert b"DejaVuSans" in pdf.data  # the Vietnamese font travels inside the file
    assert pdf.data.count(b"%%EOF") >= 4  # the original plus one incremental update per signature
    report = _verify(world.as_("parent"), pdf.data).get_json()
    assert report["valid"] and report["intact"] and not report["modified_after_signing"], report
    assert [(s["role"], s["name"], s["trusted"]) for s in report["signers"]] == [
        ("homeroom", "Nguyễn Thị Lan", True), ("principal", "Trần Văn Hiệu", True),
        ("seal", "Trường THPT Chu Văn An", True)]
    # Without the trust anchor the signatures are intact but not trusted.
    app.config["GRADEBOOK_TRUSTED_ROOTS"] = None
    untrusted = _verify(world.as_("teacher"), pdf.data).get_json()
    assert untrusted["intact"] and not any(s["trusted"] for s in untrusted["signers"])


def test_pyhanko_validator_accepts_the_signatures_independently(world, graded, school_pki):
    """Validated by pyHanko directly, not by lms.transcripts' code that made them."""
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    tid = _signed(world, school_pki)
    data = world.as_("admin").get(f"/transcripts/{tid}/pdf").data
    reader = PdfFileReader(io.BytesIO(data))
    context = ValidationContext(trust_roots=[x509.Certificate.load(school_pki["ca_der"])])
    sigs = reader.embedded_signatures
    assert len(sigs) == 3
    from concurrent.futures import ThreadPoolExecutor

    for sig in sigs:
        # In a thread: pyHanko runs its own event loop, and Playwright's (browser tests) may hold this thread's.
        with ThreadPoolExecutor(max_workers=1) as pool:
            status = pool.submit(validate_pdf_signature, sig, context).result()
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert sigs[-1].field_name == "Sig_seal"


def test_a_changed_byte_and_an_appended_update_are_caught(app, world, graded, school_pki):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    app.config["GRADEBOOK_TRUSTED_ROOTS"] = school_pki["roots"]
    tid = _signed(world, school_pki)
    data = world.as_("admin").get(f"/transcripts/{tid}/pdf").data
    at = data.index(b"stream", data.index(b"/FontFile2")) + 40  # inside the embedded font, covered by every signature
    tampered = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    report = _verify(world.as_("teacher"), tampered).get_json()
    assert not report["valid"] and not report["intact"]
    # A later revision that changes the page (new content after the last signature).
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (Diem 10) Tj ET"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    appended = _verify(world.as_("teacher"), out.getvalue()).get_json()
    assert appended["modified_after_signing"] and not appended["valid"], appended
    assert appended["intact"]  # each signed revision is itself unchanged: the change came after


def test_who_may_generate_read_and_sign(world, graded, school_pki):
    made = world.as_("teacher").post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027"})
    tid = made.get_json()["id"]
    for who in ("student", "parent", "teacher", "admin"):
        assert world.as_(who).get(f"/transcripts/{tid}").status_code == 200, who
    for who in ("student2", "outsider", "teacher2"):
        assert world.as_(who).get(f"/transcripts/{tid}").status_code == 404, who
        assert world.as_(who).get(f"/transcripts/{tid}/pdf").status_code == 404, who
    assert world.as_("teacher2").post("/transcripts", json={"student_id": world.student,
                                                            "school_year": "2026-2027"}).status_code == 404
    assert world.as_("teacher").post("/transcripts", json={"student_id": world.student,
                                                           "school_year": "2030-2031"}).status_code == 404
    assert world.as_("teacher").post("/transcripts", json={"student_id": world.student,
                                                           "school_year": "2026"}).status_code == 422
    wrong = _sign(world.as_("teacher"), tid, school_pki["homeroom"], password="sai")
    assert wrong.status_code == 422 and "pkcs12" in wrong.get_json()["errors"]
    assert world.as_("teacher").request("POST", f"/transcripts/{tid}/sign", data={"password": "x"},
                                        content_type="multipart/form-data").status_code == 422
    assert _verify(world.as_("student"), b"not a pdf at all").status_code == 422
    # Signed once, it cannot be regenerated behind the signer's back.
    assert _sign(world.as_("teacher"), tid, school_pki["homeroom"]).status_code == 201
    again = world.as_("teacher").post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027"})
    assert again.status_code == 409


def test_a_classs_transcripts_as_a_job_and_one_zip(world, graded, school_pki):
    import zipfile

    teacher = world.as_("teacher")
    first = teacher.post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027"}).get_json()
    assert _sign(teacher, first["id"], school_pki["homeroom"]).status_code == 201
    resp = teacher.post("/transcripts", json={"class_id": world.klass, "school_year": "2026-2027"})
    assert resp.status_code == 202, resp.get_json()
    batch = teacher.get(f"/transcripts/batches/{resp.get_json()['id']}").get_json()  # jobs run at once in tests
    assert (batch["status"], batch["total"], batch["done"]) == ("done", 2, 2)
    assert first["id"] in batch["ids"]  # the signed one is kept, not rebuilt
    assert teacher.get(f"/transcripts/{first['id']}").get_json()["status"] == "signed_homeroom"
    archive = teacher.get(f"/transcripts/batches/{batch['id']}/zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert names == ["01-Le-Minh-Anh-2026-2027.pdf", "02-Pham-Gia-Bao-2026-2027.pdf"]
    assert world.as_("teacher2").get(f"/transcripts/batches/{batch['id']}").status_code == 404
    assert teacher.post("/transcripts", json={"class_id": world.klass, "student_id": world.student,
                                              "school_year": "2026-2027"}).status_code == 422


def test_unlocking_the_gradebook_marks_transcripts_stale(app, world, graded):
    from lms.core.db import db

    tid = world.as_("teacher").post("/transcripts", json={"student_id": world.student,
                                                          "school_year": "2026-2027"}).get_json()["id"]
    assert world.as_("teacher").get(f"/transcripts/{tid}").get_json()["stale"] is False
    from lms.gradebook.signals import gradebook_unlocked

    with app.test_request_context():
        gradebook_unlocked.send(None, class_id=world.klass, subject="toan", semester=1)
        db.session.commit()
    assert world.as_("teacher").get(f"/transcripts/{tid}").get_json()["stale"] is True


def test_verify_page_reports_each_signer(app, world, graded, school_pki, client):
    from tests.conftest import PASSWORD as pw

    app.config["GRADEBOOK_TRUSTED_ROOTS"] = school_pki["roots"]
    tid = _signed(world, school_pki)
    data = world.as_("admin").get(f"/transcripts/{tid}/pdf").data
    client.post("/login", data={"username": "gv.lan", "password": pw})
    page = client.post("/transcripts/verify", data={"file": (io.BytesIO(data), "hb.pdf")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hợp lệ" in html and "Trần Văn Hiệu" in html and "Hiệu trưởng" in html
    bad = client.post("/transcripts/verify", data={"file": (io.BytesIO(b"%PDF-1.4 rac"), "x.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422


def test_homeroom_pages_build_and_sign(world, graded, school_pki, client):
    from tests.conftest import PASSWORD as pw

    client.post("/login", data={"username": "gv.lan", "password": pw})
    assert "10A1" in client.get("/transcripts/").get_data(as_text=True)
    assert client.post(f"/transcripts/classes/{world.klass}").status_code == 302  # the job runs at once in tests
    page = client.get(f"/transcripts/classes/{world.klass}").get_data(as_text=True)
    assert "Đã tạo 2/2 học bạ" in page and "Lê Minh Anh" in page
    zip_url = re.search(r'href="([^"]+/zip)"', page).group(1)
    assert client.get(zip_url).mimetype == "application/zip"  # the page's link works with the session
    tid = world.as_("teacher").get("/transcripts/batches/1").get_json()["ids"][0]
    resp = client.post(f"/transcripts/{tid}/sign", data={"pkcs12": (io.BytesIO(school_pki["homeroom"]), "gv.p12"),
                                                          "password": "mat-khau"}, content_type="multipart/form-data")
    assert resp.status_code == 302
    assert world.as_("teacher").get(f"/transcripts/{tid}").get_json()["status"] == "signed_homeroom"
    assert client.get(f"/transcripts/{tid}/pdf").data.startswith(b"%PDF")
    client.post("/logout")
    client.post("/login", data={"username": "gv.minh", "password": pw})
    assert client.get(f"/transcripts/classes/{world.klass}").status_code == 404
    assert client.get(f"/transcripts/{tid}/pdf").status_code == 404


def test_with_a_tsa_every_signature_carries_a_timestamp(app, world, graded, school_pki):
    from concurrent.futures import ThreadPoolExecutor

    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from tests.tsa import running_tsa

    app.config["GRADEBOOK_TRUSTED_ROOTS"] = school_pki["roots"]
    with running_tsa(school_pki["ca"]) as (url, served):
        app.config["SIGNING_TSA_URL"] = url
        try:
            tid = _signed(world, school_pki)
        finally:
            app.config["SIGNING_TSA_URL"] = None
    assert len(served) >= 3  # pyHanko also asks once per signature to size the signature field
    data = world.as_("admin").get(f"/transcripts/{tid}/pdf").data
    report = _verify(world.as_("teacher"), data).get_json()
    assert report["valid"], report
    for signer in report["signers"]:
        assert signer["timestamp"]["valid"] and signer["timestamp"]["trusted"], signer
        assert signer["timestamp"]["time"][:10] == signer["signed_at"][:10]
    # pyHanko's validator, independently of the app, sees the same tokens.
    context = ValidationContext(trust_roots=[x509.Certificate.load(school_pki["ca_der"])])
    for sig in PdfFileReader(io.BytesIO(data)).embedded_signatures:
        with ThreadPoolExecutor(max_workers=1) as pool:
            status = pool.submit(validate_pdf_signature, sig, context).result()
        assert status.timestamp_validity is not None and status.timestamp_validity.valid
        assert status.timestamp_validity.trusted


def test_an_unreachable_tsa_is_a_422_and_nothing_is_signed(app, world, graded, school_pki):
    import socket

    made = world.as_("teacher").post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027"})
    with socket.socket() as sock:  # a port on this machine that nothing listens on
        sock.bind(("127.0.0.1", 0))
        app.config["SIGNING_TSA_URL"] = f"http://127.0.0.1:{sock.getsockname()[1]}/tsa"
    try:
        resp = _sign(world.as_("teacher"), made.get_json()["id"], school_pki["homeroom"])
    finally:
        app.config["SIGNING_TSA_URL"] = None
    assert resp.status_code == 422 and "tsa" in resp.get_json()["errors"], resp.get_json()
    assert world.as_("teacher").get(f"/transcripts/{made.get_json()['id']}").get_json()["status"] == "draft"
