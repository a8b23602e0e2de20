"""Spooling an upload to disk while hashing it, with a hard size limit.

The request body is never held in memory: it is copied in 1 MiB chunks to a
temp file, hashed on the way, and abandoned (file deleted) the moment it
exceeds the limit, so an oversized upload costs at most ``max_bytes`` of disk.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024


class UploadTooLarge(Exception):
    """The upload exceeded ``limit`` bytes (HTTP 413)."""

    def __init__(self, limit: int):
        super().__init__(f"tệp vượt quá giới hạn {limit // (1024 * 1024)} MB / upload exceeds {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Spooled:
    """A spooled upload: where it is, how big, and its lowercase hex SHA-256."""

    path: str
    size: int
    sha256: str


def spool_upload(stream: BinaryIO, max_bytes: int, tmp_dir: str | os.PathLike) -> Spooled:
    """Copy ``stream`` to a new file in ``tmp_dir``, returning its size and SHA-256.

    Reads 1 MiB at a time. Raises :class:`UploadTooLarge` as soon as more
    than ``max_bytes`` have arrived; on that or any other error (client
    disconnect, disk full) the partial file is deleted before re-raising.
    The caller owns the returned file and deletes it when done.
    """
    if max_bytes < 0:
        raise ValueError("max_bytes must be >= 0")
    digest = hashlib.sha256()
    size = 0
    fd, path = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                # Ask for at most one byte past the limit so an oversized
                # stream is detected without reading a whole extra chunk.
                chunk = stream.read(min(CHUNK_SIZE, max_bytes - size + 1))
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        raise
    return Spooled(path=path, size=size, sha256=digest.hexdigest())
