"""Acquisition metrics: CAC, CPA, per-channel CAC, LTV, LTV/CAC and payback.

Every function takes plain numbers or pandas objects and returns numbers in the units its
docstring names. A ratio whose denominator is zero raises :class:`UndefinedMetricError`
with the reason, so that callers report "undefined because ..." instead of ``inf``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.money import allocate


def _ratio(metric: str, numerator: float, denominator: float, reason: str) -> float:
    if denominator == 0 or pd.isna(denominator):
        raise UndefinedMetricError(metric, reason)
    return float(numerator) / float(denominator)


def cac(acquisition_spend: float, new_customers: float) -> float:
    """Customer acquisition cost: ``acquisition_spend / new_customers`` (currency per customer).

    ``acquisition_spend`` holds every marketing and sales cost of the period (salaries, tools,
    media, events, pre-sales); ``new_customers`` counts paying accounts acquired in it.
    """
    return _ratio("CAC", acquisition_spend, new_customers, "no new customer in the period")


def cac_global(marketing_spend: float, sales_spend: float, new_customers: float) -> float:
    """Global CAC: ``(marketing_spend + sales_spend) / new_customers`` (currency per customer)."""
    return cac(marketing_spend + sales_spend, new_customers)


def cac_marketing(marketing_spend: float, new_customers: float) -> float:
    """Marketing CAC: ``marketing_spend / new_customers`` (currency per customer)."""
    return cac(marketing_spend, new_customers)


def cac_sales(sales_spend: float, new_customers: float) -> float:
    """Sales CAC (CAC commercial): ``sales_spend / new_customers`` (currency per customer)."""
    return cac(sales_spend, new_customers)


def cpa(media_spend: float, actions: float) -> float:
    """Cost per action: ``media_spend / actions`` (currency per lead, trial or sign-up).

    Unlike CAC it counts only the media cost and stops at the action, long before a paying
    customer; a CPA is always lower than the CAC of the same campaign.
    """
    return _ratio("CPA", media_spend, actions, "no action (lead, trial) in the period")


def channel_cac(
    direct_spend: pd.Series,
    new_customers: pd.Series,
    shared_spend: float = 0.0,
    allocation_key: pd.Series | None = None,
) -> pd.DataFrame:
    """CAC per channel, direct and fully loaded, with pooled costs allocated by a stable key.

    Per channel ``c`` (currency per customer):

    - ``cac_direct = spend_direct_c / new_customers_c``
    - ``shared_allocated_c = shared_spend x key_c / sum(key)`` (to the cent, adding back to
      ``shared_spend`` exactly; see :func:`cac_toolkit.core.money.allocate`)
    - ``cac_fully_loaded = (spend_direct_c + shared_allocated_c) / new_customers_c``

    ``allocation_key`` defaults to ``new_customers`` (each channel's share of customers). A
    channel with no new customer gets NaN CACs; a channel with customers and no direct spend
    gets ``spend_direct`` 0 and ``cac_direct`` 0.
    """
    key = new_customers if allocation_key is None else allocation_key
    channels = sorted(
        set(direct_spend.index) | set(new_customers.index) | set(key[key > 0].index), key=str
    )
    out = pd.DataFrame(index=pd.Index(channels, name="channel"))
    out["spend_direct"] = direct_spend.reindex(channels).fillna(0.0).astype("float64")
    out["new_customers"] = new_customers.reindex(channels).fillna(0.0).astype("float64")
    if shared_spend and key.reindex(channels).fillna(0).sum() > 0:
        out["shared_allocated"] = allocate(shared_spend, key.reindex(channels).fillna(0.0))
    elif shared_spend:
        out["shared_allocated"] = np.nan  # no key to split by: reported with its reason
    else:
        out["shared_allocated"] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        customers = out["new_customers"].where(out["new_customers"] > 0)
        out["cac_direct"] = out["spend_direct"] / customers
        out["cac_fully_loaded"] = (out["spend_direct"] + out["shared_allocated"]) / customers
    return out


def ltv_from_revenue(
    revenue_per_period: float,
    periods: float,
    gross_margin: float,
    discount_rate: float = 0.0,
) -> float:
    """Lifetime value from revenue: ``revenue_per_period x periods x gross_margin`` (currency).

    With a ``discount_rate`` ``d`` per period, each period's margin is discounted:
    ``sum_{t=1..n} revenue x margin / (1 + d)^t`` (whole periods; a fractional last period
    is counted pro rata).
    """
    if discount_rate == 0:
        return revenue_per_period * periods * gross_margin
    whole = int(np.floor(periods))
    t = np.arange(1, whole + 1)
    value = float(np.sum(revenue_per_period * gross_margin / (1 + discount_rate) ** t))
    fraction = periods - whole
    if fraction:
        value += fraction * revenue_per_period * gross_margin / (1 + discount_rate) ** (whole + 1)
    return value


def ltv_from_churn(
    arpa: float, gross_margin: float, monthly_churn: float, discount_rate: float = 0.0
) -> float:
    """SaaS lifetime value: ``arpa x gross_margin / monthly_churn`` (currency).

    ``arpa`` is the average monthly revenue per account, ``monthly_churn`` the share of
    accounts lost each month (stationary). With a monthly ``discount_rate`` ``d`` the
    geometric series gives ``arpa x gross_margin / (monthly_churn + d)``.
    """
    return _ratio(
        "LTV", arpa * gross_margin, monthly_churn + discount_rate, "monthly churn is zero"
    )


def ltv_from_annual_margin(
    annual_gross_margin: float, lifetime_years: float, discount_rate: float = 0.0
) -> float:
    """CLV from yearly margin: ``annual_gross_margin x lifetime_years`` (currency).

    This is the approximate CLV of the B2B KPI list; ``discount_rate`` is yearly.
    """
    return ltv_from_revenue(annual_gross_margin, lifetime_years, 1.0, discount_rate)


def lifetime_from_churn(monthly_churn: float) -> float:
    """Expected customer lifetime in months for a stationary churn: ``1 / monthly_churn``."""
    return _ratio("lifetime", 1.0, monthly_churn, "monthly churn is zero")


def lifetime_from_retention(yearly_retention: float) -> float:
    """Expected lifetime in years for a yearly retention rate ``r``: ``1 / (1 - r)``."""
    return _ratio("lifetime", 1.0, 1.0 - yearly_retention, "retention is 100 %")


def ltv_cac_ratio(ltv: float, cac_value: float) -> float:
    """LTV/CAC: value created per unit of currency spent to acquire (dimensionless)."""
    return _ratio("LTV/CAC", ltv, cac_value, "CAC is zero or undefined")


def payback_months(cac_value: float, monthly_revenue: float, gross_margin: float) -> float:
    """CAC payback: ``cac / (monthly_revenue x gross_margin)`` (months).

    The number of months of gross margin from one customer needed to earn back its CAC.
    """
    return _ratio(
        "payback", cac_value, monthly_revenue * gross_margin, "no monthly gross margin per customer"
    )


def payback_curve(
    cac_value: float, monthly_revenue: float, gross_margin: float, months: int = 36
) -> pd.DataFrame:
    """Cumulative margin of one customer month by month against its CAC.

    Columns: ``month`` (0..months), ``cumulative_margin`` (currency), ``net`` =
    cumulative margin - CAC (currency; crosses zero at the payback month).
    """
    month = np.arange(0, months + 1)
    cumulative = month * monthly_revenue * gross_margin
    return pd.DataFrame({"month": month, "cumulative_margin": cumulative,
                         "net": cumulative - cac_value})


def margin_to_cac_multiple(gross_margin_per_customer: float, cac_value: float) -> float:
    """How many times the CAC fits in the gross margin a new customer brings (dimensionless).

    The B2B KPI list asks for a CAC 3 to 5 times below that margin: a multiple of 3 to 5.
    """
    return _ratio("margin/CAC", gross_margin_per_customer, cac_value, "CAC is zero or undefined")
