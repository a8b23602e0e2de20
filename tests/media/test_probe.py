"""probe() reports facts for good media and a readable error for bad media."""
import pytest

from media.processing.errors import MediaUnreadable
from media.processing.ffmpeg import probe


def test_landscape_clip(landscape_clip):
    info = probe(landscape_clip)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (640, 360)
    assert info.display_size == (640, 360)
    assert info.codec == "h264" and info.audio_codec == "aac"
    assert info.duration_s == pytest.approx(3.0, abs=0.2)
    assert info.fps == pytest.approx(25)
    assert info.rotation == 0


def test_portrait_clip(portrait_clip):
    assert probe(portrait_clip).display_size == (360, 640)


def test_audio_only_files(mp3_file, m4a_file):
    for path in (mp3_file, m4a_file):
        info = probe(path)
        assert info.has_audio and not info.has_video
        assert info.display_size is None
        assert info.duration_s == pytest.approx(3.0, abs=0.2)


def test_silent_clip_has_no_audio(silent_clip):
    info = probe(silent_clip)
    assert info.has_video and not info.has_audio


@pytest.mark.parametrize("fixture", ["corrupt_file", "truncated_mp4", "empty_file", "text_as_mp4"])
def test_bad_input_raises_media_unreadable(request, fixture):
    with pytest.raises(MediaUnreadable) as excinfo:
        probe(request.getfixturevalue(fixture))
    message = str(excinfo.value)
    assert "Không đọc được" in message or "thời lượng" in message


def test_still_image_is_not_a_video(png_file):
    with pytest.raises(MediaUnreadable):
        probe(png_file)
