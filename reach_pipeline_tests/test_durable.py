"""The file-system durability rules (reach_pipeline.durable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reach_pipeline.durable import atomic_write_bytes, write_atomically


@pytest.mark.parametrize("durable", [False, True])
def test_a_failed_write_leaves_nothing(tmp_path, durable):
    final = tmp_path / "x.png"

    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(final, fail, durable=durable)
    assert list(tmp_path.iterdir()) == []
    write_atomically(final, lambda tmp: tmp.write_bytes(b"whole"), durable=durable)
    assert final.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [final]


def test_the_temporary_name_is_hidden_and_keeps_the_suffix(tmp_path):
    seen = []
    write_atomically(
        tmp_path / "a.cdf", lambda tmp: seen.append(tmp) or tmp.write_bytes(b"x"), suffix=".tmp.cdf"
    )
    [tmp] = seen
    assert tmp.parent == tmp_path and tmp.name.startswith(".a.cdf.") and tmp.suffix == ".cdf"


def test_atomic_write_bytes_replaces_with_the_mode_asked(tmp_path):
    path = tmp_path / "state.csv"
    path.write_bytes(b"old")
    atomic_write_bytes(path, b"new", mode=0o640)
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o640
    assert list(tmp_path.iterdir()) == [path]
