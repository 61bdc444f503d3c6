"""The L2's time attributes, written as the legacy tool (astropy ``Time``, UTC) writes them.

``Time_start`` / ``Time_end`` are the L1C's first and last epochs as ISO UTC to the
millisecond; ``Time_resolution`` is ``str((end - start).to(u.s))`` of two UTC astropy
times. That difference carries astropy's float noise (``59.99999999999499 s`` for a minute),
reproduced here step by step without astropy: parse to a two-part Julian date
(``erfa.dtf2d``), normalize (``day_frac``), UTC to TAI (``erfa.utctai``), subtract,
normalize, times 86400. Days that end in a leap second (none since 2017) are not modelled.
"""

from __future__ import annotations

import datetime as dt
import math

import cdflib

_DAYSEC = 86400.0
_EPS = 2.220446049250313e-16
_MJD_ZERO = dt.date(1858, 11, 17)
_J2000_UTC = dt.datetime(2000, 1, 1, 11, 58, 55, 816000)


def tt2000_to_utc(tt2000: int) -> tuple[dt.datetime, int]:
    """A TT2000 epoch as a naive UTC datetime to the second, and the nanoseconds past it."""
    y, mo, d, h, mi, s, ms, us, ns = (int(x) for x in cdflib.cdfepoch.breakdown_tt2000(tt2000))
    return dt.datetime(y, mo, d, h, mi, s), (ms * 1000 + us) * 1000 + ns


def iso_milliseconds(tt2000: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmm``, rounded to the millisecond like astropy's ``isot``."""
    second, ns = tt2000_to_utc(tt2000)
    t = second + dt.timedelta(milliseconds=round(ns / 1e6))
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}"


def time_resolution(first_tt2000: int, last_tt2000: int) -> str:
    """``'<seconds> s'``: the span first..last in seconds, as astropy computes it in UTC."""
    a1, a2 = _tai_jd(first_tt2000)
    b1, b2 = _tai_jd(last_tt2000)
    j1, j2 = _day_frac(b1 - a1, b2 - a2)
    return f"{(j1 + j2) * _DAYSEC!r} s"


def _tai_at_midnight(day: dt.date) -> float:
    """TAI - UTC in seconds at 0h UTC of ``day`` (from cdflib's leap-second table)."""
    tt2000 = int(cdflib.cdfepoch.compute_tt2000([day.year, day.month, day.day, 0, 0, 0, 0, 0, 0]))
    naive = (dt.datetime.combine(day, dt.time()) - _J2000_UTC) // dt.timedelta(microseconds=1)
    return round((tt2000 - naive * 1000) / 1e9) + 32.0


def _tai_jd(tt2000: int) -> tuple[float, float]:
    second, ns = tt2000_to_utc(tt2000)
    mjd = (second.date() - _MJD_ZERO).days
    sec = second.second + ns / 1e9
    # erfa.dtf2d: two-part JD of the UTC date and time.
    d1 = 2400000.5 + mjd
    d2 = (60.0 * float(60 * second.hour + second.minute) + sec) / _DAYSEC
    u1, u2 = _day_frac(d1, d2)
    # erfa.utctai, for a day without a leap second.
    a2 = 2400000.5 - u1
    a2 += float(mjd)
    a2 += _jd_fraction(u1, u2) + _tai_at_midnight(second.date()) / _DAYSEC
    return _day_frac(u1, a2)


def _two_sum(a: float, b: float) -> tuple[float, float]:
    x = a + b
    eb = x - a
    ea = x - eb
    return x, (a - ea) + (b - eb)


def _day_frac(v1: float, v2: float) -> tuple[float, float]:
    """astropy's ``day_frac``: v1 + v2 as (integer day, fraction in [-0.5, 0.5])."""
    total, err = _two_sum(v1, v2)
    day = float(round(total))
    extra, frac = _two_sum(total, -day)
    frac += extra + err
    day += float(round(frac))
    extra, frac = _two_sum(total, -day)
    frac += extra + err
    return day, frac


def _nint(a: float) -> float:
    return float(math.floor(a + 0.5)) if a >= 0 else -float(math.floor(0.5 - a))


def _jd_fraction(dj1: float, dj2: float) -> float:
    """erfa.jd2cal's fraction of the day, by its compensated summation."""
    s, cs = 0.5, 0.0
    for x in (dj1 - _nint(dj1), dj2 - _nint(dj2)):
        t = s + x
        cs += (s - t) + x if abs(s) >= abs(x) else (x - t) + s
        s = t
        if s >= 1.0:
            s -= 1.0
    f = s + cs
    cs = f - s
    if f < 0.0:
        f = s + 1.0
        cs += (1.0 - f) + s
        s = f
        f = s + cs
        cs = f - s
    if (f - 1.0) >= -_EPS / 4.0:
        t = s - 1.0
        cs += (s - t) - 1.0
        s = t
        f = s + cs
        if -_EPS / 2.0 < f:
            f = max(f, 0.0)
    return f
