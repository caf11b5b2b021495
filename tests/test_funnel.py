"""Funnel by group and the ten KPIs against their targets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.periods import Period
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder
from cac_toolkit.figures.funnel import (
    as_period,
    funnel_by,
    funnel_targets,
    gap_to_target,
    ten_kpis_table,
)

STAGES = ("mql_date", "sql_date", "meeting_date", "opportunity_date", "quote_date", "won_date",
          "lost_date")


def lead(lead_id: str, owner: str | None, channel: str, created: str, reached: int,
         won: bool = False, value: float | None = None, quote: bool = True) -> dict:
    """A lead that reached the first ``reached`` stages (mql, sql, meeting, opportunity, quote)."""
    day = pd.Timestamp(created)
    row: dict[str, object] = {"lead_id": lead_id, "created_date": day, "channel": channel,
                              "segment": "SMB", "owner": owner, "opportunity_value": value}
    for i, stage in enumerate(STAGES):
        row[stage] = pd.NaT
        if i < reached and stage not in ("won_date", "lost_date"):
            row[stage] = day + pd.Timedelta(days=2 * (i + 1))
    if not quote:
        row["quote_date"] = pd.NaT
    if won:
        row["won_date"] = day + pd.Timedelta(days=30)
    return row


@pytest.fixture
def leads() -> pd.DataFrame:
    rows = [
        # Ana: 4 qualified, 3 meetings, 2 opportunities (values 1000 and 3000), 1 quote, 1 won
        lead("L1", "Ana", "SEO", "2026-01-05", 5, won=True, value=1000.0),
        lead("L2", "Ana", "SEO", "2026-01-06", 4, value=3000.0),
        lead("L3", "Ana", "Ads", "2026-01-07", 3),
        lead("L4", "Ana", "Ads", "2026-01-08", 1),
        # Ben: 2 qualified, 0 meetings
        lead("L5", "Ben", "Ads", "2026-02-01", 2),
        lead("L6", "Ben", "Ads", "2026-02-02", 1),
        # no owner, created in the period: a meeting without an MQL date
        {**lead("L7", None, "SEO", "2026-03-01", 3), "mql_date": pd.NaT},
        # outside the period: never counted
        lead("L8", "Ben", "SEO", "2025-12-31", 5, won=True, value=9000.0),
    ]
    frame = pd.DataFrame(rows)
    for stage in STAGES:
        frame[stage] = pd.to_datetime(frame[stage])
    frame["owner"] = frame["owner"].astype("string")
    return frame


Q1 = ("2026-01-01", "2026-03-31")


def test_funnel_by_owner_counts_and_rates(leads: pd.DataFrame) -> None:
    table = funnel_by(leads, Q1, "owner")
    assert list(table.index) == ["(none)", "Ana", "Ben", "All"]
    ana = table.loc["Ana"]
    assert (ana["leads"], ana["qualified_leads"], ana["meetings"], ana["opportunities"],
            ana["quotes"], ana["won"]) == (4, 4, 3, 2, 1, 1)
    assert ana["lead_to_meeting"] == pytest.approx(0.75)
    assert ana["meeting_to_opportunity"] == 0.6667  # rounded to 4 decimals, as in the KPI file
    assert ana["quote_conversion"] == pytest.approx(1.0)
    assert ana["opportunity_to_win"] == pytest.approx(0.5)
    assert ana["avg_opportunity_value"] == pytest.approx(2000.0)
    assert ana["sales_cycle_days_mean"] == pytest.approx(30 - 8)
    assert ana["conversion_delay_days_median"] == pytest.approx(30)
    # Literal counting: the owner-less lead has a meeting but is not a qualified lead.
    none = table.loc["(none)"]
    assert (none["qualified_leads"], none["meetings"]) == (0, 1)
    assert math.isnan(none["lead_to_meeting"])
    # Ben never reached a meeting: his meeting->opportunity rate is undefined, with a reason.
    assert math.isnan(table.loc["Ben", "meeting_to_opportunity"])
    keys = {n["key"] for n in table.attrs["notes"]}
    assert "Ben.funnel.meeting_to_opportunity" in keys
    assert "(none).funnel.lead_to_meeting" in keys
    # The "All" row is the whole cohort (L8 is outside the period).
    assert table.loc["All", "leads"] == 7
    assert table.loc["All", "meetings"] == 4
    assert table[["leads", "meetings", "won"]].iloc[:-1].sum().tolist() == [7, 4, 1]


def test_funnel_by_two_columns_and_without_total(leads: pd.DataFrame) -> None:
    table = funnel_by(leads, Period(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-31")),
                      ["owner", "channel"], total=False)
    assert list(table.index) == [("Ana", "Ads"), ("Ana", "SEO")]
    assert table.loc[("Ana", "SEO"), "won"] == 1
    assert table.index.names == ["owner", "channel"]


def test_funnel_by_unknown_column(leads: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="region"):
        funnel_by(leads, Q1, "region")


def test_as_period_accepts_pairs() -> None:
    period = as_period(("2026-01-01", "2026-03-31"))
    assert period.days == 90
    assert as_period(period) is period


def test_funnel_targets_verdicts() -> None:
    funnel = {"meeting_to_opportunity": 0.35, "opportunity_to_win": 0.25,
              "quote_conversion": None}
    table = funnel_targets(funnel)
    assert table["status"].to_dict() == {"meeting_to_opportunity": "bad",
                                         "opportunity_to_win": "good",
                                         "quote_conversion": "unknown"}
    assert table.loc["meeting_to_opportunity", "target_min"] == 0.40
    assert "35.0%" in table.loc["meeting_to_opportunity", "reason"]
    french = funnel_targets(funnel, lang="fr")
    assert french.loc["meeting_to_opportunity", "kpi"] == "Taux de RDV convertis en opportunités"


def test_gap_to_target(leads: pd.DataFrame) -> None:
    table = funnel_by(leads, Q1, "owner")
    gap = gap_to_target(table, "opportunity_to_win")
    assert gap["Ana"] == pytest.approx(0.5 - 0.20)
    with pytest.raises(ValueError, match="no numeric target"):
        gap_to_target(table, "lead_to_meeting")


@pytest.fixture(scope="module")
def sample_kpis() -> tuple[object, dict]:
    data = load_folder(data_path("sample_company"))
    params = AuditParameters(period_start="2025-04-01", period_end="2025-06-30",
                             gross_margin=0.75, lifetime_months=36)
    return data, compute_kpis(data, params)


def test_all_row_matches_the_kpi_file(sample_kpis: tuple[object, dict]) -> None:
    data, kpis = sample_kpis
    for by in ("channel", "owner"):
        table = funnel_by(data.leads, Q1_2025, by)
        funnel = kpis["funnel"]
        for key in ("leads", "qualified_leads", "meetings", "opportunities", "won", "quotes"):
            assert table.loc["All", key] == funnel[key]
            assert table[key].iloc[:-1].sum() == funnel[key]
        for key in ("meeting_to_opportunity", "opportunity_to_win", "quote_conversion"):
            assert round(table.loc["All", key], 4) == funnel[key]
        assert table.loc["All", "avg_opportunity_value"] == funnel["avg_opportunity_value"]


Q1_2025 = ("2025-04-01", "2025-06-30")


def test_ten_kpis_table(sample_kpis: tuple[object, dict]) -> None:
    _, kpis = sample_kpis
    table = ten_kpis_table(kpis)
    assert len(table) == 10
    assert table.loc["cac", "value"] == kpis["cac"]["global"]
    assert table.loc["clv", "value"] == kpis["ltv"]
    assert table.loc["sales_cycle_days", "value"] == kpis["funnel"]["sales_cycle_days"]["mean"]
    assert table.loc["new_revenue", "value"] == kpis["new_revenue"]["first_year"]
    multiple = kpis["ltv"] / kpis["cac"]["global"]
    expected = "good" if multiple >= 3 else ("watch" if multiple >= 2 else "bad")
    assert table.loc["cac", "status"] == expected
    assert table.loc["quote_conversion", "kpi_fr"] == "Taux de transformation des devis"
    assert set(table["status"]) <= {"good", "bad", "watch", "unknown"}


def test_ten_kpis_table_without_leads() -> None:
    kpis = {"funnel": {}, "cac": {"global": 1000.0}, "ltv": 2500.0, "new_revenue": {}}
    table = ten_kpis_table(kpis)
    assert table.loc["cac", "status"] == "watch"  # 2.5x: covered, but below 3x
    assert table.loc["meeting_to_opportunity", "status"] == "unknown"
    assert np.isnan(table.loc["qualified_leads", "value"]) or table.loc[
        "qualified_leads", "value"] is None
