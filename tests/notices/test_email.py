"""E-mail copies of notices against a real SMTP server on 127.0.0.1 (aiosmtpd): the message as a mail client
reads it, the request that never waits for mail, retries of a server that says "try later", a refusal."""
import datetime as dt
import email
import logging
import socket
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller
from huey import MemoryHuey
from sqlalchemy import select

from lms.core.db import db
from lms.core.jobs import jobs
from lms.notices import mailing
from lms.notices.models import Notification

SENDER = "Học Liệu Số <no-reply@truong.example.edu.vn>"


class Mailbox:
    """An SMTP server that records each message; ``answer`` (e.g. ``451 ...``) replaces its reply to DATA,
    ``refuse`` its reply to RCPT."""

    def __init__(self, answer: str | None = None, refuse: str | None = None):
        self.answer, self.refuse, self.messages, self.attempts = answer, refuse, [], 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.answer:
            return self.answer
        self.messages.append((envelope.rcpt_tos[:], email.message_from_bytes(envelope.content,
                                                                           policy=policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """Start a Mailbox on a free port and point the app's MAIL_* at it (plain SMTP, a local relay)."""
    controllers = []

    def start(**behaviour) -> Mailbox:
        box = Mailbox(**behaviour)
        controller = Controller(box, hostname="127.0.0.1", port=app.config["MAIL_PORT"])
        controller.start()
        controllers.append(controller)
        return box

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())
    monkeypatch.setitem(app.config, "MAIL_SECURITY", "none")
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5.0)
    monkeypatch.setitem(app.config, "APP_ORIGINS", ("https://hoclieuso.example.edu.vn",))
    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def queue(app):
    """The app's jobs on a queue that holds them (as a worker's would) instead of running them in the request."""
    bindings = app.extensions["lms_jobs"]
    saved = bindings[id(jobs)]
    huey = MemoryHuey(f"mail-test-{time.monotonic_ns()}")
    jobs.init_app(app, huey=huey)
    yield huey
    bindings[id(jobs)] = saved


def _drain(huey, waits: list | None = None) -> int:
    """Run every queued job, and every retry at once as if its wait had passed; returns the runs. ``waits``
    collects how long each retry was scheduled to wait, in seconds."""
    runs = 0
    while True:
        later = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(days=1)
        task = huey.dequeue()
        if task is None:
            due = huey.read_schedule(later)
            if not due:
                return runs
            for retry in due:
                if waits is not None:
                    waits.append(round((retry.eta - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
                                       .total_seconds(), -1))
                huey.enqueue(retry)
            continue
        huey.execute(task, timestamp=later)
        runs += 1


def _our_logs(caplog) -> str:
    """What the app and the queue logged, tracebacks included (the test SMTP server's own log is left out)."""
    handler = logging.Formatter()
    return "\n".join(handler.format(r) for r in caplog.records if r.name.startswith(("lms", "huey")))


def _opt_in(world, who, address, enabled=True):
    resp = world.as_(who).put("/notifications/email", json={"email": address, "email_enabled": enabled})
    assert resp.status_code == 200, resp.get_json()


def _run_all_but_mail(huey) -> None:
    """Run what saving the exam queued besides mail (drawing the students' papers ahead), so the tests below see
    the e-mail jobs alone, in the order they were queued."""
    mail = []
    while (task := huey.dequeue()) is not None:
        if task.name == "email_notification":
            mail.append(task)
        else:
            huey.execute(task)
    for task in mail:
        huey.enqueue(task)


def _assign_exam(world, app, title="Kiểm tra 15 phút – Phương trình bậc hai"):
    from tests.exams.conftest import make_question, single_choice

    qid = make_question(app, world.teacher, single_choice(1))
    body = {"title": title, "subject": "toan", "grade": 10, "class_ids": [world.klass], "mode": "exam",
            "duration_minutes": 15, "review": "after_submit", "max_attempts": 1,
            "sections": [{"title": "Trắc nghiệm", "points_per_question": "1", "scoring": "proportional",
                          "question_ids": [qid]}]}
    started = time.monotonic()
    resp = world.as_("teacher").post("/exams", json=body)
    assert resp.status_code == 201, resp.get_json()
    took = time.monotonic() - started
    _run_all_but_mail(jobs.binding(app).huey)
    return took


def _states(app):
    with app.app_context():
        return {r.user_id: (r.email_status, r.email_attempts, r.email_error, r.emailed_at is not None)
                for r in db.session.scalars(select(Notification))}


def test_a_notice_arrives_as_a_vietnamese_utf8_email_to_those_who_asked(world, app, smtp, queue, caplog):
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
    _opt_in(world, "parent", "phu.huynh@example.vn", enabled=False)  # opted out: keeps the address, no mail
    box = smtp()
    caplog.set_level(logging.DEBUG)
    _assign_exam(world, app)
    assert queue.pending_count() == 1  # one e-mail job, for the one student who wants mail
    assert _drain(queue) == 1

    (rcpts, message), = box.messages
    assert rcpts == ["minh.anh@hocsinh.example.edu.vn"]
    assert message["Subject"] == "[Học Liệu Số] Bài kiểm tra mới: Kiểm tra 15 phút – Phương trình bậc hai"
    assert message["From"].addresses[0].display_name == "Học Liệu Số"
    assert message["From"].addresses[0].addr_spec == "no-reply@truong.example.edu.vn"
    assert message["To"] == "minh.anh@hocsinh.example.edu.vn"
    assert message["Date"] and message["Auto-Submitted"] == "auto-generated" and message["Message-ID"].endswith("@truong.example.edu.vn>")
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    raw_subject = message.as_bytes().split(b"\nSubject: ", 1)[1].split(b"\n", 1)[0]
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject.lower()  # RFC 2047, readable by any relay
    text = message.get_content().replace("\r\n", "\n")  # as it came over the wire
    assert text.startswith("Chào Lê Minh Anh,\n\nBài kiểm tra mới: Kiểm tra 15 phút – Phương trình bậc hai\n")
    assert "Xem trên Học Liệu Số: https://hoclieuso.example.edu.vn/exams/" in text
    assert "bỏ chọn" in text

    states = _states(app)
    assert states[world.student] == ("sent", 1, "", True)
    assert states[world.student2] == (None, 0, "", False)  # no address given: never mailed
    assert states[world.parent] == (None, 0, "", False)
    logged = _our_logs(caplog)
    assert "e-mail sent" in logged and "minh.anh" not in logged  # addresses never reach a log


def test_the_request_returns_without_waiting_for_the_mail_server(world, app, smtp, queue):
    """A server that accepts connections and never greets: any SMTP in the request would hang 5 s."""
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", app.config["MAIL_PORT"]))
        silent.listen()
        took = _assign_exam(world, app)
    assert took < 3, took
    assert queue.pending_count() == 1  # queued for a worker
    assert _states(app)[world.student] == ("queued", 0, "", False)

    box = smtp()  # the server comes back: the worker delivers
    _drain(queue)
    assert len(box.messages) == 1 and _states(app)[world.student][:2] == ("sent", 1)


def test_an_announcement_is_mailed_from_its_fan_out_job(world, app, smtp, queue):
    _opt_in(world, "parent", "phu.huynh@example.vn")
    box = smtp()
    resp = world.as_("teacher").post("/announcements", json={"title": "Họp phụ huynh cuối kỳ",
                                                              "body": "Thứ Bảy, 8 giờ, phòng 12.",
                                                              "class_ids": [world.klass]})
    assert resp.status_code == 201 and box.messages == [] and queue.pending_count() == 1
    _drain(queue)
    (rcpts, message), = box.messages
    assert rcpts == ["phu.huynh@example.vn"] and message["Subject"] == "[Học Liệu Số] Họp phụ huynh cuối kỳ"
    assert "Họp phụ huynh cuối kỳ\n\nThứ Bảy, 8 giờ, phòng 12.\n" in message.get_content().replace("\r\n", "\n")


def test_a_server_that_says_try_later_is_retried_then_the_notice_is_marked_failed(world, app, smtp, queue, caplog):
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
    box = smtp(answer="451 4.3.0 Hệ thống bận, thử lại sau")
    caplog.set_level(logging.INFO)
    _assign_exam(world, app)
    waits = []
    assert _drain(queue, waits) == mailing.RETRIES + 1
    assert waits == [60, 300, 1500]  # 1, 5, 25 minutes: a restart or greylisting is ridden out
    assert box.attempts == mailing.RETRIES + 1 and box.messages == []
    status, attempts, error, emailed = _states(app)[world.student]
    assert (status, attempts, emailed) == ("failed", mailing.RETRIES + 1, False)
    assert error.startswith("SMTP 451")
    logged = _our_logs(caplog)
    assert "deferred (SMTP 451" in logged and "e-mail failed after 4 attempt(s)" in logged
    assert "minh.anh" not in logged and "hocsinh" not in logged


def test_a_refused_recipient_fails_at_once_and_the_reason_carries_no_address(world, app, smtp, queue):
    _opt_in(world, "student", "khong.ton.tai@example.vn")
    box = smtp(refuse="550 5.1.1 <khong.ton.tai@example.vn>: Recipient address rejected")
    _assign_exam(world, app)
    assert _drain(queue) == 1 and box.messages == []
    status, attempts, error, _ = _states(app)[world.student]
    assert (status, attempts) == ("failed", 1)
    assert error.startswith("SMTP 550") and "Recipient address rejected" in error and "@" not in error


def test_opting_out_after_queueing_sends_nothing(world, app, smtp, queue):
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
    box = smtp()
    _assign_exam(world, app)
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn", enabled=False)
    _drain(queue)
    assert box.messages == [] and _states(app)[world.student][0] == "skipped"


def test_without_mail_server_nothing_is_queued_and_the_form_is_hidden(world, app, queue):
    assert app.config.get("MAIL_SERVER") is None  # off by default
    assert world.as_("student").get("/notifications/email").get_json() == {
        "email": "", "email_enabled": True, "available": False}
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
    _assign_exam(world, app)
    assert queue.pending_count() == 0 and _states(app)[world.student][0] is None


def test_email_settings_are_the_callers_own_and_checked(world, app, smtp):
    student = world.as_("student")
    bad = student.put("/notifications/email", json={"email": "khong phai email"})
    assert bad.status_code == 422 and "email" in bad.get_json()["errors"]
    assert student.put("/notifications/email", json={"email": "a@b"}).status_code == 422
    _opt_in(world, "student", " minh.anh@hocsinh.example.edu.vn ")
    assert student.get("/notifications/email").get_json() == {
        "email": "minh.anh@hocsinh.example.edu.vn", "email_enabled": True, "available": True}
    assert world.as_("student2").get("/notifications/email").get_json()["email"] == ""
    assert world.as_("anonymous").get("/notifications/email").status_code == 401


def test_the_notices_page_saves_the_address_and_the_opt_out(world, app, smtp):
    from tests.conftest import PASSWORD

    web = app.test_client()
    assert web.post("/login", data={"username": "hs.anh", "password": PASSWORD}).status_code == 302
    page = web.get("/notices/").get_data(as_text=True)
    assert "Nhận thông báo qua email" in page
    resp = web.post("/notices/email", data={"email": "minh.anh@hocsinh.example.edu.vn", "email_enabled": "on"})
    assert resp.status_code == 303
    assert 'value="minh.anh@hocsinh.example.edu.vn"' in web.get("/notices/").get_data(as_text=True)
    web.post("/notices/email", data={"email": "minh.anh@hocsinh.example.edu.vn"})  # box unticked
    assert world.as_("student").get("/notifications/email").get_json()["email_enabled"] is False
    resp = web.post("/notices/email", data={"email": "sai địa chỉ"}, follow_redirects=True)
    assert "Địa chỉ email không hợp lệ" in resp.get_data(as_text=True)


def _server_tls(tmp_path):
    """A self-signed certificate for 127.0.0.1, trusted by the client through SSL_CERT_FILE."""
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_password_is_only_sent_over_verified_tls(world, app, queue, monkeypatch, tmp_path, security):
    """The default (STARTTLS on submission) and implicit TLS, each with a login, against a server whose
    certificate the client checks."""
    from aiosmtpd.smtp import AuthResult

    context, cert_file = _server_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        logins.append((encrypted, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"mat-khau-smtp")

    box = Mailbox()
    port = _free_port()
    # aiosmtpd's auth_require_tls only knows STARTTLS; on implicit TLS the whole session is encrypted anyway.
    tls = ({"tls_context": context, "require_starttls": True, "auth_require_tls": True} if security == "starttls"
           else {"ssl_context": context, "auth_require_tls": False})
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=authenticate, **tls)
    controller.start()
    try:
        for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SECURITY": security,
                           "MAIL_USERNAME": "no-reply@truong.example.edu.vn", "MAIL_PASSWORD": "mat-khau-smtp",
                           "MAIL_FROM": SENDER, "MAIL_TIMEOUT": 5.0}.items():
            monkeypatch.setitem(app.config, key, value)
        _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
        _assign_exam(world, app)
        _drain(queue)
    finally:
        controller.stop()
    assert logins == [(True, b"no-reply@truong.example.edu.vn", b"mat-khau-smtp")]
    assert len(box.messages) == 1 and _states(app)[world.student][:2] == ("sent", 1)


def test_a_server_without_starttls_gets_no_mail_in_clear(world, app, smtp, queue, monkeypatch):
    box = smtp()
    monkeypatch.setitem(app.config, "MAIL_SECURITY", "starttls")  # the default, against a plain relay
    _opt_in(world, "student", "minh.anh@hocsinh.example.edu.vn")
    _assign_exam(world, app)
    assert _drain(queue) == 1 and box.messages == []
    status, attempts, error, _ = _states(app)[world.student]
    assert (status, attempts) == ("failed", 1) and "STARTTLS" in error
