"""The per-role home page as panels: each feature adds what the user should see first on "Trang chính".

The dashboard (lms.accounts) cannot import the features above it, so features register a panel here, as
they register their menu entries in ``lms.core.web``: a template to include and a provider that returns the
panel's data for one user (None or empty to leave the panel out).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app


def register_home_panel(app: Flask, *, name: str, template: str, provider: Callable, roles: tuple[str, ...],
                        order: int = 50) -> None:
    """Add a panel: ``provider(user) -> dict | None`` feeds ``template`` (included with ``panel`` in scope)."""
    panels = app.extensions.setdefault("lms_home_panels", [])
    panels[:] = [p for p in panels if p["name"] != name]  # an app factory called twice registers once
    panels.append({"name": name, "template": template, "provider": provider, "roles": roles, "order": order})
    panels.sort(key=lambda p: p["order"])


def home_panels(user) -> list[dict]:
    """The panels for ``user`` with their data, in order; panels with nothing to show are left out."""
    out = []
    for panel in current_app.extensions.get("lms_home_panels", []):
        if user.role not in panel["roles"]:
            continue
        data = panel["provider"](user)
        if data:
            out.append({"name": panel["name"], "template": panel["template"], "data": data})
    return out
