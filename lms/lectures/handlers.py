"""Signal handlers: news from media (a video finished processing) touches the lectures that use it."""
from __future__ import annotations

import media.api as media_api

from . import services


def on_media_ready(sender, **extra) -> None:
    """A processed asset changes its lectures' search text and playback; say so with ``lecture_changed``."""
    asset_id = extra.get("asset_id", sender)
    if isinstance(asset_id, int):
        services.refresh_for_media(asset_id)


def connect() -> None:
    """Subscribe the handlers (idempotent: blinker keeps one subscription per receiver)."""
    media_api.media_ready.connect(on_media_ready, weak=False)
