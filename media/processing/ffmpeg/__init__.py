"""ffmpeg/ffprobe wrappers — the only package importing ``ffmpeg`` (ffmpeg-python).

* :func:`probe` — facts about a media file, or :class:`MediaUnreadable`.
* :func:`transcode_hls` — the whole HLS ladder in ONE ffmpeg process: the
  source is decoded once, ``split`` feeds one scaler + x264 encoder per
  rendition, ``asplit`` feeds the AAC encoders, and the hls muxer writes every
  variant plus ``master.m3u8``. Keyframes are forced on a shared time grid so
  all renditions cut segments at the same instants.
* :func:`audio_hls`, :func:`thumbnail`, :func:`resize_image`.

ffmpeg-python only *builds* the command line; :func:`run_ffmpeg` runs it,
parsing ``-progress`` output into percentages.

What is where: ``running.py`` runs a built command (and checks the tool is
installed; no ffmpeg-python there); ``probing.py`` is ffprobe and
:class:`Probe`; ``hls.py`` builds and runs the HLS ladder and reads master
playlists; ``stills.py`` writes posters and resized images.
"""
from __future__ import annotations

# Beyond __all__, the old module's other public names stay importable here (documents and comparison use stderr_tail).
from .hls import (  # noqa: F401
    HlsResult, audio_hls, hls_argv, hls_output_args, parse_master, transcode_hls, video_encoder_args,
)
from .probing import Probe, probe
from .running import ProgressCallback, run_ffmpeg, stderr_tail  # noqa: F401
from .stills import resize_image, scale_still, thumbnail

__all__ = [
    "HlsResult", "Probe", "audio_hls", "hls_argv", "parse_master", "probe",
    "resize_image", "run_ffmpeg", "scale_still", "thumbnail", "transcode_hls", "video_encoder_args",
]
