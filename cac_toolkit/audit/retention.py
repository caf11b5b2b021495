"""The KPI file's ``retention`` and ``intervals`` blocks, and the measured lifetime behind LTV.

The figures come from :mod:`cac_toolkit.figures.retention`; this module runs them on the
audit folder's ``revenue`` table, rounds them for the KPI file (money to the cent, ratios to
4 decimals) and records a note for every value it leaves ``null``.

The measured lifetime is the sBG expected number of months paid within
``ltv_horizon_months`` (discounted by ``discount_rate``, annual, when given), fitted to every
account of the revenue table (first MRR month to first churn, right-censored at the table's
last month). It is rounded to 4 decimals before LTV uses it, so that
``ltv = arpa_mrr x gross_margin x retention.lifetime_months`` can be recomputed from the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.money import round_money, round_ratio
from cac_toolkit.core.notes import Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.data.signals import DataWarning
from cac_toolkit.figures.retention import (
    MrrMatrix,
    RetentionFigures,
    SbgFit,
    bootstrap_ltv,
    cohorts,
    constant_churn_lifetime,
    fit_geometric,
    fit_sbg_lifetimes,
    lifetimes,
    mrr_matrix,
    mrr_movements,
    retention_figures,
)

#: Seed of the bootstrap: the same inputs give byte-identical intervals on every run.
BOOTSTRAP_SEED = 20070
#: A typed lifetime whose LTV is more than this share away from the measured one is flagged.
LTV_GAP_WARNING = 0.25


@dataclass
class MeasuredRetention:
    """What the revenue table says: the matrix, the period's figures, the fits."""

    matrix: MrrMatrix
    figures: RetentionFigures
    lifetimes: pd.DataFrame
    fit: SbgFit | None
    constant_churn: float | None
    lifetime_months: float | None
    constant_lifetime_months: float | None


def measure_retention(revenue: pd.DataFrame | None, params: AuditParameters, period: Period,
                      notes: Notes) -> MeasuredRetention | None:
    """Fit the revenue table; ``None`` (with a note) when the folder has none or it is empty."""
    if revenue is None or revenue.empty:
        notes.note("retention", "no_revenue")
        return None
    matrix = mrr_matrix(revenue)
    figures = retention_figures(matrix, period.start, period.end)
    life = lifetimes(matrix)
    fit = constant = lifetime = constant_lifetime = None
    try:
        fit = fit_sbg_lifetimes(life["periods"], life["churned"])
        lifetime = round_ratio(fit.expected_lifetime(params.ltv_horizon_months,
                                                     params.discount_rate))
        constant = fit_geometric(life["periods"], life["churned"])
        constant_lifetime = round_ratio(constant_churn_lifetime(
            constant, params.ltv_horizon_months, params.discount_rate))
    except ValueError:
        notes.note("retention.sbg", "no_churn")
    return MeasuredRetention(matrix, figures, life, fit, constant, lifetime, constant_lifetime)


def _month(period: pd.Period) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def movements_block(matrix: MrrMatrix) -> list[dict[str, object]]:
    """Monthly MRR movements in currency (exact, from integer cents), oldest month first."""
    moves = mrr_movements(matrix)
    cols = ("opening", "new", "reactivation", "expansion", "contraction", "churn", "mrr")
    return [{"month": _month(month), **{c: int(row[c]) / 100 for c in cols},
             "accounts_before": int(row["active_before"]), "accounts_churned": int(row["churned"])}
            for month, row in moves.iterrows()]


def cohorts_block(matrix: MrrMatrix) -> list[dict[str, object]]:
    """Per cohort (month of first MRR): size and share active k = 0, 1, ... months later."""
    table = cohorts(matrix)
    out = []
    for month, row in table.iterrows():
        shares = [row[k] for k in table.columns if k != "size"]
        out.append({"month": _month(month), "size": int(row["size"]),
                    "active": [round_ratio(float(v)) for v in shares if np.isfinite(v)]})
    return out


def retention_block(measured: MeasuredRetention | None, params: AuditParameters,
                    notes: Notes) -> dict[str, object]:
    """The KPI file's ``retention`` block; every key present, ``null`` where unmeasured."""
    out: dict[str, object] = {
        "table": None, "months": [], "logo_churn_monthly": None, "revenue_churn_monthly": None,
        "nrr_12m": None, "grr_12m": None, "cohorts": [], "movements": [],
        "sbg": {"alpha": None, "beta": None, "log_likelihood": None, "customers": None,
                "churned": None},
        "lifetime_months": None, "horizon_months": params.ltv_horizon_months,
        "discount_rate": params.discount_rate,
        "constant_churn": {"monthly_churn": None, "lifetime_months": None},
    }
    if measured is None:
        return out
    m, fig = measured.matrix, measured.figures
    out["table"] = {"first_month": _month(m.first_month), "last_month": _month(m.last_month),
                    "accounts": len(m.accounts)}
    out["months"] = [_month(p) for p in fig.months]
    for name in ("logo_churn_monthly", "revenue_churn_monthly", "nrr_12m", "grr_12m"):
        value = getattr(fig, name)
        out[name] = round_ratio(value) if value is not None else None
        if value is None:
            notes.note(f"retention.{name}", fig.notes[name][0], **fig.notes[name][1])
    if "churn_months" in fig.notes:
        notes.note("retention.logo_churn_monthly", fig.notes["churn_months"][0],
                   **fig.notes["churn_months"][1])
    out["cohorts"] = cohorts_block(m)
    out["movements"] = movements_block(m)
    if measured.fit is not None:
        fit = measured.fit
        out["sbg"] = {"alpha": round_ratio(fit.alpha), "beta": round_ratio(fit.beta),
                      "log_likelihood": round_ratio(fit.log_likelihood),
                      "customers": fit.customers, "churned": fit.churned}
        out["lifetime_months"] = measured.lifetime_months
        out["constant_churn"] = {"monthly_churn": round_ratio(measured.constant_churn),
                                 "lifetime_months": measured.constant_lifetime_months}
    else:
        notes.note("retention.lifetime_months", "no_churn.sbg")
    return out


def ltv_gap_warning(ltv_parameter: float | None, ltv_measured: float | None
                    ) -> dict[str, str] | None:
    """A warning ``{code, message}`` when the typed and measured LTVs differ by over 25 %.

    The gap is ``|ltv_parameter - ltv_measured| / ltv_measured``.
    """
    if ltv_parameter is None or not ltv_measured:
        return None
    gap = abs(ltv_parameter - ltv_measured) / ltv_measured
    if gap <= LTV_GAP_WARNING:
        return None
    return DataWarning.make("ltv_parameter_differs", parameter=ltv_parameter, gap=gap,
                            measured=ltv_measured).as_dict()


def intervals_block(mrr: pd.Series, n_customers: int, acquisition_spend: float,
                    params: AuditParameters, basis: str | None,
                    measured: MeasuredRetention | None, notes: Notes) -> dict[str, object]:
    """90 % bootstrap intervals of LTV, LTV/CAC and payback (see ``bootstrap_ltv``).

    The period's new customers are redrawn (their MRR for ARPA and their number for CAC);
    with a measured basis the revenue table's accounts are redrawn and the sBG refitted;
    with a typed lifetime it stays fixed. Seeded: reruns give the same figures.
    """
    empty = {"low": None, "high": None}
    out: dict[str, object] = {"ltv": dict(empty), "ltv_cac": dict(empty),
                              "payback_months": dict(empty),
                              "samples": params.bootstrap_samples, "valid_samples": 0,
                              "level": 0.9}
    if params.bootstrap_samples == 0:
        notes.note("intervals", "no_bootstrap")
        return out
    if basis is None or params.gross_margin is None or n_customers == 0 or mrr.isna().all():
        notes.note("intervals", "undefined.intervals")
        return out
    values = np.full(n_customers, np.nan)
    values[: len(mrr)] = mrr.to_numpy(dtype="float64")
    if basis == "measured" and measured is not None:
        result = bootstrap_ltv(values, acquisition_spend, params.gross_margin,
                               lifetimes_frame=measured.lifetimes,
                               horizon_months=params.ltv_horizon_months,
                               discount_rate=params.discount_rate,
                               samples=params.bootstrap_samples, seed=BOOTSTRAP_SEED)
    else:
        result = bootstrap_ltv(values, acquisition_spend, params.gross_margin,
                               lifetime_months=params.lifetime,
                               samples=params.bootstrap_samples, seed=BOOTSTRAP_SEED)
    out["ltv"] = {"low": round_money(result.ltv.low), "high": round_money(result.ltv.high)}
    out["ltv_cac"] = {"low": round_ratio(result.ltv_cac.low),
                      "high": round_ratio(result.ltv_cac.high)}
    out["payback_months"] = {"low": round_ratio(result.payback_months.low),
                             "high": round_ratio(result.payback_months.high)}
    out["valid_samples"] = result.valid
    if result.valid < result.samples:
        notes.note("intervals", "partial.intervals", left_out=result.samples - result.valid,
                   samples=result.samples)
    return out
