"""Shared vocabulary of the question import/export formats.

Every format turns a byte stream into :class:`Draft` objects (teacher-shaped question bodies, see
API.md "Question bank") plus per-item :class:`ImportProblem` messages, and turns stored questions back
into bytes.  Formats are registered classes behind the narrow :class:`Format` interface; the service
layer only calls :func:`get_format`.  Nothing here imports Flask or app code.

Whole-file failures (corrupt archive, XML entity tricks, oversize input) raise :class:`ImportRejected`;
anything wrong with one question becomes an :class:`ImportProblem` and the rest of the file still imports.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import html
import io
import mimetypes
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO, Iterable

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from question_bank.formats.parts import OPTIONAL_PARTS, optional_parts

#: Largest file any importer reads (bytes).  The HTTP layer has its own, larger upload limit.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: Largest total uncompressed size of an archive (QTI package, docx) we agree to open.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
#: Highest compression ratio of one archive member; real XML/images stay far below, bombs far above.
MAX_COMPRESSION_RATIO = 100
#: Most members an archive may hold.
MAX_ARCHIVE_MEMBERS = 10_000

QUESTION_TYPES = (
    "single_choice", "multiple_choice", "true_false", "true_false_group", "short_answer",
    "matching", "ordering", "cloze", "essay",
)
LEVELS = ("nhan_biet", "thong_hieu", "van_dung", "van_dung_cao")


class ImportRejected(Exception):
    """The whole file is refused (corrupt, too large, zip bomb, XML entities). ``message`` is Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnknownFormat(LookupError):
    """Raised by :func:`get_format` for a name no format registered."""


@dataclass
class ImageBlob:
    """An image embedded in an imported file; stems reference it as ``<img src="cid:NAME">``."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Draft:
    """One parsed question: ``body`` in the API teacher shape, ``meta`` (level, topic, tags, points,
    section, name), a human ``location`` ("dòng 57", "Câu 5"), embedded images and ``warnings`` about this
    question (imported, but something was approximated: a formula kept as a picture)."""

    body: dict
    meta: dict
    location: str
    images: list[ImageBlob] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportProblem:
    """A per-item message in Vietnamese; ``item`` is the 1-based question number, ``line`` the source line."""

    item: int | None
    line: int | None
    message: str
    #: For export warnings: the body parts left out (keys of OPTIONAL_PARTS), so callers can tell which.
    fields: tuple[str, ...] = ()


@dataclass
class ParseResult:
    """Drafts, per-item ``problems`` (the item is not imported) and ``warnings`` (the item is imported, but
    something in it was changed or left out: the import reports each with its location)."""

    drafts: list[Draft] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)


@dataclass
class ExportResult:
    """Output of :meth:`Format.export`: the file, items left out (``skipped``) and lossy ones (``warnings``)."""

    data: bytes
    skipped: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)


class ExportRejected(Exception):
    """:meth:`Format.dump` refuses rather than silently dropping questions the format cannot express."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class Format(ABC):
    """Base class of a registered import/export format.

    Subclasses set ``name``, ``extensions`` and ``supported_types`` and implement :meth:`parse` and
    :meth:`export`.  Items given to :meth:`dump`/:meth:`export` are ``{"body": dict, "meta": dict}``
    and may carry ``"images": [ImageBlob]`` referenced from HTML as ``cid:NAME``.
    """

    name: str = ""
    #: How messages name the format ("Moodle XML"); the registered ``name`` when empty.
    label: str = ""
    extensions: tuple[str, ...] = ()
    supported_types: frozenset[str] = frozenset()
    #: The OPTIONAL_PARTS this format writes; the others are reported by :meth:`losses` (None: not declared).
    carries: frozenset[str] | None = None

    @abstractmethod
    def parse(self, stream: BinaryIO) -> ParseResult:
        """Read ``stream`` and return drafts plus per-item problems; raise ImportRejected for the whole file."""

    @abstractmethod
    def export(self, items: list[dict]) -> ExportResult:
        """Write ``items``; those the format cannot express are listed in ``skipped`` and left out."""

    def dump(self, items: list[dict]) -> bytes:
        """Write ``items`` to bytes, raising :class:`ExportRejected` if any cannot be expressed."""
        result = self.export(items)
        if result.skipped:
            raise ExportRejected(result.skipped)
        return result.data

    def unsupported(self, items: list[dict]) -> list[ImportProblem]:
        """Problems for items whose type this format cannot write (1-based item numbers)."""
        return [
            ImportProblem(i, None, f"Định dạng {self.name} không biểu diễn được loại câu hỏi "
                                   f"'{item['body'].get('type')}'.")
            for i, item in enumerate(items, 1)
            if item["body"].get("type") not in self.supported_types
        ]


    def losses(self, items: list[dict], skip: set[int] = frozenset()) -> list[ImportProblem]:
        """Export warnings for the optional parts of ``items`` this format cannot write (1-based numbers;
        ``skip`` lists items not written at all), so nothing is changed silently on export."""
        if self.carries is None:
            return []
        warnings = []
        for number, item in enumerate(items, 1):
            missing = [part for part in optional_parts(item["body"]) if part not in self.carries]
            if number not in skip and missing:
                warnings.append(ImportProblem(
                    number, None, f"Định dạng {self.label or self.name} không lưu được "
                                  f"{', '.join(OPTIONAL_PARTS[p] for p in missing)} — câu được xuất không có phần này.",
                    tuple(missing)))
        return warnings


_REGISTRY: dict[str, type[Format]] = {}


def register(format_cls: type[Format]) -> type[Format]:
    """Class decorator adding a format under its ``name``."""
    if not format_cls.name:
        raise ValueError("a format needs a name")
    _REGISTRY[format_cls.name] = format_cls
    return format_cls


def get_format(name: str) -> Format:
    """Return a fresh instance of the format registered as ``name``; unknown names raise UnknownFormat."""
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise UnknownFormat(f"Định dạng không được hỗ trợ: {name!r}.") from None


def available_formats() -> list[str]:
    """Names of all registered formats, sorted."""
    return sorted(_REGISTRY)


# --- reading input safely -------------------------------------------------------------------------

def read_limited(stream: BinaryIO, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """Read the whole stream but refuse (ImportRejected) once it exceeds ``limit`` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImportRejected(f"Tệp quá lớn: giới hạn là {limit // (1024 * 1024)} MB.")
    return data


def decode_text(data: bytes) -> str:
    """Decode a text upload: UTF-8 (with or without BOM), falling back to Windows-1258/1252 like Word does."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1258", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected("Không đọc được tệp văn bản: hãy lưu tệp với bảng mã UTF-8.")


def parse_xml(data: bytes) -> "SafeET.Element":
    """Parse XML refusing DTDs and entities (XXE, billion laughs) with a Vietnamese ImportRejected."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImportRejected("Tệp XML chứa khai báo DTD hoặc thực thể (entity) — bị từ chối vì lý do an toàn.") from None
    except SafeET.ParseError as exc:
        raise ImportRejected(f"Tệp XML bị hỏng ({xml_error_position(exc)}).") from None


def xml_error_position(exc: Exception) -> str:
    line, column = getattr(exc, "position", (None, None))
    return f"dòng {line}, cột {column}" if line else str(exc)


def open_safe_zip(data: bytes) -> zipfile.ZipFile:
    """Open an archive after checking member names and sizes *before* anything is extracted.

    Rejects path traversal (``../``, absolute, drive letters), too many members, a total uncompressed size
    over MAX_UNCOMPRESSED_BYTES and any member compressed more than MAX_COMPRESSION_RATIO times.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRejected("Tệp nén (zip) bị hỏng hoặc không phải tệp zip.") from None
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise ImportRejected("Tệp nén chứa quá nhiều tệp.")
    total = 0
    for info in infos:
        name = info.filename
        normal = posixpath.normpath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or normal.startswith("..") or "\x00" in name:
            raise ImportRejected(f"Tệp nén chứa đường dẫn không an toàn: {name!r}.")
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise ImportRejected("Tệp nén có tỉ lệ nén bất thường (nghi là zip bomb) — bị từ chối.")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportRejected(
            f"Tệp nén khi giải nén vượt quá {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB — bị từ chối.")
    return archive


def read_zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read one member, trusting the actual stream rather than the header's declared size."""
    info = archive.getinfo(name)
    try:
        with archive.open(info) as member:
            data = member.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        raise ImportRejected(f"Không đọc được {name!r} trong tệp nén.") from None
    if len(data) > info.file_size:
        raise ImportRejected("Tệp nén khai báo sai kích thước (nghi là zip bomb) — bị từ chối.")
    return data


# --- small shared helpers -------------------------------------------------------------------------

def letter_id(index: int) -> str:
    """Option/statement ids: a, b, c, ... (the letters Vietnamese papers print), then a1, b1, ..."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index % 26] + (str(index // 26) if index >= 26 else "")


def number_id(index: int) -> str:
    """Pair/item/gap ids: "1", "2", ..."""
    return str(index + 1)


def text_to_html(text: str) -> str:
    """Plain text (Aiken, GIFT [plain]/[moodle]) to safe HTML: escaped, line breaks kept."""
    return html.escape(text.strip(), quote=False).replace("\r\n", "\n").replace("\n", "<br>")


_BLOCK_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(markup: str) -> str:
    """HTML to plain text for text-only formats: block ends become newlines, tags go, entities decode."""
    text = _BLOCK_BREAK.sub("\n", markup)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    return re.sub(r"\n{2,}", "\n", text).strip()


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when integral, else the nearest float (bodies are JSON)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def choice_weights(options: list[dict]) -> list[Decimal]:
    """Percent weights of multiple-choice options for export: the stored ``weight`` or, without weights, the
    split the platform scores by ((right − wrong) / number right): +100/n on right options, −100/n on wrong."""
    if any("weight" in o for o in options):
        return [Decimal(str(o.get("weight", 0))) for o in options]
    share = round(Decimal(100) / max(sum(1 for o in options if o.get("correct")), 1), 5)
    return [share if o.get("correct") else -share for o in options]


def weights_to_keep(correct: list[bool], weights: list[Decimal]) -> list[int | float] | None:
    """Weights read from a file to store on options, or None when they are exactly the platform's unweighted
    scoring (what :func:`choice_weights` writes), so a round trip gives the same question."""
    if choice_weights([{"correct": ok} for ok in correct]) == [round(w, 5) for w in weights]:
        return None
    return [json_number(w) for w in weights]


def parse_decimal(text: str) -> Decimal | None:
    """Parse "1.5", "-1,5" (Vietnamese decimal comma) or "2e3"; None when it is not a number."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def format_number(value) -> str:
    """A number as the shortest plain decimal string (no exponent) for writing files."""
    dec = Decimal(str(value)).normalize()
    text = format(dec, "f")
    return "0" if text in ("-0", "") else text


def guess_content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def meta_tags(meta: dict) -> list[str]:
    """Tags to write for ``meta``: its tags plus the cognitive level, so a round trip keeps the level."""
    tags = list(meta.get("tags") or [])
    if meta.get("level") in LEVELS and meta["level"] not in tags:
        tags.append(meta["level"])
    return tags


def apply_tags(meta: dict, tags: Iterable[str]) -> None:
    """Store tags read from a file into ``meta``; a tag naming a cognitive level sets ``meta['level']``."""
    for tag in tags:
        tag = tag.strip()
        if not tag:
            continue
        if tag in LEVELS and "level" not in meta:
            meta["level"] = tag
        elif tag not in meta.setdefault("tags", []):
            meta["tags"].append(tag)


CATEGORY_PREFIX = re.compile(r"^\$(course|system|module|cat\d*)\$/(top/?)?")


def category_to_topic(category: str) -> str:
    """Moodle category path ("$course$/top/Toán 10/Hàm số") to the topic path ("Toán 10/Hàm số")."""
    return CATEGORY_PREFIX.sub("", category.strip()).strip("/")


def cloze_display_text(body: dict) -> str:
    """The single text a gap-fill format stores: the instruction (``stem``), if any, before the gapped text.

    GIFT, Moodle Cloze and QTI items have one body for a gap-fill question, so a separate stem is written in
    front of the text; importers put the whole text in ``text`` and leave ``stem`` empty.
    """
    stem = (body.get("stem") or "").strip()
    text = body.get("text") or ""
    return f"{stem} {text}" if stem else text
