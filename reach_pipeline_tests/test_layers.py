"""The layers: only ``defs/``, ``cli/``, ``definitions.py`` and ``__main__.py`` import
Dagster (``dagster`` or a ``dagster_*`` integration), and the layers below do not reach
Dagster through them. Read from every module's source (imports inside functions too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reach_pipeline

PACKAGE = Path(reach_pipeline.__file__).parent
GLUE = ("defs", "cli", "definitions.py", "__main__.py")  # the modules that may use Dagster


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path`` (a module of the package in ``root``);
    a relative import as its absolute name."""
    package = path.relative_to(root.parent).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            name = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, name))
    return found


def is_glue(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0] in GLUE


def is_dagster(module: str) -> bool:
    top = module.split(".")[0]
    return top == "dagster" or top.startswith("dagster_")


def reaches_glue(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "reach_pipeline" and len(parts) > 1 and parts[1] in ("defs", "cli")


def violations(rule) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in modules()
        if not is_glue(path)
        for line, module in imported(path)
        if rule(module)
    ]


def test_the_package_is_scanned():
    names = {p.relative_to(PACKAGE).as_posix() for p in modules()}
    assert {"stages.py", "steps/day.py", "defs/assets.py", "definitions.py"} <= names
    assert any(is_dagster(m) for _, m in imported(PACKAGE / "defs" / "assets.py"))


def test_only_the_glue_imports_dagster():
    assert violations(is_dagster) == []


def test_the_layers_below_do_not_import_the_glue():
    assert violations(reaches_glue) == []


@pytest.mark.parametrize(
    ("source", "where", "expected"),
    [
        ("import dagster", "steps/x.py", ["dagster"]),
        ("from dagster import asset", "steps/x.py", ["dagster"]),
        ("def f():\n    from dagster_aws.s3 import S3Resource", "x.py", ["dagster_aws.s3"]),
        ("from ..defs import assets", "steps/x.py", ["reach_pipeline.defs"]),
        ("from .outcome import Status", "steps/x.py", ["reach_pipeline.steps.outcome"]),
        ("import dagsterish", "x.py", []),
    ],
)
def test_imports_are_found(tmp_path, source, where, expected):
    path = tmp_path / "reach_pipeline" / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    found = imported(path, root=tmp_path / "reach_pipeline")
    assert [m for _, m in found if is_dagster(m) or m.startswith("reach_pipeline")] == expected
