"""Upload a product to S3, verified and idempotent (the legacy ``--upload-to-s3`` stage).

Takes any boto3 S3 client, so the Dagster layer hands it the one dagster-aws makes.
Errors are sorted into transient (retry later: connection refused, 5xx, throttling)
and permanent (fix something first: no such bucket, access denied), each with a message
that says what to do. No credential ever appears in a message.

``RunUploader`` sends the files of one run (a ranged Dagster run, or every day of one
command-line invocation): once an upload has found the endpoint unreachable after all its
retries, the run's later uploads are not tried (``UploadNotTried``), so an outage costs
one day's retries, not every day's.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

logger = logging.getLogger(__name__)

MULTIPART_THRESHOLD = 64 * 1024 * 1024
MD5_METADATA_KEY = "md5"

_PERMANENT_HINTS = {
    "NoSuchBucket": "the bucket does not exist: create it or fix REACH_S3_BUCKET",
    "AccessDenied": "access denied: check the credentials (AWS_ACCESS_KEY_ID or the AWS "
    "profile) and the bucket policy",
    "InvalidAccessKeyId": "the access key id is not known to the server: fix "
    "AWS_ACCESS_KEY_ID or the AWS profile",
    "SignatureDoesNotMatch": "the secret key does not match the access key id: fix "
    "AWS_SECRET_ACCESS_KEY or the AWS profile",
    "InvalidBucketName": "the bucket name is not valid: fix REACH_S3_BUCKET",
    "AllAccessDisabled": "all access to the bucket is disabled",
}
_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
}


class UploadError(RuntimeError):
    """An upload that failed; ``transient`` says whether retrying later can help,
    ``unreachable`` that the endpoint did not answer at all (no connection, no reply)."""

    def __init__(
        self, message: str, *, error_type: str, transient: bool, unreachable: bool = False
    ):
        self.error_type = error_type
        self.transient = transient
        self.unreachable = unreachable
        super().__init__(message)


class UploadNotTried(UploadError):
    """Not tried: the endpoint was found unreachable earlier in the same run. The day is
    left UPLOAD_PENDING, so a plain rerun uploads it."""


@dataclass(frozen=True)
class UploadResult:
    bucket: str
    key: str
    size_bytes: int
    md5: str
    upload_seconds: float
    skipped_existing: bool
    multipart: bool

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def as_dict(self) -> dict:
        return asdict(self)


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def upload_file(
    client, path: Path, bucket: str, key: str, *, multipart_threshold: int = MULTIPART_THRESHOLD
) -> UploadResult:
    """Upload ``path`` to ``s3://bucket/key`` unless the same content is already there."""
    path = Path(path)
    started = time.perf_counter()
    size = path.stat().st_size
    md5 = file_md5(path)
    where = f"s3://{bucket}/{key}"
    try:
        _require_bucket(client, bucket)
        if _matches(_head(client, bucket, key), size, md5):
            return UploadResult(bucket, key, size, md5, _since(started), True, False)
        multipart = size >= multipart_threshold
        if multipart:
            client.upload_file(
                str(path),
                bucket,
                key,
                ExtraArgs={"Metadata": {MD5_METADATA_KEY: md5}},
                Config=TransferConfig(multipart_threshold=multipart_threshold),
            )
        else:
            with open(path, "rb") as body:
                client.put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=body,
                    ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode(),
                    Metadata={MD5_METADATA_KEY: md5},
                )
        head = _head(client, bucket, key)
    except ClientError as exc:
        raise _client_error(exc, where) from exc
    except (
        EndpointConnectionError,
        ConnectionClosedError,
        ConnectTimeoutError,
        ReadTimeoutError,
    ) as exc:
        raise UploadError(
            f"cannot reach the S3 endpoint for {where}: {exc}",
            error_type=type(exc).__name__,
            transient=True,
            unreachable=True,
        ) from exc
    except BotoCoreError as exc:
        raise UploadError(
            f"upload of {where} failed: {exc}", error_type=type(exc).__name__, transient=False
        ) from exc
    if head is None or not _matches(head, size, md5):
        got = "nothing" if head is None else f"{head.get('ContentLength')} bytes"
        raise UploadError(
            f"verification of {where} failed: expected {size} bytes with MD5 {md5}, found {got}",
            error_type="UploadVerificationError",
            transient=True,
        )
    return UploadResult(bucket, key, size, md5, _since(started), False, multipart)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _require_bucket(client, bucket: str) -> None:
    """Fail on a missing bucket instead of letting a store create it on the first write."""
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            exc.response["Error"]["Code"] = "NoSuchBucket"
        raise


def _head(client, bucket: str, key: str) -> dict | None:
    try:
        return client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _matches(head: dict | None, size: int, md5: str) -> bool:
    """Same size, and the MD5 in its ETag (single part) or in its metadata (multipart)."""
    if head is None or head.get("ContentLength") != size:
        return False
    etag = str(head.get("ETag", "")).strip('"')
    if "-" not in etag and etag:
        return etag == md5
    return head.get("Metadata", {}).get(MD5_METADATA_KEY) == md5


def _client_error(exc: ClientError, where: str) -> UploadError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    if code in ("403", "Forbidden"):
        code = "AccessDenied"
    if code in _PERMANENT_HINTS:
        return UploadError(
            f"upload of {where} refused ({code}): {_PERMANENT_HINTS[code]}",
            error_type=code,
            transient=False,
        )
    transient = code in _TRANSIENT_CODES or status >= 500
    return UploadError(
        f"upload of {where} failed ({code}, HTTP {status}): {error.get('Message', '')}".rstrip(),
        error_type=code,
        transient=transient,
    )


def upload_with_retries(
    client,
    path: Path,
    bucket: str,
    key: str,
    *,
    attempts: int = 5,
    first_delay_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] = logger.warning,
) -> UploadResult:
    """``upload_file``, tried again after a transient error (2, 4, 8, 16 s between tries);
    a permanent error, or the last transient one, is raised. ``on_retry`` hears of each
    try that will be repeated."""
    delay = first_delay_s
    for attempt in range(1, attempts + 1):
        try:
            return upload_file(client, path, bucket, key)
        except UploadError as exc:
            if not exc.transient or attempt == attempts:
                raise
            on_retry(f"{exc} (try {attempt} of {attempts}; again in {delay:g} s)")
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


_UNREACHABLE: dict[tuple[str, str], UploadError] = {}
"""(run scope, endpoint) -> the error that found the endpoint unreachable in that run."""


class RunUploader:
    """``upload_with_retries`` for each file of one run, ``scope`` naming the run.

    After one upload has found the endpoint unreachable (its last retry included), every
    later call with the same scope and endpoint raises ``UploadNotTried`` at once, with
    that error's message. The scope outlives this object: the command line materializes
    its days one Dagster run at a time, each with its own uploader, under one scope.
    """

    def __init__(self, client, bucket: str, *, scope: str, **retry_options):
        self.client = client
        self.bucket = bucket
        self.scope = (scope, str(getattr(client.meta, "endpoint_url", "")))
        self.retry_options = retry_options

    def __call__(self, path: Path, key: str) -> UploadResult:
        known = _UNREACHABLE.get(self.scope)
        if known is not None:
            raise UploadNotTried(
                f"s3://{self.bucket}/{key} not tried, the endpoint was unreachable earlier "
                f"in this run: {known}",
                error_type=known.error_type,
                transient=True,
                unreachable=True,
            )
        try:
            return upload_with_retries(self.client, path, self.bucket, key, **self.retry_options)
        except UploadError as exc:
            if exc.unreachable:
                _UNREACHABLE[self.scope] = exc
            raise

    def remove(self, key: str) -> None:
        """Delete ``key`` (a day's replaced object) from the bucket."""
        self.client.delete_object(Bucket=self.bucket, Key=key)
