"""One contract, every backend: filesystem, MinIO client against moto and against radosgw (which checks
signatures), and memory."""
import hashlib
import io
import os
import urllib.request
from datetime import timedelta

import pytest

from lms.core.downloads import content_disposition
from media.storage import FilesystemStorage, MemoryStorage, ObjectNotFound, RangeNotSatisfiable, StorageError
from media.storage.base import InvalidKey
from media.storage.minio_backend import DEFAULT_PART_SIZE

MiB = 1024 * 1024


@pytest.fixture(params=["filesystem", "minio", "radosgw", "memory"])
def storage(request, tmp_path):
    if request.param == "filesystem":
        return FilesystemStorage(tmp_path / "objects")
    if request.param == "minio":
        return request.getfixturevalue("minio_storage")
    if request.param == "radosgw":
        return request.getfixturevalue("radosgw_storage")
    return MemoryStorage()


class PatternStream:
    """``size`` pseudo-random bytes produced on demand (never held in full)."""

    def __init__(self, size: int):
        self.remaining = size
        self.digest = hashlib.sha256()
        self.largest_read = 0
        self._block = os.urandom(64 * 1024)

    def read(self, n=-1):
        if n is None or n < 0:
            raise AssertionError("backend asked for the whole stream at once")
        self.largest_read = max(self.largest_read, n)
        n = min(n, self.remaining)
        data = (self._block * (n // len(self._block) + 1))[:n]
        # Rotate so consecutive reads differ and a misplaced part would be noticed.
        self._block = self._block[7:] + self._block[:7]
        self.remaining -= n
        self.digest.update(data)
        return data


def iter_bytes(storage, key, start=0, end=None):
    return b"".join(storage.open_range(key, start, end))


def test_put_file_then_stat_and_read(storage, tmp_path):
    src = tmp_path / "clip.bin"
    data = os.urandom(300_000)
    src.write_bytes(data)
    info = storage.put_file("assets/1/original.mp4", src, "video/mp4")
    assert info.size == len(data)
    stat = storage.stat("assets/1/original.mp4")
    assert (stat.size, stat.content_type) == (len(data), "video/mp4")
    assert stat.etag == info.etag and stat.etag
    assert iter_bytes(storage, "assets/1/original.mp4") == data
    assert storage.exists("assets/1/original.mp4")


def test_overwrite_changes_etag(storage):
    first = storage.put_bytes("k/a.txt", b"one", "text/plain")
    second = storage.put_bytes("k/a.txt", b"two!", "text/plain")
    assert first.etag != second.etag
    assert storage.get_bytes("k/a.txt") == b"two!"


def test_range_reads(storage):
    data = bytes(range(256)) * 1000
    storage.put_bytes("r/data.bin", data, "application/octet-stream")
    assert iter_bytes(storage, "r/data.bin", 0, 0) == data[:1]
    assert iter_bytes(storage, "r/data.bin", 100, 199) == data[100:200]
    assert iter_bytes(storage, "r/data.bin", 255_000) == data[255_000:]
    # An end past the object is clamped, as HTTP Range does.
    assert iter_bytes(storage, "r/data.bin", 255_990, 10**9) == data[255_990:]
    with pytest.raises(RangeNotSatisfiable):
        storage.open_range("r/data.bin", len(data))
    with pytest.raises(ValueError):
        storage.open_range("r/data.bin", 10, 5)


def test_missing_object_errors_are_eager(storage):
    with pytest.raises(ObjectNotFound):
        storage.open_range("nope/missing.bin", 0)  # raised before iteration starts
    with pytest.raises(ObjectNotFound):
        storage.stat("nope/missing.bin")
    assert not storage.exists("nope/missing.bin")
    storage.delete("nope/missing.bin")  # deleting nothing is fine


def test_multipart_stream_of_unknown_length(storage):
    size = 12 * MiB + 12345
    stream = PatternStream(size)
    info = storage.put_stream("big/upload.bin", stream, None, "video/mp4")
    assert info.size == size
    stat = storage.stat("big/upload.bin")
    assert stat.size == size
    digest = hashlib.sha256()
    for chunk in storage.open_range("big/upload.bin", 0):
        digest.update(chunk)
    assert digest.hexdigest() == stream.digest.hexdigest()
    # Bounded reads: the object was never requested from the stream in one go.
    assert stream.largest_read <= DEFAULT_PART_SIZE + 1 < size
    if storage.name == "minio":
        assert stat.etag.endswith("-2")  # S3 multipart ETag: two 8 MiB-bounded parts


def test_stream_shorter_than_announced_length_fails(storage):
    with pytest.raises(StorageError):
        storage.put_stream("short/x.bin", io.BytesIO(b"abc"), 10, "application/octet-stream")
    assert not storage.exists("short/x.bin")


def test_list_and_delete_prefix(storage):
    for key in ("assets/7/original.mp4", "assets/7/hls/240p/seg_00000.ts", "assets/7/hls/master.m3u8",
                "assets/70/original.mp4", "assets/8/original.mp4"):
        storage.put_bytes(key, b"x", "application/octet-stream")
    assert storage.list("assets/7/") == [
        "assets/7/hls/240p/seg_00000.ts", "assets/7/hls/master.m3u8", "assets/7/original.mp4"]
    assert storage.list("assets/7") == storage.list("assets/7/") + ["assets/70/original.mp4"]
    assert storage.delete_prefix("assets/7/") == 3
    assert storage.list("assets/") == ["assets/70/original.mp4", "assets/8/original.mp4"]
    with pytest.raises(ValueError):
        storage.delete_prefix("")


def test_get_to_file(storage, tmp_path):
    storage.put_bytes("dl/x.bin", b"hello", "application/octet-stream")
    target = tmp_path / "x.bin"
    storage.get_to_file("dl/x.bin", target)
    assert target.read_bytes() == b"hello"
    with pytest.raises(ObjectNotFound):
        storage.get_to_file("dl/missing.bin", tmp_path / "y.bin")


def test_put_tree_publishes_hls_directory(storage, tmp_path):
    (tmp_path / "hls" / "240p").mkdir(parents=True)
    (tmp_path / "hls" / "master.m3u8").write_text("#EXTM3U\n")
    (tmp_path / "hls" / "240p" / "seg_00000.ts").write_bytes(b"\x47" * 188)
    keys = storage.put_tree("assets/9/hls/", tmp_path / "hls")
    assert keys == ["assets/9/hls/240p/seg_00000.ts", "assets/9/hls/master.m3u8"]
    assert storage.stat("assets/9/hls/master.m3u8").content_type == "application/vnd.apple.mpegurl"
    assert storage.stat("assets/9/hls/240p/seg_00000.ts").content_type == "video/mp2t"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/key", "a//b", "a/./b", "a/../../b", "a\\b", "",
                                 "tên tệp.mp4", "a/\x00b"])
def test_bad_keys_are_rejected(storage, key):
    with pytest.raises(InvalidKey):
        storage.put_bytes(key, b"x", "text/plain")


def test_presigning(storage):
    storage.put_bytes("p/lesson.txt", b"xin chao", "text/plain")
    url = storage.presigned_get("p/lesson.txt", timedelta(minutes=5),
                                content_disposition=content_disposition("Bài giảng số 1.txt"))
    if storage.name != "minio":
        assert url is None  # the app signs its own URLs for these backends
        assert storage.presigned_put("p/up.bin", timedelta(minutes=5)) is None
        return
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"xin chao"
        disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''B%C3%A0i%20gi%E1%BA%A3ng%20s%E1%BB%91%201.txt" in disposition
    put_url = storage.presigned_put("p/direct.bin", timedelta(minutes=5))
    request = urllib.request.Request(put_url, data=b"uploaded directly", method="PUT",
                                     headers={"Content-Type": "application/octet-stream"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    assert storage.get_bytes("p/direct.bin") == b"uploaded directly"


def test_presign_lifetime_is_bounded(storage):
    with pytest.raises(ValueError):
        storage.presigned_get("p/x", timedelta(days=8))
