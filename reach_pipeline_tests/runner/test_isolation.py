"""The processor's child process: outcomes reach the parent intact, and only an accepted
product is placed, whole, replacing the day's old one."""

from __future__ import annotations

import shutil
import sys
import threading
from datetime import date
from pathlib import Path, PurePosixPath

import pytest

from reach_pipeline.change.report import ChangeReport, Verdict
from reach_pipeline.runner.isolation import Arrangement, run_isolated
from reach_pipeline.runner.processor import DEFAULT_PROCESSOR, ProcessingFailed
from reach_pipeline.steps.l1c import l1c_arrangement
from reach_pipeline_tests.support import processors

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "udl"
SAMPLE = "REACH-ALL_20250902T000000_20250903T000000.csv"
DAY = date(2025, 9, 2)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    return Path(shutil.copy(EXAMPLES / SAMPLE, folder / SAMPLE))


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def run(sample: Path, output_dir: Path, processor: str, **kwargs):
    return run_isolated(
        sample, output_dir, processor=processor, arrange=l1c_arrangement(DAY, sample), **kwargs
    )


@pytest.mark.integration  # a few seconds of deliberately starved threads
def test_instant_failures_are_reported_not_timed_out(sample, output_dir):
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
                run(sample, output_dir, processors.FAIL_FAST, timeout_s=20)
            assert info.value.error_type == "ProcessorBroke"
            assert SAMPLE in str(info.value)
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        for spinner in spinners:
            spinner.join()
    assert files_under(output_dir) == []


def test_unloadable_processor_is_a_failure(sample, output_dir):
    with pytest.raises(ProcessingFailed) as info:
        run(sample, output_dir, "no_such_module:process_file")

    assert info.value.error_type == "ValueError"
    assert "no_such_module" in str(info.value)
    assert files_under(output_dir) == []


def test_parent_directory_is_untouched(sample, output_dir):
    before = Path.cwd()

    placed = run(sample, output_dir, processors.PATHS_ONLY)

    assert Path.cwd() == before
    assert placed.facts is None
    assert placed.relative_dir == PurePosixPath("l1c/prelim/2025/09/02")
    assert [p.name for p in placed.files] == ["reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"]
    assert placed.files[0].is_file()


def test_an_output_folder_reached_through_a_symbolic_link(sample, tmp_path):
    """/data -> /mnt/data: the product made in staging is accepted and placed (it was
    refused as "not a file in its staging" when the staging path was not resolved)."""
    real = tmp_path / "disk"
    real.mkdir()
    linked = tmp_path / "out-link"
    linked.symlink_to(real)

    placed = run(sample, linked, DEFAULT_PROCESSOR)

    assert files_under(real) == [
        "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"
    ]
    assert placed.facts["after_dedupe"] == 716


def test_a_new_product_replaces_the_whole_day_folder(sample, output_dir):
    """One product per day: an older product of the day under another name (the legacy
    tool's ...T000010... naming) goes when the day is made again."""
    day_dir = output_dir / "l1c/prelim/2025/09/02"
    day_dir.mkdir(parents=True)
    old = day_dir / "reach_all_l1c_prelim_20250902T000010_v1.0.0.cdf"
    old.write_bytes(b"legacy product")

    placed = run(sample, output_dir, DEFAULT_PROCESSOR)

    assert files_under(output_dir) == [
        "l1c/prelim/2025/09/02/reach_all_l1c_prelim_20250902T000000_v1.0.0.cdf"
    ]
    assert placed.facts["after_dedupe"] == 716


def test_a_refused_product_leaves_the_old_one(sample, output_dir):
    first = run(sample, output_dir, DEFAULT_PROCESSOR).files[0]
    inode = first.stat().st_ino

    def refuse(paths, facts) -> Arrangement:
        raise ProcessingFailed("CdfCheckFailed", "not good enough")

    with pytest.raises(ProcessingFailed, match="not good enough"):
        run_isolated(sample, output_dir, processor=DEFAULT_PROCESSOR, arrange=refuse)

    assert first.stat().st_ino == inode
    assert files_under(output_dir) == [str(first.relative_to(output_dir))]


def test_a_product_the_arrangement_keeps_is_left_as_it_is(sample, output_dir):
    """When the caller finds the new product the same as the placed one, the placed one
    stays (same inode, same modification time) and the staged one goes."""
    first = run(sample, output_dir, DEFAULT_PROCESSOR).files[0]
    before = first.stat()
    report = ChangeReport(Verdict.NO_CHANGE)

    def keep(paths, facts) -> Arrangement:
        return Arrangement(PurePosixPath("l1c/prelim/2025/09/02"), (), (first,), report)

    placed = run_isolated(sample, output_dir, processor=DEFAULT_PROCESSOR, arrange=keep)

    assert (placed.files, placed.kept, placed.change) == ((first,), True, report)
    after = first.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert files_under(output_dir) == [str(first.relative_to(output_dir))]
