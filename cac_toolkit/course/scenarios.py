"""What-ifs for the course and the audit: what happens to CAC, LTV/CAC and payback if ...

Each function states its assumption in its docstring; none of them is a forecast.

- Counting walk-through: :func:`explain_counting` labels every deal with the counting rule
  that keeps or excludes it.
- Pooled costs: :func:`compare_allocation_keys` computes the fully loaded CAC per channel
  under several allocation keys; :func:`illustrative_allocation_keys` gives invented keys for
  the SaaS quarter (its folder has no leads table).
- Budget moves: :func:`rebudget` and :func:`move_budget` assume that each channel's marginal
  CAC equals its current CAC (times a saturation multiplier for the channel that grows);
  :func:`reallocation_sensitivity` shows how the answer changes when that does not hold.
- Sensitivity grids: :func:`ltv_cac_grid` over gross margin x retention, with the lifetime a
  retention rate implies (:func:`cac_toolkit.figures.formulas.lifetime_from_retention`).
- Unit economics: :func:`unit_economics` (LTV, LTV/CAC, payback and their verdicts), the
  baseline that the levers of :mod:`cac_toolkit.course.levers` change.
- Channels compared on value, not on CAC alone: :func:`channel_economics` (cost per won
  opportunity, lifetime margin, margin per euro) and :func:`breakeven_monthly_revenue`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.periods import Period
from cac_toolkit.figures import formulas
from cac_toolkit.figures.counting import acquisitions
from cac_toolkit.figures.formulas import lifetime_from_retention
from cac_toolkit.figures.targets import Verdict, assess_ltv_cac, assess_payback

# --------------------------------------------------------------------------- counting

COUNTED = "counted: first paid 'new' deal of the account"
REASONS = {
    "renewal": "excluded: renewal of an existing customer",
    "reactivation": "excluded: reactivation of a former customer",
    "upsell": "excluded: upsell to an existing customer",
    "cross_sell": "excluded: cross-sell to an existing customer",
    "unpaid": "excluded: free sign-up (freemium / unpaid POC), cost kept, customer not",
    "repeat": "excluded: account already acquired by an earlier deal",
    "outside": "excluded: account acquired outside the period",
}


def explain_counting(deals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Every deal with ``counted`` (bool) and the ``reason`` it counts or not as a new customer.

    The rules are those of :mod:`cac_toolkit.figures.counting`, checked in this order: a deal whose
    ``type`` is not ``new`` is a renewal, reactivation, upsell or cross-sell; an unpaid deal is
    a free sign-up; a paid ``new`` deal that is not the account's first one is a repeat; the
    account's first paid ``new`` deal counts when its date is in ``period``, else it is outside.
    The number of counted rows equals the period's new customers.
    """
    acquiring = set(acquisitions(deals)["deal_id"])
    out = deals.copy()
    paid = out["paid"].astype(bool)
    is_new = out["type"] == "new"
    first = out["deal_id"].isin(acquiring)
    inside = period.contains(out["won_date"])
    reason = pd.Series(COUNTED, index=out.index, dtype="object")
    reason[first & ~inside] = REASONS["outside"]
    reason[is_new & paid & ~first] = REASONS["repeat"]
    reason[is_new & ~paid] = REASONS["unpaid"]
    for kind in ("renewal", "reactivation", "upsell", "cross_sell"):
        reason[out["type"] == kind] = REASONS[kind]
    out["counted"] = (reason == COUNTED).to_numpy()
    out["reason"] = reason.astype("string")
    return out


def counting_summary(explained: pd.DataFrame) -> pd.DataFrame:
    """Rows per reason from :func:`explain_counting`: ``reason``, ``rows``, ``counted``."""
    summary = (explained.groupby(["reason", "counted"]).size().rename("rows").reset_index()
               .sort_values(["counted", "rows", "reason"], ascending=[False, False, True]))
    return summary[["reason", "rows", "counted"]].reset_index(drop=True)


# --------------------------------------------------------------------------- pooled costs


def illustrative_allocation_keys() -> dict[str, pd.Series]:
    """Invented allocation keys for the SaaS quarter (SEO, Ads, Outbound), to compare methods.

    The quarter's folder has no leads table, so these are assumptions made for teaching:

    - ``new_customers``: the quarter's real new customers (28, 12, 20);
    - ``opportunities``: opportunities opened in the quarter (70, 50, 80), outbound opening
      many that close less often;
    - ``pipeline``: their value in EUR of annual contract (150,000; 90,000; 360,000),
      outbound reaching larger accounts;
    - ``time_spent``: hours of the pooled team (account executives, management) spent on each
      channel's leads (300, 525, 675), Ads leads needing much qualifying.
    """
    channels = ["SEO", "Ads", "Outbound"]
    return {
        "new_customers": pd.Series([28.0, 12.0, 20.0], index=channels),
        "opportunities": pd.Series([70.0, 50.0, 80.0], index=channels),
        "pipeline": pd.Series([150_000.0, 90_000.0, 360_000.0], index=channels),
        "time_spent": pd.Series([300.0, 525.0, 675.0], index=channels),
    }


def compare_allocation_keys(direct_spend: pd.Series, new_customers: pd.Series,
                            shared_spend: float, keys: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Fully loaded CAC per channel under each allocation key (one row per key and channel).

    For each key, :func:`cac_toolkit.figures.formulas.channel_cac` allocates ``shared_spend`` in
    proportion to the key, to the cent. Columns: ``key``, ``channel``, ``key_share`` (the
    channel's share of the key), ``shared_allocated`` (currency; adds back to
    ``shared_spend`` exactly for each key), ``cac_direct``, ``cac_fully_loaded`` (currency per
    customer).
    """
    rows = []
    for name, key in keys.items():
        table = formulas.channel_cac(direct_spend, new_customers, shared_spend, key)
        weights = key.reindex(table.index).fillna(0.0)
        frame = table[["shared_allocated", "cac_direct", "cac_fully_loaded"]].copy()
        frame.insert(0, "key_share", formulas.share(weights, float(weights.sum())))
        frame.insert(0, "channel", table.index.astype(str))
        frame.insert(0, "key", name)
        rows.append(frame.reset_index(drop=True))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- budget moves


def rebudget(direct_spend: pd.Series, new_customers: pd.Series, new_spend: pd.Series,
             growth_multipliers: Mapping[str, float] | None = None,
             shared_spend: float = 0.0) -> pd.DataFrame:
    """Customers per channel after changing direct budgets, under a stated marginal-CAC model.

    Assumption: a channel whose budget falls loses customers at its current CAC
    (``cac_c = spend_c / customers_c``); a channel whose budget rises gains customers at a
    marginal CAC of ``cac_c x m_c`` (``m_c`` from ``growth_multipliers``, default 1: the
    extra euros buy customers as today's euros do; above 1: the channel saturates).

    ``customers_after_c = customers_c + delta_c / marginal_cac_c`` where ``delta_c`` is the
    budget change. Columns: ``spend_before``, ``customers_before``, ``cac_before``,
    ``spend_after``, ``marginal_cac``, ``customers_after``, ``cac_after`` (direct, currency per
    customer) and ``cac_fully_loaded_after`` (``shared_spend`` allocated by customers after).
    Expected customers are fractional; a channel with budget but no customer cannot be moved
    (:class:`UndefinedMetricError`: its CAC is undefined).
    """
    multipliers = dict(growth_multipliers or {})
    channels = list(direct_spend.index)
    out = pd.DataFrame(index=pd.Index(channels, name="channel"))
    out["spend_before"] = direct_spend.astype("float64")
    out["customers_before"] = new_customers.reindex(channels).fillna(0.0).astype("float64")
    out["spend_after"] = new_spend.reindex(channels).astype("float64")
    if out["spend_after"].isna().any() or (out["spend_after"] < 0).any():
        raise ValueError("new_spend must give a budget >= 0 for every channel of direct_spend")
    cac_before, marginal = [], []
    for channel, row in out.iterrows():
        moved = row["spend_after"] != row["spend_before"]
        if row["customers_before"]:
            current = formulas.cac(row["spend_before"], row["customers_before"])
        elif moved:
            raise UndefinedMetricError(f"marginal CAC of {channel}",
                                       "the channel has spend but no customer")
        else:
            current = np.nan  # untouched channel without customers: nothing to predict
        rises = row["spend_after"] > row["spend_before"]
        if rises and not current:
            raise UndefinedMetricError(f"marginal CAC of {channel}",
                                       "the channel has no direct spend today, so the cost of "
                                       "an extra customer is unknown")
        cac_before.append(current)
        marginal.append(current * (multipliers.get(str(channel), 1.0) if rises else 1.0))
    out["cac_before"] = cac_before
    out["marginal_cac"] = marginal
    delta = out["spend_after"] - out["spend_before"]
    with np.errstate(divide="ignore", invalid="ignore"):
        gained = np.where(delta == 0, 0.0,
                          formulas.customers_bought(delta, out["marginal_cac"]))
    out["customers_after"] = out["customers_before"] + gained
    customers = out["customers_after"].where(out["customers_after"] > 0)
    out["cac_after"] = formulas.cac(out["spend_after"], customers)
    if shared_spend and out["customers_after"].sum() > 0:
        loaded = formulas.channel_cac(out["spend_after"], out["customers_after"], shared_spend)
        out["cac_fully_loaded_after"] = loaded["cac_fully_loaded"].reindex(channels)
    else:
        out["cac_fully_loaded_after"] = out["cac_after"]
    return out


def move_budget(direct_spend: pd.Series, new_customers: pd.Series, source: str, target: str,
                amount: float, target_multiplier: float = 1.0,
                shared_spend: float = 0.0) -> pd.DataFrame:
    """Move ``amount`` (currency) of direct budget from ``source`` to ``target``.

    The same marginal-CAC model as :func:`rebudget`: the source loses ``amount / cac_source``
    customers; the target gains ``amount / (cac_target x target_multiplier)``.
    """
    if source == target:
        raise ValueError("source and target must be two different channels")
    for channel in (source, target):
        if channel not in direct_spend.index:
            raise KeyError(f"unknown channel {channel!r}; expected one of "
                           f"{sorted(map(str, direct_spend.index))}")
    if not 0 <= amount <= direct_spend[source]:
        raise ValueError(f"amount must be between 0 and {source}'s budget "
                         f"({direct_spend[source]:,.2f}), got {amount:,.2f}")
    new_spend = direct_spend.astype("float64").copy()
    new_spend[source] -= amount
    new_spend[target] += amount
    return rebudget(direct_spend, new_customers, new_spend, {target: target_multiplier},
                    shared_spend)


@dataclass(frozen=True)
class BudgetTotals:
    """Totals of a :func:`rebudget` table: customers and global CAC before and after."""

    spend: float
    customers_before: float
    customers_after: float
    cac_before: float
    cac_after: float

    @property
    def extra_customers(self) -> float:
        return self.customers_after - self.customers_before


def budget_totals(table: pd.DataFrame, shared_spend: float = 0.0) -> BudgetTotals:
    """Global figures of a rebudgeted table: ``(direct + shared spend) / customers``.

    The total budget is unchanged by a move, so the global CAC falls exactly when the move
    brings more customers than it loses.
    """
    spend = float(table["spend_after"].sum()) + shared_spend
    before = float(table["customers_before"].sum())
    after = float(table["customers_after"].sum())
    return BudgetTotals(spend, before, after,
                        formulas.cac(float(table["spend_before"].sum()) + shared_spend, before),
                        formulas.cac(spend, after))


def reallocation_sensitivity(direct_spend: pd.Series, new_customers: pd.Series, source: str,
                             target: str, amount: float, multipliers: Iterable[float],
                             shared_spend: float = 0.0) -> pd.DataFrame:
    """The same move under several saturation levels of the target channel.

    One row per multiplier ``m`` (marginal CAC of the target = current CAC x ``m``):
    ``marginal_cac_target``, ``customers_gained``, ``customers_lost``, ``customers_after``
    (all channels) and ``cac_global_after`` (currency per customer, pooled costs included).
    """
    rows = []
    for m in multipliers:
        table = move_budget(direct_spend, new_customers, source, target, amount, m,
                            shared_spend)
        totals = budget_totals(table, shared_spend)
        rows.append({
            "multiplier": float(m),
            "marginal_cac_target": float(table.loc[target, "marginal_cac"]),
            "customers_gained": float(table.loc[target, "customers_after"]
                                      - table.loc[target, "customers_before"]),
            "customers_lost": float(table.loc[source, "customers_before"]
                                    - table.loc[source, "customers_after"]),
            "customers_after": totals.customers_after,
            "cac_global_after": totals.cac_after,
        })
    return pd.DataFrame(rows)


def breakeven_multiplier(direct_spend: pd.Series, new_customers: pd.Series, source: str,
                         target: str) -> float:
    """Saturation at which moving budget from ``source`` to ``target`` gains nothing.

    ``cac_source / cac_target``: once the target's marginal CAC reaches the source's CAC, each
    euro moved buys as many customers as it lost (dimensionless).
    """
    cac_source = formulas.cac(direct_spend[source], new_customers[source])
    cac_target = formulas.cac(direct_spend[target], new_customers[target])
    return formulas.cac_ratio(cac_source, cac_target) if cac_target else float("nan")


# --------------------------------------------------------------------------- unit economics


@dataclass(frozen=True)
class UnitEconomics:
    """One customer's economics: LTV, LTV/CAC and payback, with their verdicts.

    Money in currency, ``lifetime_months`` and ``payback_months`` in months; a figure that
    does not exist is ``None`` and its reason is in ``notes``.
    """

    cac: float
    arpa: float
    gross_margin: float
    lifetime_months: float
    ltv: float
    ltv_cac: float | None
    payback_months: float | None
    ltv_cac_verdict: Verdict
    payback_verdict: Verdict
    notes: tuple[str, ...] = ()


def unit_economics(cac: float, arpa: float, gross_margin: float,
                   lifetime_months: float) -> UnitEconomics:
    """LTV = ``arpa x lifetime_months x gross_margin``; LTV/CAC; payback = ``cac / (arpa x m)``.

    ``arpa`` is the monthly revenue per account (currency per month).
    """
    notes = []
    ltv = formulas.ltv_from_revenue(arpa, lifetime_months, gross_margin)
    try:
        ratio = formulas.ltv_cac_ratio(ltv, cac)
    except UndefinedMetricError as error:
        ratio = None
        notes.append(str(error))
    try:
        payback = formulas.payback_months(cac, arpa, gross_margin)
    except UndefinedMetricError as error:
        payback = None
        notes.append(str(error))
    return UnitEconomics(cac, arpa, gross_margin, lifetime_months, ltv, ratio, payback,
                         assess_ltv_cac(ratio), assess_payback(payback), tuple(notes))


# --------------------------------------------------------------------------- retention grids


def contract_ltv(revenue_per_period: float, gross_margin: float, retention: float,
                 horizon: float | None = None, discount_rate: float = 0.0) -> float:
    """LTV of a contract: ``revenue_per_period x gross_margin x lifetime_from_retention(...)``.

    With a yearly contract and a yearly retention, periods are years (currency).
    """
    periods = lifetime_from_retention(retention, horizon, discount_rate)
    return formulas.ltv_from_revenue(revenue_per_period, periods, gross_margin)


def ltv_cac_grid(revenue_per_period: float, cac: float, margins: Iterable[float],
                 retentions: Iterable[float], horizon: float | None = None,
                 discount_rate: float = 0.0) -> pd.DataFrame:
    """LTV/CAC for every gross margin (rows, ``gross_margin``) and retention (columns).

    Each cell is :func:`contract_ltv` / ``cac``. Margin 0.3 and retention 0.9 with a 50,000
    contract and a 3,000 CAC: LTV 150,000 and a ratio of 50.
    """
    margins, retentions = list(margins), list(retentions)
    values = [[formulas.ltv_cac_ratio(contract_ltv(revenue_per_period, m, r, horizon,
                                                  discount_rate), cac)
               for r in retentions] for m in margins]
    return pd.DataFrame(values, index=pd.Index(margins, name="gross_margin"),
                        columns=pd.Index(retentions, name="retention"))


def min_margin_for_ratio(revenue_per_period: float, cac: float, retention: float,
                         target: float = 5.0, horizon: float | None = None,
                         discount_rate: float = 0.0) -> float:
    """Gross margin needed for LTV/CAC to reach ``target``: ``target x cac / (revenue x life)``.

    ``life`` is :func:`lifetime_from_retention`. A result above 1 means no margin suffices.
    """
    life = lifetime_from_retention(retention, horizon, discount_rate)
    return formulas.required_gross_margin(target, cac, revenue_per_period, life)


# --------------------------------------------------------------------------- channel value


@dataclass(frozen=True)
class ChannelAssumptions:
    """What a channel's customers are worth: monthly revenue, lifetime (months), gross margin."""

    monthly_revenue: float
    lifetime_months: float
    gross_margin: float


def channel_economics(spend: pd.Series, won: pd.Series,
                      assumptions: Mapping[str, ChannelAssumptions]) -> pd.DataFrame:
    """Compare channels on the margin their customers bring, not only on what they cost.

    Per channel (currency unless said): ``spend``, ``won`` (won opportunities, here new
    customers), ``cost_per_won`` = spend / won, ``ltv`` = monthly revenue x lifetime x margin
    (gross margin over the customer's life), ``ltv_cac`` = ltv / cost_per_won,
    ``net_margin_per_customer`` = ltv - cost_per_won, ``net_margin_total`` = won x net
    margin, ``margin_per_euro`` = net_margin_total / spend (dimensionless) and
    ``payback_months``.
    """
    rows = []
    for channel, hypothesis in assumptions.items():
        cost = formulas.cac(float(spend[channel]), float(won[channel]))
        ltv = formulas.ltv_from_revenue(hypothesis.monthly_revenue, hypothesis.lifetime_months,
                                       hypothesis.gross_margin)
        net_total = float(won[channel]) * (ltv - cost)
        rows.append({
            "channel": channel, "spend": float(spend[channel]), "won": float(won[channel]),
            "cost_per_won": cost, "monthly_revenue": hypothesis.monthly_revenue,
            "lifetime_months": hypothesis.lifetime_months,
            "gross_margin": hypothesis.gross_margin, "ltv": ltv,
            "ltv_cac": formulas.ltv_cac_ratio(ltv, cost),
            "net_margin_per_customer": ltv - cost, "net_margin_total": net_total,
            "margin_per_euro": formulas.margin_per_unit_spent(net_total, float(spend[channel])),
            "payback_months": formulas.payback_months(cost, hypothesis.monthly_revenue,
                                                     hypothesis.gross_margin),
        })
    return pd.DataFrame(rows).set_index("channel")


def breakeven_monthly_revenue(cac: float, target_ratio: float, lifetime_months: float,
                              gross_margin: float) -> float:
    """Monthly revenue per customer at which LTV/CAC equals ``target_ratio`` (currency/month).

    ``target_ratio x cac / (lifetime_months x gross_margin)``.
    """
    return formulas.required_monthly_revenue(target_ratio, cac, lifetime_months, gross_margin)


def ratio_by_monthly_revenue(cac: float, revenues: Iterable[float], lifetime_months: float,
                             gross_margin: float) -> pd.Series:
    """LTV/CAC for each monthly revenue per customer (index ``monthly_revenue``)."""
    revenues = list(revenues)
    values = [formulas.ltv_cac_ratio(formulas.ltv_from_revenue(r, lifetime_months, gross_margin),
                                    cac) for r in revenues]
    return pd.Series(values, index=pd.Index(revenues, name="monthly_revenue"), name="ltv_cac")
