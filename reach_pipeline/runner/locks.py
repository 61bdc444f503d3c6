"""One day, one process: a lock file per day next to the staging area, never left behind.

Whoever processes or uploads a day takes its lock first, without waiting (``try_lock``);
``None`` means another process holds it, and the caller skips the day.

The lock is ``flock(LOCK_EX | LOCK_NB)`` on a file that lives only while it is held:

- take: open the path (creating it), flock the open file, then check that the path still
  names the inode just locked (``fstat`` of the descriptor against ``stat`` of the path). If
  it does not (the path is gone, or names a newer file), this process locked a file that
  its holder had already unlinked: close it and start over. Then record ``host pid``.
- release: unlink the path while still holding the lock, then close (which unlocks).

Why this is correct: a process holds the lock only on an inode that the path names. The
holder unlinks before it unlocks, so a process that was waiting on that inode, or that
opened it just before the unlink, can only lock it once it is unlinked, and then fails the
check. Two processes therefore never both pass the check while holding different inodes
under one path, and the kernel's flock makes one inode one holder.

Nothing stays after a run: the holder removes the file. A holder that dies without
releasing (SIGKILL, an OOM kill) loses its flock with its process, in the kernel; its file
stays, and the next process to take that day's lock locks that same file (the path still
names it), passes the check, and removes it when done. ``sweep`` removes the free lock files
of dead processes for days no one takes again. No one ever waits for a dead holder.

On NFS (several machines sharing the output folder): Linux turns ``flock`` on an NFS file
into a whole-file byte-range lock held by the server (NLM for NFSv3, the protocol's own
locks for NFSv4), so the lock holds across machines, unless the folder is mounted with
``local_lock=flock`` or ``local_lock=all`` (then each machine only sees its own locks: do not
share the output folder over such a mount). A holder whose machine dies keeps its lock
until the server reclaims it: after the lease (90 s by default) on NFSv4, once that machine
restarts (statd) on NFSv3. Unlinking a file that is still open on NFS renames it to
``.nfsXXXX`` until its last close (the "silly rename"); the identity check compares the
path with the descriptor, so it still sees that the path no longer names the locked file,
and the ``.nfs`` file goes at the close that follows. The recorded ``host pid`` lets
``sweep`` tell this machine's dead holders from other machines' live ones.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

LOCK_SUFFIX = ".lock"


class HeldLock:
    """A lock this process holds; ``release`` (or leaving the ``with`` block) frees it."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # before the unlock: see the module docstring
        except OSError:
            pass  # a read-only or failing disk: the free file is left to the sweep
        finally:
            fd, self.fd = self.fd, None
            os.close(fd)

    def __enter__(self) -> HeldLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def try_lock(path: Path) -> HeldLock | None:
    """Take the lock at ``path`` now, or return ``None`` if another process holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return None
            raise
        if _names(path, fd):
            try:
                _record_holder(fd)
            except BaseException:  # a full disk: the lock is not taken, nor left behind
                path.unlink(missing_ok=True)
                os.close(fd)
                raise
            return HeldLock(path, fd)
        os.close(fd)  # locked a file its holder had unlinked: try the path again


def holder(path: Path) -> str:
    """The ``host pid`` its holder recorded ("" if none can be read)."""
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def sweep(folder: Path, dead: Callable[[str, int], bool], max_age_s: float) -> list[Path]:
    """Remove the free lock files in ``folder`` left by dead holders.

    A file goes when its recorded holder is dead (``dead(host, pid)``, the staging sweep's
    rule) or when it is older than ``max_age_s``, and only by taking its lock: a held lock
    is never touched, and a file just created (no holder recorded yet) is left alone.
    """
    removed = []
    try:
        candidates = [p for p in Path(folder).iterdir() if p.name.endswith(LOCK_SUFFIX)]
    except FileNotFoundError:
        return removed
    now = time.time()
    for path in candidates:
        host, _, pid = holder(path).partition(" ")
        try:
            old = now - path.stat().st_mtime > max_age_s
        except FileNotFoundError:
            continue
        if not (old or (pid.isdigit() and dead(host, int(pid)))):
            continue
        lock = try_lock(path)
        if lock is not None:
            lock.release()
            removed.append(path)
    return removed


def _names(path: Path, fd: int) -> bool:
    try:
        on_path = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (on_path.st_dev, on_path.st_ino) == (held.st_dev, held.st_ino)


def _record_holder(fd: int) -> None:
    data = f"{socket.gethostname()} {os.getpid()}\n".encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
