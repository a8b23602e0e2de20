"""Demo questions for ``flask seed-demo``: one of each common type in Toán 10, some shared and published."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db

from . import services
from .models import Question

DEMO_TAG = "demo"

DEMO_QUESTIONS = [
    {"type": "single_choice", "stem": "<p>Tập nghiệm của phương trình $x^2 - 4 = 0$ là</p>", "level": "nhan_biet",
     "options": [{"text": "$\\{2\\}$", "correct": False}, {"text": "$\\{-2; 2\\}$", "correct": True},
                 {"text": "$\\{-2\\}$", "correct": False}, {"text": "$\\emptyset$", "correct": False}],
     "explanation": "<p>$x^2 = 4 \\Leftrightarrow x = \\pm 2$.</p>", "publish": True},
    {"type": "true_false_group", "stem": "<p>Cho hàm số $y = 2x + 1$. Xét tính đúng sai của các mệnh đề:</p>",
     "level": "thong_hieu",
     "statements": [{"text": "Hàm số đồng biến trên $\\mathbb{R}$.", "correct": True},
                    {"text": "Đồ thị đi qua điểm $(0; 1)$.", "correct": True},
                    {"text": "Đồ thị cắt trục hoành tại $x = 1$.", "correct": False},
                    {"text": "Hệ số góc bằng $1$.", "correct": False}], "publish": True},
    {"type": "short_answer", "stem": "<p>Tính giá trị của $\\frac{3}{2}$ (viết dạng thập phân).</p>",
     "level": "van_dung", "answers": [{"value": "1.5", "tolerance": "0"}], "rule": "thpt2025", "publish": False},
    {"type": "essay", "stem": "<p>Chứng minh rằng tổng hai số lẻ là một số chẵn.</p>", "level": "van_dung_cao",
     "rubric": "<p>Đặt $a = 2m+1$, $b = 2n+1$; $a + b = 2(m+n+1)$.</p>", "publish": False},
]


def seed_demo(context: dict) -> None:
    """Create the demo questions of the demo teacher once (idempotent: skipped if they already exist)."""
    from lms.accounts.api import get_user

    teacher = get_user(context["users"]["teacher"])
    department = get_user(context["users"]["sogd"])
    exists = db.session.scalar(select(Question.id).where(Question.owner_id == teacher.id,
                                                         Question.subject_code == "toan").limit(1))
    if exists is not None:
        return
    for item in DEMO_QUESTIONS:
        payload = {k: v for k, v in item.items() if k != "publish"}
        payload.update(subject="toan", grade=10, tags=[DEMO_TAG])
        question = services.create_question(teacher, payload)
        if item["publish"]:
            services.submit(teacher, question)
            services.review(department, question, "approve", "Câu hỏi mẫu.")
