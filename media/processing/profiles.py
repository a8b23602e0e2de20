"""The HLS bitrate ladder and how a source picks its rungs.

Pure data and arithmetic: no ffmpeg here, so the ladder is unit-testable and
shared by the one-process pipeline and the benchmark variants.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Target segment length in seconds; keyframes are forced on this grid so
#: every rendition cuts segments at the same instants (switchable ABR).
SEGMENT_SECONDS = 4


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: a nominal "p" (short side) and its bitrates in kbit/s."""

    name: str
    short_side: int
    video_kbps: int
    maxrate_kbps: int
    bufsize_kbps: int
    audio_kbps: int


@dataclass(frozen=True)
class AudioRung:
    """An audio-only HLS variant (AAC)."""

    name: str
    audio_kbps: int


@dataclass(frozen=True)
class Rendition:
    """A rung fitted to one source: output size in pixels plus the rung's bitrates."""

    name: str
    width: int
    height: int
    video_kbps: int
    maxrate_kbps: int
    bufsize_kbps: int
    audio_kbps: int

    @property
    def bandwidth(self) -> int:
        """Peak bits/s as announced to players (video maxrate + audio)."""
        return (self.maxrate_kbps + self.audio_kbps) * 1000


#: Bitrates follow common H.264 ladders for lecture content (slides, talking
#: heads): modest at the bottom so 3G/4G phones in rural schools still play.
LADDER: tuple[Rung, ...] = (
    Rung("240p", 240, 400, 440, 800, 64),
    Rung("360p", 360, 800, 880, 1600, 96),
    Rung("720p", 720, 2800, 3080, 5600, 128),
    Rung("1080p", 1080, 5000, 5500, 10000, 128),
)

#: Audio-only variant published next to the video renditions (very slow links,
#: "listen only"), and the rendition used for audio uploads.
AUDIO_ONLY = AudioRung("audio", 64)


def _even(value: float) -> int:
    """Round to the nearest even integer >= 2 (H.264 4:2:0 needs even sizes)."""
    return max(2, int(round(value / 2)) * 2)


def choose_ladder(width: int, height: int, ladder: tuple[Rung, ...] = LADDER) -> list[Rendition]:
    """Renditions for a source of ``width`` x ``height`` display pixels.

    The short side decides the "p", so a 1080x1920 portrait phone video gets
    1080p/720p/360p/240p at 1080x1920, 720x1280, ... just like a landscape
    one. Rungs above the source are skipped (never upscale); a source smaller
    than the lowest rung gets one rendition at its own size, with the lowest
    rung's bitrates. Returned lowest first.
    """
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    short, long_ = min(width, height), max(width, height)
    portrait = height > width
    chosen = [rung for rung in ladder if rung.short_side <= short]
    if not chosen:
        lowest = min(ladder, key=lambda r: r.short_side)
        chosen = [Rung(f"{_even(short)}p", _even(short), lowest.video_kbps, lowest.maxrate_kbps,
                       lowest.bufsize_kbps, lowest.audio_kbps)]
    renditions = []
    for rung in sorted(chosen, key=lambda r: r.short_side):
        out_short = _even(rung.short_side)
        out_long = _even(long_ * rung.short_side / short)
        w, h = (out_short, out_long) if portrait else (out_long, out_short)
        renditions.append(Rendition(rung.name, w, h, rung.video_kbps, rung.maxrate_kbps,
                                    rung.bufsize_kbps, rung.audio_kbps))
    return renditions


def gop_frames(fps: float | None, segment_seconds: int = SEGMENT_SECONDS) -> int:
    """Fixed GOP length in frames: two GOPs per segment.

    Segment boundaries stay on keyframes (the segment is a whole number of
    GOPs) while players can still seek with 2 s precision. Unknown or absurd
    frame rates fall back to 25 fps (PAL, the Vietnamese broadcast norm).
    """
    rate = fps if fps and 1 <= fps <= 120 else 25.0
    return max(1, int(round(rate * segment_seconds / 2)))
