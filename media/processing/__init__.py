"""Media processing: probing, the HLS ladder, posters and document previews.

``ffmpeg.py`` is the only importer of ffmpeg-python; ``profiles.py`` is the
ladder as pure data; ``documents.py`` renders PDF and image previews;
``pdfs.py`` linearises PDFs for the reader and extracts their text for search;
``comparison.py`` holds the alternative pipelines used only by the benchmark.
"""
from .documents import image_preview, pdf_thumbnail
from .errors import DocumentUnreadable, MediaUnreadable, ProcessingError, ToolFailed, ToolMissing
from .pdfs import TEXT_MAX_CHARS, extract_text, linearize, page_count
from .ffmpeg import HlsResult, Probe, audio_hls, parse_master, probe, scale_still, thumbnail, transcode_hls
from .profiles import AUDIO_ONLY, LADDER, SEGMENT_SECONDS, AudioRung, Rendition, Rung, choose_ladder

__all__ = [
    "AUDIO_ONLY", "AudioRung", "DocumentUnreadable", "HlsResult", "LADDER", "MediaUnreadable", "Probe",
    "ProcessingError", "Rendition", "Rung", "SEGMENT_SECONDS", "TEXT_MAX_CHARS", "ToolFailed", "ToolMissing",
    "audio_hls", "choose_ladder", "extract_text", "image_preview", "linearize", "page_count", "parse_master",
    "pdf_thumbnail", "probe", "scale_still", "thumbnail", "transcode_hls",
]
