"""Errors raised by media processing, with messages fit to show a teacher.

Messages are Vietnamese first, then English for the logs and for support.
"""
from __future__ import annotations


class ProcessingError(Exception):
    """Processing failed. ``transient`` says whether a retry may succeed."""

    transient = False

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        #: the tool's own last words (stderr tail), for logs, not for users
        self.detail = detail


class MediaUnreadable(ProcessingError):
    """The file is damaged, truncated or not really audio/video/image."""


class DocumentUnreadable(ProcessingError):
    """The PDF is damaged or password-protected."""


class ToolFailed(ProcessingError):
    """ffmpeg/pdftoppm failed for a reason not attributable to the input (disk full, killed)."""

    transient = True


class ToolMissing(ProcessingError):
    """The external program (ffmpeg, ffprobe, pdftoppm) is not installed."""
