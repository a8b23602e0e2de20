"""The role layer of the permission checks: every API route declares a ``Rule`` and it is enforced here.

Object-level rules (may this teacher edit that lecture?) live in each feature's ``permissions.py`` and raise
``NotFound`` for what the caller may not see, so existence does not leak. ``tests/test_permissions_matrix.py``
walks every registered route and fails if one has no rule.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask_login import current_user

from .errors import Forbidden, Unauthorized

ADMIN, DEPARTMENT, TEACHER, STUDENT = "admin", "department", "teacher", "student"
#: Phụ huynh: reads what concerns the students they are linked to (lms.accounts guardians), nothing else.
PARENT = "parent"
ROLES = (ADMIN, DEPARTMENT, TEACHER, STUDENT, PARENT)
STAFF = (ADMIN, DEPARTMENT, TEACHER)


@dataclass(frozen=True)
class Rule:
    """Who may call a route: anyone (``public``), any signed-in user (``roles is None``) or some roles."""

    roles: frozenset[str] | None
    public: bool = False

    def describe(self) -> str:
        if self.public:
            return "anyone"
        if self.roles is None:
            return "signed in"
        return ", ".join(sorted(self.roles))

    def allows_role(self, role: str | None) -> bool:
        if self.public:
            return True
        if role is None:
            return False
        return self.roles is None or role in self.roles


PUBLIC = Rule(None, public=True)
SIGNED_IN = Rule(None)


def roles(*names: str) -> Rule:
    """A rule admitting only the named roles; unknown names fail at import time, not at request time."""
    unknown = set(names) - set(ROLES)
    if unknown or not names:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return Rule(frozenset(names))


def enforce(rule: Rule):
    """Check the current user against ``rule``; return the user (or None for public routes)."""
    user = current_user if current_user and current_user.is_authenticated else None
    if rule.public:
        return user
    if user is None:
        raise Unauthorized("Cần đăng nhập (Authorization: Bearer <token>).",
                           headers={"WWW-Authenticate": 'Bearer realm="api"'})
    if not rule.allows_role(user.role):
        raise Forbidden("Vai trò của bạn không được phép thực hiện thao tác này.")
    return user


def require(condition: bool, message: str = "Bạn không có quyền thực hiện thao tác này.") -> None:
    """Object-level check for things the caller can see but may not change."""
    if not condition:
        raise Forbidden(message)


def page(rule: Rule):
    """Guard an HTML view with the same rules as the API: anonymous visitors are sent to the sign-in page
    (which brings them back), a signed-in role outside ``rule`` gets the 403 page. The rule is kept on the
    view as ``permission_rule`` so the route matrix can read it."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not (current_user and current_user.is_authenticated) and not rule.public:
                from .extensions import login_manager

                return login_manager.unauthorized()
            enforce(rule)
            return view(*args, **kwargs)

        wrapper.permission_rule = rule
        return wrapper

    return decorator
