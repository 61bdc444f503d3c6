"""Real full and read-only disks for the tests: small tmpfs mounts in a private mount
namespace.

The namespace is held by a sleeping child started with ``unshare --mount --propagation
private`` (util-linux): what is mounted in it (``nsenter --target PID --mount``) is seen by
the commands run in it (``run``) and by nobody else, and goes away with it. The test reads
and writes the namespace's files through ``/proc/PID/root`` (``seen``).

Mounting needs root; ``PrivateMounts.start`` skips the test with the reason otherwise, or
fails it under ``REACH_REQUIRE_SERVICES=1`` (CI runs as root).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

from .processes import poll
from .services import ServiceUnavailable, services_required

_CHUNK = 64 * 1024


class PrivateMounts:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateMounts:
        with services_required():
            _check_can_mount()
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sleep", "infinity"],
            stdin=subprocess.DEVNULL,
        )
        ours = os.readlink("/proc/self/ns/mnt")
        poll(
            "the private mount namespace",
            lambda: self._namespace() not in (None, ours),
            timeout_s=30,
            every_s=0.01,
        )
        return self

    def _namespace(self) -> str | None:
        try:
            return os.readlink(f"/proc/{self.proc.pid}/ns/mnt")
        except OSError:
            return None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def __enter__(self) -> PrivateMounts:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ------------------------------------------------------------------ in the namespace

    def command(self, argv: list[str], cwd: Path | None = None) -> list[str]:
        """``argv`` run in the namespace (in ``cwd``, a path as the namespace sees it: not
        nsenter's ``--wd``, which opens the folder before it enters the namespace)."""
        wd = ["env", f"--chdir={cwd}"] if cwd is not None else []
        return ["nsenter", f"--target={self.proc.pid}", "--mount", "--", *wd, *argv]

    def run(self, argv: list[str], cwd: Path | None = None, **options):
        return subprocess.run(self.command(argv, cwd), **{"check": True, **options})

    def tmpfs(self, folder: Path, size: str, *, read_only: bool = False) -> None:
        """Mount a tmpfs of ``size`` (``1m``) on ``folder`` (it must exist)."""
        flags = f"size={size}" + (",ro" if read_only else "")
        self.run(["mount", "-t", "tmpfs", "-o", flags, "tmpfs", str(folder)])

    def remount(self, folder: Path, *, read_only: bool) -> None:
        self.run(["mount", "-o", "remount," + ("ro" if read_only else "rw"), str(folder)])

    def seen(self, path: Path) -> Path:
        """``path`` as the namespace sees it, from this process."""
        return Path(f"/proc/{self.proc.pid}/root") / Path(path).absolute().relative_to("/")

    def fill(self, folder: Path, leave_bytes: int = 0) -> Path:
        """Fill the file system of ``folder`` with one file of zeros, then give
        ``leave_bytes`` back (rounded down to pages by the file system)."""
        filler = self.seen(folder) / "filler"
        with open(filler, "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(bytes(_CHUNK))
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
            fh.truncate(max(0, fh.tell() - leave_bytes))
        return filler


def _check_can_mount() -> None:
    missing = [tool for tool in ("unshare", "nsenter", "mount") if shutil.which(tool) is None]
    if missing:
        raise ServiceUnavailable(f"util-linux's {', '.join(missing)} not found")
    if os.geteuid() != 0:
        raise ServiceUnavailable(
            "tmpfs mounts in a private mount namespace need root (CI runs these tests as root)"
        )
