"""The HLS ladder in one ffmpeg process (video renditions plus audio-only), and reading master playlists."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import ffmpeg

from ..errors import MediaUnreadable, ToolFailed
from ..profiles import AUDIO_ONLY, SEGMENT_SECONDS, AudioRung, Rendition, gop_frames
from .probing import Probe, probe
from .running import ProgressCallback, run_ffmpeg


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
