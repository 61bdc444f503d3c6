"""How a statistic is shown: colour scale, colour bar label, the values as drawn."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Colormap, LogNorm, Normalize
from matplotlib.ticker import FuncFormatter

from .product import FLAVOR_LABELS, LOG_RANGE

# Below the scale: the bottom colour; empty cells (NaN): transparent.
CMAP: Colormap = colormaps["viridis"].with_extremes(bad=(0, 0, 0, 0))
UNITS_LABEL = "dose rate (rad/s, log scale)"
COUNT_LABEL = "points per 5° × 5° cell"


def is_count(statistic: str) -> bool:
    return statistic == "count"


def norm_for(statistic: str, values: np.ndarray) -> Normalize:
    """Count: linear from 0 to the day's largest count; the others: log10 over LOG_RANGE."""
    if is_count(statistic):
        top = float(np.nanmax(values)) if np.any(values > 0) else 1.0
        return Normalize(0.0, top)
    return LogNorm(*LOG_RANGE)


def display_values(statistic: str, values: np.ndarray) -> np.ndarray:
    """The map as drawn: empty cells NaN (blank); doses <= 0 drawn at the bottom colour."""
    values = np.array(values, dtype=np.float64)
    if is_count(statistic):
        values[values <= 0] = np.nan
        return values
    values[np.isfinite(values) & (values <= 0)] = LOG_RANGE[0] / 2
    return values


def cell_colours(statistic: str, values: np.ndarray, norm: Normalize) -> np.ndarray:
    """The map's cells as RGBA bytes, empty cells transparent.

    Colouring the 36 x 72 cells here, rather than letting ``imshow`` colour every screen
    pixel of the resampled map at draw time, is what keeps a map cheap to draw.
    """
    return CMAP(norm(display_values(statistic, values)), bytes=True)


def colorbar_label(statistic: str) -> str:
    return COUNT_LABEL if is_count(statistic) else f"{statistic} {UNITS_LABEL}"


# The box of a note drawn over an empty map.
NOTE_BOX = {"facecolor": "white", "edgecolor": "0.5", "alpha": 0.85}


# The flavor labels are TeX in the CDF; drawn as plain text (mathtext costs ~0.1 s a label).
_TEX_TO_TEXT = ((r"$\geq$", "≥"), (r"$e^{-}$", "e⁻"), (r"$p^{+}$", "p⁺"))
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def plain_label(tex: str) -> str:
    r"""``X $\geq$ 360 keV $e^{-}$`` -> ``X ≥ 360 keV e⁻``."""
    for tex_part, text in _TEX_TO_TEXT:
        tex = tex.replace(tex_part, text)
    return tex


def flavor_label(index: int) -> str:
    return plain_label(FLAVOR_LABELS[index])


def _power_of_ten(x: float, _pos=None) -> str:
    exponent = np.log10(x) if x > 0 else np.nan
    if np.isfinite(exponent) and exponent == round(exponent):
        return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)
    return f"{x:g}"


# Colour-bar tick labels 10⁻⁷ ... 10⁻² without mathtext.
POWER_OF_TEN = FuncFormatter(_power_of_ten)


def style_colorbar(bar, statistic: str) -> None:
    """Major ticks only, labelled without mathtext, and the statistic's label."""
    bar.minorticks_off()
    if not is_count(statistic):
        bar.ax.xaxis.set_major_formatter(POWER_OF_TEN)
    bar.set_label(colorbar_label(statistic), fontsize=10)
