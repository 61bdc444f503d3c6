"""The one exception bad input raises."""

from __future__ import annotations

from pathlib import Path


class ReachInputError(ValueError):
    """A UDL day file that cannot be turned into a CDF.

    The message always starts with the file's path, then says what is wrong with it, so
    an operator reading a telemetry row or a Dagster failure knows which file to look at.
    """

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
