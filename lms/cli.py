"""Flask commands: users create/set-password/deactivate/activate, seed-demo, worker (``flask --app wsgi ...``)."""
from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import DomainError
from lms.core.jobs import jobs

DEMO_PASSWORD = "hoclieuso2026"
DEMO_SCHOOL = {"code": "THPT-DEMO", "name": "Trường THPT Demo Học Liệu Số"}
DEMO_YEAR = "2026-2027"
DEMO_USERS = [
    ("admin", "admin", "Quản trị hệ thống"),
    ("sogd", "department", "Chuyên viên Sở GD&ĐT"),
    ("teacher", "teacher", "Nguyễn Thị Lan"),
    ("teacher2", "teacher", "Trần Văn Minh"),
    ("student", "student", "Lê Minh Anh"),
    ("student2", "student", "Phạm Gia Bảo"),
    ("student3", "student", "Hoàng Thu Hà"),
    ("phuhuynh", "parent", "Lê Thị Mai"),
]


def init_app(app: Flask) -> None:
    @app.cli.group("users")
    def users_group():
        """Manage user accounts."""

    @users_group.command("create")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(["admin", "department", "teacher", "student", "parent"]))
    @click.option("--password", required=True)
    @click.option("--full-name", default="")
    @click.option("--school", "school_code", default=None, help="School code")
    def users_create(username, role, password, full_name, school_code):
        """Create a user."""
        from lms.accounts.models import School
        from lms.accounts.services import create_user

        school_id = None
        if school_code:
            school = db.session.scalar(select(School).where(School.code == school_code))
            if school is None:
                raise click.ClickException(f"no school with code {school_code}")
            school_id = school.id
        try:
            user = create_user(None, username=username, password=password, full_name=full_name, role=role,
                               school_id=school_id)
        except DomainError as exc:
            db.session.rollback()
            fields = "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in (exc.errors or {}).items())
            raise click.ClickException(f"{exc.detail} {fields}".strip()) from None
        db.session.commit()
        click.echo(f"created {user.role} {user.username} (id {user.id})")

    def _account(username):
        from lms.accounts.models import User

        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
        return user

    def _update(username, **changes):
        from lms.accounts.services import update_user

        try:
            user = update_user(None, _account(username), **changes)
        except DomainError as exc:
            db.session.rollback()
            fields = "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in (exc.errors or {}).items())
            raise click.ClickException(f"{exc.detail} {fields}".strip()) from None
        db.session.commit()
        return user

    @users_group.command("set-password")
    @click.argument("username")
    @click.option("--password", required=True)
    def users_set_password(username, password):
        """Reset a password (the policy applies); every session and token of the account ends."""
        user = _update(username, password=password)
        click.echo(f"password of {user.username} changed; its sessions and tokens are ended")

    @users_group.command("deactivate")
    @click.argument("username")
    def users_deactivate(username):
        """Suspend an account: it cannot sign in, and its sessions and tokens end at once."""
        user = _update(username, active=False)
        click.echo(f"{user.username} suspended")

    @users_group.command("activate")
    @click.argument("username")
    def users_activate(username):
        """Lift a suspension (earlier sessions and tokens stay ended)."""
        user = _update(username, active=True)
        click.echo(f"{user.username} active")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Demo school, classes, users, subjects and content. Safe to run again."""
        context = seed_accounts()
        for seeder in current_app.extensions.get("lms_seeders", []):
            seeder(context)
            db.session.commit()
        click.echo(f"demo ready; every demo account's password is {DEMO_PASSWORD!r}: "
                   + ", ".join(u[0] for u in DEMO_USERS))

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Threads running jobs")
    @click.option("--periodic/--no-periodic", default=True, show_default=True,
                  help="Take part in enqueueing the periodic jobs (auto-submit, reconcile, outbox retry). "
                       "Either way each minute's periodic jobs are enqueued by one worker only.")
    def worker(workers, periodic):
        """Run the background job consumer (transcoding, indexing, auto-submit, gradebook delivery)."""
        click.echo(f"worker: {len(jobs.names())} job kinds, {workers} threads, queue {type(jobs.huey).__name__}"
                   f"{'' if periodic else ', no periodic jobs'}")
        jobs.consumer(workers=workers, periodic=periodic).run()


def seed_accounts() -> dict:
    """The accounts part of the demo: idempotent, returns ids for the feature seeders."""
    from lms.accounts import services, years
    from lms.accounts.models import Enrolment, Guardian, School, SchoolClass, SchoolYear, TeachingAssignment, User
    from lms.curriculum.services import ensure_subjects

    ensure_subjects()
    if years.current_school_year() is None and db.session.scalar(
            select(SchoolYear.id).where(SchoolYear.name == DEMO_YEAR)) is None:
        first = int(DEMO_YEAR[:4])
        years.save_school_year(None, name=DEMO_YEAR, starts_on=date(first, 9, 5), ends_on=date(first + 1, 5, 31),
                                  is_current=True)
    school = db.session.scalar(select(School).where(School.code == DEMO_SCHOOL["code"]))
    if school is None:
        school = services.create_school(None, **DEMO_SCHOOL)
    users = {}
    for username, role, full_name in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = services.create_user(None, username=username, password=DEMO_PASSWORD, full_name=full_name,
                                        role=role, school_id=school.id if role in ("teacher", "student") else None)
        users[username] = user
    classes = {}
    for name, grade in (("10A1", 10), ("12A1", 12)):
        klass = db.session.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id,
                                                            SchoolClass.name == name,
                                                            SchoolClass.school_year == DEMO_YEAR))
        if klass is None:
            klass = SchoolClass(name=name, grade=grade, school_id=school.id, school_year=DEMO_YEAR,
                                homeroom_teacher_id=users["teacher"].id)
            db.session.add(klass)
            db.session.flush()
        classes[name] = klass
    for student in ("student", "student2", "student3"):
        if db.session.get(Enrolment, (classes["10A1"].id, users[student].id)) is None:
            db.session.add(Enrolment(class_id=classes["10A1"].id, student_id=users[student].id))
    if db.session.get(Guardian, (users["phuhuynh"].id, users["student"].id)) is None:
        db.session.add(Guardian(parent_id=users["phuhuynh"].id, student_id=users["student"].id, relation="mẹ"))
    for klass in classes.values():
        for teacher, subject in (("teacher", "toan"), ("teacher", "vat-li"), ("teacher2", "ngu-van")):
            key = (klass.id, users[teacher].id, subject)
            if db.session.get(TeachingAssignment, key) is None:
                db.session.add(TeachingAssignment(class_id=klass.id, teacher_id=users[teacher].id,
                                                  subject_code=subject))
    db.session.commit()
    return {"school_id": school.id, "users": {k: v.id for k, v in users.items()},
            "classes": {k: v.id for k, v in classes.items()}, "school_year": DEMO_YEAR}
