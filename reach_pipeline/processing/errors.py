"""The one exception bad input raises, and how its messages quote the input."""

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


def excerpt(value: object, width: int = 60) -> str:
    """``repr`` of a piece of input, cut to ``width`` characters (a cell may be megabytes)."""
    if isinstance(value, int) and value.bit_length() > 10_000:
        # str() of an int of more than 4300 digits raises (the integer digit limit).
        return f"<an integer of about {int(value.bit_length() * 0.30103):,} digits>"
    if isinstance(value, list | tuple | dict):
        return f"<a {type(value).__name__} of {len(value):,} items>"
    text = value if isinstance(value, str) else str(value)
    quote = repr if isinstance(value, str) else str
    if len(text) > width:
        return quote(text[: width - 3] + "...") + f" ({len(text):,} characters)"
    return quote(text)
