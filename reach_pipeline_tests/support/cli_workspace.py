"""Helpers for the command-line tests: a workspace laid out as the legacy tool's runs were,
the summary and progress lines parsed, the ``process`` arguments, legacy states.

A workspace is a folder with ``in/`` (the sample day files and ``in/download_telemetry.csv``)
and ``out/`` (the CDF layout); ``reach-pipeline`` runs in a subprocess whose cwd is the
workspace, with ``--input-dir in --output-dir out``, so the relative paths in the legacy
example telemetry (``in/REACH-ALL_...``, ``out/l1c/prelim/...``) mean what they meant to the
legacy tool.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow
from reach_pipeline.processing import process_day
from reach_pipeline_tests.support.data import CDF_0901, EXAMPLES, LEGACY_TELEMETRY

SUMMARY_KEYS = (
    "planned",
    "processed",
    "uploaded",
    "skipped_existing",
    "skipped_no_input",
    "failed",
)
_SUMMARY = re.compile(r"summary invocation=(\S+)((?: \w+=\d+)+)")


def cdf_rel(day: str) -> str:
    """The CDF of ``day`` in the nested layout, relative to the workspace (as written)."""
    y, m, d = day.split("-")
    return f"out/l1c/prelim/{y}/{m}/{d}/reach_all_l1c_prelim_{y}{m}{d}T000000_v1.0.0.cdf"


def s3_key(day: str) -> str:
    return cdf_rel(day).removeprefix("out/")


def legacy_cdf_rel(day: str) -> str:
    """The name the legacy tool gives a CDF whose first record is at 00:00:10 (after the
    day's first record, not its midnight), relative to the workspace as it writes it."""
    return cdf_rel(day).replace("T000000_", "T000010_")


def statuses(rows: list[TelemetryRow]) -> list[str]:
    return [r.status for r in rows]


def parse_summary(stdout: str) -> dict:
    """The final ``summary ...`` line as a dict: ``invocation`` (str) and the six counts."""
    lines = stdout.strip().splitlines()
    assert lines, "no output on stdout"
    match = _SUMMARY.fullmatch(lines[-1].strip())
    assert match, f"last stdout line is not a summary line: {lines[-1]!r}"
    counts = dict(item.split("=") for item in match[2].split())
    assert tuple(counts) == SUMMARY_KEYS, f"unexpected summary keys: {list(counts)}"
    return {"invocation": match[1], **{k: int(v) for k, v in counts.items()}}


def counts(**nonzero: int) -> dict[str, int]:
    """The six summary counts: the given ones, every other one 0."""
    unknown = set(nonzero) - set(SUMMARY_KEYS)
    assert not unknown, unknown
    return {key: nonzero.get(key, 0) for key in SUMMARY_KEYS}


def only_counts(summary: dict) -> dict[str, int]:
    return {key: summary[key] for key in SUMMARY_KEYS}


def _legacy_example_rows() -> list[TelemetryRow]:
    """The legacy example's rows as they are: rows a test writes later are later in the
    file, which is what makes them a day's state (whatever the rows' clocks say)."""
    rows = TelemetryLog(LEGACY_TELEMETRY).rows()
    assert rows, f"no rows in {LEGACY_TELEMETRY}"
    return rows


@dataclass
class Workspace:
    root: Path

    @property
    def input_dir(self) -> Path:
        return self.root / "in"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def telemetry(self) -> Path:
        return self.input_dir / "download_telemetry.csv"

    def cdf(self, day: str) -> Path:
        return self.root / cdf_rel(day)

    def log(self) -> TelemetryLog:
        return TelemetryLog(self.telemetry)

    def rows(self, day: str | None = None) -> list[TelemetryRow]:
        rows = self.log().rows()
        return rows if day is None else [r for r in rows if r.chunk_date_utc == day]

    def telemetry_bytes(self) -> bytes | None:
        return self.telemetry.read_bytes() if self.telemetry.exists() else None

    def add_input(self, source: Path) -> Path:
        target = self.input_dir / source.name
        shutil.copyfile(source, target)
        return target

    def remove_input(self, day: str) -> None:
        for path in self.input_dir.glob(f"REACH-ALL_{day.replace('-', '')}T000000_*"):
            path.unlink()

    def place_cdf(self, day: str) -> Path:
        """The day's CDF on disk where the legacy tool left it (the nested layout): the
        legacy tool's own for 2025-09-01, ours made from the sample day otherwise (an
        upload validates the CDF it sends: it must be a sound CDF of that day)."""
        target = self.cdf(day)
        target.parent.mkdir(parents=True, exist_ok=True)
        if day == "2025-09-01":
            shutil.copyfile(CDF_0901, target)
        else:
            [source] = EXAMPLES.glob(f"REACH-ALL_{day.replace('-', '')}T000000_*.csv")
            made = Path(process_day(source, target.parent).cdf_path)
            assert made == target, made
        return target

    def write_legacy(
        self,
        day: str,
        through: str | None = None,
        *,
        renamed: bool = False,
        bucket: str | None = None,
    ) -> list[TelemetryRow]:
        """Append the legacy example's rows for ``day`` (download rows included), up to and
        including its first row with status ``through`` (all of them when ``None``).

        ``renamed``: the rows name the CDF (and its S3 key) by the legacy ``…T000010…``
        name (``legacy_cdf_rel``); ``bucket``: the S3 bucket of the rows that name one."""
        chosen = []
        for row in _legacy_example_rows():
            if row.chunk_date_utc != day:
                continue
            changes = {}
            if renamed and row.cdf_path:
                changes["cdf_path"] = legacy_cdf_rel(day)
            if renamed and row.s3_key:
                changes["s3_key"] = legacy_cdf_rel(day).removeprefix("out/")
            if bucket and row.s3_bucket:
                changes["s3_bucket"] = bucket
            chosen.append(row.replace(**changes))
            if through is not None and row.status == through:
                break
        else:
            assert through is None, f"the legacy example has no {through} row for {day}"
        log = self.log()
        for row in chosen:
            log.append(row)
        return chosen

    def place_legacy_cdf(self, day: str) -> Path:
        """A real CDF of the day on disk under the legacy tool's ``…T000010…`` name."""
        target = self.root / legacy_cdf_rel(day)
        self.place_cdf(day).rename(target)
        return target

    def write_legacy_all(self) -> list[TelemetryRow]:
        """Append the whole legacy example file (every day it covers)."""
        rows = _legacy_example_rows()
        log = self.log()
        for row in rows:
            log.append(row)
        return rows

    def files_under(self, directory: Path) -> set[str]:
        if not directory.exists():
            return set()
        return {str(p.relative_to(self.root)) for p in directory.rglob("*") if p.is_file()}


CliRunner = Callable[..., tuple[int, str, str]]


def process_args(
    start: str, end: str | None = None, *extra: str, geomap: bool = False
) -> list[str]:
    """``process`` over the workspace. The legacy contract (telemetry, L1C, its upload) is
    what these tests check: the L2 level is left out (``--no-geomap``) unless asked for."""
    return [
        "process",
        "--start-date",
        start,
        "--end-date",
        end or start,
        "--input-dir",
        "in",
        "--output-dir",
        "out",
        *([] if geomap else ["--no-geomap"]),
        *extra,
    ]


def new_rows(workspace, before: int, day: str | None = None):
    """Rows appended after the first ``before`` rows of the file (optionally one day's)."""
    rows = workspace.rows()[before:]
    return rows if day is None else [r for r in rows if r.chunk_date_utc == day]


def one_run(rows) -> str:
    """The rows' common run id (asserted non-empty and shared)."""
    run_ids = {r.run_id for r in rows}
    assert len(run_ids) == 1, run_ids
    (run_id,) = run_ids
    assert run_id
    return run_id


# A day's progress line; a failed day's says what went wrong after the parenthesis.
PROGRESS = re.compile(r"(\d{4}-\d{2}-\d{2}) ([A-Z0-9_]+) \((\d+)/(\d+), [^)]*\)(?:: (.+))?")


def assert_one_line_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("reach-pipeline: error: ")
    for needle in needles:
        assert needle in lines[0]


def progress_lines(err: str) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for line in err.splitlines() if (m := PROGRESS.fullmatch(line))]


def failure_details(err: str) -> dict[str, str]:
    """What the progress lines of failed days say went wrong, by day."""
    return {m[1]: m[5] for line in err.splitlines() if (m := PROGRESS.fullmatch(line)) and m[5]}
