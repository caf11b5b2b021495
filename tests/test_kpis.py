"""The KPI file: counting rules, periods, nulls with reasons, allocation keys, determinism."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cac_toolkit.audit.kpis import compute_kpis, flatten, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import InputError, ParameterError
from cac_toolkit.data.loading import load_folder
from tests.conftest import QUARTER, kpis_for

CONTRACT_KEYS = [
    "period.start", "period.end", "currency", "spend.marketing", "spend.sales", "spend.shared",
    "spend.total", "new_customers", "cac.global", "cac.marketing", "cac.sales", "arpa_mrr", "ltv",
    "ltv_cac", "payback_months", "funnel.qualified_leads", "funnel.lead_to_meeting",
    "funnel.meeting_to_opportunity", "funnel.opportunity_to_win", "funnel.quote_conversion",
    "funnel.avg_opportunity_value", "funnel.sales_cycle_days.mean",
    "funnel.sales_cycle_days.median",
]
CHANNEL_KEYS = {"spend_direct", "new_customers", "cac_direct", "shared_allocated",
                "cac_fully_loaded"}


def write(folder: Path, **tables: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_every_contract_key_is_present(saas_quarter_kpis: dict) -> None:
    flat = flatten(saas_quarter_kpis)
    for key in CONTRACT_KEYS:
        assert key in flat, key
    for channel in saas_quarter_kpis["channels"].values():
        assert CHANNEL_KEYS <= set(channel)
    previous = saas_quarter_kpis["previous"]
    for key in ("spend", "new_customers", "cac", "arpa_mrr", "ltv", "ltv_cac",
                "payback_months"):
        assert key in previous
    assert {"inputs", "parameters", "version"} <= set(saas_quarter_kpis)


def test_counting_rules_exclude_what_they_should(saas_quarter_kpis: dict) -> None:
    # The folder holds renewals, upsells, cross-sells, a reactivation, 13 unpaid sign-ups,
    # repeat "new" deals and out-of-period rows: only the 60 acquisitions count.
    assert saas_quarter_kpis["new_customers"] == 60
    previous = saas_quarter_kpis["previous"]
    assert previous["new_customers"] == 1  # PRE001, acquired on 2025-12-15
    assert previous["spend"]["total"] == 9_999.99


def test_previous_period_is_of_equal_length(saas_quarter_kpis: dict) -> None:
    assert saas_quarter_kpis["previous"]["period"] == {"start": "2025-10-03",
                                                       "end": "2025-12-31"}


def test_no_new_customer_gives_nulls_with_reasons(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "audit",
        spend=pd.DataFrame({"date": ["2026-01-10"], "amount": [5000], "category": ["marketing"],
                            "channel": ["Ads"]}),
        deals=pd.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "won_date": ["2026-01-20"],
                            "channel": ["Ads"], "type": ["renewal"], "mrr": [100]}),
    )
    k = compute_kpis(load_folder(folder), AuditParameters.from_mapping(
        {**QUARTER, "gross_margin": 0.7, "monthly_churn": 0.02}))
    assert k["new_customers"] == 0
    assert k["cac"] == {"global": None, "marketing": None, "sales": None}
    assert (k["arpa_mrr"], k["ltv"], k["ltv_cac"], k["payback_months"]) == (None,) * 4
    assert k["channels"]["Ads"]["new_customers"] == 0
    assert k["channels"]["Ads"]["cac_direct"] is None
    reasons = {n["key"]: n["reason"] for n in k["notes"]}
    assert "no new customer" in reasons["cac.global"]
    assert "Infinity" not in kpis_to_json(k) and "NaN" not in kpis_to_json(k)


def test_empty_period_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no spend line and no deal from 2030-01-01"):
        kpis_for("saas_quarter", period_start="2030-01-01", period_end="2030-03-31")


def test_allocation_keys_move_the_fully_loaded_cac(tmp_path: Path) -> None:
    spend = pd.DataFrame({"date": ["2026-01-05"] * 3, "amount": [1000, 2000, 900],
                          "category": ["marketing", "marketing", "sales"],
                          "channel": ["SEO", "Ads", ""]})
    deals = pd.DataFrame({"deal_id": ["D1", "D2", "D3"], "account_id": ["A1", "A2", "A3"],
                          "won_date": ["2026-02-01"] * 3, "channel": ["SEO", "SEO", "Ads"]})
    leads = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4"], "created_date": ["2026-01-02"] * 4,
                          "channel": ["SEO", "Ads", "Ads", "Ads"],
                          "opportunity_date": ["2026-01-10"] * 4,
                          "opportunity_value": [1000, 500, 500, 1000]})
    folder = write(tmp_path / "a", spend=spend, deals=deals, leads=leads)
    by_customers = kpis_for(folder, **QUARTER)["channels"]
    by_opps = kpis_for(folder, **QUARTER, allocation_key="opportunities")["channels"]
    by_pipeline = kpis_for(folder, **QUARTER, allocation_key="pipeline")["channels"]
    assert (by_customers["SEO"]["shared_allocated"], by_customers["Ads"]["shared_allocated"]) == (
        600.0, 300.0)
    assert (by_opps["SEO"]["shared_allocated"], by_opps["Ads"]["shared_allocated"]) == (
        225.0, 675.0)
    assert (by_pipeline["SEO"]["shared_allocated"], by_pipeline["Ads"]["shared_allocated"]) == (
        300.0, 600.0)
    assert by_opps["Ads"]["cac_fully_loaded"] == 2_675.0


def test_opportunity_key_without_leads_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="allocation_key"):
        kpis_for("saas_quarter", **QUARTER, allocation_key="opportunities")


def test_funnel_counts_stages_literally(tmp_path: Path) -> None:
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5"],
        "created_date": ["2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05", "2025-12-30"],
        "channel": ["SEO"] * 5,
        "mql_date": ["2026-01-03", "2026-01-04", "", "2026-01-06", "2026-01-02"],
        "meeting_date": ["2026-01-10", "", "2026-01-11", "2026-01-12", "2026-01-05"],
        "opportunity_date": ["2026-01-15", "", "2026-01-16", "", "2026-01-08"],
        "quote_date": ["2026-01-20", "", "", "", ""],
        "won_date": ["2026-02-14", "", "2026-04-25", "", "2026-01-20"],
        "opportunity_value": [1000, None, 3000, None, 500],
    })
    spend = pd.DataFrame({"date": ["2026-01-05"], "amount": [100], "category": ["sales"]})
    deals = pd.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "won_date": ["2026-02-14"],
                          "channel": ["SEO"]})
    folder = write(tmp_path / "f", spend=spend, deals=deals, leads=leads)
    funnel = kpis_for(folder, **QUARTER)["funnel"]
    # L5 was created before the period: outside the cohort whatever its later dates.
    assert (funnel["leads"], funnel["qualified_leads"], funnel["meetings"],
            funnel["opportunities"], funnel["won"]) == (4, 3, 3, 2, 2)
    assert funnel["lead_to_meeting"] == 1.0  # L3 meets without an MQL date: counted literally
    assert funnel["meeting_to_opportunity"] == 0.6667
    assert funnel["opportunity_to_win"] == 1.0
    assert funnel["quote_conversion"] == 1.0
    assert funnel["avg_opportunity_value"] == 2_000.0
    assert funnel["sales_cycle_days"] == {"mean": 64.5, "median": 64.5}  # 30 and 99 days


def test_same_inputs_same_bytes() -> None:
    first = kpis_to_json(kpis_for("saas_quarter", **QUARTER, gross_margin=0.7))
    second = kpis_to_json(kpis_for("saas_quarter", **QUARTER, gross_margin=0.7))
    assert first == second


def test_default_period_is_the_last_complete_quarter() -> None:
    k = kpis_for("inbound_outbound")
    assert k["period"] == {"start": "2026-04-01", "end": "2026-06-30"}


def test_untracked_stage_and_missing_spend_are_explained(tmp_path: Path) -> None:
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "created_date": ["2026-01-02"] * 2,
                          "channel": ["SEO"] * 2, "mql_date": ["2026-01-03"] * 2})
    spend = pd.DataFrame({"date": ["2025-06-01"], "amount": [100], "category": ["sales"]})
    deals = pd.DataFrame({"deal_id": ["D1"], "account_id": ["A1"], "won_date": ["2026-02-14"],
                          "channel": ["SEO"]})
    k = kpis_for(write(tmp_path / "f", spend=spend, deals=deals, leads=leads), **QUARTER)
    assert k["funnel"]["qualified_leads"] == 2
    assert k["funnel"]["mql_to_sql"] is None  # no sql_date anywhere: unknown, not 0 %
    reasons = {n["key"]: (n["code"], n["reason"]) for n in k["notes"]}
    assert reasons["funnel.mql_to_sql"] == ("untracked_stage",
                                            "the leads table has no sql_date at all")
    # Spend data ends in June 2025: the quarter's costs are unknown, never a CAC of 0.00.
    assert k["cac"]["global"] is None
    assert reasons["cac.global"] == ("no_spend_data", "no spend data after 2025-06-30")
    from cac_toolkit.render.i18n import note_text
    french = note_text(next(n for n in k["notes"] if n["key"] == "funnel.mql_to_sql"), "fr")
    assert french == "la table des leads ne contient aucune date sql_date\u202f: étape non suivie"
