"""The environment of the pipeline's processes in a test: nothing of the caller's."""

from __future__ import annotations

from pathlib import Path

from reach_pipeline_tests.faults.support import clean_env


def pipeline_env(root: Path, input_dir: Path, out: Path, **extra: str) -> dict[str, str]:
    """``clean_env`` (HOME ``root/home``) for the pipeline reading ``input_dir`` and
    writing ``out``; ``extra`` the other settings."""
    return clean_env(
        root / "home", REACH_INPUT_DIR=str(input_dir), REACH_OUTPUT_DIR=str(out), **extra
    )
