"""What the học bạ prints: the TT22 layout for grades 6-12 (learning and training results per semester and
year) and the TT27 layout for grades 1-5 (levels, end-of-year tests, qualities and competences)."""
import re
import subprocess

import pytest

from tests.gradebook.conftest import Book


def _text(client, tid, tmp_path) -> str:
    path = tmp_path / f"hoc-ba-{tid}.pdf"
    path.write_bytes(client.get(f"/transcripts/{tid}/pdf").data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_secondary_transcript_prints_learning_and_training_results(world, graded, tmp_path):
    teacher = world.as_("teacher")
    made = teacher.post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027",
                                              "conduct": {"1": "kha", "2": "tot", "year": "tot"}})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["conduct"] == {"1": "kha", "2": "tot", "year": "tot"}
    text = _text(teacher, made.get_json()["id"], tmp_path)
    assert "Kết quả học tập và rèn luyện" in text and "Thông tư 22" in text
    rows = {label: line for label in ("Học kì I", "Học kì II", "Cả năm") for line in text.splitlines()
            if line.strip().startswith(label + " ")}
    assert rows["Học kì I"].split()[-1] == "Khá" and rows["Cả năm"].split()[-1] == "Tốt", rows
    # Rebuilt with a new remark only: the training result given before stays.
    again = teacher.post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027",
                                               "homeroom_comment": "Tiến bộ."})
    assert again.get_json()["conduct"] == {"1": "kha", "2": "tot", "year": "tot"}
    for bad in ({"3": "tot"}, {"year": "xuat_sac"}, ["tot"]):
        resp = teacher.post("/transcripts", json={"student_id": world.student, "school_year": "2026-2027",
                                                  "conduct": bad})
        assert resp.status_code == 422, bad


@pytest.fixture
def primary_pupil(world, factory):
    """A grade-4 pupil whose year is complete: Toán (tested), Khoa học (tested), Đạo đức (levels only)."""
    pupil = factory.user("student", world.school, username="hs.nho", full_name="Vũ Bảo Ngọc")
    klass = factory.klass(world.school, name="4A1", grade=4, homeroom_teacher_id=world.teacher)
    factory.enrol(klass, pupil)
    teacher = world.as_("teacher")
    for subject, values in (("toan", {"tx": "T", "ck": 10}), ("khoa-hoc", {"tx": "T", "ck": 9}),
                            ("dao-duc", {"tx": "H", "ck": "T"})):
        factory.assign(klass, world.teacher, subject)
        for semester in (1, 2):
            book = Book(teacher, klass, subject, semester)
            for kind, value in values.items():
                assert book.put(book.column(kind, kind), {pupil: value}).status_code == 200
    codes = list(teacher.put("/gradebook/qualities", json={"class_id": klass, "qualities": {
        str(pupil): {}}}).get_json()["names"])
    levels = {code: "T" for code in codes}
    levels["the-chat"] = "Đ"
    assert teacher.put("/gradebook/qualities", json={"class_id": klass, "qualities": {
        str(pupil): levels}}).status_code == 200
    return pupil


def test_primary_transcript_follows_tt27(world, primary_pupil, tmp_path):
    teacher = world.as_("teacher")
    refused = teacher.post("/transcripts", json={"student_id": primary_pupil, "school_year": "2026-2027",
                                                 "conduct": {"year": "tot"}})
    assert refused.status_code == 422 and "conduct" in refused.get_json()["errors"]
    made = teacher.post("/transcripts", json={"student_id": primary_pupil, "school_year": "2026-2027"})
    assert made.status_code == 201 and made.get_json()["conduct"] is None
    text = _text(teacher, made.get_json()["id"], tmp_path)
    # The first of two equal names wins: Khoa học is a subject and, further down, a competence.
    lines = {}
    for line in text.splitlines():
        lines.setdefault(line.strip().split("  ")[0], " ".join(line.split()))
    assert "Mức đạt được" in text and "Điểm KTĐK cuối năm" in text
    assert lines["Toán"].endswith("T (Hoàn thành tốt) 10"), lines.get("Toán")
    assert lines["Đạo đức"].endswith("T (Hoàn thành tốt) –"), lines.get("Đạo đức")  # no test in Đạo đức
    for heading in ("Phẩm chất chủ yếu", "Năng lực chung", "Năng lực đặc thù"):
        assert heading in text, heading
    assert re.search(r"Yêu nước\s+Tốt\s", text) and re.search(r"Thể chất\s+Đạt\b", text)
    # One quality at Đạt (not Tốt) leaves Hoàn thành, though every subject is T and every test >= 9.
    assert lines["Đánh giá kết quả giáo dục (Thông tư 27): Hoàn thành"]
    assert lines["Khoa học"].endswith("T (Hoàn thành tốt) 9")
    assert "Hoàn thành chương trình lớp 4." in text
    assert "Kết quả rèn luyện" not in text and "Học kì II" not in text


def _pdfa_problems(data: bytes) -> list[str]:
    """The PDF/A-2b declarations checked structurally (veraPDF, the reference validator, is a Java program that
    neither Debian nor PyPI packages): header, sRGB OutputIntent, XMP identification, every font embedded,
    no encryption, a file identifier, printable annotations, and no Info entry the XMP does not carry."""
    import io as _io

    from pyhanko.pdf_utils.reader import PdfFileReader

    problems = []
    if not re.match(rb"%PDF-1\.[0-7]\n%[\x80-\xff]{4}", data):
        problems.append("header")
    reader = PdfFileReader(_io.BytesIO(data))
    intents = reader.root.get("/OutputIntents") or []
    if not any(i.get_object()["/S"] == "/GTS_PDFA1" and i.get_object()["/DestOutputProfile"].get_object()["/N"] == 3
               for i in intents):
        problems.append("output intent")
    xmp = reader.root["/Metadata"].get_object().data.decode() if "/Metadata" in reader.root else ""
    if 'pdfaid:part="2"' not in xmp or 'pdfaid:conformance="B"' not in xmp:
        problems.append("pdfaid")
    if "/Encrypt" in reader.trailer_view or "/ID" not in reader.trailer_view:
        problems.append("trailer")
    if "/Info" in reader.trailer_view:
        problems.append("Info dictionary beside the XMP")
    from pyhanko.pdf_utils import generic

    descriptors = []
    for number in sorted({int(n) for n in re.findall(rb"(?m)^(\d+) 0 obj", data)}):
        obj = reader.get_object(generic.Reference(number, 0, reader))
        if isinstance(obj, generic.DictionaryObject) and obj.get("/Type") == "/FontDescriptor":
            descriptors.append(obj)
    if not descriptors or not all({"/FontFile", "/FontFile2", "/FontFile3"} & set(d) for d in descriptors):
        problems.append("font not embedded")
    if re.search(rb"/BaseFont /(Helvetica|Times|Courier)", data):
        problems.append("standard font not embedded")
    for flags in re.findall(rb"/Subtype /Widget.*?/F (\d+)", data, re.S):
        if not int(flags) & 4:
            problems.append("annotation not printable")
    return problems


def test_transcript_is_pdfa_2b_before_and_after_signing(world, graded, school_pki):
    from tests.transcripts.test_transcripts import _signed

    tid = _signed(world, school_pki)
    signed = world.as_("admin").get(f"/transcripts/{tid}/pdf").data
    first_revision = signed[:signed.index(b"%%EOF") + 6]  # the document as generated, before any signature
    assert _pdfa_problems(first_revision) == []
    assert _pdfa_problems(signed) == []
    # The check can fail: the same document from reportlab alone declares nothing.
    from lms.transcripts import document

    assert "pdfaid" in _pdfa_problems(_bare_reportlab(document))


def _bare_reportlab(document) -> bytes:
    from unittest import mock

    with mock.patch.object(document.signatures, "as_pdfa_2b", lambda pdf, _icc: pdf):
        from lms.gradebook.api import transcript_vocabulary

        return document.render({"school": "T", "class_name": "10A1", "grade": 10, "school_year": "2026-2027",
                                "vocabulary": transcript_vocabulary(), "student": {"full_name": "A"},
                                "year": {"subjects": []}, "homeroom_name": "", "principal_name": ""})
