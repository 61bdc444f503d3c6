"""Small day files of chosen sensors, for the coverage and sensor-watch tests: the
2025-09-01 sample day (eight sensors, a minute of data) moved to another day and cut to
some of its sensors."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "examples" / "udl" / "REACH-ALL_20250901T000000_20250902T000000.csv"
TEMPLATE_DAY = dt.date(2025, 9, 1)
FOUR_SENSORS = ("REACH-101", "REACH-115", "REACH-133", "REACH-135")


def day_file_name(day: dt.date) -> str:
    nxt = day + dt.timedelta(days=1)
    return f"REACH-ALL_{day:%Y%m%d}T000000_{nxt:%Y%m%d}T000000.csv"


def write_sensor_day(input_dir: Path, day: dt.date, sensors=FOUR_SENSORS) -> Path:
    """``day``'s file holding the template's rows of ``sensors`` only, obTime moved to
    ``day``; each sensor has 12 or 13 records a dosimeter."""
    with open(TEMPLATE, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [r for r in reader if r["idSensor"] in sensors]
    assert {r["idSensor"] for r in rows} == set(sensors), "every sensor is in the template"
    for row in rows:
        row["obTime"] = row["obTime"].replace(TEMPLATE_DAY.isoformat(), day.isoformat())
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    input_dir.mkdir(parents=True, exist_ok=True)
    target = input_dir / day_file_name(day)
    target.write_text(buf.getvalue(), encoding="utf-8")
    return target
