"""What a label (idSensor, observatoryName, descriptor, obDescription) may hold.

Labels become CDF variables and attributes (sensor labels, flavor names, UDL_Source), so
text no instrument writes is refused rather than copied into a product: control
characters (a NUL inside a name) and names far longer than any real one.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .errors import ReachInputError, excerpt
from .observations import Labels, Observations

# The longest real label is ~30 characters ("DOSE1 (Flavor X) in rad/second").
MAX_LABEL_CHARS = 128
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_labels(path: Path, obs: Observations) -> None:
    """Raise for the first label that breaks a rule, naming the row it first appears in."""
    for column, labels in (
        ("idSensor", obs.id_sensor),
        ("observatoryName", obs.observatory),
        ("descriptor", obs.descriptor),
        ("obDescription", obs.description),
    ):
        for code, name in enumerate(labels.names):
            problem = label_problem(name)
            if problem:
                raise ReachInputError(path, f"{_first_place(obs, labels, code)}{column} {problem}")


def label_problem(name: str) -> str | None:
    """Why ``name`` cannot be a label, or None."""
    if len(name) > MAX_LABEL_CHARS:
        return f"too long ({len(name):,} characters; at most {MAX_LABEL_CHARS}): {excerpt(name)}"
    m = _CONTROL.search(name)
    if m:
        return f"holds a control character (0x{ord(m.group()):02x}): {excerpt(name)}"
    return None


def _first_place(obs: Observations, labels: Labels, code: int) -> str:
    hits = np.flatnonzero(labels.codes == code)
    return f"{obs.where(int(hits[0]))}: " if hits.size else ""
