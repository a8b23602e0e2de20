"""A học bạ is built from the gradebook: when a signed gradebook is unlocked, the class's transcripts are stale."""
from __future__ import annotations

from lms.gradebook.signals import gradebook_unlocked

from . import services


def on_gradebook_unlocked(_sender, *, class_id, **_):
    services.mark_stale(class_id)


def connect() -> None:
    gradebook_unlocked.connect(on_gradebook_unlocked, weak=False)
