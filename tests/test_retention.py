"""Measured retention: MRR movements, churn, NRR/GRR, cohorts, censoring and the sBG model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cac_toolkit.retention import (
    bootstrap_ltv,
    cohorts,
    constant_churn_lifetime,
    expected_lifetime,
    fit_geometric,
    fit_sbg,
    fit_sbg_lifetimes,
    lifetimes,
    monthly_discount,
    mrr_matrix,
    mrr_movements,
    period_months,
    retention_figures,
    sbg_churn_probability,
    sbg_survival,
)

# Fader & Hardie (2007), "How to Project Customer Retention", survivors at the start of years
# 0-7 of the two customer groups; their table gives the fits to these eight counts.
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def _revenue(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "month", "mrr"])
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


# Four months. A: new, expands. B: new, churns, comes back (reactivation). C: new in February
# (no January row), contracts. D: churns in March. E: new in March, two rows in one month.
TABLE = _revenue([
    ("A", "2026-01-01", 100), ("A", "2026-02-10", 100), ("A", "2026-03-01", 150),
    ("A", "2026-04-01", 150),
    ("B", "2026-01-01", 200), ("B", "2026-02-01", 0), ("B", "2026-04-30", 120),
    ("C", "2026-02-01", 80), ("C", "2026-03-01", 60), ("C", "2026-04-01", 60),
    ("D", "2026-01-01", 50), ("D", "2026-02-01", 50),
    ("E", "2026-03-01", 10.25), ("E", "2026-03-15", 20.50), ("E", "2026-04-01", 30.75),
])


def test_matrix_sums_rows_and_fills_missing_months_with_zero() -> None:
    m = mrr_matrix(TABLE)
    assert list(m.accounts) == ["A", "B", "C", "D", "E"]
    assert [str(p) for p in m.months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert m.cents.tolist() == [
        [10000, 10000, 15000, 15000],
        [20000, 0, 0, 12000],
        [0, 8000, 6000, 6000],
        [5000, 5000, 0, 0],
        [0, 0, 3075, 3075],
    ]


def test_movements_hand_computed() -> None:
    moves = mrr_movements(mrr_matrix(TABLE))
    cols = ["opening", "new", "reactivation", "expansion", "contraction", "churn", "mrr"]
    assert moves[cols].to_numpy().tolist() == [
        [0, 35000, 0, 0, 0, 0, 35000],
        [35000, 8000, 0, 0, 0, 20000, 23000],
        [23000, 3075, 0, 5000, 2000, 5000, 24075],
        [24075, 0, 12000, 0, 0, 0, 36075],
    ]
    assert moves["active_before"].tolist() == [0, 3, 3, 3]
    assert moves["churned"].tolist() == [0, 1, 1, 0]


def _identity_holds(moves: pd.DataFrame) -> bool:
    rebuilt = (moves["opening"] + moves["new"] + moves["reactivation"] + moves["expansion"]
               - moves["contraction"] - moves["churn"])
    return bool((rebuilt == moves["mrr"]).all()
                and (moves["opening"].iloc[1:].to_numpy() == moves["mrr"].iloc[:-1].to_numpy())
                .all())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 14),
                          st.one_of(st.just(0.0), st.floats(0, 5_000, allow_nan=False))),
                min_size=1, max_size=60))
def test_movement_identity_to_the_cent(rows: list[tuple[int, int, float]]) -> None:
    frame = pd.DataFrame({
        "account_id": [f"acc{a}" for a, _, _ in rows],
        "month": [pd.Timestamp("2025-01-01") + pd.DateOffset(months=k) for _, k, _ in rows],
        "mrr": [v for _, _, v in rows],
    })
    matrix = mrr_matrix(frame)
    moves = mrr_movements(matrix)
    assert _identity_holds(moves)
    assert moves["mrr"].tolist() == matrix.cents.sum(axis=0).tolist()
    # Every account's first MRR is counted once as new, in the whole table.
    assert int(moves["new"].sum()) == int(sum(
        row[row > 0][0] for row in matrix.cents if (row > 0).any()))


def test_period_months_are_whole_calendar_months() -> None:
    months = period_months(pd.Timestamp("2026-01-15"), pd.Timestamp("2026-04-30"))
    assert [str(m) for m in months] == ["2026-02", "2026-03", "2026-04"]
    assert period_months(pd.Timestamp("2026-01-02"), pd.Timestamp("2026-01-31")) == []


def test_churn_hand_computed() -> None:
    fig = retention_figures(mrr_matrix(TABLE), pd.Timestamp("2026-01-15"),
                            pd.Timestamp("2026-04-30"))
    # Feb: B churned of A, B, D; Mar: D of A, C, D; Apr: none of A, C, E.
    assert fig.logo_churn_monthly == pytest.approx(2 / 9)
    # (200 churn) + (50 churn + 20 contraction) over 350 + 230 + 240.75 of opening MRR.
    assert fig.revenue_churn_monthly == pytest.approx(270 / 820.75)
    assert fig.nrr_12m is None and "2025-04" in fig.reason("nrr_12m")


def test_churn_leaves_out_the_month_without_a_month_before() -> None:
    fig = retention_figures(mrr_matrix(TABLE), pd.Timestamp("2026-01-01"),
                            pd.Timestamp("2026-02-28"))
    assert fig.logo_churn_monthly == pytest.approx(1 / 3)
    assert "2026-01" in fig.reason("churn_months")


def test_no_whole_month_gives_nulls_with_a_reason() -> None:
    fig = retention_figures(mrr_matrix(TABLE), pd.Timestamp("2026-02-02"),
                            pd.Timestamp("2026-02-27"))
    assert fig.logo_churn_monthly is None and fig.revenue_churn_monthly is None
    assert fig.reason("logo_churn_monthly") == "the period contains no whole calendar month"


def test_nrr_and_grr_hand_computed() -> None:
    table = _revenue([
        ("X", "2025-03-01", 100), ("X", "2026-03-01", 130),          # expanded
        ("Y", "2025-03-01", 200), ("Y", "2025-06-01", 200),          # churned
        ("Z", "2025-03-01", 50), ("Z", "2026-03-01", 80),            # churned and back
        ("V", "2025-03-01", 100), ("V", "2026-03-01", 60),           # contracted
        ("W", "2025-09-01", 500), ("W", "2026-03-01", 500),          # new after the base
    ])
    fig = retention_figures(mrr_matrix(table), pd.Timestamp("2026-01-01"),
                            pd.Timestamp("2026-03-31"))
    assert fig.nrr_12m == pytest.approx((130 + 0 + 80 + 60) / 450)
    assert fig.grr_12m == pytest.approx((100 + 0 + 50 + 60) / 450)
    assert fig.grr_12m <= 1 and fig.grr_12m <= fig.nrr_12m


def test_cohorts_share_active() -> None:
    table = cohorts(mrr_matrix(TABLE))
    assert table["size"].tolist() == [3, 1, 1]
    jan = table.loc[pd.Period("2026-01", "M")]
    assert [jan[k] for k in range(4)] == pytest.approx([1, 2 / 3, 1 / 3, 2 / 3])
    feb = table.loc[pd.Period("2026-02", "M")]
    assert [feb[k] for k in range(3)] == [1, 1, 1] and math.isnan(feb[3])


def test_lifetimes_censoring_and_reactivation() -> None:
    life = lifetimes(mrr_matrix(TABLE))
    assert life["periods"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 2, "E": 1}
    assert life["churned"].to_dict() == {"A": False, "B": True, "C": False, "D": True,
                                         "E": False}
    # B came back in April: its lifetime still ends at its first churn.
    assert life["months_paid"].to_dict() == {"A": 4, "B": 1, "C": 3, "D": 2, "E": 2}


@pytest.mark.parametrize("survivors, alpha, beta, log_likelihood", [
    (HIGH_END, 0.668, 3.806, -1611.2),
    (REGULAR, 0.704, 1.182, -1680.3),
])
def test_published_sbg_fits(survivors: list[int], alpha: float, beta: float,
                            log_likelihood: float) -> None:
    fit = fit_sbg(survivors)
    assert round(fit.alpha, 3) == alpha
    assert round(fit.beta, 3) == beta
    assert round(fit.log_likelihood, 1) == log_likelihood
    assert fit.customers == 1000 and fit.churned == 1000 - survivors[-1]


def test_log_likelihood_is_the_sum_of_its_terms() -> None:
    fit = fit_sbg(REGULAR)
    s = np.asarray(REGULAR, dtype=float)
    t = np.arange(1, len(s))
    expected = (float(((s[:-1] - s[1:]) * np.log(sbg_churn_probability(fit.alpha, fit.beta, t)))
                      .sum()) + s[-1] * float(np.log(sbg_survival(fit.alpha, fit.beta, 7))))
    assert fit.log_likelihood == pytest.approx(expected, abs=1e-9)
    # It is the maximum: moving either parameter lowers it.
    for da, db in ((0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)):
        a, b = fit.alpha + da, fit.beta + db
        ll = (float(((s[:-1] - s[1:]) * np.log(sbg_churn_probability(a, b, t))).sum())
              + s[-1] * float(np.log(sbg_survival(a, b, 7))))
        assert ll < fit.log_likelihood


def test_censored_multi_cohort_fit_equals_the_survivor_fit() -> None:
    s = np.asarray(REGULAR)
    periods = np.concatenate([np.repeat(np.arange(1, 8), s[:-1] - s[1:]), np.full(s[-1], 7)])
    churned = np.concatenate([np.ones(1000 - s[-1], bool), np.zeros(s[-1], bool)])
    one = fit_sbg(REGULAR)
    many = fit_sbg_lifetimes(periods, churned)
    assert many.alpha == pytest.approx(one.alpha, rel=1e-6)
    assert many.beta == pytest.approx(one.beta, rel=1e-6)
    # A second cohort observed for 3 years only enters censored at 3, not at 7.
    s2 = np.asarray(HIGH_END[:4])
    periods2 = np.concatenate([np.repeat(np.arange(1, 4), s2[:-1] - s2[1:]), np.full(s2[-1], 3)])
    churned2 = np.concatenate([np.ones(1000 - s2[-1], bool), np.zeros(s2[-1], bool)])
    both = fit_sbg_lifetimes(np.concatenate([periods, periods2]),
                             np.concatenate([churned, churned2]))
    assert both.customers == 2000
    assert both.alpha != pytest.approx(one.alpha, rel=1e-3)


def test_fit_is_deterministic() -> None:
    assert fit_sbg(HIGH_END) == fit_sbg(HIGH_END)


def test_fit_refuses_data_without_churn() -> None:
    with pytest.raises(ValueError, match="churned"):
        fit_sbg([100, 100, 100])
    with pytest.raises(ValueError, match="non-increasing"):
        fit_sbg([100, 120])


def test_survival_and_expected_lifetime() -> None:
    assert float(sbg_survival(0.7, 1.2, 0)) == 1.0
    assert float(sbg_survival(0.7, 1.2, 1)) == pytest.approx(1.2 / 1.9)
    horizon = expected_lifetime(0.7, 1.2, 3)
    assert horizon == pytest.approx(1 + 1.2 / 1.9 + 1.2 / 1.9 * 2.2 / 2.9)
    assert expected_lifetime(0.7, 1.2, 60, discount_rate=0.10) < expected_lifetime(0.7, 1.2, 60)
    assert monthly_discount(0.10) == pytest.approx(1.1 ** (1 / 12) - 1)
    assert (1 + monthly_discount(0.10)) ** 12 == pytest.approx(1.10)
    # A constant 2 % monthly churn tends to 1 / 2 % = 50 months.
    assert constant_churn_lifetime(0.02, 5_000) == pytest.approx(50)
    # Nearly homogeneous customers (alpha, beta large, same mean): the sBG is the geometric.
    assert expected_lifetime(2_000, 98_000, 600) == pytest.approx(
        constant_churn_lifetime(0.02, 600), rel=1e-3)


def test_constant_churn_understates_heterogeneous_lifetime() -> None:
    s = np.asarray(REGULAR)
    periods = np.concatenate([np.repeat(np.arange(1, 8), s[:-1] - s[1:]), np.full(s[-1], 7)])
    churned = np.concatenate([np.ones(1000 - s[-1], bool), np.zeros(s[-1], bool)])
    churn = fit_geometric(periods, churned)
    fit = fit_sbg(REGULAR)
    assert expected_lifetime(fit.alpha, fit.beta, 20) > 1.25 * constant_churn_lifetime(churn, 20)


def _regular_lifetimes() -> pd.DataFrame:
    s = np.asarray(REGULAR)
    periods = np.concatenate([np.repeat(np.arange(1, 8), s[:-1] - s[1:]), np.full(s[-1], 7)])
    churned = np.concatenate([np.ones(1000 - s[-1], bool), np.zeros(s[-1], bool)])
    return pd.DataFrame({"periods": periods, "churned": churned})


def test_bootstrap_is_seeded_and_brackets_the_point_estimate() -> None:
    arpa = np.array([100.0, 200.0, 80.0, 50.0, 30.75, 120.0] * 10)
    life = _regular_lifetimes()
    one = bootstrap_ltv(arpa, 30_000, 0.8, lifetimes_frame=life, horizon_months=60,
                        samples=300, seed=7)
    two = bootstrap_ltv(arpa, 30_000, 0.8, lifetimes_frame=life, horizon_months=60,
                        samples=300, seed=7)
    assert one == two and one.valid == 300
    fit = fit_sbg(REGULAR)
    point_ltv = arpa.mean() * 0.8 * fit.expected_lifetime(60)
    assert one.ltv.low < point_ltv < one.ltv.high
    assert one.ltv_cac.low < point_ltv / (30_000 / 60) < one.ltv_cac.high
    fixed = bootstrap_ltv(arpa, 30_000, 0.8, lifetime_months=24, samples=500, seed=1)
    assert fixed.ltv.low < arpa.mean() * 0.8 * 24 < fixed.ltv.high
    point_payback = (30_000 / arpa.size) / (arpa.mean() * 0.8)
    assert fixed.payback_months.low < point_payback < fixed.payback_months.high
    # A tiny table: replicates that Newton cannot settle are refitted one by one.
    tiny = bootstrap_ltv(arpa, 30_000, 0.8, lifetimes_frame=lifetimes(mrr_matrix(TABLE)),
                         samples=20, seed=2)
    assert tiny.ltv.low is not None and tiny.ltv.low <= tiny.ltv.high


def test_bootstrap_weights_drawn_by_blocks_are_the_whole_matrix_to_the_bit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawn a few rows at a time (a large audit's weights would not fit in memory), the
    replicates are those of the whole matrix drawn at once, and so is the interval."""
    from cac_toolkit.figures import retention

    arpa = np.random.default_rng(5).gamma(2.0, 300.0, 300).round(2)
    arpa[::7] = np.nan  # customers without MRR count for CAC, not for ARPA
    has = np.isfinite(arpa)
    whole = np.random.default_rng(11).poisson(1.0, size=(101, arpa.size))
    monkeypatch.setattr(retention, "_WEIGHTS_BLOCK", 1000)  # blocks of 3 rows, one of 2
    counts, weights, weighted = retention._poisson_sums(np.random.default_rng(11), 101, arpa)
    assert counts.tobytes() == whole.sum(axis=1).astype("float64").tobytes()
    assert weights.tobytes() == whole[:, has].sum(axis=1).astype("float64").tobytes()
    # Each replicate's sum is its own row's pairwise sum (no BLAS product, whose last bits
    # depend on the number of threads): row by row gives the same bits.
    rows = np.array([(whole[i, has] * arpa[has]).sum() for i in range(101)])
    assert weighted.tobytes() == rows.tobytes()
    blocks = bootstrap_ltv(arpa, 30_000, 0.8, lifetime_months=24, samples=101, seed=11)
    monkeypatch.setattr(retention, "_WEIGHTS_BLOCK", 1 << 30)  # one block: the whole matrix
    assert blocks == bootstrap_ltv(arpa, 30_000, 0.8, lifetime_months=24, samples=101, seed=11)


def test_bootstrap_newton_agrees_with_the_scalar_fit() -> None:
    from cac_toolkit.figures.retention import _cells, _fit_cells, _newton_many

    s = np.asarray(REGULAR)
    periods = np.concatenate([np.repeat(np.arange(1, 8), s[:-1] - s[1:]), np.full(s[-1], 7)])
    churned = np.concatenate([np.ones(1000 - s[-1], bool), np.zeros(s[-1], bool)])
    died, alive = _cells(periods, churned)
    cells = np.concatenate([died, alive])
    draws = np.random.default_rng(3).multinomial(1000, cells / 1000, size=8).astype(float)
    x, ok = _newton_many(draws[:, :died.size], draws[:, died.size:], np.log([0.7, 1.2]))
    assert ok.all()
    for i in range(8):
        one = _fit_cells(draws[i, :died.size], draws[i, died.size:])
        assert np.exp(x[i]) == pytest.approx([one.alpha, one.beta], rel=1e-5)


# --------------------------------------------------------------------------- the revenue table
def _folder(tmp_path, revenue_text: str, name: str = "revenue.csv"):
    from pathlib import Path

    folder = Path(tmp_path) / "client"
    folder.mkdir()
    (folder / "spend.csv").write_text("date,amount,category\n2026-01-05,1000,marketing\n",
                                      encoding="utf-8")
    (folder / "deals.csv").write_text("deal_id,account_id,won_date,channel,mrr\n"
                                      "d1,A,2026-01-05,SEO,100\n", encoding="utf-8")
    (folder / name).write_text(revenue_text, encoding="utf-8")
    return folder


def test_revenue_table_is_read_as_calendar_months(tmp_path) -> None:
    from cac_toolkit.data.loading import load_folder

    folder = _folder(tmp_path, "Account_ID;Month;MRR\nA;15/01/2026;1 000,50\nA;31/01/2026;"
                               "99,50\nB;2026-03-01;200\n")
    data = load_folder(folder)
    assert data.revenue["month"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-01", "2026-01-01", "2026-03-01"]
    assert data.revenue["mrr"].tolist() == [1000.5, 99.5, 200.0]
    matrix = mrr_matrix(data.revenue)
    assert matrix.cents.tolist() == [[110000, 0, 0], [0, 0, 20000]]
    assert "revenue" in data.inputs()


@pytest.mark.parametrize("text, message", [
    ("account_id,month,mrr\nA,2026-01-01,-5\n",
     "revenue.csv, column 'mrr', row 2: expected a number >= 0"),
    ("account_id,month,mrr\nA,janvier,5\n",
     "revenue.csv, column 'month', row 2: expected a date"),
    ("account_id,month\nA,2026-01-01\n",
     "revenue.csv, column 'mrr', row 1: missing column"),
])
def test_revenue_table_errors_are_one_line(tmp_path, text: str, message: str) -> None:
    from cac_toolkit.core.errors import InputError
    from cac_toolkit.data.loading import load_folder

    with pytest.raises(InputError) as caught:
        load_folder(_folder(tmp_path, text))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_folder_without_revenue_has_none(tmp_path) -> None:
    from cac_toolkit.data.loading import load_folder

    folder = _folder(tmp_path, "", name="notes.txt")
    assert load_folder(folder).revenue is None
