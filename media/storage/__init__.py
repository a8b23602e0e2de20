"""Object storage for media: the port, its backends and the factory the app calls.

``make_storage(app.config)`` picks MinIO when ``S3_ENDPOINT`` is set and the
filesystem under ``$LMS_DATA_DIR/objects`` otherwise (``STORAGE_BACKEND``
forces a choice, e.g. ``"memory"`` in tests).
"""
from __future__ import annotations

import os
from typing import Callable, Mapping

from .base import (
    CHUNK_SIZE,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    RangeNotSatisfiable,
    Storage,
    StorageError,
    asset_prefix,
    object_key,
    package_key,
    validate_key,
)
from .filesystem import FilesystemStorage
from .memory import MemoryStorage

__all__ = [
    "CHUNK_SIZE", "FilesystemStorage", "InvalidKey", "MemoryStorage", "ObjectInfo", "ObjectNotFound",
    "RangeNotSatisfiable", "Storage", "StorageError", "asset_prefix",
    "make_storage", "object_key", "package_key", "register_backend", "validate_key",
]

_TRUE = {"1", "true", "yes", "on"}


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _filesystem(config: Mapping) -> Storage:
    data_dir = config.get("LMS_DATA_DIR") or "./instance"
    return FilesystemStorage(os.path.join(data_dir, "objects"))


def _minio(config: Mapping) -> Storage:
    # Imported here so deployments without S3 never load the minio client.
    from .minio_backend import DEFAULT_PART_SIZE, MinioStorage

    endpoint = config.get("S3_ENDPOINT")
    if not endpoint:
        raise ValueError("S3_ENDPOINT is required for the minio storage backend")
    access, secret = config.get("S3_ACCESS_KEY"), config.get("S3_SECRET_KEY")
    if bool(access) != bool(secret):
        raise ValueError("set both S3_ACCESS_KEY and S3_SECRET_KEY, or neither")
    public_secure = config.get("S3_PUBLIC_SECURE")
    return MinioStorage(
        endpoint, access, secret, config.get("S3_BUCKET") or "lms-media",
        secure=_as_bool(config.get("S3_SECURE", False)),
        region=config.get("S3_REGION") or "us-east-1",
        public_endpoint=config.get("S3_PUBLIC_ENDPOINT") or None,
        public_secure=None if public_secure is None else _as_bool(public_secure),
        part_size=int(config.get("S3_PART_SIZE") or DEFAULT_PART_SIZE),
    )


_BACKENDS: dict[str, Callable[[Mapping], Storage]] = {
    "filesystem": _filesystem,
    "minio": _minio,
    "memory": lambda config: MemoryStorage(),
}


def register_backend(name: str, factory: Callable[[Mapping], Storage]) -> None:
    """Register another backend factory under ``name`` (e.g. a cloud vendor's SDK)."""
    _BACKENDS[name] = factory


def make_storage(config: Mapping) -> Storage:
    """Build the configured :class:`Storage` from a config mapping.

    Keys read: ``STORAGE_BACKEND`` (optional: filesystem | minio | memory),
    ``S3_ENDPOINT``, ``S3_ACCESS_KEY``, ``S3_SECRET_KEY``, ``S3_BUCKET``
    (default ``lms-media``), ``S3_SECURE``, ``S3_REGION``, ``S3_PUBLIC_ENDPOINT``,
    ``S3_PUBLIC_SECURE``, ``S3_PART_SIZE`` and ``LMS_DATA_DIR`` (default
    ``./instance``). An unknown backend name raises ``ValueError``.
    """
    name = config.get("STORAGE_BACKEND") or ("minio" if config.get("S3_ENDPOINT") else "filesystem")
    try:
        factory = _BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown storage backend {name!r}; known: {', '.join(sorted(_BACKENDS))}") from None
    return factory(config)
