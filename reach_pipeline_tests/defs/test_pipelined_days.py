"""A ranged run's days through ``steps.day.pipelined_days``: a day's L2 runs on a second
thread while the next day's L1C runs, each day under its own claim, the outcomes in day
order. The L1C is the gated processor, so the test holds a day's L1C and watches the day
before it get its L2 meanwhile, whatever the machine's speed."""

from __future__ import annotations

import threading
from datetime import date

from reach_pipeline.defs.resources import ReachSettings, day_log
from reach_pipeline.runner.isolation import day_lock_path
from reach_pipeline.stages import StageId
from reach_pipeline.steps.day import pipelined_days
from reach_pipeline.steps.geomap import day_l2
from reach_pipeline_tests.faults.support import day_file_name, wait_for
from reach_pipeline_tests.support import processors
from reach_pipeline_tests.support.data import SAMPLE_DAYS

DAYS = [date.fromisoformat(d) for d in SAMPLE_DAYS]


def test_a_days_l2_runs_while_the_next_days_l1c_runs(input_dir, output_dir):
    settings = ReachSettings(
        input_dir=str(input_dir), output_dir=str(output_dir), processor=processors.GATED
    ).resolve()
    log = day_log(settings, "pipelined-run")
    # day 1's L1C may go at once; the others wait for the test
    processors.release_processors(input_dir, day_file_name(DAYS[0]))
    results, errors = [], []

    def consume():
        try:
            stages = {StageId.L1C, StageId.L2}
            results.extend(pipelined_days(settings, DAYS, log, stages))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    worker = threading.Thread(target=consume)
    worker.start()
    try:
        wait_for(
            "day 2's L1C held while day 1's L2 is placed, day 1 claimed until then",
            lambda: (
                day_file_name(DAYS[1]) in processors.started_processors(input_dir)
                and day_l2(settings, DAYS[0]).is_file()
                and not day_lock_path(output_dir, DAYS[0]).exists()
            ),
            timeout_s=240,
        )
        assert day_lock_path(output_dir, DAYS[1]).exists()  # day 2 still claimed
        assert not day_l2(settings, DAYS[1]).exists()
        assert results == []  # day 1's outcomes wait for day 2's L1C (the events' order)
    finally:
        processors.release_processors(input_dir)
        worker.join(timeout=240)
    assert not worker.is_alive() and errors == []
    assert [day for day, _ in results] == DAYS
    for day, outcomes in results:
        assert {s: o.ok for s, o in outcomes.items()} == {StageId.L1C: True, StageId.L2: True}
        assert day_l2(settings, day).is_file()


def test_a_pipeline_closed_early_releases_its_days_and_starts_no_more(input_dir, output_dir):
    """The run stops after the first day's outcomes (a machine fault, an interrupt): the
    next day, already begun, ends or is not begun on the second thread, every claim is
    released, and no later day is started."""
    settings = ReachSettings(input_dir=str(input_dir), output_dir=str(output_dir)).resolve()
    log = day_log(settings, "closed-run")
    pipeline = pipelined_days(settings, DAYS, log, {StageId.L1C, StageId.L2})

    day, outcomes = next(pipeline)
    pipeline.close()

    assert day == DAYS[0] and all(o.ok for o in outcomes.values())
    assert not any(day_lock_path(output_dir, d).exists() for d in DAYS)
    assert not (output_dir / "l1c" / "prelim" / f"{DAYS[2]:%Y/%m/%d}").exists()
    assert not day_l2(settings, DAYS[2]).exists()
