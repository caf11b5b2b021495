"""Every figure of the source articles, through the functions and through the data/ tables."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from cac_toolkit import formulas
from cac_toolkit.core.resources import data_path
from cac_toolkit.course.examples import SEED_FIGURES
from tests.conftest import QUARTER, kpis_for

SAAS = SEED_FIGURES["saas_quarter"]


def test_saas_quarter_functions() -> None:
    assert formulas.cac_global(36_000, 54_000, 60) == 1_500
    direct = pd.Series({"SEO": 12_000.0, "Ads": 18_000.0, "Outbound": 24_000.0})
    customers = pd.Series({"SEO": 28.0, "Ads": 12.0, "Outbound": 20.0})
    table = formulas.channel_cac(direct, customers, shared_spend=36_000)
    assert table["cac_direct"].round(2).to_dict() == {"Ads": 1500.0, "Outbound": 1200.0,
                                                       "SEO": 428.57}
    assert table["cac_fully_loaded"].round(2).to_dict() == {"Ads": 2100.0, "Outbound": 1800.0,
                                                            "SEO": 1028.57}
    assert table["shared_allocated"].sum() == 36_000
    ltv = formulas.ltv_from_revenue(200, 30, 0.70)
    assert ltv == pytest.approx(4_200)
    assert formulas.ltv_cac_ratio(ltv, 1_500) == pytest.approx(2.8)
    assert round(formulas.payback_months(1_500, 200, 0.70), 2) == 10.71
    assert round(formulas.payback_months(1_500, 200, 0.70), 1) == 10.7


def test_saas_quarter_kpi_file(saas_quarter_kpis: dict) -> None:
    k = saas_quarter_kpis
    assert k["spend"] == {"marketing": 36_000.0, "sales": 54_000.0, "shared": 36_000.0,
                          "direct": 54_000.0, "total": 90_000.0}
    assert k["new_customers"] == 60
    assert k["cac"] == {"global": 1_500.0, "marketing": 600.0, "sales": 900.0}
    for channel, (spend, customers, cac) in SAAS["channels"].items():
        row = k["channels"][channel]
        assert (row["spend_direct"], row["new_customers"], row["cac_direct"]) == (
            spend, customers, cac)
        assert row["cac_fully_loaded"] == SAAS["fully_loaded"][channel]
    allocated = sum(round(c["shared_allocated"] * 100) for c in k["channels"].values())
    assert allocated == 3_600_000  # adds back to the pooled 36,000.00 to the cent
    assert (k["arpa_mrr"], k["ltv"], k["ltv_cac"]) == (200.0, 4_200.0, 2.8)
    assert round(k["payback_months"], 2) == 10.71


def test_inbound_outbound() -> None:
    assert formulas.cac(20_000, 50) == 400
    assert formulas.cac(30_000, 15) == 2_000
    k = kpis_for("inbound_outbound", period_start="2026-04-01", period_end="2026-06-30")
    assert k["channels"]["Inbound"]["cac_direct"] == 400.0
    assert k["channels"]["Outbound"]["cac_direct"] == 2_000.0
    assert k["new_customers"] == 65
    assert k["cac"]["global"] == 769.23  # 50,000 / 65


def test_ltv_example() -> None:
    ltv = formulas.ltv_from_revenue(150, 36, 0.70)
    assert ltv == pytest.approx(3_780)
    assert formulas.ltv_cac_ratio(ltv, 1_200) == pytest.approx(3.15)
    k = kpis_for("ltv_example", period_start="2026-01-01", period_end="2026-03-31",
                 gross_margin=0.7, lifetime_months=36)
    assert (k["cac"]["global"], k["ltv"], k["ltv_cac"]) == (1_200.0, 3_780.0, 3.15)


def test_two_companies_at_cac_1000() -> None:
    recurring = kpis_for("two_companies_recurring", **QUARTER)
    one_off = kpis_for("two_companies_one_off", **QUARTER)
    assert recurring["cac"]["global"] == one_off["cac"]["global"] == 1_000.0
    ltv = formulas.ltv_from_annual_margin(2_000, 5)  # 10,000 over five years
    assert formulas.ltv_cac_ratio(ltv, 1_000) == 10.0
    # The one-off seller earns 1,500 of revenue once: 1.5x the CAC before any margin.
    assert one_off["new_revenue"]["one_off"] == 15_000.0
    assert formulas.ltv_cac_ratio(1_500, 1_000) == 1.5
    assert one_off["arpa_mrr"] is None
    assert any(n["key"] == "arpa_mrr" for n in one_off["notes"])


def test_enterprise_pivot_sensitivity() -> None:
    fig = SEED_FIGURES["enterprise_pivot"]
    years = formulas.lifetime_from_retention(fig["retention"])
    assert years == pytest.approx(10)
    # The article gives no margin: LTV/CAC stays above 5 for any margin above 3 %.
    for margin, above in ((0.02, False), (0.04, True), (0.7, True)):
        ltv = formulas.ltv_from_annual_margin(fig["annual_contract"] * margin, years)
        assert (formulas.ltv_cac_ratio(ltv, fig["cac_after"]) > 5) is above


def test_cli_kpis_on_saas_quarter(tmp_path) -> None:
    out = tmp_path / "kpis.json"
    args = [sys.executable, "-m", "cac_toolkit.cli", "kpis", str(data_path("saas_quarter")),
            "-p", "period_start", "2026-01-01", "-p", "period_end", "2026-03-31",
            "-p", "gross_margin", "0.7", "-p", "lifetime_months", "30", "--out", str(out)]
    subprocess.run(args, check=True)
    k = json.loads(out.read_text(encoding="utf-8"))
    assert k["cac"]["global"] == 1_500.0
    assert {c: v["cac_direct"] for c, v in k["channels"].items()} == {
        "Ads": 1_500.0, "Outbound": 1_200.0, "SEO": 428.57}
    assert {c: v["cac_fully_loaded"] for c, v in k["channels"].items()} == {
        "Ads": 2_100.0, "Outbound": 1_800.0, "SEO": 1_028.57}
    assert (k["ltv"], k["ltv_cac"], k["payback_months"]) == (4_200.0, 2.8, 10.7143)
    assert set(k["inputs"]) == {"spend", "deals"}
    assert len(k["inputs"]["spend"]["sha256"]) == 64
    assert k["parameters"]["gross_margin"] == 0.7
