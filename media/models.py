"""Media assets (one uploaded file and what processing made of it) and their HLS renditions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

KINDS = ("video", "audio", "pdf", "image", "document", "package")
STATUSES = ("uploaded", "processing", "ready", "failed")


class MediaAsset(db.Model):
    """One stored file. Everything it owns in object storage lives under ``assets/<id>/``."""

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The teacher or department user who uploaded it; deleting is theirs (and admins').
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: One of KINDS, decided by content sniffing, never by the file name.
    kind: Mapped[str] = mapped_column(String(20))
    #: One of STATUSES: uploaded -> processing -> ready | failed.
    status: Mapped[str] = mapped_column(String(20), default="uploaded", index=True)
    #: 0..100 while processing; written from the job through its own connection so pollers see it.
    progress: Mapped[int] = mapped_column(Integer, default=0)
    #: Human-readable (Vietnamese first) reason of a failure, shown to the uploader.
    error: Mapped[str | None] = mapped_column(Text)
    #: The name the user gave the file: display and Content-Disposition only, never part of a key.
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: MIME type from sniffing (what the bytes are), not what the client claimed.
    content_type: Mapped[str] = mapped_column(String(120))
    #: Size of the original in bytes.
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Lowercase hex SHA-256 of the original.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: Object key of the original: assets/<id>/original-<sha256><ext> (see media.storage.object_key).
    object_key: Mapped[str | None] = mapped_column(String(1024))
    #: Key of the poster frame / first-page / image preview JPEG, once made.
    thumbnail_key: Mapped[str | None] = mapped_column(String(1024))
    #: Key of the HLS master playlist for video and audio, once made.
    hls_master_key: Mapped[str | None] = mapped_column(String(1024))
    #: Packages only: {type: html5|scorm|h5p, title, launch, files, unpacked_bytes, version?} once inspected;
    #: the unpacked files live under assets/<id>/package/ (media.storage.package_key).
    package: Mapped[dict | None] = mapped_column(JSON)
    duration_s: Mapped[float | None] = mapped_column(Float)
    #: PDFs: number of pages, once processed; the reader's last page, which completes the document for a student.
    pages: Mapped[int | None] = mapped_column(Integer)
    #: Display size (rotation applied) of videos and images.
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    #: Set when a lecture or question starts using the asset: cleanup keeps it, DELETE answers 409.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when the last user released it; a released asset is never swept automatically.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last sign of life of the processing job; a stale one means the worker died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Processing runs started (retries and reconciler re-runs included).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    renditions: Mapped[list["Rendition"]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="Rendition.bandwidth")


class Rendition(db.Model):
    """One HLS variant of an asset: a video rung (240p, 360p, ...) or the audio-only variant."""

    __tablename__ = "media_renditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"), index=True)
    #: Variant name and directory: "240p", "720p", "audio".
    name: Mapped[str] = mapped_column(String(20))
    #: Pixel size; NULL for the audio-only variant.
    height: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    #: Peak bits per second as announced in the master playlist.
    bandwidth: Mapped[int] = mapped_column(Integer)
    #: Object key of the variant playlist (assets/<id>/hls/<name>/index.m3u8).
    playlist_key: Mapped[str] = mapped_column(String(1024))

    asset: Mapped[MediaAsset] = relationship(back_populates="renditions")


class MediaUpload(db.Model):
    """A direct (presigned) upload in flight: the client PUTs the bytes, then calls complete."""

    __tablename__ = "media_uploads"

    #: Random opaque id (hex); it appears in URLs, so it must not be guessable.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: What the client announced; complete() checks the stored object against it.
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    #: Where the client's bytes land before they are checked: uploads/<id>/data.
    staging_key: Mapped[str] = mapped_column(String(1024))
    #: The asset made by complete(); completing again returns it.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
