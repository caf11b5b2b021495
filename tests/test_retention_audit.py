"""Measured retention in the audit: LTV basis, both LTVs, the 25 % warning, intervals, reruns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import ParameterError
from cac_toolkit.core.money import round_money
from cac_toolkit.data.loading import load_folder
from cac_toolkit.retention import fit_sbg_lifetimes, lifetimes, mrr_matrix

PERIOD = {"period_start": "2026-01-01", "period_end": "2026-03-31", "gross_margin": 0.8,
          "bootstrap_samples": 200}


def _company(folder: Path, seed: int = 4) -> Path:
    """40 customers won over 2024-2026 (12 in Q1 2026), heterogeneous churn, up to 2026-03."""
    rng = np.random.default_rng(seed)
    folder.mkdir()
    months = pd.period_range("2024-01", "2026-03", freq="M")
    deals, revenue = [], []
    for i in range(40):
        start = 24 + i % 3 if i < 12 else int(rng.integers(0, 24))
        theta = rng.beta(0.7, 4.0)
        mrr = float(rng.choice([99.0, 250.0, 480.0, 1200.0]))
        deals.append((f"d{i}", f"acc{i:02d}", months[start].start_time.date().isoformat(),
                      "SEO" if i % 2 else "Ads", mrr))
        for j in range(start, len(months)):
            if j > start and rng.random() < theta:
                break
            revenue.append((f"acc{i:02d}", months[j].start_time.date().isoformat(), mrr))
    pd.DataFrame(deals, columns=["deal_id", "account_id", "won_date", "channel", "mrr"]).to_csv(
        folder / "deals.csv", index=False)
    pd.DataFrame(revenue, columns=["account_id", "month", "mrr"]).to_csv(
        folder / "revenue.csv", index=False)
    pd.DataFrame({"date": ["2026-01-10", "2026-02-10", "2025-11-10"],
                  "amount": [9000.0, 6000.0, 8000.0], "category": ["marketing", "sales", "sales"]
                  }).to_csv(folder / "spend.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _company(tmp_path_factory.mktemp("retention") / "client")


def _arpa(folder: Path) -> float:
    deals = pd.read_csv(folder / "deals.csv", parse_dates=["won_date"])
    return float(deals.loc[deals["won_date"] >= "2026-01-01", "mrr"].mean())


def _ltv_warnings(kpis: dict) -> list[dict]:
    """The KPI file's warnings about the typed and measured LTVs (other checks add theirs)."""
    return [w for w in kpis["warnings"] if w["code"] == "ltv_parameter_differs"]


def _kpis(folder: Path, **params: object) -> dict:
    return compute_kpis(load_folder(folder), AuditParameters.from_mapping({**PERIOD, **params}))


def test_measured_ltv_without_a_typed_lifetime(company: Path) -> None:
    k = _kpis(company)
    assert k["ltv_basis"] == "measured"
    life = lifetimes(mrr_matrix(load_folder(company).revenue))
    fit = fit_sbg_lifetimes(life["periods"], life["churned"])
    assert k["retention"]["sbg"]["alpha"] == round(fit.alpha, 4)
    assert k["retention"]["sbg"]["beta"] == round(fit.beta, 4)
    assert k["retention"]["lifetime_months"] == round(fit.expected_lifetime(60), 4)
    # LTV is recomputable: ARPA (exact mean MRR) x margin x the lifetime in the file.
    arpa = _arpa(company)
    assert k["ltv"] == round_money(arpa * 0.8 * k["retention"]["lifetime_months"])
    assert all(s["ltv"] is not None for s in k["segments"].values())
    assert k["ltv_measured"] == k["ltv"] and k["ltv_parameter"] is None
    for name in ("ltv", "ltv_cac", "payback_months"):
        assert k["intervals"][name]["low"] < k[name] < k["intervals"][name]["high"], name
    assert _ltv_warnings(k) == []
    # The constant-churn lifetime over the same horizon is shorter (heterogeneous customers).
    assert k["retention"]["constant_churn"]["lifetime_months"] < k["retention"][
        "lifetime_months"]


def test_movements_in_the_kpi_file_reconcile(company: Path) -> None:
    moves = _kpis(company)["retention"]["movements"]
    for before, row in zip([None, *moves], moves, strict=False):
        rebuilt = (round(row["opening"] * 100) + round(row["new"] * 100)
                   + round(row["reactivation"] * 100) + round(row["expansion"] * 100)
                   - round(row["contraction"] * 100) - round(row["churn"] * 100))
        assert rebuilt == round(row["mrr"] * 100)
        if before is not None:
            assert row["opening"] == before["mrr"]


def test_discount_rate_and_horizon_shorten_the_measured_lifetime(company: Path) -> None:
    plain = _kpis(company)["retention"]["lifetime_months"]
    assert _kpis(company, discount_rate=0.12)["retention"]["lifetime_months"] < plain
    assert _kpis(company, ltv_horizon_months=24)["retention"]["lifetime_months"] < plain


def test_typed_lifetime_wins_and_a_wide_gap_is_a_warning(company: Path) -> None:
    measured = _kpis(company)
    k = _kpis(company, lifetime_months=120)
    assert k["ltv_basis"] == "parameter"
    assert k["ltv"] == k["ltv_parameter"] == round_money(_arpa(company) * 0.8 * 120)
    assert k["ltv_measured"] == measured["ltv"]
    (warning,) = _ltv_warnings(k)
    assert set(warning) == {"code", "message"} and "differs by" in warning["message"]
    close = measured["retention"]["lifetime_months"] * 1.1
    assert _ltv_warnings(_kpis(company, lifetime_months=close)) == []


def test_rerun_is_byte_identical(company: Path) -> None:
    assert kpis_to_json(_kpis(company)) == kpis_to_json(_kpis(company))


def test_no_revenue_table_keeps_every_key_null_with_a_note(tmp_path: Path) -> None:
    folder = _company(tmp_path / "client")
    (folder / "revenue.csv").unlink()
    k = _kpis(folder)
    assert k["ltv"] is None and k["ltv_basis"] is None
    for name in ("logo_churn_monthly", "revenue_churn_monthly", "nrr_12m", "grr_12m",
                 "lifetime_months"):
        assert k["retention"][name] is None
    assert k["retention"]["sbg"] == {"alpha": None, "beta": None, "log_likelihood": None,
                                     "customers": None, "churned": None}
    assert k["intervals"]["ltv"] == {"low": None, "high": None}
    keys = {n["key"] for n in k["notes"]}
    assert {"retention", "ltv", "intervals"} <= keys
    typed = _kpis(folder, monthly_churn=0.05)
    assert typed["ltv_basis"] == "parameter" and typed["intervals"]["ltv_cac"]["low"] > 0


def test_nrr_null_when_the_table_is_short(company: Path) -> None:
    k = _kpis(company, period_start="2024-04-01", period_end="2024-06-30")
    assert k["retention"]["nrr_12m"] is None
    assert any(n["key"] == "retention.nrr_12m" for n in k["notes"])


@pytest.mark.parametrize("name, value", [("ltv_horizon_months", 0),
                                         ("ltv_horizon_months", "2.5"),
                                         ("discount_rate", -0.1), ("discount_rate", 1.5),
                                         ("bootstrap_samples", 10)])
def test_retention_parameters_are_checked(name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=name):
        AuditParameters.from_mapping({name: value})


def test_workbook_retention_sheet_and_measured_lifetime(tmp_path: Path) -> None:
    import openpyxl

    from cac_toolkit.core.resources import data_path
    from tests.test_workbook import build, formulas_lookup, name_cells, workbook_kpis

    path, kpis = build(data_path("sample_company"), tmp_path / "w.xlsx", gross_margin=0.75,
                       period_start="2025-01-01", period_end="2025-12-31",
                       bootstrap_samples=0)
    assert kpis["ltv_basis"] == "measured"
    lookup = formulas_lookup(path)
    values = workbook_kpis(path, lookup)
    assert values["ltv"] == kpis["ltv"]  # recalculated from the lifetime the audit used
    wb = openpyxl.load_workbook(path)
    sheet, (cell,) = name_cells(wb, "in_lifetime")
    assert wb[sheet][cell].value == kpis["retention"]["lifetime_months"]
    sheet, (cell,) = name_cells(wb, "check_retention")
    assert sheet == "Retention"
    assert lookup(sheet, cell.replace("$", "")) == 0
    moves = kpis["retention"]["movements"]
    assert wb[sheet].cell(row=5, column=1).value == moves[0]["month"]
    assert wb[sheet].cell(row=4 + len(moves), column=8).value == moves[-1]["mrr"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_shows_basis_intervals_and_the_warning(company: Path, lang: str) -> None:
    import matplotlib.pyplot as plt

    from cac_toolkit.render import plots, report

    k = _kpis(company, lifetime_months=120, lang=lang)
    html = report.retention(k, lang).data
    lines = report.interval_lines(k, lang)
    assert [line.split(" ")[0] for line in lines] == ["LTV", "LTV/CAC", "Payback"]
    low, high = (f"{v:.1f}" for v in (k["intervals"]["ltv_cac"]["low"],
                                      k["intervals"]["ltv_cac"]["high"]))
    if lang == "fr":
        low, high = low.replace(".", ","), high.replace(".", ",")
        assert "intervalle à 90\u202f%" in lines[1] and "durée de vie saisie" in html
        assert "La durée de vie saisie donne une LTV" in html
    else:
        assert "90 % interval" in lines[1] and "typed lifetime (parameter)" in html
        assert "The typed lifetime gives an LTV" in html
    assert f"{low}–{high}" in lines[1]
    for fig in (plots.retention_curve(k["retention"], lang=lang),
                plots.mrr_movements(k["retention"]["movements"], lang=lang)):
        ax = fig.axes[0]
        assert ax.get_title(loc="left") and len(ax.get_lines()) + len(ax.patches) > 0
        plt.close(fig)


def test_report_without_revenue_says_so(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from cac_toolkit.render import plots, report

    folder = _company(tmp_path / "client")
    (folder / "revenue.csv").unlink()
    k = _kpis(folder, monthly_churn=0.05)
    assert "No revenue table" in report.retention(k).data
    fig = plots.retention_curve(k["retention"])
    assert "no revenue table" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
