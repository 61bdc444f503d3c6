"""``python -m reach_pipeline.processing FILE [FILE ...]``: process day files into the cwd."""

from __future__ import annotations

import argparse
import json
import sys

from .api import process_day
from .errors import ReachInputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reach_pipeline.processing")
    parser.add_argument("files", nargs="+", help="UDL day files (.csv or .json)")
    parser.add_argument("-o", "--output-dir", default=None, help="where to write (default: cwd)")
    args = parser.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            facts = process_day(name, args.output_dir)
        except ReachInputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        print(json.dumps(facts.as_dict()))
    return status


if __name__ == "__main__":
    sys.exit(main())
