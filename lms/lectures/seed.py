"""Demo content for ``flask seed-demo``: a published class lecture, a shared one in review, a featured collection."""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts import api as accounts_api
from lms.core.db import db

from . import collections, services
from .models import Lecture, LectureCollection, LectureVersion

DEMO_LECTURES = [
    {"title": "Hàm số bậc nhất và đồ thị", "subject": "toan", "grade": 10, "visibility": "class",
     "description": "<p>Ôn tập hàm số $y = ax + b$, cách vẽ đồ thị và xét tính đồng biến, nghịch biến.</p>",
     "licence_note": "Tổ Toán, THPT Demo Học Liệu Số"},
    {"title": "Chuyển động thẳng đều", "subject": "vat-li", "grade": 10, "visibility": "shared",
     "description": "<p>Khái niệm tốc độ, vận tốc; phương trình chuyển động $x = x_0 + vt$.</p>",
     "licence_note": "CC BY 4.0"},
]


def _find(owner_id: int, title: str) -> Lecture | None:
    return db.session.scalar(select(Lecture).join(LectureVersion, LectureVersion.lecture_id == Lecture.id)
                             .where(Lecture.owner_id == owner_id, LectureVersion.title == title).limit(1))


def seed_demo(context: dict) -> None:
    """Idempotent: lectures are found again by owner and title, the collection by title."""
    teacher = accounts_api.get_user(context["users"]["teacher"])
    class_id = context["classes"]["10A1"]
    # media's seeder (it runs first) leaves the id of a short generated video here when ffmpeg is present.
    video_id = (context.get("media") or {}).get("demo_video")
    made = []
    for n, spec in enumerate(DEMO_LECTURES):
        lecture = _find(teacher.id, spec["title"])
        if lecture is None:
            attachments = [{"media_id": video_id, "title": "Video bài giảng"}] if video_id and n == 0 else None
            body = dict(spec, class_ids=[class_id] if spec["visibility"] == "class" else [], media_ids=None,
                        attachments=attachments, topic_id=None, practice_exam_id=None)
            lecture = services.create_lecture(teacher, body)
            services.submit_lecture(teacher, lecture)
        made.append(lecture)
    title = "Bộ bài giảng lớp 10 – Học kì I"
    collection = db.session.scalar(select(LectureCollection).where(LectureCollection.title == title))
    if collection is None:
        sogd = accounts_api.get_user(context["users"]["sogd"])
        # The shared lecture is still in review: readers see it in the collection once it is approved.
        collections.create_collection(sogd, {"title": title, "visibility": "shared", "grade": 10,
                                             "description": "<p>Bài giảng chọn lọc của Sở.</p>",
                                             "lecture_ids": [made[1].id], "featured": True})
    db.session.flush()
