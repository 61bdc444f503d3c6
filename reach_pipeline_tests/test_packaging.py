"""The wheel holds the package and its data files, and nothing of the tests or benchmarks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_reach_pipeline_and_its_data_only(tmp_path):
    # Built from a copy of what a clone holds: a build/ folder left in the checkout would
    # lend its stale files to the wheel.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "setup.cfg", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for top in ("reach_pipeline", "reach_pipeline_tests", "bench"):
        shutil.copytree(
            ROOT / top,
            source / top,
            # the C scanner is built from its source, not taken from an editable install
            ignore=shutil.ignore_patterns("__pycache__", "data", "*.so"),
        )
    shutil.copytree(ROOT / "reach_pipeline/geomap/data", source / "reach_pipeline/geomap/data")
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("reach_pipeline-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {
        "reach_pipeline",
        f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info",
    }
    shipped = set(names)
    for data in (
        "reach_pipeline/settings.toml",
        "reach_pipeline/geomap/data/region_contour_paths.npz",
    ):
        assert data in shipped
    assert any(n.startswith("reach_pipeline/geomap/data/") and n.endswith(".shp") for n in names)
    assert any(n.startswith("reach_pipeline/processing/_udlscan.") for n in names), names
