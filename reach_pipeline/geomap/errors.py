"""The one exception bad input raises."""

from __future__ import annotations

from pathlib import Path


class GeomapInputError(ValueError):
    """An L1C CDF that cannot be turned into a geomap.

    The message starts with the file's path, then says what is wrong with it.
    """

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
