"""The REACH constellation: which Iridium vehicle hosts which REACH pod."""

from __future__ import annotations

# observatoryName -> idSensor, for the 32 pods. Used to fill a blank idSensor.
IRIDIUM_TO_REACH: dict[str, str] = {
    "Iridium-102": "REACH-101",
    "Iridium-113": "REACH-102",
    "Iridium-106": "REACH-105",
    "Iridium-133": "REACH-108",
    "Iridium-121": "REACH-113",
    "Iridium-110": "REACH-114",
    "Iridium-107": "REACH-115",
    "Iridium-108": "REACH-116",
    "Iridium-117": "REACH-133",
    "Iridium-125": "REACH-134",
    "Iridium-126": "REACH-135",
    "Iridium-132": "REACH-136",
    "Iridium-119": "REACH-137",
    "Iridium-134": "REACH-138",
    "Iridium-137": "REACH-139",
    "Iridium-122": "REACH-140",
    "Iridium-131": "REACH-148",
    "Iridium-164": "REACH-149",
    "Iridium-147": "REACH-162",
    "Iridium-149": "REACH-163",
    "Iridium-152": "REACH-164",
    "Iridium-145": "REACH-165",
    "Iridium-180": "REACH-166",
    "Iridium-153": "REACH-169",
    "Iridium-156": "REACH-170",
    "Iridium-158": "REACH-171",
    "Iridium-159": "REACH-172",
    "Iridium-165": "REACH-173",
    "Iridium-168": "REACH-175",
    "Iridium-150": "REACH-176",
    "Iridium-171": "REACH-180",
    "Iridium-160": "REACH-181",
}

# Samples a day when every dosimeter reports every 5 s.
STEPS_PER_DAY = 86_400 // 5
DOSIMETERS_PER_POD = 2
EXPECTED_RECORDS_ALL = len(IRIDIUM_TO_REACH) * DOSIMETERS_PER_POD * STEPS_PER_DAY  # 1,105,920
EXPECTED_RECORDS_ONE_SENSOR = DOSIMETERS_PER_POD * STEPS_PER_DAY  # 34,560


def expected_records(sensor_id: str) -> int:
    """Records a complete day holds: all 32 pods for ``ALL``, one pod otherwise."""
    return EXPECTED_RECORDS_ALL if sensor_id.upper() == "ALL" else EXPECTED_RECORDS_ONE_SENSOR


REACH_TO_IRIDIUM: dict[str, str] = {pod: vehicle for vehicle, pod in IRIDIUM_TO_REACH.items()}


def satellite_of(sensor: str) -> str:
    """The Iridium vehicle hosting ``sensor`` (``REACH-101`` -> ``Iridium-102``); "" if
    the sensor is not one of the 32 pods."""
    return REACH_TO_IRIDIUM.get(sensor, "")
