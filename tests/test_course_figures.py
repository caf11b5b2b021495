"""The seed figures of notebooks 01-05, computed as the notebooks compute them.

Each test follows one notebook: the same package calls (functions, ``compute_kpis`` on the
``data/`` folders, the CLI), the same assumptions, and the figures the articles print. The last
test reads the committed notebooks and checks that their checked outputs show those figures,
so a notebook cannot drift from the package without a failing test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from cac_toolkit import formulas
from cac_toolkit.core.periods import Period
from cac_toolkit.core.resources import data_path, notebooks_path
from cac_toolkit.course import scenarios
from cac_toolkit.course.examples import SEED_FIGURES
from cac_toolkit.course.levers import article_levers, lever_scenarios
from cac_toolkit.data.loading import load_folder
from cac_toolkit.figures import counting, targets
from tests.conftest import QUARTER, kpis_for

SAAS = SEED_FIGURES["saas_quarter"]
Q1 = Period("2026-01-01", "2026-03-31")


# --------------------------------------------------------------------------- notebook 01


def test_notebook_01_what_cac_is() -> None:
    k = kpis_for("saas_quarter", **QUARTER)
    spend = k["spend"]
    assert formulas.cac_global(spend["marketing"], spend["sales"], k["new_customers"]) == 1_500.0
    assert formulas.cac_marketing(spend["marketing"], k["new_customers"]) == 600.0
    assert formulas.cac_sales(spend["sales"], k["new_customers"]) == 900.0
    assert (spend["direct"], spend["shared"], spend["total"]) == (54_000.0, 36_000.0, 90_000.0)
    # CPA vs CAC on the Ads media (360 demo requests is the notebook's stated assumption).
    assert formulas.cpa(18_000, 360) == 50.0
    assert (k["channels"]["Ads"]["cac_direct"], k["channels"]["Ads"]["cac_fully_loaded"]) == (
        1_500.0, 2_100.0)

    data = load_folder(data_path("saas_quarter"))
    acquired = counting.acquisitions_in(counting.acquisitions(data.deals), Q1)
    explained = scenarios.explain_counting(data.deals, Q1)
    assert len(acquired) == int(explained["counted"].sum()) == 60
    rows_in_quarter = int(Q1.contains(data.deals["won_date"]).sum())
    assert (len(data.deals), rows_in_quarter) == (97, 95)
    assert round(formulas.cac(spend["total"], rows_in_quarter), 2) == 947.37

    two = SEED_FIGURES["two_companies"]
    recurring = kpis_for("two_companies_recurring", **QUARTER)
    one_off = kpis_for("two_companies_one_off", **QUARTER)
    assert recurring["cac"]["global"] == one_off["cac"]["global"] == two["cac"]
    ltv = formulas.ltv_from_annual_margin(2_000, two["recurring_years"])
    assert ltv == two["recurring_ltv"]
    assert formulas.ltv_cac_ratio(ltv, recurring["cac"]["global"]) == two["recurring_ratio"]
    one_off_deals = load_folder(data_path("two_companies_one_off")).deals
    sale = float(counting.acquisitions(one_off_deals)["amount"].mean())
    assert sale == two["one_off_sale"]
    assert formulas.ltv_cac_ratio(formulas.ltv_from_revenue(sale, 1, 1.0), 1_000) == 1.5
    at_40 = formulas.ltv_from_revenue(sale, 1, 0.40)
    assert at_40 == pytest.approx(600)
    assert targets.assess_cac_vs_margin(1_000, at_40).status == "bad"
    assert targets.assess_cac_vs_margin(1_000, ltv).status == "good"


# --------------------------------------------------------------------------- notebook 02


def test_notebook_02_saas_quarter(saas_quarter_kpis: dict) -> None:
    k = saas_quarter_kpis
    assert (k["spend"]["marketing"], k["spend"]["sales"]) == (SAAS["marketing"], SAAS["sales"])
    assert (k["new_customers"], k["cac"]["global"]) == (SAAS["new_customers"], SAAS["cac"])
    channels = pd.DataFrame(k["channels"]).T
    for channel, (spend, customers, cac) in SAAS["channels"].items():
        assert channels.loc[channel, "spend_direct"] == spend
        assert channels.loc[channel, "new_customers"] == customers
        assert channels.loc[channel, "cac_direct"] == cac
        assert channels.loc[channel, "cac_fully_loaded"] == SAAS["fully_loaded"][channel]
    assert sum(round(v * 100) for v in channels["shared_allocated"]) == 3_600_000

    direct = channels["spend_direct"].astype(float)
    customers = channels["new_customers"].astype(float)
    by_key = scenarios.compare_allocation_keys(direct, customers, k["spend"]["shared"],
                                               scenarios.illustrative_allocation_keys())
    for _key, group in by_key.groupby("key"):
        assert round(group["shared_allocated"].sum() * 100) == 3_600_000
    loaded = by_key.set_index(["key", "channel"])["cac_fully_loaded"]
    assert loaded["new_customers"].round(2).to_dict() == SAAS["fully_loaded"]
    # The ranking of Ads and Outbound flips with the key.
    assert loaded[("new_customers", "Ads")] > loaded[("new_customers", "Outbound")]
    assert loaded[("pipeline", "Ads")] < loaded[("pipeline", "Outbound")]

    ltv = formulas.ltv_from_revenue(SAAS["mrr"], SAAS["lifetime_months"], SAAS["gross_margin"])
    assert (k["arpa_mrr"], k["ltv"], k["ltv_cac"]) == (SAAS["mrr"], SAAS["ltv"], SAAS["ltv_cac"])
    assert ltv == pytest.approx(SAAS["ltv"])
    assert formulas.ltv_cac_ratio(ltv, SAAS["cac"]) == pytest.approx(SAAS["ltv_cac"])
    payback = formulas.payback_months(SAAS["cac"], SAAS["mrr"], SAAS["gross_margin"])
    assert round(payback, 2) == SAAS["payback_months"] and round(payback, 1) == 10.7
    assert targets.assess_ltv_cac(k["ltv_cac"]).status == "watch"
    assert targets.assess_payback(payback).status == "good"

    move = scenarios.move_budget(direct, customers, "Ads", "SEO", 6_000,
                                 shared_spend=k["spend"]["shared"])
    totals = scenarios.budget_totals(move, k["spend"]["shared"])
    assert (totals.customers_before, totals.customers_after) == (60.0, pytest.approx(70.0))
    assert round(totals.cac_after, 2) == 1_285.71
    assert scenarios.breakeven_multiplier(direct, customers, "Ads", "SEO") == pytest.approx(3.5)
    levers = lever_scenarios(SAAS["cac"], SAAS["mrr"], SAAS["gross_margin"],
                             SAAS["lifetime_months"],
                             article_levers(SAAS["cac"], SAAS["fully_loaded"]["Ads"])
                             ).set_index("scenario")
    assert levers.loc["Baseline", "ltv_cac"] == pytest.approx(2.8)
    assert (levers["ltv_cac"].drop("Baseline") > 3).all()


# --------------------------------------------------------------------------- notebook 03


def test_notebook_03_inbound_outbound() -> None:
    figures = SEED_FIGURES["inbound_outbound"]
    k = kpis_for("inbound_outbound", period_start="2026-04-01", period_end="2026-06-30")
    for channel, key in (("Inbound", "inbound"), ("Outbound", "outbound")):
        spend, customers, cac = figures[key]
        row = k["channels"][channel]
        assert (row["spend_direct"], row["new_customers"], row["cac_direct"]) == (
            spend, customers, cac)
    assert k["cac"]["global"] == 769.23
    data = load_folder(data_path("inbound_outbound"))
    won = data.deals.groupby("channel").size()
    spend = pd.Series({c: row["spend_direct"] for c, row in k["channels"].items()})
    economics = scenarios.channel_economics(spend, won, {
        "Inbound": scenarios.ChannelAssumptions(150, 24, 0.70),
        "Outbound": scenarios.ChannelAssumptions(600, 36, 0.70),
    })
    assert economics["cost_per_won"].to_dict() == {"Inbound": 400.0, "Outbound": 2_000.0}
    assert economics["ltv_cac"].round(2).to_dict() == {"Inbound": 6.3, "Outbound": 7.56}
    assert economics["net_margin_total"].round(2).to_dict() == {"Inbound": 106_000.0,
                                                                 "Outbound": 196_800.0}
    ratio = economics.loc["Inbound", "ltv_cac"]
    assert scenarios.breakeven_monthly_revenue(2_000, ratio, 36, 0.70) == pytest.approx(500)
    assert scenarios.breakeven_monthly_revenue(2_000, ratio, 24, 0.70) == pytest.approx(750)


# --------------------------------------------------------------------------- notebook 04


def test_notebook_04_ltv_and_payback() -> None:
    figures = SEED_FIGURES["ltv_example"]
    ltv = formulas.ltv_from_revenue(figures["mrr"], figures["months"], figures["gross_margin"])
    assert ltv == pytest.approx(figures["ltv"])
    assert formulas.ltv_cac_ratio(ltv, figures["cac"]) == pytest.approx(figures["ltv_cac"])
    assert round(formulas.payback_months(1_200, 150, 0.70), 2) == 11.43
    churn_ltv = formulas.ltv_from_churn(150, 0.70, 1 / 36)
    annual = formulas.ltv_from_revenue(150, 12, 0.70)
    assert annual == pytest.approx(1_260)
    assert churn_ltv == pytest.approx(3_780)
    assert formulas.ltv_from_annual_margin(annual, 3) == pytest.approx(3_780)
    discounted = formulas.ltv_from_revenue(150, 36, 0.70, discount_rate=0.008)
    assert 2.6 < formulas.ltv_cac_ratio(discounted, 1_200) < 2.8
    assert targets.assess_ltv_cac(figures["ltv_cac"]).status == "good"
    assert targets.assess_ltv_cac(1.8).status == "bad"
    assert targets.assess_ltv_cac(6.3).status == "good"
    assert "very well" in targets.assess_ltv_cac(6.3).reason_en
    assert targets.assess_payback(11.43).status == "good"
    assert targets.assess_cac_vs_margin(1_200, annual).status == "bad"  # 1.05x: fragile
    econ = scenarios.unit_economics(1_200, 150, 0.70, 36)
    assert (round(econ.ltv, 2), round(econ.ltv_cac, 2)) == (3_780.0, 3.15)

    args = [sys.executable, "-m", "cac_toolkit.cli", "kpis", str(data_path("ltv_example")),
            "-p", "period_start", "2026-01-01", "-p", "period_end", "2026-03-31",
            "-p", "gross_margin", "0.7", "-p", "lifetime_months", "36"]
    k = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    assert (k["cac"]["global"], k["arpa_mrr"], k["ltv"], k["ltv_cac"]) == (
        1_200.0, 150.0, 3_780.0, 3.15)
    assert k["payback_months"] == 11.4286


# --------------------------------------------------------------------------- notebook 05


def test_notebook_05_enterprise_pivot() -> None:
    pivot = SEED_FIGURES["enterprise_pivot"]
    contract, cac, retention = pivot["annual_contract"], pivot["cac_after"], pivot["retention"]
    assert cac / pivot["cac_before"] == 2.0
    assert scenarios.lifetime_from_retention(retention) == pytest.approx(10)
    assert scenarios.contract_ltv(contract, 0.30, retention) == pytest.approx(150_000)
    grid = scenarios.ltv_cac_grid(contract, cac, [0.02, 0.03, 0.30, 0.70], [0.0, 0.9])
    assert grid.loc[0.30, 0.9] == pytest.approx(50)
    assert grid.loc[0.70, 0.9] > pivot["ltv_cac_min"] > grid.loc[0.02, 0.9]
    minimum = {h: scenarios.min_margin_for_ratio(contract, cac, retention, 5.0, horizon=h)
               for h in (None, 5, 3, 1)}
    assert {h: round(v, 4) for h, v in minimum.items()} == {None: 0.03, 5: 0.0733, 3: 0.1107,
                                                            1: 0.3}
    discounted = scenarios.min_margin_for_ratio(contract, cac, retention, 5.0,
                                                discount_rate=0.10)
    assert discounted == pytest.approx(0.06)
    assert round(formulas.payback_months(cac, contract / 12, 0.70), 2) == 1.03


# --------------------------------------------------------------------------- committed outputs

#: Strings each notebook's checked outputs must show (the seed figures, as printed).
PRINTED = {
    "01_what_cac_is.ipynb": ["CAC global:         1,500.00 EUR",
                             "CAC marketing:        600.00 EUR",
                             "CAC commercial:       900.00 EUR", "LTV/CAC 10.0 (10:1)",
                             "1.5x the CAC, before margin", "Accounts acquired in the quarter: 60"],
    "02_saas_quarter_step_by_step.ipynb": [
        "CAC global: 1,500.00 EUR", "=   428.57 EUR", "= 1,500.00 EUR", "= 1,200.00 EUR",
        "fully loaded CAC 1,028.57 EUR", "fully loaded CAC 2,100.00 EUR",
        "fully loaded CAC 1,800.00 EUR",
        "Pooled costs allocated: 36,000.00 EUR of 36,000.00 EUR",
        "LTV:      4,200.00 EUR", "LTV/CAC:  2.80",
        "Payback:  10.71 months (the article rounds to 10.7)",
        "€1,500.00 -> €1,285.71"],
    "03_inbound_vs_outbound.ipynb": ["= CAC   400.00 EUR", "= CAC 2,000.00 EUR",
                                     "Both channels together: CAC 769.23 EUR"],
    "04_ltv_and_payback.ipynb": ["LTV = 150 x 36 x 0.70 = 3,780.00 EUR", "LTV/CAC = 3.15",
                                 "ltv             3780.0", "ltv_cac         3.15"],
    "05_enterprise_pivot.ipynb": ["CAC before 1,500.00 EUR -> after 3,000.00 EUR (x2.0)",
                                  "Annual contract 50,000.00 EUR, yearly retention 90%",
                                  "LTV 150,000.00 EUR, LTV/CAC 50.0", "3.00%"],
}


def _checked_text(name: str) -> str:
    notebook = nbformat.read(notebooks_path(name), as_version=4)
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("# NBVAL_CHECK_OUTPUT"):
            for output in cell.get("outputs", []):
                texts.append(output.get("text", "") or output.get("data", {}).get(
                    "text/plain", ""))
    return "\n".join(texts)


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_committed_notebooks_print_the_seed_figures(name: str) -> None:
    text = _checked_text(name)
    for expected in PRINTED[name]:
        assert expected in text, f"{name}: {expected!r} not in its checked outputs"
