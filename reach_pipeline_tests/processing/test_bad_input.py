"""Bad day files: a ReachInputError naming the file and the problem, and nothing written.

The cases are built in tmp_path from the 2025-09-04 reference (see ``badcases.py``); most
of them are also kept as a corpus in ``reach_pipeline_tests/data/bad/``, whose README table
drives ``test_corpus``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from reach_pipeline.processing import ReachInputError, process_day
from reach_pipeline_tests.processing.badcases import (
    BAD_DIR,
    CASES,
    CORPUS_START,
    BadCase,
    corpus_cases,
)
from reach_pipeline_tests.processing.udl import assert_same_values, cdf_values, day_file_name
from reach_pipeline_tests.support.data import UDL_0901, UDL_0904

README_ROW = re.compile(
    r"^\| (?P<day>\d{4}-\d{2}-\d{2}) \| `(?P<file>[^`]+)` \| (?P<what>[^|]+) "
    r"\| `(?P<phrase>[^`]+)` \|$"
)


def corpus_table() -> list[dict[str, str]]:
    """The rows of the corpus README's table."""
    text = (BAD_DIR / "README.md").read_text(encoding="utf-8")
    return [m.groupdict() for line in text.splitlines() if (m := README_ROW.match(line))]


def assert_rejected(path: Path, out: Path, phrase: str, *, fast: bool = True) -> None:
    out.mkdir(exist_ok=True)
    with pytest.raises(ReachInputError) as info:
        process_day(path, out, fast=fast)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == path
    assert str(err).startswith(f"{path}: "), str(err)
    assert phrase in err.problem, f"expected {phrase!r} in {err.problem!r}"
    # Nothing written: no .cdf, no staging folder, nothing at all.
    assert sorted(out.iterdir()) == []


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input(case: BadCase, tmp_path, fast):
    path = tmp_path / "in" / day_file_name(CORPUS_START, case.suffix)
    path.parent.mkdir()
    content = case.build()
    if content is not None:
        path.write_bytes(content)
    assert_rejected(path, tmp_path / "out", case.phrase, fast=fast)


@pytest.mark.parametrize("entry", corpus_table(), ids=lambda e: e["day"])
def test_corpus(entry, tmp_path, fast):
    path = BAD_DIR / entry["file"]
    assert path.is_file()
    assert_rejected(path, tmp_path / "out", entry["phrase"], fast=fast)


def test_corpus_is_complete():
    """One file per consecutive day from 2026-01-01, all listed, in step with badcases.py."""
    table = corpus_table()
    assert len(table) >= 15
    days = [dt.date.fromisoformat(e["day"]) for e in table]
    assert days == [CORPUS_START + dt.timedelta(days=i) for i in range(len(days))]
    for day, entry in zip(days, table, strict=True):
        assert entry["file"] == day_file_name(day, Path(entry["file"]).suffix)
        assert Path(entry["file"]).suffix in (".csv", ".json")
    on_disk = sorted(p.name for p in BAD_DIR.iterdir() if p.name != "README.md")
    assert on_disk == sorted(e["file"] for e in table)
    # The README is what `python -m reach_pipeline_tests.processing.badcases` writes.
    expected = [(day_file_name(d, c.suffix), c.phrase) for d, c in corpus_cases()]
    assert [(e["file"], e["phrase"]) for e in table] == expected


@pytest.mark.parametrize("reference", [UDL_0904, UDL_0901], ids=["20250904", "20250901"])
def test_utf8_bom_is_accepted(reference, tmp_path, fast):
    (tmp_path / "plain").mkdir()
    (tmp_path / "bom").mkdir()
    plain = process_day(reference, tmp_path / "plain", fast=fast)
    bom = tmp_path / reference.name
    bom.write_bytes(b"\xef\xbb\xbf" + reference.read_bytes())
    with_bom = process_day(bom, tmp_path / "bom", fast=fast)
    assert Path(with_bom.cdf_path).name == Path(plain.cdf_path).name
    assert with_bom.records_read == plain.records_read
    assert_same_values(cdf_values(with_bom.cdf_path), cdf_values(plain.cdf_path))


def test_a_folder_named_like_a_day_file(tmp_path):
    path = tmp_path / "in" / day_file_name(CORPUS_START)
    path.mkdir(parents=True)
    assert_rejected(path, tmp_path / "out", "is a folder, not a file")


# The safety net: no input we know of raises anything but ReachInputError any more, so
# an unexpected exception deep inside the processor is a fault a test cannot cause with a
# file; these tests stand one in with monkeypatch.
@pytest.mark.parametrize(
    ("module", "name", "doing"),
    [
        ("reach_pipeline.processing.read", "read_scanned_csv", "reading the file"),
        ("reach_pipeline.processing.api", "build_grid", "building the day's grid"),
        ("reach_pipeline.processing.api", "write_cdf", "writing the CDF"),
    ],
    ids=["read", "transform", "write"],
)
def test_an_unexpected_error_is_named(module, name, doing, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("no such thing")

    monkeypatch.setattr(f"{module}.{name}", broken)
    path = tmp_path / UDL_0904.name
    path.write_bytes(UDL_0904.read_bytes())
    with pytest.raises(ReachInputError) as info:
        process_day(path, tmp_path)
    err = info.value
    assert err.path == path
    assert err.problem.startswith(f"unexpected KeyError while {doing}: "), err.problem
    assert "no such thing" in err.problem
    assert isinstance(err.__cause__, KeyError)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit], ids=lambda e: e.__name__)
def test_interrupts_pass_through_untouched(exc, tmp_path, monkeypatch):
    # Stands in for a Ctrl-C or a sys.exit() arriving mid-read (see above).
    def interrupted(*args, **kwargs):
        raise exc()

    monkeypatch.setattr("reach_pipeline.processing.api.build_grid", interrupted)
    with pytest.raises(exc):
        process_day(UDL_0904, tmp_path)
    assert list(tmp_path.iterdir()) == []
