"""``cac-toolkit check``: every problem of a folder in one run, errors then warnings.

Reading stops at the first bad cell of a file, so each table (or each source of
``sources.yaml``) is read on its own and its error kept; the other tables are still read.
Warnings are those the audit would give (see :mod:`cac_toolkit.data.signals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cac_toolkit.core.errors import CacToolkitError, InputError
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES
from cac_toolkit.data.signals import DataWarning, stray_files
from cac_toolkit.data.sources import folder as sources_folder
from cac_toolkit.data.sources.config import read_sources
from cac_toolkit.data.sources.engine import parse_source


@dataclass(frozen=True)
class Problem:
    """One problem: ``level`` is ``error`` or ``warning``; where it is and what was expected."""

    level: str
    code: str
    message: str
    file: str | None = None
    column: str | None = None
    row: int | None = None
    expected: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "code": self.code, "file": self.file,
                "column": self.column, "row": self.row, "expected": self.expected,
                "message": self.message}


def _error(error: CacToolkitError) -> Problem:
    if isinstance(error, InputError):
        return Problem("error", "input", str(error), error.file, error.column, error.row,
                       error.expected)
    return Problem("error", "input", str(error))


def _warning(warning: DataWarning) -> Problem:
    return Problem("warning", warning.code, warning.message, warning.file, warning.column,
                   warning.row)


def check_folder(folder: str | Path) -> list[Problem]:
    """Every problem of an audit folder (with or without ``sources.yaml``)."""
    root = Path(folder)
    if not root.is_dir():
        return [Problem("error", "input", f"{root}: expected a folder holding spend and "
                        "deals files", str(root))]
    if (root / "sources.yaml").is_file():
        problems = _check_sources(root)
    else:
        problems = _check_contract(root)
    errors = [p for p in problems if p.level == "error"]
    warnings = [p for p in problems if p.level == "warning"]
    return errors + warnings


def _check_contract(root: Path) -> list[Problem]:
    problems: list[Problem] = []
    raws: dict[str, loading.RawTable] = {}
    read: list[Path] = []
    for name, spec in TABLES.items():
        try:
            path = loading.find_table_file(root, name)
            if path is None:
                if spec.required_table:
                    raise InputError(str(root), f"missing table '{name}'; ",
                                     expected=f"a file {name}.csv, {name}.xlsx or "
                                     f"{name}.parquet")
                continue
            read.append(path)
            raw = loading.read_raw(path, spec)
            raws[name] = raw  # its warnings count even when a cell is refused
            loading.parse_table(raw, spec)
        except CacToolkitError as error:
            problems.append(_error(error))
    problems += [_warning(w) for w in loading.raw_warnings(raws, filtered=set())]
    problems += [_warning(w) for w in stray_files(root, read)]
    if not any(p.level == "error" for p in problems):
        try:
            loading.load_folder(root)
        except CacToolkitError as error:  # a rule across tables (one currency...)
            problems.append(_error(error))
    return problems


def _check_sources(root: Path) -> list[Problem]:

    try:
        config = read_sources(root)
    except CacToolkitError as error:
        return [_error(error)]
    problems: list[Problem] = []
    failed = False
    for source in config.sources:
        try:
            read = sources_folder.read_source(root, source, config)
            parse_source(read)
        except CacToolkitError as error:
            problems.append(_error(error))
            failed = True
    named = {s.table for s in config.sources}
    for name, spec in TABLES.items():
        if name in named:
            continue
        path = loading.find_table_file(root, name)
        if path is None:
            continue
        try:
            loading.parse_table(loading.read_raw(path, spec), spec)
        except CacToolkitError as error:
            problems.append(_error(error))
            failed = True
    if failed:
        return problems
    try:
        loaded = sources_folder.read_folder(root)
    except CacToolkitError as error:
        return problems + [_error(error)]
    problems += [_warning(w) for w in loaded.data.warnings + loaded.notices]
    return problems
