"""Malformed UDL day files: how to build each one and what ``process_day`` must say about it.

Each case is built from the first rows of the 2025-09-04 reference CSV (``latin-1-late``
from all of it). The ones ``in_corpus`` also live in ``reach_pipeline_tests/data/bad/``, one
day each from 2026-01-01, with a README table of what is wrong; regenerate them with

    python -m reach_pipeline_tests.processing.badcases
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reach_pipeline_tests.conftest import DATA
from reach_pipeline_tests.processing.udl import (
    Row,
    as_udl_record,
    csv_text,
    day_file_name,
    read_table,
)

BAD_DIR = DATA / "bad"
CORPUS_START = dt.date(2026, 1, 1)
BASE_ROWS = 8


@dataclass(frozen=True)
class BadCase:
    kind: str  # test id
    what: str  # what is wrong, for the corpus README
    phrase: str  # must appear in the error message
    build: Callable[[], bytes | None]  # the file's bytes; None: the file does not exist
    suffix: str = ".csv"
    in_corpus: bool = True  # also saved in data/bad/


def _base() -> tuple[list[str], list[Row]]:
    return read_table(limit=BASE_ROWS)


def _text(edit: Callable[[list[str], list[Row]], None] | None = None) -> bytes:
    """The base CSV after ``edit`` changed its header/rows in place."""
    header, rows = _base()
    if edit is not None:
        edit(header, rows)
    return csv_text(header, rows).encode()


def _set(row: int, **cells: str) -> Callable[[list[str], list[Row]], None]:
    """Set cells of data row ``row`` (1-based)."""

    def edit(header: list[str], rows: list[Row]) -> None:
        rows[row - 1].update(cells)

    return edit


def _drop_columns(*names: str) -> Callable[[list[str], list[Row]], None]:
    def edit(header: list[str], rows: list[Row]) -> None:
        for name in names:
            header.remove(name)
            for r in rows:
                del r[name]

    return edit


def _header_only() -> bytes:
    return _text().splitlines(keepends=True)[0]


def _truncated() -> bytes:
    # The download stopped inside the last row's seoList cell: no closing quote, no newline.
    text = _text()
    return text[: text.rindex(b"'obQuality'")]


def _two_descriptors(header: list[str], rows: list[Row]) -> None:
    for r in rows[BASE_ROWS // 2 :]:
        r["descriptor"] = "PROVISIONAL"


def _no_valid_records(header: list[str], rows: list[Row]) -> None:
    for r in rows:
        r["idSensor"] = ""
        r["observatoryName"] = "Iridium-999"


def _latin1() -> bytes:
    # Saved by a tool that wrote Latin-1: the é is the lone byte 0xE9, not UTF-8's C3 A9.
    return _text(_set(2, observatoryName="Iridium-119 (Zé)")).decode().encode("latin-1")


def _latin1_late() -> bytes:
    header, rows = read_table()
    rows[599]["seoList"] = rows[599]["seoList"].replace("rad/second", "rad/sécond", 1)
    return csv_text(header, rows).encode("latin-1")


def _semicolons() -> bytes:
    header, rows = _base()
    lines = [";".join(header)]
    lines += [";".join(r[h] for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _repeated_header() -> bytes:
    lines = _text().splitlines(keepends=True)
    return b"".join([*lines[:4], lines[0], *lines[4:]])


def _json_records() -> list[dict]:
    return [as_udl_record(r) for r in _base()[1]]


def _json_not_a_list() -> bytes:
    return json.dumps({"data": _json_records()}).encode()


def _json_invalid() -> bytes:
    text = json.dumps(_json_records(), indent=1)
    return text[: len(text) // 2].encode()


CASES: list[BadCase] = [
    BadCase("missing-file", "no such file", "file not found", lambda: None, in_corpus=False),
    BadCase("txt-extension", "a .txt file", "unsupported extension '.txt'", _text, ".txt", False),
    BadCase("empty", "0-byte CSV", "file is empty", lambda: b""),
    BadCase("header-only", "the header, no data rows", "header only, no data rows", _header_only),
    BadCase(
        "missing-columns",
        "no obTime and no seoList column",
        "missing required column(s): obTime, seoList",
        lambda: _text(_drop_columns("obTime", "seoList")),
    ),
    BadCase(
        "bad-seolist",
        "row 3's seoList cell is cut off inside the object",
        "row 3: cannot parse seoList cell",
        lambda: _text(_set(3, seoList="[{'obType': 'Energetic Charged Particle', 'obValue': 0.0")),
    ),
    BadCase(
        "bad-senpos",
        "row 4's senPos cell holds a word instead of a number",
        "row 4: cannot parse senPos cell",
        lambda: _text(_set(4, senPos="[-4905.911584990927, unknown, -3665.5861297423785]")),
    ),
    BadCase(
        "two-descriptors",
        "rows 5-8 say PROVISIONAL, rows 1-4 QUICKLOOK",
        "more than one descriptor in one file (PROVISIONAL, QUICKLOOK)",
        lambda: _text(_two_descriptors),
    ),
    BadCase(
        "no-valid-records",
        "every idSensor blank and every observatoryName unknown",
        "no valid records: of 8 observations, 8 have a blank idSensor",
        lambda: _text(_no_valid_records),
    ),
    BadCase(
        "latin-1",
        "a Latin-1 byte (0xE9) in row 2 (line 3)",
        "unreadable encoding: not UTF-8 (byte 0xe9 on line 3)",
        _latin1,
    ),
    BadCase(
        "latin-1-late",
        "a Latin-1 byte in obUoM of row 600, past the first 64 KiB (the fast reader skips obUoM)",
        "unreadable encoding: not UTF-8 (byte 0xe9 on line 601)",
        _latin1_late,
        in_corpus=False,  # 240 kB: built in tmp_path only
    ),
    BadCase(
        "truncated",
        "the last row stops inside its seoList cell",
        "row 8: the file ends in the middle of this row",
        _truncated,
    ),
    BadCase(
        "binary",
        "binary garbage (the CSV gzipped but named .csv)",
        "unreadable encoding: binary data",
        lambda: gzip.compress(_text(), mtime=0),
    ),
    BadCase(
        "semicolons",
        "semicolon-delimited",
        "wrong delimiter",
        _semicolons,
    ),
    BadCase(
        "blank-obtime",
        "row 5's obTime is blank",
        "row 5: obTime is blank or NaN",
        lambda: _text(_set(5, obTime="")),
    ),
    BadCase(
        "nan-obtime",
        "row 2's obTime is NaN",
        "row 2: obTime is blank or NaN",
        lambda: _text(_set(2, obTime="NaN")),
    ),
    BadCase(
        "lat-9999",
        "row 6's lat is 9999",
        "row 6: lat 9999.0 is outside the possible range",
        lambda: _text(_set(6, lat="9999")),
    ),
    BadCase(
        "obvalue-inf",
        "row 7's obValue is inf",
        "row 7: obValue inf is outside the possible range",
        lambda: _text(
            _set(
                7,
                seoList="[{'obType': 'Energetic Charged Particle', 'obUoM': 'rad/second', "
                "'obValue': inf, 'obQuality': '0', "
                "'obDescription': 'DOSE1 (Flavor X) in rad/second'}]",
            )
        ),
    ),
    BadCase(
        "repeated-header",
        "the header row appears again as data row 4",
        "row 4: the header row is repeated inside the data",
        _repeated_header,
    ),
    BadCase(
        "json-not-a-list",
        "JSON object wrapping the records instead of a list",
        "must hold a list of records, not a dict",
        _json_not_a_list,
        ".json",
    ),
    BadCase("json-empty", "0-byte JSON", "file is empty", lambda: b"", ".json"),
    BadCase("json-invalid", "JSON cut off halfway", "not valid JSON", _json_invalid, ".json"),
]


def corpus_cases() -> list[tuple[dt.date, BadCase]]:
    """The corpus cases, one per day from 2026-01-01 on, in CASES order."""
    kept = [c for c in CASES if c.in_corpus]
    return [(CORPUS_START + dt.timedelta(days=i), c) for i, c in enumerate(kept)]


def write_corpus(directory: Path = BAD_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("REACH-*"):
        old.unlink()
    lines = [
        "# Malformed UDL day files",
        "",
        "One bad kind per day. `test_bad_input.py::test_corpus` runs `process_day` on every",
        "file in the table below and expects a `ReachInputError` whose message contains the",
        "file's path and the expected phrase. Row numbers count data rows (the header is not a",
        "row). Regenerate with `python -m reach_pipeline_tests.processing.badcases`.",
        "",
        "| day | file | what is wrong | expected phrase |",
        "| --- | --- | --- | --- |",
    ]
    for day, case in corpus_cases():
        name = day_file_name(day, case.suffix)
        content = case.build()
        assert content is not None
        (directory / name).write_bytes(content)
        lines.append(f"| {day} | `{name}` | {case.what} | `{case.phrase}` |")
    (directory / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_corpus()
