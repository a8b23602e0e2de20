"""Alternative HLS pipelines, kept only to benchmark the one-process design.

* :func:`transcode_per_rendition` — the naive design: one ffmpeg process per
  rendition (and one for the audio-only variant), each decoding the source
  again; the master playlist is written by us afterwards.
* :func:`bare_argv` / :func:`transcode_bare` — the same one-process pipeline as
  :func:`media.processing.ffmpeg.transcode_hls`, but as a hand-written
  command line run by ``subprocess`` with no progress parsing: the floor
  against which the wrapper's overhead is measured.

Nothing here is used by the application; ``bench/ladder_bench.py`` times them.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from .errors import ToolFailed
from .ffmpeg import Probe, hls_argv, probe, stderr_tail
from .profiles import AUDIO_ONLY, SEGMENT_SECONDS, AudioRung, Rendition, gop_frames


def per_rendition_argvs(src: str | os.PathLike, out_dir: str | os.PathLike, ladder: Sequence[Rendition],
                        info: Probe, audio_variant: AudioRung | None = AUDIO_ONLY) -> list[list[str]]:
    """One command per rendition, each writing ``out_dir/<name>/index.m3u8`` and no master."""
    argvs = [hls_argv(src, out_dir, [rendition], info, (), master_name=None, progress=False)
             for rendition in ladder]
    if audio_variant is not None and info.has_audio:
        audio_info = Probe(info.duration_s, None, None, 0, False, True, info.audio_codec)
        argvs.append(hls_argv(src, out_dir, [], audio_info, (audio_variant,), master_name=None, progress=False))
    return argvs


def write_master(out_dir: str | os.PathLike, ladder: Sequence[Rendition],
                 audio_variant: AudioRung | None) -> Path:
    """A master playlist for variants written by separate processes."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in ladder:
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth},RESOLUTION={r.width}x{r.height}",
                  f"{r.name}/index.m3u8"]
    if audio_variant is not None:
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={audio_variant.audio_kbps * 1000},CODECS=\"mp4a.40.2\"",
                  f"{audio_variant.name}/index.m3u8"]
    master = Path(out_dir) / "master.m3u8"
    master.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return master


def transcode_per_rendition(src: str | os.PathLike, out_dir: str | os.PathLike, ladder: Sequence[Rendition],
                            *, parallel: bool = False) -> Path:
    """Run :func:`per_rendition_argvs` sequentially (or all at once) and write the master."""
    info = probe(src)
    out = Path(out_dir)
    audio = AUDIO_ONLY if info.has_audio else None
    for name in [r.name for r in ladder] + ([audio.name] if audio else []):
        (out / name).mkdir(parents=True, exist_ok=True)
    argvs = per_rendition_argvs(src, out, ladder, info, audio)
    if parallel:
        procs = [subprocess.Popen(a, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE) for a in argvs]
        results = [(p.args, p.communicate()[1], p.returncode) for p in procs]
    else:
        results = []
        for argv in argvs:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)
            results.append((argv, proc.stderr, proc.returncode))
    for _argv, stderr, code in results:
        if code != 0:
            raise ToolFailed(f"ffmpeg failed ({code}): {stderr_tail(stderr)}", detail=stderr_tail(stderr))
    return write_master(out, ladder, audio)


def bare_argv(src: str | os.PathLike, out_dir: str | os.PathLike, ladder: Sequence[Rendition],
              fps: float | None, has_audio: bool, segment_seconds: int = SEGMENT_SECONDS) -> list[str]:
    """The one-process ladder written out by hand, as one would type it in a shell."""
    out = Path(out_dir)
    n = len(ladder)
    graph = [f"[0:v:0]split={n}" + "".join(f"[v{i}]" for i in range(n))]
    graph += [f"[v{i}]scale={r.width}:{r.height},setsar=1[vout{i}]" for i, r in enumerate(ladder)]
    if has_audio:
        graph.append(f"[0:a:0]asplit={n + 1}" + "".join(f"[aout{i}]" for i in range(n + 1)))
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", os.fspath(src),
            "-filter_complex", ";".join(graph)]
    variants = []
    for i, r in enumerate(ladder):
        argv += ["-map", f"[vout{i}]"]
        if has_audio:
            argv += ["-map", f"[aout{i}]", f"-b:a:{i}", f"{r.audio_kbps}k"]
        argv += [f"-b:v:{i}", f"{r.video_kbps}k", f"-maxrate:v:{i}", f"{r.maxrate_kbps}k",
                 f"-bufsize:v:{i}", f"{r.bufsize_kbps}k"]
        variants.append(f"v:{i},a:{i},name:{r.name}" if has_audio else f"v:{i},name:{r.name}")
    if has_audio:
        argv += ["-map", f"[aout{n}]", f"-b:a:{n}", f"{AUDIO_ONLY.audio_kbps}k",
                 "-c:a", "aac", "-ac", "2", "-ar", "48000"]
        variants.append(f"a:{n},name:{AUDIO_ONLY.name}")
    gop = gop_frames(fps, segment_seconds)
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", str(gop),
             "-keyint_min", str(gop), "-sc_threshold", "0",
             "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})",
             "-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod",
             "-hls_flags", "independent_segments", "-hls_segment_filename", str(out / "%v" / "seg_%05d.ts"),
             "-master_pl_name", "master.m3u8", "-var_stream_map", " ".join(variants),
             str(out / "%v" / "index.m3u8")]
    return argv


def transcode_bare(src: str | os.PathLike, out_dir: str | os.PathLike, ladder: Sequence[Rendition]) -> Path:
    """Run :func:`bare_argv` with plain ``subprocess.run``."""
    info = probe(src)
    out = Path(out_dir)
    for name in [r.name for r in ladder] + ([AUDIO_ONLY.name] if info.has_audio else []):
        (out / name).mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(bare_argv(src, out, ladder, info.fps, info.has_audio),
                          stdin=subprocess.DEVNULL, capture_output=True)
    if proc.returncode != 0:
        raise ToolFailed(f"ffmpeg failed ({proc.returncode}): {stderr_tail(proc.stderr)}", detail=stderr_tail(proc.stderr))
    return out / "master.m3u8"
