"""The printed report of ``bench_backfill.py``: one function per section, each returning
its (label, value) rows."""

from __future__ import annotations

from . import ASSET, STEP, TARGET_S_PER_DAY

Rows = list[tuple[str, str]]

# (label, timeline key): single durations, then per-day statistics
WALL = (
    ("total wall (launch -> last day done)", "wall_s"),
    ("  to backfill marked complete", "wall_to_backfill_complete_s"),
    ("sum of reach_day step times", "step_total_s"),
    ("sum of processor times (process_seconds)", "processor_total_s"),
    ("pick-up (launch -> first run created)", "pickup_s"),
    ("launch -> first run launched", "pickup_to_first_launch_s"),
    ("last day done -> backfill complete", "tail_s"),
    ("steady: first run start -> last end, per day", "steady_cycle_s"),
    ("  of which overhead (minus steps, per day)", "steady_overhead_s"),
)
PER_DAY = (
    ("days per run", "days_per_run"),
    ("gap: run end -> next run start", "gap_end_to_next_start"),
    ("  queue: run end -> next launched (<0: before)", "queue_wait"),
    ("  launch: STARTING -> RUN_START", "launch"),
    ("run: RUN_START -> run end", "run_duration"),
    ("  RUN_START -> reach_day STEP_START", "run_start_to_step"),
    ("  reach_day step (all the run's days)", "step"),
    ("    of which processor (process_seconds)", "processor"),
    ("  other steps", "other_steps"),
    ("  reach_day STEP_SUCCESS -> run end", "step_end_to_run_end"),
)
STARTUP = (
    ("import dagster._cli (spawn's __mp_main__)", "dagster_cli_s"),
    ("open the instance", "instance_s"),
    ("import reach_pipeline.definitions", "code_s"),
)
OTHERS_INFLATE_CPUS = 0.25  # other processes' CPU use above which the figures are suspect


def fmt(value, unit: str = "s", digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f} {unit}".strip()


def fmt_stats(s: dict) -> str:
    if not s or not s.get("n"):
        return "-"
    return (
        f"mean {s['mean']:.2f}  median {s['median']:.2f}  "
        f"min {s['min']:.2f}  max {s['max']:.2f}  (n={s['n']})"
    )


def pass_fail(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def header_rows(result: dict) -> Rows:
    m, cfg, t = result["machine"], result["config"], result["timeline"]
    rows = [
        ("machine", f"{m['cpu']}, {m['cpus']} CPUs, {m['ram_gb']} GB RAM, {m['os']}"),
        ("software", f"Python {m['python']}, dagster {m['dagster']}, code {m['code']}"),
    ]
    if result.get("code_changed"):
        changed = f"WARNING: code or config changed during the run (was {result['code_at_start']})"
        rows.append(("", changed))
    rows.append(("dagster.yaml", cfg["label"]))
    rows += [("", line) for line in cfg["summary"]]
    overlapped = (
        "" if t["max_parallel_runs"] == 1 else "  <- runs overlapped: not a run-sequential backfill"
    )
    return rows + [
        ("pool reach_cdf", result["pool"]),
        ("days", f"{t['days']} ({result['partitions'][0]} .. {result['partitions'][-1]})"),
        ("launch", "GraphQL launchPartitionBackfill, assetSelection [reach_cdf], from_ui tag"),
        ("backfill", f"{result['backfill_id']}  status {result['backfill_status']}"),
        ("runs", ", ".join(f"{k} {v}" for k, v in sorted(t["statuses"].items()))),
        (
            "at once (max)",
            f"{t['max_parallel_runs']} run(s), {t['max_parallel_steps']} {STEP} step(s)"
            + overlapped,
        ),
    ]


def startup_rows(floor: dict) -> Rows:
    heaviest = ", ".join(f"{name} {sec:.2f}" for name, sec in floor["code_imports"][:6])
    rows = [(label, fmt(floor[key])) for label, key in STARTUP]
    return rows + [("  heaviest imports in it", heaviest)]


def memory_rows(mem: dict) -> Rows:
    q = mem.get("_quarter_days", {})
    rows = [("quarters", f"first {q.get('days', '-')} days vs last {q.get('days', '-')} days")]
    for key in sorted(k for k in mem if not k.startswith("_")):
        e = mem[key]
        if e["per_day_process"]:
            judged = "new process(es) every day"
        else:
            judged = "flat" if e["flat"] else "GROWS"
        rows.append(
            (
                key,
                f"first {e['first_mb']:.0f}  last {e['last_mb']:.0f}  "
                f"({e['growth_mb']:+.0f}, {e['per_day_mb']:+.2f}/day)  "
                f"overall {e['peak_mb']:.0f}  {judged}",
            )
        )
    return rows


def cpu_rows(c: dict) -> Rows:
    rows = [
        (
            "machine busy",
            f"{c['machine_busy_cpus']:.2f} of {c['cpus']} CPUs: this benchmark's processes "
            f"{c['bench_cpus']:.2f}, others {c['other_cpus']:.2f}; load avg 1 min "
            + " -> ".join(str(x) for x in c["load_avg_1m"]),
        )
    ]
    if c["other_cpus"] is not None and c["other_cpus"] > OTHERS_INFLATE_CPUS:
        rows.append(("", "WARNING: other work was using the machine; the figures are inflated"))
    by_role = ", ".join(f"{k} {v:.1f}" for k, v in list(c["by_role_cpu_s"].items())[:6])
    return rows + [("CPU seconds by process", by_role)]


def verdict_rows(t: dict, mem: dict) -> Rows:
    overhead = t["overhead_per_day_s"]
    rows = [
        (
            "orchestration overhead per day",
            f"{overhead:.2f} s  (target <= {TARGET_S_PER_DAY} s)  "
            + pass_fail(overhead <= TARGET_S_PER_DAY),
        )
    ]
    rows.append(
        (
            "  wall beyond the processor, per day",
            f"{t['beyond_processor_per_day_s']:.2f} s  (our per-day work in the step included)",
        )
    )
    complete = t["overhead_per_day_to_complete_s"]
    if complete is not None:
        rows.append(
            (
                "  incl. wait for 'backfill complete'",
                f"{complete:.2f} s  {pass_fail(complete <= TARGET_S_PER_DAY)}",
            )
        )
    watched = [
        k
        for k in mem
        if not k.startswith("_")
        and (k == "daemon" or k.endswith("code server") or k == "webserver")
    ]
    flat = all(mem[k]["flat"] for k in watched) if watched else None
    judged = "-" if flat is None else f"{pass_fail(flat)}  ({', '.join(watched)})"
    return rows + [("daemon + code servers flat", judged)]


def report_rows(result: dict) -> Rows:
    t, mem = result["timeline"], result["memory"]
    sections = [
        ("wall", [(label, fmt(t[key])) for label, key in WALL]),
        ("per day, seconds", [(label, fmt_stats(t[key])) for label, key in PER_DAY]),
        (
            "run worker start-up, replayed in a fresh process (best of 3)",
            startup_rows(result["worker_startup"]),
        ),
        ("memory, peak RSS MB", memory_rows(mem)),
        ("CPU during the backfill (launch -> done)", cpu_rows(result["cpu"])),
        ("verdict", verdict_rows(t, mem)),
    ]
    rows = header_rows(result)
    for title, section in sections:
        rows += [("", ""), (f"[{title}]", ""), *section]
    return rows


def print_report(result: dict) -> None:
    rows = report_rows(result)
    width = max(len(label) for label, value in rows if value) + 2
    print()
    print("=" * 100)
    print(f"bench_backfill: sequential UI backfill of {ASSET}")
    print("=" * 100)
    for label, value in rows:
        print(f"{label:<{width}}{value}".rstrip() if value else label)
    print("=" * 100)
