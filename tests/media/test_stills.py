"""Posters, PDF first pages and image previews."""
import json
import subprocess

import pytest

from media.processing.documents import image_preview, pdf_thumbnail
from media.processing.errors import DocumentUnreadable, MediaUnreadable
from media.processing.ffmpeg import thumbnail
from media.sniffing import sniff


def dimensions(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", str(path)],
                         capture_output=True, check=True)
    stream = json.loads(out.stdout)["streams"][0]
    return stream["width"], stream["height"]


def test_thumbnail_is_a_jpeg_of_the_video(landscape_clip, tmp_path):
    out = tmp_path / "poster.jpg"
    thumbnail(landscape_clip, out, at_s=1.0)
    assert sniff(out).mime == "image/jpeg"
    assert dimensions(out) == (640, 360)


def test_thumbnail_past_the_end_falls_back_to_first_frame(landscape_clip, tmp_path):
    out = tmp_path / "poster.jpg"
    thumbnail(landscape_clip, out, at_s=60)
    assert sniff(out).kind == "image"


def test_thumbnail_of_corrupt_file_raises(corrupt_file, tmp_path):
    out = tmp_path / "poster.jpg"
    with pytest.raises(MediaUnreadable):
        thumbnail(corrupt_file, out)
    assert not out.exists()


def test_pdf_first_page_thumbnail(pdf_file, tmp_path):
    out = tmp_path / "page1.jpg"
    pdf_thumbnail(pdf_file, out, max_side=400)
    assert sniff(out).mime == "image/jpeg"
    width, height = dimensions(out)
    assert height == 400 and width < height  # A4 portrait scaled to 400 px tall
    assert [p.name for p in tmp_path.iterdir()] == ["page1.jpg"]  # no work files left


def test_broken_pdf_raises_document_unreadable(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    with pytest.raises(DocumentUnreadable, match="PDF"):
        pdf_thumbnail(bad, tmp_path / "out.jpg")


def test_image_preview_shrinks_but_never_enlarges(png_file, jpeg_file, tmp_path):
    big = tmp_path / "big.jpg"
    image_preview(png_file, big, max_side=400)
    assert dimensions(big) == (400, 300)
    small = tmp_path / "small.jpg"
    image_preview(jpeg_file, small, max_side=400)
    assert dimensions(small) == (320, 200)


def test_image_preview_of_non_image_raises(text_as_mp4, tmp_path):
    with pytest.raises(MediaUnreadable, match="ảnh"):
        image_preview(text_as_mp4, tmp_path / "x.jpg", max_side=400)
