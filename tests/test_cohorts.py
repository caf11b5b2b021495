"""Monthly cohorts, lag-aware CAC and CAC per segment: hand-computed cases and real folders."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cac_toolkit.audit.kpis import kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.audit.sections import cohort_kpis, segment_kpis
from cac_toolkit.core.errors import ParameterError
from cac_toolkit.core.notes import Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import AuditData, load_folder
from cac_toolkit.figures.cohorts import (
    cohort_window,
    conversion_matrix,
    lag_aware_cac,
    lead_cohorts,
    monthly_cac,
    segment_cac,
    spend_by_month,
)
from cac_toolkit.figures.counting import acquisitions
from tests.conftest import kpis_for

Q1 = Period(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-31"))
JAN_MAR = Q1


# ---------------------------------------------------------------------------------------------
# Builders of canonical frames (see docs/internal-tables.md)
# ---------------------------------------------------------------------------------------------
def _dates(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"), format="ISO8601")


def leads_frame(*rows: tuple[str, str, str | None], segment: list[str | None] | None = None,
                opportunity: list[str | None] | None = None) -> pd.DataFrame:
    """Leads from (lead_id, created_date, won_date or None)."""
    n = len(rows)
    frame = pd.DataFrame({
        "lead_id": pd.Series([r[0] for r in rows], dtype="str"),
        "created_date": _dates([r[1] for r in rows]),
        "channel": pd.Series(["SEO"] * n, dtype="str"),
        "segment": pd.Series(segment if segment is not None else [None] * n, dtype="string"),
    })
    for stage in ("mql_date", "sql_date", "meeting_date", "quote_date", "lost_date"):
        frame[stage] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame["opportunity_date"] = _dates(opportunity if opportunity is not None else [None] * n)
    frame["won_date"] = _dates([r[2] for r in rows])
    frame["opportunity_value"] = np.nan
    return frame


def spend_frame(*rows: tuple[str, float], segment: list[str | None] | None = None
                ) -> pd.DataFrame:
    """Spend lines from (date, amount); all marketing, pooled."""
    frame = pd.DataFrame({
        "date": _dates([r[0] for r in rows]),
        "amount": pd.Series([r[1] for r in rows], dtype="float64"),
        "category": pd.Series(["marketing"] * len(rows), dtype="str"),
        "channel": pd.Series(["shared"] * len(rows), dtype="str"),
        "item": pd.Series([None] * len(rows), dtype="string"),
    })
    if segment is not None:
        frame["segment"] = pd.Series(segment, dtype="string")
    return frame


def deals_frame(*rows: tuple[str, str, str | None, float | None]) -> pd.DataFrame:
    """Paid ``new`` deals from (account_id, won_date, segment, mrr)."""
    n = len(rows)
    return pd.DataFrame({
        "deal_id": pd.Series([f"D{i:03d}" for i in range(n)], dtype="str"),
        "account_id": pd.Series([r[0] for r in rows], dtype="str"),
        "won_date": _dates([r[1] for r in rows]),
        "channel": pd.Series(["SEO"] * n, dtype="str"),
        "type": pd.Series(["new"] * n, dtype="str"),
        "paid": pd.Series([True] * n, dtype="bool"),
        "mrr": pd.Series([r[3] for r in rows], dtype="float64"),
        "amount": pd.Series([np.nan] * n, dtype="float64"),
        "segment": pd.Series([r[2] for r in rows], dtype="string"),
    })


# ---------------------------------------------------------------------------------------------
# Cohort months
# ---------------------------------------------------------------------------------------------
def test_window_reaches_back_to_the_month_of_the_longest_horizon() -> None:
    # 2026-01-01 - 90 days = 2025-10-03: a lead of that day can convert on 2026-01-01.
    assert cohort_window(Q1).as_dict() == {"start": "2025-10-01", "end": "2026-03-31"}
    assert cohort_window(Q1, (30,)).as_dict() == {"start": "2025-12-01", "end": "2026-03-31"}
    with pytest.raises(ParameterError):
        cohort_window(Q1, (30, 0))
    with pytest.raises(ParameterError):
        cohort_window(Q1, ())


def test_day_30_counts_at_30_and_day_31_only_from_60() -> None:
    leads = leads_frame(
        ("L1", "2026-01-01", "2026-01-31"),  # 30 days
        ("L2", "2026-01-01", "2026-02-01"),  # 31 days
        ("L3", "2026-01-10", "2026-03-11"),  # 60 days
        ("L4", "2026-01-10", "2026-03-12"),  # 61 days
        ("L5", "2026-01-20", "2026-04-20"),  # 90 days
        ("L6", "2026-01-20", "2026-04-21"),  # 91 days: never within the horizons
        ("L7", "2026-01-31", None),          # never won
        ("L8", "2026-01-15", "2026-01-15"),  # same day
    )
    table = lead_cohorts(leads, Period(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-31")),
                         as_of=pd.Timestamp("2026-12-31"))
    row = table.loc[pd.Period("2026-01", "M")]
    assert (row["leads"], row["won_30"], row["won_60"], row["won_90"]) == (8, 2, 4, 6)
    assert row["conversion_30"] == pytest.approx(2 / 8)
    assert row["conversion_60"] == pytest.approx(4 / 8)
    assert row["conversion_90"] == pytest.approx(6 / 8)
    assert bool(row["complete_90"])


def test_completeness_depends_on_the_months_last_day_and_the_data_end() -> None:
    leads = leads_frame(("L1", "2026-01-05", "2026-01-20"), ("L2", "2026-02-03", None))
    # January ends on the 31st: complete at 30 days from 2026-03-02 on.
    table = lead_cohorts(leads, JAN_MAR, as_of=pd.Timestamp("2026-03-02"))
    assert table["complete_30"].tolist() == [True, False, False]
    assert table["complete_60"].tolist() == [False, False, False]
    assert table.loc[pd.Period("2026-01", "M"), "conversion_30"] == 1.0
    assert table["conversion_60"].isna().all()  # not measured yet: undefined, never 0
    # The default observation date is the latest date of the leads table (2026-02-03).
    default = lead_cohorts(leads, JAN_MAR)
    assert not default["complete_30"].any()


def test_months_without_leads_or_spend() -> None:
    leads = leads_frame(("L1", "2026-01-05", "2026-01-20"), ("L2", "2026-01-06", "2026-01-10"),
                        ("L3", "2026-03-01", "2026-03-02"))
    spend = spend_frame(("2026-02-10", 1000.0), ("2026-03-05", 450.0), ("2025-12-31", 99.0))
    table = lag_aware_cac(spend, leads, JAN_MAR, as_of=pd.Timestamp("2026-12-31"))
    assert list(table.index.astype(str)) == ["2026-01", "2026-02", "2026-03"]
    assert table["spend"].tolist() == [0.0, 1000.0, 450.0]
    assert table["leads"].tolist() == [2, 0, 1]
    # January: customers but no spend -> CAC 0; February: spend but no lead -> undefined.
    assert table["cac_lag_30"].iloc[0] == 0.0
    assert np.isnan(table["cac_lag_30"].iloc[1])
    assert np.isnan(table["conversion_30"].iloc[1])
    assert table["cac_lag_30"].iloc[2] == 450.0


def test_lag_aware_cac_divides_the_months_spend_by_its_cohorts_customers() -> None:
    leads = leads_frame(("L1", "2026-01-02", "2026-01-25"), ("L2", "2026-01-03", "2026-02-20"),
                        ("L3", "2026-01-04", "2026-03-30"), ("L4", "2026-01-05", None))
    spend = spend_frame(("2026-01-10", 3000.0), ("2026-01-20", 0.01))
    table = lag_aware_cac(spend, leads, Period(pd.Timestamp("2026-01-01"),
                                               pd.Timestamp("2026-01-31")),
                          as_of=pd.Timestamp("2026-06-30"))
    row = table.iloc[0]
    assert (row["won_30"], row["won_60"], row["won_90"]) == (1, 2, 3)
    assert row["cac_lag_30"] == pytest.approx(3000.01)
    assert row["cac_lag_60"] == pytest.approx(3000.01 / 2)
    assert row["cac_lag_90"] == pytest.approx(3000.01 / 3)


def test_spend_by_month_sums_cents_exactly() -> None:
    spend = spend_frame(*[("2026-01-15", 0.1)] * 3, ("2026-02-01", 0.2), ("2026-02-28", 1e6))
    by_month = spend_by_month(spend, JAN_MAR)
    assert by_month.tolist() == [0.3, 1_000_000.2, 0.0]
    assert by_month.index.name == "month"


def test_monthly_cac_is_the_short_term_reading() -> None:
    spend = spend_frame(("2026-01-15", 900.0), ("2026-02-15", 600.0))
    acquired = acquisitions(deals_frame(("A", "2026-01-20", "SMB", 100.0),
                                        ("B", "2026-01-21", "SMB", 100.0),
                                        ("C", "2026-03-01", "SMB", 100.0)))
    table = monthly_cac(spend, acquired, JAN_MAR)
    assert table["new_customers"].tolist() == [2, 0, 1]
    assert table["cac"].iloc[0] == 450.0
    assert np.isnan(table["cac"].iloc[1])
    assert table["cac"].iloc[2] == 0.0


def test_conversion_matrix_from_frame_and_from_kpi_block_agree() -> None:
    leads = leads_frame(("L1", "2025-12-20", "2026-01-10"), ("L2", "2026-01-05", "2026-03-20"),
                        ("L3", "2026-01-06", None), ("L4", "2026-03-30", "2026-04-02"))
    spend = spend_frame(("2026-01-10", 100.0), ("2026-05-01", 1.0))
    data = AuditData(spend=spend, deals=deals_frame(("A", "2026-01-10", "SMB", 50.0)),
                     leads=leads)
    block = cohort_kpis(data, AuditParameters(), Q1)
    from_block = conversion_matrix(block)
    frame = lag_aware_cac(spend, leads, cohort_window(Q1), as_of=pd.Timestamp("2026-05-01"))
    from_frame = conversion_matrix(frame)
    assert list(from_frame.columns) == [30, 60, 90]
    assert from_frame.shape == (6, 3)
    pd.testing.assert_frame_equal(from_block, from_frame.round(4))
    # December 2025: one lead, won on day 21 -> 100 % at every horizon.
    assert from_frame.loc[pd.Period("2025-12", "M")].tolist() == [1.0, 1.0, 1.0]
    # January: 2 leads, one won on day 74 -> 0 % at 30, 0 % at 60, 50 % at 90.
    # Observed to 2026-05-01 = January 31 + 90 days: complete just in time.
    assert from_frame.loc[pd.Period("2026-01", "M")].tolist() == [0.0, 0.0, 0.5]
    # February has no lead (undefined); March is not observed for 60 days yet.
    assert from_frame.loc[pd.Period("2026-02", "M")].isna().all()
    assert from_frame.loc[pd.Period("2026-03", "M")].tolist()[0] == 1.0
    assert from_frame.loc[pd.Period("2026-03", "M")].iloc[1:].isna().all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 150), st.one_of(st.none(), st.integers(0, 130))),
                min_size=0, max_size=40))
def test_vectorised_counts_match_a_plain_count(rows: list[tuple[int, int | None]]) -> None:
    start = pd.Timestamp("2025-10-01")
    leads = leads_frame(*[
        (f"L{i}", str((start + pd.Timedelta(days=c)).date()),
         None if d is None else str((start + pd.Timedelta(days=c + d)).date()))
        for i, (c, d) in enumerate(rows)])
    window = Period(start, pd.Timestamp("2026-02-28"))
    table = lead_cohorts(leads, window, as_of=pd.Timestamp("2027-01-01"))
    for month in table.index:
        in_month = [(c, d) for c, d in rows
                    if (start + pd.Timedelta(days=c)).to_period("M") == month
                    and start + pd.Timedelta(days=c) <= window.end]
        assert table.loc[month, "leads"] == len(in_month)
        for h in (30, 60, 90):
            assert table.loc[month, f"won_{h}"] == sum(d is not None and d <= h
                                                       for _, d in in_month)


# ---------------------------------------------------------------------------------------------
# Segments
# ---------------------------------------------------------------------------------------------
def test_segments_add_back_to_the_spend_to_the_cent_with_unknown_segment() -> None:
    spend = spend_frame(("2026-01-15", 100.0), ("2026-02-15", 0.01), ("2025-12-31", 5000.0))
    acquired = acquisitions(deals_frame(("A", "2026-01-20", "SMB", 100.0),
                                        ("B", "2026-02-21", "Mid-market", 400.0),
                                        ("C", "2026-03-01", None, 50.0),
                                        ("D", "2026-03-02", "  ", None),
                                        ("E", "2026-04-01", "Enterprise", 900.0)))
    table = segment_cac(spend, acquired, Q1, gross_margin=0.8, lifetime_months=24)
    assert list(table.index) == ["Mid-market", "SMB", "unknown"]
    assert table["new_customers"].tolist() == [1, 1, 2]
    # 100.01 split 1:1:2 -> 25.0025 / 25.0025 / 50.005: cents settle by largest remainder.
    assert table["spend_total"].tolist() == [25.0, 25.0, 50.01]
    assert round(table["spend_total"].sum(), 2) == 100.01
    assert table["cac"].tolist() == [25.0, 25.0, 25.005]
    assert table.loc["unknown", "arpa_mrr"] == 50.0  # the deal without MRR is left out
    assert table.loc["SMB", "ltv"] == pytest.approx(100 * 0.8 * 24)
    assert table.loc["SMB", "ltv_cac"] == pytest.approx(1920 / 25)
    assert table.loc["Mid-market", "payback_months"] == pytest.approx(25 / (400 * 0.8))
    assert table["customer_share"].tolist() == [0.25, 0.25, 0.5]


def test_direct_segment_spend_first_then_allocate_the_rest() -> None:
    spend = spend_frame(("2026-01-15", 1000.0), ("2026-01-16", 300.0), ("2026-01-17", 200.0),
                        ("2026-01-18", 50.0),
                        segment=["Enterprise", "shared", None, "Partners"])
    acquired = acquisitions(deals_frame(("A", "2026-01-20", "SMB", 100.0),
                                        ("B", "2026-02-21", "SMB", 100.0),
                                        ("C", "2026-03-01", "Enterprise", 1000.0),
                                        ("D", "2026-03-03", "Enterprise", 1000.0)))
    table = segment_cac(spend, acquired, Q1)
    assert list(table.index) == ["Enterprise", "Partners", "SMB"]
    assert table["spend_direct"].tolist() == [1000.0, 50.0, 0.0]
    # Pooled 500 split by new customers 2:0:2.
    assert table["spend_allocated"].tolist() == [250.0, 0.0, 250.0]
    assert table["cac"].iloc[0] == 625.0
    assert np.isnan(table.loc["Partners", "cac"])  # spend but no customer
    assert table.loc["SMB", "cac"] == 125.0
    assert np.isnan(table.loc["SMB", "ltv"])  # no margin or lifetime given
    assert table["spend_total"].sum() == 1550.0


def test_segment_key_by_opportunities_and_without_any_key() -> None:
    spend = spend_frame(("2026-01-15", 90.0))
    acquired = acquisitions(deals_frame(("A", "2026-01-20", "SMB", 100.0)))
    leads = leads_frame(("L1", "2025-12-01", None), ("L2", "2026-01-02", None),
                        ("L3", "2026-01-03", None), ("L4", "2026-01-04", None),
                        segment=["SMB", "Enterprise", "Enterprise", None],
                        opportunity=["2026-01-05", "2026-02-01", "2026-02-02", "2026-04-01"])
    table = segment_cac(spend, acquired, Q1, key="opportunities", leads=leads)
    assert table["spend_allocated"].to_dict() == {"Enterprise": 60.0, "SMB": 30.0}
    assert table.loc["SMB", "cac"] == 90.0 / 3
    with pytest.raises(ParameterError):
        segment_cac(spend, acquired, Q1, key="opportunities")
    nobody = segment_cac(spend, acquisitions(deals_frame(("A", "2026-05-01", "SMB", 1.0))), Q1)
    assert nobody.empty
    notes = Notes()
    data = AuditData(spend=spend_frame(("2026-01-15", 90.0), segment=["SMB"]),
                     deals=deals_frame(("A", "2026-05-01", "SMB", 1.0)))
    out = segment_kpis(data, AuditParameters(), Q1, notes)
    assert out["SMB"]["spend_direct"] == 90.0 and out["SMB"]["cac"] is None
    assert {(n["key"], n["code"]) for n in notes.items} >= {
        ("segments.SMB.cac", "no_new_customer"), ("segments.ltv", "missing_parameter")}


# ---------------------------------------------------------------------------------------------
# KPI blocks on small data and on the example folders
# ---------------------------------------------------------------------------------------------
def test_cohort_block_rounds_and_explains_every_null() -> None:
    leads = leads_frame(("L1", "2026-01-05", "2026-01-20"), ("L2", "2026-01-06", None),
                        ("L3", "2026-01-07", None), ("L4", "2026-03-30", None))
    spend = spend_frame(("2026-01-10", 1000.0), ("2026-02-10", 10.0), ("2026-03-10", 3.0))
    deals = deals_frame(("A", "2026-01-20", "SMB", 100.0))
    notes = Notes()
    block = cohort_kpis(AuditData(spend=spend, deals=deals, leads=leads),
                        AuditParameters(), Q1, notes)
    assert block["as_of"] == "2026-03-30"
    assert block["months"] == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert block["conversion_30"]["2026-01"] == 0.3333
    assert block["cac_lag_30"]["2026-01"] == 1000.0
    # Data end 2026-03-30: February 28 + 30 days is just in; January 31 + 60 is not.
    assert block["complete_30"]["2026-02"] is True and block["complete_60"]["2026-01"] is False
    assert block["cac_lag_60"]["2026-01"] is None
    assert block["period"]["months_complete_30"] == ["2026-01", "2026-02"]
    assert block["period"]["cac_lag_30"] == 1010.0
    assert block["period"]["conversion_30"] == 0.3333
    assert block["period"]["leads_90"] is None and block["period"]["cac_lag_90"] is None
    keyed = {(n["key"], n["code"]): n["reason"] for n in notes.items}
    assert keyed[("cohorts.conversion_30", "no_lead")].endswith(
        "2025-10, 2025-11, 2025-12, 2026-02")
    assert keyed[("cohorts.cac_lag_90", "cohort_incomplete")].endswith(
        "2026-01, 2026-02, 2026-03")
    assert ("cohorts.period.cac_lag_90", "cohort_incomplete") in keyed
    json.dumps(block, allow_nan=False)


def test_saas_quarter_has_no_cohorts_but_two_segments(saas_quarter_kpis: dict) -> None:
    cohorts = saas_quarter_kpis["cohorts"]
    assert cohorts["window"] == {"start": "2025-10-01", "end": "2026-03-31"}
    assert all(v is None for v in cohorts["leads"].values())
    assert all(v is None for v in cohorts["cac_lag_90"].values())
    assert cohorts["period"]["cac_lag_30"] is None
    assert {"key": "cohorts", "code": "no_leads", "reason": "the folder has no leads table: "
            "lead cohorts, conversions and lag-aware CACs are undefined"} in \
        saas_quarter_kpis["notes"]
    # The spend of each month still shows; December holds the 9,999.99 of Ads.
    assert cohorts["spend"] == {"2025-10": 0.0, "2025-11": 0.0, "2025-12": 9999.99,
                                "2026-01": 30000.0, "2026-02": 30000.0, "2026-03": 30000.0}
    assert cohorts["new_customers"]["2025-12"] == 1 and cohorts["cac_month"]["2025-12"] == 9999.99
    segments = saas_quarter_kpis["segments"]
    assert list(segments) == ["Mid-market", "SMB"]
    assert segments["SMB"]["new_customers"] == 39 and segments["Mid-market"]["new_customers"] == 21
    assert segments["SMB"]["spend_total"] == 58_500.0
    assert segments["Mid-market"]["spend_total"] == 31_500.0
    assert sum(s["spend_total"] for s in segments.values()) == saas_quarter_kpis["spend"]["total"]
    assert segments["SMB"]["cac"] == 1500.0 and segments["SMB"]["ltv_cac"] == 2.8


@pytest.fixture(scope="module")
def sample() -> tuple[AuditData, dict]:
    folder = data_path("sample_company")
    if not (folder / "leads.csv").exists():  # pragma: no cover - generated by a colleague
        pytest.fail("data/sample_company is missing: run the generator")
    data = load_folder(folder)
    params = AuditParameters(period_start="2025-04-01", period_end="2025-06-30",
                             gross_margin=0.75, lifetime_months=30,
                             allocation_key="opportunities")
    from cac_toolkit.audit.kpis import compute_kpis

    return data, compute_kpis(data, params)


def test_sample_company_cohorts_match_a_plain_count(sample: tuple[AuditData, dict]) -> None:
    data, kpis = sample
    cohorts = kpis["cohorts"]
    assert cohorts["months"] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05",
                                 "2025-06"]
    assert cohorts["as_of"] == "2025-12-31"
    # Data runs to the end of 2025, so every cohort of Q2 2025 is complete at 90 days.
    assert all(cohorts["complete_90"].values())
    leads = data.leads
    created = leads["created_date"]
    delay = (leads["won_date"] - created).dt.days
    for month in cohorts["months"]:
        in_month = created.dt.strftime("%Y-%m") == month
        assert cohorts["leads"][month] == int(in_month.sum())
        for h in (30, 60, 90):
            won = int((in_month & (delay <= h)).sum())
            assert cohorts[f"won_{h}"][month] == won
            spent = data.spend.loc[data.spend["date"].dt.strftime("%Y-%m") == month, "amount"]
            assert cohorts[f"cac_lag_{h}"][month] == pytest.approx(spent.sum() / won, abs=0.006)
    # Later horizons can only add customers.
    for month in cohorts["months"]:
        assert cohorts["won_30"][month] <= cohorts["won_60"][month] <= cohorts["won_90"][month]
    period = cohorts["period"]
    q2 = ["2025-04", "2025-05", "2025-06"]
    assert period["months_complete_90"] == q2
    assert period["won_90"] == sum(cohorts["won_90"][m] for m in q2)
    assert period["spend_90"] == pytest.approx(kpis["spend"]["total"], abs=0.005)


def test_sample_company_segments(sample: tuple[AuditData, dict]) -> None:
    data, kpis = sample
    segments = kpis["segments"]
    assert set(segments) == {"Enterprise", "Mid-market", "SMB"}
    assert sum(s["new_customers"] for s in segments.values()) == kpis["new_customers"]
    assert round(sum(s["spend_total"] for s in segments.values()), 2) == kpis["spend"]["total"]
    # Key: opportunities opened in Q2 2025, counted by lead segment.
    opened = data.leads[(data.leads["opportunity_date"] >= "2025-04-01")
                        & (data.leads["opportunity_date"] <= "2025-06-30")]
    counts = opened["segment"].value_counts()
    for name, block in segments.items():
        assert block["allocation_weight"] == counts[name]
        share = counts[name] / counts.sum()
        assert block["spend_allocated"] == pytest.approx(kpis["spend"]["total"] * share,
                                                         abs=0.01)
    # Larger accounts pay more per month.
    assert (segments["SMB"]["arpa_mrr"] < segments["Mid-market"]["arpa_mrr"]
            < segments["Enterprise"]["arpa_mrr"])


def test_kpi_file_stays_byte_deterministic(sample: tuple[AuditData, dict]) -> None:
    data, kpis = sample
    from cac_toolkit.audit.kpis import compute_kpis

    again = compute_kpis(data, AuditParameters(
        period_start="2025-04-01", period_end="2025-06-30", gross_margin=0.75,
        lifetime_months=30, allocation_key="opportunities"))
    assert kpis_to_json(kpis) == kpis_to_json(again)
    assert list(kpis).index("cohorts") == list(kpis).index("dependence") + 1
    assert list(kpis).index("segments") == list(kpis).index("cohorts") + 1


def test_previous_period_kpis_via_kpis_for_keeps_cohorts_out_of_previous() -> None:
    kpis = kpis_for("saas_quarter", period_start="2026-01-01", period_end="2026-03-31")
    assert "cohorts" not in kpis["previous"] and "segments" not in kpis["previous"]
    # Without gross margin and lifetime, the segments' LTV is null with its reason.
    assert kpis["segments"]["SMB"]["ltv"] is None
    assert any(n["key"] == "segments.ltv" for n in kpis["notes"])
