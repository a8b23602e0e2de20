"""PDF e-textbooks: what processing makes for the in-browser reader and for search, and how the reader gets it.

When a PDF is processed, three things are made besides its thumbnail, each optional (a server without qpdf
still serves the original; a scanned PDF has no text):

- the reader's copy, ``assets/<id>/reader/document.pdf``: the PDF rewritten with object streams (see
  ``media.processing.pdfs``), which the reader fetches by range requests, a page at a time;
- the page count (``MediaAsset.pages``): the last page completes the document for a student;
- the opening ``TEXT_MAX_CHARS`` characters of its text, ``assets/<id>/reader/text.txt``: search indexes the
  lectures using the PDF by what it says.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile

from sqlalchemy import select

from lms.core.db import db

from .models import MediaAsset
from .processing import DocumentUnreadable, ProcessingError, ToolMissing, extract_text, page_count, reader_copy
from .signals import media_ready
from .storage import ObjectNotFound, Storage, StorageError, asset_prefix
from .urls import object_url

log = logging.getLogger(__name__)

#: How long the reader's PDF URL works: a long reading session; reopening the reader gets a fresh one.
READER_TTL_S = 4 * 3600


def reader_key(asset_id: int) -> str:
    """Object key of the copy the reader loads (object streams: the page tree in one or two ranges)."""
    return asset_prefix(asset_id) + "reader/document.pdf"


def text_key(asset_id: int) -> str:
    """Object key of the PDF's extracted text (UTF-8)."""
    return asset_prefix(asset_id) + "reader/text.txt"


def prepare(asset: MediaAsset, storage: Storage, src: str, work: str) -> None:
    """Make the reader copy, page count and text of the PDF at ``src`` (the processing job's local copy).

    Missing tools and PDFs qpdf or pdftotext cannot read leave that part out (logged): the PDF stays readable
    and downloadable. Transient tool failures (ToolFailed) and storage errors propagate, so the job retries.
    """
    # A re-run replaces what an earlier run made; a part that fails now must not leave a stale copy behind.
    storage.delete_prefix(asset_prefix(asset.id) + "reader/")
    try:
        asset.pages = page_count(src)
    except (ToolMissing, DocumentUnreadable) as exc:
        log.warning("PDF %s: no page count: %s", asset.id, exc)
        asset.pages = None
    copy = os.path.join(work, "reader.pdf")
    try:
        reader_copy(src, copy)
        storage.put_file(reader_key(asset.id), copy, "application/pdf")
    except (ToolMissing, DocumentUnreadable) as exc:
        log.warning("PDF %s: no reader copy, the reader loads the original: %s", asset.id, exc)
    try:
        text = extract_text(src, work)
    except (ToolMissing, DocumentUnreadable) as exc:
        log.warning("PDF %s: no text for search: %s", asset.id, exc)
        text = ""
    if text:
        storage.put_bytes(text_key(asset.id), text.encode("utf-8"), "text/plain; charset=utf-8")


def reader_source(asset: MediaAsset, storage: Storage) -> str:
    """The key the reader loads: the reader copy when there is one, else the original."""
    try:
        storage.stat(reader_key(asset.id))
        return reader_key(asset.id)
    except ObjectNotFound:
        return asset.object_key


def reader_url(asset: MediaAsset, storage: Storage) -> str:
    """A short-lived signed URL of the reader's PDF, answering HTTP range requests (206)."""
    return object_url(storage, asset.id, reader_source(asset, storage), READER_TTL_S)


def document_text(asset: MediaAsset, storage: Storage) -> str:
    """The PDF's extracted text, or "" (not processed yet, scanned, or storage unreachable: search then
    indexes the lecture without it and the next re-index adds it)."""
    try:
        return storage.get_bytes(text_key(asset.id)).decode("utf-8", "replace")
    except ObjectNotFound:
        return ""
    except StorageError as exc:
        log.warning("PDF %s: text unavailable for search: %s", asset.id, exc)
        return ""


def reprocess_all(storage: Storage, tmp_root: str) -> dict:
    """Make the reader copy, page count and text of every ready PDF (those processed before the reader
    existed) and send ``media_ready`` for each, so the lectures using it are re-indexed with its text.
    Returns ``{"done": n, "failed": m}``; flushes per PDF, the caller commits."""
    counts = {"done": 0, "failed": 0}
    ids = db.session.scalars(select(MediaAsset.id).where(
        MediaAsset.kind == "pdf", MediaAsset.status == "ready", MediaAsset.object_key.is_not(None))
        .order_by(MediaAsset.id)).all()
    for asset_id in ids:
        asset = db.session.get(MediaAsset, asset_id)
        work = tempfile.mkdtemp(prefix=f"reader-{asset_id}-", dir=tmp_root)
        try:
            src = os.path.join(work, "source.pdf")
            storage.get_to_file(asset.object_key, src)
            prepare(asset, storage, src, work)
            db.session.flush()
            media_ready.send(asset_id)
            counts["done"] += 1
        except (ProcessingError, StorageError) as exc:
            # One bad PDF must not stop the others; it keeps what it had and is counted.
            log.warning("PDF %s: reprocessing failed: %s", asset_id, exc)
            counts["failed"] += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return counts
