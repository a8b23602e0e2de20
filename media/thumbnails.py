"""Thumbnails in several widths and formats, so a 390 px phone is never sent a 1280 px JPEG.

Every asset with a preview keeps its original ``thumb.jpg`` (``MediaAsset.thumbnail_key``) and gets
``thumb-<width>.<webp|jpg>`` siblings for each width of ``lms.core.assets.IMAGE_WIDTHS``: made right after
processing for new media, and on the first request for media processed before the sizes existed (no migration,
nothing to re-run: old media keep working and get the small sizes the first time someone looks).
Pages ask for them with ``srcset`` (``GET /media/{id}/thumbnail?w=640&format=webp``).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading

from lms.core.assets import IMAGE_WIDTHS

from .processing import scale_still
from .storage import Storage, asset_prefix

FORMATS = {"webp": ("webp", "image/webp"), "jpeg": ("jpg", "image/jpeg")}
_making = threading.Lock()


def snap_width(width: int | None) -> int:
    """The smallest stored width covering ``width`` (the largest when none does; the middle one if unset)."""
    if width is None:
        return IMAGE_WIDTHS[1]
    for candidate in IMAGE_WIDTHS:
        if candidate >= width:
            return candidate
    return IMAGE_WIDTHS[-1]


def variant_key(asset_id: int, width: int, fmt: str) -> str:
    """Storage key of the ``width`` px ``fmt`` (``webp``/``jpeg``) thumbnail of asset ``asset_id``."""
    return f"{asset_prefix(asset_id)}thumb-{width}.{FORMATS[fmt][0]}"


def make_variants(asset_id: int, storage: Storage, still_path: str, work_dir: str) -> list[str]:
    """Scale the still at ``still_path`` to every width in every format and store them; returns the keys."""
    keys = []
    for width in IMAGE_WIDTHS:
        for fmt, (ext, content_type) in FORMATS.items():
            out = os.path.join(work_dir, f"thumb-{width}.{ext}")
            scale_still(still_path, out, width)
            key = variant_key(asset_id, width, fmt)
            storage.put_file(key, out, content_type)
            keys.append(key)
    return keys


def ensure_variant(asset_id: int, thumbnail_key: str, storage: Storage, width: int, fmt: str,
                   tmp_root: str) -> str:
    """The key of the requested variant, making all variants from the original first if they are missing."""
    key = variant_key(asset_id, width, fmt)
    if storage.exists(key):
        return key
    # One maker at a time per process: a library page asks for the same missing sizes many times at once.
    with _making:
        if storage.exists(key):
            return key
        work = tempfile.mkdtemp(dir=tmp_root)
        try:
            original = os.path.join(work, "original.jpg")
            storage.get_to_file(thumbnail_key, original)
            make_variants(asset_id, storage, original, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return key
