"""No lesson prints an exercise's answer; the exercises' company is the generator's.

Every declared check's expected value (a number, or each number of a mapping) is spelt the
ways a lesson prints figures: two decimals and one decimal, with and without thousands
separators, and whole numbers; a share as a percentage (one, two or three decimals, with or
without a space before ``%``) or to three and four decimals. Each spelling is looked for, as a
whole number, in every lesson notebook's committed outputs and Markdown. A spelling with fewer
than three significant digits (``3.3``, ``0.25``, ``60``) is not looked for: it identifies no
figure and turns up by chance everywhere (trailing zeros do not count: ``14.00`` has two). A
mapping is given away when a lesson prints at least half of its numbers. Choices (a channel's
name, True/False) are not figures.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from cac_toolkit.core.resources import data_path, repo_root
from cac_toolkit.course import checks
from cac_toolkit.data.generator import generate_company, write_company

LESSONS = sorted((repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


def _significant(spelling: str) -> int:
    """Significant digits of a spelling: ``14.00`` has two (the zeros say nothing)."""
    number = spelling.replace("%", "").strip()
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return len(re.sub(r"\D", "", number).lstrip("0"))


def spellings(value: float, fmt: object) -> set[str]:
    """The ways a lesson could print ``value`` (a share: ``fmt`` is :func:`checks.share`)."""
    if fmt in (checks.share, checks.rate):  # a share: as a percentage, or to 3 or 4 decimals
        out = {f"{value:.4f}", f"{value:.3f}"}
        for text in (f"{value:.2%}", f"{value:.1%}", f"{value:.3%}"):
            out |= {text, text.replace("%", " %")}
        return {s for s in out if _significant(s) >= 3}
    out = {f"{value:,.2f}", f"{value:.2f}", f"{value:,.1f}", f"{value:.1f}"}
    if float(value).is_integer():
        out |= {f"{value:,.0f}", f"{value:.0f}"}
    return {s for s in out if _significant(s) >= 3}


def _pattern(spelling: str) -> re.Pattern[str]:
    # A whole number: not inside a longer one, an identifier or a negative figure; an amount
    # or a count followed by "%" is another quantity (37.6 € is not 37.6 %).
    unit = "" if spelling.endswith("%") else r"|\s?%"
    return re.compile(rf"(?<![\w.,\-]){re.escape(spelling)}(?![\d]|[.,]\d{unit})")


@cache
def lesson_text(path: Path) -> str:
    """A lesson's committed outputs and Markdown cells, as one text."""
    notebook = nbformat.read(path, as_version=4)
    parts: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            continue
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            data = output.get("data", {})
            parts += [str(data[mime]) for mime in _MIMES if mime in data]
    return "\n".join(parts)


def expected_figures(check: checks.Check) -> list[tuple[str, float, checks.Expected]]:
    """Each number a check expects: ``(label, value, expected)``."""
    expected = check.expect()
    if expected.kind == "number":
        return [(check.key, float(expected.value), expected)]  # type: ignore[arg-type]
    if expected.kind == "mapping":
        return [(f"{check.key}[{k}]", float(v), expected)
                for k, v in expected.value.items()]  # type: ignore[union-attr]
    return []


def leaks(text: str, value: float, fmt: object) -> list[str]:
    """The spellings of ``value`` that ``text`` shows, each with a little context."""
    found = []
    for spelling in sorted(spellings(value, fmt)):
        for match in _pattern(spelling).finditer(text):
            context = text[max(0, match.start() - 50):match.end() + 10]
            found.append(f"{spelling!r} in ...{context!r}")
    return found


def test_spellings_cover_the_formats_a_lesson_prints() -> None:
    assert spellings(2190.588785, checks.money) >= {"2,190.59", "2190.59", "2,190.6", "2190.6"}
    assert spellings(107.0, checks.count) >= {"107", "107.00"}
    assert spellings(0.2645, checks.share) >= {"26.45%", "26.5%", "26.5 %", "0.2645", "0.265"}
    assert "3.3" not in spellings(3.2727, checks.plain)  # two significant digits: too common
    assert spellings(14.0, checks.plain) == set()  # 14, 14.0, 14.00: two significant digits
    text = ("Q3 CAC €2,190.59, rate 26.5 %, D-107, 12,190.59, 2190.594, 107 new customers, "
            "2,190.6 % more")
    assert len(leaks(text, 2190.588785, checks.money)) == 1
    assert len(leaks(text, 0.2645, checks.share)) == 1
    assert len(leaks(text, 107.0, checks.count)) == 1


def lesson_leaks(check: checks.Check, path: Path) -> list[str]:
    """What the lesson ``path`` prints of the check's answer, when it gives the answer away.

    A number is given away by any spelling of it. A mapping (one number per channel, per
    month...) is given away when the lesson prints at least half of its numbers: one figure of
    five found in an unrelated table is a coincidence, not the answer.
    """
    figures = expected_figures(check)
    hits = {label: [f"{label} = {value!r}: {path.name}: {hit}"
                    for hit in leaks(lesson_text(path), value, expected.fmt)]
            for label, value, expected in figures}
    shown = [label for label, found in hits.items() if found]
    if not shown or (len(figures) > 1 and 2 * len(shown) < len(figures)):
        return []
    return [line for label in shown for line in hits[label]]


@pytest.mark.parametrize("key", sorted(checks.DECLARATIONS))
def test_no_lesson_prints_an_exercise_answer(key: str) -> None:
    found = [line for path in LESSONS for line in lesson_leaks(checks.DECLARATIONS[key], path)]
    assert not found, "a lesson prints an exercise's answer:\n" + "\n".join(found)


def test_the_exercise_company_is_the_generator_with_its_seed(tmp_path: Path) -> None:
    write_company(generate_company(seed=checks.EXERCISE_SEED), tmp_path)
    folder = data_path(checks.EXERCISE_COMPANY)
    committed = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted(folder.glob("*.csv"))}
    fresh = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(tmp_path.glob("*.csv"))}
    assert committed == fresh, (
        f"data/{checks.EXERCISE_COMPANY} drifted: run `python -m cac_toolkit.data.generator "
        f"data/{checks.EXERCISE_COMPANY} --seed {checks.EXERCISE_SEED}`")
    sample = {p.name: p.read_bytes() for p in sorted(data_path("sample_company").glob("*.csv"))}
    assert all(sample[name] != (folder / name).read_bytes() for name in committed)
