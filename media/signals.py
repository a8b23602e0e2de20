"""News from media to the packages above it (lectures, question bank), as blinker signals.

Handlers run inside the processing job's transaction, which the job runner commits once.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``media_ready.send(asset_id)``: processing finished; playback and previews are available.
media_ready = _signals.signal("media-ready")

#: ``media_failed.send(asset_id, error=message)``: processing gave up; ``error`` is readable by a teacher.
media_failed = _signals.signal("media-failed")
