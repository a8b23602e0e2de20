"""Filesystem storage: the embedded default, objects under ``$LMS_DATA_DIR/objects``.

Layout below the root::

    data/<key>          the object bytes
    meta/<key>.json     {"content_type", "etag", "size"}
    tmp/                in-flight writes, renamed into place with os.replace

Temp files live on the same filesystem as ``data/`` so ``os.replace`` is an
atomic rename: readers see the old object or the complete new one.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from .base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    RangeNotSatisfiable,
    Storage,
    StorageError,
    _unlink_quietly,
    check_range,
    read_exactly,
    validate_key,
    validate_prefix,
)


class FilesystemStorage(Storage):
    """Objects as files below ``root``; no presigning (the app signs its own URLs)."""

    name = "filesystem"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self._data = self.root / "data"
        self._meta = self.root / "meta"
        self._tmp = self.root / "tmp"
        for directory in (self._data, self._meta, self._tmp):
            directory.mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """The object directories exist and this process may write them (a full or read-only disk fails)."""
        for directory in (self._data, self._meta, self._tmp):
            if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
                raise StorageError(f"{directory} is missing or not writable")
        try:
            fd, probe = tempfile.mkstemp(prefix="readyz-", dir=self._tmp)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise StorageError(f"cannot write below {self._tmp}: {exc.strerror}") from exc

    # -- paths -------------------------------------------------------------
    def _path(self, key: str) -> Path:
        validate_key(key)
        path = (self._data / key).resolve()
        # validate_key already forbids "..", this also defeats symlinks planted in the tree.
        if not path.is_relative_to(self._data):
            raise InvalidKey(key, "escapes the storage root")
        return path

    def _meta_path(self, key: str) -> Path:
        return self._meta / f"{key}.json"

    # -- writes ------------------------------------------------------------
    def _write(self, key: str, chunks: Iterator[bytes], content_type: str) -> ObjectInfo:
        target = self._path(key)
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        fd, tmp = tempfile.mkstemp(prefix="put-", dir=self._tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                # Errors raised by the source stream (client disconnect) pass
                # through unchanged; only our own disk errors become StorageError.
                for chunk in chunks:
                    md5.update(chunk)
                    size += len(chunk)
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        raise StorageError(f"cannot write {key}: {exc}") from exc
                try:
                    out.flush()
                    os.fsync(out.fileno())
                except OSError as exc:
                    raise StorageError(f"cannot write {key}: {exc}") from exc
            info = ObjectInfo(size=size, etag=md5.hexdigest(), content_type=content_type)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._write_meta(key, info)
                os.replace(tmp, target)
            except OSError as exc:
                raise StorageError(f"cannot store {key}: {exc}") from exc
        except BaseException:
            _unlink_quietly(tmp)
            raise
        return info

    def _write_meta(self, key: str, info: ObjectInfo) -> None:
        meta = self._meta_path(key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="meta-", dir=self._tmp)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"content_type": info.content_type, "etag": info.etag, "size": info.size}, out)
        os.replace(tmp, meta)

    def put_file(self, key, path, content_type):
        with open(path, "rb") as source:
            return self._write(key, read_exactly(source, None), content_type)

    def put_stream(self, key, stream: BinaryIO, length, content_type):
        return self._write(key, read_exactly(stream, length), content_type)

    # -- reads -------------------------------------------------------------
    def stat(self, key):
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        try:
            meta = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            meta = {}
        if meta.get("size") != st.st_size:
            # Meta missing or left over from an interrupted overwrite: derive a
            # stable, change-detecting ETag rather than report a wrong one.
            meta = {"etag": f"{st.st_size:x}-{st.st_mtime_ns:x}", "content_type": meta.get("content_type")}
        return ObjectInfo(
            size=st.st_size,
            etag=meta["etag"],
            content_type=meta.get("content_type") or "application/octet-stream",
        )

    def open_range(self, key, start=0, end=None):
        check_range(start, end)
        path = self._path(key)
        try:
            handle = open(path, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        size = os.fstat(handle.fileno()).st_size
        if start >= size and not (start == 0 and size == 0):
            handle.close()
            raise RangeNotSatisfiable(key, start, size)
        stop = size if end is None else min(end + 1, size)
        return _iter_file(handle, start, stop)

    def get_to_file(self, key, path):
        source = self._path(key)
        if not source.is_file():
            raise ObjectNotFound(key)
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=".download-", dir=target.parent)
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            _unlink_quietly(tmp)
            raise

    def list(self, prefix=""):
        validate_prefix(prefix)
        # Walk only the deepest directory the prefix pins down, not the whole tree.
        base = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._data / base if base else self._data
        if not start.is_dir():
            return []
        keys = []
        for dirpath, _dirnames, filenames in os.walk(start):
            rel_dir = Path(dirpath).relative_to(self._data).as_posix()
            for filename in filenames:
                key = filename if rel_dir == "." else f"{rel_dir}/{filename}"
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    # -- deletes -----------------------------------------------------------
    def delete(self, key):
        path = self._path(key)
        _unlink_quietly(path)
        _unlink_quietly(self._meta_path(key))
        self._prune(path.parent, self._data)
        self._prune(self._meta_path(key).parent, self._meta)

    @staticmethod
    def _prune(directory: Path, stop: Path) -> None:
        """Remove now-empty parent directories so deleted assets leave no trace."""
        while directory != stop and directory.is_relative_to(stop):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent


def _iter_file(handle, start: int, stop: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        remaining = stop - start
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
