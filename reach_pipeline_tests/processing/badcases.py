"""Malformed UDL day files: how to build each one and what ``process_day`` must say about it.

Each case is built from the first rows of the 2025-09-04 reference CSV (``latin-1-late``
from all of it). The ones ``in_corpus`` also live in ``reach_pipeline_tests/data/bad/``, one
day each from 2026-01-01, with a README table of what is wrong; regenerate them with

    python -m reach_pipeline_tests.processing.badcases
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from reach_pipeline_tests.processing.udl import (
    Row,
    as_udl_record,
    csv_text,
    day_file_name,
    read_table,
)
from reach_pipeline_tests.support.data import DATA

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


def _in_row(kind: str, row: int, what: str, phrase: str, **cells: str) -> BadCase:
    """A case that changes ``cells`` of data row ``row``: ``what`` and ``phrase`` are said
    of that row ("row N's …", "row N: …")."""
    return BadCase(
        kind, f"row {row}'s {what}", f"row {row}: {phrase}", lambda: _text(_set(row, **cells))
    )


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


def _insert_line(text: bytes, at: int, line: bytes) -> bytes:
    """``text`` with ``line`` inserted as its line number ``at`` (the header is line 1)."""
    lines = text.splitlines(keepends=True)
    return b"".join([*lines[: at - 1], line + b"\n", *lines[at - 1 :]])


def _rows_text(header: list[str], rows: list[list[str]]) -> bytes:
    """CSV bytes from plain lists (the header may name a column twice)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


def _duplicate_lat() -> bytes:
    # A second lat column after the first; the first holds 0.0 everywhere. Both readers
    # used to read the first one: a product with every latitude 0.0.
    header, rows = _base()
    i = header.index("lat")
    return _rows_text(
        [*header[: i + 1], "lat", *header[i + 1 :]],
        [
            [*(r[h] for h in header[:i]), "0.0", r["lat"], *(r[h] for h in header[i + 1 :])]
            for r in rows
        ],
    )


def _duplicate_spaced_obtime() -> bytes:
    # " obTime " is obTime once stripped: the header names it twice.
    header, rows = _base()
    return _rows_text([*header, " obTime "], [[*(r[h] for h in header), r["obTime"]] for r in rows])


def _alt_last() -> bytes:
    header, rows = _base()
    header.remove("alt")
    return csv_text([*header, "alt"], rows).encode()


def _cut_in_last_number() -> bytes:
    # The download stopped inside the last row's alt (the last column): 796.63 of 796.636...
    return _alt_last()[:-12]


def _cut_before_newline() -> bytes:
    return _text()[:-1]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_json() -> bytes:
    return _nested(5_000).encode()


def _deep_json_record() -> bytes:
    records = _json_records()
    records[1]["seoList"] = json.loads(_nested(40))
    return json.dumps(records).encode()


def _seo(
    value: str = "0.0", quality: str = "'0'", desc: str = "'DOSE1 (Flavor X) in rad/second'"
) -> str:
    return (
        "[{'obType': 'Energetic Charged Particle', 'obUoM': 'rad/second', "
        f"'obValue': {value}, 'obQuality': {quality}, 'obDescription': {desc}}}]"
    )


def _json_edit(record: int, **fields) -> bytes:
    records = _json_records()
    records[record - 1].update(fields)
    return json.dumps(records).encode()


def _json_duplicate_key() -> bytes:
    # Record 3 names lat twice; json.load keeps the last (0.0) without a word.
    text = json.dumps(_json_records(), indent=1)
    at = [i for i in range(len(text)) if text.startswith('"lat":', i)][2]
    return (text[:at] + '"lat": 0.0, ' + text[at:]).encode()


def _json_big_int() -> bytes:
    records = _json_records()
    records[2]["alt"] = 0
    return json.dumps(records).replace('"alt": 0', '"alt": ' + "7" * 5000).encode()


def _json_truncated_in_string() -> bytes:
    text = json.dumps(_json_records(), indent=1)
    return text[: text.rindex("DOSE")].encode()


def _json_nul_description() -> bytes:
    records = _json_records()
    records[3]["seoList"][0]["obDescription"] = "DOSE1 (Flavor X)\x00 in rad/second"
    return json.dumps(records).encode()


def _utf16() -> bytes:
    return _text().decode().encode("utf-16")


def _late(row: int, **cells: str) -> bytes:
    """The whole reference (716 rows, 240 kB) with cells of a row past the first 64 KiB set."""
    header, rows = read_table()
    rows[row - 1].update(cells)
    return csv_text(header, rows).encode()


def _stray_quote() -> bytes:
    # Row 3's descriptor opens a quote; it closes at the next quote, inside row 4.
    lines = _text().splitlines(keepends=True)
    lines[3] = lines[3].replace(b",QUICKLOOK", b',"QUICKLOOK')
    return b"".join(lines)


def _long_cell_then_bad_row() -> bytes:
    # A 200 kB cell in a column we do not read (more than the csv module's default field
    # limit, which the error path used to trip over), then a row with one field too many.
    header, rows = _base()
    notes = ["x" * 200_000 if i == 1 else "" for i in range(len(rows))]
    table = [[*(r[h] for h in header), n] for r, n in zip(rows, notes, strict=True)]
    table[4].append("extra")
    return _rows_text([*header, "note"], table)


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
    _in_row(
        "bad-seolist",
        3,
        "seoList cell is cut off inside the object",
        "cannot parse seoList cell",
        seoList="[{'obType': 'Energetic Charged Particle', 'obValue': 0.0",
    ),
    _in_row(
        "bad-senpos",
        4,
        "senPos cell holds a word instead of a number",
        "cannot parse senPos cell",
        senPos="[-4905.911584990927, unknown, -3665.5861297423785]",
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
        "row 8: the file does not end with a newline: truncated download?",
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
    _in_row(
        "blank-obtime",
        5,
        "obTime is blank",
        "obTime is blank or NaN",
        obTime="",
    ),
    _in_row(
        "nan-obtime",
        2,
        "obTime is NaN",
        "obTime is blank or NaN",
        obTime="NaN",
    ),
    _in_row(
        "lat-9999",
        6,
        "lat is 9999",
        "lat 9999.0 is outside the possible range",
        lat="9999",
    ),
    _in_row(
        "obvalue-inf",
        7,
        "obValue is inf",
        "obValue inf is outside the possible range",
        seoList="[{'obType': 'Energetic Charged Particle', 'obUoM': 'rad/second', "
        "'obValue': inf, 'obQuality': '0', "
        "'obDescription': 'DOSE1 (Flavor X) in rad/second'}]",
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
    BadCase(
        "json-invalid",
        "JSON cut off halfway",
        "not valid JSON: the file ends before the JSON does (truncated download?)",
        _json_invalid,
        ".json",
    ),
]

# More cases, built in tmp_path only: the fault tests run the corpus's 19 days through
# the console script and Dagster, and expect exactly those days.
CASES += [
    replace(case, in_corpus=False)
    for case in [
        BadCase(
            "duplicate-lat",
            "the header names lat twice; the first lat column holds 0.0 everywhere",
            "duplicate column name(s) in the header: 'lat' at columns 7, 8",
            _duplicate_lat,
        ),
        BadCase(
            "duplicate-spaced-obtime",
            "a second obTime column, spelled ' obTime ' in the header",
            "duplicate column name(s) in the header: 'obTime' at columns 3, 11",
            _duplicate_spaced_obtime,
        ),
        BadCase(
            "utf-16",
            "saved as UTF-16 (with its byte order mark)",
            "unreadable encoding: UTF-16",
            _utf16,
        ),
        BadCase(
            "cut-in-last-number",
            "the download stopped in the last row's alt (the last column): 796.63 of 796.636...",
            "row 8: the file does not end with a newline: truncated download?",
            _cut_in_last_number,
        ),
        BadCase(
            "cut-before-newline",
            "complete but for the final newline (a cut at the end of a cell looks the same)",
            "row 8: the file does not end with a newline: truncated download?",
            _cut_before_newline,
        ),
        BadCase(
            "spaces-line",
            "a line of three spaces between rows 4 and 5 (not a blank line: a one-field row)",
            "row 5: malformed CSV: 1 fields where the header has 10",
            lambda: _insert_line(_text(), 6, b"   "),
        ),
        _in_row(
            "deep-seolist",
            3,
            "seoList is a list nested 5,000 deep",
            "seoList cell is nested too deeply",
            seoList=_nested(5_000),
        ),
        _in_row(
            "nested-seolist",
            5,
            "obValue is a list nested 12 deep (not a number)",
            "obValue <a list of 1 items> is not a number",
            seoList=_seo(value=_nested(12).replace("][", "0.0")),
        ),
        _in_row(
            "seolist-too-long",
            2,
            "seoList cell is 1 MB (its obType a million characters)",
            "seoList cell too long",
            seoList=_seo().replace("Energetic", "E" * 1_000_000),
        ),
        _in_row(
            "seolist-duplicate-key",
            4,
            "seoList object names obValue twice (1.0, then 0.0)",
            "seoList key 'obValue' appears twice in one object",
            seoList=_seo(value="1.0, 'obValue': 0.0"),
        ),
        _in_row(
            "obvalue-400-digits",
            7,
            "obValue is an integer of 400 digits (too large for a float)",
            "obValue 1234567890123456789012345678901234567890",
            seoList=_seo(value="1234567890" * 40),
        ),
        _in_row(
            "obvalue-5000-digits",
            2,
            "obValue is an integer of 5,000 digits (beyond Python's integer digit limit)",
            "seoList holds a number with too many digits",
            seoList=_seo(value="7" * 5_000),
        ),
        _in_row(
            "lat-400-digits",
            6,
            "lat is a number of 400 digits",
            "lat inf is outside the possible range",
            lat="9" * 400,
        ),
        _in_row(
            "idsensor-out-of-range",
            4,
            "idSensor is REACH-99999999999 (no 32-bit sensor id)",
            "idSensor 'REACH-99999999999' is not of the form REACH-<number>",
            idSensor="REACH-99999999999",
        ),
        _in_row(
            "idsensor-million-digits",
            1,
            "idSensor is REACH- and a million digits",
            "idSensor too long",
            idSensor="REACH-" + "1" * 1_000_000,
        ),
        _in_row(
            "idsensor-10mb",
            3,
            "idSensor is 10 MB (a row longer than the parser's 1 MiB block)",
            "idSensor cell too long (10,000,006 characters",
            idSensor="REACH-" + "1" * 10_000_000,
        ),
        _in_row(
            "descriptor-10mb",
            6,
            "descriptor is 10 MB (a row longer than the parser's 1 MiB block)",
            "descriptor cell too long (10,000,000 characters",
            descriptor="Q" * 10_000_000,
        ),
        _in_row(
            "description-too-long",
            2,
            "obDescription is 1,006 characters long",
            "obDescription too long",
            seoList=_seo(desc="'DOSE1 " + "X" * 1_000 + "'"),
        ),
        BadCase(
            "nul-in-idsensor",
            "a NUL byte inside row 600's idSensor, past the first 64 KiB",
            "row 600: idSensor holds a control character (0x00)",
            lambda: _late(600, idSensor="REACH-1\x0037"),
        ),
        BadCase(
            "stray-quote",
            "row 3's descriptor opens a quote that closes inside row 4",
            "row 3: malformed CSV: 19 fields where the header has 10 (a quoted cell spans 2 lines",
            _stray_quote,
        ),
        BadCase(
            "long-cell-then-bad-row",
            "a 200 kB cell in an unread column in row 2, then an extra field in row 5",
            "row 5: malformed CSV: 12 fields where the header has 11",
            _long_cell_then_bad_row,
        ),
        _in_row(
            "obtime-year-9999",
            4,
            "obTime is in the year 9999",
            "obTime '9999-12-31T00:00:00.000Z' is not an ISO 8601 UTC time",
            obTime="9999-12-31T00:00:00.000Z",
        ),
        BadCase(
            "json-truncated-in-string",
            "JSON cut inside the last record's obDescription",
            "not valid JSON: the file ends before the JSON does (truncated download?)",
            _json_truncated_in_string,
            ".json",
        ),
        BadCase(
            "json-deep",
            "JSON: a list nested 5,000 deep",
            "not valid JSON: nested too deeply",
            _deep_json,
            ".json",
        ),
        BadCase(
            "json-deep-seolist",
            "JSON: record 2's seoList is a list nested 40 deep",
            "record 2: seoList cell is nested too deeply",
            _deep_json_record,
            ".json",
        ),
        BadCase(
            "json-duplicate-key",
            "JSON: record 3 names lat twice (0.0, then the real value)",
            "record 3: key 'lat' appears twice in one object",
            _json_duplicate_key,
            ".json",
        ),
        BadCase(
            "json-5000-digits",
            "JSON: record 3's alt is an integer of 5,000 digits",
            "not valid JSON: a number with more digits than Python reads",
            _json_big_int,
            ".json",
        ),
        BadCase(
            "json-nul-description",
            "JSON: record 4's obDescription holds a NUL character (\\u0000)",
            "record 4: obDescription holds a control character (0x00)",
            _json_nul_description,
            ".json",
        ),
        BadCase(
            "json-obtime-number",
            "JSON: record 2's obTime is a number, not a time",
            "record 2: obTime '1756944000' is not an ISO 8601 UTC time",
            lambda: _json_edit(2, obTime=1756944000),
            ".json",
        ),
        BadCase(
            "json-lat-true",
            "JSON: record 5's lat is true",
            "record 5: lat 'True' is not a number",
            lambda: _json_edit(5, lat=True),
            ".json",
        ),
    ]
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
        "`badcases.py` holds more cases than these (large files, and the cases added after",
        "the fault tests fixed this corpus at 19 days); `test_bad_input.py::test_bad_input`",
        "builds every one of them in a temporary folder.",
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
