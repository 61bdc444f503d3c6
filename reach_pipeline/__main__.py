"""``python -m reach_pipeline``: the same as the ``reach-pipeline`` command."""

import sys

from reach_pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
