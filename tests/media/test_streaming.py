"""spool_upload() hashes while copying and enforces the size limit."""
import hashlib
import io
import os

import pytest

from media.streaming import CHUNK_SIZE, UploadTooLarge, spool_upload


class TrackingStream(io.BytesIO):
    """Records the largest read so we know the body is never slurped."""

    def __init__(self, data):
        super().__init__(data)
        self.largest_read = 0
        self.total_read = 0

    def read(self, size=-1):
        self.largest_read = max(self.largest_read, size if size >= 0 else 1 << 62)
        chunk = super().read(size)
        self.total_read += len(chunk)
        return chunk


def test_spool_returns_size_and_sha256(tmp_path):
    data = os.urandom(3 * CHUNK_SIZE + 123)
    stream = TrackingStream(data)
    spooled = spool_upload(stream, max_bytes=10 * CHUNK_SIZE, tmp_dir=tmp_path)
    assert spooled.size == len(data)
    assert spooled.sha256 == hashlib.sha256(data).hexdigest()
    with open(spooled.path, "rb") as f:
        assert f.read() == data
    assert stream.largest_read <= CHUNK_SIZE


def test_exactly_the_limit_is_accepted(tmp_path):
    spooled = spool_upload(io.BytesIO(b"x" * 1000), max_bytes=1000, tmp_dir=tmp_path)
    assert spooled.size == 1000


def test_over_limit_raises_early_and_leaves_no_file(tmp_path):
    stream = TrackingStream(os.urandom(5 * CHUNK_SIZE))
    with pytest.raises(UploadTooLarge) as excinfo:
        spool_upload(stream, max_bytes=CHUNK_SIZE + 10, tmp_dir=tmp_path)
    assert excinfo.value.limit == CHUNK_SIZE + 10
    assert list(tmp_path.iterdir()) == []
    # It stopped right after crossing the limit instead of draining the body.
    assert stream.total_read <= 2 * CHUNK_SIZE


def test_client_disconnect_removes_partial_file(tmp_path):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell() >= CHUNK_SIZE:
                raise ConnectionResetError("client went away")
            return super().read(size)

    with pytest.raises(ConnectionResetError):
        spool_upload(Broken(os.urandom(3 * CHUNK_SIZE)), max_bytes=10 * CHUNK_SIZE, tmp_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
