"""``reach-pipeline``: the legacy command line, running every day through Dagster."""

from __future__ import annotations

import logging
import sys

from reach_pipeline.preflight import check_paths
from reach_pipeline.settings import (
    SettingsError,
    backfill_days_per_run,
    partitions_start,
    resolve_settings,
    unknown_variables,
)

from .args import UsageError, build_parser, explicit_settings, validate
from .process import cmd_process
from .state import cmd_import, cmd_status

COMMANDS = {"process": cmd_process, "import-telemetry": cmd_import, "status": cmd_status}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # no command: one line, as any usage error, naming the commands
        print(
            f"reach-pipeline: error: a command is needed: {', '.join(COMMANDS)} "
            "(reach-pipeline --help, reach-pipeline COMMAND --help)",
            file=sys.stderr,
        )
        return 2
    for line in unknown_variables():  # a misspelled setting is named, not silently ignored
        print(f"reach-pipeline: warning: {line}", file=sys.stderr)
    try:
        args = build_parser().parse_args(argv)
        validate(args)
        explicit = explicit_settings(args)
        settings = resolve_settings(explicit)
        # read by the Dagster definitions when they load: checked now
        partitions_start()
        backfill_days_per_run()
        # An operator's mistake in a path stops here: no telemetry row, no day touched.
        check_paths(settings, writing=args.command == "process")
    except (UsageError, SettingsError) as exc:
        print(f"reach-pipeline: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return COMMANDS[args.command](args, settings, explicit)
    except (UsageError, SettingsError) as exc:
        print(f"reach-pipeline: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
