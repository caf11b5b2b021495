"""Measured retention from a revenue table: MRR movements, churn, NRR/GRR, cohorts, the sBG model.

The input is a parsed ``revenue`` frame (``account_id``, ``month``, ``mrr``). Money is held in
integer cents from the start, so that the monthly MRR movements add back to the MRR to the
cent. Months are calendar months (``pandas.Period`` of frequency ``M``); a month with no row
for an account is 0 MRR for it.

The retention model is the shifted-beta-geometric (sBG) of Fader and Hardie (2007, "How to
Project Customer Retention"): each customer churns at each renewal with its own probability
``theta``, and ``theta`` is Beta(alpha, beta) distributed across customers, so that

- ``P(T = 1) = alpha / (alpha + beta)``,
  ``P(T = t) = (beta + t - 2) / (alpha + beta + t - 1) x P(T = t - 1)``,
- ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``,

where ``T`` is the period (month) in which a customer churns (``T = 3``: it paid months 0, 1
and 2 and was gone in month 3). The fit is maximum likelihood on ``log alpha`` and
``log beta`` from several fixed starts (deterministic: no random start).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, polygamma

from cac_toolkit.core.notes import NOTE_TEXTS, note_values
from cac_toolkit.figures import formulas
from cac_toolkit.figures.formulas import (
    gross_revenue_retention,
    logo_churn,
    ltv_cac_ratio,
    ltv_from_arpa,
    net_revenue_retention,
    payback_months,
    revenue_churn,
)

MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")
_LOG_BOUND = 12.0  # |log alpha|, |log beta| at most 12: e^12 ~ 163,000, a geometric limit
_STARTS = ((0.0, 0.0), (np.log(0.5), np.log(2.0)), (np.log(2.0), np.log(0.5)),
           (np.log(0.5), np.log(5.0)), (np.log(3.0), np.log(10.0)), (np.log(0.2), np.log(0.5)))


# --------------------------------------------------------------------------- MRR matrix
@dataclass(frozen=True)
class MrrMatrix:
    """MRR per account and calendar month, in integer cents.

    ``cents[i, j]`` is account ``accounts[i]``'s MRR in month ``months[j]``; months run without
    a gap from the table's first month to its last; accounts are sorted as text.
    """

    accounts: pd.Index
    months: pd.PeriodIndex
    cents: np.ndarray

    @property
    def first_month(self) -> pd.Period:
        return self.months[0]

    @property
    def last_month(self) -> pd.Period:
        return self.months[-1]

    def month_index(self, month: pd.Period) -> int | None:
        """Column of ``month``, or ``None`` when the table does not cover it."""
        offset = (month - self.first_month).n
        return offset if 0 <= offset < len(self.months) else None


def _to_cents(values: pd.Series) -> np.ndarray:
    """Amounts (currency) to integer cents, half away from zero."""
    v = values.astype("float64").to_numpy()
    return (np.sign(v) * np.floor(np.abs(v) * 100 + 0.5 + 1e-9)).astype("int64")


def mrr_matrix(revenue: pd.DataFrame) -> MrrMatrix:
    """The MRR matrix of a revenue frame (``account_id``, ``month``, ``mrr`` >= 0).

    ``month`` may be dates (read as their calendar month) or monthly periods. Each row is
    rounded to the cent, then the rows of the same account and month are added up; a month
    with no row is 0 for that account. Raises ``ValueError`` on an empty frame.
    """
    if revenue.empty:
        raise ValueError("the revenue table has no row")
    month = revenue["month"]
    if isinstance(month.dtype, pd.PeriodDtype):
        month = month.dt.to_timestamp()
    month = pd.to_datetime(month)
    index = month.dt.year.to_numpy().astype("int64") * 12 + month.dt.month.to_numpy() - 1
    del month  # each row's array is let go once used: ten million rows at 1000x the sample
    low = int(index.min())
    cols = index - low
    del index
    n_months = int(cols.max()) + 1
    months = pd.period_range(pd.Period(year=low // 12, month=low % 12 + 1, freq="M"),
                             periods=n_months, freq="M")
    # Cents are whole numbers well below 2**53: summing them as floats is exact.
    rows, labels = pd.factorize(revenue["account_id"].astype(str), sort=True)
    accounts = pd.Index(labels, name="account_id")
    cells = rows * n_months + cols
    del rows, cols
    flat = np.bincount(cells, weights=_to_cents(revenue["mrr"]),
                       minlength=len(accounts) * n_months)
    del cells
    cents = np.rint(flat, out=flat).astype("int64").reshape(len(accounts), n_months)
    return MrrMatrix(accounts, months, cents)


def _first_active(cents: np.ndarray) -> np.ndarray:
    """Column of each account's first month with MRR > 0 (-1 when it never has any)."""
    active = cents > 0
    first = active.argmax(axis=1)
    first[~active.any(axis=1)] = -1
    return first


def mrr_movements(matrix: MrrMatrix) -> pd.DataFrame:
    """MRR movements of each month, in integer cents, one row per month of the table.

    With ``p = MRR(a, m-1)`` and ``c = MRR(a, m)`` (``p = 0`` before the table's first month):
    *new* = ``c`` in the account's first month with MRR > 0 in the whole table;
    *reactivation* = ``c`` when ``p = 0 < c`` otherwise; *expansion* = ``c - p`` and
    *contraction* = ``p - c`` when both are > 0; *churn* = ``p`` when ``p > 0 = c``.
    Columns ``opening`` (MRR(m-1)), the five movements, ``mrr`` (MRR(m)), and the counts
    ``active_before`` and ``churned`` of accounts. The identity
    ``mrr = opening + new + reactivation + expansion - contraction - churn`` holds exactly.
    """
    cur = matrix.cents
    first = _first_active(cur)
    # Month by month: the same integer sums as over the whole matrix at once, without its
    # copies (each the size of the matrix: 170 MB at 1000x the sample company).
    names = ("opening", "new", "reactivation", "expansion", "contraction", "churn", "mrr",
             "active_before", "churned")
    columns: dict[str, list[int]] = {name: [] for name in names}
    zero = np.zeros(cur.shape[0], dtype=cur.dtype)
    for j in range(cur.shape[1]):
        c = cur[:, j]
        p = cur[:, j - 1] if j else zero
        is_first = first == j
        both = (p > 0) & (c > 0)
        gone = (p > 0) & (c == 0)
        diff = c - p
        values = (p.sum(), c[is_first].sum(), c[(p == 0) & (c > 0) & ~is_first].sum(),
                  diff[both & (diff > 0)].sum(), (-diff[both & (diff < 0)]).sum(),
                  p[gone].sum(), c.sum(), (p > 0).sum(), gone.sum())
        for name, value in zip(names, values, strict=True):
            columns[name].append(int(value))
    out = pd.DataFrame({
        name: np.array(values, dtype="int64") for name, values in columns.items()
    }, index=pd.Index(matrix.months, name="month")).astype("int64")
    return out


# --------------------------------------------------------------------------- period figures
def period_months(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Period]:
    """The calendar months lying entirely inside the inclusive day range ``[start, end]``."""
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return [m for m in pd.period_range(start, end, freq="M")
            if m.start_time >= start and m.end_time.normalize() <= end]


@dataclass
class RetentionFigures:
    """Churn, NRR and GRR over a period, ``None`` where undefined, with the reason in ``notes``.

    ``notes`` maps a figure's name to the note that says why it is missing or what it leaves
    out: an id of :data:`cac_toolkit.core.notes.NOTE_TEXTS` and its parameters.
    """

    months: list[pd.Period]
    logo_churn_monthly: float | None = None
    revenue_churn_monthly: float | None = None
    nrr_12m: float | None = None
    grr_12m: float | None = None
    notes: dict[str, tuple[str, dict[str, object]]] = field(default_factory=dict)

    def reason(self, name: str) -> str:
        """The English sentence of the note on ``name`` (as ``kpis.json`` writes it)."""
        note_id, params = self.notes[name]
        return NOTE_TEXTS[note_id].format(**note_values(params))


def retention_figures(matrix: MrrMatrix, start: pd.Timestamp, end: pd.Timestamp
                      ) -> RetentionFigures:
    """Logo and revenue churn, NRR and GRR over the period's whole calendar months.

    Over the months ``m`` of :func:`period_months` that the table covers together with
    ``m - 1``:

    - ``logo_churn_monthly = sum churned(m) / sum accounts with MRR > 0 in m - 1``;
    - ``revenue_churn_monthly = sum (churn(m) + contraction(m)) / sum MRR(m - 1)``.

    With ``L`` the period's last whole month and ``A`` the accounts with MRR > 0 in ``L - 12``:
    ``nrr_12m = sum_A MRR(a, L) / sum_A MRR(a, L - 12)`` and ``grr_12m`` the same with each
    ``MRR(a, L)`` capped at ``MRR(a, L - 12)``. Ratios are plain fractions (0.02 = 2 %).
    """
    months = period_months(start, end)
    fig = RetentionFigures(months=months)
    if not months:
        for name in ("logo_churn_monthly", "revenue_churn_monthly", "nrr_12m", "grr_12m"):
            fig.notes[name] = ("not_measured.no_month", {})
        return fig
    moves = mrr_movements(matrix)
    covered = [m for m in months
               if matrix.month_index(m) is not None and matrix.month_index(m) > 0]
    left_out = [m for m in months if m not in covered]
    if not covered:
        reason = ("not_measured.not_covered",
                  {"first": str(matrix.first_month), "last": str(matrix.last_month)})
        fig.notes["logo_churn_monthly"] = reason
        fig.notes["revenue_churn_monthly"] = reason
    else:
        rows = moves.loc[covered]
        if left_out:
            fig.notes["churn_months"] = ("partial", {"covered": len(covered),
                                                     "months": len(months),
                                                     "left_out": [str(m) for m in left_out]})
        before = int(rows["active_before"].sum())
        opening = int(rows["opening"].sum())
        if before == 0:
            fig.notes["logo_churn_monthly"] = ("not_measured.no_account_before", {})
        else:
            fig.logo_churn_monthly = logo_churn(int(rows["churned"].sum()), before)
        if opening == 0:
            fig.notes["revenue_churn_monthly"] = ("not_measured.no_mrr_before", {})
        else:
            lost = int(rows["churn"].sum()) + int(rows["contraction"].sum())
            fig.revenue_churn_monthly = revenue_churn(lost, opening)
    last = months[-1]
    j_last, j_base = matrix.month_index(last), matrix.month_index(last - 12)
    if j_last is None or j_base is None:
        reason = ("not_measured.no_base", {"first": str(matrix.first_month),
                                           "last": str(matrix.last_month),
                                           "base": str(last - 12), "month": str(last)})
        fig.notes["nrr_12m"] = reason
        fig.notes["grr_12m"] = reason
        return fig
    base = matrix.cents[:, j_base]
    now = matrix.cents[:, j_last]
    cohort = base > 0
    base_total = int(base[cohort].sum())
    if base_total == 0:
        reason = ("not_measured.no_base_mrr", {"base": str(last - 12)})
        fig.notes["nrr_12m"] = reason
        fig.notes["grr_12m"] = reason
        return fig
    fig.nrr_12m = net_revenue_retention(int(now[cohort].sum()), base_total)
    fig.grr_12m = gross_revenue_retention(
        int(np.minimum(now[cohort], base[cohort]).sum()), base_total)
    return fig


# --------------------------------------------------------------------------- cohorts, lifetimes
def cohorts(matrix: MrrMatrix) -> pd.DataFrame:
    """Accounts by the month of their first MRR: size and share active ``k`` months later.

    One row per cohort month (``cohort``), column ``size`` and columns ``0, 1, ...`` holding
    the share of the cohort with MRR > 0 in month ``cohort + k`` (a reactivated account counts
    as active again); NaN past the table's last month.
    """
    first = _first_active(matrix.cents)
    active = matrix.cents > 0
    n_months = len(matrix.months)
    rows = []
    for j in sorted(set(first[first >= 0].tolist())):
        members = active[first == j, j:]
        shares = members.mean(axis=0)
        row = {"cohort": matrix.months[j], "size": int(members.shape[0])}
        row.update({k: float(shares[k]) if k < shares.size else np.nan
                    for k in range(n_months)})
        rows.append(row)
    return pd.DataFrame(rows).set_index("cohort")


def lifetimes(matrix: MrrMatrix) -> pd.DataFrame:
    """Each account's lifetime for the fit, right-censored at the table's last month.

    It starts in the account's first month with MRR > 0 (``start``) and ends at its first churn
    (the first later month with 0 MRR): ``periods`` = months from ``start`` to that month,
    ``churned`` True. A later reactivation does not extend it. An account still active in the
    table's last month ``L`` is censored: ``periods = L - start`` (it survived that many
    renewals), ``churned`` False. ``months_paid`` counts the months with MRR up to the end.
    Accounts that never have MRR > 0 are left out.
    """
    cur = matrix.cents
    first = _first_active(cur)
    keep = first >= 0
    cur, first = cur[keep], first[keep]
    n_months = cur.shape[1]
    cols = np.arange(n_months)
    after_start = cols[None, :] > first[:, None]
    zero_after = (cur == 0) & after_start
    churned = zero_after.any(axis=1)
    churn_col = np.where(churned, zero_after.argmax(axis=1), n_months - 1)
    periods = churn_col - first
    return pd.DataFrame({
        "start": matrix.months[first],
        "periods": periods.astype("int64"),
        "churned": churned,
        "months_paid": np.where(churned, periods, periods + 1).astype("int64"),
    }, index=matrix.accounts[keep])


# --------------------------------------------------------------------------- the sBG model
@dataclass(frozen=True)
class SbgFit:
    """A fitted sBG model: ``alpha``, ``beta`` and the maximised ``log_likelihood``.

    ``customers`` is the number of customers the fit saw, ``churned`` how many churned.
    """

    alpha: float
    beta: float
    log_likelihood: float
    customers: int
    churned: int

    def survival(self, t: np.ndarray | int | float) -> np.ndarray:
        """``S(t)``: share still active after ``t`` renewals (see :func:`sbg_survival`)."""
        return sbg_survival(self.alpha, self.beta, t)

    def expected_lifetime(self, horizon_months: int, discount_rate: float | None = None
                          ) -> float:
        """Expected months paid within the horizon (see :func:`expected_lifetime`)."""
        return expected_lifetime(self.alpha, self.beta, horizon_months, discount_rate)


def sbg_survival(alpha: float, beta: float, t: np.ndarray | int | float) -> np.ndarray:
    """sBG survival ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (share still active at t).

    ``t`` counts periods (months) since acquisition; ``S(0) = 1``. Returns an array of the
    shape of ``t`` (a 0-d array for a number).
    """
    t = np.asarray(t, dtype="float64")
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def sbg_churn_probability(alpha: float, beta: float, t: np.ndarray | int) -> np.ndarray:
    """``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` for ``t >= 1``."""
    t = np.asarray(t, dtype="float64")
    return np.exp(betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta))


def monthly_discount(discount_rate: float | None) -> float:
    """The monthly rate equivalent to an annual one: ``(1 + annual) ** (1 / 12) - 1``."""
    return 0.0 if not discount_rate else (1.0 + float(discount_rate)) ** (1.0 / 12.0) - 1.0


def expected_lifetime(alpha: float, beta: float, horizon_months: int,
                      discount_rate: float | None = None) -> float:
    """Expected months paid in the first ``horizon_months``: ``sum_{t=0}^{H-1} S(t) / (1+d)^t``.

    ``S(0) = 1`` is the month of acquisition. ``discount_rate`` is annual (0.10 = 10 %) and is
    converted to the monthly ``d = (1 + rate)^(1/12) - 1``; without it ``d = 0`` and the sum is
    the expected lifetime in months truncated at the horizon (DEL, the discounted expected
    lifetime, with a rate). With a constant churn ``c`` instead of the sBG the same sum tends
    to ``1 / c`` as the horizon grows.
    """
    t = np.arange(int(horizon_months), dtype="float64")
    d = monthly_discount(discount_rate)
    return float((sbg_survival(alpha, beta, t) / (1.0 + d) ** t).sum())


def constant_churn_lifetime(churn: float, horizon_months: int,
                            discount_rate: float | None = None) -> float:
    """The same sum with a constant monthly churn ``c``: ``sum_{t<H} (1 - c)^t / (1 + d)^t``."""
    t = np.arange(int(horizon_months), dtype="float64")
    d = monthly_discount(discount_rate)
    return float(((1.0 - churn) ** t / (1.0 + d) ** t).sum())


def _cells(periods: np.ndarray, churned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Customers per period count: churned in period t (``died[t]``), censored at t."""
    periods = np.asarray(periods, dtype="int64")
    churned = np.asarray(churned, dtype=bool)
    size = int(periods.max()) + 1 if periods.size else 1
    died = np.bincount(periods[churned], minlength=size).astype("float64")
    alive = np.bincount(periods[~churned], minlength=size).astype("float64")
    return died, alive


def _loglik(log_ab: np.ndarray, died: np.ndarray, alive: np.ndarray) -> float:
    """Log-likelihood: ``sum_t died_t log P(T=t) + sum_t alive_t log S(t)``."""
    a, b = np.exp(np.clip(log_ab, -_LOG_BOUND, _LOG_BOUND))
    t = np.arange(died.size, dtype="float64")
    base = betaln(a, b)
    ll = 0.0
    d = died[1:]
    if d.any():
        ll += float((d * (betaln(a + 1, b + t[1:] - 1) - base)).sum())
    if alive.any():
        ll += float((alive * (betaln(a, b + t) - base)).sum())
    return ll


def _gradient(log_ab: np.ndarray, died: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """Gradient of :func:`_loglik` with respect to ``(log alpha, log beta)``."""
    a, b = np.exp(np.clip(log_ab, -_LOG_BOUND, _LOG_BOUND))
    t = np.arange(died.size, dtype="float64")
    da0, db0 = digamma(a) - digamma(a + b), digamma(b) - digamma(a + b)
    d = died[1:]
    tt = t[1:]
    s_ab = digamma(a + b + tt)
    ga = (d * (digamma(a + 1) - s_ab - da0)).sum() + (alive * (digamma(a) - digamma(a + b + t)
                                                               - da0)).sum()
    gb = (d * (digamma(b + tt - 1) - s_ab - db0)).sum() + (alive * (digamma(b + t)
                                                                    - digamma(a + b + t)
                                                                    - db0)).sum()
    return np.array([ga * a, gb * b])


def _fit_cells(died: np.ndarray, alive: np.ndarray, starts=_STARTS, coarse_first: bool = True
               ) -> SbgFit:
    """Maximum likelihood over the cells, best of several starts (deterministic).

    Each start runs Nelder-Mead, then L-BFGS-B with the analytic gradient polishes it;
    ``coarse_first=False`` skips Nelder-Mead (a start already near the optimum).
    """
    customers = int(died.sum() + alive.sum())
    if customers == 0 or died[1:].sum() == 0:
        raise ValueError("the sBG needs at least one customer who churned")
    if died[0] > 0:
        raise ValueError("a customer cannot churn in period 0 (the month it starts)")

    def objective(x: np.ndarray) -> float:
        return -_loglik(x, died, alive)

    def jac(x: np.ndarray) -> np.ndarray:
        return -_gradient(x, died, alive)

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * 2
    best = None
    for start in starts:
        x0 = np.asarray(start, dtype="float64")
        if coarse_first:
            coarse = minimize(objective, x0, method="Nelder-Mead", bounds=bounds,
                              options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000})
            x0 = coarse.x
        fine = minimize(objective, x0, jac=jac, method="L-BFGS-B", bounds=bounds,
                        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500})
        result = fine if not coarse_first or fine.fun <= coarse.fun else coarse
        if best is None or result.fun < best.fun - 1e-12:
            best = result
    a, b = np.exp(best.x)
    return SbgFit(alpha=float(a), beta=float(b), log_likelihood=float(-best.fun),
                  customers=customers, churned=int(died.sum()))


def fit_sbg(survivors: list[int] | np.ndarray) -> SbgFit:
    """Fit the sBG to one cohort's survivor counts at the start of each period.

    ``survivors[0]`` customers start; ``survivors[t]`` are still there at the start of period
    ``t``. ``survivors[t-1] - survivors[t]`` churned in period ``t``; the last count is censored
    (still alive after ``len - 1`` renewals). Counts must not increase.

    >>> fit = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.668, 3.806)
    """
    s = np.asarray(survivors, dtype="float64")
    if s.ndim != 1 or s.size < 2 or (np.diff(s) > 0).any() or (s < 0).any():
        raise ValueError("survivors must be at least two non-increasing counts >= 0")
    died = np.concatenate([[0.0], s[:-1] - s[1:]])
    alive = np.zeros_like(died)
    alive[-1] = s[-1]
    return _fit_cells(died, alive)


def fit_sbg_lifetimes(periods: np.ndarray | pd.Series, churned: np.ndarray | pd.Series
                      ) -> SbgFit:
    """Fit the sBG over customers of several cohorts, each churned or right-censored.

    ``periods[i]`` is customer ``i``'s churn period ``T`` when ``churned[i]``, otherwise the
    number of renewals it survived before the data end (censored: ``T > periods[i]``), as
    :func:`lifetimes` gives them. The log-likelihood is
    ``sum_churned log P(T = t_i) + sum_censored log S(t_i)``.
    """
    died, alive = _cells(np.asarray(periods), np.asarray(churned))
    return _fit_cells(died, alive)


def fit_geometric(periods: np.ndarray | pd.Series, churned: np.ndarray | pd.Series) -> float:
    """Constant monthly churn fitted to the same lifetimes: churned / months at risk.

    This is the maximum-likelihood churn of a geometric lifetime (every customer churning with
    the same probability each month) with right-censoring: ``sum churned / sum periods``.
    """
    periods = np.asarray(periods, dtype="float64")
    exposure = periods.sum()
    if exposure <= 0:
        raise ValueError("no month at risk")
    return float(np.asarray(churned, dtype=bool).sum() / exposure)


def _newton_many(died: np.ndarray, alive: np.ndarray, x0: np.ndarray, iterations: int = 40
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Maximise many sBG log-likelihoods at once by Newton's method on (log alpha, log beta).

    ``died`` and ``alive`` are (replicates x periods) cell counts, ``x0`` the common start.
    Steps are halved until the log-likelihood does not fall; where the Hessian is not negative
    definite the step follows the gradient. A replicate that reaches the bounds (the
    homogeneous limit) or cannot improve stops there. Returns the (replicates x 2)
    estimates and a mask of those that converged with a negative definite Hessian; the
    others are to be refitted one by one.
    """
    n, size = died.shape
    t = np.arange(size, dtype="float64")[None, :]
    tc = np.maximum(t, 1.0)
    died = died * (t >= 1)
    x = np.tile(np.asarray(x0, dtype="float64"), (n, 1))

    def loglik(x: np.ndarray, d: np.ndarray, s: np.ndarray) -> np.ndarray:
        a, b = np.exp(x[:, :1]), np.exp(x[:, 1:])
        base = betaln(a, b)[:, 0] * (d.sum(1) + s.sum(1))
        return ((d * betaln(a + 1, b + tc - 1)).sum(1) + (s * betaln(a, b + t)).sum(1)
                - base)

    ll = loglik(x, died, alive)
    todo = np.arange(n)
    done = np.zeros(n, dtype=bool)
    total = died.sum(1) + alive.sum(1)
    for _ in range(iterations):
        if todo.size == 0:
            break
        xs, d, s = x[todo], died[todo], alive[todo]
        a, b = np.exp(xs[:, :1]), np.exp(xs[:, 1:])
        s1, s2 = digamma(a + b + tc), polygamma(1, a + b + tc)
        r1, r2 = digamma(a + b + t), polygamma(1, a + b + t)
        ga = (d * (digamma(a + 1) - s1)).sum(1) + (s * (digamma(a) - r1)).sum(1)
        gb = (d * (digamma(b + tc - 1) - s1)).sum(1) + (s * (digamma(b + t) - r1)).sum(1)
        haa = (d * (polygamma(1, a + 1) - s2)).sum(1) + (s * (polygamma(1, a) - r2)).sum(1)
        hbb = (d * (polygamma(1, b + tc - 1) - s2)).sum(1) + (s * (polygamma(1, b + t)
                                                                    - r2)).sum(1)
        hab = -(d * s2).sum(1) - (s * r2).sum(1)
        a, b, m = a[:, 0], b[:, 0], total[todo]
        ga -= m * (digamma(a) - digamma(a + b))
        gb -= m * (digamma(b) - digamma(a + b))
        haa -= m * (polygamma(1, a) - polygamma(1, a + b))
        hbb -= m * (polygamma(1, b) - polygamma(1, a + b))
        hab += m * polygamma(1, a + b)
        gu, gv = a * ga, b * gb
        huu, hvv, huv = a * a * haa + gu, b * b * hbb + gv, a * b * hab
        det = huu * hvv - huv * huv
        concave = (huu < 0) & (det > 0)
        safe = np.where(concave, det, 1.0)
        step = np.stack([-(hvv * gu - huv * gv) / safe, -(huu * gv - huv * gu) / safe], axis=1)
        # Where the Hessian is not negative definite, a steepest-ascent step of length <= 1.
        grad = np.stack([gu, gv], axis=1)
        norm = np.maximum(np.abs(grad).max(axis=1, keepdims=True), 1.0)
        step[~concave] = (grad / norm)[~concave]
        scale = np.ones(todo.size)
        base_ll = ll[todo]
        tolerance = 1e-12 * np.abs(base_ll) + 1e-9  # rounding noise of a large sum
        trial, trial_ll = xs, base_ll
        for _ in range(30):
            trial = np.clip(xs + scale[:, None] * step, -_LOG_BOUND, _LOG_BOUND)
            trial_ll = loglik(trial, d, s)
            worse = trial_ll < base_ll - tolerance
            if not worse.any():
                break
            scale[worse] /= 2.0
        keep = ~worse
        x[todo[keep]] = trial[keep]
        ll[todo[keep]] = trial_ll[keep]
        finished = concave & (np.abs(scale[:, None] * step).max(axis=1) < 1e-9)
        stuck = worse | ((np.abs(trial) >= _LOG_BOUND).any(axis=1) & ~finished)
        done[todo[finished]] = True
        todo = todo[~finished & ~stuck]
    return x, done & (np.abs(x) < _LOG_BOUND).all(axis=1)


# --------------------------------------------------------------------------- bootstrap
def _geometric_loglik(died: np.ndarray, alive: np.ndarray) -> tuple[float, float]:
    """Constant churn ``c`` fitted to the cells and its log-likelihood (the sBG's limit).

    As alpha and beta grow with a fixed ratio the sBG tends to the geometric lifetime, whose
    maximum-likelihood churn is churned / months at risk.
    """
    t = np.arange(died.size, dtype="float64")
    churned, exposure = died[1:].sum(), (t * (died + alive)).sum()
    c = churned / exposure
    if c >= 1.0:
        return c, 0.0 if alive.sum() == 0 else -np.inf
    ll = churned * np.log(c) + ((t[1:] - 1) * died[1:]).sum() * np.log1p(-c) + (
        t * alive).sum() * np.log1p(-c)
    return c, float(ll)


def _settle(died: np.ndarray, alive: np.ndarray, x: np.ndarray, horizon_months: int,
            discount_rate: float | None) -> float:
    """Expected lifetime of a bootstrap replicate whose Newton iterations did not converge.

    Newton stops where no step along its direction (or the gradient's) raises the
    likelihood: at a maximum to rounding precision, or at the bounds when the likelihood
    rises towards homogeneity (alpha, beta -> infinity), whose limit is the constant churn
    ``churned / months at risk``. The better of the two is kept; NaN without any churn.
    """
    if died[1:].sum() == 0:
        return float("nan")
    c, ll_geometric = _geometric_loglik(died, alive)
    if not np.isfinite(x).all():
        return constant_churn_lifetime(c, horizon_months, discount_rate)
    if ll_geometric >= _loglik(x, died, alive):
        return constant_churn_lifetime(c, horizon_months, discount_rate)
    a, b = np.exp(x)
    return expected_lifetime(a, b, horizon_months, discount_rate)


@dataclass(frozen=True)
class Interval:
    """A 90 % bootstrap interval (5th and 95th percentiles); ``None`` bounds when undefined."""

    low: float | None
    high: float | None


@dataclass(frozen=True)
class BootstrapResult:
    """90 % intervals of LTV (currency), LTV/CAC and payback (months), and the draws' count.

    ``valid`` counts the replicates in which every ratio was defined.
    """

    ltv: Interval
    ltv_cac: Interval
    payback_months: Interval
    samples: int
    valid: int


def _interval(values: np.ndarray) -> Interval:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return Interval(None, None)
    low, high = np.percentile(values, [5.0, 95.0])
    return Interval(float(low), float(high))


#: Poisson weights drawn per block of replicates: about this many at a time (8 MB).
_WEIGHTS_BLOCK = 1 << 20


def _poisson_sums(rng: np.random.Generator, samples: int, values: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per replicate of ``samples`` Poisson(1) weightings of ``values.size`` customers:
    ``(counts, weights, weighted)``, where ``counts`` is the sum of the replicate's weights over
    every customer, ``weights`` the sum over the customers whose value is finite and
    ``weighted`` the sum of weight x value over those (float64 arrays, one entry per replicate).

    The weights are drawn a block of rows at a time (a million customers x 1,000 replicates
    would be 8 GB as one matrix) in the order of one ``samples x values.size`` draw. Each
    replicate's sums are taken over its own row by numpy's pairwise summation, never by a
    BLAS product, so they do not depend on the block size, the number of BLAS threads or
    the machine: the same seed gives the same bits everywhere.
    """
    size = values.size
    kept = np.isfinite(values)
    kept_values = values[kept]
    counts = np.empty(samples, dtype="float64")
    weights = np.empty(samples, dtype="float64")
    weighted = np.empty(samples, dtype="float64")
    step = max(1, _WEIGHTS_BLOCK // max(size, 1))
    for start in range(0, samples, step):
        stop = min(samples, start + step)
        block = rng.poisson(1.0, size=(stop - start, size))
        counts[start:stop] = block.sum(axis=1)
        # C order, so that each row is summed on its own, pairwise, as a 1-D array would be.
        chosen = np.ascontiguousarray(block[:, kept])
        weights[start:stop] = chosen.sum(axis=1)
        weighted[start:stop] = (chosen * kept_values).sum(axis=1)
    return counts, weights, weighted


def bootstrap_ltv(arpa_mrr: np.ndarray, acquisition_spend: float, gross_margin: float,
                  *, lifetimes_frame: pd.DataFrame | None = None,
                  lifetime_months: float | None = None, horizon_months: int = 60,
                  discount_rate: float | None = None, samples: int = 1000, seed: int = 0
                  ) -> BootstrapResult:
    """90 % intervals of LTV, LTV/CAC and payback by a seeded bootstrap over accounts.

    ``arpa_mrr`` holds the MRR of each of the period's new customers (NaN for one whose
    acquiring deal carries none: it counts for CAC, not for ARPA).

    Each replicate draws the period's new customers with Poisson(1) weights (so their number,
    CAC's denominator, varies as well as their mean MRR, ARPA) and, when ``lifetimes_frame``
    is given, the revenue table's accounts with replacement, refitting the sBG on them; with a
    fixed ``lifetime_months`` instead the lifetime does not vary. Per replicate:
    ``ltv = arpa x gross_margin x lifetime``, ``cac = acquisition_spend / customers``,
    ``ltv_cac = ltv / cac``, ``payback = cac / (arpa x gross_margin)``. The interval is the
    5th to 95th percentile of the replicates; the same ``seed`` gives the same figures.
    """
    rng = np.random.default_rng(seed)
    arpa_mrr = np.asarray(arpa_mrr, dtype="float64")
    counts, weights, weighted = _poisson_sums(rng, samples, arpa_mrr)
    with np.errstate(invalid="ignore", divide="ignore"):
        arpa = np.asarray(formulas.arpa(weighted, weights), dtype="float64")
        cac = np.asarray(formulas.cac(np.float64(acquisition_spend), counts), dtype="float64")
    if lifetimes_frame is not None:
        died, alive = _cells(lifetimes_frame["periods"].to_numpy(),
                             lifetimes_frame["churned"].to_numpy())
        cells = np.concatenate([died, alive])
        n = int(cells.sum())
        draws = rng.multinomial(n, cells / n, size=samples)
        point = _fit_cells(died, alive)
        d_all = draws[:, :died.size].astype("float64")
        s_all = draws[:, died.size:].astype("float64")
        x, ok = _newton_many(d_all, s_all, np.log([point.alpha, point.beta]))
        t = np.arange(int(horizon_months), dtype="float64")[None, :]
        a, b = np.exp(x[:, :1]), np.exp(x[:, 1:])
        discount = (1.0 + monthly_discount(discount_rate)) ** t
        life = (np.exp(betaln(a, b + t) - betaln(a, b)) / discount).sum(axis=1)
        for i in np.flatnonzero(~ok):  # a replicate Newton could not settle
            life[i] = _settle(d_all[i], s_all[i], x[i], horizon_months, discount_rate)
    elif lifetime_months is not None:
        life = np.full(samples, float(lifetime_months))
    else:
        raise ValueError("give lifetimes_frame or lifetime_months")
    with np.errstate(invalid="ignore", divide="ignore"):  # a replicate without customers
        ltv = ltv_from_arpa(arpa, float(gross_margin), life)
        ltv_cac = np.asarray(ltv_cac_ratio(ltv, cac), dtype="float64")
        payback = np.asarray(payback_months(cac, arpa, float(gross_margin)), dtype="float64")
    ok = np.isfinite(ltv) & np.isfinite(ltv_cac) & np.isfinite(payback)
    return BootstrapResult(ltv=_interval(ltv[ok]), ltv_cac=_interval(ltv_cac[ok]),
                           payback_months=_interval(payback[ok]), samples=samples,
                           valid=int(ok.sum()))
