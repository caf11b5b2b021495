"""Write the structure cells of each lesson notebook from ``cac_toolkit.course.lessons``.

In ``notebooks/NN_*.ipynb``: an "About this lesson" cell after the title (objectives,
prerequisites, time), the lesson's self-check questions (a Markdown question and a code cell
answered with ``selfcheck.answer``) before its closing section, and a "Key points" cell at the
end. Every such cell is tagged ``lesson-structure``; a rerun removes and rewrites them, so the
script is idempotent. A learner's answer typed in a self-check cell is kept.

Usage::

    python scripts/make_lessons.py          # rewrite the notebooks
    python scripts/make_lessons.py --check  # exit 1 if a notebook differs (the drift test)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from cac_toolkit.course import selfcheck
from cac_toolkit.course.lessons import LESSONS, Lesson

ROOT = Path(__file__).resolve().parent.parent
TAG = "lesson-structure"


def _cell(kind: str, source: str, key: str) -> nbformat.NotebookNode:
    maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = maker(source)
    cell.metadata["tags"] = [TAG]
    cell.id = f"lesson-{key}".replace(".", "-")  # cell ids allow letters, digits, - and _
    return cell


def about(lesson: Lesson) -> str:
    """The opening cell: objectives, prerequisites and time."""
    lines = [f"**About this lesson** · about {lesson.minutes} minutes", "",
             "You will be able to:", ""]
    lines += [f"- {objective};" if i < len(lesson.objectives) - 1 else f"- {objective}."
              for i, objective in enumerate(lesson.objectives)]
    lines += ["", "Prerequisites: " + "; ".join(lesson.prerequisites) + ".", "",
              f"Inside the lesson, {len(lesson.selfchecks)} self-check questions: type a "
              "letter in the cell below each one and run it; the package says whether it is "
              "right, and why."]
    return "\n".join(lines)


def key_points(lesson: Lesson) -> str:
    """The closing cell: the key points, and the exercise to practise with."""
    lines = ["## Key points", ""] + [f"- {point}" for point in lesson.key_points]
    if lesson.exercise:
        lines += ["", f"**Practice:** `exercises/{lesson.exercise}.ipynb` (solutions in "
                  f"`solutions/{lesson.exercise}.ipynb`)."]
    return "\n".join(lines)


def _answer_source(key: str, previous: dict[str, str]) -> str:
    return previous.get(f"lesson-answer-{key}".replace(".", "-"),
                        "from cac_toolkit.course import selfcheck\n\n"
                        f'selfcheck.answer("{key}", None)')


def structure(notebook: nbformat.NotebookNode, lesson: Lesson) -> nbformat.NotebookNode:
    """The notebook with its structure cells rewritten (the content cells untouched)."""
    previous = {c.id: c.source for c in notebook.cells if TAG in c.metadata.get("tags", [])
                and c.get("id", "").startswith("lesson-answer-")}
    cells = [c for c in notebook.cells if TAG not in c.metadata.get("tags", [])]
    closing = next((i for i in range(len(cells) - 1, 0, -1) if cells[i].cell_type == "markdown"
                    and cells[i].source.lstrip().startswith(("## What to", "## Checklist"))),
                   len(cells))
    checks = []
    for key in lesson.selfchecks:
        checks.append(_cell("markdown", selfcheck.markdown(key), f"question-{key}"))
        checks.append(_cell("code", _answer_source(key, previous), f"answer-{key}"))
    notebook.cells = ([cells[0], _cell("markdown", about(lesson), "about")] + cells[1:closing]
                      + checks + cells[closing:]
                      + [_cell("markdown", key_points(lesson), "key-points")])
    return notebook


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """Each cell's kind and text, and the id of the structure cells (what the script owns)."""
    return [(c.cell_type, c.source,
             c.get("id", "") if TAG in c.metadata.get("tags", []) else "") for c in notebook.cells]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args(argv)
    drift = []
    for lesson in LESSONS:
        path = ROOT / "notebooks" / f"{lesson.stem}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        before = sources(notebook)
        after = structure(notebook, lesson)
        if sources(after) == before:
            continue
        if args.check:
            drift.append(path.name)
        else:
            nbformat.write(after, path)
            print(f"wrote {path.relative_to(ROOT)}")
    if drift:
        print("out of date (run scripts/make_lessons.py): " + ", ".join(drift))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
