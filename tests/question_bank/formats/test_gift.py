import io

from question_bank.formats import get_format


def parse(text):
    return get_format("gift").parse(io.BytesIO(text.encode("utf-8")))


def test_parses_every_gift_question_kind():
    text = """// Đề kiểm tra 15 phút — Địa lí 10
$CATEGORY: $course$/top/Địa lí 10/Chương 1

// [tag:nhan_biet] [tag:địa hình]
::Câu 1::Đỉnh núi cao nhất Việt Nam là? {
=Phan Xi Păng#Chính xác!
~Bạch Mã
~Ngọc Linh
####Phan Xi Păng cao 3.143 m.}

::Câu 2::[html]<p>Chọn <b>các</b> tỉnh giáp biển</p> {~%50%Quảng Ninh ~%50%Khánh Hòa ~%-100%Lai Châu}

Hà Nội là thủ đô của Việt Nam.{T}

Mặt Trời quay quanh Trái Đất.{FALSE#Sai rồi#Đúng}

Sông nào chảy qua Hà Nội? {=sông Hồng =Hồng Hà}

Mật độ dân số (người/km²) của Việt Nam năm 2023 xấp xỉ bao nhiêu? {#320:5}

Nhiệt độ trung bình (°C) ở Hà Nội nằm trong khoảng? {#23..25}

Nối tỉnh với vùng: {
=Lào Cai -> Trung du miền núi Bắc Bộ
=Cần Thơ -> Đồng bằng sông Cửu Long
=Huế -> Bắc Trung Bộ
}

Trình bày đặc điểm khí hậu nhiệt đới gió mùa. {}

Thủ đô Việt Nam là {=Hà Nội =Ha Noi} từ năm 1010.

Cố đô của Việt Nam là {=Huế ~Hà Nội ~Hội An} trong thời Nguyễn.

Dấu ngoặc \\{ và \\} cùng 50\\% \\= một nửa\\: đúng không? {TRUE}
"""
    result = parse(text)
    assert result.problems == []
    bodies = [d.body for d in result.drafts]
    assert bodies[0] == {"type": "single_choice", "stem": "Đỉnh núi cao nhất Việt Nam là?", "options": [
        {"id": "a", "text": "Phan Xi Păng", "correct": True, "feedback": "Chính xác!"},
        {"id": "b", "text": "Bạch Mã", "correct": False},
        {"id": "c", "text": "Ngọc Linh", "correct": False}], "explanation": "Phan Xi Păng cao 3.143 m.",
        "name": "Câu 1"}
    meta = result.drafts[0].meta
    assert meta == {"name": "Câu 1", "topic": "Địa lí 10/Chương 1", "level": "nhan_biet", "tags": ["địa hình"]}
    assert bodies[1]["type"] == "multiple_choice" and bodies[1]["stem"] == "<p>Chọn <b>các</b> tỉnh giáp biển</p>"
    assert [o["correct"] for o in bodies[1]["options"]] == [True, True, False]
    assert bodies[2] == {"type": "true_false", "stem": "Hà Nội là thủ đô của Việt Nam.", "answer": True}
    assert bodies[3]["answer"] is False
    assert bodies[4]["answers"] == [{"text": "sông Hồng"}, {"text": "Hồng Hà"}]
    assert bodies[5]["answers"] == [{"value": 320, "tolerance": 5}]
    assert bodies[6]["answers"] == [{"value": 24, "tolerance": 1}]
    assert bodies[7]["pairs"][1] == {"id": "2", "left": "Cần Thơ", "right": "Đồng bằng sông Cửu Long"}
    assert bodies[8] == {"type": "essay", "stem": "Trình bày đặc điểm khí hậu nhiệt đới gió mùa."}
    assert bodies[9] == {"type": "cloze", "stem": "", "text": "Thủ đô Việt Nam là {{1}} từ năm 1010.",
                         "gaps": [{"id": "1", "answers": ["Hà Nội", "Ha Noi"]}]}
    assert bodies[10]["type"] == "single_choice" and bodies[10]["stem"] == "Cố đô của Việt Nam là _____ trong thời Nguyễn."
    assert bodies[11]["stem"] == "Dấu ngoặc { và } cùng 50\\% = một nửa: đúng không?"
    assert [d.location for d in result.drafts][:3] == ["dòng 5", "dòng 11", "dòng 13"]


def test_plain_text_is_escaped_and_markdown_converted():
    result = parse("Nếu a < b thì <script>x</script>? {T}\n\n[markdown]Chọn **đúng** {T}\n")
    assert result.drafts[0].body["stem"] == "Nếu a &lt; b thì &lt;script&gt;x&lt;/script&gt;?"
    assert result.drafts[1].body["stem"] == "Chọn <strong>đúng</strong>"


def test_unclosed_brace_at_line_57_is_reported_and_other_questions_still_parse():
    questions = [f"Câu số {n}: 1 + {n} = ? {{={n + 1} ~{n + 2}}}\n" for n in range(1, 29)]
    # Each question takes two lines (text + blank), so question 29 starts on line 57.
    text = "".join(q + "\n" for q in questions) + "Câu hỏi bị lỗi {=a ~b\n\nCâu cuối? {T}\n"
    result = parse(text)
    assert len(result.drafts) == 29
    assert [(p.item, p.line) for p in result.problems] == [(29, 57)]
    assert "'}'" in result.problems[0].message
    assert result.drafts[-1].location == "dòng 59"


def test_error_line_points_inside_a_multiline_question():
    text = "Câu 1 {T}\n\n::Câu 2::\nDòng hai\n{=a ~b { ~c}\n"
    problem = parse(text).problems[0]
    assert (problem.item, problem.line) == (2, 5) and "lồng" in problem.message


def test_description_without_answers_is_skipped_with_a_note():
    result = parse("Phần I. Trắc nghiệm\n\nCâu 1? {T}\n")
    assert len(result.drafts) == 1
    assert result.problems[0].item == 1 and "mô tả" in result.problems[0].message


def test_single_choice_with_two_equals_is_an_error_not_a_guess():
    result = parse("Chọn? {=a =b ~c}\n")
    assert result.drafts == [] and result.problems[0].line == 1
