"""sniff() classifies by content only, never by the file name."""
import os
import shutil

import pytest

from media.sniffing import Sniffed, UnsupportedMedia, sniff


def test_video_and_audio_containers_are_recognised(landscape_clip, mp3_file, m4a_file, wav_file):
    assert sniff(landscape_clip) == Sniffed("video", "video/mp4", ".mp4")
    assert sniff(mp3_file) == Sniffed("audio", "audio/mpeg", ".mp3")
    assert sniff(m4a_file) == Sniffed("audio", "audio/mp4", ".m4a")
    assert sniff(wav_file) == Sniffed("audio", "audio/wav", ".wav")


def test_images_and_pdf_are_recognised(png_file, jpeg_file, pdf_file):
    assert sniff(png_file).mime == "image/png"
    assert sniff(jpeg_file) == Sniffed("image", "image/jpeg", ".jpg")
    assert sniff(pdf_file) == Sniffed("pdf", "application/pdf", ".pdf")


def test_name_is_ignored(tmp_path, png_file, landscape_clip):
    disguised = tmp_path / "video.mp4"
    shutil.copy(png_file, disguised)
    assert sniff(disguised).kind == "image"
    no_ext = tmp_path / "bai_giang"
    shutil.copy(landscape_clip, no_ext)
    assert sniff(no_ext).kind == "video"


@pytest.mark.parametrize("header, expected", [
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", ("video", "video/webm", ".webm")),
    (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", ("video", "video/x-matroska", ".mkv")),
    (b"RIFF\x00\x10\x00\x00AVI LIST", ("video", "video/x-msvideo", ".avi")),
    (b"RIFF\x00\x10\x00\x00WEBPVP8 ", ("image", "image/webp", ".webp")),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", ("video", "video/quicktime", ".mov")),
    (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis", ("audio", "audio/ogg", ".ogg")),
    (b"fLaC\x00\x00\x00\x22", ("audio", "audio/flac", ".flac")),
    (b"GIF89a\x01\x00\x01\x00", ("image", "image/gif", ".gif")),
    (b"\xff\xfb\x90\x64" + b"\x00" * 60, ("audio", "audio/mpeg", ".mp3")),
])
def test_magic_numbers(tmp_path, header, expected):
    path = tmp_path / "upload.bin"
    path.write_bytes(header + os.urandom(256))
    assert sniff(path) == Sniffed(*expected)


@pytest.mark.parametrize("name, mime", [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("doc", "application/msword"),
    ("xls", "application/vnd.ms-excel"),
    ("ppt", "application/vnd.ms-powerpoint"),
])
def test_office_documents_by_their_contents(office_files, name, mime):
    assert sniff(office_files[name]) == Sniffed("document", mime, "." + name)


@pytest.mark.parametrize("name", ["plain_zip", "ole_other"])
def test_zip_or_ole_that_is_not_office_is_refused(office_files, name):
    with pytest.raises(UnsupportedMedia):
        sniff(office_files[name])


def test_empty_file_is_refused_as_empty(empty_file):
    with pytest.raises(UnsupportedMedia, match="tệp rỗng"):
        sniff(empty_file)


def test_text_renamed_to_mp4_is_refused(text_as_mp4):
    with pytest.raises(UnsupportedMedia):
        sniff(text_as_mp4)


def test_executable_is_refused(tmp_path):
    path = tmp_path / "hack.pdf"
    path.write_bytes(b"\x7fELF\x02\x01\x01" + os.urandom(100))
    with pytest.raises(UnsupportedMedia):
        sniff(path)
