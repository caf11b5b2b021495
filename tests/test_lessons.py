"""Lesson structure: objectives, prerequisites, time, self-checks, key points; the glossary.

The structure cells are written by ``scripts/make_lessons.py`` from
``cac_toolkit.course.lessons``; these tests check that every lesson has them, that the
notebooks match the declarations (no drift), that each self-check is answered by the package
without naming the right option, and that the glossary page is up to date.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re

import nbformat
import pytest

from cac_toolkit.core.resources import repo_root
from cac_toolkit.course import lessons, selfcheck
from cac_toolkit.render import plots

ROOT = repo_root()
STEMS = [lesson.stem for lesson in lessons.LESSONS]


def _script(name: str):  # noqa: ANN202 - a module object
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _notebook(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def test_every_lesson_notebook_is_declared_in_reading_order() -> None:
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert set(STEMS) <= set(on_disk)
    # A lesson landing from another branch is declared when its structure is written; until
    # then every lesson of the second edition must be.
    assert {s[:2] for s in STEMS} >= {f"{n:02d}" for n in range(1, 12)}
    assert STEMS == sorted(STEMS), "LESSONS lists the notebooks in reading order"


def test_structure_cells_match_the_declarations() -> None:
    assert _script("make_lessons").main(["--check"]) == 0, "run scripts/make_lessons.py"


@pytest.mark.parametrize("stem", STEMS)
def test_each_lesson_opens_with_objectives_and_closes_with_key_points(stem: str) -> None:
    notebook = _notebook(stem)
    lesson = lessons.LESSON_BY_STEM[stem]
    about = notebook.cells[1].source
    assert "You will be able to:" in about and "Prerequisites:" in about
    assert re.search(rf"about {lesson.minutes} minutes", about)
    assert 3 <= len(lesson.objectives) and all(o in about for o in lesson.objectives)
    closing = notebook.cells[-1].source
    assert closing.startswith("## Key points")
    assert all(point in closing for point in lesson.key_points)
    assert 2 <= len(lesson.selfchecks) <= 3


@pytest.mark.parametrize("stem", STEMS)
def test_self_checks_sit_inside_the_lesson_and_run_unanswered(stem: str) -> None:
    notebook = _notebook(stem)
    lesson = lessons.LESSON_BY_STEM[stem]
    for key in lesson.selfchecks:
        question = selfcheck.QUESTIONS[key]
        position = next(i for i, c in enumerate(notebook.cells)
                        if c.cell_type == "markdown" and f"Self-check {key}." in c.source)
        shown = notebook.cells[position].source
        assert question.stem in shown
        assert all(f"({letter}) {text}" in shown for letter, text in question.options.items())
        answer_cell = notebook.cells[position + 1]
        assert f'selfcheck.answer("{key}", None)' in answer_cell.source
        printed = "".join(o.get("text", "") for o in answer_cell.outputs)
        assert "not answered yet" in printed, "execute the notebook (scripts/execute_notebooks.py)"
        assert 2 < position < len(notebook.cells) - 1  # inside, not before the objectives


def test_every_question_belongs_to_one_lesson() -> None:
    used = [key for lesson in lessons.LESSONS for key in lesson.selfchecks]
    assert sorted(used) == sorted(selfcheck.QUESTIONS)
    assert len(used) == len(set(used))


def _answer(key: str, choice: str | None) -> selfcheck.Answer:
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        result = selfcheck.answer(key, choice)
    assert printed.getvalue().strip() == result.text
    return result


@pytest.mark.parametrize("key", sorted(selfcheck.QUESTIONS))
def test_self_check_answers_explain_without_naming_the_right_option(key: str) -> None:
    question = selfcheck.QUESTIONS[key]
    assert question.right in question.options and set(question.why) == set(question.options)
    assert _answer(key, question.right).ok
    assert _answer(key, question.right.upper() + ")").ok
    for letter in question.options:
        if letter == question.right:
            continue
        result = _answer(key, letter)
        assert not result.ok and question.why[letter] in result.text
        assert f"({question.right})" not in result.text
        right_text = question.options[question.right]
        if len(right_text) > 6:  # a short option ("1", "SEO") may be named for other reasons
            assert right_text not in result.text
    assert not _answer(key, None).ok and "not answered yet" in _answer(key, None).text
    assert "not one of the options" in _answer(key, "z").text


def test_glossary_page_is_generated_and_bilingual() -> None:
    page = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    assert page == lessons.glossary_markdown(), "regenerate docs/glossary.md"
    for term in lessons.GLOSSARY:
        assert term.en and term.fr and term.definition.endswith(".")
        assert term.lesson in lessons.LESSON_BY_STEM
    taught = {term.lesson for term in lessons.GLOSSARY}
    assert taught == set(STEMS), "every lesson teaches at least one glossary term"


def test_verdict_palette_is_colour_blind_safe() -> None:
    # Okabe and Ito's palette: bluish green, orange, vermillion, blue for the four zones.
    okabe_ito = {"#009e73", "#e69f00", "#d55e00", "#0072b2", "#56b4e9", "#f0e442", "#cc79a7",
                 "#000000"}
    verdicts = [plots.COLORS[k].lower() for k in ("good", "watch", "bad", "strong")]
    assert set(verdicts) <= okabe_ito and len(set(verdicts)) == 4
    assert plots.COLORS["good"].lower() != "#2e8b57" and plots.COLORS["bad"].lower() != "#c0392b"


CAPTION = "**Chart.** "


@pytest.mark.parametrize("stem", STEMS)
def test_every_chart_has_a_text_alternative(stem: str) -> None:
    # A chart is followed by a caption saying what it shows, and carries the same words as its
    # image's alternative text on the course website (myst-nb's cell option mystnb.image.alt).
    notebook = _notebook(stem)
    for index, cell in enumerate(notebook.cells):
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if not images:
            continue
        caption = notebook.cells[index + 1]
        assert caption.cell_type == "markdown" and caption.source.startswith(CAPTION), (
            f"{stem}, cell {index}: a chart without its caption cell ({CAPTION!r}...)")
        text = caption.source.removeprefix(CAPTION)
        assert len(text.split()) >= 12, f"{stem}, cell {index}: say what the chart shows"
        assert cell.metadata.get("mystnb", {}).get("image", {}).get("alt") == text
