"""The ladder never upscales and treats portrait video by its short side."""
import pytest

from media.processing.profiles import LADDER, choose_ladder, gop_frames


def names(renditions):
    return [r.name for r in renditions]


def test_1080p_source_gets_the_full_ladder():
    ladder = choose_ladder(1920, 1080)
    assert names(ladder) == ["240p", "360p", "720p", "1080p"]
    assert (ladder[-1].width, ladder[-1].height) == (1920, 1080)
    assert (ladder[0].width, ladder[0].height) == (426, 240)


def test_640x360_source_has_no_720p():
    assert names(choose_ladder(640, 360)) == ["240p", "360p"]


def test_720p_source_stops_at_720p():
    assert names(choose_ladder(1280, 720)) == ["240p", "360p", "720p"]


def test_portrait_phone_video_uses_short_side():
    ladder = choose_ladder(1080, 1920)
    assert names(ladder) == ["240p", "360p", "720p", "1080p"]
    assert [(r.width, r.height) for r in ladder] == [(240, 426), (360, 640), (720, 1280), (1080, 1920)]


def test_tiny_source_gets_one_rendition_at_its_own_size():
    (only,) = choose_ladder(176, 144)
    assert (only.width, only.height) == (176, 144)
    assert only.video_kbps == LADDER[0].video_kbps


def test_odd_dimensions_become_even():
    for r in choose_ladder(1366, 767):
        assert r.width % 2 == 0 and r.height % 2 == 0
        assert r.height <= 767


def test_bandwidth_increases_up_the_ladder():
    bandwidths = [r.bandwidth for r in choose_ladder(1920, 1080)]
    assert bandwidths == sorted(bandwidths) and len(set(bandwidths)) == 4


@pytest.mark.parametrize("w, h", [(0, 720), (1280, -1)])
def test_invalid_sizes_raise(w, h):
    with pytest.raises(ValueError):
        choose_ladder(w, h)


def test_gop_is_half_a_segment():
    assert gop_frames(25) == 50
    assert gop_frames(30, segment_seconds=2) == 30
    assert gop_frames(None) == 50
