"""Media processing: probing, the HLS ladder, posters and document previews.

``ffmpeg/`` is the only importer of ffmpeg-python; ``profiles.py`` is the
ladder as pure data; ``documents.py`` renders PDF and image previews;
``comparison.py`` holds the alternative pipelines used only by the benchmark.
"""
from .documents import image_preview, pdf_thumbnail
from .errors import DocumentUnreadable, MediaUnreadable, ProcessingError, ToolFailed, ToolMissing
from .ffmpeg import HlsResult, Probe, audio_hls, parse_master, probe, scale_still, thumbnail, transcode_hls
from .profiles import AUDIO_ONLY, LADDER, SEGMENT_SECONDS, AudioRung, Rendition, Rung, choose_ladder

__all__ = [
    "AUDIO_ONLY", "AudioRung", "DocumentUnreadable", "HlsResult", "LADDER", "MediaUnreadable", "Probe",
    "ProcessingError", "Rendition", "Rung", "SEGMENT_SECONDS", "ToolFailed", "ToolMissing", "audio_hls",
    "choose_ladder", "image_preview", "parse_master", "pdf_thumbnail", "probe", "scale_still", "thumbnail",
    "transcode_hls",
]
