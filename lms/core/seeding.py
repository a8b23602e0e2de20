"""The demo-data hook: features add their part of ``flask seed-demo`` without the CLI knowing them."""
from __future__ import annotations

from flask import Flask


def register_seeder(app: Flask, fn) -> None:
    """Add ``fn(context)`` to ``seed-demo``; it gets the demo context dict and must be idempotent."""
    app.extensions.setdefault("lms_seeders", []).append(fn)
