"""What kind of file is this? Decided from the bytes, never from the name.

``sniff(path)`` reads the file's signature (magic bytes, the ISO-BMFF
``ftyp`` brand, the Matroska DocType, the OOXML ``[Content_Types].xml`` and
the OLE directory of legacy Office files). It is a cheap gate before any
heavy processing; ffprobe confirms audio/video later in ``media.processing``.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass

_HEAD = 4096


class UnsupportedMedia(Exception):
    """The file is empty or of a type the platform does not accept (HTTP 415)."""


@dataclass(frozen=True)
class Sniffed:
    """``kind`` is one of video, audio, pdf, image, document, package; ``ext`` starts with a dot."""

    kind: str
    mime: str
    ext: str


_VIDEO_MP4 = Sniffed("video", "video/mp4", ".mp4")
_AUDIO_M4A = Sniffed("audio", "audio/mp4", ".m4a")
_MOV = Sniffed("video", "video/quicktime", ".mov")
_3GP = Sniffed("video", "video/3gpp", ".3gp")

# ISO-BMFF major brands. Audio-only brands first; image containers
# (HEIF/AVIF) are refused because previews go through ffmpeg, which lacks them here.
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}

_OOXML = (
    ("word/", Sniffed("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")),
    ("xl/", Sniffed("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")),
    ("ppt/", Sniffed("document", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx")),
)
_OLE_STREAMS = (
    ("WordDocument", Sniffed("document", "application/msword", ".doc")),
    ("Workbook", Sniffed("document", "application/vnd.ms-excel", ".xls")),
    ("Book", Sniffed("document", "application/vnd.ms-excel", ".xls")),
    ("PowerPoint Document", Sniffed("document", "application/vnd.ms-powerpoint", ".ppt")),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_UNSUPPORTED = "định dạng tệp không được hỗ trợ / unsupported file type"


def sniff(path) -> Sniffed:
    """Classify the file at ``path`` by content; raise :class:`UnsupportedMedia` otherwise."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD)
    if not head:
        raise UnsupportedMedia("tệp rỗng")
    found = _by_magic(head) or _by_container(path, head)
    if found is None:
        raise UnsupportedMedia(_UNSUPPORTED)
    return found


def is_web_image(data: bytes) -> bool:
    """True when ``data`` is an image media accepts and browsers show (PNG, JPEG, GIF, WebP)."""
    found = _by_magic(data[:_HEAD])
    return found is not None and found.kind == "image"


def _by_magic(head: bytes) -> Sniffed | None:
    if head.startswith(b"%PDF-"):
        return Sniffed("pdf", "application/pdf", ".pdf")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "image/png", ".png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "image/jpeg", ".jpg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "image/gif", ".gif")
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {
            b"WEBP": Sniffed("image", "image/webp", ".webp"),
            b"AVI ": Sniffed("video", "video/x-msvideo", ".avi"),
            b"WAVE": Sniffed("audio", "audio/wav", ".wav"),
        }.get(head[8:12])
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _by_brand(head[8:12])
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # The EBML header carries DocType "webm" or "matroska" within its first bytes.
        if b"webm" in head[:64]:
            return Sniffed("video", "video/webm", ".webm")
        return Sniffed("video", "video/x-matroska", ".mkv")
    if head.startswith(b"OggS"):
        if b"\x80theora" in head:
            return Sniffed("video", "video/ogg", ".ogv")
        return Sniffed("audio", "audio/ogg", ".ogg")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "audio/flac", ".flac")
    if head.startswith(b"ID3"):
        return Sniffed("audio", "audio/mpeg", ".mp3")
    return _by_frame_sync(head)


def _by_brand(brand: bytes) -> Sniffed | None:
    if brand in _AUDIO_BRANDS:
        return _AUDIO_M4A
    if brand in _IMAGE_BRANDS:
        return None
    if brand == b"qt  ":
        return _MOV
    if brand.startswith(b"3g"):
        return _3GP
    # isom, iso2..iso9, mp41, mp42, avc1, M4V, dash, MSNV, ... : generic MP4.
    # An audio-only MP4 lands here too; ffprobe reclassifies it.
    if brand.isascii() and all(32 <= b < 127 for b in brand):
        return _VIDEO_MP4
    return None


def _by_frame_sync(head: bytes) -> Sniffed | None:
    """MP3 without an ID3 tag, or raw AAC (ADTS), recognised by the frame header."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version = (head[1] >> 3) & 0x3
    layer = (head[1] >> 1) & 0x3
    if layer == 0 and head[1] & 0xF6 == 0xF0:
        return Sniffed("audio", "audio/aac", ".aac")
    bitrate_index = head[2] >> 4
    rate_index = (head[2] >> 2) & 0x3
    if layer == 1 and version != 1 and bitrate_index not in (0, 15) and rate_index != 3:
        return Sniffed("audio", "audio/mpeg", ".mp3")
    return None


def _by_container(path, head: bytes) -> Sniffed | None:
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(path)
    if head.startswith(_OLE_MAGIC):
        return _ole(path)
    return None


def _ooxml(path) -> Sniffed | None:
    """A zip is an Office document only if it has ``[Content_Types].xml`` and a part folder."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return _package(names)
    for folder, sniffed in _OOXML:
        if any(name.startswith(folder) for name in names):
            return sniffed
    return None


def detect_package_type(names: list[str]) -> str | None:
    """Which kind of package a zip with these member names is (h5p, scorm, html5), or None."""
    lowered = {n.replace("\\", "/").lower() for n in names}
    if "h5p.json" in lowered and any(n.startswith("content/") for n in lowered):
        return "h5p"
    if "imsmanifest.xml" in lowered:
        return "scorm"
    if "index.html" in lowered or "index.htm" in lowered:
        return "html5"
    return None


def _package(names: list[str]) -> Sniffed | None:
    """HTML5 (index.html), SCORM (imsmanifest.xml) or H5P (h5p.json + content/); inspected in processing."""
    found = detect_package_type(names)
    if found is None:
        return None
    return Sniffed("package", "application/zip", ".h5p" if found == "h5p" else ".zip")


def _ole(path) -> Sniffed | None:
    """Legacy Office: find WordDocument/Workbook/PowerPoint streams in the CFB directory."""
    try:
        names = _ole_stream_names(path)
    except (OSError, struct.error, ValueError):
        return None
    for stream, sniffed in _OLE_STREAMS:
        if stream in names:
            return sniffed
    return None


_FREESECT, _ENDOFCHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_DIR_SECTORS = 4096  # a malicious FAT loop must not spin forever


def _ole_stream_names(path) -> set[str]:
    """Names in an OLE compound file's directory ([MS-CFB] 2.2, 2.6)."""
    with open(path, "rb") as f:
        header = f.read(512)
        if len(header) < 512:
            raise ValueError("short OLE header")
        sector_size = 1 << struct.unpack_from("<H", header, 0x1E)[0]
        if sector_size not in (512, 4096):
            raise ValueError("bad sector size")
        first_dir = struct.unpack_from("<I", header, 0x30)[0]
        difat_start, difat_count = struct.unpack_from("<II", header, 0x44)
        per_sector = sector_size // 4

        def read_sector(number: int) -> bytes:
            f.seek((number + 1) * sector_size)
            data = f.read(sector_size)
            if len(data) < sector_size:
                raise ValueError("sector beyond end of file")
            return data

        # DIFAT: 109 FAT sector numbers in the header, more in a chain of DIFAT sectors.
        fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s != _FREESECT]
        next_difat = difat_start
        for _ in range(min(difat_count, _MAX_DIR_SECTORS)):
            if next_difat in (_FREESECT, _ENDOFCHAIN):
                break
            entries = struct.unpack(f"<{per_sector}I", read_sector(next_difat))
            fat_sectors.extend(s for s in entries[:-1] if s != _FREESECT)
            next_difat = entries[-1]

        def next_sector(number: int) -> int:
            fat_index, offset = divmod(number, per_sector)
            if fat_index >= len(fat_sectors):
                raise ValueError("FAT index out of range")
            return struct.unpack_from("<I", read_sector(fat_sectors[fat_index]), offset * 4)[0]

        names: set[str] = set()
        sector = first_dir
        for _ in range(_MAX_DIR_SECTORS):
            if sector in (_ENDOFCHAIN, _FREESECT):
                break
            data = read_sector(sector)
            for entry in range(0, sector_size, 128):
                name_len = struct.unpack_from("<H", data, entry + 0x40)[0]
                if 2 <= name_len <= 64:
                    names.add(data[entry:entry + name_len - 2].decode("utf-16-le", "replace"))
            sector = next_sector(sector)
        return names
