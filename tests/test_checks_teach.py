"""Checks that teach: no message but "Correct" prints the expected value or its parts.

Every declared check is run with a near miss (just off the expected figure, above and below)
and with each of its declared mistakes; the feedback must name the mistake or say how close
the answer is, and never show the expected figure nor the figures it is built from.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from cac_toolkit.course import checks

DECLARED = sorted(checks.DECLARATIONS)
#: The checks whose answer is a figure (the others are choices, texts or tables).
NUMBER_CHECKS = [key for key in DECLARED if checks.DECLARATIONS[key].expect().kind == "number"]


def _spellings(value: float) -> set[str]:
    """The ways a lesson or a message could print ``value``."""
    out = {f"{value:,.2f}", f"{value:.2f}"}
    if abs(value) < 10:
        out |= {f"{value:.4f}", f"{value:.3f}", f"{value:.2%}", f"{value:.1%}",
                f"{value:.2%}".replace("%", " %"), f"{value:.1%}".replace("%", " %")}
    if float(value).is_integer() and abs(value) >= 10:
        out.discard(f"{value:.2f}")
        out.discard(f"{value:,.2f}")
    return {s for s in out if s.strip("0.,% -")}


def _figures(expected: checks.Expected) -> set[str]:
    values: list[float] = list(expected.parts)
    if expected.kind == "number":
        values.append(float(expected.value))  # type: ignore[arg-type]
    elif expected.kind == "mapping":
        values += [float(v) for v in expected.value.values()]  # type: ignore[union-attr]
    return {s for v in values for s in _spellings(v)}


def _run(check: checks.Check, answer: object) -> checks.Feedback:
    with contextlib.redirect_stdout(io.StringIO()):
        return check(answer)


def _near_misses(expected: checks.Expected) -> list[object]:
    if expected.kind == "number":
        v = float(expected.value)  # type: ignore[arg-type]
        return [v * 1.003, v * 0.997]
    if expected.kind == "mapping":
        values = expected.value  # type: ignore[assignment]
        return [{k: float(x) * 1.003 for k, x in values.items()},  # type: ignore[union-attr]
                {k: float(x) * (0.997 if i % 2 else 1.003)
                 for i, (k, x) in enumerate(values.items())}]  # type: ignore[union-attr]
    return []


def _assert_hides(text: str, figures: set[str], what: str) -> None:
    for figure in figures:
        assert not re.search(rf"(?<![\d,.]){re.escape(figure)}(?![\d])", text), (
            f"{what}: the message shows {figure!r}:\n{text}")


@pytest.mark.parametrize("key", DECLARED)
def test_near_misses_say_how_close_without_the_answer(key: str) -> None:
    check = checks.DECLARATIONS[key]
    expected = check.expect()
    figures = _figures(expected)
    for answer in _near_misses(expected):
        result = _run(check, answer)
        assert result.status == "close", result.text
        assert re.search(r"\d % (above|below)|less than 0.1 % (above|below)", result.text), (
            result.text)
        _assert_hides(result.text, figures, f"near miss of {key}")


@pytest.mark.parametrize("key", DECLARED)
def test_every_listed_mistake_is_named_without_the_answer(key: str) -> None:
    check = checks.DECLARATIONS[key]
    expected = check.expect()
    figures = _figures(expected)
    shown_answer = (expected.show(expected.value) if expected.kind == "choice"
                    and not isinstance(expected.value, bool) else None)
    for mistake in expected.mistakes:
        result = _run(check, mistake.value)
        assert result.status == "wrong", (key, result.text)
        assert mistake.why in result.text
        _assert_hides(result.text, figures, f"mistake of {key}")
        if shown_answer is not None:
            assert shown_answer not in result.text, result.text
    if expected.kind == "choice":
        result = _run(check, "surely not this")
        assert result.status in ("wrong", "invalid")
        _assert_hides(result.text, figures, f"wrong choice of {key}")


@pytest.mark.parametrize("key", NUMBER_CHECKS)
def test_an_unknown_wrong_figure_says_direction_not_answer(key: str) -> None:
    check = checks.DECLARATIONS[key]
    expected = check.expect()
    result = _run(check, float(expected.value) * 1.37 + 0.011)  # type: ignore[arg-type]
    assert result.status == "wrong" and "too high" in result.text, result.text
    assert not re.search(r"% (above|below)", result.text), "a far answer gets its direction only"
    _assert_hides(result.text, _figures(expected), key)


def test_common_slips_are_recognised() -> None:
    rate = checks.check_cohort_conversion.expect().value
    result = _run(checks.check_cohort_conversion, float(rate) * 100)  # type: ignore[arg-type]
    assert result.status == "close" and "a percentage" in result.text
    multiple = checks.check_margin_multiple.expect().value
    result = _run(checks.check_margin_multiple, float(multiple) * 100)  # type: ignore[arg-type]
    assert "100 times too large" in result.text and "78" in result.text
    kpis = checks._kpis(checks.Q1_2025, 0.78, 36.0)
    first_year = kpis["arpa_mrr"] * 0.78 * 12 / kpis["cac"]["global"]
    assert "first year" in _run(checks.check_margin_multiple, first_year).text
    expected = checks.check_channel_ranking.expect().value
    assert _run(checks.check_channel_ranking, str(expected).lower()).ok
    assert _run(checks.check_channel_ranking, f"  {str(expected).upper()} ").ok
    owners = checks.check_owners_below_target.expect().value
    assert _run(checks.check_owners_below_target, {o.lower() for o in owners}).ok  # type: ignore[union-attr]
    opener = str(checks.check_journey_opener.expect().value)
    assert _run(checks.check_journey_opener, f" {opener.lower()}").ok
    churn = float(checks.check_logo_churn.expect().value)  # type: ignore[arg-type]
    result = _run(checks.check_logo_churn, churn * 100)  # 0.99 typed for 0.99 %
    assert result.status == "close" and "a percentage" in result.text


def test_sets_are_shown_as_a_reader_writes_them() -> None:
    result = _run(checks.check_sectors, {"retail", "services"})
    assert "frozenset" not in result.text
    assert "{retail, services} is not the answer" in result.text or result.ok
    assert checks.names(frozenset({"b", "a"})) == "{a, b}"


def test_how_close_gives_size_and_direction() -> None:
    assert checks.how_close(100.5, 100.0) == "0.5 % above"
    assert checks.how_close(99.0, 100.0) == "1.0 % below"
    assert checks.how_close(100.05, 100.0) == "less than 0.1 % above"


def test_every_check_is_a_declaration() -> None:
    every = [c for group in checks.CHECKS.values() for c in group]
    assert {c.key for c in every} == set(checks.DECLARATIONS)
    for check in every:
        assert isinstance(check, checks.Check)
        assert check.question and check.task and check.hint and check.doc
        assert check.expect().kind in ("number", "mapping", "choice")
