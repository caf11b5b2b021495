"""Everything the report shows is in the KPI file: history, attribution, signals, sector.

The report, the workbook and the plots read these blocks; the audit's check that the
notebook's kpis.json equals the package's therefore covers every figure shown. The chain of
the audited period is solved once per KPI computation.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cac_toolkit.audit import kpis as kpi_file
from cac_toolkit.audit import readings
from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.periods import Period, history_periods
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder
from cac_toolkit.figures import attribution
from cac_toolkit.figures.counting import acquisitions, acquisitions_in
from cac_toolkit.render import report, workbook

YEAR = {"period_start": "2025-01-01", "period_end": "2025-12-31", "gross_margin": 0.75,
        "lifetime_months": 36}


@pytest.fixture(scope="module")
def sample():
    return load_folder(data_path("sample_company"))


@pytest.fixture(scope="module")
def markov(sample):
    params = AuditParameters.from_mapping({**YEAR, "attribution_model": "markov"})
    return params, compute_kpis(sample, params)


def test_new_blocks_come_last_and_are_json(markov) -> None:
    _, kpis = markov
    assert list(kpis)[-4:] == ["history", "attribution", "signals", "sector"]
    assert json.loads(kpis_to_json(kpis))["signals"] == kpis["signals"]


def test_history_rows_are_the_periods_kpis(sample, markov) -> None:
    params, kpis = markov
    rows = kpis["history"]
    # One comparison period everywhere: each row is the period of equal length before the
    # next, so the row before 2025 is the KPI file's ``previous`` (2024-01-02 to 2024-12-31,
    # 365 days: 2024 is a leap year), each computed by period_kpis; the data start on
    # 2024-01-01, so the earlier periods (one day of data at most) are dropped.
    assert kpi_file.HISTORY_PERIODS == 4
    assert [r["period"]["start"] for r in rows] == ["2024-01-02", "2025-01-01"]
    assert rows[-2]["period"] == kpis["previous"]["period"]
    assert rows[-2]["cac_global"] == kpis["previous"]["cac"]["global"]
    assert rows[-1]["period"] == kpis["period"]
    assert rows[-1]["cac_global"] == kpis["cac"]["global"]
    assert rows[-1]["conversion_delay_days"] == kpis["funnel"]["conversion_delay_days"]["median"]
    earlier, _ = kpi_file.period_kpis(sample, params, Period(pd.Timestamp("2024-01-02"),
                                                             pd.Timestamp("2024-12-31")),
                                      acquisitions(sample.deals))
    assert rows[-2] == {"period": earlier["period"], **kpi_file.history_row(earlier)}
    frame = report.history_frame(kpis, "en")
    assert list(frame.index) == ["2024-01-02 – 2024-12-31", "2025"]
    assert frame.loc["2025", "new_customers"] == kpis["new_customers"]


def test_attribution_block_is_every_model_on_the_period(sample, markov) -> None:
    params, kpis = markov
    period = params.audited_period()
    all_acquired = acquisitions(sample.deals)
    expected = attribution.compare_models(
        acquisitions_in(all_acquired, period), sample.touchpoints,
        acquired_accounts=all_acquired["account_id"], period_end=period.end,
        half_life_days=params.half_life_days, markov_order=params.markov_order)
    table = report.attribution_table(kpis)
    pd.testing.assert_frame_equal(table, expected)
    block = kpis["attribution"]
    assert block["models"] == list(attribution.MODELS)
    for model in attribution.MODELS:
        assert block["total"][model] == pytest.approx(kpis["new_customers"])
    # The channels' customers are the audit model's column of the comparison, exactly.
    for channel, values in kpis["channels"].items():
        assert values["new_customers"] == pytest.approx(block["credits"][channel]["markov"],
                                                        abs=5e-5)


def test_the_chain_of_a_period_is_solved_once(sample, monkeypatch, tmp_path) -> None:
    solved: list[pd.Timestamp] = []

    def recording(function):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            solved.append(kwargs["period_end"])
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(kpi_file, "channel_credits", recording(attribution.channel_credits))
    monkeypatch.setattr(kpi_file, "compare_models", recording(attribution.compare_models))
    params = AuditParameters.from_mapping({**YEAR, "attribution_model": "markov"})
    kpis = compute_kpis(sample, params)
    # One solve per period: the audited year once (KPIs, comparison, history), then at most
    # the previous 365 days and the three earlier calendar years of the history.
    assert solved.count(params.audited_period().end) == 1
    assert 2 <= len(solved) <= 1 + 1 + (kpi_file.HISTORY_PERIODS - 1)
    count = len(solved)
    workbook.write_workbook(tmp_path / "w.xlsx", sample, params, kpis)
    report.attribution_table(kpis)
    report.warning_signals(kpis)
    assert len(solved) == count  # the workbook and the report read the KPI file


def test_signals_block_is_what_the_report_says(markov) -> None:
    _, kpis = markov
    kinds = [s["signal"] for s in kpis["signals"]]
    assert kinds[:2] == ["cac_vs_arpa", "conversion_delay"] and set(kinds[2:]) == {"dependence"}
    first = kpis["signals"][0]
    rows = [r for r in kpis["history"] if r["cac_global"] is not None
            and r["arpa_mrr"] is not None]
    assert first["window"] == {"from": rows[0]["period"], "to": rows[-1]["period"]}
    assert first["cac_change"] == pytest.approx(
        rows[-1]["cac_global"] / rows[0]["cac_global"] - 1, abs=1e-6)
    # The report writes the block; recomputing from the history frame gives the same.
    from_block = report.warning_signals(kpis, lang="en")
    from_frame = report.warning_signals(kpis, report.history_frame(kpis, "en"), lang="en")
    assert [s for s, _ in from_block] == [s["status"] for s in kpis["signals"]]
    assert from_block == from_frame


def test_sector_block(markov) -> None:
    _, kpis = markov
    sector = kpis["sector"]
    assert sector == readings.sector_position(kpis, "saas")
    assert sector["low"] == 800.0 and sector["high"] == 2500.0
    assert sector["position"] in ("below", "within", "above")
    html = report.sector_position(kpis, "saas", "en").data
    assert html == report.sector_position({**kpis, "sector": None}, "saas", "en").data


def test_history_periods_step_back_by_calendar_units() -> None:
    quarter = Period(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-31"))
    assert [p.start.date().isoformat() for p in history_periods(quarter, 3)] == [
        "2025-07-01", "2025-10-01", "2026-01-01"]
    month = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
    assert history_periods(month, 2)[0] == Period(pd.Timestamp("2026-02-01"),
                                                  pd.Timestamp("2026-02-28"))
    with pytest.raises(ValueError, match="at least 1"):
        history_periods(quarter, 0)


def test_the_report_computes_no_figure() -> None:
    # The report module no longer reaches the computations of the KPI file.
    for name in ("period_kpis", "compare_models", "acquisitions", "acquisitions_in",
                 "channel_credits", "last_data_day"):
        assert not hasattr(report, name), name
