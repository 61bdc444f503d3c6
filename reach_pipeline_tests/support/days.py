"""Runs of consecutive days, as the tests' archives and backfills are made of."""

from __future__ import annotations

from datetime import date, timedelta


def days_from(first: date, count: int) -> list[date]:
    """``count`` consecutive days, ``first`` the first."""
    return [first + timedelta(days=k) for k in range(count)]
