"""Web sign-in and sign-out: the signed session cookie plus its server-side record.

Flask's session is a signed cookie, so on its own nothing on the server can end it: a copy keeps working after
"Đăng xuất". Each sign-in therefore records a ``WebSession`` row and puts its random id in the cookie; the user
loader (``lms.accounts.init_app``) accepts a cookie only while that row exists and the account's session
generation is the one the cookie was made in. Signing out deletes this browser's row; signing out everywhere,
a password change and a suspension bump the generation and delete every row of the account.
"""
from __future__ import annotations

from flask import session
from flask_login import login_user, logout_user

from . import services

#: Key of the server-side session id inside the signed cookie.
SESSION_KEY = "lms_sid"


def sign_in(user) -> None:
    """Sign ``user`` in in this browser: a new server-side session, then Flask-Login's cookie. The caller
    commits."""
    raw = services.start_web_session(user)
    login_user(user)
    session[SESSION_KEY] = raw


def sign_out(user) -> None:
    """End this browser's session on the server and clear the cookie. A cookie from before server-side
    sessions carries no id; for it, every session of the account is ended. The caller commits."""
    raw = session.pop(SESSION_KEY, None)
    if raw:
        services.end_web_session(user, raw)
    else:
        services.end_web_sessions(user)
    logout_user()


def cookie_is_live(user) -> bool:
    """Whether this request's cookie still names a live server-side session of ``user`` (True for a cookie
    from before server-side sessions, which only the session generation can end)."""
    raw = session.get(SESSION_KEY)
    return raw is None or services.web_session_is_live(user.id, raw)
