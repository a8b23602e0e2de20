"""ffprobe: what a media file holds (duration, size, rotation, streams), or MediaUnreadable."""
from __future__ import annotations

import os
from dataclasses import dataclass

import ffmpeg

from ..errors import MediaUnreadable
from .running import _UNREADABLE, _require, stderr_tail

#: Codecs ffprobe reports for still images; such a "video stream" is not a video.
_IMAGE_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000"}


@dataclass(frozen=True)
class Probe:
    """What ffprobe found. ``width``/``height`` are as stored; ``rotation`` in degrees clockwise."""

    duration_s: float
    width: int | None
    height: int | None
    rotation: int
    has_video: bool
    has_audio: bool
    codec: str | None
    fps: float | None = None
    audio_codec: str | None = None
    format_name: str = ""

    @property
    def display_size(self) -> tuple[int, int] | None:
        """(width, height) as shown to viewers: swapped for 90/270 degree rotation.

        ffmpeg auto-rotates when decoding, so this is the size filters see.
        """
        if not self.has_video or not self.width or not self.height:
            return None
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height


def probe(path: str | os.PathLike) -> Probe:
    """Probe ``path`` with ffprobe.

    Raises :class:`MediaUnreadable` when ffprobe cannot parse the file
    (damaged, truncated, random bytes behind a valid header), when it holds
    neither audio nor video, when it is a still image, or when no duration
    can be determined.
    """
    _require("ffprobe")
    try:
        info = ffmpeg.probe(os.fspath(path))
    except ffmpeg.Error as exc:
        detail = stderr_tail(exc.stderr)
        raise MediaUnreadable(f"{_UNREADABLE} / unreadable media: {detail}", detail=detail) from None
    fmt = info.get("format", {})
    streams = info.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not s.get("disposition", {}).get("attached_pic")
              and s.get("codec_name") not in _IMAGE_CODECS]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        raise MediaUnreadable(f"{_UNREADABLE} / no audio or video stream found")
    video = videos[0] if videos else None
    audio = audios[0] if audios else None
    duration = _duration(fmt, video or audio)
    if duration is None or duration <= 0:
        raise MediaUnreadable("Không xác định được thời lượng của tệp / media has no usable duration")
    return Probe(
        duration_s=duration,
        width=int(video["width"]) if video and video.get("width") else None,
        height=int(video["height"]) if video and video.get("height") else None,
        rotation=_rotation(video) if video else 0,
        has_video=video is not None,
        has_audio=audio is not None,
        codec=(video or audio).get("codec_name"),
        fps=_fps(video) if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        format_name=fmt.get("format_name", ""),
    )


def _duration(fmt: dict, stream: dict) -> float | None:
    for value in (fmt.get("duration"), stream.get("duration")):
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None


def _fps(stream: dict) -> float | None:
    for key in ("avg_frame_rate", "r_frame_rate"):
        num, _, den = (stream.get(key) or "0/0").partition("/")
        try:
            value = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if value > 0:
            return value
    return None


def _rotation(stream: dict) -> int:
    """Clockwise display rotation from the rotate tag or the display matrix."""
    tag = stream.get("tags", {}).get("rotate")
    if tag is not None:
        try:
            return int(float(tag)) % 360
        except ValueError:
            return 0
    for side in stream.get("side_data_list", []):
        if "rotation" in side:
            # The display matrix angle is counter-clockwise.
            return int(-float(side["rotation"])) % 360
    return 0
