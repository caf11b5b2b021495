"""Execute the course notebooks in place, so that they are committed with their outputs.

Runs every notebook of ``notebooks/``, the audit notebook of the package (with the sample
company's ``audit.yaml`` injected as papermill parameters, so that its committed run is the one
``make demo`` makes), ``solutions/`` and ``exercises/`` with nbclient: kernel ``python3`` (the
Python of the environment running this script), working directory = the notebook's folder (as
nbval and Jupyter use), no timing metadata and no widget state, so that a re-run changes as few
lines as possible. Prints one progress line per notebook and stops with status 1 if any
notebook fails (the failing notebook is left untouched on disk).

Usage::

    python scripts/execute_notebooks.py                       # everything (make notebooks)
    python scripts/execute_notebooks.py notebooks/07_*.ipynb  # some notebooks
    python scripts/execute_notebooks.py --timeout 300 --keep-going
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("notebooks", "cac_toolkit/notebooks", "solutions", "exercises")
KERNEL = "python3"
AUDIT_NOTEBOOK = "cac_toolkit/notebooks/audit.ipynb"
SAMPLE_PARAMETERS = "data/sample_company/audit.yaml"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def default_notebooks(root: Path = ROOT) -> list[Path]:
    """Every notebook the project commits executed, in course order."""
    found: list[Path] = []
    for folder in FOLDERS:
        found += sorted(p for p in (root / folder).glob("*.ipynb")
                        if ".ipynb_checkpoints" not in p.parts)
    return found


def clean_metadata(notebook: nbformat.NotebookNode) -> None:
    """Drop what changes from run to run without meaning anything (timings, widget state)."""
    notebook.metadata.pop("widgets", None)
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id on every run
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("ExecuteTime", None)


def sample_parameters(root: Path = ROOT) -> dict[str, object]:
    """The sample audit's parameters (``data/sample_company/audit.yaml``), dates as text."""
    loaded = yaml.safe_load((root / SAMPLE_PARAMETERS).read_text(encoding="utf-8")) or {}
    return {name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name, value in loaded.items()}


def execute(path: Path, timeout: int = 600) -> float:
    """Execute one notebook in place (only written when every cell succeeds); returns seconds."""
    notebook = nbformat.read(path, as_version=4)
    if path.resolve() == (ROOT / AUDIT_NOTEBOOK).resolve():
        notebook = parameterize_notebook(load_notebook_node(str(path)), sample_parameters())
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,  # needed to route Output widgets; the state is dropped below
        allow_errors=False,
    )
    start = time.perf_counter()
    # The kernel's own stderr goes to a file, shown after the progress line minus the
    # TCP-without-encryption notice that ipykernel 7 prints at every start.
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            client.execute(stderr=log)
        finally:
            log.seek(0)
            noise = [line for line in log.read().splitlines()
                     if line.strip() and "without encryption" not in line]
            if noise:
                print("\n    kernel: " + "\n    kernel: ".join(noise), end="", flush=True)
    elapsed = time.perf_counter() - start
    clean_metadata(notebook)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return elapsed


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _error_summary(error: Exception) -> str:
    if isinstance(error, CellExecutionError):
        lines = [line for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
        return lines[-1] if lines else "cell failed"
    return f"{error.__class__.__name__}: {error}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/, solutions/, exercises/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--keep-going", action="store_true",
                        help="run the other notebooks after a failure")
    args = parser.parse_args(argv)
    paths = args.paths or default_notebooks()
    if not paths:
        print("no notebook found", file=sys.stderr)
        return 1
    failed: list[str] = []
    done = 0
    total = time.perf_counter()
    width = len(str(len(paths)))
    for number, path in enumerate(paths, start=1):
        label = f"[{number:>{width}}/{len(paths)}] {_shown(path)}"
        print(f"{label} ...", end="", flush=True)
        try:
            seconds = execute(path, args.timeout)
        except Exception as error:  # report, then stop or go on
            print(f" FAILED: {_error_summary(error)}", flush=True)
            failed.append(_shown(path))
            if not args.keep_going:
                break
            continue
        done += 1
        print(f" ok ({seconds:.1f} s)", flush=True)
    print(f"{done} of {len(paths)} notebooks executed in "
          f"{time.perf_counter() - total:.0f} s" + (f"; failed: {', '.join(failed)}"
                                                   if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
