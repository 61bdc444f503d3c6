"""The legacy rules, on small day files derived from the reference inputs with the csv module.

Most checks compare against an oracle: the same day written the plain way (the reference
file itself, or the rows the rule should keep), processed by the same code. The reference
files themselves are checked against the legacy CDFs in ``test_reference.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reach_pipeline.processing import ReachInputError, process_day
from reach_pipeline.processing import cdf as cdf_module
from reach_pipeline.processing import read as read_module
from reach_pipeline.processing.cdf import unix_ns_to_tt2000
from reach_pipeline.processing.transform import FILLVAL
from reach_pipeline_tests.processing.udl import (
    Row,
    as_json_cells,
    as_udl_record,
    assert_same_values,
    cdf_values,
    csv_text,
    read_table,
    seo_objects,
    write_csv,
)
from reach_pipeline_tests.support.data import UDL_0901, UDL_0904

REFERENCES = {"20250904": UDL_0904, "20250901": UDL_0901}
Values = dict[str, np.ndarray]


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def reference_values(tmp_path_factory) -> dict[str, Values]:
    """Our CDF of each unmodified reference file."""
    out = {}
    for key, path in REFERENCES.items():
        directory = tmp_path_factory.mktemp(f"reference-{key}")
        out[key] = cdf_values(process_day(path, directory).cdf_path)
    return out


def run(path: Path, out_dir: Path, *, fast: bool = True):
    out_dir.mkdir(parents=True, exist_ok=True)
    facts = process_day(path, out_dir, fast=fast)
    return facts, cdf_values(facts.cdf_path)


def write(directory: Path, header: list[str], rows: list[Row], name: str = "day.csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_csv(directory / name, header, rows)


def shift_time(text: str, seconds: float) -> str:
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00")) + dt.timedelta(seconds=seconds)
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def with_obvalue(cell: str, value) -> str:
    """A Python-repr seoList cell with its (single) object's obValue replaced."""
    objs = seo_objects(cell)
    objs[0]["obValue"] = value
    return repr(objs)


def description(row: Row) -> str:
    return seo_objects(row["seoList"])[0]["obDescription"]


def cell(values: Values, row: Row) -> tuple[int, int, int]:
    """Where a row's observation sits in dose_rate: (time, sensor, flavor)."""
    tt2000 = unix_ns_to_tt2000(np.array([pd.Timestamp(row["obTime"]).value]))[0]
    t = int(np.flatnonzero(values["Epoch"] == tt2000)[0])
    s = list(values["sensor_labels"]).index(row["idSensor"])
    f = list(values["dosimeter_flavors"][s]).index(description(row))
    return t, s, f


def ref_key(reference: Path) -> str:
    return next(k for k, v in REFERENCES.items() if v == reference)


# ------------------------------------------------------------------ file variants
#
# A variant turns a reference's (header, rows) into a day file in a directory. The first
# group holds the same observations as the reference, just written differently.

Variant = Callable[[Path, list[str], list[Row]], Path]


def v_reordered(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, list(reversed(header)), rows)


def v_extra_columns(d: Path, header: list[str], rows: list[Row]) -> Path:
    # Shuffled columns plus columns the processor must ignore, some needing quotes.
    extra = {"note": "a, b", "json": '{"x": [1, 2]}', "empty": "", "quote": 'say "hi"'}
    cols = header + list(extra)
    random.Random(1).shuffle(cols)
    return write(d, cols, [r | extra for r in rows])


def v_json_cells(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, [as_json_cells(r) for r in rows])


def v_udl_json(d: Path, header: list[str], rows: list[Row]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    path = d / "day.json"
    path.write_text(json.dumps([as_udl_record(r) for r in rows], indent=1), encoding="utf-8")
    return path


def v_udl_json_text_cells(d: Path, header: list[str], rows: list[Row]) -> Path:
    """UDL JSON whose seoList/senPos are kept as the text the CSV had."""
    d.mkdir(parents=True, exist_ok=True)
    path = d / "day.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def merge_flavors(rows: list[Row], *, as_json: bool = False) -> list[Row]:
    """One row per (idSensor, obTime) whose seoList holds both flavors' objects."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        groups[r["idSensor"], r["obTime"]].append(r)
    merged = []
    for group in groups.values():
        group = sorted(group, key=description)
        objs = [o for r in group for o in seo_objects(r["seoList"])]
        cell = json.dumps(objs) if as_json else repr(objs)
        merged.append(group[0] | {"seoList": cell})
    return merged


def v_two_objects(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, merge_flavors(rows))


def v_two_objects_json(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, merge_flavors(rows, as_json=True))


def v_shuffled(d: Path, header: list[str], rows: list[Row]) -> Path:
    rows = list(rows)
    random.Random(2).shuffle(rows)
    return write(d, header, rows)


def v_offset_times(d: Path, header: list[str], rows: list[Row]) -> Path:
    """Every obTime at UTC-02:00: local dates say the previous day for the first hours."""

    def minus_two(text: str) -> str:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        local = t.astimezone(dt.timezone(dt.timedelta(hours=-2)))
        return local.isoformat(timespec="milliseconds")

    return write(d, header, [r | {"obTime": minus_two(r["obTime"])} for r in rows])


def v_blank_ids(d: Path, header: list[str], rows: list[Row]) -> Path:
    """Every third row's idSensor blank: filled back from observatoryName."""
    return write(d, header, [r | {"idSensor": ""} if i % 3 == 0 else r for i, r in enumerate(rows)])


def with_blank_lines(text: str, every: int) -> str:
    """A blank line after the header and then after every ``every``-th row, and at the end."""
    lines = text.splitlines(keepends=True)
    out = [lines[0], "\n"]
    for i, line in enumerate(lines[1:], 1):
        out.append(line)
        if i % every == 0:
            out.append("\n")
    return "".join(out) + "\n"


def v_blank_line_after_header(d: Path, header: list[str], rows: list[Row]) -> Path:
    path = write(d, header, rows)
    text = path.read_text(encoding="utf-8")
    first = text.index("\n") + 1
    path.write_text(text[:first] + "\n" + text[first:], encoding="utf-8", newline="")
    return path


def v_blank_lines(d: Path, header: list[str], rows: list[Row]) -> Path:
    path = write(d, header, rows)
    path.write_text(with_blank_lines(path.read_text(encoding="utf-8"), 50), newline="")
    return path


def v_blank_lines_crlf(d: Path, header: list[str], rows: list[Row]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    text = with_blank_lines(csv_text(header, rows), 7).replace("\n", "\r\n")
    path = d / "day.csv"
    path.write_bytes(text.encode())
    return path


def v_repeated_unread_column(d: Path, header: list[str], rows: list[Row]) -> Path:
    """A column we do not read, named twice, and in one row a 2 MB cell: harmless."""
    d.mkdir(parents=True, exist_ok=True)
    path = d / "day.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*header, "note", "note"])
        notes = ["x" * 2_000_000 if i == 3 else "" for i in range(len(rows))]
        writer.writerows(
            [*(r[h] for h in header), n, "a, b"] for r, n in zip(rows, notes, strict=True)
        )
    return path


def v_repeated_unread_keys(d: Path, header: list[str], rows: list[Row]) -> Path:
    """Every seoList object names obType twice: a key we do not read, so harmless."""
    again = [r | {"seoList": r["seoList"].replace("{", "{'obType': 'ECP', ", 1)} for r in rows]
    return write(d, header, again)


def v_udl_json_repeated_unread_keys(d: Path, header: list[str], rows: list[Row]) -> Path:
    """UDL JSON whose every record names a field we do not read twice."""
    d.mkdir(parents=True, exist_ok=True)
    path = d / "day.json"
    records = [json.dumps(as_udl_record(r)) for r in rows]
    text = ",\n".join('{"note": 1, "note": 2, ' + rec[1:] for rec in records)
    path.write_text(f"[{text}]", encoding="utf-8")
    return path


SAME_AS_REFERENCE: dict[str, Variant] = {
    "reordered-columns": v_reordered,
    "extra-columns": v_extra_columns,
    "json-cells": v_json_cells,
    "udl-json": v_udl_json,
    "udl-json-text-cells": v_udl_json_text_cells,
    "two-objects-per-cell": v_two_objects,
    "two-objects-json-cells": v_two_objects_json,
    "shuffled": v_shuffled,
    "utc-offset-times": v_offset_times,
    "blank-ids-imputed": v_blank_ids,
    "blank-line-after-header": v_blank_line_after_header,
    "blank-lines": v_blank_lines,
    "blank-lines-crlf": v_blank_lines_crlf,
    "repeated-unread-column": v_repeated_unread_column,
    "repeated-unread-keys": v_repeated_unread_keys,
    "udl-json-repeated-unread-keys": v_udl_json_repeated_unread_keys,
}


def v_duplicates(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, with_duplicates(rows, "shuffled")[0])


def v_dropped(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, with_unknown_pods(rows, "Iridium-999")[0])


def v_one_flavor(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, without_flavor(rows, 0)[0])


def v_null_values(d: Path, header: list[str], rows: list[Row]) -> Path:
    return write(d, header, [with_null_value(r, "python-None") for r in rows[::7]] + rows[1::7])


OTHER_VARIANTS: dict[str, Variant] = {
    "duplicates": v_duplicates,
    "unknown-pods-dropped": v_dropped,
    "one-flavor-sensor": v_one_flavor,
    "null-values": v_null_values,
}


# ---------------------------------------------------------- (c, d, e, i) same values


@pytest.mark.parametrize("reference", REFERENCES.values(), ids=REFERENCES.keys())
@pytest.mark.parametrize("variant", SAME_AS_REFERENCE.values(), ids=SAME_AS_REFERENCE.keys())
def test_same_values_as_reference(variant, reference, tmp_path, fast, reference_values):
    header, rows = read_table(reference)
    path = variant(tmp_path / "in", header, rows)
    facts, got = run(path, tmp_path / "out", fast=fast)
    assert_same_values(got, reference_values[ref_key(reference)])
    assert facts.observations == facts.after_dedupe == len(rows)
    assert facts.duplicates_dropped == facts.rows_dropped == 0


# ------------------------------------------------------------ (f) both readers agree


ALL_VARIANTS = {"plain": lambda d, h, r: write(d, h, r), **SAME_AS_REFERENCE, **OTHER_VARIANTS}


# The CSV variants the fast reader leaves to the general one (several objects in a cell).
FAST_DECLINES = {"two-objects-per-cell", "two-objects-json-cells"}


@pytest.mark.parametrize("reference", REFERENCES.values(), ids=REFERENCES.keys())
@pytest.mark.parametrize("name", ALL_VARIANTS)
def test_fast_and_general_readers_agree(name, reference, tmp_path, monkeypatch):
    header, rows = read_table(reference)
    path = ALL_VARIANTS[name](tmp_path / "in", header, rows)
    # Count the general reader's calls, so we know the fast run really used the fast reader.
    calls = []
    general_csv = read_module.read_general_csv
    monkeypatch.setattr(
        read_module, "read_general_csv", lambda *a, **k: calls.append(a) or general_csv(*a, **k)
    )
    fast_facts, fast_values = run(path, tmp_path / "fast", fast=True)
    if path.suffix == ".csv":
        assert len(calls) == (name in FAST_DECLINES), "the fast reader declined unexpectedly"
    general_facts, general_values = run(path, tmp_path / "general", fast=False)
    assert_same_values(fast_values, general_values)
    ignore = ("cdf_path", "process_seconds")
    a = {k: v for k, v in fast_facts.as_dict().items() if k not in ignore}
    b = {k: v for k, v in general_facts.as_dict().items() if k not in ignore}
    assert a == b


# ---------------------------------------------------------------- (a) duplicates


def with_duplicates(rows: list[Row], order: str) -> tuple[list[Row], list[Row]]:
    """Rows plus a newer and an older copy of a few; and the rows the rule should keep."""
    picks = sorted({0, len(rows) // 3, len(rows) // 2, len(rows) - 1})
    winners = list(rows)
    newer, older = [], []
    for i in picks:
        r = rows[i]
        new = r | {
            "createdAt": shift_time(r["createdAt"], 3600),
            "seoList": with_obvalue(r["seoList"], 1000.0 + i),
        }
        old = r | {
            "createdAt": shift_time(r["createdAt"], -3600),
            "seoList": with_obvalue(r["seoList"], -1.0),
        }
        winners[i] = new
        newer.append(new)
        older.append(old)
    if order == "newer-last":
        out = older + rows + newer
    elif order == "newer-first":
        out = newer + rows + older
    else:
        out = rows + newer + older
        random.Random(3).shuffle(out)
    return out, winners


@pytest.mark.parametrize("order", ["newer-last", "newer-first", "shuffled"])
@pytest.mark.parametrize("reference", REFERENCES.values(), ids=REFERENCES.keys())
def test_duplicates_keep_latest_created_at(order, reference, tmp_path, fast):
    header, rows = read_table(reference)
    dup_rows, winners = with_duplicates(rows, order)
    facts, got = run(write(tmp_path / "in", header, dup_rows), tmp_path / "out", fast=fast)
    _, expected = run(write(tmp_path / "oracle", header, winners), tmp_path / "oracle-out")
    added = len(dup_rows) - len(rows)
    assert facts.records_read == len(dup_rows)
    assert facts.duplicates_dropped == added
    assert facts.after_dedupe == len(rows)
    assert_same_values(got, expected)
    for i, r in enumerate(winners):
        if r is not rows[i]:
            assert got["dose_rate"][cell(got, r)] == 1000.0 + i


# --------------------------------------------------------------- (b) blank idSensor


@pytest.mark.parametrize("which", ["a-few-rows", "every-row-of-one-pod"])
def test_blank_id_sensor_is_filled_from_observatory_name(which, tmp_path, fast, reference_values):
    header, rows = read_table(UDL_0904)
    pod = rows[0]["idSensor"]
    if which == "a-few-rows":
        targets = [0, 7, 300, len(rows) - 1]
    else:  # the pod then exists only through the Iridium -> REACH table
        targets = [i for i, r in enumerate(rows) if r["idSensor"] == pod]
    blanked = [r | {"idSensor": ""} if i in targets else r for i, r in enumerate(rows)]
    facts, got = run(write(tmp_path / "in", header, blanked), tmp_path / "out", fast=fast)
    assert facts.ids_imputed == len(targets)
    assert facts.rows_dropped == 0
    assert pod in facts.sensors
    assert_same_values(got, reference_values["20250904"])
    for i in targets:
        value = seo_objects(rows[i]["seoList"])[0]["obValue"]
        t, s, f = cell(got, rows[i])
        assert got["sensor_labels"][s] == rows[i]["idSensor"]
        assert got["dose_rate"][t, s, f] == value


def with_unknown_pods(rows: list[Row], observatory: str) -> tuple[list[Row], list[Row]]:
    """A few rows with no idSensor and an observatoryName the table lacks; the rest."""
    targets = {3, 42, len(rows) // 2}
    bad = [
        r | {"idSensor": "", "observatoryName": observatory} if i in targets else r
        for i, r in enumerate(rows)
    ]
    return bad, [r for i, r in enumerate(rows) if i not in targets]


@pytest.mark.parametrize("observatory", ["Iridium-999", "", "REACH-101"])
def test_blank_id_sensor_with_unknown_observatory_is_dropped(observatory, tmp_path, fast):
    header, rows = read_table(UDL_0904)
    bad, kept = with_unknown_pods(rows, observatory)
    facts, got = run(write(tmp_path / "in", header, bad), tmp_path / "out", fast=fast)
    _, expected = run(write(tmp_path / "oracle", header, kept), tmp_path / "oracle-out")
    assert facts.rows_dropped == len(rows) - len(kept)
    assert facts.ids_imputed == 0
    assert facts.after_dedupe == len(kept)
    assert_same_values(got, expected)


# ----------------------------------------------------------- (g) one flavor padded


def without_flavor(rows: list[Row], slot: int) -> tuple[list[Row], str, list[str]]:
    """Rows minus one pod's flavor in sorted ``slot``; the pod and its flavors, sorted."""
    pod = rows[0]["idSensor"]
    flavors = sorted({description(r) for r in rows if r["idSensor"] == pod})
    gone = flavors[slot]
    kept = [r for r in rows if not (r["idSensor"] == pod and description(r) == gone)]
    return kept, pod, flavors


@pytest.mark.parametrize("slot", [0, 1], ids=["first-flavor-missing", "second-flavor-missing"])
def test_sensor_with_one_flavor_is_padded(slot, tmp_path, fast, reference_values):
    header, rows = read_table(UDL_0904)
    kept, pod, flavors = without_flavor(rows, slot)
    assert len(flavors) == 2
    facts, got = run(write(tmp_path / "in", header, kept), tmp_path / "out", fast=fast)
    ref = reference_values["20250904"]
    s = list(got["sensor_labels"]).index(pod)
    remaining = flavors[1 - slot]
    assert list(got["dosimeter_flavors"][s]) == [remaining, ""]
    assert got["dose_rate"].shape == ref["dose_rate"].shape
    assert (got["dose_rate"][:, s, 1] == FILLVAL).all()
    np.testing.assert_array_equal(got["dose_rate"][:, s, 0], ref["dose_rate"][:, s, 1 - slot])
    others = [i for i in range(len(got["sensor_labels"])) if i != s]
    np.testing.assert_array_equal(got["dose_rate"][:, others], ref["dose_rate"][:, others])
    np.testing.assert_array_equal(
        got["dosimeter_flavors"][others], ref["dosimeter_flavors"][others]
    )


# --------------------------------------------------------------- (h) the file name


def test_file_name_is_the_utc_day_of_the_earliest_record(tmp_path, fast):
    header, rows = read_table(UDL_0904)
    rows = list(rows)
    # The earliest record, a few seconds before midnight, is the file's last row.
    early = rows.pop(5) | {"obTime": "2025-09-03T23:59:55.000Z"}
    random.Random(4).shuffle(rows)
    facts, _ = run(write(tmp_path / "in", header, [*rows, early]), tmp_path / "out", fast=fast)
    assert facts.first_time == "2025-09-03T23:59:55+00:00"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [
        "reach_all_l1c_prelim_20250903T000000_v1.0.0.cdf"
    ]


@pytest.mark.parametrize(
    "variant", [v_shuffled, v_offset_times], ids=["shuffled", "utc-offset-times"]
)
@pytest.mark.parametrize("reference", REFERENCES.values(), ids=REFERENCES.keys())
def test_file_name_ignores_row_order_and_local_dates(variant, reference, tmp_path, fast):
    header, rows = read_table(reference)
    facts, _ = run(variant(tmp_path / "in", header, rows), tmp_path / "out", fast=fast)
    day = min(pd.Timestamp(r["obTime"]) for r in rows).tz_convert("UTC")
    name = f"reach_all_l1c_prelim_{day:%Y%m%d}T000000_v1.0.0.cdf"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [name]
    assert Path(facts.cdf_path).name == name


# ------------------------------------------------------------- (j) null obValue


def with_null_value(row: Row, form: str) -> Row:
    objs = seo_objects(row["seoList"])
    objs[0]["obValue"] = None
    if form == "python-None":
        return row | {"seoList": repr(objs)}  # 'obValue': None
    if form == "json-null":
        return as_json_cells(row) | {"seoList": json.dumps(objs)}  # "obValue": null
    if form == "bare-null":
        return row | {"seoList": repr(objs).replace("None", "null")}  # 'obValue': null
    assert form == "blank-string"
    objs[0]["obValue"] = ""
    return row | {"seoList": repr(objs)}  # 'obValue': ''


@pytest.mark.parametrize("form", ["python-None", "json-null", "bare-null", "blank-string", "udl"])
def test_null_obvalue_becomes_fillval(form, tmp_path, fast, reference_values):
    header, rows = read_table(UDL_0904)
    # Rows with a real value (the reference holds a few upstream fill values already).
    targets = [i for i, r in enumerate(rows) if seo_objects(r["seoList"])[0]["obValue"] > 0][:3]
    if form == "udl":
        records = [as_udl_record(r) for r in rows]
        for i in targets:
            records[i]["seoList"][0]["obValue"] = None
        (tmp_path / "in").mkdir()
        path = tmp_path / "in" / "day.json"
        path.write_text(json.dumps(records), encoding="utf-8")
    else:
        changed = [with_null_value(r, form) if i in targets else r for i, r in enumerate(rows)]
        path = write(tmp_path / "in", header, changed)
    facts, got = run(path, tmp_path / "out", fast=fast)
    assert facts.after_dedupe == len(rows) and facts.rows_dropped == 0
    expected = {k: v.copy() for k, v in reference_values["20250904"].items()}
    for i in targets:
        assert expected["dose_rate"][cell(expected, rows[i])] != FILLVAL
        expected["dose_rate"][cell(expected, rows[i])] = FILLVAL
    assert_same_values(got, expected)


def test_null_obdescription_drops_the_row(tmp_path, fast):
    header, rows = read_table(UDL_0904)
    objs = seo_objects(rows[10]["seoList"])
    objs[0]["obDescription"] = None
    changed = [*rows[:10], rows[10] | {"seoList": repr(objs)}, *rows[11:]]
    facts, got = run(write(tmp_path / "in", header, changed), tmp_path / "out", fast=fast)
    kept = rows[:10] + rows[11:]
    _, expected = run(write(tmp_path / "oracle", header, kept), tmp_path / "oracle-out")
    assert facts.rows_dropped == 1
    assert_same_values(got, expected)


# --------------------------------------------------------- (k) interrupted write


# A writer that fails mid-write: a fault of the machine (a full disk) goes up as the
# OSError it is (``machine.os_fault``: the caller records the machine's error type); any
# other failure is this input's, named as such.
WRITE_FAILURES = [
    (OSError(28, "No space left on device"), OSError, "No space left on device"),
    (RuntimeError("cdflib gave up"), ReachInputError, "unexpected RuntimeError while writing"),
]


@pytest.mark.parametrize(("error", "raised", "says"), WRITE_FAILURES, ids=["disk-full", "other"])
@pytest.mark.parametrize("previous", [False, True], ids=["empty-dir", "older-file-present"])
def test_interrupted_write_leaves_no_cdf(previous, error, raised, says, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    if previous:
        first = Path(process_day(UDL_0904, out).cdf_path)
        before = first.read_bytes()

    # This mock stands for a crash mid-write (disk full, the process killed, a cdflib
    # error), which a test cannot cause deterministically: part of the file is on disk at
    # the target path, then the writer fails.
    def broken_write(grid, stem, path):
        Path(path).write_bytes(b"\xcd\xf3\x00\x01" + b"\x00" * 512)
        raise error

    monkeypatch.setattr(cdf_module, "_write", broken_write)
    with pytest.raises(raised) as info:
        process_day(UDL_0904, out)
    assert says in str(info.value)
    if raised is ReachInputError:
        assert info.value.__cause__ is error
    # No partial .cdf, no staging folder: the directory holds what it held before.
    left = sorted(p.name for p in out.iterdir())
    if previous:
        assert left == [first.name]
        assert first.read_bytes() == before  # the old file was not touched
    else:
        assert left == []


# ------------------------------------------------------------- (l) re-processing


@pytest.mark.parametrize("second_input", ["same", "corrected"])
def test_reprocessing_replaces_the_file(second_input, tmp_path, fast):
    header, rows = read_table(UDL_0904)
    out = tmp_path / "out"
    facts1, _ = run(write(tmp_path / "in1", header, rows), out, fast=fast)
    path = Path(facts1.cdf_path)
    # Age the first file instead of sleeping, so a new write must show a newer mtime.
    stat = path.stat()
    old_ns = stat.st_mtime_ns - 60_000_000_000
    os.utime(path, ns=(old_ns, old_ns))
    if second_input == "corrected":
        rows = [rows[0] | {"seoList": with_obvalue(rows[0]["seoList"], 42.0)}, *rows[1:]]
    facts2, got = run(write(tmp_path / "in2", header, rows), out, fast=fast)
    assert facts2.cdf_path == facts1.cdf_path
    assert [p.name for p in out.iterdir()] == [path.name]
    assert path.stat().st_mtime_ns > old_ns
    expected = seo_objects(rows[0]["seoList"])[0]["obValue"]
    assert expected == (42.0 if second_input == "corrected" else 0.0)
    assert got["dose_rate"][cell(got, rows[0])] == expected


@pytest.mark.parametrize("reference", REFERENCES.values(), ids=REFERENCES.keys())
def test_csv_module_round_trips_the_references(reference):
    """The variants rely on the csv module writing a reference's rows as the file has them."""
    header, rows = read_table(reference)
    terminator = "\r\n" if b"\r\n" in reference.read_bytes()[:4096] else "\n"
    assert csv_text(header, rows, lineterminator=terminator).encode() == reference.read_bytes()
