"""The object storage port: what the media package needs from a blob store.

Backends (filesystem, MinIO/S3, memory) implement :class:`Storage`. Keys are
slash-separated relative paths chosen by the application (see
:func:`object_key`), never user file names, so they are validated strictly and
the same key means the same thing on every backend.
"""
from __future__ import annotations

import abc
import base64
import io
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Iterator

#: Read/write granularity for streaming copies; large enough to keep syscall
#: overhead low, small enough that concurrent uploads stay cheap in memory.
CHUNK_SIZE = 1024 * 1024

#: S3 refuses presigned URLs valid for longer than 7 days.
MAX_PRESIGN_EXPIRY = timedelta(days=7)

_KEY_MAX_BYTES = 1024
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9._=-]+$")
_ASSET_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SUFFIX_RE = re.compile(r"^(\.[a-z0-9]{1,10})?$")


class StorageError(Exception):
    """A storage operation failed.

    ``transient`` tells the job runner whether retrying later can help
    (network errors, 5xx, throttling) or not (bad key, permission, bad input).
    """

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class ObjectNotFound(StorageError):
    """The key does not exist (or its bucket does not)."""

    def __init__(self, key: str):
        super().__init__(f"object not found: {key}", transient=False)
        self.key = key


class RangeNotSatisfiable(StorageError):
    """``start`` lies beyond the end of the object (HTTP 416)."""

    def __init__(self, key: str, start: int, size: int):
        super().__init__(f"range start {start} beyond size {size} of {key}", transient=False)
        self.key, self.start, self.size = key, start, size


class InvalidKey(StorageError, ValueError):
    """The key is not an acceptable object key (traversal, bad characters)."""

    def __init__(self, key: object, reason: str):
        super().__init__(f"invalid object key {key!r}: {reason}", transient=False)


@dataclass(frozen=True)
class ObjectInfo:
    """Metadata of a stored object."""

    size: int
    etag: str
    content_type: str


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe object key, else raise :class:`InvalidKey`.

    A key is 1..1024 bytes of ``/``-separated segments made of ASCII letters,
    digits and ``._=-``; no empty, ``.`` or ``..`` segment and no leading
    slash, so a key can never escape a filesystem root or alias another key.
    """
    if not isinstance(key, str) or not key:
        raise InvalidKey(key, "empty")
    if len(key.encode("utf-8")) > _KEY_MAX_BYTES:
        raise InvalidKey(key, "too long")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(key, "empty or relative path segment")
        if not _SEGMENT_RE.match(segment):
            raise InvalidKey(key, "only letters, digits and ._=- are allowed")
    return key


def validate_prefix(prefix: str) -> str:
    """Validate a listing/deletion prefix: ``""`` or a key, optionally ending in ``/``."""
    if prefix == "":
        return prefix
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def object_key(asset_id: str | int, sha256: str, suffix: str = "") -> str:
    """Key of an asset's original upload: ``assets/<id>/original-<sha256><suffix>``.

    The key is derived from the asset id and the content hash only, so a user
    file name (Vietnamese, spaces, ``../``) never reaches the store, and
    re-uploading the same bytes for the same asset is idempotent.
    ``suffix`` is a lowercase extension such as ``".mp4"`` or ``""``.
    """
    asset = str(asset_id)
    if not _ASSET_ID_RE.match(asset):
        raise InvalidKey(asset, "asset id must be 1..64 letters, digits, _ or -")
    if not _SHA256_RE.match(sha256 or ""):
        raise InvalidKey(sha256, "sha256 must be 64 lowercase hex digits")
    if not _SUFFIX_RE.match(suffix):
        raise InvalidKey(suffix, "suffix must look like '.mp4'")
    return f"{asset_prefix(asset)}original-{sha256}{suffix}"


def asset_prefix(asset_id: str | int) -> str:
    """Prefix under which everything of one asset lives (original, HLS, posters).

    Deleting an asset is ``storage.delete_prefix(asset_prefix(id))``.
    """
    asset = str(asset_id)
    if not _ASSET_ID_RE.match(asset):
        raise InvalidKey(asset, "asset id must be 1..64 letters, digits, _ or -")
    return f"assets/{asset}/"


def package_key(asset_id: str | int, path: str) -> str:
    """Key of file ``path`` (relative, ``/``-separated, already checked) of an unpacked package.

    Packages name their files freely (spaces, Vietnamese, parentheses) but keys allow only ``A-Za-z0-9._=-``:
    a segment that is already safe is kept (so keys stay readable), any other is written as ``=`` + its
    base32 (whose alphabet and padding are key-safe). A safe segment never starts with ``=``, so the mapping
    is one-to-one and needs no index: the serving route encodes the requested path the same way.
    """
    segments = []
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(path, "empty or relative path segment")
        if _SEGMENT_RE.match(segment) and not segment.startswith("="):
            segments.append(segment)
        else:
            segments.append("=" + base64.b32encode(segment.encode("utf-8")).decode("ascii"))
    return validate_key(asset_prefix(asset_id) + "package/" + "/".join(segments))


def check_range(start: int, end: int | None) -> None:
    """Reject negative or inverted ranges; ``end`` is inclusive like HTTP ``Range``."""
    if start < 0:
        raise ValueError("range start must be >= 0")
    if end is not None and end < start:
        raise ValueError("range end must be >= start")


def check_expiry(expires: timedelta) -> int:
    """Validate a presign lifetime and return it in whole seconds."""
    seconds = int(expires.total_seconds())
    if seconds < 1 or expires > MAX_PRESIGN_EXPIRY:
        raise ValueError("presigned URL lifetime must be between 1 second and 7 days")
    return seconds


class Storage(abc.ABC):
    """A blob store addressed by validated keys.

    Contract shared by every backend (``tests/media/test_storage_contract.py``):

    * writes are atomic: readers see the old object or the complete new one;
    * ``open_range`` raises :class:`ObjectNotFound` / :class:`RangeNotSatisfiable`
      eagerly, before the first chunk, so a web view can still answer 404/416;
    * ``delete`` of a missing key is a no-op (as on S3);
    * ``presigned_*`` return ``None`` when the backend cannot presign; the app
      then serves the bytes itself behind its own signed URLs.
    """

    #: Backend name used by :func:`media.storage.make_storage`.
    name: str = ""

    @abc.abstractmethod
    def put_file(self, key: str, path: str | os.PathLike, content_type: str) -> ObjectInfo:
        """Store the local file at ``path`` under ``key``."""

    @abc.abstractmethod
    def put_stream(self, key: str, stream: BinaryIO, length: int | None, content_type: str) -> ObjectInfo:
        """Store bytes read from ``stream`` (``.read(n)``) under ``key``.

        ``length`` may be ``None`` when unknown; the backend then uploads in
        bounded parts and never holds the whole object in memory. With a known
        length exactly that many bytes are read; a shorter stream is an error.
        """

    @abc.abstractmethod
    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Iterate over the bytes ``start..end`` (inclusive; ``None`` = to the end).

        ``end`` past the object's end is clamped, as HTTP does. Closing the
        iterator early releases the underlying file or connection.
        """

    @abc.abstractmethod
    def stat(self, key: str) -> ObjectInfo:
        """Size, ETag and content type of ``key``; :class:`ObjectNotFound` if missing."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Sorted keys starting with ``prefix`` (a plain string prefix, recursive)."""

    def prepare_for_browsers(self, origins) -> list[str]:
        """Set up what browsers on ``origins`` need to fetch objects directly; messages for the operator.

        Backends without presigned URLs need nothing: the app serves their bytes itself.
        """
        return [f"{self.name} storage: nothing to set up, the app serves the files itself"]

    def check(self) -> None:
        """Raise :class:`StorageError` unless the store can be read and written now (``/readyz``)."""
        self.exists("readyz")

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def delete_prefix(self, prefix: str) -> int:
        """Remove every key starting with ``prefix``; return how many were removed.

        An empty prefix is refused: wiping a whole bucket is never what a
        caller deleting one asset meant.
        """
        if not prefix:
            raise ValueError("refusing to delete with an empty prefix")
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)

    def presigned_get(self, key: str, expires: timedelta, content_disposition: str | None = None) -> str | None:
        """A time-limited download URL, or ``None`` if the backend cannot presign.

        ``content_disposition`` is the header value the response carries, built by the caller with the app's
        one download helper (``lms.core.downloads``; this library imports no app code).
        """
        validate_key(key)
        check_expiry(expires)
        return None

    def presigned_put(self, key: str, expires: timedelta) -> str | None:
        """A time-limited direct-upload (HTTP PUT) URL, or ``None``."""
        validate_key(key)
        check_expiry(expires)
        return None

    def get_to_file(self, key: str, path: str | os.PathLike) -> None:
        """Download ``key`` to the local ``path`` (written atomically)."""
        target = Path(path)
        chunks = self.open_range(key, 0, None)
        fd, tmp = tempfile.mkstemp(prefix=".download-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            _unlink_quietly(tmp)
            raise

    def get_bytes(self, key: str) -> bytes:
        """The whole object in memory; for small objects such as playlists."""
        return b"".join(self.open_range(key, 0, None))

    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        """Store a small in-memory object."""
        return self.put_stream(key, io.BytesIO(data), len(data), content_type)

    def put_tree(self, prefix: str, directory: str | os.PathLike, content_types: dict[str, str] | None = None) -> list[str]:
        """Upload every file below ``directory`` to ``prefix + relative path``.

        Used to publish an HLS output directory. ``content_types`` maps file
        suffixes (``".m3u8"``) to MIME types; unknown suffixes are
        ``application/octet-stream``. Returns the uploaded keys.
        """
        types = {**DEFAULT_CONTENT_TYPES, **(content_types or {})}
        root = Path(directory)
        keys = []
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            key = validate_key(prefix + file.relative_to(root).as_posix())
            self.put_file(key, file, types.get(file.suffix.lower(), "application/octet-stream"))
            keys.append(key)
        return keys


DEFAULT_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".aac": "audio/aac",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


def read_exactly(stream: BinaryIO, length: int | None, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield chunks of ``stream``; with ``length``, exactly that many bytes.

    Raises :class:`StorageError` if the stream ends before ``length`` bytes,
    so a client that disconnects mid-upload never leaves a short object.
    """
    remaining = length
    while remaining is None or remaining > 0:
        want = chunk_size if remaining is None else min(chunk_size, remaining)
        chunk = stream.read(want)
        if not chunk:
            if remaining:
                raise StorageError(f"stream ended {remaining} bytes before the announced length")
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def _unlink_quietly(path: str | os.PathLike) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
