"""cac-toolkit: the economics of B2B customer acquisition.

CAC (global, marketing, sales, per channel with pooled costs allocated), LTV, LTV/CAC,
payback, funnel KPIs, attribution, cohorts and parameterised audits.

The public API, in the order an analysis uses it::

    import cac_toolkit as ct

    data = ct.load_folder("CLIENT_DIR")                 # read and check the contract's tables
    params = ct.AuditParameters(gross_margin=0.75, lifetime_months=36)
    kpis = ct.compute_kpis(data, params)                # the KPI dict (kpis.json)
    ct.run_audit("CLIENT_DIR", "OUT_DIR", params)       # notebook, HTML, JSON, workbook

    ct.cac_global(marketing_spend=36_000, sales_spend=54_000, new_customers=60)   # 1500.0

The layers below (``core``, ``data``, ``figures``, ``audit``, ``render``, ``course``) hold the
rest; each formula's docstring gives its definition and units.
"""

from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError, InputError, ParameterError
from cac_toolkit.core.version import __version__
from cac_toolkit.data.loading import AuditData, load_folder
from cac_toolkit.figures import formulas
from cac_toolkit.figures.formulas import (
    cac,
    cac_fully_loaded,
    cac_global,
    cac_marketing,
    cac_sales,
    channel_cac,
    cpa,
    lifetime_from_churn,
    lifetime_from_retention,
    ltv_cac_ratio,
    ltv_from_annual_margin,
    ltv_from_arpa,
    ltv_from_churn,
    ltv_from_revenue,
    margin_to_cac_multiple,
    payback_curve,
    payback_months,
)
from cac_toolkit.runner import run_audit

__all__ = [
    "__version__",
    # reading and checking a client folder
    "load_folder", "AuditData",
    # the audit
    "AuditParameters", "compute_kpis", "kpis_to_json", "run_audit",
    # errors (each prints as one line)
    "CacToolkitError", "InputError", "ParameterError",
    # the method's formulas (all of them: the module ``formulas``)
    "formulas",
    "cac", "cac_global", "cac_marketing", "cac_sales", "cpa", "channel_cac", "cac_fully_loaded",
    "ltv_from_arpa", "ltv_from_revenue", "ltv_from_churn", "ltv_from_annual_margin",
    "lifetime_from_churn", "lifetime_from_retention",
    "ltv_cac_ratio", "payback_months", "payback_curve", "margin_to_cac_multiple",
]
