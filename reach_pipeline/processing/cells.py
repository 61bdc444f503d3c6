"""One ``seoList`` or ``senPos`` cell: JSON text, a Python repr, or (JSON files) a parsed value.

Every way a cell can be wrong ends as a ``ReachInputError`` naming the file and the place
(``row 12`` in a CSV, ``record 12`` in a JSON file): text that parses as neither, nesting
too deep for the parsers, numbers beyond the integer digit limit or too large for a float,
duplicated keys, and cells far longer than any real one.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from collections.abc import Collection
from pathlib import Path

import numpy as np

from .converters import place_number
from .errors import ReachInputError, excerpt

# A real seoList cell is ~170 characters an object; 64 Ki characters is hundreds of objects.
MAX_CELL_CHARS = 1 << 16
# A seoList is a list of objects of values (depth 2, 3 with an array value): a cell of the
# wrong shape nested deeper than this is called nested too deeply.
MAX_DEPTH = 8

Seo = tuple[float, float, str]  # obValue, obQuality, obDescription
SEO_KEYS = ("obValue", "obQuality", "obDescription")
_EXPECTED = {"seoList": "not a list of objects", "senPos": "expected [x, y, z]"}


def seo_objects(path: Path, where: str, cell) -> list[Seo]:
    """The (obValue, obQuality, obDescription) of each object of a seoList cell."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise ReachInputError(path, f"{where}: seoList is blank")
    parsed = parse_cell(path, where, "seoList", cell)
    if isinstance(parsed, dict):
        parsed = [parsed]
    if not isinstance(parsed, list) or not all(isinstance(o, dict) for o in parsed):
        raise _shape_error(path, where, "seoList", cell, parsed)
    return [_seo_object(path, where, cell, obj) for obj in parsed]


def _seo_object(path: Path, where: str, cell, obj: dict) -> Seo:
    problem = twice_problem(obj, SEO_KEYS)
    if problem:
        raise ReachInputError(path, f"{where}: seoList {problem}")
    if "obDescription" not in obj or "obValue" not in obj:
        raise ReachInputError(
            path, f"{where}: seoList object lacks obValue or obDescription: {excerpt(cell)}"
        )
    value = place_number(path, where, "obValue", obj.get("obValue"))
    quality = place_number(path, where, "obQuality", obj.get("obQuality"))
    desc = obj["obDescription"]
    if desc is not None and not isinstance(desc, str | int | float):
        raise ReachInputError(
            path, f"{where}: obDescription is a {type(desc).__name__}, not text: {excerpt(cell)}"
        )
    return value, quality, "" if desc is None else str(desc)


def sen_position(path: Path, where: str, cell) -> tuple[float, float, float]:
    """The (x, y, z) of a senPos cell; NaNs when the cell is blank."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return (np.nan, np.nan, np.nan)
    parsed = parse_cell(path, where, "senPos", cell)
    if not isinstance(parsed, list | tuple) or len(parsed) != 3:
        raise _shape_error(path, where, "senPos", cell, parsed)
    x, y, z = (place_number(path, where, "senPos", v) for v in parsed)
    return x, y, z


def parse_cell(path: Path, where: str, column: str, cell):
    """A cell's value: text parsed as JSON or as a Python literal; a parsed value as it is."""
    if isinstance(cell, str):
        if len(cell) > MAX_CELL_CHARS:
            raise ReachInputError(
                path,
                f"{where}: {column} cell too long ({len(cell):,} characters; a real one is "
                f"under {MAX_CELL_CHARS:,}: a corrupt cell or a runaway quote?)",
            )
        return _literal(path, where, column, cell)
    return cell


def _shape_error(path: Path, where: str, column: str, cell, parsed) -> ReachInputError:
    """A cell of the wrong shape; nesting gone wild is named as such."""
    if _depth(parsed) > MAX_DEPTH:
        return _too_deep(path, where, column)
    return ReachInputError(
        path, f"{where}: cannot parse {column} cell {excerpt(cell)} ({_EXPECTED[column]})"
    )


def _too_deep(path: Path, where: str, column: str) -> ReachInputError:
    return ReachInputError(
        path, f"{where}: {column} cell is nested too deeply (more than {MAX_DEPTH} levels)"
    )


def _depth(value, limit: int = MAX_DEPTH + 1) -> int:
    """How deep lists and objects nest in ``value``, counted up to ``limit``."""
    if not isinstance(value, list | tuple | dict) or limit == 0:
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in items), default=0)


def _literal(path: Path, where: str, column: str, cell: str):
    """JSON (double quotes) first, then a Python repr (single quotes, nan, inf, None)."""
    try:
        return json.loads(cell, object_pairs_hook=mark_duplicated_keys)
    except RecursionError as exc:
        raise _too_deep(path, where, column) from exc
    except ValueError:
        pass  # not JSON (or a number beyond the digit limit: the repr parser says which)
    try:
        tree = ast.parse(cell.strip(), mode="eval")
        try:
            value = ast.literal_eval(tree)
        except ValueError:  # nan, inf or null spelled as a bare name
            value = ast.literal_eval(_NamedConstants().visit(tree))
    except (RecursionError, MemoryError) as exc:
        raise _too_deep(path, where, column) from exc
    except (ValueError, SyntaxError) as exc:
        if "digits" in str(exc):  # the integer digit limit (a ValueError or a SyntaxError)
            raise ReachInputError(
                path, f"{where}: {column} holds a number with too many digits: {excerpt(cell)}"
            ) from exc
    except TypeError:
        pass
    else:
        problem = _repeated_seo_key(tree.body)
        if problem:
            raise ReachInputError(path, f"{where}: {column} {problem}")
        return value
    raise ReachInputError(
        path, f"{where}: cannot parse {column} cell {excerpt(cell)} ({_EXPECTED[column]})"
    )


class DuplicatedKeys(dict):
    """An object that named keys twice (JSON keeps the last silently); ``twice`` says which."""

    twice: tuple[str, ...] = ()


def mark_duplicated_keys(pairs: list[tuple[str, object]]) -> dict:
    """``json.load``'s ``object_pairs_hook``: a ``DuplicatedKeys`` where a key repeats."""
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    marked = DuplicatedKeys(out)
    marked.twice = tuple(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return marked


def twice_problem(obj: dict, read: Collection[str]) -> str | None:
    """The problem of an object (``mark_duplicated_keys``) naming a key we read twice."""
    return _twice_among(getattr(obj, "twice", ()), read)


def _twice_among(twice, read: Collection[str]) -> str | None:
    keys = [k for k in twice if k in read]
    return f"key {keys[0]!r} appears twice in one object" if keys else None


def _repeated_seo_key(body: ast.expr) -> str | None:
    """A seoList object written as a Python literal that names a key we read twice
    (literal_eval keeps the last one silently)."""
    objects = body.elts if isinstance(body, ast.List | ast.Tuple) else [body]
    for node in objects:
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len(set(keys)) < len(keys):
                twice = [k for k, n in Counter(keys).items() if n > 1]
                problem = _twice_among(twice, SEO_KEYS)
                if problem:
                    return problem
    return None


class _NamedConstants(ast.NodeTransformer):
    """Python's repr writes nan and inf as bare names, which literal_eval refuses; the fast
    reader reads them (and null) as numbers, so they are accepted here too."""

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
