"""A long-lived helper process that forks one child per day to run the processor.

The parent (a Dagster run worker, the CLI) starts it once; it imports the processing
code once, then for each request forks a child that changes into the staging folder,
runs the processor and writes its result next to the product. Forking a warm process
takes milliseconds where a fresh interpreter spends ~0.5 s importing numpy, pyarrow and
cdflib. (multiprocessing's forkserver would re-import the parent's ``__main__`` in every
child — the whole Dagster CLI — which costs the same again.)

Protocol, one JSON object per line: the parent writes ``{"processor", "input",
"staging"}``; the worker answers ``{"pid": N}`` once the child runs and ``{"exit": code}``
when it ends. The child leaves ``RESULT_NAME`` in the staging folder.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

RESULT_NAME = ".result.json"


def run_request(processor: str, input_path: str, staging: str) -> None:
    """In the child: run the processor with cwd = staging and record the outcome."""
    from .isolation import DEFAULT_PROCESSOR, load_processor

    os.chdir(staging)
    try:
        if processor == DEFAULT_PROCESSOR:
            from reach_pipeline.processing import process_day

            facts = process_day(input_path).as_dict()
            result = {"ok": True, "paths": [facts["cdf_path"]], "facts": facts}
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
    tmp = Path(staging) / (RESULT_NAME + ".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, Path(staging) / RESULT_NAME)


def serve(stdin=sys.stdin, stdout=sys.stdout) -> None:
    # Warm the heavy imports (pyarrow, pandas, cdflib) once: every child inherits them.
    import reach_pipeline.processing.api  # noqa: F401

    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                # The protocol pipe is the worker's alone: whatever the processor writes
                # to stdout (print, C libraries) goes to stderr instead.
                os.dup2(sys.stderr.fileno(), stdout.fileno())
                run_request(request["processor"], request["input"], request["staging"])
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except BaseException:  # noqa: BLE001 - exiting anyway
                        pass
                os._exit(code)
        stdout.write(json.dumps({"pid": pid}) + "\n")
        stdout.flush()
        _, status = os.waitpid(pid, 0)
        stdout.write(json.dumps({"exit": os.waitstatus_to_exitcode(status)}) + "\n")
        stdout.flush()


if __name__ == "__main__":
    serve()
