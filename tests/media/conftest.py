"""Fixtures for media tests: small generated clips and two local S3 servers.

moto (in a thread, every run) speaks S3 but checks no signatures; Ceph's radosgw (``scripts/radosgw.sh``,
started by ``scripts/test.sh`` for the PostgreSQL pass, which exports ``TEST_S3_ENDPOINT``) checks SigV4
signatures, including the signed host, as a real MinIO or cloud bucket does.

Clips are generated once per session with the real ffmpeg, kept tiny (2-3 s,
640x360 at most) because the test machine's cores are shared.
"""
from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest

HAVE_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg/ffprobe not installed")
needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def _clip(out: Path, size: str, seconds: int, audio: bool = True) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
    args += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k"]
    # No +faststart: the moov atom stays at the end, as phones write it, so
    # cutting the file in half really loses the index.
    _ffmpeg(*args, str(out))
    return out


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media-fixtures")


@pytest.fixture(scope="session")
def landscape_clip(media_dir) -> Path:
    """640x360, 3 s, testsrc + 440 Hz sine."""
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg not installed")
    return _clip(media_dir / "landscape.mp4", "640x360", 3)


@pytest.fixture(scope="session")
def portrait_clip(media_dir) -> Path:
    """360x640 phone-style portrait clip, 2 s, with audio."""
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg not installed")
    return _clip(media_dir / "portrait.mp4", "360x640", 2)


@pytest.fixture(scope="session")
def silent_clip(media_dir) -> Path:
    """320x240, 2 s, video only (screen recordings often have no sound)."""
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg not installed")
    return _clip(media_dir / "silent.mp4", "320x240", 2, audio=False)


def _audio(out: Path, codec_args: list[str]) -> Path:
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg not installed")
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100", "-t", "3", *codec_args, str(out))
    return out


@pytest.fixture(scope="session")
def mp3_file(media_dir) -> Path:
    return _audio(media_dir / "speech.mp3", ["-c:a", "libmp3lame", "-b:a", "64k"])


@pytest.fixture(scope="session")
def m4a_file(media_dir) -> Path:
    return _audio(media_dir / "speech.m4a", ["-c:a", "aac", "-b:a", "64k"])


@pytest.fixture(scope="session")
def wav_file(media_dir) -> Path:
    return _audio(media_dir / "tone.wav", ["-c:a", "pcm_s16le"])


@pytest.fixture(scope="session")
def png_file(media_dir) -> Path:
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg not installed")
    out = media_dir / "board.png"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=800x600", "-frames:v", "1", "-update", "1", str(out))
    return out


@pytest.fixture(scope="session")
def jpeg_file(media_dir) -> Path:
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg not installed")
    out = media_dir / "photo.jpg"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x200", "-frames:v", "1", "-update", "1", str(out))
    return out


@pytest.fixture(scope="session")
def corrupt_file(media_dir) -> Path:
    """A valid-looking ftyp header followed by random bytes."""
    out = media_dir / "corrupt.mp4"
    out.write_bytes(struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2" + os.urandom(64 * 1024))
    return out


@pytest.fixture(scope="session")
def truncated_mp4(media_dir, landscape_clip) -> Path:
    """The first half of a real MP4 (an interrupted upload)."""
    data = landscape_clip.read_bytes()
    out = media_dir / "truncated.mp4"
    out.write_bytes(data[: len(data) // 2])
    return out


@pytest.fixture(scope="session")
def empty_file(media_dir) -> Path:
    out = media_dir / "empty.mp4"
    out.write_bytes(b"")
    return out


@pytest.fixture(scope="session")
def text_as_mp4(media_dir) -> Path:
    out = media_dir / "bai-giang.mp4"
    out.write_text("Đây là một tệp văn bản, không phải video.\n" * 50, encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def pdf_file(media_dir) -> Path:
    out = media_dir / "de-thi.pdf"
    out.write_bytes(make_pdf())
    return out


def make_pdf() -> bytes:
    """A one-page PDF with a filled rectangle and a correct xref table."""
    from tests.pdfs import assemble

    content = b"0.2 0.4 0.8 rg 72 72 451 698 re f"
    return assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ])


def make_ooxml(path: Path, part_folder: str) -> Path:
    """A minimal Office Open XML package with one part under ``part_folder``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(f"{part_folder}main.xml", "<root/>")
    return path


def make_ole(path: Path, stream_name: str) -> Path:
    """A minimal compound file (MS-CFB v3) whose directory holds ``stream_name``."""
    sector = 512
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9)  # minor, major v3, byte order, 512-byte sectors
    struct.pack_into("<H", header, 0x20, 6)  # mini sector shift
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<III", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE)  # no mini FAT
    struct.pack_into("<II", header, 0x44, 0xFFFFFFFE, 0)  # no DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * (sector // 4 - 2)
    directory = bytearray(sector)
    for index, (name, kind) in enumerate((("Root Entry", 5), (stream_name, 2))):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        base = index * 128
        directory[base:base + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, base + 0x40, len(encoded), kind, 1)
        struct.pack_into("<III", directory, base + 0x44, 0xFFFFFFFF, 0xFFFFFFFF, 1 if index == 0 else 0xFFFFFFFF)
    path.write_bytes(bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + bytes(directory))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    """``host:port`` of a moto S3 server running in a thread for the session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def minio_storage(moto_endpoint):
    """A MinioStorage on a fresh bucket of the moto server."""
    from media.storage.minio_backend import MinioStorage

    return MinioStorage(moto_endpoint, "testing", "testing", f"lms-{uuid.uuid4().hex[:12]}", secure=False)


@pytest.fixture(scope="session")
def radosgw_endpoint():
    """``(host:port, access key, secret key)`` of the radosgw the test script started, or skip."""
    endpoint = os.environ.get("TEST_S3_ENDPOINT")
    if not endpoint:
        if os.environ.get("CI") == "true" and os.environ.get("TEST_DATABASE_URL"):
            pytest.fail("TEST_S3_ENDPOINT is unset in the CI PostgreSQL pass: scripts/test.sh starts radosgw")
        pytest.skip("no signature-checking S3 server (scripts/test.sh starts radosgw for the PostgreSQL pass)")
    return endpoint, os.environ["TEST_S3_ACCESS_KEY"], os.environ["TEST_S3_SECRET_KEY"]


@pytest.fixture
def radosgw_storage(radosgw_endpoint):
    """A MinioStorage on a fresh bucket of radosgw, emptied and removed afterwards (the OSD is in memory)."""
    from media.storage.minio_backend import MinioStorage

    endpoint, access, secret = radosgw_endpoint
    storage = MinioStorage(endpoint, access, secret, f"lms-{uuid.uuid4().hex[:12]}", secure=False)
    yield storage
    try:
        for key in storage.list(""):
            storage.delete(key)
        storage.client.remove_bucket(storage.bucket)
    except Exception:  # noqa: BLE001 - a test that never created the bucket has nothing to remove
        pass


@pytest.fixture(scope="session")
def office_files(media_dir) -> dict[str, Path]:
    """Office documents, modern and legacy, plus look-alikes that must be refused."""
    files = {
        "docx": make_ooxml(media_dir / "giao-an.docx", "word/"),
        "xlsx": make_ooxml(media_dir / "diem.xlsx", "xl/"),
        "pptx": make_ooxml(media_dir / "slide.pptx", "ppt/"),
        "doc": make_ole(media_dir / "old.doc", "WordDocument"),
        "xls": make_ole(media_dir / "old.xls", "Workbook"),
        "ppt": make_ole(media_dir / "old.ppt", "PowerPoint Document"),
        "ole_other": make_ole(media_dir / "setup.msi", "SummaryInformation"),
    }
    plain = media_dir / "archive.docx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")  # no [Content_Types].xml: not OOXML
    files["plain_zip"] = plain
    return files
