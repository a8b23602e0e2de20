"""Errors of accounts that callers may want to recognise by type."""
from __future__ import annotations

from lms.core.errors import Forbidden


class PasswordChangeRequired(Forbidden):
    """The account's password was set by someone else (account card, reset): only changing it is allowed."""

    title, slug = "Cần đổi mật khẩu", "password-change-required"
