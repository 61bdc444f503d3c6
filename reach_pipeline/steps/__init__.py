"""One day's work at each stage, with its telemetry rows; no Dagster here.

Each stage function takes the resolved settings, the day and the run's ``DayLog`` and
returns a ``DayOutcome``. A day's failure (bad input, a processor crash, an upload refused)
is caught, logged FAILED and returned; an interruption (KeyboardInterrupt, a terminated
run) is not caught, so the day stays PENDING and the next run resumes it. A stage works
on a day only while it holds the day's lock (``claim``): a day another process holds, or
has worked on since this run planned it, is LOCKED (no row, not failed). The stage table
(``reach_pipeline.stages``) names each stage's function; the Dagster assets turn outcomes
into materializations and failures.
"""
