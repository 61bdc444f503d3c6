"""The side-by-side report of ``bench/bench_celery.py``: one column per worker count."""

from __future__ import annotations


def fmt(value, digits: int = 2, unit: str = "s") -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}".strip()


def fmt_stats(s: dict) -> str:
    if not s.get("n"):
        return "-"
    return f"mean {s['mean']:.2f}  min {s['min']:.2f}  max {s['max']:.2f}  (n={s['n']})"


ROWS = (
    ("days / runs", lambda f, c: f"{f['days']} / {f['runs']}"),
    ("run statuses", lambda f, c: ", ".join(f"{k} {v}" for k, v in sorted(f["statuses"].items()))),
    ("total wall (launch -> last day done)", lambda f, c: fmt(f["wall_s"], 1)),
    ("  per day", lambda f, c: fmt(f["s_per_day"])),
    ("pick-up (launch -> first run created)", lambda f, c: fmt(f["pickup_s"], 1)),
    ("first run created -> last day done", lambda f, c: fmt(f["busy_wall_s"], 1)),
    ("  per day", lambda f, c: fmt(f["busy_s_per_day"])),
    ("sum of step times (reach_day)", lambda f, c: fmt(f["step_total_s"], 1)),
    ("  of which processor (process_seconds)", lambda f, c: fmt(f["process_total_s"], 1)),
    ("overhead per day (wall - sum of steps)/days", lambda f, c: fmt(f["overhead_per_day_s"])),
    (
        "runs / steps at once (max)",
        lambda f, c: f"{f['max_parallel_runs']} / {f['max_parallel_steps']}",
    ),
    (
        "runs, days per worker",
        lambda f, c: "; ".join(
            f"{w.rsplit('-', 1)[-1]}: {e['runs']} runs {e['days']} days"
            for w, e in sorted(f["per_worker"].items())
        ),
    ),
    ("gap on a worker: run end -> next start", lambda f, c: fmt_stats(f["same_worker_gap"])),
    ("STARTING -> RUN_START (incl. broker wait)", lambda f, c: fmt_stats(f["starting_to_start"])),
    ("RUN_START -> step start", lambda f, c: fmt_stats(f["start_to_step"])),
    ("step per run", lambda f, c: fmt_stats(f["step_per_run"])),
    # While the runs ran (first run created -> last day done): the whole machine, our server
    # and worker trees, and the rest (other users of a shared machine).
    (
        "CPUs busy: machine / ours / others",
        lambda f, c: (
            f"{c['busy_cpus']:.2f} / {c['our_cpus']:.2f} / {c['other_cpus']:.2f} of {c['cpus']}"
        ),
    ),
    (
        "load avg 1 min (first created -> done)",
        lambda f, c: " -> ".join(map(str, c["load_avg_1m"])),
    ),
)


def medians(results: list[dict]) -> list[dict]:
    """Each worker count's median run (by first run created -> last day done), in order."""
    chosen = []
    for workers in dict.fromkeys(r["workers"] for r in results):
        mine = sorted(
            (r for r in results if r["workers"] == workers),
            key=lambda r: r["figures"]["busy_wall_s"],
        )
        chosen.append({**mine[(len(mine) - 1) // 2], "repeats": mine})
    return chosen


def table(results: list[dict]) -> list[tuple[str, list[str]]]:
    """(label, one cell per worker count) for every row, then the repeats and the speed-up."""
    shown = medians(results)
    rows = [("", [f"{r['workers']} worker(s)" for r in shown])]
    rows += [(label, [cell(r["figures"], r["cpu"]) for r in shown]) for label, cell in ROWS]
    rows.append(
        (
            "every run: first created -> done",
            [", ".join(f"{x['figures']['busy_wall_s']:.1f}" for x in r["repeats"]) for r in shown],
        )
    )
    base = shown[0]["figures"]["busy_wall_s"]
    rows.append(
        (
            "speed-up (first created -> done)",
            [f"{base / r['figures']['busy_wall_s']:.2f}x" for r in shown],
        )
    )
    return rows


def print_report(machine: dict, results: list[dict]) -> None:
    rows = table(results)
    width = max(len(label) for label, _ in rows) + 2
    columns = [max(len(cells[i]) for _, cells in rows) + 3 for i in range(len(rows[0][1]))]
    rule = "=" * (width + sum(columns))
    print(f"\n{rule}\nbench_celery: the same UI backfill of reach_cdf on N dagster-celery workers")
    print(rule)
    m = machine
    print(f"machine   {m['cpu']}, {m['cpus']} CPUs, {m['ram_gb']} GB RAM")
    print(f"software  Python {m['python']}, dagster {m['dagster']}, code {m['code']}")
    if len(results) > len(rows[0][1]):
        print(f"repeats   {len(results)} runs; each column is the median run of its count")
    for line in results[0]["config"]:
        print(f"instance  {line}")
    print()
    for label, cells in rows:
        line = "".join(f"{cell:<{w}}" for cell, w in zip(cells, columns, strict=True))
        print(f"{label:<{width}}{line}".rstrip())
    forced = [f for r in results for f in r["forced"]]
    print(f"{'stopped without SIGKILL':<{width}}{'yes' if not forced else forced}")
    print(rule)
