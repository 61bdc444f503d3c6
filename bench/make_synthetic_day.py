"""Generate a realistic synthetic full UTC day of REACH dosimeter data as a UDL download CSV.

The output uses the 25-column UDL download schema of the real
``REACH-ALL_<day>T000000_<day+1>T000000.csv`` files (see
``/work/shared/reference/udl``), with the real value formats:

* ``seoList`` cells are Python list-of-dict reprs, double-quoted in the CSV;
* ``senPos`` cells are Python list reprs of an ECI position in km, double-quoted;
* times are ISO 8601 with milliseconds and a ``Z`` suffix;
* floats are written the way Python's ``repr`` writes them (``4.02944e-05``, ``0.0``).

One record is one dosimeter (DOSE1 or DOSE2) of one pod at one 5-second time step:
32 pods x 2 dosimeters x 17,280 steps, about 1.1 million records and 530-560 MB for a full
day. The day also contains the awkward parts of the real feed: ~2 % reprocessed duplicates
(same idSensor, obDescription and obTime, later createdAt, different obValue), ~0.5 % rows
with a blank idSensor (observatoryName still set), a pod missing for an hour, a few missing
time steps and single records, some non-zero quality flags, zero and fill (-1e+31) values,
and the rows in a random (seeded) order.

Speed: all columns are built as vectorised numpy / pyarrow arrays and every output line is
assembled with ``pyarrow.compute.binary_join_element_wise``; the joined string buffer of each
chunk is written to the file as is. A full day takes a few seconds and well under 1 GB of RAM.

Usage::

    python bench/make_synthetic_day.py OUT.csv [--day 2025-09-01] [--fraction 1.0] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"

STEP_SECONDS = 5
STEPS_PER_DAY = 86400 // STEP_SECONDS  # 17,280

DUPLICATE_FRACTION = 0.02
BLANK_ID_FRACTION = 0.005
MISSING_STEP_FRACTION = 0.0005  # (pod, step) pairs with both dosimeters missing
MISSING_RECORD_FRACTION = 0.0001  # single dosimeter records missing
QUALITY_FLAG_FRACTION = 0.01  # obQuality '16' instead of '0'
ZERO_FRACTION = 0.003  # obValue 0.0
FILL_FRACTION = 0.0002  # obValue -1e+31

CHUNK_ROWS = 131_072

COLUMNS = (
    "id,classificationMarking,dataType,genTime,idOnOrbit,satNo,idSensor,origSensorId,"
    "observatoryType,observatoryName,instrumentType,lat,lon,alt,senPos,obSetId,particleType,"
    "obTime,seoList,descriptor,createdAt,createdBy,source,dataMode,origNetwork"
)
DESCRIPTOR = "QUICKLOOK"

# The 32 REACH pods as seen in REACH-TEST_20250904T000000_20250904T010000.csv:
# (idSensor, observatoryName, DOSE1 flavor, DOSE2 flavor).
PODS: tuple[tuple[str, str, str, str], ...] = (
    ("REACH-101", "Iridium-102", "X", "W"),
    ("REACH-102", "Iridium-113", "Y", "V"),
    ("REACH-105", "Iridium-106", "Y", "U"),
    ("REACH-108", "Iridium-133", "X", "W"),
    ("REACH-113", "Iridium-121", "Y", "V"),
    ("REACH-114", "Iridium-110", "X", "W"),
    ("REACH-115", "Iridium-107", "X", "W"),
    ("REACH-116", "Iridium-108", "Y", "V"),
    ("REACH-133", "Iridium-117", "X", "W"),
    ("REACH-134", "Iridium-125", "Y", "U"),
    ("REACH-135", "Iridium-126", "X", "W"),
    ("REACH-136", "Iridium-132", "X", "W"),
    ("REACH-137", "Iridium-119", "X", "W"),
    ("REACH-138", "Iridium-134", "Y", "U"),
    ("REACH-139", "Iridium-137", "X", "W"),
    ("REACH-140", "Iridium-122", "Y", "V"),
    ("REACH-148", "Iridium-131", "Y", "V"),
    ("REACH-149", "Iridium-164", "X", "W"),
    ("REACH-162", "Iridium-147", "X", "W"),
    ("REACH-163", "Iridium-149", "Y", "V"),
    ("REACH-164", "Iridium-152", "X", "W"),
    ("REACH-165", "Iridium-145", "Y", "U"),
    ("REACH-166", "Iridium-180", "Y", "V"),
    ("REACH-169", "Iridium-153", "X", "Z"),
    ("REACH-170", "Iridium-156", "X", "Z"),
    ("REACH-171", "Iridium-158", "X", "Z"),
    ("REACH-172", "Iridium-159", "X", "Z"),
    ("REACH-173", "Iridium-165", "X", "W"),
    ("REACH-175", "Iridium-168", "Y", "U"),
    ("REACH-176", "Iridium-150", "X", "W"),
    ("REACH-180", "Iridium-171", "X", "Z"),
    ("REACH-181", "Iridium-160", "X", "Z"),
)

# Catalogue numbers (idOnOrbit = satNo) and origSensorId seen in the REACH-ALL sample; the
# other pods get made-up, distinct catalogue numbers in the same range (synthetic only).
KNOWN_SATNO = {
    "REACH-101": (41920, 1),
    "REACH-115": (42960, 1),
    "REACH-133": (42808, 1),
    "REACH-135": (42809, 1),
    "REACH-136": (42961, 1),
    "REACH-137": (42959, 1),
    "REACH-171": (43571, 0),
    "REACH-181": (43569, 0),
}

# Each flavor: the particle type the UDL names, and its relative response to the outer
# electron belt and to the South Atlantic Anomaly.
FLAVORS = {
    "U": ("PROTONS+ELECTRONS", 300.0, 600.0),
    "V": ("ELECTRONS", 1500.0, 80.0),
    "W": ("PROTONS", 200.0, 900.0),
    "X": ("PROTONS", 60.0, 1500.0),
    "Y": ("ELECTRONS", 2500.0, 40.0),
    "Z": ("ELECTRONS", 1200.0, 150.0),
}

SEO_HEAD = ",\"[{'obType': 'Energetic Charged Particle', 'obUoM': 'rad/second', 'obValue': "
LINE_TAIL = ",system.reach,Aerospace,REAL,OPS1\n"

EARTH_A = 6378.137  # km
EARTH_B = 6356.752
MU = 398600.4418  # km^3/s^2


def default_path(day: date = date(2025, 9, 1)) -> Path:
    """Default location of the synthetic day file used by the benchmarks."""
    nxt = day + timedelta(days=1)
    return DATA_DIR / f"REACH-ALL_{day:%Y%m%d}T000000_{nxt:%Y%m%d}T000000.csv"


def _pod_satno() -> list[tuple[int, int]]:
    used = {n for n, _ in KNOWN_SATNO.values()}
    rng = np.random.default_rng(12345)
    out = []
    for sensor, *_ in PODS:
        if sensor in KNOWN_SATNO:
            out.append(KNOWN_SATNO[sensor])
            continue
        while True:
            n = int(rng.integers(41917, 43575))
            if n not in used:
                used.add(n)
                break
        out.append((n, 0 if int(sensor.split("-")[1]) >= 169 else 1))
    return out


def _iso(ts: float) -> str:
    """Epoch seconds -> 2025-09-01T00:00:00.000Z."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _sig6(x: np.ndarray) -> np.ndarray:
    """Round to 6 significant digits (like the lat/lon/alt of the real files)."""
    ax = np.abs(x)
    safe = np.where(ax > 0, ax, 1.0)
    dec = 5 - np.floor(np.log10(safe)).astype(np.int64)
    pos = dec >= 0
    p = 10.0 ** np.abs(dec)
    r = np.where(pos, np.round(x * p) / p, np.round(x / p) * p)
    r = np.where(ax < 1e-4, 0.0, r)  # keep clear of repr's exponent notation
    return r + 0.0  # no negative zeros


def _float_repr(x: np.ndarray) -> pa.StringArray:
    """Python-repr-like text of floats with 1e-4 <= |x| < 1e16 or x == 0."""
    s = pc.cast(pa.array(x, pa.float64()), pa.string())
    integral = pa.array(x == np.floor(x))
    return pc.if_else(integral, pc.binary_join_element_wise(s, ".0", ""), s)


def _uuid4(rng: np.random.Generator, n: int) -> pa.StringArray:
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hexd = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    h = np.empty((n, 32), dtype=np.uint8)
    h[:, 0::2] = hexd[b >> 4]
    h[:, 1::2] = hexd[b & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = h[:, 0:8]
    out[:, 9:13] = h[:, 8:12]
    out[:, 14:18] = h[:, 12:16]
    out[:, 19:23] = h[:, 16:20]
    out[:, 24:36] = h[:, 20:32]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))


def _quantise_dose(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positive dose rates (< 1) -> (6-digit mantissa without trailing zeros, exponent)."""
    e = np.floor(np.log10(v)).astype(np.int64)
    m = np.rint(v / 10.0 ** (e - 5)).astype(np.int64)
    over = m >= 1_000_000
    m[over] = 100_000
    e[over] += 1
    under = m < 100_000
    m[under] = 999_999
    e[under] -= 1
    for _ in range(5):
        z = m % 10 == 0
        if not z.any():
            break
        m[z] //= 10
    return m, e


def _dose_text(m: np.ndarray, e: np.ndarray, kind: np.ndarray) -> pa.StringArray:
    """Python repr of m * 10**(e - len(m) + 1); kind 1 -> '0.0', kind 2 -> '-1e+31'."""
    e = np.clip(e, -99, -1)
    digits = pc.cast(pa.array(m), pa.string())
    first = pc.utf8_slice_codeunits(digits, 0, 1)
    rest = pc.utf8_slice_codeunits(digits, 1, 10)
    frac = pc.if_else(pc.equal(rest, ""), pa.scalar(""), pc.binary_join_element_wise(".", rest, ""))
    sci = pa.array(e < -4)
    exp_table = pa.array([f"e-{k:02d}" for k in range(100)])
    zeros_table = pa.array(["0." + "0" * k for k in range(4)])
    exp_txt = exp_table.take(pa.array(-e))
    lead = zeros_table.take(pa.array(np.clip(-e - 1, 0, 3)))
    sci_txt = pc.binary_join_element_wise(first, frac, exp_txt, "")
    pos_txt = pc.binary_join_element_wise(lead, digits, "")
    txt = pc.if_else(sci, sci_txt, pos_txt)
    txt = pc.if_else(pa.array(kind == 1), pa.scalar("0.0"), txt)
    return pc.if_else(pa.array(kind == 2), pa.scalar("-1e+31"), txt)


def _orbits(rng: np.random.Generator, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """ECI positions (km) and geodetic lat/lon/alt of the 32 pods at times t (epoch seconds).

    Iridium-like: near-circular polar orbits at ~780 km, inclination 86.4 deg, 6 planes.
    Returns arrays of shape (n_pods, n_steps).
    """
    npods = len(PODS)
    inc = np.radians(86.4)
    plane = np.arange(npods) % 6
    raan = np.radians(plane * 31.6 + rng.uniform(-2, 2, npods) + 15.0)[:, None]
    a = (EARTH_A + 779.5 + rng.uniform(-1.0, 1.0, npods))[:, None]
    ecc = rng.uniform(0.0001, 0.0004, npods)[:, None]
    argp = rng.uniform(0, 2 * np.pi, npods)[:, None]
    u0 = rng.uniform(0, 2 * np.pi, npods)[:, None]
    n = np.sqrt(MU / a**3)
    dt = (t - t[0])[None, :]
    u = u0 + n * dt  # argument of latitude
    r = a * (1.0 - ecc * np.cos(u - argp))
    cu, su = np.cos(u), np.sin(u)
    co, so = np.cos(raan), np.sin(raan)
    x = r * (co * cu - so * su * np.cos(inc))
    y = r * (so * cu + co * su * np.cos(inc))
    z = r * su * np.sin(inc)
    latc = np.arcsin(z / r)
    lat = np.arctan(np.tan(latc) / (1 - 1 / 298.257223563) ** 2)
    jd = t / 86400.0 + 2440587.5
    gmst = np.radians((280.46061837 + 360.98564736629 * (jd - 2451545.0)) % 360.0)
    lon = np.arctan2(y, x) - gmst[None, :]
    lon = (lon + np.pi) % (2 * np.pi) - np.pi
    cl, sl = np.cos(latc), np.sin(latc)
    re = np.sqrt(
        ((EARTH_A**2 * cl) ** 2 + (EARTH_B**2 * sl) ** 2)
        / ((EARTH_A * cl) ** 2 + (EARTH_B * sl) ** 2)
    )
    alt = r - re
    return x, y, z, np.degrees(lat), np.degrees(lon), alt


def _dose_model(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """Dose rates in rad/s, shape (n_pods, n_steps, 2): quiet background, outer-belt horns
    at |lat| ~ 55-72 deg, the South Atlantic Anomaly, lognormal noise."""
    npods = len(PODS)
    base = 10.0 ** rng.uniform(-7.7, -6.9, size=(npods, 2))
    resp = np.array([[FLAVORS[p[2]][1:], FLAVORS[p[3]][1:]] for p in PODS])
    resp = resp * rng.uniform(0.15, 0.5, size=resp.shape)
    horn_centre = 64.0 + 4.0 * np.sin(2 * np.pi * (t - t[0]) / 86400.0)[None, :]
    horns = np.exp(-(((np.abs(lat) - horn_centre) / 4.5) ** 2))
    dlon = (lon + 50.0 + 180.0) % 360.0 - 180.0
    saa = np.exp(-(((lat + 28.0) / 14.0) ** 2 + (dlon / 30.0) ** 2))
    shape = (
        1.0
        + resp[:, None, :, 0] * horns[:, :, None] * (0.5 + 0.5 * (lat[:, :, None] > 0))
        + resp[:, None, :, 1] * saa[:, :, None]
    )
    noise = rng.lognormal(0.0, 0.25, size=shape.shape)
    return np.minimum(base[:, None, :] * shape * noise, 0.0099)


def make_day(
    path: str | os.PathLike,
    day: date = date(2025, 9, 1),
    *,
    seed: int = 0,
    rows_fraction: float = 1.0,
) -> dict:
    """Write one synthetic UTC day of REACH UDL records to ``path`` (CSV, download schema).

    ``rows_fraction`` < 1 keeps only the first ``round(17280 * rows_fraction)`` time steps of
    the day (for quick tests). The file is written to a temporary name and renamed at the end.
    Returns counts: records, duplicates, blank_ids, bytes (and a few more).
    """
    if not 0 < rows_fraction <= 1:
        raise ValueError("rows_fraction must be in (0, 1]")
    path = Path(path)
    rng = np.random.default_rng(seed)
    npods = len(PODS)
    nsteps = max(1, int(round(STEPS_PER_DAY * rows_fraction)))
    t0 = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    t = t0 + STEP_SECONDS * np.arange(nsteps, dtype=np.float64)

    # --- physics on the (pod, step) grid ---------------------------------------------------
    x, y, z, lat, lon, alt = _orbits(rng, t)
    dose = _dose_model(rng, lat, lon, t)  # (pod, step, dosimeter)

    # --- which (pod, step, dosimeter) records exist ---------------------------------------
    present = np.ones((npods, nsteps, 2), dtype=bool)
    gap_pod = int(rng.integers(npods))
    gap_len = min(3600 // STEP_SECONDS, max(1, nsteps // 10))
    gap_start = int(rng.integers(0, max(1, nsteps - gap_len)))
    present[gap_pod, gap_start : gap_start + gap_len, :] = False
    n_miss = int(round(npods * nsteps * MISSING_STEP_FRACTION))
    miss = rng.choice(npods * nsteps, size=n_miss, replace=False)
    present.reshape(npods * nsteps, 2)[miss, :] = False
    n_miss1 = int(round(npods * nsteps * 2 * MISSING_RECORD_FRACTION))
    present.reshape(-1)[rng.choice(present.size, size=n_miss1, replace=False)] = False

    flat = np.flatnonzero(present.reshape(-1))  # index into (pod, step, dosimeter)
    n_base = flat.size
    n_dup = int(round(n_base * DUPLICATE_FRACTION))
    dup_src = np.sort(rng.choice(n_base, size=n_dup, replace=False))
    rec = np.concatenate([flat, flat[dup_src]])
    version = np.concatenate([np.zeros(n_base, np.int8), np.ones(n_dup, np.int8)])
    n = rec.size

    pod = (rec // (2 * nsteps)).astype(np.int32)
    step = ((rec // 2) % nsteps).astype(np.int32)
    dosim = (rec % 2).astype(np.int32)
    ps = pod.astype(np.int64) * nsteps + step  # index into the (pod, step) grid

    value = dose.reshape(-1)[rec]
    factor = rng.choice([-1.0, 1.0], size=n_dup) * rng.uniform(0.03, 0.25, size=n_dup)
    value[n_base:] *= 1.0 + factor  # reprocessed records carry a different value
    kind = np.zeros(n, np.int8)  # 0 normal, 1 zero, 2 fill
    u = rng.random(n_base)
    kind[:n_base][u < ZERO_FRACTION] = 1
    kind[:n_base][(u >= ZERO_FRACTION) & (u < ZERO_FRACTION + FILL_FRACTION)] = 2
    quality = np.zeros(n, np.int8)
    quality[:n_base][rng.random(n_base) < QUALITY_FLAG_FRACTION] = 1
    blank = rng.random(n) < BLANK_ID_FRACTION
    mant, expo = _quantise_dose(value)

    # --- text of the small lookup tables ---------------------------------------------------
    satno = _pod_satno()
    pod_txt = []  # index pod * 2 + blank
    for (sensor, obs, _, _), (sn, orig) in zip(PODS, satno, strict=True):
        for b in (False, True):
            sid = "" if b else sensor
            pod_txt.append(f",{sn},{sn},{sid},{orig},ONORBIT,{obs},DOSIMETER,")
    pod_txt = pa.array(pod_txt)
    pd_txt = []  # index pod * 2 + dosimeter
    seo_tail = []  # index (quality * npods + pod) * 2 + dosimeter
    for _, _, f1, f2 in PODS:
        for f in (f1, f2):
            pd_txt.append(f']",REACH_{f},{FLAVORS[f][0]},')
    for q in ("0", "16"):
        for _, _, f1, f2 in PODS:
            for k, f in ((1, f1), (2, f2)):
                seo_tail.append(
                    f", 'obQuality': '{q}', 'obDescription': 'DOSE{k} (Flavor {f}) in "
                    f"rad/second'}}]\",{DESCRIPTOR},"
                )
    pd_txt = pa.array(pd_txt)
    seo_tail = pa.array(seo_tail)
    obtime_txt = pa.array([_iso(v) for v in t])
    # createdAt / genTime per (version, pod, hour): quicklook files arrive 20-100 min after
    # the end of each hour; reprocessed versions 1-3 days later.
    nh = (nsteps * STEP_SECONDS + 3599) // 3600
    hour_end = t0 + 3600.0 * (np.arange(nh) + 1)
    created = hour_end[None, :] + rng.uniform(1200, 6000, size=(npods, nh))
    created_re = created + rng.uniform(86400, 3 * 86400, size=(npods, nh))
    created_all = np.stack([created, created_re]).reshape(-1)
    gen_all = created_all - rng.uniform(30, 300, size=created_all.size)
    created_txt = pa.array([_iso(round(v, 3)) for v in created_all])
    gen_txt = pa.array([_iso(round(v, 3)) for v in gen_all])
    hour = step * STEP_SECONDS // 3600
    vph = (version.astype(np.int64) * npods + pod) * nh + hour

    # --- per-(pod, step) numeric text ------------------------------------------------------
    lat_r = _sig6(lat.reshape(-1))
    lon_r = _sig6(lon.reshape(-1))
    alt_r = _sig6(alt.reshape(-1))

    def pos7(a: np.ndarray) -> np.ndarray:
        # like the real feed: metres with 4 decimals, divided by 1000 (hence the occasional
        # "6897.404902000001")
        r = np.round(a.reshape(-1) * 1e7) / 1e4 / 1000.0
        return np.where(np.abs(r) < 1e-4, 0.0, r) + 0.0

    px, py, pz = pos7(x), pos7(y), pos7(z)

    # --- shuffle and write in chunks --------------------------------------------------------
    order = rng.permutation(n)
    tmp = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    nbytes = 0
    with open(tmp, "wb") as fh:
        head = (COLUMNS + "\n").encode()
        fh.write(head)
        nbytes += len(head)
        for start in range(0, n, CHUNK_ROWS):
            idx = order[start : start + CHUNK_ROWS]
            m = idx.size
            g = ps[idx]
            p, d = pod[idx], dosim[idx]
            cols = [
                _uuid4(rng, m),
                ",U,ECP,",
                gen_txt.take(pa.array(vph[idx])),
                pod_txt.take(pa.array(p * 2 + blank[idx])),
                _float_repr(lat_r[g]),
                ",",
                _float_repr(lon_r[g]),
                ",",
                _float_repr(alt_r[g]),
                ',"[',
                _float_repr(px[g]),
                ", ",
                _float_repr(py[g]),
                ", ",
                _float_repr(pz[g]),
                pd_txt.take(pa.array(p * 2 + d)),
                obtime_txt.take(pa.array(step[idx])),
                SEO_HEAD,
                _dose_text(mant[idx], expo[idx], kind[idx]),
                seo_tail.take(pa.array((quality[idx].astype(np.int32) * npods + p) * 2 + d)),
                created_txt.take(pa.array(vph[idx])),
                LINE_TAIL,
            ]
            lines = pc.binary_join_element_wise(*cols, "")
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
            lo = int(offsets[lines.offset])
            hi = int(offsets[lines.offset + m])
            fh.write(memoryview(lines.buffers()[2])[lo:hi])
            nbytes += hi - lo
    os.replace(tmp, path)
    return {
        "records": int(n),
        "duplicates": int(n_dup),
        "blank_ids": int(blank.sum()),
        "bytes": int(nbytes),
        "pods": npods,
        "time_steps": int(nsteps),
        "missing_records": int(npods * nsteps * 2 - n_base),
        "zero_values": int((kind == 1).sum()),
        "fill_values": int((kind == 2).sum()),
        "flagged_quality": int(quality.sum()),
        "gap": f"{PODS[gap_pod][0]} steps {gap_start}-{gap_start + gap_len - 1}",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output CSV path")
    ap.add_argument("--day", type=date.fromisoformat, default=date(2025, 9, 1))
    ap.add_argument("--fraction", type=float, default=1.0, help="fraction of the day's steps")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t = time.perf_counter()
    info = make_day(args.out, args.day, seed=args.seed, rows_fraction=args.fraction)
    secs = time.perf_counter() - t
    for k, v in info.items():
        print(f"{k:>16}: {v:,}" if isinstance(v, int) else f"{k:>16}: {v}")
    print(f"{'MB':>16}: {info['bytes'] / 1e6:,.1f}")
    print(f"{'seconds':>16}: {secs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
