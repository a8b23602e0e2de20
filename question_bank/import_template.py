"""The Word template teachers download from the import page: the layout the DOCX importer reads, shown by
example (one question of each kind of the 2025 paper, a formula, an explanation, the answer key), preceded by
short instructions. Written by the exporter, so what teachers copy is exactly what the importer accepts."""
from __future__ import annotations

import io

from docx import Document

from .formats.docx_writer import export_questions
from .types import validate

INSTRUCTIONS = (
    "MẪU SOẠN CÂU HỎI ĐỂ NHẬP VÀO NGÂN HÀNG CÂU HỎI",
    "• Mỗi câu bắt đầu bằng “Câu 1.”, “Câu 2.”… Có thể chia “PHẦN I”, “PHẦN II”, “PHẦN III” như đề 2025.",
    "• Trắc nghiệm: các phương án A. B. C. D. mỗi phương án một dòng (hoặc nhiều phương án trên một dòng, "
    "hoặc trong bảng). Đánh dấu đáp án đúng bằng gạch chân, chữ đỏ, tô màu, in đậm, hoặc dòng “Đáp án: B”.",
    "• Đúng/sai: các ý a) b) c) d); đáp án như “Đáp án: a) Đ b) S c) Đ d) S”.",
    "• Trả lời ngắn: dòng “Đáp án: -1,5” (tối đa 4 kí tự gồm chữ số, dấu trừ, dấu phẩy).",
    "• Công thức: dùng Equation của Word (hoặc MathType đã chuyển sang Equation) — được giữ thành công thức.",
    "• “Lời giải:” ngay sau câu hỏi được lưu làm lời giải. Bảng đáp án ở cuối tệp cũng được đọc.",
    "• Tuỳ chọn, dưới mỗi câu: “Trọng số: A 50%, B 50%, C -50%, D 0%” (nhiều đáp án đúng), “Phản hồi A: …”, "
    "“Hướng dẫn chấm: …” (câu tự luận), “Đáp án (không phân biệt dấu): …”, “Tên câu hỏi: …”, “Mã câu hỏi: …”.",
    "• Xoá phần hướng dẫn này trước khi nhập cũng được: phần trước “Câu 1.” được bỏ qua.",
)

SAMPLES = (
    {"type": "single_choice", "stem": "<p>Tập nghiệm của phương trình $x^2 - 3x + 2 = 0$ là</p>",
     "options": [{"id": "a", "text": "$\\{1; 2\\}$", "correct": True}, {"id": "b", "text": "$\\{-1; -2\\}$", "correct": False},
                 {"id": "c", "text": "$\\{1; -2\\}$", "correct": False}, {"id": "d", "text": "$\\{-1; 2\\}$", "correct": False}],
     "explanation": "<p>Phương trình có $a + b + c = 0$ nên có nghiệm $x = 1$ và $x = 2$.</p>"},
    {"type": "single_choice", "stem": "<p>Thủ đô của nước Cộng hoà xã hội chủ nghĩa Việt Nam là</p>",
     "options": [{"id": "a", "text": "Huế", "correct": False}, {"id": "b", "text": "Hà Nội", "correct": True},
                 {"id": "c", "text": "Đà Nẵng", "correct": False},
                 {"id": "d", "text": "Thành phố Hồ Chí Minh", "correct": False}]},
    {"type": "true_false_group", "stem": "<p>Cho hàm số $y = x^2 - 4x + 3$. Xét tính đúng sai của các mệnh đề sau:</p>",
     "statements": [{"id": "a", "text": "Đồ thị hàm số cắt trục tung tại điểm $(0; 3)$.", "correct": True},
                    {"id": "b", "text": "Hàm số đồng biến trên khoảng $(-\\infty; 2)$.", "correct": False},
                    {"id": "c", "text": "Giá trị nhỏ nhất của hàm số bằng $-1$.", "correct": True},
                    {"id": "d", "text": "Đồ thị hàm số có trục đối xứng $x = -2$.", "correct": False}]},
    {"type": "short_answer", "stem": "<p>Tính giá trị của biểu thức $\\log_2 8 + 1,5$.</p>",
     "answers": [{"text": "4,5"}], "rule": "thpt2025",
     "explanation": "<p>$\\log_2 8 = 3$ nên biểu thức bằng $4,5$.</p>"},
    {"type": "essay", "stem": "<p>Giải bất phương trình $x^2 - 5x + 6 \\le 0$.</p>",
     "rubric": "<p>Tìm đúng hai nghiệm của tam thức: 0,5 điểm; kết luận tập nghiệm $[2; 3]$: 0,5 điểm.</p>"},
)


def template_docx() -> bytes:
    """The .docx template: instructions, then the sample questions in the importer's layout with their key."""
    data, _warnings = export_questions([{"body": validate(dict(body))} for body in SAMPLES], with_key=True)
    document = Document(io.BytesIO(data))
    first = document.paragraphs[0]
    for index, line in enumerate(INSTRUCTIONS):
        paragraph = first.insert_paragraph_before(line)
        if index == 0:
            paragraph.runs[0].bold = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
