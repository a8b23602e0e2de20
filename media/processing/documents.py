"""Previews for documents and images: first PDF page via pdftoppm, images via ffmpeg."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import DocumentUnreadable, MediaUnreadable, ToolFailed, ToolMissing
from .ffmpeg import resize_image, stderr_tail

#: A hostile PDF can make poppler spin; a first-page render never needs this long.
PDFTOPPM_TIMEOUT_S = 60


def pdf_thumbnail(path: str | os.PathLike, out: str | os.PathLike, max_side: int = 640) -> None:
    """Render the first page of the PDF at ``path`` as a JPEG at ``out``.

    The page is scaled so its longer side is ``max_side`` pixels. Raises
    :class:`DocumentUnreadable` for damaged or password-protected PDFs and
    :class:`ToolMissing` if poppler-utils is not installed.
    """
    if shutil.which("pdftoppm") is None:
        raise ToolMissing("Thiếu chương trình pdftoppm (poppler-utils) / pdftoppm is not installed")
    target = Path(out)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        prefix = os.path.join(work, "page")
        argv = ["pdftoppm", "-f", "1", "-l", "1", "-singlefile", "-jpeg", "-scale-to", str(max_side),
                os.fspath(path), prefix]
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=PDFTOPPM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise DocumentUnreadable("Tệp PDF quá phức tạp để tạo ảnh xem trước / PDF rendering timed out") from None
        rendered = Path(prefix + ".jpg")
        detail = stderr_tail(proc.stderr)
        if proc.returncode != 0 or not rendered.is_file() or rendered.stat().st_size == 0:
            if proc.returncode in (0, 1, 3):  # 1: cannot open (damaged/password), 3: permissions
                raise DocumentUnreadable(
                    f"Không đọc được tệp PDF (hỏng hoặc có mật khẩu) / unreadable PDF: {detail}", detail=detail)
            raise ToolFailed(f"pdftoppm thất bại (mã {proc.returncode}) / pdftoppm failed: {detail}", detail=detail)
        os.replace(rendered, target)


def image_preview(path: str | os.PathLike, out: str | os.PathLike, max_side: int = 1280) -> None:
    """Write a preview of the image at ``path`` fitting in ``max_side`` x ``max_side``.

    Uses ffmpeg (no Pillow): PNG, JPEG, GIF (first frame) and WebP inputs.
    Raises :class:`MediaUnreadable` with a readable message for broken images.
    """
    try:
        resize_image(path, out, max_side)
    except MediaUnreadable as exc:
        raise MediaUnreadable(f"Không đọc được ảnh / unreadable image: {exc.detail}", detail=exc.detail) from None
