"""What the alert tests configure and read: the secret every webhook path and token holds,
and a logging handler whose lines a test reads."""

from __future__ import annotations

import logging

SENTINEL = "SENTINEL-SECRET-7f3a9c"  # in every webhook path and token the tests configure


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")
