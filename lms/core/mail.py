"""Outgoing e-mail: the only module that imports ``smtplib`` and the ``email`` package.

A message is plain UTF-8 text with RFC 2047 encoded headers and quoted-printable text, so Vietnamese subjects and sender names survive
every mail client and relay. Sending opens one SMTP connection per message (a job sends one notice), with
``MAIL_SECURITY`` choosing STARTTLS, implicit TLS or a plain local relay.

Failures are sorted into two kinds the caller can act on without reading SMTP codes: ``MailDeferred`` (no
connection, a timeout, a 4xx reply: try again later) and ``MailRejected`` (a 5xx reply: retrying will not
help). Their messages carry the SMTP code and a short reason but never an address, because they end up in
logs and on the notice's row.
"""
from __future__ import annotations

import smtplib
import ssl
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from flask import current_app


class MailError(Exception):
    """A message could not be sent; ``str()`` is safe to log (a code and a reason, no address)."""


class MailDeferred(MailError):
    """A temporary failure: the server was unreachable, timed out or answered 4xx."""


class MailRejected(MailError):
    """A permanent failure: the server answered 5xx (bad recipient, refused sender, message too large)."""


def enabled(config=None) -> bool:
    """True when an SMTP server is configured; e-mail is off by default."""
    return bool((config or current_app.config).get("MAIL_SERVER"))


def valid_address(text: str) -> bool:
    """A plausible single address ``local@domain.tld`` (the server has the last word)."""
    name, address = parseaddr(text or "")
    if not address or address != (text or "").strip() or len(address) > 254:
        return False
    local, _, domain = address.partition("@")
    return bool(local) and "." in domain and not domain.startswith(".") and not domain.endswith(".") \
        and not any(c.isspace() or c in "<>,;\"" for c in address)


def build(*, to: str, subject: str, body: str, sender: str) -> Message:
    """A text/plain UTF-8 message; ``sender`` may carry a display name (``Học Liệu Số <no-reply@...>``).

    Headers are encoded with ``email.header.Header`` (RFC 2047, split inside the encoded words): the newer
    ``EmailMessage`` folding of Python 3.11 drops the space where it splits a long Vietnamese subject.
    """
    name, address = parseaddr(sender)
    charset = Charset("utf-8")
    charset.body_encoding = QP  # mostly Latin letters: readable in the raw message, shorter than base64
    message = MIMEText(body, "plain", charset)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8", header_name="Subject")
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    return message


def _reason(code: int, reply) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply or "")
    # Servers often echo the recipient in their reply ("<a@b> user unknown"): keep the words, drop addresses.
    words = [w for w in text.split() if "@" not in w]
    return f"SMTP {code}: {' '.join(words)[:160]}"


def send(message: Message, config=None) -> None:
    """Deliver ``message`` through the configured server; raise ``MailDeferred`` or ``MailRejected``."""
    cfg = config or current_app.config
    host, port, timeout = cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg.get("MAIL_TIMEOUT", 20.0)
    security = cfg.get("MAIL_SECURITY", "starttls")
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise MailRejected("the server does not offer STARTTLS (check MAIL_SECURITY and MAIL_PORT)")
                client.starttls(context=ssl.create_default_context())
            if cfg.get("MAIL_USERNAME"):
                client.ehlo_or_helo_if_needed()
                if not client.has_extn("auth"):
                    raise MailRejected("the server offers no login (AUTH) here; check MAIL_SECURITY and MAIL_PORT")
                client.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
        raise (MailDeferred if 400 <= code < 500 else MailRejected)(_reason(code, reply)) from None
    except smtplib.SMTPResponseException as exc:
        raise (MailDeferred if 400 <= exc.smtp_code < 500 else MailRejected)(
            _reason(exc.smtp_code, exc.smtp_error)) from None
    except (smtplib.SMTPException, OSError) as exc:
        # No connection, a timeout, a dropped connection, a TLS handshake that failed: try again later.
        raise MailDeferred(f"{type(exc).__name__}: no answer from the mail server") from None
