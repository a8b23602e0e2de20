"""lecture_changed is sent on every change (and when a lecture's media becomes ready); the seeder is idempotent."""
import pytest

from lms.lectures.signals import lecture_changed


@pytest.fixture
def heard():
    events = []

    def receiver(sender, **kw):
        events.append((kw["lecture_id"], kw["action"]))

    lecture_changed.connect(receiver)
    yield events
    lecture_changed.disconnect(receiver)


def test_every_change_is_announced(world, make_lecture, heard):
    lid = make_lecture(visibility="shared", submit=True)["id"]
    world.as_("department").post(f"/lectures/{lid}/review", json={"decision": "approve"})
    world.as_("teacher").patch(f"/lectures/{lid}", json={"title": "Mới"})
    world.as_("teacher").delete(f"/lectures/{lid}")
    assert [a for i, a in heard if i == lid] == ["created", "submitted", "published", "updated", "deleted"]


def test_media_ready_touches_the_lectures_using_it(app, world, make_lecture, asset, heard):
    import media.api as media_api

    video = asset(world.teacher, status="processing", duration_s=None)
    lid = make_lecture(media_ids=[video])["id"]
    heard.clear()
    with app.app_context():
        media_api.media_ready.send(video)
    assert heard == [(lid, "media")]


def test_demo_seeder_is_idempotent(app, world, factory):
    from sqlalchemy import func, select

    from lms.core.db import db
    from lms.lectures.models import Lecture, LectureCollection
    from lms.lectures.seed import seed_demo

    context = {"users": {"teacher": world.teacher, "sogd": world.department}, "classes": {"10A1": world.klass},
               "school_id": world.school}
    for _ in range(2):
        with app.app_context():
            seed_demo(dict(context))
            db.session.commit()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lecture)) == 2
        assert db.session.scalar(select(func.count()).select_from(LectureCollection)) == 1
        statuses = sorted(db.session.scalars(select(Lecture.status)))
        assert statuses == ["in_review", "published"]
