"""Benchmark: one-process HLS ladder vs one process per rendition vs a bare ffmpeg command.

Usage (from the repository root)::

    .venv/bin/python bench/ladder_bench.py                 # 60 s 1080p source, 5 runs each
    .venv/bin/python bench/ladder_bench.py --seconds 5 --runs 1

The source (testsrc2 + sine, 1920x1080, 25 fps) is generated once and cached in
``bench/out/``. For each pipeline the script reports the median wall time and
the median CPU time of the ffmpeg children (``resource.getrusage``
RUSAGE_CHILDREN, user + system) over ``--runs`` runs, as a markdown table.

Pipelines:

* ``one-process`` — ``media.processing.ffmpeg.transcode_hls``: decode once,
  split + scale + encode per rendition, with progress parsing.
* ``per-rendition (sequential)`` / ``(parallel)`` — one ffmpeg per rendition
  plus one for the audio-only variant, each decoding the source again.
* ``bare command`` — the one-process pipeline as a hand-written argv run by
  ``subprocess.run`` (no wrapper, no progress), the floor for the wrapper.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media.processing.comparison import transcode_bare, transcode_per_rendition  # noqa: E402
from media.processing.ffmpeg import parse_master, probe, transcode_hls  # noqa: E402
from media.processing.profiles import choose_ladder  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def make_source(seconds: int) -> Path:
    """The cached 1080p test source of ``seconds`` length (generated if missing)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"source-1080p-{seconds}s.mp4"
    if not path.exists():
        partial = path.with_suffix(".part.mp4")
        subprocess.run([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(partial),
        ], check=True)
        partial.rename(path)
    return path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(run, runs: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``run(out_dir)``; also the number of segments written."""
    walls, cpus, segments = [], [], 0
    for _ in range(runs):
        out = Path(tempfile.mkdtemp(prefix="ladder-", dir=OUT))
        try:
            cpu0, wall0 = children_cpu(), time.perf_counter()
            master = run(out)
            walls.append(time.perf_counter() - wall0)
            cpus.append(children_cpu() - cpu0)
            variants = parse_master(master)
            if not variants:
                raise RuntimeError(f"{master} lists no variants")
            segments = sum(1 for _ in out.rglob("*.ts"))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return statistics.median(walls), statistics.median(cpus), segments


def ffmpeg_version() -> str:
    out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="source length (default 60)")
    parser.add_argument("--runs", type=int, default=5, help="runs per pipeline; the median is reported")
    parser.add_argument("--skip-parallel", action="store_true", help="skip the parallel per-rendition run")
    args = parser.parse_args(argv)

    source = make_source(args.seconds)
    info = probe(source)
    ladder = choose_ladder(*info.display_size)
    pipelines = [
        ("one-process (transcode_hls)", lambda out: Path(transcode_hls(source, out, ladder).master_path)),
        ("per-rendition (sequential)", lambda out: transcode_per_rendition(source, out, ladder)),
    ]
    if not args.skip_parallel:
        pipelines.append(("per-rendition (parallel)",
                          lambda out: transcode_per_rendition(source, out, ladder, parallel=True)))
    pipelines.append(("bare command (subprocess)", lambda out: transcode_bare(source, out, ladder)))

    print(f"Source: {args.seconds} s 1920x1080 25 fps testsrc2+sine; ladder: "
          f"{', '.join(r.name for r in ladder)} + audio 64k; runs: {args.runs} (median)")
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {ffmpeg_version()}")
    print()
    print("| pipeline | wall s | CPU s (children) | x realtime | segments |")
    print("|---|---:|---:|---:|---:|")
    for name, run in pipelines:
        wall, cpu, segments = measure(run, args.runs)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {args.seconds / wall:.2f} | {segments} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
