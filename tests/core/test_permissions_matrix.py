"""Every registered route has an explicit permission rule, and the rule holds for every role."""
import re

import pytest

from lms.core.permissions import ROLES

# Operational endpoints: no login by design (load balancers, Prometheus); /metrics is limited by address.
PUBLIC_WEB = {"static", "vendor", "accounts_web.login", "accounts_web.index", "openapi", "favicon", "healthz", "readyz",
              "metrics"}


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith("/api/"):
            yield rule, view


def test_every_api_route_declares_a_rule(app):
    missing = [r.rule for r, view in _api_routes(app)
               if getattr(view, "api_doc", None) is None and getattr(view, "permission_rule", None) is None]
    assert missing == []


def test_every_web_page_requires_login_or_is_listed_public(app, client):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_WEB or "GET" not in rule.methods:
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        resp = client.get(url)
        assert resp.status_code in (302, 401, 404), f"{rule.rule} answers {resp.status_code} to anonymous"
        if resp.status_code == 302:
            assert "/login" in resp.headers["Location"]


def _cases(app):
    for rule, view in _api_routes(app):
        doc = getattr(view, "api_doc", None)
        if doc is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.rule, method) in {("/api/v1/auth/token", "DELETE"), ("/api/v1/auth/logout", "POST"),
                                       ("/api/v1/auth/logout-all", "POST")}:
                continue  # they would revoke the very tokens the matrix uses; tested in accounts/test_sessions.py
            yield rule, method, doc.rule


@pytest.fixture
def clients(world):
    return {role: world.as_({"admin": "admin", "department": "department", "teacher": "teacher",
                             "student": "student", "parent": "parent"}[role]) for role in ROLES} | {
        None: world.as_("anonymous")}


def test_route_by_role_matrix(app, clients):
    """Anonymous gets 401 and a role outside the rule gets 403 before anything else happens;
    a role inside the rule gets past the role layer (whatever the object-level answer)."""
    checked = 0
    for rule, method, permission in _cases(app):
        url = re.sub(r"<(?:\w+:)?(\w+)>", "999999", rule.rule)
        for role, client in clients.items():
            resp = client.request(method, url, json={})
            allowed = permission.allows_role(role)
            where = f"{method} {rule.rule} as {role or 'anonymous'}"
            if allowed:
                assert resp.status_code not in (401, 403) or resp.status_code == 401 and permission.public, where
                assert resp.status_code < 500, where
            elif role is None:
                assert resp.status_code == 401, where
            else:
                assert resp.status_code == 403, where
            checked += 1
    assert checked > 20
