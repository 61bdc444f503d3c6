"""What runs inside the child process: load the processor, run it, record its outcome.

A processor follows the instrument package's contract ``process_file(path) -> list[Path]``:
it writes into the current directory and returns the paths it wrote. Our own processors
also have a reporting twin (``REPORTING``) that returns its facts (``.as_dict()``); the
child calls the twin so the facts reach the Dagster metadata without reading the product
back. The child writes its result to the file the parent named, atomically: outside the
output folder, so that a full or read-only output disk is reported as such.

A processor that fails on a fault of the machine (``machine.os_fault``: a full disk, an
I/O error) is reported with the ``OSError``'s errno and file name too, and the parent's
``ProcessingFailed`` has that ``OSError`` again as its cause: the step can say what
happened and where (``machine.fault_in``), not what the processor made of it.
"""

from __future__ import annotations

import importlib
import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path

from reach_pipeline.durable import atomic_write_bytes
from reach_pipeline.machine import os_fault

DEFAULT_PROCESSOR = "reach_pipeline.processing:process_file"

# processor spec -> a function (path, output_dir) -> facts with .as_dict(), same products
REPORTING: dict[str, str] = {
    DEFAULT_PROCESSOR: "reach_pipeline.processing:process_day",
    "reach_pipeline.geomap:process_file": "reach_pipeline.geomap:make_geomap",
}


class ProcessingFailed(RuntimeError):
    """The processor raised, crashed or produced no usable product.

    ``error_type`` is the processor's exception class name (for the telemetry row).
    """

    def __init__(self, error_type: str, message: str):
        self.error_type = error_type
        super().__init__(message)


def refuse_if(problems: list[str], error_type: str, what: str) -> None:
    """``ProcessingFailed(error_type, "what: problem; problem")`` if there is any problem."""
    if problems:
        raise ProcessingFailed(error_type, f"{what}: " + "; ".join(problems))


def load_processor(spec: str) -> Callable:
    """``"package.module:function"`` to the function; ``ValueError`` if it is not one."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"processor must look like 'package.module:function', got {spec!r}")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load processor {spec!r}: {exc}") from exc
    if not callable(fn):
        raise ValueError(f"processor {spec!r} is not callable")
    return fn


def run_request(
    processor: str, input_path: str, staging: str, options: dict, result_path: str
) -> None:
    """In the child: run the processor with cwd = staging and record the outcome."""
    os.chdir(staging)
    try:
        if processor in REPORTING:
            facts = load_processor(REPORTING[processor])(input_path, staging, **options).as_dict()
            paths = sorted(str(p) for p in Path(staging).iterdir())
            result = {"ok": True, "paths": paths, "facts": facts}
        else:
            paths = load_processor(processor)(Path(input_path))
            result = {"ok": True, "paths": [str(p) for p in paths], "facts": None}
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        result = {
            "ok": False,
            "error_type": type(exc).__name__,
            "message": str(exc) or type(exc).__name__,
            "traceback": traceback.format_exc(limit=20),
        }
        fault = os_fault(exc)
        if fault is not None:
            filename = None if fault.filename is None else os.fsdecode(fault.filename)
            result.update(errno=fault.errno, filename=filename)
    atomic_write_bytes(Path(result_path), json.dumps(result).encode())


def read_result(result_path: Path, staging: Path, exit_code: int) -> tuple[list[Path], dict | None]:
    """In the parent: the child's reported paths and facts; ``ProcessingFailed`` otherwise
    (caused by the ``OSError`` again for a fault of the machine)."""
    if not result_path.is_file():
        raise ProcessingFailed(
            "ProcessorCrashed", f"processor exited with code {exit_code} before reporting a result"
        )
    result = json.loads(result_path.read_text())
    result_path.unlink()
    if not result["ok"]:
        failure = ProcessingFailed(result["error_type"], result["message"])
        if "errno" in result:
            code = result["errno"]
            raise failure from OSError(code, os.strerror(code), result["filename"])
        raise failure
    paths = [Path(p) if Path(p).is_absolute() else staging / p for p in result["paths"]]
    return paths, result["facts"]
