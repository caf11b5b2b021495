"""docs/methodology.md names real functions, and links each to the file that defines it."""

from __future__ import annotations

import importlib
import pkgutil
import re

import cac_toolkit
from cac_toolkit.core.resources import repo_root

METHODOLOGY = repo_root() / "docs" / "methodology.md"
#: `module.name` in backticks, optionally as a Markdown link: [`formulas.cac`](../path.py)
REFERENCE = re.compile(r"\[?`([a-z_]+)\.([A-Za-z_][A-Za-z_0-9]*)(?:\.[A-Za-z_]+)?`\]?"
                       r"(\(([^)]+)\))?")


def _modules() -> dict[str, list[str]]:
    """Short module name -> full names (``formulas`` -> ``cac_toolkit.figures.formulas``)."""
    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(cac_toolkit.__path__, prefix="cac_toolkit."):
        found.setdefault(info.name.rsplit(".", 1)[1], []).append(info.name)
    return found


def test_every_function_named_in_the_methodology_exists_and_is_linked() -> None:
    modules = _modules()
    text = METHODOLOGY.read_text(encoding="utf-8")
    checked = 0
    for match in REFERENCE.finditer(text):
        short, attr, link, target = match.group(1), match.group(2), match.group(3), match.group(4)
        if short not in modules or (short, attr) == ("kpis", "json"):
            continue  # a KPI key such as `cac.global`, or the file kpis.json: not a function
        (full,) = modules[short]
        module = importlib.import_module(full)
        assert hasattr(module, attr), f"methodology names {short}.{attr}, which {full} lacks"
        assert link, f"`{short}.{attr}` is not linked to its source file"
        expected = "../" + full.replace(".", "/") + ".py"
        assert target == expected, f"`{short}.{attr}` links to {target}, expected {expected}"
        checked += 1
    assert checked >= 15, f"only {checked} functions referenced: the methodology lost its links"
