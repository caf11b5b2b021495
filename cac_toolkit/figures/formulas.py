"""Every ratio of the method, once: CAC, fully loaded CAC, LTV, LTV/CAC, payback, funnel rates,
allocation shares.

This module is the only place of the package that divides money or counts. The KPI file
(:mod:`cac_toolkit.audit.kpis`), the cohorts and segments, the plots, the course's what-ifs and
checks call these functions; the workbook writes its Excel formulas from the same definitions
(:func:`excel`, the ``excel`` attribute of a formula).

Conventions
-----------
* Each function takes plain numbers and returns a number in the units its docstring names.
* A ratio whose denominator is zero (or undefined) raises :class:`UndefinedMetricError` with
  the reason, so that callers report "undefined because ..." instead of ``inf``.
* Given a ``pandas.Series`` as denominator, a ratio is computed element-wise instead and is
  NaN where the denominator is zero or NaN (tables of months, channels, segments).
* ``to_cent=True`` on a money ratio rounds the result half away from zero to the cent,
  computed exactly in decimal (:func:`cac_toolkit.core.money.divide_money`): 49,043.90 / 20 is
  2,452.20 as a spreadsheet shows it, not the binary 2,452.1949999...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.money import allocate, divide_money

__all__ = [
    "FUNNEL_RATES", "arpa", "cac", "cac_fully_loaded", "cac_global", "cac_marketing", "cac_ratio",
    "cac_sales", "channel_cac", "conversion_rate", "cpa", "customers_bought", "excel",
    "first_year_revenue", "gross_revenue_retention", "lifetime_from_churn",
    "lifetime_from_retention", "logo_churn", "ltv_cac_ratio", "ltv_from_annual_margin",
    "ltv_from_arpa", "ltv_from_churn", "ltv_from_revenue", "margin_per_unit_spent",
    "margin_to_cac_multiple", "net_revenue_retention", "payback_curve", "payback_months",
    "pro_rata", "relative_change", "required_gross_margin", "required_monthly_revenue",
    "revenue_churn", "share", "shared_allocation",
]

Number = float | pd.Series
F = TypeVar("F", bound=Callable[..., object])


def _excel(template: str) -> Callable[[F], F]:
    """Attach the Excel spelling of a formula (``{argument}`` placeholders) to its function."""

    def attach(function: F) -> F:
        function.excel = template  # type: ignore[attr-defined]
        return function

    return attach


def excel(formula: Callable[..., object], **cells: str) -> str:
    """The Excel expression of ``formula`` over the given cells or defined names.

    ``excel(payback_months, cac_value="kpi_cac", monthly_revenue="in_arpa",
    gross_margin="in_gross_margin")`` gives ``(kpi_cac)/((in_arpa)*(in_gross_margin))``. Each
    argument is wrapped in brackets, so any sub-expression can be passed.
    """
    template: str = formula.excel  # type: ignore[attr-defined]
    return template.format(**{name: f"({value})" for name, value in cells.items()})


def _is_table(value: object) -> bool:
    return isinstance(value, pd.Series | np.ndarray)


def _ratio(metric: str, numerator: Number, denominator: Number, reason: str,
           to_cent: bool = False) -> Number:
    """``numerator / denominator``; see the module's conventions for zeros and tables."""
    if _is_table(denominator):
        den = pd.Series(denominator) if isinstance(denominator, np.ndarray) else denominator
        with np.errstate(divide="ignore", invalid="ignore"):
            return numerator / den.where(den != 0)
    if denominator == 0 or pd.isna(denominator):
        raise UndefinedMetricError(metric, reason)
    if _is_table(numerator):
        return numerator / float(denominator)
    if to_cent:
        return divide_money(float(numerator), float(denominator))
    return float(numerator) / float(denominator)


# ------------------------------------------------------------------------------------ CAC


@_excel("{acquisition_spend}/{new_customers}")
def cac(acquisition_spend: Number, new_customers: Number, *, to_cent: bool = False) -> Number:
    """Customer acquisition cost: ``acquisition_spend / new_customers`` (currency per customer).

    ``acquisition_spend`` holds every marketing and sales cost of the period (salaries, tools,
    media, events, pre-sales); ``new_customers`` counts paying accounts acquired in it (or a
    channel's attribution credits).
    """
    return _ratio("CAC", acquisition_spend, new_customers, "no new customer in the period",
                  to_cent)


def cac_global(marketing_spend: float, sales_spend: float, new_customers: float, *,
               to_cent: bool = False) -> float:
    """Global CAC: ``(marketing_spend + sales_spend) / new_customers`` (currency per customer)."""
    return cac(marketing_spend + sales_spend, new_customers, to_cent=to_cent)


def cac_marketing(marketing_spend: float, new_customers: float, *,
                  to_cent: bool = False) -> float:
    """Marketing CAC: ``marketing_spend / new_customers`` (currency per customer)."""
    return cac(marketing_spend, new_customers, to_cent=to_cent)


def cac_sales(sales_spend: float, new_customers: float, *, to_cent: bool = False) -> float:
    """Sales CAC (CAC commercial): ``sales_spend / new_customers`` (currency per customer)."""
    return cac(sales_spend, new_customers, to_cent=to_cent)


def cac_fully_loaded(spend_direct: Number, shared_allocated: Number, new_customers: Number, *,
                     to_cent: bool = False) -> Number:
    """Fully loaded CAC of a channel or segment (currency per customer).

    ``(spend_direct + shared_allocated) / new_customers``: its own spend plus its share of the
    pooled costs (:func:`shared_allocation`), over its new customers (or credits).
    """
    return cac(spend_direct + shared_allocated, new_customers, to_cent=to_cent)


def cpa(media_spend: float, actions: float) -> float:
    """Cost per action: ``media_spend / actions`` (currency per lead, trial or sign-up).

    Unlike CAC it counts only the media cost and stops at the action, long before a paying
    customer; a CPA is always lower than the CAC of the same campaign.
    """
    return _ratio("CPA", media_spend, actions, "no action (lead, trial) in the period")


def customers_bought(spend: Number, cac_value: Number) -> Number:
    """Customers a budget buys at a given CAC: ``spend / cac`` (customers, fractional).

    A negative ``spend`` (a budget cut) gives the customers lost.
    """
    return _ratio("customers bought", spend, cac_value, "the CAC is zero")


def cac_ratio(cac_source: float, cac_target: float) -> float:
    """``cac_source / cac_target`` (dimensionless): how many target customers one source
    customer's cost buys; the break-even saturation of a budget move from source to target."""
    return _ratio("CAC ratio", cac_source, cac_target, "the target channel's CAC is zero")


# ----------------------------------------------------------------------------- allocation


@_excel("{part}/{whole}")
def share(part: Number, whole: float) -> Number:
    """A part of a whole (dimensionless, 0 to 1): allocation key share, budget share, revenue
    share, customer share: ``part / whole``."""
    return _ratio("share", part, whole, "the whole is zero")


@_excel("{total}*{weight}/{weights_sum}")
def pro_rata(total: float, weight: float, weights_sum: float) -> float:
    """One share of ``total`` in proportion to its weight, unrounded:
    ``total x weight / weights_sum`` (currency). :func:`shared_allocation` rounds these to the
    cent and settles the leftover cents."""
    return _ratio("pro rata share", total * weight, weights_sum, "the weights are all zero")


def shared_allocation(shared_spend: float, key: pd.Series) -> pd.Series:
    """Pooled costs split among channels (or segments) by a stable key, to the cent.

    ``shared_allocated_c = shared_spend x key_c / sum(key)`` (currency), by the largest
    remainder method so that the shares add back to ``shared_spend`` exactly
    (:func:`cac_toolkit.core.money.allocate`; ``ValueError`` when every key is zero).
    """
    return allocate(shared_spend, key)


def channel_cac(
    direct_spend: pd.Series,
    new_customers: pd.Series,
    shared_spend: float = 0.0,
    allocation_key: pd.Series | None = None,
    *,
    to_cent: bool = False,
) -> pd.DataFrame:
    """CAC per channel, direct and fully loaded, with pooled costs allocated by a stable key.

    Per channel ``c`` (currency per customer):

    - ``cac_direct = spend_direct_c / new_customers_c`` (:func:`cac`)
    - ``shared_allocated_c = shared_spend x key_c / sum(key)`` (to the cent, adding back to
      ``shared_spend`` exactly; :func:`shared_allocation`)
    - ``cac_fully_loaded = (spend_direct_c + shared_allocated_c) / new_customers_c``
      (:func:`cac_fully_loaded`)

    ``allocation_key`` defaults to ``new_customers`` (each channel's share of customers). A
    channel with no new customer gets NaN CACs; a channel with customers and no direct spend
    gets ``spend_direct`` 0 and ``cac_direct`` 0. With ``to_cent`` both CACs are rounded
    exactly to the cent, as the KPI file shows them.
    """
    key = new_customers if allocation_key is None else allocation_key
    channels = sorted(
        set(direct_spend.index) | set(new_customers.index) | set(key[key > 0].index), key=str
    )
    out = pd.DataFrame(index=pd.Index(channels, name="channel"))
    out["spend_direct"] = direct_spend.reindex(channels).fillna(0.0).astype("float64")
    out["new_customers"] = new_customers.reindex(channels).fillna(0.0).astype("float64")
    if shared_spend and key.reindex(channels).fillna(0).sum() > 0:
        out["shared_allocated"] = shared_allocation(shared_spend,
                                                    key.reindex(channels).fillna(0.0))
    elif shared_spend:
        out["shared_allocated"] = np.nan  # no key to split by: reported with its reason
    else:
        out["shared_allocated"] = 0.0
    customers = out["new_customers"].where(out["new_customers"] > 0)
    if to_cent:  # one exact decimal division per channel (a handful of rows)
        out["cac_direct"] = [np.nan if pd.isna(n) else cac(s, n, to_cent=True)
                             for s, n in zip(out["spend_direct"], customers, strict=True)]
        out["cac_fully_loaded"] = [
            np.nan if pd.isna(a) or pd.isna(n) else cac_fully_loaded(s, a, n, to_cent=True)
            for s, a, n in zip(out["spend_direct"], out["shared_allocated"], customers,
                               strict=True)]
    else:
        out["cac_direct"] = cac(out["spend_direct"], customers)
        out["cac_fully_loaded"] = cac_fully_loaded(out["spend_direct"], out["shared_allocated"],
                                                   customers)
    return out


# ------------------------------------------------------------------------------- revenue


@_excel("{mrr_total}/{accounts}")
def arpa(mrr_total: float, accounts: float, *, to_cent: bool = False) -> float:
    """Average revenue per account: ``mrr_total / accounts`` (currency per account per month).

    In the audit: the mean MRR of the acquiring deals that carry one.
    """
    return _ratio("ARPA", mrr_total, accounts, "no account with an MRR", to_cent)


def first_year_revenue(mrr: Number, one_off: Number) -> Number:
    """New revenue of a customer's first year: ``mrr x 12 + one_off`` (currency)."""
    return mrr * 12 + one_off


# ------------------------------------------------------------------------------------ LTV


@_excel("{arpa}*{gross_margin}*{lifetime_months}")
def ltv_from_arpa(arpa: Number, gross_margin: float, lifetime_months: float) -> Number:
    """The audit's LTV: ``arpa x gross_margin x lifetime_months`` (currency).

    ``arpa`` is the monthly revenue per account, ``lifetime_months`` the expected lifetime
    (a parameter, or ``1 / monthly_churn``: :func:`lifetime_from_churn`).
    """
    return arpa * gross_margin * lifetime_months


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


def lifetime_from_retention(retention: float, horizon: float | None = None,
                            discount_rate: float = 0.0) -> float:
    """Expected number of paid periods of a customer who renews with probability ``retention``.

    The first period is paid at signature; each later one with probability ``retention`` of
    the one before: ``sum_{t=1..H} r^(t-1) / (1 + d)^t`` periods. Without ``horizon`` and
    discount this is ``1 / (1 - r)``: 10 years at 90 % yearly retention; with a discount rate
    ``d`` per period, ``1 / (1 + d - r)``. ``horizon`` caps the count (3 years: 1 + 0.9 + 0.81).
    A retention of 100 % without horizon nor discount has no finite lifetime
    (:class:`UndefinedMetricError`).
    """
    if not 0 <= retention <= 1:
        raise ValueError("retention must be between 0 and 1")
    if horizon is None:
        # Geometric series of r^(t-1) / (1+d)^t for t >= 1.
        return _ratio("lifetime", 1.0, 1.0 + discount_rate - retention, "retention is 100 %")
    t = np.arange(1, int(np.floor(horizon)) + 1)
    return float(np.sum(retention ** (t - 1) / (1 + discount_rate) ** t))


# ------------------------------------------------------------------- LTV/CAC and payback


@_excel("{ltv}/{cac_value}")
def ltv_cac_ratio(ltv: Number, cac_value: Number) -> Number:
    """LTV/CAC: value created per unit of currency spent to acquire (dimensionless)."""
    return _ratio("LTV/CAC", ltv, cac_value, "CAC is zero or undefined")


@_excel("{cac_value}/({monthly_revenue}*{gross_margin})")
def payback_months(cac_value: Number, monthly_revenue: Number, gross_margin: float) -> Number:
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
    cumulative margin - CAC (currency; crosses zero at the payback month,
    :func:`payback_months`).
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


def margin_per_unit_spent(net_margin: float, spend: float) -> float:
    """Net margin a channel brings per unit of currency spent on it: ``net_margin / spend``
    (dimensionless)."""
    return _ratio("margin per unit spent", net_margin, spend, "no spend on the channel")


def required_gross_margin(target_ratio: float, cac_value: float, revenue_per_period: float,
                          periods: float) -> float:
    """Gross margin at which LTV/CAC reaches ``target_ratio``:
    ``target_ratio x cac / (revenue_per_period x periods)`` (a share; above 1: unreachable)."""
    return _ratio("required gross margin", target_ratio * cac_value, revenue_per_period * periods,
                  "no revenue over the customer's life")


def required_monthly_revenue(target_ratio: float, cac_value: float, lifetime_months: float,
                             gross_margin: float) -> float:
    """Monthly revenue per customer at which LTV/CAC equals ``target_ratio``:
    ``target_ratio x cac / (lifetime_months x gross_margin)`` (currency per month)."""
    return _ratio("required monthly revenue", target_ratio * cac_value,
                  lifetime_months * gross_margin, "no margin over the customer's life")


def relative_change(before: float, after: float) -> float:
    """Relative change from ``before`` to ``after``: ``after / before - 1`` (dimensionless,
    0.05 = +5 %)."""
    return _ratio("change", after, before, "the starting value is zero") - 1


# --------------------------------------------------------------------------- funnel rates

#: The funnel's rates: KPI-file key -> (numerator count, denominator count). Each rate is
#: :func:`conversion_rate` of the two counts of the period's lead cohort.
FUNNEL_RATES: dict[str, tuple[str, str]] = {
    "lead_to_meeting": ("meetings", "qualified_leads"),
    "meeting_to_opportunity": ("opportunities", "meetings"),
    "opportunity_to_win": ("won", "opportunities"),
    "quote_conversion": ("won_with_quote", "quotes"),
    "mql_to_sql": ("sqls", "qualified_leads"),
    "sql_to_opportunity": ("opportunities", "sqls"),
}


# ------------------------------------------------------------------------------ retention


@_excel("{churned}/{active_before}")
def logo_churn(churned: Number, active_before: Number) -> Number:
    """Monthly logo churn: ``churned / active_before`` (dimensionless, per month), summed over
    the months measured: accounts lost over accounts with MRR the month before."""
    return _ratio("logo churn", churned, active_before, "no account with MRR the month before")


@_excel("{lost_mrr}/{opening_mrr}")
def revenue_churn(lost_mrr: Number, opening_mrr: Number) -> Number:
    """Monthly revenue churn: ``(churn + contraction) / opening MRR`` (dimensionless, per
    month), the MRR amounts summed over the months measured (any currency unit, cents too)."""
    return _ratio("revenue churn", lost_mrr, opening_mrr, "no MRR the month before")


@_excel("{mrr_now}/{mrr_base}")
def net_revenue_retention(mrr_now: Number, mrr_base: Number) -> Number:
    """NRR: ``MRR now of the accounts paying at the base month / their MRR then``
    (dimensionless; above 1 when expansion outweighs churn and contraction)."""
    return _ratio("NRR", mrr_now, mrr_base, "no MRR at the base month")


@_excel("{mrr_kept}/{mrr_base}")
def gross_revenue_retention(mrr_kept: Number, mrr_base: Number) -> Number:
    """GRR: ``sum of min(MRR now, MRR at base) / MRR at base`` over the accounts paying at the
    base month (dimensionless, at most 1: expansion left out)."""
    return _ratio("GRR", mrr_kept, mrr_base, "no MRR at the base month")


@_excel("{converted}/{entered}")
def conversion_rate(converted: Number, entered: Number) -> Number:
    """Share of the leads at a stage that reach a later one: ``converted / entered``
    (dimensionless, 0 to 1). The funnel rates (:data:`FUNNEL_RATES`) and the cohorts'
    N-day conversions are such rates."""
    return _ratio("conversion rate", converted, entered, "no lead reached the previous stage")
