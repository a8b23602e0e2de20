"""PDF tools for the in-browser reader and for search: qpdf's reader copy and page count, pdftotext's text.

The reader (pdf.js) fetches a PDF by HTTP range requests, and to find page N it walks the page tree, reading
the dictionary of every page before N (and, while opening, of the last page). Office suites write each page's
dictionary next to its content and pictures, so those dictionaries are spread over the whole file and finding a
page costs one 64 KB range per page before it. The reader copy is the same PDF rewritten by qpdf with object
streams: every page dictionary, the page tree, fonts and resources packed into a few compressed streams, so the
tree costs one or two ranges and a page then needs only its own content and pictures.

Not linearised ("fast web view"): measured with pdf.js 6.5 (bench/reader_bench.py, RESULTS.md), a linearised
file spreads the page dictionaries over the file by design, one per page section, and pdf.js then read the
whole book before drawing page 1.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .errors import DocumentUnreadable, ToolFailed, ToolMissing
from .ffmpeg import stderr_tail

#: A hostile PDF can make qpdf or poppler spin; a textbook of a thousand pages needs far less.
TOOL_TIMEOUT_S = 120
#: Search needs the words, not the whole book: the opening this many characters of a PDF's text is indexed.
TEXT_MAX_CHARS = 100_000


def _require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise ToolMissing(f"Thiếu chương trình {tool} ({package}) / {tool} is not installed")
    return path


def _run(argv: list[str], what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DocumentUnreadable(f"Tệp PDF quá phức tạp ({what}) / {what} timed out") from None


def reader_copy(path: str | os.PathLike, out: str | os.PathLike) -> None:
    """Write the reader's copy of the PDF at ``path`` to ``out``: rewritten with object streams.

    qpdf exits 3 when it repaired something and still wrote the file (a warning, kept); 2 when it could not
    read the PDF (:class:`DocumentUnreadable`). :class:`ToolMissing` without qpdf.
    """
    qpdf = _require("qpdf", "qpdf")
    target = Path(out)
    partial = target.with_name(target.name + ".part")
    proc = _run([qpdf, "--object-streams=generate", os.fspath(path), os.fspath(partial)], "reader copy")
    detail = stderr_tail(proc.stderr)
    if proc.returncode not in (0, 3) or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        if proc.returncode == 2:
            raise DocumentUnreadable(f"qpdf không đọc được tệp PDF / unreadable PDF: {detail}", detail=detail)
        raise ToolFailed(f"qpdf thất bại (mã {proc.returncode}) / qpdf failed: {detail}", detail=detail)
    os.replace(partial, target)


def page_count(path: str | os.PathLike) -> int:
    """Number of pages of the PDF at ``path`` (qpdf ``--show-npages``)."""
    qpdf = _require("qpdf", "qpdf")
    proc = _run([qpdf, "--show-npages", os.fspath(path)], "page count")
    text = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode not in (0, 3) or not text.isdigit():
        detail = stderr_tail(proc.stderr)
        raise DocumentUnreadable(f"Không đếm được số trang PDF / page count failed: {detail}", detail=detail)
    return int(text)


def extract_text(path: str | os.PathLike, work_dir: str | os.PathLike, max_chars: int = TEXT_MAX_CHARS) -> str:
    """The first ``max_chars`` characters of the PDF's text (pdftotext, UTF-8, reading order).

    Scanned PDFs without a text layer give "". The full text goes to a file in ``work_dir`` first, so a
    thousand-page book never sits whole in this process's memory.
    """
    tool = _require("pdftotext", "poppler-utils")
    out = Path(work_dir) / "pdf-text.txt"
    proc = _run([tool, "-enc", "UTF-8", "-q", os.fspath(path), os.fspath(out)], "pdftotext")
    try:
        if proc.returncode != 0 or not out.is_file():
            detail = stderr_tail(proc.stderr)
            raise DocumentUnreadable(f"Không đọc được chữ trong PDF / pdftotext failed: {detail}", detail=detail)
        with open(out, encoding="utf-8", errors="replace") as fh:
            text = fh.read(max_chars)
    finally:
        out.unlink(missing_ok=True)
    # Form feeds separate pages; to the search analyser a page break is a line break.
    return text.replace("\f", "\n").strip()
