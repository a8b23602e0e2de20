"""Running a built ffmpeg command: progress as percentages, failures blamed on the input or the machine."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from typing import Callable, Sequence

from ..errors import MediaUnreadable, ToolFailed, ToolMissing

ProgressCallback = Callable[[int], None]

#: stderr phrases meaning the *input* is bad rather than the machine.
_BAD_INPUT = re.compile(
    r"Invalid data found|moov atom not found|could not find codec parameters|"
    r"Error while decoding|corrupt|Invalid NAL|partial file|End of file|no streams|"
    r"does not contain any stream|Output file is empty|Unknown input format",
    re.IGNORECASE,
)
_UNREADABLE = "Không đọc được tệp (tệp hỏng, bị cắt cụt hoặc không phải video/âm thanh)"


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ToolMissing(f"Thiếu chương trình {tool} trên máy chủ / {tool} is not installed")


def stderr_tail(stderr: bytes | str | None, lines: int = 6) -> str:
    """The last ``lines`` lines of a tool's stderr, joined on one line for messages and logs."""
    if not stderr:
        return ""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


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
