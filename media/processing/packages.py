"""Interactive packages: HTML5 simulations, SCORM 1.2/2004 and H5P zips.

``inspect_package`` reads the zip's directory (never trusting it), finds the launch file and the title and
``extract_package`` unpacks it into a work directory. Every member is checked before a byte is written:
absolute paths, ``..`` segments, drive letters, symlinks and device entries are refused; the number of files,
the unpacked total and the compression ratio are bounded (a 40 KB zip must not inflate to 40 GB), and sizes
are counted while inflating, because the sizes in a zip's directory are whatever the attacker wrote.
"""
from __future__ import annotations

import html
import json
import os
import posixpath
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from ..sniffing import detect_package_type
from .errors import ProcessingError

#: A package with more files than this is not a lesson but an archive (Articulate exports ~1-2k files).
MAX_FILES = 5000
#: Unpacked size limit; real SCORM/H5P packages with video stay well under it.
MAX_UNPACKED_BYTES = 2 * 1024 ** 3
#: Whole-package inflation ratio above which it is a zip bomb. Text compresses ~10x; 100x is only padding.
MAX_RATIO = 100
#: Single members may compress better (a blank canvas, a JSON of zeros) but still not past this.
MAX_MEMBER_RATIO = 1000
#: Manifests and h5p.json are parsed in memory: bound them.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024

_CHUNK = 64 * 1024


class PackageInvalid(ProcessingError):
    """The package is malformed, unsafe or lacks its launch file; the message is for the teacher."""


@dataclass(frozen=True)
class PackageInfo:
    """``type`` is html5, scorm or h5p; ``launch`` a path inside the package; ``version`` 1.2/2004 for SCORM."""

    type: str
    title: str
    launch: str
    files: int
    unpacked_bytes: int
    version: str | None = None

    def as_dict(self) -> dict:
        """The ``package`` object of the media payload (and of the ``media_assets.package`` column)."""
        body = {"type": self.type, "title": self.title, "launch": self.launch, "files": self.files,
                "unpacked_bytes": self.unpacked_bytes}
        if self.version:
            body["version"] = self.version
        return body


def _safe_name(info: zipfile.ZipInfo) -> str:
    name = info.filename.replace("\\", "/")
    mode = info.external_attr >> 16
    # Unix zips carry the file type in the high bits; zips without one (many tools) hold plain files.
    if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise PackageInvalid(f"Gói chứa liên kết hoặc tệp đặc biệt không được phép: {name[:200]} / "
                             "package contains a symlink or special file")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        raise PackageInvalid(f"Gói chứa đường dẫn tuyệt đối: {name[:200]} / package contains an absolute path")
    parts = name.split("/")
    if any(p == ".." for p in parts):
        raise PackageInvalid(f"Gói chứa đường dẫn vượt ra ngoài thư mục (..): {name[:200]} / "
                             "package contains a path traversal")
    return posixpath.normpath(name) if name.strip("/") else ""


def _members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    files = []
    declared = 0
    for info in archive.infolist():
        name = _safe_name(info)
        if info.is_dir() or not name:
            continue
        if info.flag_bits & 0x1:
            raise PackageInvalid("Gói có tệp được đặt mật khẩu / package contains encrypted files")
        if info.compress_type not in _METHODS:
            # Checked here so an exotic method (e.g. Deflate64) is a clear refusal before anything is read.
            raise PackageInvalid("Gói dùng kiểu nén không hỗ trợ / unsupported compression method")
        files.append((info, name))
        if len(files) > MAX_FILES:
            raise PackageInvalid(f"Gói có quá nhiều tệp (tối đa {MAX_FILES}) / too many files")
        declared += info.file_size
        if info.file_size > MAX_MEMBER_RATIO * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
            raise PackageInvalid("Gói có tệp nén bất thường (nghi là bom nén) / suspicious compression ratio")
    if declared > MAX_UNPACKED_BYTES:
        raise PackageInvalid(f"Gói giải nén vượt quá {MAX_UNPACKED_BYTES // 1024 ** 2} MB / unpacked size too large")
    if not files:
        raise PackageInvalid("Gói rỗng / empty package")
    return files


def _read_small(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except _BROKEN:
        raise PackageInvalid(_BROKEN_MESSAGE) from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise PackageInvalid(f"{info.filename} quá lớn / manifest too large")
    return data


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, name: str):
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element, name: str) -> str:
    found = _child(element, name) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _scorm(data: bytes, names: set[str]) -> tuple[str, str, str]:
    """(title, launch href, version) from imsmanifest.xml: the default organization's first item with a resource."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        # Entities are how XML bombs and external-entity reads work; no real manifest declares any.
        raise PackageInvalid("imsmanifest.xml chứa khai báo DOCTYPE/ENTITY không được phép / manifest declares entities")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise PackageInvalid(f"imsmanifest.xml không hợp lệ: {exc} / malformed manifest") from None
    metadata = _child(root, "metadata")
    schema_version = _text(metadata, "schemaversion")
    version = "1.2" if schema_version.startswith("1.2") or not schema_version else "2004"
    organizations = _child(root, "organizations")
    resources = _child(root, "resources")
    if organizations is None or resources is None:
        raise PackageInvalid("imsmanifest.xml thiếu <organizations> hoặc <resources> / manifest incomplete")
    orgs = [o for o in organizations if _local(o.tag) == "organization"]
    default = organizations.get("default")
    org = next((o for o in orgs if o.get("identifier") == default), orgs[0] if orgs else None)
    if org is None:
        raise PackageInvalid("imsmanifest.xml không có <organization> nào / no organization")
    by_id = {r.get("identifier"): r for r in resources if _local(r.tag) == "resource"}
    base = resources.get("{http://www.w3.org/XML/1998/namespace}base", "")

    def first_launchable(element):
        for item in element:
            if _local(item.tag) != "item":
                continue
            resource = by_id.get(item.get("identifierref"))
            if resource is not None and resource.get("href"):
                params = item.get("parameters") or ""
                return resource, params
            nested = first_launchable(item)
            if nested:
                return nested
        return None

    found = first_launchable(org)
    if found is None:
        raise PackageInvalid("imsmanifest.xml không chỉ ra tệp khởi chạy / no launchable item")
    resource, params = found
    xml_base = "{http://www.w3.org/XML/1998/namespace}base"
    href = posixpath.join(base, resource.get(xml_base, ""), resource.get("href"))
    path = href.split("?", 1)[0].split("#", 1)[0]
    if posixpath.normpath(path) not in names:
        raise PackageInvalid(f"Không tìm thấy tệp khởi chạy {path[:200]} trong gói / launch file missing")
    title = _text(org, "title") or _text(metadata, "title") or ""
    if params and "?" not in href:
        href += params if params.startswith(("?", "#")) else "?" + params
    return title, href, version


def _h5p(data: bytes) -> tuple[str, str]:
    try:
        meta = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise PackageInvalid("h5p.json không hợp lệ / malformed h5p.json") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("mainLibrary"), str):
        raise PackageInvalid("h5p.json thiếu mainLibrary / h5p.json lacks mainLibrary")
    return str(meta.get("title") or "")[:255], "h5p.json"


def inspect_package(path: str | os.PathLike) -> PackageInfo:
    """Check the zip at ``path`` and describe it; :class:`PackageInvalid` with a readable reason otherwise."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageInvalid("Tệp nén hỏng hoặc không phải zip / not a valid zip") from None
    with archive:
        members = _members(archive)
        names = {name for _, name in members}
        by_name = {name.lower(): info for info, name in members}
        kind = detect_package_type(list(names))
        total = sum(i.file_size for i, _ in members)
        compressed = sum(i.compress_size for i, _ in members) or 1
        if total > 10 * 1024 * 1024 and total > MAX_RATIO * compressed:
            raise PackageInvalid("Tỉ lệ nén của gói bất thường (nghi là bom nén) / suspicious compression ratio")
        version = None
        if kind == "scorm":
            title, launch, version = _scorm(_read_small(archive, by_name["imsmanifest.xml"]), names)
        elif kind == "h5p":
            title, launch = _h5p(_read_small(archive, by_name["h5p.json"]))
        elif kind == "html5":
            launch = "index.html" if "index.html" in names else next(
                n for n in names if n.lower() in ("index.html", "index.htm"))
            title = _html_title(_read_small(archive, by_name[launch.lower()]))
        else:
            raise PackageInvalid("Gói không có index.html, imsmanifest.xml hoặc h5p.json / "
                                 "no index.html, imsmanifest.xml or h5p.json")
    return PackageInfo(type=kind, title=title, launch=launch, files=len(members), unpacked_bytes=total,
                       version=version)


def _html_title(data: bytes) -> str:
    match = re.search(rb"<title[^>]*>(.*?)</title>", data[:65536], re.IGNORECASE | re.DOTALL)
    if not match:
        return ""
    return html.unescape(match.group(1).decode("utf-8", "replace")).strip()[:255]


def extract_package(path: str | os.PathLike, out: str | os.PathLike) -> int:
    """Unpack the (already inspected) zip at ``path`` below ``out``; returns the bytes written.

    Sizes are counted while inflating: a member larger than its directory entry says, or a total over
    :data:`MAX_UNPACKED_BYTES`, stops extraction with :class:`PackageInvalid`.
    """
    try:
        return _extract(path, out)
    except _BROKEN:
        raise PackageInvalid(_BROKEN_MESSAGE) from None


#: What a damaged (or lying) zip raises while inflating: a CRC mismatch when a member ends before its declared
#: size, zlib errors, an unsupported compression method.
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError)
#: What Python's zipfile can read; anything else is refused by name in ``_members``.
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_BROKEN_MESSAGE = "Tệp nén hỏng (kiểm tra CRC thất bại) / damaged zip"


def _extract(path, out) -> int:
    root = Path(out).resolve()
    written = 0
    with zipfile.ZipFile(path) as archive:
        for info, name in _members(archive):
            target = (root / name).resolve()
            if root not in target.parents:
                raise PackageInvalid(f"Đường dẫn không hợp lệ trong gói: {name[:200]} / unsafe path")
            target.parent.mkdir(parents=True, exist_ok=True)
            member_written = 0
            with archive.open(info) as source, open(target, "wb") as sink:
                while True:
                    chunk = source.read(_CHUNK)
                    if not chunk:
                        break
                    member_written += len(chunk)
                    written += len(chunk)
                    if member_written > info.file_size or written > MAX_UNPACKED_BYTES:
                        raise PackageInvalid("Gói giải nén lớn hơn khai báo (nghi là bom nén) / zip bomb")
                    sink.write(chunk)
    return written
