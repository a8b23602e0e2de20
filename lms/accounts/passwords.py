"""Password policy: long enough, not on the list of passwords everyone tries first, not the username.

One place decides, so user creation, password change, an admin's reset and the roster import refuse the same
passwords with the same Vietnamese message. Length beats complexity rules (NIST SP 800-63B): at least
``MIN_PASSWORD_LENGTH`` characters, checked against a bundled list of common passwords, Vietnamese ones
included, compared loosely (case and separators ignored) so "MatKhau-123" is caught like "matkhau123".
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

#: Minimum length, in characters (Unicode: "mật khẩu" counts 8).
MIN_PASSWORD_LENGTH = 10
#: Longest accepted password; the hash does not care, but a megabyte "password" is a denial of service.
MAX_PASSWORD_LENGTH = 200

_LIST = Path(__file__).with_name("data") / "common_passwords.txt"
_SEPARATORS = re.compile(r"[\s._\-]+")


def _normalise(text: str) -> str:
    return _SEPARATORS.sub("", text.strip().lower())


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list, normalised; read once per process."""
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(_normalise(line) for line in lines if line.strip() and not line.startswith("#"))


def problems(password: str | None, username: str | None = None) -> list[str]:
    """Why ``password`` is refused (Vietnamese messages), or an empty list when it is acceptable."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Mật khẩu dài tối đa {MAX_PASSWORD_LENGTH} ký tự."]
    loose = _normalise(password)
    if loose in common_passwords():
        return ["Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác (ví dụ một câu ngắn dễ nhớ)."]
    if len(set(loose)) <= 2:
        return ["Mật khẩu chỉ lặp lại một vài ký tự, dễ bị đoán."]
    if username and _normalise(username) and _normalise(username) in loose and len(loose) - len(
            _normalise(username)) < 6:
        return ["Mật khẩu không được gần giống tên đăng nhập."]
    return []
