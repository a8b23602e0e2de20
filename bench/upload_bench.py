"""Benchmark: streaming a large upload through the app vs straight into MinIO.

Run against a running server (the app does not need to be importable here)::

    .venv/bin/python bench/upload_bench.py --url http://127.0.0.1:5000/api/v1/media \\
        --token "$TOKEN" --size-mb 512 --server-pid "$(pgrep -of 'gunicorn|flask')"
    .venv/bin/python bench/upload_bench.py --minio --size-mb 512      # S3_* from the environment

HTTP mode sends one ``multipart/form-data`` POST (field ``file``) whose body is
streamed from disk with an exact Content-Length, and reports wall time,
throughput and the server's memory: VmRSS before, and the peak resident set
during the upload (VmHWM, reset first through ``/proc/PID/clear_refs`` when
permitted, plus 20 ms VmRSS sampling as a fallback). The point is to show that
memory stays flat while the body size grows (no whole-file buffering).

``--minio`` uploads the same file with ``MinioStorage.put_file`` (the client's
``fput_object``) to show what the storage alone costs.

Without ``--file`` the payload is a synthetic MP4 (a real ``ftyp`` header so
sniffing accepts it, then random bytes): the upload is accepted and the later
transcode fails, which does not affect this measurement.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 1024 * 1024


def make_payload(size_mb: int, directory: Path) -> Path:
    """A ``size_mb`` MiB file starting with an MP4 ``ftyp`` box (cached per size)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"upload-{size_mb}mb.mp4"
    if path.exists() and path.stat().st_size == size_mb * CHUNK:
        return path
    with open(path, "wb") as out:
        header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
        out.write(header + os.urandom(CHUNK - len(header)))
        block = os.urandom(CHUNK)
        for _ in range(size_mb - 1):
            out.write(block)
    return path


# -- server memory ------------------------------------------------------------

def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of ``pid`` in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, needs permission on the process)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


class RssSampler(threading.Thread):
    """Samples VmRSS every 20 ms; a fallback when VmHWM cannot be reset."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = {pid: 0 for pid in pids}
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            for pid in self.pids:
                try:
                    self.peak[pid] = max(self.peak[pid], proc_status(pid)["VmRSS"])
                except (OSError, KeyError):
                    pass
            self._halt.wait(0.02)

    def stop(self):
        self._halt.set()
        self.join()


# -- HTTP upload --------------------------------------------------------------

def upload_http(url: str, token: str | None, path: Path) -> tuple[int, str, float]:
    """POST ``path`` as multipart field ``file``; return (status, body excerpt, seconds)."""
    boundary = f"----hoclieu{uuid.uuid4().hex}"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size

    def body():
        yield head
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
        yield tail

    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=600)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + size + len(tail)),
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    connection.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), body=body(),
                       headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, text[:300], elapsed


def upload_minio(path: Path) -> tuple[float, str]:
    sys.path.insert(0, str(ROOT))
    from media.storage import make_storage

    config = {key: os.environ[key] for key in os.environ if key.startswith("S3_")}
    if not config.get("S3_ENDPOINT"):
        raise SystemExit("--minio needs S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY (and S3_BUCKET) in the environment")
    storage = make_storage(config)
    key = f"bench/upload-{uuid.uuid4().hex}.mp4"
    started = time.perf_counter()
    info = storage.put_file(key, path, "video/mp4")
    elapsed = time.perf_counter() - started
    storage.delete(key)
    return elapsed, info.etag


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="upload endpoint, e.g. http://127.0.0.1:5000/api/v1/media")
    parser.add_argument("--token", help="API bearer token (teacher)")
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--file", type=Path, help="upload this file instead of a synthetic one")
    parser.add_argument("--server-pid", type=int, action="append", default=[],
                        help="pid whose memory to watch (repeat for each worker)")
    parser.add_argument("--minio", action="store_true", help="also upload with minio fput_object (S3_* env)")
    args = parser.parse_args(argv)
    if not args.url and not args.minio:
        parser.error("give --url, --minio, or both")

    path = args.file or make_payload(args.size_mb, Path(tempfile.gettempdir()) / "hoclieu-upload-bench")
    size_mb = path.stat().st_size / CHUNK
    print(f"Payload: {path} ({size_mb:.0f} MiB)")
    print()
    print("| method | MiB | wall s | MiB/s | server RSS before MiB | server peak RSS MiB | result |")
    print("|---|---:|---:|---:|---:|---:|---|")

    if args.url:
        before = {pid: proc_status(pid) for pid in args.server_pid}
        hwm_reset = {pid: reset_peak(pid) for pid in args.server_pid}
        sampler = RssSampler(args.server_pid)
        sampler.start()
        try:
            status, text, elapsed = upload_http(args.url, args.token, path)
        finally:
            sampler.stop()
        for pid in args.server_pid or [None]:
            if pid is None:
                rss_before = peak = "-"
            else:
                after = proc_status(pid)
                rss_before = f"{before[pid]['VmRSS'] / 1024:.0f}"
                # VmHWM is exact but only meaningful if it was reset; else use the sampled peak.
                peak_kib = after["VmHWM"] if hwm_reset[pid] else sampler.peak[pid]
                peak = f"{peak_kib / 1024:.0f}" + ("" if hwm_reset[pid] else " (sampled)")
            label = f"HTTP POST (pid {pid})" if pid else "HTTP POST"
            print(f"| {label} | {size_mb:.0f} | {elapsed:.2f} | {size_mb / elapsed:.1f} | {rss_before} | {peak} "
                  f"| {status} |")
        if status >= 300:
            print(f"\nServer answered {status}: {text}", file=sys.stderr)
        else:
            try:
                print(f"\nCreated: {json.loads(text).get('id')}")
            except ValueError:
                pass

    if args.minio:
        elapsed, etag = upload_minio(path)
        print(f"| minio fput_object | {size_mb:.0f} | {elapsed:.2f} | {size_mb / elapsed:.1f} | - | - | etag {etag} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
