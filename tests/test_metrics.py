"""The metric functions: formulas, units, zero denominators, allocations."""

from __future__ import annotations

import pandas as pd
import pytest

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.money import allocate, format_money, format_percent, round_money
from cac_toolkit.figures import metrics, targets


def test_zero_denominators_are_explained() -> None:
    with pytest.raises(UndefinedMetricError, match="no new customer"):
        metrics.cac(10_000, 0)
    with pytest.raises(UndefinedMetricError, match="monthly churn is zero"):
        metrics.ltv_from_churn(200, 0.7, 0)
    with pytest.raises(UndefinedMetricError):
        metrics.payback_months(1_500, 0, 0.7)


def test_cpa_is_below_cac_of_the_same_campaign() -> None:
    # 5,000 of media for 100 leads gives a CPA of 50; the same leads make 5 customers at a
    # CAC that also carries 10,000 of salaries.
    assert metrics.cpa(5_000, 100) == 50
    assert metrics.cac(5_000 + 10_000, 5) == 3_000


def test_ltv_three_ways_agree() -> None:
    by_revenue = metrics.ltv_from_revenue(200, 50, 0.7)
    by_churn = metrics.ltv_from_churn(200, 0.7, 0.02)  # lifetime 1 / 2 % = 50 months
    by_year = metrics.ltv_from_annual_margin(200 * 12 * 0.7, 50 / 12)
    assert by_revenue == pytest.approx(7_000)
    assert by_churn == pytest.approx(7_000)
    assert by_year == pytest.approx(7_000)


def test_discount_rate_lowers_ltv() -> None:
    plain = metrics.ltv_from_churn(200, 0.7, 0.02)
    discounted = metrics.ltv_from_churn(200, 0.7, 0.02, discount_rate=0.01)
    assert discounted == pytest.approx(140 / 0.03)
    assert discounted < plain
    # Three years of 1,000 margin at 10 %: 909.09 + 826.45 + 751.31
    assert metrics.ltv_from_annual_margin(1_000, 3, 0.10) == pytest.approx(2_486.85, abs=0.01)


def test_payback_curve_crosses_zero_at_payback() -> None:
    curve = metrics.payback_curve(1_500, 200, 0.7, months=12)
    first_positive = int(curve.loc[curve["net"] >= 0, "month"].iloc[0])
    assert first_positive == 11  # 10.71 months, so the 11th month pays back
    assert curve["net"].iloc[0] == -1_500


def test_channel_without_customers_and_customers_without_spend() -> None:
    table = metrics.channel_cac(pd.Series({"Events": 5_000.0}), pd.Series({"Referral": 4.0}))
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
    assert format_percent(0.2857, 1, "fr") == "28,6\u00a0%"
    assert round_money(2.675) == 2.68  # half away from zero, not banker's rounding


@pytest.mark.parametrize(("ratio", "status"), [(1.5, "bad"), (2.8, "watch"), (3.15, "good"),
                                                (6.0, "watch"), (None, "unknown")])
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
