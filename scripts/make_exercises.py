"""Generate the blank exercises (``exercises/``) from the solution notebooks (``solutions/``).

``solutions/exNN_*.ipynb`` is the one source. In it:

- a code cell whose first line is ``# solution`` holds an answer. In the exercise its body is
  replaced by a placeholder that assigns ``None`` to every ``answer...`` name the cell defines,
  so the blank notebook still runs and each check prints "Not done yet";
- a Markdown cell whose first line is ``<!-- solution -->`` (a discussion of the answer) is
  left out of the exercise.

Every other cell is copied as is; outputs and execution counts are cleared.

Usage::

    python scripts/make_exercises.py            # (re)write exercises/
    python scripts/make_exercises.py --check    # exit 1 if exercises/ differs from solutions/
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SOLUTION_MARK = "# solution"
DISCUSSION_MARK = "<!-- solution -->"
PLACEHOLDER_HEAD = "# Your code here: replace None with your answer."


def _first_line(source: str) -> str:
    return source.lstrip("\n").split("\n", 1)[0].strip()


def is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    """A code cell whose first line is the ``# solution`` marker."""
    return cell.cell_type == "code" and _first_line(cell.source) == SOLUTION_MARK


def is_discussion_cell(cell: nbformat.NotebookNode) -> bool:
    """A Markdown cell that only belongs to the solutions."""
    return cell.cell_type == "markdown" and _first_line(cell.source) == DISCUSSION_MARK


def answer_names(source: str) -> list[str]:
    """Names starting with ``answer`` assigned at the top level of a cell, in order."""
    names: list[str] = []
    for node in ast.parse(source).body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for name in ast.walk(target):
                if (isinstance(name, ast.Name) and name.id.startswith("answer")
                        and name.id not in names):
                    names.append(name.id)
    return names


def placeholder(source: str, where: str) -> str:
    """The blank version of a solution cell: ``answer_x = None`` for each answer it defines."""
    names = answer_names(source)
    if not names:
        raise ValueError(f"{where}: a '# solution' cell must assign a name starting with 'answer'")
    return "\n".join([PLACEHOLDER_HEAD, *[f"{name} = None" for name in names]])


def exercise_from_solution(solution: nbformat.NotebookNode, where: str = "notebook"
                           ) -> nbformat.NotebookNode:
    """The exercise notebook made from a solution notebook (a new object; the input is kept)."""
    exercise = copy.deepcopy(solution)
    cells = []
    for index, cell in enumerate(exercise.cells):
        if is_discussion_cell(cell):
            continue
        if is_solution_cell(cell):
            cell.source = placeholder(cell.source, f"{where}, cell {index}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cells.append(cell)
    exercise.cells = cells
    return exercise


def solution_files(folder: Path = SOLUTIONS) -> list[Path]:
    return sorted(folder.glob("ex*.ipynb"))


def build(solutions: Path = SOLUTIONS, exercises: Path = EXERCISES, check: bool = False
          ) -> list[str]:
    """Write (or, with ``check``, compare) every exercise; returns the names that differ."""
    exercises.mkdir(parents=True, exist_ok=True)
    drift = []
    for path in solution_files(solutions):
        exercise = exercise_from_solution(nbformat.read(path, as_version=4), path.name)
        target = exercises / path.name
        if check:
            if not target.exists() or sources(nbformat.read(target, as_version=4)) != sources(
                    exercise):
                drift.append(path.name)
            continue
        nbformat.write(exercise, target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return drift


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Cell types and sources: what an exercise must keep from its solution."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare exercises/ with solutions/ instead of writing")
    args = parser.parse_args(argv)
    drift = build(check=args.check)
    if drift:
        print("exercises out of date (run `make exercises`): " + ", ".join(drift),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
