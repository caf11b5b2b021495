"""Project hygiene: conda and pip list the same dependencies; generated data does not drift."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import yaml

from cac_toolkit.core.resources import repo_root
from cac_toolkit.course.examples import write_examples

ROOT = repo_root()


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_deps = {_name(r): r.replace(" ", "") for r in project["dependencies"]}
    pip_deps.update({_name(r): r.replace(" ", "")
                     for r in project["optional-dependencies"]["test"]})
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"]
             if isinstance(d, str) and _name(d) not in ("python", "pip")}
    assert conda == pip_deps
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_every_conda_dependency_is_commented() -> None:
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        if re.match(r"\s+- [a-z]", line) and "-e ." not in line:
            assert "#" in line, f"environment.yml: no comment on {line.strip()}"


def test_example_data_matches_its_builder(tmp_path: Path) -> None:
    for written in write_examples(tmp_path):
        committed = ROOT / "data" / written.relative_to(tmp_path)
        assert committed.read_bytes() == written.read_bytes(), committed


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme
    assert re.search(r"^make test$", ci, re.M)


def test_data_format_tables_match_the_contract() -> None:
    """docs/data-format.md shows the tables and columns exactly as data/contract.py declares."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_docs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generator_writes_only_contract_columns() -> None:
    from cac_toolkit.data.contract import TABLES as CONTRACT
    from cac_toolkit.data.generator import COLUMNS

    for table, columns in COLUMNS.items():
        declared = set(CONTRACT[table].columns)
        assert set(columns) <= declared, f"{table}: {sorted(set(columns) - declared)}"
        assert set(CONTRACT[table].required) <= set(columns), table


#: Where a module of the package may be imported inside a function: the engines of optional
#: dependencies (DuckDB, PySpark) load only when chosen, and the command line answers --help
#: without importing the figures. Nowhere else: a function-level import hides a cycle.
LAZY_IMPORTS = {"cac_toolkit/cli.py": None,
                "cac_toolkit/audit/engines/__init__.py": {"cac_toolkit.audit.engines.duckdb_engine",
                                                          "cac_toolkit.audit.engines.in_place",
                                                          "cac_toolkit.audit.engines.spark_engine"}}


def test_no_module_of_the_package_is_imported_inside_a_function() -> None:
    found = []
    for path in sorted((ROOT / "cac_toolkit").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        allowed = LAZY_IMPORTS.get(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                modules = ([inner.module or ""] if isinstance(inner, ast.ImportFrom) else
                           [a.name for a in inner.names] if isinstance(inner, ast.Import) else [])
                found += [f"{name}:{inner.lineno} {m}" for m in modules
                          if m.startswith("cac_toolkit") and allowed is not None
                          and m not in allowed]
    assert not found, found
