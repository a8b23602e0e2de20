"""The one-process HLS ladder: playlists, segments, alignment, progress."""
import json
import subprocess
from pathlib import Path

import pytest

from media.processing.errors import MediaUnreadable
from media.processing.ffmpeg import audio_hls, parse_master, probe, transcode_hls
from media.processing.profiles import choose_ladder

# 1 s segments so a 3 s clip yields several segments per rendition.
SEGMENT = 1


def ffprobe_json(*args):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args], capture_output=True, check=True)
    return json.loads(out.stdout)


def segments(playlist: Path):
    lines = playlist.read_text().splitlines()
    durations = [float(l.split(":")[1].rstrip(",")) for l in lines if l.startswith("#EXTINF:")]
    files = [playlist.parent / l for l in lines if l and not l.startswith("#")]
    return durations, files


def run(src, out, progress):
    info = probe(src)
    return transcode_hls(src, out, choose_ladder(*info.display_size), progress.append, segment_seconds=SEGMENT)


@pytest.fixture(scope="module")
def landscape_hls(landscape_clip, tmp_path_factory):
    out = tmp_path_factory.mktemp("hls-landscape")
    progress = []
    return run(landscape_clip, out, progress), progress


def test_master_lists_every_rendition_and_audio_only(landscape_hls):
    result, _ = landscape_hls
    variants = parse_master(result.master_path)
    assert [v["uri"] for v in variants] == ["240p/index.m3u8", "360p/index.m3u8", "audio/index.m3u8"]
    assert variants[0]["RESOLUTION"] == "426x240" and variants[1]["RESOLUTION"] == "640x360"
    assert "RESOLUTION" not in variants[2] and variants[2]["CODECS"] == "mp4a.40.2"
    assert result.audio_only is True
    assert [(r["name"], r["width"], r["height"]) for r in result.renditions] == [
        ("240p", 426, 240), ("360p", 640, 360)]
    assert all(r["bandwidth"] > 0 for r in result.renditions)


def test_no_upscaling_from_a_360p_source(landscape_hls):
    result, _ = landscape_hls
    root = Path(result.master_path).parent
    assert not (root / "720p").exists() and not (root / "1080p").exists()


def test_every_segment_is_readable_with_expected_streams(landscape_hls):
    result, _ = landscape_hls
    root = Path(result.master_path).parent
    for name, kinds, height in (("240p", {"video", "audio"}, 240), ("360p", {"video", "audio"}, 360),
                                ("audio", {"audio"}, None)):
        _, files = segments(root / name / "index.m3u8")
        assert files
        for segment in files:
            streams = ffprobe_json("-show_streams", str(segment))["streams"]
            assert {s["codec_type"] for s in streams} == kinds
            if height:
                assert [s["height"] for s in streams if s["codec_type"] == "video"] == [height]


def test_keyframes_are_aligned_across_renditions(landscape_hls):
    result, _ = landscape_hls
    root = Path(result.master_path).parent
    low_durations, low_files = segments(root / "240p" / "index.m3u8")
    high_durations, high_files = segments(root / "360p" / "index.m3u8")
    assert len(low_files) == len(high_files) >= 3
    assert low_durations == high_durations
    for segment in low_files + high_files:
        first = ffprobe_json("-select_streams", "v", "-show_entries", "packet=flags",
                             "-read_intervals", "%+#1", str(segment))["packets"][0]
        assert first["flags"].startswith("K"), f"{segment} does not start on a keyframe"


def test_progress_is_monotonic_and_ends_at_100(landscape_hls):
    _, progress = landscape_hls
    assert progress[0] == 0 and progress[-1] == 100
    assert all(isinstance(p, int) for p in progress)
    assert progress == sorted(set(progress))


def test_portrait_video_keeps_its_orientation(portrait_clip, tmp_path):
    result = run(portrait_clip, tmp_path, [])
    assert [(r["width"], r["height"]) for r in result.renditions] == [(240, 426), (360, 640)]
    assert "RESOLUTION=360x640" in Path(result.master_path).read_text()


def test_source_without_audio_has_no_audio_variant(silent_clip, tmp_path):
    result = run(silent_clip, tmp_path, [])
    assert result.audio_only is False
    assert [r["name"] for r in result.renditions] == ["240p"]
    assert [v["uri"] for v in parse_master(result.master_path)] == ["240p/index.m3u8"]
    _, files = segments(tmp_path / "240p" / "index.m3u8")
    assert {s["codec_type"] for s in ffprobe_json("-show_streams", str(files[0]))["streams"]} == {"video"}


def test_audio_file_becomes_audio_hls(mp3_file, tmp_path):
    progress = []
    result = audio_hls(mp3_file, tmp_path, progress.append, segment_seconds=SEGMENT)
    assert result.renditions == [] and result.audio_only
    assert [v["uri"] for v in parse_master(result.master_path)] == ["audio/index.m3u8"]
    durations, _ = segments(tmp_path / "audio" / "index.m3u8")
    assert sum(durations) == pytest.approx(3.0, abs=0.2)
    assert progress[-1] == 100


def test_audio_file_is_refused_by_video_pipeline(m4a_file, tmp_path):
    with pytest.raises(MediaUnreadable):
        transcode_hls(m4a_file, tmp_path, choose_ladder(640, 360))


def test_truncated_input_is_reported_not_crashed(truncated_mp4, tmp_path):
    with pytest.raises(MediaUnreadable):
        transcode_hls(truncated_mp4, tmp_path, choose_ladder(640, 360))


def test_raising_from_progress_cancels_the_job(landscape_clip, tmp_path):
    class Cancelled(Exception):
        pass

    def cancel(percent):
        # The first report comes right after ffmpeg starts, before any output.
        raise Cancelled

    with pytest.raises(Cancelled):
        transcode_hls(landscape_clip, tmp_path, choose_ladder(640, 360), cancel, segment_seconds=SEGMENT)
    assert not (tmp_path / "master.m3u8").exists()
