"""Stills: a video's poster frame, an image shrunk for preview, a still scaled to a width."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Sequence

import ffmpeg

from ..errors import MediaUnreadable
from .running import _require, stderr_tail


def _still(argv_for: Callable[[float], list[str]], out_path: Path, attempts: Sequence[float]) -> None:
    detail = ""
    for at in attempts:
        out_path.unlink(missing_ok=True)
        proc = subprocess.run(argv_for(at), stdin=subprocess.DEVNULL, capture_output=True)
        if proc.returncode == 0 and out_path.is_file() and out_path.stat().st_size > 0:
            return
        detail = stderr_tail(proc.stderr)
    out_path.unlink(missing_ok=True)
    raise MediaUnreadable(f"Không tạo được ảnh xem trước / could not extract a frame: {detail}", detail=detail)


def thumbnail(src: str | os.PathLike, out_path: str | os.PathLike, at_s: float = 1.0,
              max_width: int = 1280) -> None:
    """Write a JPEG poster frame of ``src`` taken at ``at_s`` seconds.

    If nothing can be grabbed there (``at_s`` past the end of a short clip),
    the first frame is used instead. Never upscales beyond the source width.
    """
    _require("ffmpeg")
    out = Path(out_path)

    def argv(at: float) -> list[str]:
        stream = ffmpeg.input(os.fspath(src), ss=at).video.filter("scale", f"min({max_width},iw)", -2)
        return (ffmpeg.output(stream, str(out), vframes=1, **{"q:v": 3, "update": 1, "f": "image2"})
                .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
                .compile(overwrite_output=True))

    _still(argv, out, [max(0.0, at_s), 0.0] if at_s > 0 else [0.0])


def resize_image(src: str | os.PathLike, out_path: str | os.PathLike, max_side: int) -> None:
    """Write ``src`` (any image ffmpeg decodes; first frame of a GIF) shrunk to fit ``max_side``.

    The output format follows ``out_path``'s extension (.jpg, .png, .webp).
    Small images keep their size: previews never upscale.
    """
    if max_side < 16:
        raise ValueError("max_side must be at least 16")
    _require("ffmpeg")
    out = Path(out_path)

    def argv(_at: float) -> list[str]:
        stream = ffmpeg.input(os.fspath(src)).video.filter(
            "scale", f"min(iw,{max_side})", f"min(ih,{max_side})", force_original_aspect_ratio="decrease")
        return (ffmpeg.output(stream, str(out), vframes=1, **{"q:v": 3, "update": 1, "f": "image2"})
                .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
                .compile(overwrite_output=True))

    _still(argv, out, [0.0])


def scale_still(src: str | os.PathLike, out_path: str | os.PathLike, width: int) -> None:
    """Write ``src`` (a still) at most ``width`` pixels wide, keeping its aspect ratio; never upscales.

    ``.webp`` output is lossy WebP (quality 72: about a third smaller than the JPEG at the same look, which
    matters on a 3G phone); anything else follows the extension (``.jpg`` at JPEG quality 4).
    """
    if width < 16:
        raise ValueError("width must be at least 16")
    _require("ffmpeg")
    out = Path(out_path)
    codec = ({"c:v": "libwebp", "quality": 72, "compression_level": 4} if out.suffix == ".webp"
             else {"q:v": 4})

    def argv(_at: float) -> list[str]:
        stream = ffmpeg.input(os.fspath(src)).video.filter("scale", f"min(iw,{width})", -2)
        return (ffmpeg.output(stream, str(out), vframes=1, **codec, **{"update": 1, "f": "image2"})
                .global_args("-hide_banner", "-nostdin", "-loglevel", "error")
                .compile(overwrite_output=True))

    _still(argv, out, [0.0])
