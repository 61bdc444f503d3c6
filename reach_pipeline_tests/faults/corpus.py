"""The malformed-day corpus (reach_pipeline_tests/data/bad) and the phrase each error names."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .support import BAD


@dataclass(frozen=True)
class BadDay:
    day: date
    file: str
    phrase: str

    @property
    def output_format(self) -> str:
        return Path(self.file).suffix.lstrip(".")


_ROW = re.compile(r"\|\s*(\d{4}-\d{2}-\d{2})\s*\|\s*`([^`]+)`\s*\|[^|]*\|\s*`([^`]+)`\s*\|")


def bad_days() -> list[BadDay]:
    """The corpus table of ``data/bad/README.md``, one entry per day."""
    text = (BAD / "README.md").read_text()
    days = [BadDay(date.fromisoformat(d), f, p) for d, f, p in _ROW.findall(text)]
    assert len(days) == 19, f"expected the 19 corpus days in {BAD / 'README.md'}"
    for bad in days:
        assert (BAD / bad.file).is_file(), bad.file
    return days


def copy_bad_days(input_dir: Path, days: list[BadDay]) -> None:
    input_dir.mkdir(parents=True, exist_ok=True)
    for bad in days:
        shutil.copyfile(BAD / bad.file, input_dir / bad.file)


def names_the_problem(row, bad: BadDay) -> bool:
    return bad.phrase in row.error_message or bad.phrase in row.error_type
