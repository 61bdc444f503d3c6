"""make_geomap / process_file: what they write, what they return, how they refuse."""

from __future__ import annotations

import base64
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import cdflib
import numpy as np
import pytest

from reach_pipeline.geomap import GeomapInputError, geomap_problems, make_geomap, process_file
from reach_pipeline.geomap.product import FLAVORS, quicklook_names
from reach_pipeline.geomap.read import flavor_slots
from reach_pipeline_tests.geomap.expected import L2_0901, L2_0904
from reach_pipeline_tests.support.data import CDF_0901, CDF_0904, UDL_0904

PACKAGE = Path(__file__).parents[2] / "reach_pipeline" / "geomap"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_facts_cross_a_process_boundary_as_json(made_0904):
    facts, _ = made_0904
    back = json.loads(json.dumps(facts.as_dict()))
    assert back == facts.as_dict()
    assert list(back) == [
        "l1c_path",
        "l2_path",
        "image_paths",
        "thumbnail_b64",
        "points_used",
        "bins_filled",
        "max_dose",
        "median_dose",
        "l2_seconds",
        "quicklook_seconds",
    ]
    assert list(back["points_used"]) == list(FLAVORS)


def test_facts_describe_the_day(made_0904):
    facts, l2 = made_0904
    count = l2.varget("count_map")[0]
    assert facts.points_used == {f: int(count[k].sum()) for k, f in enumerate(FLAVORS)}
    assert facts.bins_filled == {f: int((count[k] > 0).sum()) for k, f in enumerate(FLAVORS)}
    for k, f in enumerate(FLAVORS):
        filled = count[k] > 0
        assert facts.max_dose[f] == pytest.approx(l2.varget("max_map")[0, k][filled].max())
        assert l2.varget("min_map")[0, k][filled].min() <= facts.median_dose[f]
    assert facts.l2_seconds > 0 and facts.quicklook_seconds > 0


def test_default_images_are_the_overview_then_the_median_maps(made_0904):
    facts, _ = made_0904
    names = [Path(p).name for p in facts.image_paths]
    assert names == quicklook_names(datetime.date(2025, 9, 4), "default")
    assert names[0].endswith("_overview.png") and len(names) == 7
    for p in facts.image_paths:
        assert Path(p).read_bytes()[:8] == PNG_SIGNATURE
    assert Path(facts.l2_path).parent == Path(facts.image_paths[0]).parent


def test_thumbnail_is_a_small_png(made_0904):
    facts, _ = made_0904
    png = base64.b64decode(facts.thumbnail_b64, validate=True)
    assert png[:8] == PNG_SIGNATURE and len(png) <= 100_000


@pytest.mark.slow
def test_all_quicklooks_on_request(tmp_path):
    facts = make_geomap(CDF_0904, tmp_path, quicklooks="all")
    assert len(facts.image_paths) == 1 + 6 * 7
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [Path(facts.l2_path).name, *(Path(p).name for p in facts.image_paths)]
    )


def test_the_output_folder_is_created(tmp_path):
    facts = make_geomap(CDF_0904, tmp_path / "l2" / "2025" / "09" / "04")
    assert Path(facts.l2_path).parent == tmp_path / "l2" / "2025" / "09" / "04"


def test_unknown_quicklook_mode_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="quicklooks"):
        make_geomap(CDF_0904, tmp_path, quicklooks="some")
    assert list(tmp_path.iterdir()) == []


def test_process_file_writes_into_the_cwd_and_returns_every_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = process_file(CDF_0904)
    assert paths[0].suffix == ".cdf" and len(paths) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert all(p.parent.resolve() == tmp_path.resolve() for p in paths)
    assert geomap_problems(paths[0], CDF_0904) == []


def test_a_rerun_replaces_the_products(tmp_path):
    first = make_geomap(CDF_0904, tmp_path)
    before = Path(first.l2_path).stat().st_ino
    second = make_geomap(CDF_0904, tmp_path)
    assert second.l2_path == first.l2_path and Path(second.l2_path).stat().st_ino != before
    assert len(list(tmp_path.iterdir())) == 8  # no temporary file left behind


def _not_cdf(tmp: Path) -> Path:
    path = tmp / "reach_all_l1c_prelim_20250904T000000_v1.0.0.cdf"
    path.write_text("obTime,obValue\n2025-09-04T00:00:00Z,1e-6\n")
    return path


def _truncated(tmp: Path) -> Path:
    path = tmp / "truncated.cdf"
    path.write_bytes(CDF_0904.read_bytes()[:5000])
    return path


@pytest.mark.parametrize(
    ("make_input", "problem"),
    [
        (lambda tmp: tmp / "missing.cdf", "no such file"),
        (_not_cdf, "not a readable CDF"),
        (_truncated, "not a readable CDF"),
        (lambda tmp: L2_0904, "not a Level-1C CDF: no variable dose_rate, dosimeter_flavors"),
        (lambda tmp: UDL_0904, "not a readable CDF"),
    ],
)
def test_bad_input_names_the_file_and_the_problem(tmp_path, make_input, problem):
    path = make_input(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(GeomapInputError) as caught:
        make_geomap(path, out)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)
    assert list(out.iterdir()) == []


def test_geomap_problems_of_the_legacy_files():
    """The legacy 09-04 L2 is sound; its 09-01 L2 has three flavor slots, not six."""
    assert geomap_problems(L2_0904, CDF_0904) == []
    assert geomap_problems(L2_0901, CDF_0901) == [
        "sum_map has shape (1, 3, 36, 72), expected (1, 6, 36, 72)"
    ]


def test_geomap_problems_finds_a_count_mismatch(made_0901):
    facts, _ = made_0901
    problems = geomap_problems(facts.l2_path, CDF_0904)
    assert any(p.startswith("count_map sums to ") for p in problems), problems


def test_geomap_problems_finds_an_unreadable_l2(tmp_path):
    bad = _not_cdf(tmp_path)
    assert "does not reopen with cdflib" in geomap_problems(bad, CDF_0904)[0]


def test_geomap_problems_finds_inconsistent_maps(tmp_path, made_0904):
    """Rewrite one map so that an empty cell holds a value and min > max somewhere."""
    facts, ours = made_0904
    path = tmp_path / "edited.cdf"
    writer = cdflib.cdfwrite.CDF(str(path), cdf_spec={"Majority": "row_major"})
    for name in ours.cdf_info().zVariables:
        info = ours.varinq(name)
        data = ours.varget(name)
        if name == "min_map":
            data = data.copy()
            data[0, 0, 0, 0] = 1.0  # an empty cell: count 0 there
            filled = np.argwhere(ours.varget("count_map") > 0)[0]
            data[tuple(filled)] = 1.0  # above every max
        spec = {
            "Variable": name,
            "Data_Type": info.Data_Type,
            "Num_Elements": info.Num_Elements,
            "Rec_Vary": info.Rec_Vary,
            "Dim_Sizes": info.Dim_Sizes,
        }
        writer.write_var(spec, var_attrs={}, var_data=data)
    writer.close()
    problems = geomap_problems(path, CDF_0904)
    assert "min_map has values in cells with count 0" in problems
    assert "min <= median <= max does not hold in every filled cell" in problems


def test_importing_the_package_loads_no_heavy_library():
    code = (
        "import sys, reach_pipeline.geomap, reach_pipeline.geomap.product as p;"
        "p.quicklook_names(__import__('datetime').date(2025, 9, 1));"
        "print(sorted(m for m in ('matplotlib', 'cdflib', 'numpy', 'dagster') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]"


def test_no_dagster_in_the_package():
    for path in PACKAGE.rglob("*.py"):
        assert "dagster" not in path.read_text(), path


@pytest.mark.parametrize(
    ("flavors", "problem"),
    [
        ([["DOSE1 (Flavor X) in rad/second", "DOSE2 (Flavor X) in rad/second"]], "twice"),
        ([["DOSE1 (Flavor Q) in rad/second", ""]], "names no flavor"),
        ([["DOSE1 in rad/second", ""]], "names no flavor"),
        ([["", ""]], None),  # a sensor without dosimeters: nothing to bin, no error
    ],
)
def test_flavor_slots(flavors, problem):
    table = np.array(flavors)
    if problem is None:
        assert all((slot == -1).all() for slot in flavor_slots(Path("x.cdf"), table))
        return
    with pytest.raises(GeomapInputError, match=problem) as caught:
        flavor_slots(Path("x.cdf"), table)
    assert str(caught.value).startswith("x.cdf: dosimeter_flavors")


@pytest.mark.parametrize("l1c", [CDF_0901, CDF_0904], ids=["0901", "0904"])
def test_finite_points_counts_what_a_geomap_bins(l1c, tmp_path):
    """The validation's count (read without building the geomap's arrays) is the count of
    finite points ``read_l1c`` gives, and the points a geomap of that L1C bins."""
    from reach_pipeline.geomap.read import finite_points, read_l1c

    day = read_l1c(l1c)
    expected = int(np.count_nonzero(np.isfinite(day.values) & np.isfinite(day.lat + day.lon)))
    assert finite_points(l1c) == expected > 0
    assert sum(make_geomap(l1c, tmp_path).points_used.values()) == expected
