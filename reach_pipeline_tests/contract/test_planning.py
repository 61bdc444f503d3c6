"""Tests for reach_pipeline.contract.planning."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from reach_pipeline.contract import planning as p
from reach_pipeline.contract import telemetry as t
from reach_pipeline.contract.telemetry import TelemetryLog, TelemetryRow

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "legacy_telemetry_example.csv"

ON_DISK = "out/on_disk.cdf"
GONE = "out/gone.cdf"


def _on_disk(path: str) -> bool:
    return path == ON_DISK


# (prior status or None, prior cdf_path, upload_to_s3, input_available, retry_failed, action)
TABLE = [
    # no prior row
    (None, "", False, True, False, p.RUN_PROCESS),
    (None, "", True, True, False, p.RUN_PROCESS),
    (None, "", True, False, False, p.SKIP_NO_INPUT),
    # download statuses -> process
    (t.DOWNLOAD_PENDING, "", False, True, False, p.RUN_PROCESS),
    (t.DOWNLOADED, "", True, True, False, p.RUN_PROCESS),
    (t.SKIPPED_NO_DATA, "", False, True, False, p.RUN_PROCESS),
    (t.DOWNLOADED, "", False, False, False, p.SKIP_NO_INPUT),
    (t.SKIPPED_NO_DATA, "", True, False, True, p.SKIP_NO_INPUT),
    # UPLOADED -> done
    (t.UPLOADED, ON_DISK, True, True, False, p.SKIP_EXISTING),
    (t.UPLOADED, GONE, True, False, True, p.SKIP_EXISTING),
    (t.UPLOADED, GONE, False, True, False, p.SKIP_EXISTING),
    # PROCESSED -> done locally; upload-only when uploading; CDF missing -> re-process
    (t.PROCESSED, ON_DISK, False, True, False, p.SKIP_EXISTING),
    (t.PROCESSED, GONE, False, True, False, p.RUN_PROCESS),
    (t.PROCESSED, ON_DISK, True, True, False, p.RUN_UPLOAD_ONLY),
    (t.PROCESSED, ON_DISK, True, False, False, p.RUN_UPLOAD_ONLY),
    (t.PROCESSED, GONE, True, True, False, p.RUN_PROCESS),
    (t.PROCESSED, GONE, True, False, False, p.SKIP_NO_INPUT),
    # UPLOAD_PENDING -> upload-only; CDF missing -> re-process; not uploading = PROCESSED
    (t.UPLOAD_PENDING, ON_DISK, True, True, False, p.RUN_UPLOAD_ONLY),
    (t.UPLOAD_PENDING, GONE, True, True, False, p.RUN_PROCESS),
    (t.UPLOAD_PENDING, GONE, True, False, False, p.SKIP_NO_INPUT),
    (t.UPLOAD_PENDING, ON_DISK, False, True, False, p.SKIP_EXISTING),
    (t.UPLOAD_PENDING, GONE, False, True, False, p.RUN_PROCESS),
    (t.UPLOAD_PENDING, GONE, False, False, False, p.SKIP_NO_INPUT),
    # PROCESS_PENDING -> re-process
    (t.PROCESS_PENDING, "", True, True, False, p.RUN_PROCESS),
    (t.PROCESS_PENDING, ON_DISK, False, True, False, p.RUN_PROCESS),
    (t.PROCESS_PENDING, "", False, False, False, p.SKIP_NO_INPUT),
    # FAILED -> skip unless retry; upload-stage failure with the CDF on disk -> upload only
    (t.FAILED, "", True, True, False, p.SKIP_FAILED),
    (t.FAILED, ON_DISK, True, True, False, p.SKIP_FAILED),
    (t.FAILED, "", True, True, True, p.RUN_PROCESS),
    (t.FAILED, ON_DISK, True, True, True, p.RUN_UPLOAD_ONLY),
    (t.FAILED, ON_DISK, True, False, True, p.RUN_UPLOAD_ONLY),
    (t.FAILED, GONE, True, True, True, p.RUN_PROCESS),
    (t.FAILED, ON_DISK, False, True, True, p.RUN_PROCESS),
    (t.FAILED, "", False, False, True, p.SKIP_NO_INPUT),
    # SKIPPED_NO_INPUT -> retry when the input appears
    (t.SKIPPED_NO_INPUT, "", False, True, False, p.RUN_PROCESS),
    (t.SKIPPED_NO_INPUT, "", True, True, True, p.RUN_PROCESS),
    (t.SKIPPED_NO_INPUT, "", True, False, False, p.SKIP_TERMINAL),
    (t.SKIPPED_NO_INPUT, "", False, False, True, p.SKIP_TERMINAL),
]


def _prior(status: str | None, cdf_path: str = "") -> TelemetryRow | None:
    if status is None:
        return None
    return TelemetryRow(chunk_date_utc="2025-09-01", status=status, cdf_path=cdf_path)


def _decide(
    prior: TelemetryRow | None,
    *,
    has_input: bool,
    upload: bool = False,
    retry: bool = False,
    force: bool = False,
) -> str:
    """``decide_action`` with a CDF on disk only at ``ON_DISK``."""
    return p.decide_action(
        prior,
        upload_to_s3=upload,
        input_available=has_input,
        retry_failed=retry,
        cdf_exists=_on_disk,
        force=force,
    )


@pytest.mark.parametrize(("status", "cdf_path", "upload", "has_input", "retry", "action"), TABLE)
def test_decide_action_table(
    status: str | None, cdf_path: str, upload: bool, has_input: bool, retry: bool, action: str
) -> None:
    got = _decide(_prior(status, cdf_path), has_input=has_input, upload=upload, retry=retry)
    assert got == action


@pytest.mark.parametrize(
    ("error_type", "cdf_path", "upload", "has_input", "action"),
    [
        # the machine failed (a full disk...): a plain rerun retries the day
        ("DiskFull", "", False, True, p.RUN_PROCESS),
        ("ReadOnlyFileSystem", "", True, True, p.RUN_PROCESS),
        ("DiskIOError", ON_DISK, True, True, p.RUN_UPLOAD_ONLY),
        ("DiskFull", "", False, False, p.SKIP_NO_INPUT),
        # the day's input did: skipped until retried
        ("ReachInputError", "", False, True, p.SKIP_FAILED),
        ("", "", False, True, p.SKIP_FAILED),
    ],
)
def test_a_day_failed_for_the_machine_is_retried_by_a_plain_run(
    error_type: str, cdf_path: str, upload: bool, has_input: bool, action: str
) -> None:
    prior = TelemetryRow(
        chunk_date_utc="2025-09-01", status=t.FAILED, error_type=error_type, cdf_path=cdf_path
    )
    assert _decide(prior, has_input=has_input, upload=upload) == action


# (prior status, input available, action) with force: a done day is made again when its
# input is there; anything else as without it
FORCED = [
    (t.UPLOADED, True, p.RUN_PROCESS),
    (t.PROCESSED, True, p.RUN_PROCESS),
    (t.UPLOAD_PENDING, True, p.RUN_PROCESS),
    (t.UPLOADED, False, p.SKIP_EXISTING),
    (t.PROCESSED, False, p.SKIP_EXISTING),
    (t.FAILED, True, p.SKIP_FAILED),
    (t.SKIPPED_NO_INPUT, False, p.SKIP_TERMINAL),
]


@pytest.mark.parametrize(("status", "has_input", "action"), FORCED)
def test_force_remakes_done_days_that_have_their_input(status, has_input, action) -> None:
    assert _decide(_prior(status, ON_DISK), has_input=has_input, force=True) == action


def test_table_covers_every_status() -> None:
    assert {row[0] for row in TABLE} == t.STATUSES | {None}
    # skip_limit and run_stale are plan_days' (a limit, a stale product), not the table's.
    assert {row[-1] for row in TABLE} == p.ACTIONS - {p.SKIP_LIMIT, p.RUN_STALE}


def test_default_cdf_exists_checks_the_disk(tmp_path: Path) -> None:
    cdf = tmp_path / "x.cdf"
    prior = _prior(t.FAILED, str(cdf))
    kwargs = {"upload_to_s3": True, "input_available": True, "retry_failed": True}
    assert p.decide_action(prior, **kwargs) == p.RUN_PROCESS
    cdf.write_bytes(b"cdf")
    assert p.decide_action(prior, **kwargs) == p.RUN_UPLOAD_ONLY
    assert p.decide_action(_prior(t.PROCESSED, str(tmp_path)), **kwargs) == p.RUN_PROCESS  # a dir


def test_unknown_status_is_processed(caplog: pytest.LogCaptureFixture) -> None:
    kwargs = {"upload_to_s3": False, "retry_failed": False}
    assert p.decide_action(_prior("NEWER"), input_available=True, **kwargs) == p.RUN_PROCESS
    assert p.decide_action(_prior("NEWER"), input_available=False, **kwargs) == p.SKIP_NO_INPUT
    assert "NEWER" in caplog.text


# ---------------------------------------------------------------- plan_days

START = date(2025, 9, 1)


def _plan(state: dict, inputs: set[date], **kwargs: object) -> list[p.DayPlan]:
    end = kwargs.pop("end", START + timedelta(days=7))
    return p.plan_days(
        START,
        end,  # type: ignore[arg-type]
        state=state,
        find_input=lambda d: Path(f"in/{d:%Y%m%d}.csv") if d in inputs else None,
        cdf_exists=_on_disk,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "cdf_path", "upload", "has_input", "action"),
    [
        (t.PROCESSED, ON_DISK, False, True, p.RUN_STALE),  # done, stale: made again
        (t.UPLOADED, ON_DISK, True, True, p.RUN_STALE),
        (t.PROCESSED, ON_DISK, True, True, p.RUN_STALE),  # not only uploaded
        (t.PROCESSED, ON_DISK, False, False, p.SKIP_EXISTING),  # no input to make it from
        (t.PROCESSED, GONE, False, True, p.RUN_PROCESS),  # not done: the usual rule
        (t.FAILED, ON_DISK, False, True, p.SKIP_FAILED),
        (None, "", False, True, p.RUN_PROCESS),
    ],
)
def test_plan_days_makes_stale_done_days_again(status, cdf_path, upload, has_input, action):
    asked = []

    def stale(day, prior, input_path) -> bool:
        asked.append(day)
        return True

    inputs = {START} if has_input else set()
    [plan] = _plan({START: _prior(status, cdf_path)} if status else {}, inputs, end=START,
                   upload_to_s3=upload, stale=stale)  # fmt: skip
    assert plan.action == action
    assert asked == ([START] if action == p.RUN_STALE else [])


def test_plan_days_one_plan_per_day() -> None:
    state = {START: _prior(t.UPLOADED), START + timedelta(days=1): _prior(t.FAILED)}
    plans = _plan(state, {START, START + timedelta(days=2)})
    assert [pl.day for pl in plans] == [START + timedelta(days=i) for i in range(8)]
    assert [pl.action for pl in plans] == [
        p.SKIP_EXISTING,
        p.SKIP_FAILED,
        p.RUN_PROCESS,
        *[p.SKIP_NO_INPUT] * 5,
    ]
    assert plans[0].prior == state[START] and plans[2].prior is None
    assert plans[2].input_path == Path("in/20250903.csv") and plans[3].input_path is None


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, ["done", "work", "skip", "work", "work", "done", "work", "work"]),
        (1, ["done", "work", "skip", "limit", "limit", "done", "limit", "limit"]),
        (3, ["done", "work", "skip", "work", "work", "done", "limit", "limit"]),
        (5, ["done", "work", "skip", "work", "work", "done", "work", "work"]),
        (100, ["done", "work", "skip", "work", "work", "done", "work", "work"]),
    ],
)
def test_limit_days_counts_only_days_that_need_work(limit: int | None, expected: list) -> None:
    days = [START + timedelta(days=i) for i in range(8)]
    state = {
        days[0]: _prior(t.UPLOADED),
        days[2]: _prior(t.FAILED),
        days[3]: _prior(t.PROCESSED, ON_DISK),  # upload only
        days[5]: _prior(t.UPLOADED),
    }
    plans = _plan(state, set(days), limit_days=limit, upload_to_s3=True)
    short = {
        p.SKIP_EXISTING: "done",
        p.RUN_PROCESS: "work",
        p.RUN_UPLOAD_ONLY: "work",
        p.SKIP_FAILED: "skip",
        p.SKIP_LIMIT: "limit",
    }
    assert [short[pl.action] for pl in plans] == expected
    assert plans[3].action == (p.SKIP_LIMIT if limit == 1 else p.RUN_UPLOAD_ONLY)


@pytest.mark.parametrize("limit", [0, -1])
def test_limit_days_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError):
        _plan({}, set(), limit_days=limit)


def test_end_before_start() -> None:
    with pytest.raises(ValueError):
        _plan({}, set(), end=START - timedelta(days=1))
    assert [pl.day for pl in _plan({}, set(), end=START)] == [START]


def test_datetimes_are_rejected() -> None:
    with pytest.raises(TypeError):
        _plan({}, set(), end=datetime(2025, 9, 2))


def test_plan_from_the_reference_example(tmp_path: Path) -> None:
    """The example's days, with their inputs on disk and the CDFs resolved under out/."""
    state = TelemetryLog(EXAMPLE).latest_by_day()
    (tmp_path / "out/l1c/prelim/2025/09/03").mkdir(parents=True)
    (tmp_path / state[date(2025, 9, 3)].cdf_path).write_bytes(b"cdf")
    plans = p.plan_days(
        START,
        date(2025, 9, 7),
        state=state,
        find_input=lambda d: Path("x.csv") if d.day in {2, 3, 5, 7} else None,
        upload_to_s3=True,
        retry_failed=True,
        cdf_exists=lambda rel: bool(rel) and (tmp_path / rel).is_file(),
    )
    assert [pl.action for pl in plans] == [
        p.SKIP_EXISTING,  # 09-01 UPLOADED
        p.RUN_PROCESS,  # 09-02 FAILED while processing
        p.RUN_UPLOAD_ONLY,  # 09-03 FAILED while uploading, CDF still on disk
        p.SKIP_TERMINAL,  # 09-04 SKIPPED_NO_INPUT, still no input
        p.SKIP_EXISTING,  # 09-05 UPLOADED
        p.SKIP_TERMINAL,  # 09-06 SKIPPED_NO_INPUT
        p.RUN_PROCESS,  # 09-07 no row yet
    ]


# ------------------------------------------------------------------ decide_watched_input

_STARTED = "2025-09-10T06:00:00+00:00"
_BEFORE = datetime.fromisoformat("2025-09-10T05:59:59+00:00")
_AFTER = datetime.fromisoformat("2025-09-10T06:00:01+00:00")


@pytest.mark.parametrize(
    ("status", "started", "modified", "upload", "action"),
    [
        (None, "", _BEFORE, False, p.RUN_PROCESS),  # a day nobody has seen
        (t.UPLOADED, _STARTED, _BEFORE, True, p.SKIP_EXISTING),  # done, same input
        (t.UPLOADED, _STARTED, _AFTER, True, p.RUN_PROCESS),  # re-downloaded after it
        (t.PROCESSED, _STARTED, _BEFORE, False, p.SKIP_EXISTING),
        (t.PROCESSED, _STARTED, _BEFORE, True, p.RUN_UPLOAD_ONLY),
        (t.FAILED, _STARTED, _BEFORE, True, p.SKIP_FAILED),  # failed on this very input
        (t.FAILED, _STARTED, _AFTER, False, p.RUN_PROCESS),  # a new input may fix it
        (t.PROCESS_PENDING, _STARTED, _BEFORE, False, p.RUN_PROCESS),
        (t.DOWNLOADED, _STARTED, _BEFORE, False, p.RUN_PROCESS),
        (t.UPLOADED, "2025-09-10T06:00:00", _BEFORE, False, p.SKIP_EXISTING),  # naive: UTC
        (t.UPLOADED, "2025-09-10T06:00:00", _AFTER, False, p.RUN_PROCESS),
        (t.UPLOADED, "not a time", _BEFORE, False, p.RUN_PROCESS),  # cannot tell: process
        (t.UPLOADED, "", _BEFORE, False, p.RUN_PROCESS),
    ],
)
def test_decide_watched_input(status, started, modified, upload, action):
    prior = None
    if status is not None:
        prior = TelemetryRow(status=status, started_at_utc=started, cdf_path=ON_DISK)
    got = p.decide_watched_input(
        prior, input_modified=modified, upload_to_s3=upload, cdf_exists=_on_disk
    )
    assert got == action
