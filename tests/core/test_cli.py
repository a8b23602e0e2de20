from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.db import db


def test_users_create_and_duplicate(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "gv.moi", "--role", "teacher", "--password", "mat-khau-dai",
                                 "--full-name", "Giáo Viên Mới"])
    assert result.exit_code != 0  # a teacher needs a school
    assert "school_id: Giáo viên và học sinh phải thuộc một trường." in result.output
    result = runner.invoke(args=["users", "create", "qt.moi", "--role", "admin", "--password", "mat-khau-dai"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["users", "create", "qt.moi", "--role", "admin", "--password", "mat-khau-dai"])
    assert again.exit_code != 0 and "đã tồn tại" in again.output


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        count = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == count
    token = app.test_client().post("/api/v1/auth/token", json={"username": "teacher", "password": "hoclieuso2026"})
    assert token.status_code == 200
