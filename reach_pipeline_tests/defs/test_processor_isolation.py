"""The processor's child process as reach_cdf uses it: outcomes reach the parent intact."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from reach_pipeline.legacy.isolation import ProcessingFailed, run_isolated

from . import processors
from .conftest import cdfs_in, staging_leftovers

SAMPLE = "REACH-ALL_20250902T000000_20250903T000000.csv"


@pytest.mark.integration  # a few seconds of deliberately starved threads
def test_instant_failures_are_reported_not_timed_out(input_dir, output_dir):
    """The worker's "pid" and "exit" lines can arrive together; a busy parent must still
    see the second one at once (it used to wait for the timeout, then hang)."""
    stop = threading.Event()

    def busy() -> None:  # keeps the parent slow to read, as a Dagster run worker is
        while not stop.is_set():
            sum(range(10_000))

    spinners = [threading.Thread(target=busy, daemon=True) for _ in range(2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.05)  # the main thread waits long for the GIL after select()
    for spinner in spinners:
        spinner.start()
    try:
        for _ in range(6):
            with pytest.raises(ProcessingFailed) as info:
                run_isolated(
                    input_dir / SAMPLE, output_dir, processor=processors.FAIL_FAST, timeout_s=20
                )
            assert info.value.error_type == "ProcessorBroke"
            assert SAMPLE in str(info.value)
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        for spinner in spinners:
            spinner.join()
    assert cdfs_in(output_dir) == []
    assert staging_leftovers(output_dir) == []


def test_unloadable_processor_is_a_failure(input_dir, output_dir):
    with pytest.raises(ProcessingFailed) as info:
        run_isolated(input_dir / SAMPLE, output_dir, processor="no_such_module:process_file")

    assert info.value.error_type == "ValueError"
    assert "no_such_module" in str(info.value)
    assert staging_leftovers(output_dir) == []


def test_parent_directory_is_untouched(input_dir, output_dir):
    before = Path.cwd()

    product = run_isolated(input_dir / SAMPLE, output_dir, processor=processors.PATHS_ONLY)

    assert Path.cwd() == before
    assert product.cdf_path.is_file() and product.facts is None
    assert str(product.relative_path).startswith("l1c/prelim/2025/09/02/")
