"""The provenance parts, directly: versions, download windows, the CDF attribute writer,
the staleness rule, and a plugged-in processor's placed L1C carrying its provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
from pathlib import Path

import cdflib
import numpy as np
import pytest

from reach_pipeline.processing.verify import cdf_problems
from reach_pipeline.provenance.attributes import (
    PROVENANCE_DATE,
    VOLATILE_ATTRIBUTES,
    l1c_attributes,
    l2_attributes,
)
from reach_pipeline.provenance.cdf_attrs import (
    CdfAttributeError,
    global_attributes,
    set_global_attributes,
)
from reach_pipeline.provenance.inputs import InputFacts, download_window, input_facts
from reach_pipeline.provenance.staleness import UNKNOWN, made_by, stale_reason
from reach_pipeline.provenance.versions import (
    ProcessorVersion,
    pipeline_version,
    processor_version,
)
from reach_pipeline.steps.provenance import recorded_facts
from reach_pipeline_tests.support.data import CDF_0901, UDL_0901

DAY = dt.date(2025, 9, 1)


@pytest.fixture
def operator_module(tmp_path, monkeypatch):
    """An operator's own processor module on sys.path: ``(folder, name)``."""
    name = f"reach_operator_{os.getpid()}_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{name}.py").write_text("def process_file(path):\n    return []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path, name
    sys.modules.pop(name, None)


def test_an_unpackaged_module_is_versioned_by_its_source(operator_module):
    folder, name = operator_module
    first = processor_version(f"{name}:process_file")
    assert first.version.startswith("src-") and len(first.version) == 16
    assert first.code_version == f"{name}:process_file@{first.version}"
    assert processor_version(f"{name}:process_file") == first
    (folder / f"{name}.py").write_text("def process_file(path):\n    return [1]\n")
    assert processor_version(f"{name}:process_file").version != first.version
    assert name not in sys.modules  # found, never imported


def test_a_packaged_module_has_its_distribution_version():
    version = processor_version("reach_pipeline.processing:process_file")
    assert version.version == pipeline_version() != "unknown"


def test_a_missing_module_is_a_value_error():
    with pytest.raises(ValueError, match="no_such_reach_module"):
        processor_version("no_such_reach_module:process_file")


@pytest.mark.parametrize(
    ("start", "end", "name", "window"),
    [
        (
            "2025-09-01T00:00:00Z",
            "2025-09-02T00:00:00Z",
            "x.csv",
            "2025-09-01T00:00:00Z/2025-09-02T00:00:00Z",
        ),
        (
            "",
            "",
            "REACH-ALL_20250901T000000_20250901T060000.csv",
            "2025-09-01T00:00:00Z/2025-09-01T06:00:00Z",
        ),
        ("", "", "REACH-ALL_20250901T000000_later.csv", ""),
        ("", "", "REACH-ALL_20250902T000000_20250903T000000.csv", ""),  # another day's
        ("2025-09-01T00:00:00Z", "", "REACH-ALL_20250901T000000_junk.csv", ""),
    ],
)
def test_download_window(start, end, name, window):
    assert download_window(start, end, name, DAY) == window


def test_input_facts_are_its_size_and_sha256():
    facts = input_facts(UDL_0901, "w")
    assert facts.size_bytes == UDL_0901.stat().st_size
    assert facts.sha256 == hashlib.sha256(UDL_0901.read_bytes()).hexdigest()
    assert (facts.name, facts.window) == (UDL_0901.name, "w")


def test_the_attributes_name_input_processor_and_settings():
    source = InputFacts("REACH-ALL_20250901T000000_20250902T000000.csv", 12, "ab" * 32, "")
    processor = ProcessorVersion("m:f", "src-0123456789ab")
    l1c = l1c_attributes(source, processor, {"sensor_id": "ALL", "output_format": "csv"})
    assert l1c["Parents"] == f"CSV>{source.name}"
    assert (l1c["Input_size_bytes"], l1c["Input_sha256"]) == ("12", "ab" * 32)
    assert l1c["Input_download_window"] == "unknown"
    assert (l1c["Processor"], l1c["Processor_version"]) == ("m:f", "src-0123456789ab")
    assert l1c["Processing_settings"] == "sensor_id=ALL; output_format=csv"
    assert l1c["Pipeline_version"] == pipeline_version()
    l2 = l2_attributes("reach_all_l1c_prelim_20250901T000000_v1.0.0.cdf", processor, {})
    assert l2["Parents"] == "CDF>reach_all_l1c_prelim_20250901T000000_v1.0.0"
    # Only the generation time changes from one making of the same product to the next.
    assert set(l1c) & VOLATILE_ATTRIBUTES == {PROVENANCE_DATE} == set(l2) & VOLATILE_ATTRIBUTES


def test_attributes_are_added_and_replaced_in_place_and_the_data_kept(tmp_path):
    path = tmp_path / CDF_0901.name
    shutil.copyfile(CDF_0901, path)
    before = cdflib.CDF(str(path))
    data = {name: before.varget(name) for name in before.cdf_info().zVariables}
    count = len(before.globalattsget())

    set_global_attributes(path, {"Parents": "CSV>a.csv", "Data_version": "v9", "Empty": ""})
    set_global_attributes(path, {"Parents": "CSV>b.csv", "Input_sha256": "ab" * 32})

    attrs = global_attributes(path)
    assert len(attrs) == count + 3
    assert attrs["Parents"] == "CSV>b.csv"
    assert attrs["Data_version"] == "v9"
    assert attrs["Input_sha256"] == "ab" * 32
    after = cdflib.CDF(str(path))
    assert all(np.array_equal(data[name], after.varget(name)) for name in data)
    assert after.varattsget("dose_rate") == before.varattsget("dose_rate")
    assert cdf_problems(path, DAY) == []


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (b"\xcd\xf3\x00\x01\xcc\xcc\x00\x01", "not an uncompressed CDF"),  # compressed
        (b"not a cdf file at all", "not an uncompressed CDF"),
    ],
)
def test_a_file_that_cannot_be_patched_is_refused(tmp_path, head, problem):
    path = tmp_path / "x.cdf"
    path.write_bytes(head + bytes(64))
    with pytest.raises(CdfAttributeError, match=problem):
        set_global_attributes(path, {"Parents": "x"})
    assert path.read_bytes() == head + bytes(64)


@pytest.fixture
def product(tmp_path) -> tuple[Path, Path]:
    """An L1C with provenance for a copy of the sample input: (product, input)."""
    source = tmp_path / UDL_0901.name
    shutil.copyfile(UDL_0901, source)
    cdf = tmp_path / CDF_0901.name
    shutil.copyfile(CDF_0901, cdf)
    processor = ProcessorVersion("m:f", "1.0")
    set_global_attributes(cdf, l1c_attributes(input_facts(source, ""), processor, {}))
    os.utime(cdf, ns=(source.stat().st_mtime_ns + 10**9,) * 2)
    return cdf, source


def test_a_product_made_by_the_current_processor_from_its_input_is_not_stale(product):
    cdf, source = product
    assert stale_reason(made_by(cdf), ProcessorVersion("m:f", "1.0"), cdf, source) is None
    assert stale_reason(made_by(cdf), ProcessorVersion("m:f", "1.0"), cdf, None) is None


@pytest.mark.parametrize(
    ("current", "change", "reason"),
    [
        (ProcessorVersion("m:f", "1.1"), None, "made by m:f@1.0, now m:f@1.1"),
        (ProcessorVersion("m:g", "1.0"), None, "made by m:f@1.0, now m:g@1.0"),
        (ProcessorVersion("m:f", "1.0"), "longer", "its input is now"),
        (ProcessorVersion("m:f", "1.0"), "same size", "changed since it was made"),
        (ProcessorVersion("m:f", "1.0"), "touched", None),
    ],
)
def test_staleness(product, current, change, reason):
    cdf, source = product
    data = source.read_bytes()
    if change == "longer":
        source.write_bytes(data + b"\n")
    elif change == "same size":
        source.write_bytes(data[:-2] + bytes([data[-2] ^ 1]) + data[-1:])
    if change:
        os.utime(source, ns=(cdf.stat().st_mtime_ns + 10**9,) * 2)
    found = stale_reason(made_by(cdf), current, cdf, source)
    assert found == reason if reason is None else reason in found


def test_a_product_without_provenance_is_made_by_an_unknown_processor():
    made = made_by(CDF_0901)
    assert (made.processor, made.version) == (UNKNOWN, UNKNOWN)
    assert stale_reason(made, ProcessorVersion("m:f", "1.0"), CDF_0901, None)


def test_a_remade_day_takes_its_inputs_hash_from_the_product_it_replaces(product):
    cdf, source = product
    assert recorded_facts(cdf, source, "w") == InputFacts(
        source.name, source.stat().st_size, input_facts(source, "").sha256, "w"
    )
    os.utime(source, ns=(cdf.stat().st_mtime_ns + 1,) * 2)  # written after the product
    assert recorded_facts(cdf, source, "w") is None
    assert recorded_facts(None, source, "w") is None
    assert recorded_facts(CDF_0901, source, "w") is None  # no provenance in it
