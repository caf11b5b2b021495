"""Calendar periods (``-p period 2026-Q1``) and what ``previous`` is compared with."""

from __future__ import annotations

import pandas as pd
import pytest

from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import ParameterError
from cac_toolkit.core.periods import (
    Period,
    calendar_kind,
    calendar_period,
    comparison_period,
    previous_calendar,
    year_ago,
)


@pytest.mark.parametrize(("label", "start", "end"), [
    ("2026-Q1", "2026-01-01", "2026-03-31"), ("2026-q4", "2026-10-01", "2026-12-31"),
    ("2026-03", "2026-03-01", "2026-03-31"), ("2028-2", "2028-02-01", "2028-02-29"),
    ("2026-H1", "2026-01-01", "2026-06-30"), ("2026-H2", "2026-07-01", "2026-12-31"),
    ("2026", "2026-01-01", "2026-12-31"),
])
def test_calendar_labels(label: str, start: str, end: str) -> None:
    assert calendar_period(label).as_dict() == {"start": start, "end": end}


@pytest.mark.parametrize("label", ["2026-Q5", "2026-13", "2026-H3", "26-Q1", "Q1 2026", ""])
def test_what_is_not_a_calendar_label(label: str) -> None:
    with pytest.raises(ValueError):
        calendar_period(label)


def test_previous_calendar_and_year_ago() -> None:
    q1 = calendar_period("2026-Q1")
    assert previous_calendar(q1).as_dict() == {"start": "2025-10-01", "end": "2025-12-31"}
    assert q1.previous().as_dict() == {"start": "2025-10-03", "end": "2025-12-31"}  # 90 days
    assert year_ago(q1).as_dict() == {"start": "2025-01-01", "end": "2025-03-31"}
    assert previous_calendar(calendar_period("2026-03")).as_dict() == {
        "start": "2026-02-01", "end": "2026-02-28"}
    assert previous_calendar(calendar_period("2026-H1")).as_dict() == {
        "start": "2025-07-01", "end": "2025-12-31"}
    assert previous_calendar(calendar_period("2026")).as_dict() == {
        "start": "2025-01-01", "end": "2025-12-31"}
    assert year_ago(calendar_period("2028-02")).as_dict() == {"start": "2027-02-01",
                                                                "end": "2027-02-28"}
    assert calendar_kind(Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-03-31"))) is None
    with pytest.raises(ValueError):
        comparison_period(Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-02-11")),
                          "previous_calendar")


def test_period_parameter_sets_the_dates_and_is_checked() -> None:
    params = AuditParameters.from_mapping({"period": "2026-q1", "compare_to": "year_ago"})
    assert (params.period_start, params.period_end, params.period) == (
        "2026-01-01", "2026-03-31", "2026-Q1")
    # The same dates given twice are accepted (papermill passes every parameter back).
    again = AuditParameters.from_mapping(params.as_dict())
    assert again == params
    with pytest.raises(ParameterError) as info:
        AuditParameters.from_mapping({"period": "2026-Q1", "period_start": "2026-02-01",
                                      "period_end": "2026-03-31"})
    assert str(info.value) == ("parameter period_start: expected either period (2026-Q1: "
                               "2026-01-01 to 2026-03-31) or period_start and period_end, got "
                               "'2026-02-01'")
    with pytest.raises(ParameterError) as info:
        AuditParameters.from_mapping({"period": "Q1"})
    assert str(info.value) == ("parameter period: expected a calendar period such as 2026-Q1, "
                               "2026-03, 2026-H1 or 2026, got 'Q1'")
    with pytest.raises(ParameterError):
        AuditParameters.from_mapping({"compare_to": "last_year"})
    odd = AuditParameters.from_mapping({"period_start": "2026-01-05", "period_end": "2026-02-11",
                                        "compare_to": "previous_calendar"})
    with pytest.raises(ParameterError) as info:
        odd.comparison(odd.audited_period())
    assert "previous or year_ago for a period that is not a calendar" in str(info.value)


def test_kpis_state_the_comparison_dates_used() -> None:
    from pathlib import Path

    from cac_toolkit.audit.kpis import compute_kpis
    from cac_toolkit.data.loading import load_folder

    folder = Path(__file__).resolve().parent / "raw_exports" / "contract"
    data = load_folder(folder)
    base = {"period": "2026-Q1", "gross_margin": "0.8", "lifetime_months": "24"}
    calendar = compute_kpis(data, AuditParameters.from_mapping(
        base | {"compare_to": "previous_calendar"}))
    assert calendar["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    assert calendar["previous"]["period"] == {"start": "2025-10-01", "end": "2025-12-31"}
    assert calendar["previous"]["new_customers"] == 2
    # Spend from 2025-10-01 on: 40,470.75 in Q4 2025 (the equal-length period from 2025-10-03
    # misses two days of it, none of which holds a line).
    assert calendar["previous"]["spend"]["total"] == 40470.75
    assert calendar["previous"]["cac"]["global"] == 20235.38
    ago = compute_kpis(data, AuditParameters.from_mapping(base | {"compare_to": "year_ago"}))
    assert ago["previous"]["period"] == {"start": "2025-01-01", "end": "2025-03-31"}
    assert ago["previous"]["new_customers"] == 0 and ago["previous"]["cac"]["global"] is None
    assert calendar["cac"] == ago["cac"]


def test_period_from_the_command_line() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "raw_exports" / "client"
    result = subprocess.run([sys.executable, "-m", "cac_toolkit.cli", "kpis", str(folder),
                             "-p", "period", "2026-Q1", "-p", "compare_to", "previous_calendar"],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    kpis = json.loads(result.stdout)
    assert kpis["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    assert kpis["previous"]["period"] == {"start": "2025-10-01", "end": "2025-12-31"}
    assert kpis["parameters"]["period"] == "2026-Q1"
    assert kpis["parameters"]["compare_to"] == "previous_calendar"
    bad = subprocess.run([sys.executable, "-m", "cac_toolkit.cli", "kpis", str(folder),
                          "-p", "period", "2026-Q5"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr == ("cac-toolkit: error: parameter period: expected a calendar period "
                          "such as 2026-Q1, 2026-03, 2026-H1 or 2026, got '2026-Q5'\n")
