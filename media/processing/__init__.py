"""Media processing: probing, the HLS ladder, posters and document previews.

``ffmpeg/`` is the only importer of ffmpeg-python; ``profiles.py`` is the
ladder as pure data; ``documents.py`` renders PDF and image previews;
``pdfs.py`` makes the reader's copy of a PDF (qpdf) and extracts its text for search;
``comparison.py`` holds the alternative pipelines used only by the benchmark.
"""
from .documents import image_preview, pdf_thumbnail
from .errors import DocumentUnreadable, MediaUnreadable, ProcessingError, ToolFailed, ToolMissing
from .pdfs import TEXT_MAX_CHARS, extract_text, page_count, reader_copy
from .ffmpeg import HlsResult, Probe, audio_hls, parse_master, probe, scale_still, thumbnail, transcode_hls
from .profiles import AUDIO_ONLY, LADDER, SEGMENT_SECONDS, AudioRung, Rendition, Rung, choose_ladder

__all__ = [
    "AUDIO_ONLY", "AudioRung", "DocumentUnreadable", "HlsResult", "LADDER", "MediaUnreadable", "Probe",
    "ProcessingError", "Rendition", "Rung", "SEGMENT_SECONDS", "TEXT_MAX_CHARS", "ToolFailed", "ToolMissing",
    "audio_hls", "choose_ladder", "extract_text", "image_preview", "page_count", "parse_master", "pdf_thumbnail",
    "probe", "reader_copy", "scale_still", "thumbnail", "transcode_hls",
]
