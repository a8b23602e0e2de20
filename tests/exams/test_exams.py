"""Exam definitions: validation, classes, presets and blueprints, exam_saved, printed versions and DOCX."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import zipfile

import pytest

from lms.exams.signals import exam_saved

from .conftest import exam_body, short, single_choice, tf_group


def test_create_sends_exam_saved_and_patch_keeps_gradebook_in_step(world, bank, make_exam):
    ids = bank.choices(3)
    sent = []
    def receiver(sender, **kw):
        sent.append(kw)

    exam_saved.connect(receiver)
    try:
        exam = make_exam(ids, gradebook={"column_kind": "gk", "semester": 2})
        patched = world.as_("teacher").patch(f"/exams/{exam['id']}", json={"title": "Giữa kì II"})
    finally:
        exam_saved.disconnect(receiver)  # only ours: the gradebook listens too
    assert patched.status_code == 200 and patched.get_json()["title"] == "Giữa kì II"
    assert [s["title"] for s in sent] == ["Kiểm tra 15 phút", "Giữa kì II"]
    assert sent[0]["gradebook"] == {"column_kind": "gk", "semester": 2}
    assert sent[0]["class_ids"] == [world.klass] and sent[0]["subject"] == "toan"
    assert sent[0]["school_year"] == "2026-2027" and sent[0]["owner_id"] == world.teacher
    assert exam["sections"][0]["question_ids"] == ids


def test_only_taught_classes_and_owner_sees_exam(world, factory, bank, make_exam):
    ids = bank.choices(2)
    other_class = factory.klass(world.school, name="10A9")
    resp = world.as_("teacher").post("/exams", json=exam_body(world, ids, class_ids=[other_class]))
    assert resp.status_code == 422 and "class_ids" in resp.get_json()["errors"]
    exam = make_exam(ids)
    assert world.as_("teacher2").get(f"/exams/{exam['id']}").status_code == 404
    assert world.as_("teacher2").patch(f"/exams/{exam['id']}", json={"title": "x"}).status_code == 404
    mine = world.as_("teacher").get("/exams").get_json()
    assert [e["id"] for e in mine["items"]] == [exam["id"]]
    assert world.as_("teacher2").get("/exams").get_json()["total"] == 0


def test_bad_definitions_are_422(world, bank):
    ids = bank.choices(2)
    teacher = world.as_("teacher")
    no_points = exam_body(world, ids)
    no_points["sections"][0]["points_per_question"] = None
    assert teacher.post("/exams", json=no_points).status_code == 422
    window = exam_body(world, ids, opens_at="2026-09-10T08:00:00+07:00", closes_at="2026-09-10T07:00:00+07:00")
    assert teacher.post("/exams", json=window).status_code == 422
    someone_elses = bank.q(single_choice(9))
    from tests.exams.conftest import make_question

    foreign = make_question(teacher._client.application, world.teacher2, single_choice(10))
    resp = teacher.post("/exams", json=exam_body(world, [someone_elses, foreign]))
    assert resp.status_code == 422 and str(foreign) in resp.get_json()["detail"]
    essay_in_2025 = exam_body(world, ids)
    essay_in_2025["sections"][0].update(scoring="thpt2025", points_per_question=None,
                                        question_ids=[bank.q({"type": "essay", "stem": "<p>Viết</p>"})])
    assert teacher.post("/exams", json=essay_in_2025).status_code == 422
    assert teacher.post("/exams", json={"title": "x"}).status_code == 422


def test_blueprint_shortage_names_the_cell(world, bank):
    bank.choices(2, level="thong_hieu")
    body = exam_body(world, None, sections=[{"title": "Phần I", "points_per_question": "0.5",
                                             "blueprint": [{"level": "thong_hieu", "type": "single_choice",
                                                            "count": 2},
                                                           {"level": "van_dung", "type": "single_choice",
                                                            "count": 3}]}])
    resp = world.as_("teacher").post("/exams", json=body)
    assert resp.status_code == 422
    problem = resp.get_json()
    assert problem["cell"] == {"topic_id": None, "topic": None, "type": "single_choice", "level": "van_dung",
                               "needed": 3, "available": 0}
    assert "Vận dụng" in problem["detail"] and "cần 3" in problem["detail"] and "chỉ có 0" in problem["detail"]
    assert "sections.0.blueprint" in problem["errors"]


def test_preset_builds_2025_toan_paper_from_the_bank(world, bank):
    for i in range(12):
        bank.q(single_choice(i + 1))
    for i in range(4):
        bank.q(tf_group(i + 1))
    for i in range(6):
        bank.q(short(i + 1, "3"))
    body = exam_body(world, None, preset="thpt2025-toan", duration_minutes=None)
    body.pop("sections")
    resp = world.as_("teacher").post("/exams", json=body)
    assert resp.status_code == 201, resp.get_json()
    exam = resp.get_json()
    assert exam["duration_minutes"] == 90
    assert [len(s["question_ids"]) for s in exam["sections"]] == [12, 4, 6]
    attempt = world.as_("student").post(f"/exams/{exam['id']}/attempts").get_json()
    total = sum(float(q["points"]) for q in attempt["questions"])
    assert total == 10.0
    short_of = exam_body(world, None, preset="thpt2025-ngoai-ngu")
    short_of.pop("sections")
    assert world.as_("teacher").post("/exams", json=short_of).status_code == 422  # a Toán exam


def test_per_student_blueprint_draws_differ_but_are_stable(world, bank):
    bank.choices(12, level="nhan_biet")
    body = exam_body(world, None, sections=[{"title": "Ngẫu nhiên", "points_per_question": "1", "fill": "per_student",
                                             "blueprint": [{"level": "nhan_biet", "count": 4}]}])
    exam = world.as_("teacher").post("/exams", json=body).get_json()
    a = world.as_("student").post(f"/exams/{exam['id']}/attempts").get_json()
    b = world.as_("student2").post(f"/exams/{exam['id']}/attempts").get_json()
    again = world.as_("student").post(f"/exams/{exam['id']}/attempts").get_json()
    assert len(a["questions"]) == len(b["questions"]) == 4
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in a["questions"]]
    assert {q["id"] for q in a["questions"]} != {q["id"] for q in b["questions"]}


def test_paper_is_frozen_once_attempts_exist(world, bank, make_exam):
    ids = bank.choices(3)
    exam = make_exam(ids)
    world.as_("student").post(f"/exams/{exam['id']}/attempts")
    resp = world.as_("teacher").patch(f"/exams/{exam['id']}", json={"sections": [
        {"title": "Mới", "points_per_question": "1", "question_ids": ids[:1]}]})
    assert resp.status_code == 409


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_versions_differ_and_docx_has_header_and_key(world, bank, make_exam):
    ids = [bank.q(single_choice(i, correct="abcd"[i % 4])) for i in range(1, 7)] + [bank.q(tf_group(1))]
    exam = make_exam(ids, title="Kiểm tra giữa kì I", duration_minutes=45)
    teacher = world.as_("teacher")
    resp = teacher.post(f"/exams/{exam['id']}/versions", json={"count": 3})
    assert resp.status_code == 201, resp.get_json()
    versions = resp.get_json()
    assert [v["code"] for v in versions] == ["101", "102", "103"]
    signatures = {(tuple(v["question_order"]), tuple(tuple(o) for o in v["option_orders"].values())) for v in versions}
    assert len(signatures) == 3
    for v in versions:
        assert set(v["question_order"]) == set(ids)
        # Printed form by form: the true/false group closes the paper, with statements a)-d) in place.
        assert len(v["answer_key"]) == 7 and v["question_order"][-1] == ids[-1]
        assert v["answer_key"]["7"] == "a) Đ b) S c) Đ d) S"
    # The key follows the shuffled options: the letter printed for the correct option.
    first = versions[0]
    for number, qid in enumerate(first["question_order"], start=1):
        if qid in ids[:6]:
            correct = "abcd"[(ids.index(qid) + 1) % 4]
            assert first["answer_key"][str(number)] == "ABCD"[first["option_orders"][str(qid)].index(correct)]
    doc = teacher.get(f"/exams/{exam['id']}/versions/102/export?format=docx")
    assert doc.status_code == 200
    assert doc.mimetype.endswith("wordprocessingml.document")
    text = _docx_text(doc.data)
    for needle in ("TRƯỜNG THPT CHU VĂN AN", "KIỂM TRA GIỮA KÌ I", "Môn: Toán", "45 phút", "Mã đề 102",
                   "ĐÁP ÁN – MÃ ĐỀ 102"):
        assert needle in text, needle
    assert teacher.get(f"/exams/{exam['id']}/versions/999/export").status_code == 404
    assert world.as_("teacher2").get(f"/exams/{exam['id']}/versions/101/export").status_code == 404
    assert teacher.post(f"/exams/{exam['id']}/versions", json={"count": 0}).status_code == 422


@pytest.mark.skipif(shutil.which("libreoffice") is None and os.environ.get("CI") != "true",
                    reason="LibreOffice is not installed")
def test_docx_paper_converts_to_pdf_with_libreoffice(world, bank, make_exam, tmp_path):
    ids = bank.choices(4) + [bank.q(tf_group(1)), bank.q(short(1, "-1,5"))]
    exam = make_exam(ids, duration_minutes=45)
    teacher = world.as_("teacher")
    teacher.post(f"/exams/{exam['id']}/versions", json={"count": 2})
    data = teacher.get(f"/exams/{exam['id']}/versions/101/export?format=docx").data
    source = tmp_path / "de-101.docx"
    source.write_bytes(data)
    profile = tmp_path / "profile"
    done = subprocess.run(["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                          capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / "de-101.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
