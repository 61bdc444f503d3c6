"""The machine's faults told from the input's: by errno, in one function, and where."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from reach_pipeline.machine import MachineFault, fault_at, fault_in, os_fault
from reach_pipeline.processing import ReachInputError
from reach_pipeline.runner.processor import ProcessingFailed, read_result, run_request

PLACES = {
    "input_dir": Path("/data/in"),
    "output_dir": Path("/data/out"),
    "telemetry_path": Path("/data/in/download_telemetry.csv"),
}


def _wrapped(inner: BaseException) -> ReachInputError:
    """``inner`` as the cause of another error (as a library or a safety net wraps it)."""
    outer = ReachInputError("/data/in/x.csv", "unexpected")
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "writing", "error_type"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True, "DiskFull"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True, "DiskQuotaExceeded"),
        (OSError(errno.EROFS, "Read-only file system"), True, "ReadOnlyFileSystem"),
        (OSError(errno.EIO, "Input/output error"), False, "DiskIOError"),
        (PermissionError(errno.EACCES, "Permission denied"), True, "PermissionDenied"),
        (_wrapped(OSError(errno.ENOSPC, "No space left on device")), True, "DiskFull"),
        # not the machine's
        (PermissionError(errno.EACCES, "Permission denied"), False, None),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), True, None),
        (OSError(errno.EXDEV, "Invalid cross-device link"), True, None),
        (ReachInputError("/data/in/x.csv", "file is empty"), True, None),
        (ValueError("bad"), True, None),
    ],
)
def test_os_fault_by_errno(exc, writing, error_type):
    found = os_fault(exc, writing=writing)
    kind = None if found is None else MachineFault(found.errno, Path("/x"), "output_dir")
    assert (kind and kind.error_type) == error_type


def test_a_fault_says_what_happened_and_where():
    full = OSError(errno.ENOSPC, "x", "/data/out/.staging/a/b.cdf")
    fault = fault_at(full, "/data/out", "output_dir")
    assert str(fault) == "No space left on device: /data/out"
    assert fault.error_type == "DiskFull"
    assert fault.path == "/data/out/.staging/a/b.cdf"
    assert fault.cause() == "No space left on device: /data/out (--output-dir / REACH_OUTPUT_DIR)"
    assert fault.fix() == "free space, then run the same command again"
    assert fault_at(ValueError("no"), "/data/out", "output_dir") is None


@pytest.mark.parametrize(
    ("exc", "default", "where"),
    [
        # the place holding the file the error names; the most specific one
        (OSError(errno.ENOSPC, "x", "/data/out/l1c/a.cdf"), "telemetry_path", "/data/out"),
        (
            OSError(errno.EROFS, "x", "/data/in/download_telemetry.csv"),
            "output_dir",
            "/data/in/download_telemetry.csv",
        ),
        (OSError(errno.EIO, "x", "/data/in/REACH-ALL.csv"), "output_dir", "/data/in"),
        # no file named (a write on a file descriptor): the default place
        (OSError(errno.ENOSPC, "x"), "output_dir", "/data/out"),
        (OSError(errno.ENOSPC, "x", "/elsewhere/file"), "output_dir", "/data/out"),
        # a day file's own permissions are the input's problem
        (PermissionError(errno.EACCES, "x", "/data/in/REACH-ALL.csv"), "output_dir", None),
        (PermissionError(errno.EACCES, "x", "/data/out/l1c"), "telemetry_path", "/data/out"),
    ],
)
def test_fault_in_names_the_place(exc, default, where):
    fault = fault_in(exc, PLACES, default)
    assert (fault and str(fault.where)) == where


def test_the_processor_child_reports_a_fault_of_the_machine(tmp_path):
    """What the child reports of a full disk comes back as the cause of its failure."""
    staging, result = tmp_path / "staging", tmp_path / "result.json"
    staging.mkdir()
    full = "reach_pipeline_tests.test_machine:_disk_full"
    run_request(full, str(tmp_path / "in.csv"), str(staging), {}, str(result))
    with pytest.raises(ProcessingFailed) as raised:
        read_result(result, staging, 0)
    cause = raised.value.__cause__
    assert (cause.errno, cause.filename) == (errno.ENOSPC, str(staging / "x.cdf"))
    fault = fault_in(raised.value, {"output_dir": tmp_path}, "output_dir")
    assert str(fault) == f"No space left on device: {tmp_path}"


def _disk_full(path):
    raise ReachInputError(path, "unexpected") from OSError(
        errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path.cwd() / "x.cdf")
    )
