"""A processor whose error quotes a secret, as careless code does. It runs in the fork
worker's child (whose environment is the worker's, fixed when the worker started), so it
reads the secret from ``leaked_secret.txt`` beside the input file, where the test put the
same value it sets in the run's environment."""

from __future__ import annotations

from pathlib import Path

LEAKY = "reach_pipeline_tests.support.alert_processors:leaky"
SECRET_FILE = "leaked_secret.txt"


class UploadRefused(RuntimeError):
    pass


def leaky(path: Path) -> list[Path]:
    secret = (Path(path).parent / SECRET_FILE).read_text().strip()
    raise UploadRefused(f"{Path(path).name}: the store refused key {secret}")
