"""ffmpeg/ffprobe wrappers — the only module importing ``ffmpeg`` (ffmpeg-python).

* :func:`probe` — facts about a media file, or :class:`MediaUnreadable`.
* :func:`transcode_hls` — the whole HLS ladder in ONE ffmpeg process: the
  source is decoded once, ``split`` feeds one scaler + x264 encoder per
  rendition, ``asplit`` feeds the AAC encoders, and the hls muxer writes every
  variant plus ``master.m3u8``. Keyframes are forced on a shared time grid so
  all renditions cut segments at the same instants.
* :func:`audio_hls`, :func:`thumbnail`, :func:`resize_image`.

ffmpeg-python only *builds* the command line; :func:`run_ffmpeg` runs it,
parsing ``-progress`` output into percentages.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import ffmpeg

from .errors import MediaUnreadable, ToolFailed, ToolMissing
from .profiles import AUDIO_ONLY, SEGMENT_SECONDS, AudioRung, Rendition, gop_frames

ProgressCallback = Callable[[int], None]

#: Codecs ffprobe reports for still images; such a "video stream" is not a video.
_IMAGE_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000"}
#: stderr phrases meaning the *input* is bad rather than the machine.
_BAD_INPUT = re.compile(
    r"Invalid data found|moov atom not found|could not find codec parameters|"
    r"Error while decoding|corrupt|Invalid NAL|partial file|End of file|no streams|"
    r"does not contain any stream|Output file is empty|Unknown input format",
    re.IGNORECASE,
)
_UNREADABLE = "Không đọc được tệp (tệp hỏng, bị cắt cụt hoặc không phải video/âm thanh)"


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


@dataclass
class HlsResult:
    """Output of an HLS job: the master playlist and one dict per variant.

    ``renditions``: ``[{name, height, width, bandwidth, playlist}]`` for video
    variants (``playlist`` relative to the master's directory); ``audio_only``
    tells whether an audio-only variant was written too.
    """

    master_path: str
    renditions: list[dict] = field(default_factory=list)
    audio_only: bool = False
    audio_playlist: str | None = None


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ToolMissing(f"Thiếu chương trình {tool} trên máy chủ / {tool} is not installed")


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


def stderr_tail(stderr: bytes | str | None, lines: int = 6) -> str:
    """The last ``lines`` lines of a tool's stderr, joined on one line for messages and logs."""
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


# -- running ffmpeg ---------------------------------------------------------

def run_ffmpeg(argv: Sequence[str], duration_s: float | None = None,
               on_progress: ProgressCallback | None = None) -> None:
    """Run an ffmpeg ``argv`` that includes ``-progress pipe:1``; report 0..100.

    ``on_progress`` receives strictly increasing ints, starting at 0 and
    ending at 100 on success. Raising from it cancels the job (ffmpeg is
    killed, the exception propagates). Failures raise :class:`MediaUnreadable`
    when stderr blames the input, :class:`ToolFailed` otherwise.
    """
    _require(argv[0])
    last = -1

    def report(percent: int) -> None:
        nonlocal last
        if on_progress is not None and percent > last:
            last = percent
            on_progress(percent)

    # stderr goes to a file, not a pipe: we read stdout line by line and an
    # unread stderr pipe filling up would deadlock ffmpeg.
    with tempfile.TemporaryFile() as errlog:
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=errlog, text=True)
        try:
            report(0)
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and duration_s and value.isdigit():
                    # Capped at 99: 100 means "outputs complete", only after exit 0.
                    report(min(99, int(int(value) / (duration_s * 1e6) * 100)))
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        if returncode != 0:
            errlog.seek(0)
            detail = stderr_tail(errlog.read())
            if _BAD_INPUT.search(detail):
                raise MediaUnreadable(f"{_UNREADABLE} / ffmpeg could not decode the input: {detail}", detail=detail)
            raise ToolFailed(f"ffmpeg thất bại (mã {returncode}) / ffmpeg failed: {detail}", detail=detail)
    report(100)


# -- HLS ----------------------------------------------------------------------

def hls_output_args(out_dir: str | os.PathLike, stream_map: str,
                    segment_seconds: int = SEGMENT_SECONDS, master_name: str | None = "master.m3u8") -> dict:
    """Muxer options shared by every HLS variant of the pipeline (no master if ``master_name`` is None)."""
    out = Path(out_dir)
    options = {
        "f": "hls",
        "hls_time": segment_seconds,
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_type": "mpegts",
        "hls_segment_filename": str(out / "%v" / "seg_%05d.ts"),
        "var_stream_map": stream_map,
    }
    if master_name:
        options["master_pl_name"] = master_name
    return options


def video_encoder_args(fps: float | None, segment_seconds: int = SEGMENT_SECONDS) -> dict:
    """x264 settings giving identical keyframe positions in every rendition.

    A fixed GOP, no scene-cut keyframes and keyframes forced on the segment
    grid mean segment N of every rendition covers the same time span, which
    is what lets players switch quality at segment boundaries.
    """
    gop = gop_frames(fps, segment_seconds)
    return {
        "c:v": "libx264",
        "preset": "veryfast",
        "pix_fmt": "yuv420p",
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{segment_seconds})",
    }


def hls_argv(src: str | os.PathLike, out_dir: str | os.PathLike, ladder: Sequence[Rendition],
             info: Probe, audio_variants: Sequence[AudioRung] = (AUDIO_ONLY,),
             *, segment_seconds: int = SEGMENT_SECONDS, master_name: str | None = "master.m3u8",
             progress: bool = True) -> list[str]:
    """Build the one-process HLS command for ``ladder`` (+ audio-only variants).

    Each video rendition muxes its own AAC track (players need no separate
    audio group); audio-only variants are added only when the source has
    audio. With ``ladder`` empty this is an audio-only job.
    """
    if not ladder and not (info.has_audio and audio_variants):
        raise ValueError("nothing to encode: empty ladder and no audio")
    source = ffmpeg.input(os.fspath(src))
    streams, options, variants = [], {}, []
    with_audio = info.has_audio
    audio_count = (len(ladder) + len(audio_variants)) if with_audio else 0
    audio_split = source["a:0"].filter_multi_output("asplit", audio_count) if audio_count > 1 else None
    audio_index = 0

    def next_audio(kbps: int):
        nonlocal audio_index
        stream = audio_split[audio_index] if audio_split is not None else source["a:0"]
        options[f"b:a:{audio_index}"] = f"{kbps}k"
        audio_index += 1
        return stream

    if ladder:
        video_split = source["v:0"].filter_multi_output("split", len(ladder)) if len(ladder) > 1 else None
        for i, rendition in enumerate(ladder):
            video = video_split[i] if video_split is not None else source["v:0"]
            streams.append(video.filter("scale", rendition.width, rendition.height).filter("setsar", 1))
            options[f"b:v:{i}"] = f"{rendition.video_kbps}k"
            options[f"maxrate:v:{i}"] = f"{rendition.maxrate_kbps}k"
            options[f"bufsize:v:{i}"] = f"{rendition.bufsize_kbps}k"
            entry = f"v:{i}"
            if with_audio:
                streams.append(next_audio(rendition.audio_kbps))
                entry += f",a:{audio_index - 1}"
            variants.append(f"{entry},name:{rendition.name}")
        options.update(video_encoder_args(info.fps, segment_seconds))
    if with_audio:
        for rung in audio_variants:
            streams.append(next_audio(rung.audio_kbps))
            variants.append(f"a:{audio_index - 1},name:{rung.name}")
        options.update({"c:a": "aac", "ac": 2, "ar": 48000})
    options.update(hls_output_args(out_dir, " ".join(variants), segment_seconds, master_name))
    output = ffmpeg.output(*streams, str(Path(out_dir) / "%v" / "index.m3u8"), **options)
    global_args = ["-hide_banner", "-nostdin", "-loglevel", "error"]
    if progress:
        global_args += ["-progress", "pipe:1", "-nostats"]
    return output.global_args(*global_args).compile(overwrite_output=True)


def _prepare_dirs(out_dir: Path, names: Sequence[str]) -> None:
    # Older hls muxers do not create the %v directories themselves.
    for name in names:
        (out_dir / name).mkdir(parents=True, exist_ok=True)


def transcode_hls(src: str | os.PathLike, out_dir: str | os.PathLike, ladder: Sequence[Rendition],
                  on_progress: ProgressCallback | None = None,
                  segment_seconds: int = SEGMENT_SECONDS) -> HlsResult:
    """Encode ``src`` into the HLS ``ladder`` (plus an audio-only variant) in one ffmpeg run.

    ``ladder`` comes from :func:`media.processing.profiles.choose_ladder`.
    A source without audio yields video-only variants and no audio-only one.
    ``on_progress(percent)`` gets ints 0..100. Writes ``out_dir/master.m3u8``
    and ``out_dir/<name>/index.m3u8`` + ``seg_NNNNN.ts`` per variant.
    """
    if not ladder:
        raise ValueError("ladder is empty")
    info = probe(src)
    if not info.has_video:
        raise MediaUnreadable("Tệp không có hình ảnh (chỉ có âm thanh) / no video stream; use audio_hls")
    out = Path(out_dir)
    audio_variants = (AUDIO_ONLY,) if info.has_audio else ()
    _prepare_dirs(out, [r.name for r in ladder] + [a.name for a in audio_variants])
    argv = hls_argv(src, out, ladder, info, audio_variants, segment_seconds=segment_seconds)
    run_ffmpeg(argv, info.duration_s, on_progress)
    return _result(out, ladder, audio_variants)


def audio_hls(src: str | os.PathLike, out_dir: str | os.PathLike,
              on_progress: ProgressCallback | None = None,
              variant: AudioRung = AUDIO_ONLY, segment_seconds: int = SEGMENT_SECONDS) -> HlsResult:
    """Package an audio file (or a video's sound) as HLS with one AAC variant."""
    info = probe(src)
    if not info.has_audio:
        raise MediaUnreadable("Tệp không có âm thanh / no audio stream")
    out = Path(out_dir)
    audio_info = Probe(info.duration_s, None, None, 0, False, True, info.audio_codec)
    _prepare_dirs(out, [variant.name])
    argv = hls_argv(src, out, [], audio_info, (variant,), segment_seconds=segment_seconds)
    run_ffmpeg(argv, info.duration_s, on_progress)
    return _result(out, [], (variant,))


def _result(out: Path, ladder: Sequence[Rendition], audio_variants: Sequence[AudioRung]) -> HlsResult:
    master = out / "master.m3u8"
    if not master.is_file():
        raise ToolFailed("ffmpeg không tạo được master.m3u8 / ffmpeg wrote no master playlist")
    announced = {entry["uri"]: entry for entry in parse_master(master)}
    renditions = []
    for rendition in ladder:
        playlist = f"{rendition.name}/index.m3u8"
        entry = announced.get(playlist, {})
        renditions.append({
            "name": rendition.name,
            "width": rendition.width,
            "height": rendition.height,
            "bandwidth": int(entry.get("BANDWIDTH", rendition.bandwidth)),
            "playlist": playlist,
        })
    audio_playlist = f"{audio_variants[0].name}/index.m3u8" if audio_variants else None
    return HlsResult(str(master), renditions, bool(audio_variants), audio_playlist)


_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_master(path: str | os.PathLike) -> list[dict]:
    """Variants of a master playlist: ``[{"uri": ..., "BANDWIDTH": ..., ...}]`` in file order."""
    variants, pending = [], None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = {k: v.strip('"') for k, v in _ATTR.findall(line.split(":", 1)[1])}
        elif line and not line.startswith("#") and pending is not None:
            pending["uri"] = line
            variants.append(pending)
            pending = None
    return variants


# -- stills ---------------------------------------------------------------

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


__all__ = [
    "HlsResult", "Probe", "audio_hls", "hls_argv", "parse_master", "probe",
    "resize_image", "run_ffmpeg", "scale_still", "thumbnail", "transcode_hls", "video_encoder_args",
]
