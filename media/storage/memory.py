"""In-memory storage: the fake for unit tests of packages that use storage."""
from __future__ import annotations

import hashlib
import os
import threading
from typing import BinaryIO

from .base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectNotFound,
    RangeNotSatisfiable,
    Storage,
    check_range,
    read_exactly,
    validate_key,
    validate_prefix,
)


class MemoryStorage(Storage):
    """Objects in a dict, guarded by a lock; honours the full :class:`Storage` contract."""

    name = "memory"

    def __init__(self):
        self._objects: dict[str, tuple[bytes, ObjectInfo]] = {}
        self._lock = threading.Lock()

    def _store(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        validate_key(key)
        info = ObjectInfo(
            size=len(data),
            etag=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            content_type=content_type,
        )
        with self._lock:
            self._objects[key] = (data, info)
        return info

    def put_file(self, key, path: str | os.PathLike, content_type):
        with open(path, "rb") as source:
            return self._store(key, source.read(), content_type)

    def put_stream(self, key, stream: BinaryIO, length, content_type):
        validate_key(key)
        return self._store(key, b"".join(read_exactly(stream, length)), content_type)

    def _get(self, key: str) -> tuple[bytes, ObjectInfo]:
        validate_key(key)
        with self._lock:
            try:
                return self._objects[key]
            except KeyError:
                raise ObjectNotFound(key) from None

    def stat(self, key):
        return self._get(key)[1]

    def open_range(self, key, start=0, end=None):
        check_range(start, end)
        data, info = self._get(key)
        if start >= info.size and not (start == 0 and info.size == 0):
            raise RangeNotSatisfiable(key, start, info.size)
        stop = info.size if end is None else min(end + 1, info.size)
        view = data[start:stop]
        return iter([view[i:i + CHUNK_SIZE] for i in range(0, len(view), CHUNK_SIZE)])

    def list(self, prefix=""):
        validate_prefix(prefix)
        with self._lock:
            return sorted(k for k in self._objects if k.startswith(prefix))

    def delete(self, key):
        validate_key(key)
        with self._lock:
            self._objects.pop(key, None)
