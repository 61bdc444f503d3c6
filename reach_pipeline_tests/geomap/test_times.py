"""The L2's time attributes, as the legacy tool (astropy Time, UTC) writes them."""

from __future__ import annotations

import cdflib
import pytest

from reach_pipeline.geomap.times import iso_milliseconds, time_resolution


def tt2000(iso: str) -> int:
    """'2019-10-06T05:37:26.633' -> TT2000 via cdflib."""
    date, clock = iso.split("T")
    hms, _, frac = clock.partition(".")
    frac = (frac + "000000000")[:9]
    parts = [*map(int, date.split("-")), *map(int, hms.split(":"))]
    parts += [int(frac[:3]), int(frac[3:6]), int(frac[6:])]
    return int(cdflib.cdfepoch.compute_tt2000(parts))


# (first, last, str((Time(last) - Time(first)).to(u.s))) as printed by astropy 8.0.2 for
# UTC times made from numpy datetime64 values; the first two are the reference L2 files'.
ASTROPY = [
    ("2025-09-04T00:00:00", "2025-09-04T00:01:00", "59.99999999999499 s"),
    ("2025-09-01T00:00:00", "2025-09-01T00:00:30", "29.999999999999893 s"),
    ("2019-10-06T05:37:26.633", "2019-10-06T07:25:27.527", "6480.89399999999 s"),
    ("2014-02-15T00:00:00", "2014-02-15T13:38:01.935", "49081.935 s"),
    ("2025-07-28T00:00:00", "2025-07-28T01:23:52.582", "5032.5819999999985 s"),
    ("2014-06-06T16:10:02.938", "2014-06-06T18:46:18.774", "9375.836000000008 s"),
    ("2017-11-24T03:22:55.294", "2017-11-24T05:35:08.971", "7933.676999999995 s"),
    ("2025-03-08T00:00:00", "2025-03-08T23:30:41.177", "84641.177 s"),
    ("2025-07-29T02:18:22.983", "2025-07-29T04:09:18.747", "6655.764000000001 s"),
    ("2017-06-17T00:00:00", "2017-06-17T10:47:50.700", "38870.7 s"),
    ("2025-09-01T00:00:00", "2025-09-01T00:00:00", "0.0 s"),
]


@pytest.mark.parametrize(("first", "last", "expected"), ASTROPY)
def test_time_resolution_equals_astropy(first, last, expected):
    assert time_resolution(tt2000(first), tt2000(last)) == expected


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("2025-09-04T00:00:00", "2025-09-04T00:00:00.000"),
        ("2025-09-01T23:59:55", "2025-09-01T23:59:55.000"),
        ("2025-09-04T00:00:00.0014", "2025-09-04T00:00:00.001"),
        ("2025-09-04T00:00:00.0016", "2025-09-04T00:00:00.002"),
        ("2025-09-04T23:59:59.9996", "2025-09-05T00:00:00.000"),  # rounds into the next day
        ("2016-12-31T12:00:00.25", "2016-12-31T12:00:00.250"),
    ],
)
def test_iso_milliseconds(iso, expected):
    assert iso_milliseconds(tt2000(iso)) == expected
