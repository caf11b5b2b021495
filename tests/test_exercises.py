"""Exercises: generated from the solutions without drift, checks right on answers and mistakes.

The solution and exercise notebooks are run in this process (their code cells executed in a
namespace, the sample company loaded once) so that the whole file stays fast; the notebooks
are also run in a real kernel by nbval (see docs/course.md).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import cac_toolkit.data.loading
from cac_toolkit.core.resources import repo_root
from cac_toolkit.course import checks

ROOT = repo_root()
SOLUTIONS = sorted((ROOT / "solutions").glob("ex*.ipynb"))
NAMES = [p.stem for p in SOLUTIONS]


def _load_script(name: str):  # noqa: ANN202 - a module object
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


make_exercises = _load_script("make_exercises")


def _is_check(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and cell.source.startswith("checks.check_")


@cache
def _cached_folder(path: str, currency: str | None = None) -> cac_toolkit.data.loading.AuditData:
    return _real_load_folder(path, currency)


_real_load_folder = cac_toolkit.data.loading.load_folder


def run_cells(notebook: nbformat.NotebookNode, monkeypatch: pytest.MonkeyPatch
              ) -> tuple[dict, list[checks.Feedback]]:
    """Execute a notebook's code cells here; returns the namespace and each check's feedback."""
    monkeypatch.setattr(cac_toolkit.data.loading, "load_folder",
                        lambda path, currency=None: _cached_folder(str(path), currency))
    namespace: dict = {}
    feedback = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            if _is_check(cell):
                feedback.append(eval(cell.source, namespace))  # noqa: S307 - our notebooks
            else:
                exec(cell.source, namespace)  # noqa: S102
    return namespace, feedback


# ----------------------------------------------------------------------------- generation


@pytest.mark.parametrize("name", NAMES)
def test_committed_exercises_match_their_solutions(name: str) -> None:
    solution = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    committed = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    generated = make_exercises.exercise_from_solution(solution, name)
    assert make_exercises.sources(committed) == make_exercises.sources(generated), (
        f"exercises/{name}.ipynb is out of date: run `make exercises`")


def test_every_solution_has_an_exercise_and_no_orphan() -> None:
    exercises = sorted(p.name for p in (ROOT / "exercises").glob("ex*.ipynb"))
    assert exercises == [p.name for p in SOLUTIONS]
    assert [p.stem for p in SOLUTIONS] == list(checks.CHECKS)


@pytest.mark.parametrize("name", NAMES)
def test_exercises_hold_no_answer(name: str) -> None:
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in exercise.cells)
    assert make_exercises.SOLUTION_MARK not in text
    assert make_exercises.DISCUSSION_MARK not in text
    answers = [c for c in solution.cells if make_exercises.is_solution_cell(c)]
    placeholders = [c for c in exercise.cells if c.source.startswith(
        make_exercises.PLACEHOLDER_HEAD)]
    assert len(answers) == len(placeholders) > 0
    # Each check of the notebook is called once, right after its answer cell.
    called = [c.source.split("(")[0].removeprefix("checks.") for c in exercise.cells
              if _is_check(c)]
    assert called == [f.__name__ for f in checks.CHECKS[name]]
    for index, cell in enumerate(exercise.cells):
        if _is_check(cell):
            assert exercise.cells[index - 1].source.startswith(make_exercises.PLACEHOLDER_HEAD)


def test_placeholder_blanks_every_answer_name() -> None:
    source = "# solution\nx = 1\nanswer_a, answer_b = x, 2\nanswer_c: int = 3\nhelper = 4"
    assert make_exercises.placeholder(source, "t") == (
        f"{make_exercises.PLACEHOLDER_HEAD}\nanswer_a = None\nanswer_b = None\nanswer_c = None")
    with pytest.raises(ValueError, match="must assign a name starting with 'answer'"):
        make_exercises.placeholder("# solution\nx = 1", "t")


def test_exercise_from_solution_drops_discussions_and_outputs() -> None:
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("# solution\nanswer = 42", execution_count=3,
                                  outputs=[nbformat.v4.new_output("stream", text="42")]),
        nbformat.v4.new_markdown_cell("<!-- solution -->\nWhy 42."),
        nbformat.v4.new_code_cell("checks.check_x(answer)"),
    ])
    exercise = make_exercises.exercise_from_solution(notebook)
    assert [c.cell_type for c in exercise.cells] == ["markdown", "code", "code"]
    assert exercise.cells[1].source.endswith("answer = None")
    assert exercise.cells[1].outputs == [] and exercise.cells[1].execution_count is None
    assert notebook.cells[1].source.startswith("# solution")  # the input is left alone


def test_make_exercises_check_mode_reports_drift(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# solution\nanswer=1")])
    nbformat.write(notebook, solutions / "ex01_x.ipynb")
    assert make_exercises.build(solutions, exercises, check=True) == ["ex01_x.ipynb"]
    with contextlib.redirect_stdout(io.StringIO()):
        make_exercises.build(solutions, exercises)
    assert make_exercises.build(solutions, exercises, check=True) == []


# ------------------------------------------------------------------------------- checks


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[dict, list[checks.Feedback]]]:
    """Every solution notebook run in this process: its namespace and its checks' feedback."""
    patch = pytest.MonkeyPatch()
    try:
        return {name: run_cells(nbformat.read(ROOT / "solutions" / f"{name}.ipynb",
                                              as_version=4), patch) for name in NAMES}
    finally:
        patch.undo()


@pytest.mark.parametrize("name", NAMES)
def test_solutions_pass_every_check(solved: dict, name: str) -> None:
    _, feedback = solved[name]
    assert len(feedback) == len(checks.CHECKS[name])
    assert [f.status for f in feedback] == ["correct"] * len(feedback), "\n".join(
        f.text for f in feedback if not f.ok)


@pytest.mark.parametrize("name", NAMES)
def test_blank_exercises_run_and_say_not_done(name: str, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    _, feedback = run_cells(exercise, monkeypatch)
    assert [f.status for f in feedback] == ["not_done"] * len(checks.CHECKS[name])
    for item in feedback:
        assert item.text.splitlines()[0].endswith("Not done yet.")
        assert "Then run this cell again." in item.text and "Hint:" in item.text


@pytest.mark.parametrize("name", NAMES)
def test_committed_exercises_show_the_not_done_feedback(name: str) -> None:
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    outputs = ["".join(o.get("text", "") for o in c.outputs) for c in exercise.cells
               if _is_check(c)]
    assert outputs and all("Not done yet." in text for text in outputs), (
        "run `make notebooks` to execute the exercises")


def _feedback(check: Callable[[object], checks.Feedback], answer: object) -> checks.Feedback:
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        result = check(answer)
    assert printed.getvalue().strip() == result.text  # what the learner sees is what we test
    return result


# (check, builder of a wrong answer from the solution's namespace, words the feedback must say)
MISTAKES: list[tuple[str, str, Callable[[dict], object], str]] = [
    # exercise 1
    ("ex01_cac_basics", "check_spend",
     lambda ns: ns["spend"].groupby("category")["amount"].sum().to_dict(), "whole two years"),
    ("ex01_cac_basics", "check_spend",
     lambda ns: ns["in_quarter"][ns["in_quarter"]["channel"] != "shared"]
     .groupby("category")["amount"].sum().to_dict(), "you left out the pooled lines"),
    ("ex01_cac_basics", "check_spend",
     lambda ns: {"marketing": ns["answer_spend"]["sales"],
                 "sales": ns["answer_spend"]["marketing"]}, "swapped"),
    ("ex01_cac_basics", "check_spend", lambda ns: sum(ns["answer_spend"].values()),
     "equals the total of the expected values"),
    ("ex01_cac_basics", "check_new_customers",
     lambda ns: int(ns["quarter"].contains(ns["deals"]["won_date"]).sum()),
     "renewals, upsells, cross-sells and reactivations never acquire"),
    ("ex01_cac_basics", "check_new_customers",
     lambda ns: int((ns["quarter"].contains(ns["deals"]["won_date"])
                     & (ns["deals"]["type"] == "new")).sum()), "free sign-ups included"),
    ("ex01_cac_basics", "check_new_customers",
     lambda ns: int(ns["quarter"].contains(ns["paying_new"]["won_date"]).sum()),
     "belong to accounts acquired before the quarter"),
    ("ex01_cac_basics", "check_cac",
     lambda ns: ns["answer_spend"]["sales"] / ns["answer_new_customers"],
     "you divided the sales spend only; the global CAC adds the marketing spend."),
    ("ex01_cac_basics", "check_cac",
     lambda ns: ns["answer_spend"]["marketing"] / ns["answer_new_customers"],
     "you divided the marketing spend only"),
    ("ex01_cac_basics", "check_cac",
     lambda ns: sum(ns["answer_spend"].values()) / int(
         (ns["quarter"].contains(ns["deals"]["won_date"]) & (ns["deals"]["type"] == "new")
          ).sum()), "free sign-ups included"),
    ("ex01_cac_basics", "check_cac", lambda ns: round(ns["answer_cac"]), "Almost"),
    ("ex01_cac_basics", "check_cac", lambda ns: ns["answer_cac"] * 1.5,
     "does not match the expected figure nor a mistake I know"),
    ("ex01_cac_basics", "check_cac", lambda ns: "2190", "should be a single number"),
    ("ex01_cac_basics", "check_cac_split",
     lambda ns: {k: v / sum(ns["answer_spend"].values()) for k, v in ns["answer_spend"].items()},
     "share of the spend, not CACs"),
    ("ex01_cac_basics", "check_cac_split", lambda ns: {"marketing": 1.0},
     "has no value for sales"),
    ("ex01_cac_basics", "check_cpa_ads",
     lambda ns: ns["ads_spend"] / int(
         (ns["quarter"].contains(ns["first_deals"]["won_date"])
          & (ns["first_deals"]["channel"] == "Ads")).sum()), "that is the direct CAC of Ads"),
    # exercise 2
    ("ex02_channels_and_allocation", "check_direct_cac",
     lambda ns: (ns["direct"] + ns["shared_total"] / len(ns["direct"])) / ns["customers"],
     "equal part of the pooled costs"),
    ("ex02_channels_and_allocation", "check_direct_cac",
     lambda ns: (ns["direct"] / ns["customers"]).drop("Events"), "has no value for Events"),
    ("ex02_channels_and_allocation", "check_shared_allocation",
     lambda ns: ns["customers"] * 0 + ns["shared_total"] / len(ns["customers"]),
     "split the pooled costs equally"),
    ("ex02_channels_and_allocation", "check_shared_allocation",
     lambda ns: ns["money"].allocate(ns["shared_total"], ns["direct"]), "split by direct spend"),
    ("ex02_channels_and_allocation", "check_fully_loaded",
     lambda ns: ns["answer_direct_cac"], "these are the direct CACs"),
    ("ex02_channels_and_allocation", "check_channel_ranking",
     lambda ns: ns["answer_fully_loaded"].idxmin(), "cheapest channel"),
    ("ex02_channels_and_allocation", "check_channel_ranking", lambda ns: 3,
     "expected a name"),
    # exercise 3
    ("ex03_ltv_payback", "check_ltv", lambda ns: 180 * 40, "that is revenue, not value"),
    ("ex03_ltv_payback", "check_ltv", lambda ns: 180 * 40 * 75, "a share (0.75), not 75"),
    ("ex03_ltv_payback", "check_ltv_cac", lambda ns: 1_650 / 5_400, "the inverse"),
    ("ex03_ltv_payback", "check_payback", lambda ns: 1_650 / 180, "divided by the revenue"),
    ("ex03_ltv_payback", "check_payback", lambda ns: 1_650 / 135 / 12, "that is in years"),
    ("ex03_ltv_payback", "check_verdicts", lambda ns: {"ltv_cac": "good", "payback": "good"},
     "The healthy limit is 12 months"),
    ("ex03_ltv_payback", "check_verdicts", lambda ns: "good", "expected a dict"),
    ("ex03_ltv_payback", "check_ltv_churn",
     lambda ns: ns["arpa"] * 0.78 / 2.5, "the churn is a share (0.025)"),
    ("ex03_ltv_payback", "check_ltv_churn",
     lambda ns: ns["data"].deals[ns["quarter"].contains(ns["data"].deals["won_date"])]["mrr"]
     .mean() * 0.78 / 0.025, "averages every deal of the quarter"),
    ("ex03_ltv_payback", "check_min_mrr", lambda ns: 3 * 1_650 / 40, "without the margin"),
    # exercise 4
    ("ex04_pitfalls_cohorts", "check_monthly_cac",
     lambda ns: ns["answer_monthly_cac"] * [1, 1, 1, 1, 1, 1.3], "2025-06"),
    ("ex04_pitfalls_cohorts", "check_half_year_cac",
     lambda ns: ns["by_month"]["cac"].mean(), "average of the six monthly CACs"),
    ("ex04_pitfalls_cohorts", "check_freemium",
     lambda ns: {"with_free": ns["answer_freemium"]["paying_only"],
                 "paying_only": ns["answer_freemium"]["with_free"]}, "swapped"),
    ("ex04_pitfalls_cohorts", "check_cohort_conversion",
     lambda ns: float(ns["march_cohort"]["conversion_30"].iloc[0]), "30-day conversion"),
    ("ex04_pitfalls_cohorts", "check_cohort_conversion",
     lambda ns: ns["answer_conversion_90"] * 100, "not a percentage"),
    ("ex04_pitfalls_cohorts", "check_sectors", lambda ns: {"saas"}, "an open range counts"),
    # exercise 5
    ("ex05_funnel_kpis", "check_meeting_to_opportunity",
     lambda ns: ns["has"]["opportunity_date"].sum() / ns["has"]["mql_date"].sum(),
     "divided by the qualified leads"),
    ("ex05_funnel_kpis", "check_opportunity_to_win",
     lambda ns: ns["has"]["won_date"].sum() / ns["has"]["quote_date"].sum(),
     "that is the quote conversion"),
    ("ex05_funnel_kpis", "check_quote_conversion",
     lambda ns: ns["has"]["quote_date"].sum() / ns["has"]["opportunity_date"].sum(),
     "quotes / opportunities"),
    ("ex05_funnel_kpis", "check_sales_cycle",
     lambda ns: (ns["won"]["won_date"] - ns["won"]["opportunity_date"]).dt.days.mean(),
     "that is the mean"),
    ("ex05_funnel_kpis", "check_sales_cycle",
     lambda ns: (ns["won"]["won_date"] - ns["won"]["created_date"]).dt.days.median(),
     "counted from the lead's creation"),
    ("ex05_funnel_kpis", "check_owners_below_target",
     lambda ns: set(ns["rates"][ns["rates"] >= 0.40].index), "meet the target"),
    ("ex05_funnel_kpis", "check_margin_multiple",
     lambda ns: 1 / ns["answer_margin_multiple"], "the inverse"),
    # exercise 6
    ("ex06_dashboard", "check_cac_trend",
     lambda ns: ns["q2"]["cac"]["global"] / ns["q3"]["cac"]["global"] - 1,
     "you divided Q2 by Q3"),
    ("ex06_dashboard", "check_cac_trend",
     lambda ns: ns["q3"]["cac"]["global"] - ns["q2"]["cac"]["global"], "change in euros"),
    ("ex06_dashboard", "check_top_channel_share",
     lambda ns: ns["q3"]["dependence"]["revenue_share"], "share of new revenue"),
    ("ex06_dashboard", "check_warning_cac_vs_arpa", lambda ns: not ns["answer_warning"],
     "compare the two growth rates"),
    ("ex06_dashboard", "check_warning_cac_vs_arpa", lambda ns: "no", "expected True or False"),
    ("ex06_dashboard", "check_referral", lambda ns: ns["cac_ads"] / 5,
     "every customer at the referral cost"),
    ("ex06_dashboard", "check_referral", lambda ns: 0.15 * ns["cac_ads"] / 5,
     "add the 85 %"),
    ("ex06_dashboard", "check_referral", lambda ns: 0.85 * ns["cac_q3"] + 0.15 * ns["cac_q3"] / 5,
     "a fifth of the global CAC"),
    ("ex06_dashboard", "check_mix",
     lambda ns: sum(ns["mix"][c] * ns["cacs"][c] for c in ns["mix"]),
     "budget-weighted average of the CACs"),
    # exercise 7
    ("ex07_retention", "check_logo_churn",
     lambda ns: ns["half_year"]["churned"].sum() / ns["half_year"]["active_before"].iloc[0],
     "the whole half-year"),
    ("ex07_retention", "check_logo_churn",
     lambda ns: ((ns["half_year"]["churn"] + ns["half_year"]["contraction"]).sum()
                 / ns["half_year"]["opening"].sum()), "that is the revenue churn"),
    ("ex07_retention", "check_logo_churn", lambda ns: ns["answer_logo_churn"] * 100,
     "a percentage"),
    ("ex07_retention", "check_new_mrr",
     lambda ns: ns["moves"].loc[ns["pd"].Period("2025-06", "M"), ["new", "reactivation"]].sum()
     / 100, "you counted the reactivations as new"),
    ("ex07_retention", "check_new_mrr",
     lambda ns: ns["moves"].loc[ns["pd"].Period("2025-06", "M"), "new"], "that is in cents"),
    ("ex07_retention", "check_nrr",
     lambda ns: ns["june_2025"].sum() / ns["june_2024"].sum(), "it includes the new customers"),
    ("ex07_retention", "check_nrr",
     lambda ns: (ns["np"].minimum(ns["june_2025"], ns["june_2024"])[ns["base"]].sum()
                 / ns["june_2024"][ns["base"]].sum()), "that is the GRR"),
    ("ex07_retention", "check_lifetime_48",
     lambda ns: ns["expected_lifetime"](ns["fit"].alpha, ns["fit"].beta, 60), "over 60 months"),
    ("ex07_retention", "check_lifetime_48",
     lambda ns: ns["expected_lifetime"](ns["fit"].alpha, ns["fit"].beta, 49), "49 months"),
    ("ex07_retention", "check_lifetime_48",
     lambda ns: ns["table"]["periods"].sum() / ns["table"]["churned"].sum(), "1 / churn"),
    # exercise 8
    ("ex08_attribution", "check_first_touch",
     lambda ns: ns["attribution"].channel_credits(ns["new"], ns["data"].touchpoints,
                                                  "last_touch"), "that is last touch"),
    ("ex08_attribution", "check_first_touch", lambda ns: ns["first"].value_counts(),
     "you left out the new customers without a touch"),
    ("ex08_attribution", "check_first_touch",
     lambda ns: ns["new"]["channel"].value_counts(), "those are the deal channels"),
    ("ex08_attribution", "check_position_based",
     lambda ns: ns["attribution"].channel_credits(ns["new"], ns["data"].touchpoints, "linear"),
     "that is linear"),
    ("ex08_attribution", "check_position_based",
     lambda ns: ns["answer_position_based"] * 0.9, "add up to"),
    ("ex08_attribution", "check_removal_effect",
     lambda ns: ns["effects"]["SEO"] / ns["effects"].sum(), "share of the removal effects"),
    ("ex08_attribution", "check_removal_effect",
     lambda ns: ns["attribution"].markov_removal_effects(ns["converting"], [])["SEO"],
     "you left out the lost prospects' journeys"),
    ("ex08_attribution", "check_seo_cac_position",
     lambda ns: ns["seo_spend"] / (ns["new"]["channel"] == "SEO").sum(), "by deal channel"),
    ("ex08_attribution", "check_seo_cac_position",
     lambda ns: ns["seo_spend"] / ns["last"]["SEO"], "under last touch"),
    ("ex08_attribution", "check_journey_opener", lambda ns: ns["change"].idxmax(),
     "gains the most under last touch"),
    # exercise 9, the capstone
    ("ex09_capstone", "check_capstone_new_customers",
     lambda ns: int(ns["closed"].between("2026-01-01", "2026-03-31 23:59").sum()),
     "lost and open deals"),
    ("ex09_capstone", "check_capstone_sources",
     lambda ns: ns["answer_sources_yaml"].replace("    scale: 1000\n", ""),
     "in thousands of euros"),
    ("ex09_capstone", "check_capstone_spend",
     lambda ns: {"marketing": ns["answer_spend"]["sales"],
                 "sales": ns["answer_spend"]["marketing"]}, "swapped"),
    ("ex09_capstone", "check_capstone_cac",
     lambda ns: ns["answer_spend"]["sales"] / ns["kpis"]["new_customers"],
     "you divided the sales spend only"),
    ("ex09_capstone", "check_capstone_channel_cac",
     lambda ns: {n: r["cac_direct"] for n, r in ns["kpis"]["channels"].items()},
     "these are the direct CACs"),
    ("ex09_capstone", "check_capstone_ltv_cac", lambda ns: 1 / ns["answer_ltv_cac"],
     "the inverse"),
    ("ex09_capstone", "check_capstone_worst_channel", lambda ns: "Offline Sources",
     "the CRM's name"),
    ("ex09_capstone", "check_capstone_recommendation",
     lambda ns: ns["answer_recommendation"].replace("Outbound", "that channel")
     .replace("outbound", "that channel's"), "the channel to act on"),
]


@pytest.mark.parametrize(("name", "check", "wrong", "says"), MISTAKES,
                         ids=[f"{m[1]}-{i}" for i, m in enumerate(MISTAKES)])
def test_checks_explain_typical_mistakes(solved: dict, name: str, check: str,
                                         wrong: Callable[[dict], object], says: str) -> None:
    namespace, _ = solved[name]
    result = _feedback(getattr(checks, check), wrong(namespace))
    assert not result.ok
    assert result.status in ("wrong", "close", "invalid")
    assert says in result.text, result.text
    assert "Hint:" in result.text


def test_every_check_has_a_mistake_test() -> None:
    tested = {check for _, check, _, _ in MISTAKES}
    every = {f.__name__ for group in checks.CHECKS.values() for f in group}
    assert every == tested


def test_feedback_object_does_not_print_twice() -> None:
    result = checks.Feedback("Q", "correct", ["fine"])
    assert result.ok and str(result) == "Q: Correct.\n  fine"
    assert result._ipython_display_() is None
    assert "correct" in repr(result)


def test_mapping_answers_accept_series_and_dicts(solved: dict) -> None:
    namespace, _ = solved["ex02_channels_and_allocation"]
    as_dict = {str(k): float(v) for k, v in namespace["answer_fully_loaded"].items()}
    assert _feedback(checks.check_fully_loaded, as_dict).ok
    series = pd.Series(as_dict)
    assert _feedback(checks.check_fully_loaded, series).ok
