"""The three CSV readers: each test that takes ``fast`` runs once per reader."""

from __future__ import annotations

import pytest

from reach_pipeline.processing import scanned_csv
from reach_pipeline_tests.support.services import ServiceUnavailable, services_required


@pytest.fixture(params=["scanned", "pyarrow", "general"], ids=lambda r: f"{r}-reader")
def fast(request, monkeypatch) -> bool:
    """``process_day``'s ``fast``: the scanned reader first (then the pyarrow one, then the
    general one, as a day is read); the pyarrow reader first, as on a machine where the C
    scanner was not built; or the general reader alone."""
    if request.param == "scanned" and not scanned_csv.available():
        with services_required():  # a skip on a newcomer's machine, a failure in CI
            raise ServiceUnavailable(
                "the C scanner (reach_pipeline.processing._udlscan) was not built: no C "
                "compiler when the package was installed"
            )
    if request.param == "pyarrow":
        monkeypatch.setattr(scanned_csv, "_udlscan", None)
    return request.param != "general"
