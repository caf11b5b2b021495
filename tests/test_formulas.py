"""The formulas of the method (cac_toolkit.figures.formulas): units, zero denominators,
allocations, their Excel spelling, and the rule that no other module divides money."""

from __future__ import annotations

import pandas as pd
import pytest

from cac_toolkit import formulas
from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.money import allocate, format_money, format_percent, round_money
from cac_toolkit.figures import targets


def test_zero_denominators_are_explained() -> None:
    with pytest.raises(UndefinedMetricError, match="no new customer"):
        formulas.cac(10_000, 0)
    with pytest.raises(UndefinedMetricError, match="monthly churn is zero"):
        formulas.ltv_from_churn(200, 0.7, 0)
    with pytest.raises(UndefinedMetricError):
        formulas.payback_months(1_500, 0, 0.7)


def test_cpa_is_below_cac_of_the_same_campaign() -> None:
    # 5,000 of media for 100 leads gives a CPA of 50; the same leads make 5 customers at a
    # CAC that also carries 10,000 of salaries.
    assert formulas.cpa(5_000, 100) == 50
    assert formulas.cac(5_000 + 10_000, 5) == 3_000


def test_ltv_three_ways_agree() -> None:
    by_revenue = formulas.ltv_from_revenue(200, 50, 0.7)
    by_churn = formulas.ltv_from_churn(200, 0.7, 0.02)  # lifetime 1 / 2 % = 50 months
    by_year = formulas.ltv_from_annual_margin(200 * 12 * 0.7, 50 / 12)
    assert by_revenue == pytest.approx(7_000)
    assert by_churn == pytest.approx(7_000)
    assert by_year == pytest.approx(7_000)


def test_discount_rate_lowers_ltv() -> None:
    plain = formulas.ltv_from_churn(200, 0.7, 0.02)
    discounted = formulas.ltv_from_churn(200, 0.7, 0.02, discount_rate=0.01)
    assert discounted == pytest.approx(140 / 0.03)
    assert discounted < plain
    # Three years of 1,000 margin at 10 %: 909.09 + 826.45 + 751.31
    assert formulas.ltv_from_annual_margin(1_000, 3, 0.10) == pytest.approx(2_486.85, abs=0.01)


def test_payback_curve_crosses_zero_at_payback() -> None:
    curve = formulas.payback_curve(1_500, 200, 0.7, months=12)
    first_positive = int(curve.loc[curve["net"] >= 0, "month"].iloc[0])
    assert first_positive == 11  # 10.71 months, so the 11th month pays back
    assert curve["net"].iloc[0] == -1_500


def test_channel_without_customers_and_customers_without_spend() -> None:
    table = formulas.channel_cac(pd.Series({"Events": 5_000.0}), pd.Series({"Referral": 4.0}))
    assert pd.isna(table.loc["Events", "cac_direct"])
    assert table.loc["Referral", "spend_direct"] == 0
    assert table.loc["Referral", "cac_direct"] == 0


def test_allocate_adds_back_to_the_cent() -> None:
    shares = allocate(100.00, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}))
    assert shares.to_dict() == {"a": 33.34, "b": 33.33, "c": 33.33}
    assert round(shares.sum(), 2) == 100.00
    with pytest.raises(ValueError, match="all zero"):
        allocate(10, pd.Series({"a": 0.0}))


def test_money_formats() -> None:
    assert format_money(1_500.5, "EUR", "fr") == "1\u00a0500,50\u00a0€"
    assert format_money(1_500.5, "EUR", "en") == "€1,500.50"
    assert format_money(None) == "n/a"
    assert format_percent(0.2857, 1, "fr") == "28,6\u202f%"
    assert round_money(2.675) == 2.68  # half away from zero, not banker's rounding


@pytest.mark.parametrize(("ratio", "status"), [(1.5, "bad"), (2.8, "watch"), (3.15, "good"),
                                                (6.0, "good"), (None, "unknown")])
def test_ltv_cac_thresholds(ratio: float | None, status: str) -> None:
    assert targets.assess_ltv_cac(ratio).status == status


def test_other_assessments() -> None:
    assert targets.assess_payback(10.71).status == "good"
    assert targets.assess_payback(14).status == "bad"
    assert targets.assess_cac_vs_margin(1_000, 4_000).status == "good"
    assert targets.assess_cac_vs_margin(1_000, 2_000).status == "watch"
    assert targets.assess_sector(1_500, "saas").status == "good"
    assert "above" in targets.assess_sector(900, "retail").reason("en")
    assert targets.assess_kpi("opportunity_to_win", 0.25).status == "good"
    assert targets.assess_kpi("meeting_to_opportunity", 0.30).status == "bad"
    assert "sous la cible" in targets.assess_kpi("quote_conversion", 0.1).reason("fr")
    assert len(targets.TEN_KPIS) == 10


# ------------------------------------------------------------------- one place per formula


# Moved from test_scenarios: the course's lifetime and the formulas' one are one function.
def test_lifetime_from_retention() -> None:
    assert formulas.lifetime_from_retention(0.9) == pytest.approx(10.0)
    assert formulas.lifetime_from_retention(0.9, horizon=3) == pytest.approx(1 + 0.9 + 0.81)
    assert formulas.lifetime_from_retention(0.9, horizon=1) == 1.0
    assert formulas.lifetime_from_retention(0.0) == 1.0
    # Discounted geometric series r^(t-1) / (1+d)^t: 1 / (1 + d - r).
    assert formulas.lifetime_from_retention(0.9, discount_rate=0.1) == pytest.approx(5.0)
    long = formulas.lifetime_from_retention(0.9, horizon=400, discount_rate=0.1)
    assert long == pytest.approx(5.0)
    with pytest.raises(UndefinedMetricError):
        formulas.lifetime_from_retention(1.0)
    with pytest.raises(ValueError):
        formulas.lifetime_from_retention(1.2)


def test_money_ratios_to_the_cent_are_exact() -> None:
    # 49,043.90 / 20 = 2,452.195 exactly: half a cent, rounded up as a spreadsheet does.
    assert formulas.cac(49_043.90, 20) == pytest.approx(2_452.195)
    assert formulas.cac(49_043.90, 20, to_cent=True) == 2_452.20
    assert formulas.arpa(49_043.90, 20, to_cent=True) == 2_452.20
    table = formulas.channel_cac(pd.Series({"Ads": 49_043.90, "SEO": 100.0}),
                                 pd.Series({"Ads": 20.0, "SEO": 0.0}), to_cent=True)
    assert table.loc["Ads", "cac_direct"] == 2_452.20
    assert pd.isna(table.loc["SEO", "cac_direct"])


def test_a_series_denominator_gives_nan_where_it_is_zero() -> None:
    spend = pd.Series([1_000.0, 500.0, 0.0])
    customers = pd.Series([4.0, 0.0, float("nan")])
    result = formulas.cac(spend, customers)
    assert result.iloc[0] == 250.0
    assert result.iloc[1:].isna().all()
    with pytest.raises(UndefinedMetricError):
        formulas.cac(1_000.0, 0)


def test_fully_loaded_cac_is_the_channel_table_column() -> None:
    table = formulas.channel_cac(pd.Series({"Ads": 6_000.0, "SEO": 4_000.0}),
                                 pd.Series({"Ads": 3.0, "SEO": 1.0}), shared_spend=2_000.0)
    for channel, row in table.iterrows():
        assert row["cac_fully_loaded"] == formulas.cac_fully_loaded(
            row["spend_direct"], row["shared_allocated"], row["new_customers"]), channel
    assert table["shared_allocated"].sum() == 2_000.0


@pytest.mark.parametrize(("formula", "args"), [
    (formulas.cac, {"acquisition_spend": 90_000.0, "new_customers": 60.0}),
    (formulas.arpa, {"mrr_total": 6_000.0, "accounts": 30.0}),
    (formulas.ltv_from_arpa, {"arpa": 200.0, "gross_margin": 0.7, "lifetime_months": 30.0}),
    (formulas.ltv_cac_ratio, {"ltv": 4_200.0, "cac_value": 1_500.0}),
    (formulas.payback_months, {"cac_value": 1_500.0, "monthly_revenue": 200.0,
                               "gross_margin": 0.7}),
    (formulas.conversion_rate, {"converted": 12.0, "entered": 48.0}),
    (formulas.share, {"part": 3.0, "whole": 8.0}),
    (formulas.pro_rata, {"total": 36_000.0, "weight": 28.0, "weights_sum": 60.0}),
])
def test_excel_spelling_is_the_same_formula(formula, args) -> None:  # noqa: ANN001
    # The workbook writes these expressions; with numbers for cells, arithmetic in Excel and
    # in Python agree (+, -, *, / and brackets only).
    expression = formulas.excel(formula, **{k: repr(v) for k, v in args.items()})
    assert set(expression) <= set("0123456789.()+-*/e")
    assert eval(expression) == pytest.approx(formula(**args), rel=1e-12)  # noqa: S307


def test_funnel_rates_are_one_table() -> None:
    from cac_toolkit.figures import funnel
    from cac_toolkit.render import i18n, workbook

    assert funnel.RATE_COLUMNS == tuple(formulas.FUNNEL_RATES)
    assert workbook.FUNNEL_RATES is formulas.FUNNEL_RATES
    assert not hasattr(i18n, "_DENOMINATORS")  # a note carries its denominator: no copy here
    for num, den in formulas.FUNNEL_RATES.values():
        assert num in funnel.COUNT_COLUMNS and den in funnel.COUNT_COLUMNS


def test_no_module_divides_money_outside_the_formulas() -> None:
    # Every division of the KPI file's, the cohorts' and the scenarios' modules goes through
    # cac_toolkit.figures.formulas; the only division left is cents to currency (/ 100).
    import ast
    from pathlib import Path

    import cac_toolkit

    root = Path(cac_toolkit.__file__).parent
    for name in ("audit/kpis.py", "audit/sections.py", "figures/cohorts.py", "figures/funnel.py",
                 "figures/targets.py", "course/scenarios.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        divisions = [ast.unparse(node) for node in ast.walk(tree)
                     if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                     and not (isinstance(node.right, ast.Constant)
                              and node.right.value == 100)
                     and not all(isinstance(side, ast.Constant)
                                 for side in (node.left, node.right))]
        assert divisions == [], (name, divisions)
    # The retention module's statistics divide (the sBG fit, discounting, the bootstrap's
    # multinomial probabilities); its money figures (churn, NRR, GRR, the bootstrap's ARPA,
    # CAC, LTV, LTV/CAC and payback) go through the formulas.
    statistics = {"cells / n", "np.exp(betaln(a, b + t) - betaln(a, b)) / discount"}
    tree = ast.parse((root / "figures/retention.py").read_text(encoding="utf-8"))
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and function.name in ("retention_figures",
                                                                       "bootstrap_ltv"):
            divisions = [ast.unparse(node) for node in ast.walk(function)
                         if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)]
            assert set(divisions) <= statistics, (function.name, divisions)


def test_public_api_offers_the_formulas_module() -> None:
    import cac_toolkit

    assert cac_toolkit.formulas is formulas
    assert "formulas" in cac_toolkit.__all__
    for name in formulas.__all__:
        assert callable(getattr(formulas, name)) or name == "FUNNEL_RATES", name
        doc = getattr(formulas, name).__doc__ if name != "FUNNEL_RATES" else "table"
        assert doc, name


@pytest.mark.parametrize("ratio", [0.5, 1.0, 1.5, 1.99, 2.0, 2.5, 2.99, 3.0, 4.0, 5.0, 5.07, 7.04,
                                   10.0])
def test_ltv_cac_and_margin_multiple_read_one_number_alike(ratio: float) -> None:
    # With the margin over the customer's life, the margin-to-CAC multiple is LTV/CAC: one
    # number, one verdict (the course once rated 10x "good" and LTV/CAC 6 "watch").
    by_ratio = targets.assess_ltv_cac(ratio).status
    assert targets.assess_cac_vs_margin(1_000.0, ratio * 1_000.0).status == by_ratio
    assert by_ratio == ("bad" if ratio < 2 else "watch" if ratio < 3 else "good")


@pytest.mark.parametrize(("months", "shown"), [(12.0, "12.0"), (12.01, "12.01"), (11.996, "11.996"),
                                               (10.71, "10.7"), (12.00004, "12.0000")])
def test_payback_never_reads_12_0_for_another_figure(months: float, shown: str) -> None:
    assert targets.payback_text(months) == shown
    verdict = targets.assess_payback(months)
    assert f"{shown} months" in verdict.reason_en
