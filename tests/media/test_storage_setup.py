"""Keys, the factory, and backend-specific guarantees beyond the shared contract."""
import os
import time

import pytest

from media.storage import (
    FilesystemStorage, InvalidKey, MemoryStorage, StorageError, asset_prefix, make_storage,
    object_key,
)
from media.storage.minio_backend import MinioStorage

SHA = "ab" * 32


def test_object_key_is_built_from_id_and_hash_only():
    assert object_key(42, SHA, ".mp4") == f"assets/42/original-{SHA}.mp4"
    assert object_key("a1b2", SHA) == f"assets/a1b2/original-{SHA}"
    assert object_key(42, SHA, ".mp4").startswith(asset_prefix(42))


@pytest.mark.parametrize("asset_id, sha, suffix", [
    ("../x", SHA, ".mp4"), (42, "not-a-hash", ".mp4"), (42, SHA.upper(), ".mp4"),
    (42, SHA, "/../../etc"), (42, SHA, ".Bài giảng.mp4"),
])
def test_object_key_rejects_anything_user_shaped(asset_id, sha, suffix):
    with pytest.raises(InvalidKey):
        object_key(asset_id, sha, suffix)


def test_factory_defaults_to_filesystem_under_data_dir(tmp_path):
    storage = make_storage({"LMS_DATA_DIR": str(tmp_path)})
    assert isinstance(storage, FilesystemStorage)
    assert storage.root == (tmp_path / "objects").resolve()


def test_factory_picks_minio_when_endpoint_is_set():
    storage = make_storage({"S3_ENDPOINT": "minio:9000", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b",
                            "S3_BUCKET": "hoclieu", "S3_SECURE": "false"})
    assert isinstance(storage, MinioStorage) and storage.bucket == "hoclieu"


def test_factory_explicit_and_unknown_backends():
    assert isinstance(make_storage({"STORAGE_BACKEND": "memory"}), MemoryStorage)
    with pytest.raises(ValueError, match="unknown storage backend"):
        make_storage({"STORAGE_BACKEND": "ftp"})
    with pytest.raises(ValueError):
        make_storage({"S3_ENDPOINT": "minio:9000", "S3_ACCESS_KEY": "only-half"})


def test_presigned_urls_use_the_public_endpoint(moto_endpoint):
    storage = make_storage({"S3_ENDPOINT": moto_endpoint, "S3_ACCESS_KEY": "k", "S3_SECRET_KEY": "s",
                            "S3_PUBLIC_ENDPOINT": "media.truong.edu.vn", "S3_PUBLIC_SECURE": "1"})
    from datetime import timedelta
    assert storage.presigned_get("a/b.mp4", timedelta(minutes=1)).startswith("https://media.truong.edu.vn/")


def test_filesystem_write_leaves_no_temp_files_and_prunes_dirs(tmp_path):
    storage = FilesystemStorage(tmp_path)
    storage.put_bytes("assets/1/hls/a.ts", b"x", "video/mp2t")
    assert os.listdir(tmp_path / "tmp") == []
    storage.delete_prefix("assets/1/")
    assert os.listdir(tmp_path / "data") == [] and os.listdir(tmp_path / "meta") == []


def test_filesystem_failed_stream_keeps_previous_object(tmp_path):
    storage = FilesystemStorage(tmp_path)
    storage.put_bytes("k/v.bin", b"old", "application/octet-stream")

    class Dies:
        def read(self, n):
            raise ConnectionResetError

    with pytest.raises(ConnectionResetError):
        storage.put_stream("k/v.bin", Dies(), None, "application/octet-stream")
    assert storage.get_bytes("k/v.bin") == b"old"
    assert os.listdir(tmp_path / "tmp") == []


def test_filesystem_refuses_symlink_escape(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    storage = FilesystemStorage(tmp_path / "root")
    os.symlink(outside, tmp_path / "root" / "data" / "evil")
    with pytest.raises(InvalidKey):
        storage.put_bytes("evil/x.txt", b"x", "text/plain")
    assert list(outside.iterdir()) == []


def test_unreachable_minio_is_a_transient_error():
    import socket

    with socket.socket() as sock:  # bound but never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        storage = MinioStorage(f"127.0.0.1:{port}", "k", "s", "lms-media")
        started = time.monotonic()
        with pytest.raises(StorageError) as excinfo:
            storage.stat("a/b.mp4")
    assert excinfo.value.transient is True
    assert time.monotonic() - started < 30
