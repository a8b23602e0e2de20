"""MinIO / S3 storage through the ``minio`` client — the only module importing ``minio``."""
from __future__ import annotations

import os
import threading
from xml.etree import ElementTree
from xml.sax.saxutils import escape
from contextlib import contextmanager
from typing import BinaryIO, Iterator

import certifi
import urllib3
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import md5sum_hash

from .base import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectNotFound,
    RangeNotSatisfiable,
    Storage,
    StorageError,
    check_expiry,
    check_range,
    validate_key,
    validate_prefix,
)

#: Multipart part size. Each in-flight part is buffered in memory by the
#: client, so this bounds memory per upload (times its 3 upload threads)
#: while keeping a 2 GB upload well under S3's 10,000-part limit.
DEFAULT_PART_SIZE = 8 * 1024 * 1024

_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchBucket", "ResourceNotFound", "NoSuchVersion"}
_TRANSIENT_CODES = {
    "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed",
    "OperationAborted", "XMinioServerNotInitialized", "XMinioStorageFull",
}


class MinioStorage(Storage):
    """Objects in one S3 bucket; presigned URLs for direct download and upload.

    ``public_endpoint`` (optional) is the host browsers use when it differs
    from the one the server reaches (``minio:9000`` inside docker vs
    ``media.example.edu.vn``); presigned URLs are signed for that host.
    The bucket is created on first write, not at construction, so the app can
    start while MinIO is still booting.
    """

    name = "minio"

    def __init__(
        self,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        public_secure: bool | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        retries: int = 3,
    ):
        # The client's defaults (5 min connect timeout, 5 retries) would hang a
        # web request for minutes when MinIO is down; fail fast as transient.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=16,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(total=retries, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        # A fixed region spares a GetBucketLocation round trip and lets
        # presigning work offline.
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                            region=region, http_client=http)
        self._presigner = self.client
        if public_endpoint:
            self._presigner = Minio(
                public_endpoint, access_key=access_key, secret_key=secret_key,
                secure=secure if public_secure is None else public_secure, region=region,
            )
        self.bucket = bucket
        self.part_size = part_size
        self._bucket_ready = False
        self._bucket_lock = threading.Lock()

    # -- helpers -----------------------------------------------------------
    @contextmanager
    def _errors(self, key: str | None = None):
        """Translate client exceptions into the port's error types."""
        try:
            yield
        except S3Error as exc:
            if exc.code in _NOT_FOUND_CODES and key is not None:
                raise ObjectNotFound(key) from exc
            transient = exc.code in _TRANSIENT_CODES or exc.response.status >= 500
            raise StorageError(f"S3 error {exc.code}: {exc.message}", transient=transient) from exc
        except (ServerError, InvalidResponseError) as exc:
            raise StorageError(f"S3 server error: {exc}", transient=True) from exc
        except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
            raise StorageError(f"S3 unreachable: {exc}", transient=True) from exc

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet (idempotent, race-safe)."""
        if self._bucket_ready:
            return
        with self._bucket_lock, self._errors():
            if not self._bucket_ready:
                if not self.client.bucket_exists(self.bucket):
                    try:
                        self.client.make_bucket(self.bucket)
                    except S3Error as exc:
                        # Another worker created it between our check and make.
                        if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                            raise
                self._bucket_ready = True

    def check(self) -> None:
        """One HEAD on the bucket: reachable, credentials accepted, bucket present."""
        with self._errors():
            if not self.client.bucket_exists(self.bucket):
                raise StorageError(f"bucket {self.bucket} does not exist (run: flask storage init)")

    def prepare_for_browsers(self, origins) -> list[str]:
        """Create the bucket and set CORS rules so pages served from ``origins`` can play and fetch media.

        GET/HEAD with a ``Range`` header (hls.js requests segments by XHR, video seeks by range) exposing
        Content-Length/Content-Range/ETag; PUT with Content-Type for presigned direct uploads. The minio
        client has no CORS call, so the request is signed by its generic executor. MinIO servers refuse
        bucket CORS (their CORS is the server setting ``MINIO_API_CORS_ALLOW_ORIGIN``); that is reported,
        not raised.
        """
        self.ensure_bucket()
        if not origins:
            raise ValueError("no origin given: set APP_ORIGINS or pass --origin https://your.site")
        body = cors_xml(origins).encode("utf-8")
        try:
            with self._errors():
                self.client._execute("PUT", self.bucket, body=body, query_params={"cors": ""},
                                     headers={"Content-MD5": md5sum_hash(body)})
        except StorageError as exc:
            cause = exc.__cause__
            if isinstance(cause, S3Error) and cause.code in ("NotImplemented", "MalformedXML", "XMinioNotImplemented"):
                return [f"bucket {self.bucket} ready; this server does not take bucket CORS rules ({cause.code}). "
                        f"On MinIO set MINIO_API_CORS_ALLOW_ORIGIN={','.join(origins)} on the server instead."]
            raise
        return [f"bucket {self.bucket} ready; CORS allows GET/HEAD (Range) and PUT from {', '.join(origins)}"]

    def cors_rules(self) -> list[dict]:
        """The bucket's CORS rules as ``[{origins, methods, headers, expose}]`` (empty when none are set)."""
        try:
            with self._errors():
                response = self.client._execute("GET", self.bucket, query_params={"cors": ""})
        except StorageError as exc:
            if isinstance(exc.__cause__, S3Error) and exc.__cause__.code == "NoSuchCORSConfiguration":
                return []
            raise
        root = ElementTree.fromstring(response.data)
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""

        def texts(rule, name):
            return [el.text for el in rule.findall(ns + name)]

        return [{"origins": texts(r, "AllowedOrigin"), "methods": texts(r, "AllowedMethod"),
                 "headers": texts(r, "AllowedHeader"), "expose": texts(r, "ExposeHeader")}
                for r in root.findall(ns + "CORSRule")]

    # -- writes ------------------------------------------------------------
    def put_file(self, key, path: str | os.PathLike, content_type):
        validate_key(key)
        self.ensure_bucket()
        with self._errors(key):
            result = self.client.fput_object(
                self.bucket, key, os.fspath(path), content_type=content_type, part_size=self.part_size,
            )
        return ObjectInfo(size=os.path.getsize(path), etag=_clean_etag(result.etag), content_type=content_type)

    def put_stream(self, key, stream: BinaryIO, length, content_type):
        validate_key(key)
        self.ensure_bucket()
        counter = _CountingReader(stream)
        try:
            with self._errors(key):
                result = self.client.put_object(
                    self.bucket, key, counter, length=-1 if length is None else length,
                    content_type=content_type, part_size=self.part_size,
                )
        except IOError as exc:
            if isinstance(exc, StorageError):
                raise
            # minio raises a bare IOError when the stream is shorter than ``length``.
            raise StorageError(f"upload of {key} failed: {exc}") from exc
        return ObjectInfo(size=counter.count, etag=_clean_etag(result.etag), content_type=content_type)

    # -- reads -------------------------------------------------------------
    def stat(self, key):
        validate_key(key)
        with self._errors(key):
            obj = self.client.stat_object(self.bucket, key)
        return ObjectInfo(
            size=obj.size, etag=_clean_etag(obj.etag),
            content_type=obj.content_type or "application/octet-stream",
        )

    def open_range(self, key, start=0, end=None):
        check_range(start, end)
        validate_key(key)
        length = 0 if end is None else end - start + 1
        try:
            with self._errors(key):
                response = self.client.get_object(self.bucket, key, offset=start, length=length)
        except StorageError as exc:
            cause = exc.__cause__
            if isinstance(cause, S3Error) and cause.code == "InvalidRange":
                raise RangeNotSatisfiable(key, start, self.stat(key).size) from cause
            raise
        return self._iter_response(key, response)

    def _iter_response(self, key: str, response) -> Iterator[bytes]:
        try:
            with self._errors(key):
                yield from response.stream(CHUNK_SIZE)
        finally:
            response.close()
            response.release_conn()

    def get_to_file(self, key, path):
        validate_key(key)
        with self._errors(key):
            self.client.fget_object(self.bucket, key, os.fspath(path))

    def list(self, prefix=""):
        validate_prefix(prefix)
        try:
            with self._errors(prefix):
                return sorted(o.object_name for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True))
        except ObjectNotFound:
            return []  # the bucket does not exist yet, so it holds nothing

    # -- deletes -----------------------------------------------------------
    def delete(self, key):
        validate_key(key)
        try:
            with self._errors(key):
                self.client.remove_object(self.bucket, key)
        except ObjectNotFound:
            pass

    def delete_prefix(self, prefix):
        if not prefix:
            raise ValueError("refusing to delete with an empty prefix")
        keys = self.list(prefix)
        if not keys:
            return 0
        with self._errors(prefix):
            # One multi-object DELETE per 1000 keys instead of a request per segment.
            errors = list(self.client.remove_objects(self.bucket, (DeleteObject(k) for k in keys)))
        if errors:
            raise StorageError(f"could not delete {len(errors)} objects under {prefix}: {errors[0].message}")
        return len(keys)

    # -- presigning --------------------------------------------------------
    def presigned_get(self, key, expires, content_disposition=None):
        validate_key(key)
        check_expiry(expires)
        headers = {"response-content-disposition": content_disposition} if content_disposition else None
        with self._errors(key):
            return self._presigner.presigned_get_object(self.bucket, key, expires=expires, response_headers=headers)

    def presigned_put(self, key, expires):
        validate_key(key)
        check_expiry(expires)
        self.ensure_bucket()
        with self._errors(key):
            return self._presigner.presigned_put_object(self.bucket, key, expires=expires)


def cors_xml(origins) -> str:
    """The S3 CORS configuration document for the app's ``origins``."""
    allowed = "".join(f"<AllowedOrigin>{escape(o)}</AllowedOrigin>" for o in origins)
    expose = "".join(f"<ExposeHeader>{h}</ExposeHeader>"
                     for h in ("Content-Length", "Content-Range", "Content-Type", "ETag", "Accept-Ranges"))
    return ('<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<CORSRule>{allowed}<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>"
            f"<AllowedHeader>Range</AllowedHeader>{expose}<MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule>"
            f"<CORSRule>{allowed}<AllowedMethod>PUT</AllowedMethod><AllowedHeader>Content-Type</AllowedHeader>"
            f"<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule>"
            "</CORSConfiguration>")


class _CountingReader:
    """Wraps a stream to learn its length when it was not announced."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data


def _clean_etag(etag: str | None) -> str:
    return (etag or "").strip('"')
