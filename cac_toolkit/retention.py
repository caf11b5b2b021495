"""Measured retention, public module: ``from cac_toolkit.retention import fit_sbg, sbg_survival``.

The formulas live in :mod:`cac_toolkit.figures.retention`; this module re-exports them under
the stable name of the audit contract.
"""

from __future__ import annotations

from .figures.retention import (
    MOVEMENTS,
    BootstrapResult,
    Interval,
    MrrMatrix,
    RetentionFigures,
    SbgFit,
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

__all__ = [
    "MOVEMENTS",
    "BootstrapResult",
    "Interval",
    "MrrMatrix",
    "RetentionFigures",
    "SbgFit",
    "bootstrap_ltv",
    "cohorts",
    "constant_churn_lifetime",
    "expected_lifetime",
    "fit_geometric",
    "fit_sbg",
    "fit_sbg_lifetimes",
    "lifetimes",
    "monthly_discount",
    "mrr_matrix",
    "mrr_movements",
    "period_months",
    "retention_figures",
    "sbg_churn_probability",
    "sbg_survival",
]
