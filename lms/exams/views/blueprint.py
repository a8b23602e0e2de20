"""The ``exams_web`` blueprint, the labels its pages share, and who may open which page."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask_login import current_user

from lms.core.formatting import vn_points
from lms.core.db import db
from lms.core.errors import NotFound

from .. import permissions
from ..models import Exam

# root_path: the templates and static files stay in lms/exams/, beside the API, not in this subpackage.
web = Blueprint("exams_web", __name__, url_prefix="/exams", template_folder="templates",
                static_folder="static", static_url_path="/static/exams", root_path=str(Path(__file__).parents[1]))

REVIEW_LABELS = {"immediately": "Ngay sau khi nộp: điểm, đúng/sai từng câu, đáp án",
                 "after_submit": "Sau khi nộp: tổng điểm; đáp án khi đóng bài",
                 "after_close": "Sau khi đóng bài: điểm và đáp án", "never": "Chỉ xem tổng điểm"}
#: What each review policy shows a student, said in the teacher's form (lms.exams.permissions.review_level).
REVIEW_HELP = {
    "immediately": "Ngay khi nộp, học sinh thấy điểm, câu nào đúng/sai, đáp án và lời giải. Hợp với bài luyện "
                   "tập; với bài kiểm tra còn mở hoặc cho làm nhiều lượt, em nộp trước có thể chuyển đáp án cho "
                   "bạn hoặc dùng cho lượt sau của mình.",
    "after_submit": "Khi bài còn mở, học sinh chỉ thấy câu trả lời của mình và tổng điểm — không thấy câu nào "
                    "đúng, câu nào sai, vì dấu “đúng” cạnh câu trả lời chính là đáp án. Sau giờ đóng bài thấy "
                    "điểm từng câu, đáp án và lời giải.",
    "after_close": "Trước giờ đóng bài, học sinh chỉ thấy câu trả lời của mình (chưa có điểm); sau giờ đóng bài "
                   "thấy điểm, đáp án và lời giải.",
    "never": "Học sinh chỉ thấy câu trả lời của mình và tổng điểm, không bao giờ thấy đáp án.",
}
MODE_LABELS = {"practice": "Luyện tập", "exam": "Kiểm tra"}
STATUS_LABELS = {"in_progress": "Đang làm", "needs_grading": "Chờ chấm", "graded": "Đã chấm"}
LEVEL_LABELS = {"nhan_biet": "Nhận biết", "thong_hieu": "Thông hiểu", "van_dung": "Vận dụng",
                "van_dung_cao": "Vận dụng cao"}
TYPE_LABELS = {"single_choice": "Nhiều lựa chọn", "multiple_choice": "Nhiều đáp án", "true_false": "Đúng/sai",
               "true_false_group": "Đúng/sai (4 ý)", "short_answer": "Trả lời ngắn", "essay": "Tự luận"}
REGRADE_LABELS = {"new_version": "Chấm theo phiên bản mới (đáp án đã sửa)",
                  "full_credit": "Cho mọi học sinh trọn điểm câu này", "drop": "Bỏ câu này khỏi đề (không tính điểm)"}
#: Empty blueprint rows offered by the form without script (the script adds more on request).
BLUEPRINT_ROWS = 4


@web.context_processor
def _helpers():
    # One number format for every page (lms.core.formatting); empty for None as these pages expect.
    return {"vn": lambda value: vn_points(value, empty=""), "type_labels": TYPE_LABELS, "level_labels": LEVEL_LABELS}


def _student_only():
    if current_user.role != "student":
        raise NotFound("Trang này dành cho học sinh.")


def _teacher_exam(exam_id: int) -> Exam:
    return permissions.ensure_manageable(current_user, db.session.get(Exam, exam_id))


def _owner_exam(exam_id: int) -> Exam:
    # Writing pages (regrade, new versions) call teacher-only endpoints: an admin who may look is sent away.
    exam = _teacher_exam(exam_id)
    if current_user.role != "teacher":
        raise NotFound("Không tìm thấy bài kiểm tra.")
    return exam
