"""One ``seoList`` or ``senPos`` cell: JSON text, a Python repr, or (JSON files) a parsed value."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np

from .converters import number
from .errors import ReachInputError, excerpt

Seo = tuple[float, float, str]  # obValue, obQuality, obDescription


def seo_objects(path: Path, where: str, cell) -> list[Seo]:
    """The (obValue, obQuality, obDescription) of each object of a seoList cell."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise ReachInputError(path, f"{where}: seoList is blank")
    parsed = parse_cell(cell)
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list) or not all(isinstance(o, dict) for o in parsed):
        raise ReachInputError(
            path, f"{where}: cannot parse seoList cell {excerpt(cell)} (not a list of objects)"
        )
    return [_seo_object(path, where, cell, obj) for obj in parsed]


def _seo_object(path: Path, where: str, cell, obj: dict) -> Seo:
    if "obDescription" not in obj or "obValue" not in obj:
        raise ReachInputError(
            path, f"{where}: seoList object lacks obValue or obDescription: {excerpt(cell)}"
        )
    try:
        value = number(obj.get("obValue"))
        quality = number(obj.get("obQuality"))
    except (TypeError, ValueError) as exc:
        raise ReachInputError(
            path, f"{where}: non-numeric obValue/obQuality in seoList {excerpt(cell)}"
        ) from exc
    desc = obj["obDescription"]
    return value, quality, "" if desc is None else str(desc)


def sen_position(path: Path, where: str, cell) -> tuple[float, float, float]:
    """The (x, y, z) of a senPos cell; NaNs when the cell is blank."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return (np.nan, np.nan, np.nan)
    parsed = parse_cell(cell)
    try:
        if not isinstance(parsed, list | tuple) or len(parsed) != 3:
            raise ValueError
        return tuple(number(v) for v in parsed)  # type: ignore[return-value]
    except (TypeError, ValueError) as exc:
        raise ReachInputError(
            path, f"{where}: cannot parse senPos cell {excerpt(cell)} (expected [x, y, z])"
        ) from exc


_UNPARSED = object()


def parse_cell(cell):
    """A cell's value: text parsed as JSON or as a Python literal; a parsed value as it is."""
    return _literal(cell) if isinstance(cell, str) else cell


def _literal(cell: str):
    """JSON (double quotes) first, then a Python repr (single quotes, nan, inf, None)."""
    try:
        return json.loads(cell)
    except ValueError:
        pass
    try:
        return ast.literal_eval(cell)
    except (SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNPARSED
    except ValueError:
        pass
    try:
        tree = _NamedConstants().visit(ast.parse(cell.strip(), mode="eval"))
        return ast.literal_eval(tree)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _UNPARSED


class _NamedConstants(ast.NodeTransformer):
    """Python's repr writes nan and inf as bare names, which literal_eval refuses; the fast
    reader reads them (and null) as numbers, so accept them here too."""

    NAMES = {
        "nan": np.nan,
        "NaN": np.nan,
        "inf": np.inf,
        "Infinity": np.inf,
        "null": None,
    }

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.NAMES:
            return ast.copy_location(ast.Constant(self.NAMES[node.id]), node)
        return node
