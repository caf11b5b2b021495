"""The KPI file: every figure of an audit for one period and the period before it.

:func:`compute_kpis` is the single place where the audit's numbers are made; the CLI's
``kpis`` command, the audit notebook, the HTML report and the Excel workbook all read its
result. Money is summed in integer cents so that totals reconcile exactly; a ratio whose
denominator is zero is ``None`` with its reason in ``notes``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cac_toolkit.audit.engines import select_rows
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.audit.readings import sector_position, warning_signals
from cac_toolkit.audit.retention import (
    intervals_block,
    ltv_gap_warning,
    measure_retention,
    retention_block,
)
from cac_toolkit.audit.sections import cohort_kpis, segment_kpis
from cac_toolkit.core.errors import InputError, ParameterError, UndefinedMetricError
from cac_toolkit.core.jsontext import iter_indented
from cac_toolkit.core.money import round_money, round_ratio, to_cents
from cac_toolkit.core.money import series_to_cents as cents
from cac_toolkit.core.notes import Notes
from cac_toolkit.core.periods import Period, previous_periods
from cac_toolkit.core.version import __version__
from cac_toolkit.data.loading import AuditData
from cac_toolkit.data.signals import DataWarning, look_alike
from cac_toolkit.figures import formulas
from cac_toolkit.figures.attribution import channel_credits, compare_models
from cac_toolkit.figures.counting import (
    LEAD_COUNT,
    acquisitions,
    acquisitions_in,
    lead_counts,
)
from cac_toolkit.figures.funnel import funnel_kpis

KPI_FILE_VERSION = 1
#: Below this total (currency units), summing whole-cent amounts as floats is exact to the
#: cent: each float is within 2^-53 of its amount, so the error stays under half a cent.
_FLOAT_EXACT_SUM = 1e13


def _money(value_cents: int | float) -> float:
    return round(int(value_cents) / 100, 2)


def _noted(notes: Notes, key: str, note_id: str,
           formula: Callable[..., float], *args: object, **kwargs: object) -> float | None:
    """``formula(*args)``, or ``None`` with the note ``note_id`` under ``key`` when it is
    undefined (a zero denominator: :class:`UndefinedMetricError`)."""
    try:
        return formula(*args, **kwargs)
    except UndefinedMetricError:
        notes.note(key, note_id)
        return None


def period_spend(spend: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Spend lines booked in ``period``, with their amount in integer cents (``cents``).

    Each (category, channel) group is summed exactly (``math.fsum``) and rounded once, half
    away from zero, so sub-cent lines (usage costs, converted amounts) are not lost line by
    line. The group's leftover cents go to its largest line, so that the ``cents`` of any
    grouping of lines by category and channel add up to those exact group totals.
    """
    lines = spend[period.contains(spend["date"])].copy()
    lines["cents"] = cents(lines["amount"])
    if lines.empty:
        return lines
    keys = ["category", "channel"]
    # Only groups holding a line that is not a whole number of cents, or too large for a
    # float sum to be exact to the cent, can differ from the sum of their rounded lines:
    # the exact sum runs on those alone (it is a Python loop over groups).
    amounts = lines["amount"].astype("float64")
    groups = [lines[k] for k in keys]
    uneven = ((lines["cents"] / 100 != amounts).groupby(groups).transform("any")
              | (amounts.abs().groupby(groups).transform("sum") >= _FLOAT_EXACT_SUM))
    if not uneven.any():
        return lines
    lines_exact = lines[uneven.to_numpy()]  # every line of the groups that need it
    exact = lines_exact.groupby(keys)["amount"].agg(math.fsum).map(to_cents)
    rounded = lines_exact.groupby(keys)["cents"].sum()
    leftover = (exact - rounded)[lambda d: d != 0]
    for key, cents_left in leftover.items():
        group = lines[(lines["category"] == key[0]) & (lines["channel"] == key[1])]
        largest = group.sort_values("amount", ascending=False, kind="mergesort").index[0]
        lines.loc[largest, "cents"] += int(cents_left)
    return lines


def channel_customers(acquired: pd.DataFrame, data: AuditData, params: AuditParameters,
                      all_acquired: pd.DataFrame, period: Period, notes: Notes,
                      credits: pd.Series | None = None) -> pd.Series:
    """New customers per channel: deal channel, or attribution credits over touchpoints.

    ``credits``: the model's channel credits when already computed for this period (the
    column of :func:`attribution_comparison`), so that a chain is solved once.
    """
    if params.attribution_model == "deal" or acquired.empty:
        return acquired.groupby("channel").size().astype("float64")
    if data.touchpoints is None:
        notes.note("channels", "no_touchpoints")
        return acquired.groupby("channel").size().astype("float64")
    if credits is not None:
        return credits[credits > 0]

    credits = channel_credits(acquired, data.touchpoints, params.attribution_model,
                              acquired_accounts=all_acquired["account_id"],
                              period_end=period.end, half_life_days=params.half_life_days,
                              markov_order=params.markov_order)
    # A channel seen only in touchpoints earns nothing: it is no channel of this period.
    return credits[credits > 0]


def allocation_weights(customers: pd.Series, data: AuditData, params: AuditParameters,
                       period: Period) -> pd.Series:
    """The stable key that splits pooled costs among channels.

    ``new_customers``: each channel's new customers (or credits); ``opportunities``: leads
    whose ``opportunity_date`` is in the period, counted per channel; ``pipeline``: the sum
    of their ``opportunity_value`` per channel.
    """
    if params.allocation_key == "new_customers":
        return customers
    if data.leads is None:
        raise ParameterError("allocation_key", "new_customers (the folder has no leads table)",
                             params.allocation_key)
    leads = data.leads[period.contains(data.leads["opportunity_date"])]
    if params.allocation_key == "opportunities":
        return leads.groupby("channel").size().astype("float64")
    return leads.groupby("channel")["opportunity_value"].sum(min_count=1).fillna(0.0)


def spend_coverage_gap(spend: pd.DataFrame, period: Period
                       ) -> tuple[tuple[str, dict[str, str]] | None, bool]:
    """Why the spend table may not tell the period's spend: ``(reason, empty)``.

    The spend data covers the calendar months from that of its first line to that of its
    last. ``reason`` is a note of :data:`~cac_toolkit.core.notes.NOTE_TEXTS` as ``(id,
    parameters)``: ``("no_spend_data.before", {"day": DATE})`` ("no spend data before DATE",
    or ``after``) when the period starts before or ends after them, else None; ``empty``
    says that the period holds no spend line at all, so its costs are unknown rather than
    0.00.
    """
    dates = spend["date"].dropna()
    if dates.empty:
        return ("no_spend_data", {}), True
    empty = not period.contains(dates).any()
    first = dates.min().to_period("M").start_time.normalize()
    last = dates.max().to_period("M").end_time.normalize()
    if period.start < first:
        return ("no_spend_data.before", {"day": first.date().isoformat()}), empty
    if period.end > last:
        return ("no_spend_data.after", {"day": last.date().isoformat()}), empty
    return None, empty


def _null_costs(out: dict[str, object], notes: Notes, gap: tuple[str, dict[str, str]]
                ) -> None:
    """Every figure divided by a cost becomes null with the note ``gap`` (id, parameters:
    never a CAC of 0.00); a figure already null keeps its own reason."""
    note_id, params = gap
    cac = out["cac"]
    for key in ("global", "marketing", "sales"):
        if cac[key] is not None:  # type: ignore[index]
            cac[key] = None  # type: ignore[index]
            notes.note(f"cac.{key}", note_id, **params)
    for name, channel in out["channels"].items():  # type: ignore[union-attr]
        for key in ("cac_direct", "cac_fully_loaded"):
            if channel[key] is not None:
                channel[key] = None
                notes.note(f"channels.{name}.{key}", note_id, **params)
    for key in ("ltv_cac", "payback_months"):
        if out[key] is not None:
            out[key] = None
            notes.note(key, note_id, **params)


def period_kpis(data: AuditData, params: AuditParameters, period: Period,
                all_acquired: pd.DataFrame, credits: pd.Series | None = None,
                measured_lifetime: float | None = None) -> tuple[dict[str, object], Notes]:
    """The KPIs of one period (no provenance, no previous period).

    ``credits``: the attribution model's channel credits for ``period`` when already solved
    (see :func:`channel_customers`). ``measured_lifetime`` (months, from the revenue table)
    makes LTV when the parameters give no lifetime: ``ltv_basis`` says which one ``ltv``
    uses; ``ltv_parameter`` and ``ltv_measured`` show both when both exist.
    """
    notes = Notes()
    gap, no_line = spend_coverage_gap(data.spend, period)
    if not no_line:
        gap = None  # partly covered: kept, with the warning of :func:`coverage_warnings`
    lines = period_spend(data.spend, period)
    marketing = int(lines.loc[lines["category"] == "marketing", "cents"].sum())
    sales = int(lines.loc[lines["category"] == "sales", "cents"].sum())
    shared = int(lines.loc[lines["channel"] == "shared", "cents"].sum())
    total = marketing + sales
    acquired = acquisitions_in(all_acquired, period)
    n = len(acquired)

    out: dict[str, object] = {"period": period.as_dict(), "currency": params.currency}
    out["spend"] = {"marketing": _money(marketing), "sales": _money(sales),
                    "shared": _money(shared), "direct": _money(total - shared),
                    "total": _money(total)}
    out["new_customers"] = n
    if n and not total and gap is None:
        notes.note("cac.global", "no_spend")
    out["cac"] = {
        "global": _noted(notes, "cac.global", "no_new_customer",
                         formulas.cac, total / 100, n, to_cent=True),
        "marketing": _noted(notes, "cac.marketing", "no_new_customer",
                            formulas.cac, marketing / 100, n, to_cent=True),
        "sales": _noted(notes, "cac.sales", "no_new_customer",
                        formulas.cac, sales / 100, n, to_cent=True),
    }
    out["channels"] = channel_table(lines, acquired, data, params, period, all_acquired, notes,
                                    credits)

    mrr = acquired["mrr"].astype("float64").dropna() if n else pd.Series(dtype="float64")
    arpa = formulas.arpa(float(mrr.sum()), len(mrr)) if len(mrr) else None
    if n and not len(mrr):
        notes.note("arpa_mrr", "no_mrr")
    elif not n:
        notes.note("arpa_mrr", "no_new_customer")
    out["arpa_mrr"] = (formulas.arpa(float(mrr.sum()), len(mrr), to_cent=True)
                       if arpa is not None else None)
    margin, typed = params.gross_margin, params.lifetime
    # The typed lifetime wins; without one, the lifetime measured from the revenue table.
    lifetime = typed if typed is not None else measured_lifetime
    basis = ltv_basis(params, measured_lifetime)
    ltv = None
    if arpa is not None and margin is not None and lifetime is not None:
        ltv = formulas.ltv_from_arpa(arpa, margin, lifetime)
    elif arpa is not None:
        notes.note("ltv", "missing_parameter")
    out["ltv_basis"] = basis if ltv is not None else None
    out["ltv"] = round_money(ltv) if ltv is not None else None
    both = arpa is not None and margin is not None
    out["ltv_parameter"] = (round_money(formulas.ltv_from_arpa(arpa, margin, typed))
                            if both and typed is not None else None)
    out["ltv_measured"] = (round_money(formulas.ltv_from_arpa(arpa, margin, measured_lifetime))
                           if both and measured_lifetime is not None else None)
    cac_value = formulas.cac(total / 100, n) if n else None
    out["ltv_cac"] = (round_ratio(_noted(notes, "ltv_cac", "undefined", formulas.ltv_cac_ratio,
                                         ltv, cac_value))
                      if ltv is not None and cac_value else None)
    out["payback_months"] = (round_ratio(_noted(notes, "payback_months", "no_margin",
                                                formulas.payback_months, cac_value, arpa,
                                                margin))
                             if cac_value is not None and arpa is not None
                             and margin is not None else None)
    mrr_total = float(acquired["mrr"].fillna(0).sum()) if n else 0.0
    one_off = float(acquired["amount"].fillna(0).sum()) if n else 0.0
    out["new_revenue"] = {"mrr": round_money(mrr_total), "one_off": round_money(one_off),
                          "first_year": round_money(formulas.first_year_revenue(mrr_total,
                                                                                one_off))}
    out["funnel"] = funnel_kpis(data.leads, period, notes)
    out["dependence"] = dependence(out["channels"], data.leads, period)
    if gap is not None:
        _null_costs(out, notes, gap)
    return out, notes


def ltv_basis(params: AuditParameters, measured_lifetime: float | None) -> str | None:
    """The lifetime LTV uses: ``"parameter"`` (typed, it wins), ``"measured"`` (from the
    revenue table, in months) or ``None`` (neither)."""
    if params.lifetime is not None:
        return "parameter"
    return "measured" if measured_lifetime is not None else None


def period_spend_total(spend: pd.DataFrame, period: Period) -> float:
    """The period's total spend (marketing and sales, currency units to the cent), as
    :func:`period_kpis` writes it in ``spend.total``."""
    lines = period_spend(spend, period)
    return _money(int(lines.loc[lines["category"].isin(["marketing", "sales"]), "cents"].sum()))


def channel_table(lines: pd.DataFrame, acquired: pd.DataFrame, data: AuditData,
                  params: AuditParameters, period: Period, all_acquired: pd.DataFrame,
                  notes: Notes, credits: pd.Series | None = None
                  ) -> dict[str, dict[str, object]]:
    """Per channel: direct spend, customers, pooled costs allocated, CACs, budget and revenue."""
    direct_lines = lines[lines["channel"] != "shared"]
    direct = direct_lines.groupby("channel")["cents"].sum().astype("float64") / 100
    customers = channel_customers(acquired, data, params, all_acquired, period, notes, credits)
    key = allocation_weights(customers, data, params, period)
    shared = float(lines.loc[lines["channel"] == "shared", "cents"].sum()) / 100
    table = formulas.channel_cac(direct, customers, shared, key, to_cent=True)
    if shared and table["shared_allocated"].isna().all():
        notes.note("channels.shared_allocated", "no_key", allocation=params.allocation_key)
    revenue = formulas.first_year_revenue(acquired["mrr"].fillna(0),
                                          acquired["amount"].fillna(0)).groupby(
        acquired["channel"]).sum() if len(acquired) else pd.Series(dtype="float64")
    total_revenue = float(revenue.sum())
    loaded = table["spend_direct"] + table["shared_allocated"].fillna(0)
    total_loaded = float(loaded.sum())
    # Column by column rather than row by row: a client may have a million channels. The
    # scalar rounding functions run once per distinct value (same results, to the bit).
    index = table.index
    channel_revenue = revenue.reindex(index).fillna(0.0).astype("float64").to_numpy()
    customers = table["new_customers"].to_numpy(dtype="float64")
    columns = {
        "spend_direct": _each(round_money, table["spend_direct"]),
        "new_customers": _each(_customer_count, table["new_customers"]),
        "cac_direct": _each(round_money, table["cac_direct"]),
        "shared_allocated": _each(round_money, table["shared_allocated"]),
        "cac_fully_loaded": _each(round_money, table["cac_fully_loaded"]),
        "allocation_weight": _each(round_ratio, key.reindex(index).fillna(0.0)
                                   .astype("float64")),
        "budget_share": _each(round_ratio, formulas.share(loaded.to_numpy(dtype="float64"),
                                                          total_loaded))
        if total_loaded else [None] * len(index),
        "new_revenue_first_year": _each(round_money, channel_revenue),
        "revenue_share": _each(round_ratio, formulas.share(channel_revenue, total_revenue))
        if total_revenue else [None] * len(index),
    }
    fields = list(columns)
    channels = [str(channel) for channel in index.tolist()]  # plain strings: fast to iterate
    out: dict[str, dict[str, object]] = {
        channel: dict(zip(fields, values, strict=True))
        for channel, *values in zip(channels, *columns.values(), strict=True)}
    for position in np.flatnonzero(customers == 0).tolist():
        channel = channels[position]
        notes.note(f"channels.{channel}.cac_direct", "no_new_customer.channel",
                   channel=channel)
    return out


def _customer_count(value: float) -> int | float | None:
    """New customers as the KPI file shows them: whole counts as integers, credits rounded."""
    return int(value) if float(value).is_integer() else round_ratio(value)


def _each(function: Callable[[float], object], values: pd.Series | np.ndarray) -> list[object]:
    """``[function(v) for v in values]``, calling ``function`` once per distinct value."""
    array = np.asarray(values, dtype="float64")
    if not len(array):
        return []
    uniques, positions = np.unique(array, return_inverse=True)
    results = [function(float(v)) for v in uniques]
    return [results[i] for i in positions.ravel()]


def dependence(channels: dict[str, dict[str, object]], leads: pd.DataFrame | None,
               period: Period) -> dict[str, object]:
    """Reliance on the top channel: its share of the period's leads and of new revenue."""
    out: dict[str, object] = {"top_channel_leads": None, "leads_share": None,
                              "top_channel_revenue": None, "revenue_share": None}
    if leads is not None:
        # The two columns read (each row counting for the leads it stands for), not a copy
        # of every column of the period's leads.
        cohort = leads.loc[period.contains(leads["created_date"]),
                           ["channel", *([LEAD_COUNT] if LEAD_COUNT in leads else [])]]
        if len(cohort):
            # Sorted by name first so that ties go to the same channel on every run.
            counts = lead_counts(cohort).groupby(cohort["channel"]).sum().sort_index(
                ).sort_values(ascending=False, kind="mergesort")
            out["top_channel_leads"] = str(counts.index[0])
            out["leads_share"] = round_ratio(formulas.share(counts.iloc[0], counts.sum()))
    shares = {c: v["revenue_share"] for c, v in channels.items() if v["revenue_share"]}
    if shares:
        top = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        out["top_channel_revenue"], out["revenue_share"] = top
    return out


def last_data_day(data: AuditData) -> pd.Timestamp | None:
    """The latest spend or deal date: the default period ends in the quarter before it."""
    dates = pd.concat([data.spend["date"], data.deals["won_date"]]).dropna()
    return dates.max() if len(dates) else None


def coverage_warnings(data: AuditData, periods: dict[str, Period]) -> list[DataWarning]:
    """A period holding spend lines but reaching beyond the spend data's months: its costs
    may be incomplete (a period with no line at all gets null CACs instead)."""
    out = []
    for name, period in periods.items():
        gap, no_line = spend_coverage_gap(data.spend, period)
        if gap is not None and not no_line:
            side = gap[0].rsplit(".", 1)[-1]  # no_spend_data.before / .after
            out.append(DataWarning.make(f"spend_partly_covered.{side}", name=name,
                                        start=str(period.start.date()),
                                        end=str(period.end.date()), **gap[1]))
    return out


def spendless_channels(data: AuditData, all_acquired: pd.DataFrame) -> list[DataWarning]:
    """Channels with new customers and no spend line in the whole spend table, while other
    channels have some: their direct CAC would read 0.00. The warning names the spend
    channels that look alike (``Paid Search`` and ``Google Ads``)."""
    spent = sorted(set(data.spend["channel"].dropna()) - {"shared"})
    if not spent or all_acquired.empty:
        return []
    out = []
    counts = all_acquired.groupby("channel").size()
    with_spend = set(spent)  # a set: a list lookup per channel is quadratic in channels
    for channel, n in counts.items():
        if channel in with_spend:
            continue
        alike = look_alike(str(channel), spent)
        if alike:
            out.append(DataWarning.make("channel_without_spend", channel=str(channel),
                                        count=int(n), alike=", ".join(alike)))
        else:
            out.append(DataWarning.make("channel_without_spend.none", channel=str(channel),
                                        count=int(n), spent=", ".join(spent[:6])))
    return out


# ------------------------------------------------------------------------ attribution


@dataclass
class AttributionComparison:
    """Every attribution model's channel credits for one period's new customers.

    ``table``: channels x models (float, NaN for a model that cannot run on these data);
    ``unavailable``: model -> why it could not run.
    """

    table: pd.DataFrame
    unavailable: dict[str, str]

    def as_dict(self) -> dict[str, object]:
        """The KPI file's ``attribution`` block.

        ``models`` (in :data:`~cac_toolkit.figures.attribution.MODELS` order), ``credits``
        (``{channel: {model: credit}}``, unrounded, so that the channels' CACs can be
        recomputed from them exactly), ``total`` per model (the new customers, rounded to 4
        decimals) and ``unavailable`` (model -> reason).
        """
        models = [str(m) for m in self.table.columns]

        def value(v: float) -> float | None:
            return None if pd.isna(v) else float(v)

        credits = {str(channel): {str(m): value(row[m]) for m in self.table.columns}
                   for channel, row in self.table.iterrows()}
        total = {str(m): round_ratio(float(self.table[m].sum(min_count=1)))
                 for m in self.table.columns}
        return {"models": models, "credits": credits, "total": total,
                "unavailable": dict(self.unavailable)}


def attribution_comparison(data: AuditData, params: AuditParameters, period: Period,
                           all_acquired: pd.DataFrame) -> AttributionComparison | None:
    """:func:`~cac_toolkit.figures.attribution.compare_models` on the period's new customers.

    ``None`` without a touchpoints table or without a new customer. A model that cannot run
    (Shapley beyond 12 channels) is a column of NaN with its reason in ``unavailable``; when
    it is the audit's own model, the audit stops with the model's error as before.
    """
    acquired = acquisitions_in(all_acquired, period)
    if data.touchpoints is None or acquired.empty:
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        table = compare_models(acquired, data.touchpoints,
                               acquired_accounts=all_acquired["account_id"],
                               period_end=period.end, half_life_days=params.half_life_days,
                               markov_order=params.markov_order)
    unavailable = {}
    for model in table.columns:
        if table[model].isna().all():
            if model == params.attribution_model:  # raises the model's own error
                channel_credits(acquired, data.touchpoints, model,
                                acquired_accounts=all_acquired["account_id"],
                                period_end=period.end, half_life_days=params.half_life_days,
                                markov_order=params.markov_order)
            reasons = [str(w.message).removeprefix("compare_models: ") for w in caught]
            unavailable[str(model)] = reasons[0] if reasons else "the model cannot run"
    return AttributionComparison(table, unavailable)


# ---------------------------------------------------------------------------- history

#: Earlier periods in the KPI file's ``history`` (the audited one included).
HISTORY_PERIODS = 4

#: The figures of a ``history`` row: column -> path in a period's KPI dict.
HISTORY_PATHS: dict[str, str] = {
    "spend_total": "spend.total", "new_customers": "new_customers",
    "cac_global": "cac.global", "cac_marketing": "cac.marketing", "cac_sales": "cac.sales",
    "arpa_mrr": "arpa_mrr", "ltv": "ltv", "ltv_cac": "ltv_cac",
    "payback_months": "payback_months", "mql_to_sql": "funnel.mql_to_sql",
    "sql_to_opportunity": "funnel.sql_to_opportunity",
    "opportunity_to_win": "funnel.opportunity_to_win",
    "conversion_delay_days": "funnel.conversion_delay_days.median",
    "leads_share": "dependence.leads_share", "revenue_share": "dependence.revenue_share",
}
HISTORY_COLUMNS = tuple(HISTORY_PATHS)


def kpi_value(kpis: Mapping[str, object], path: str) -> object:
    """``kpi_value(kpis, "cac.global")``: a dotted path into the KPI dict, ``None`` if absent."""
    node: object = kpis
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def history_row(kpis: Mapping[str, object]) -> dict[str, float | None]:
    """One period's KPI dict reduced to the :data:`HISTORY_COLUMNS` (``None`` when undefined)."""
    out: dict[str, float | None] = {}
    for column, path in HISTORY_PATHS.items():
        value = kpi_value(kpis, path)
        out[column] = None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
    return out


def history(data: AuditData, params: AuditParameters, count: int = HISTORY_PERIODS,
            all_acquired: pd.DataFrame | None = None,
            known: tuple[Period, Mapping[str, object]] | None = None,
            measured_lifetime: float | None = None) -> list[dict[str, object]]:
    """The KPIs of the audited period and the ``count - 1`` periods before it, oldest first.

    Periods from :func:`cac_toolkit.core.periods.previous_periods`: each the comparison period
    (``compare_to``) of the next one, so the second-to-last row is exactly the KPI file's
    ``previous`` period (one comparison period everywhere in the report). Each is computed
    by :func:`period_kpis` (same rules, same parameters); ``known`` is a period whose KPIs
    are already computed (the audited one), reused as is; ``measured_lifetime`` is the
    audit's measured lifetime, used by every period as by the audited one. One row per
    period: ``period``
    (``{"start", "end"}``) and the :data:`HISTORY_COLUMNS` (``None`` when undefined). Earlier
    periods that start before the first day of data (partly covered: their figures would be
    those of a few days) are dropped, except ``previous`` itself, which the summary compares
    with; so are leading periods with neither spend nor new customer.
    """
    if count < 1:
        raise ValueError("quarters must be at least 1")
    audited = params.audited_period(last_data_day(data))
    comparison = params.comparison(audited)
    dates = pd.concat([pd.to_datetime(data.spend["date"]),
                       pd.to_datetime(data.deals["won_date"])]).dropna()
    first_day = dates.min().normalize() if len(dates) else pd.NaT
    periods = [p for p in previous_periods(audited, count, params.compare_to)
               if p in (audited, comparison) or pd.isna(first_day) or p.start >= first_day]
    all_acquired = acquisitions(data.deals) if all_acquired is None else all_acquired
    rows = []
    for p in periods:
        if known is not None and known[0] == p:
            values = known[1]
        else:
            values, _notes = period_kpis(data, params, p, all_acquired,
                                         measured_lifetime=measured_lifetime)
        rows.append({"period": p.as_dict(), **history_row(values)})
    empty = [not row["spend_total"] and not row["new_customers"] for row in rows]
    first = empty.index(False) if not all(empty) else len(rows) - 1
    return rows[first:]


def compute_kpis(data: AuditData, params: AuditParameters) -> dict[str, object]:
    """Every KPI of the contract for the audited period, the previous one, and provenance."""
    data = select_rows(data, params, HISTORY_PERIODS)  # the rows read, chosen by the engine
    period = params.audited_period(last_data_day(data))
    in_period = period.contains(data.spend["date"]).any() or period.contains(
        data.deals["won_date"]).any()
    if not in_period:
        raise InputError("spend, deals", f"no spend line and no deal from {period.start.date()} "
                         f"to {period.end.date()}; ", expected="rows dated in the period "
                         "(check period_start and period_end)")
    if data.currency and data.currency != params.currency:
        raise ParameterError("currency", f"the inputs' currency ({data.currency})",
                             params.currency)
    all_acquired = acquisitions(data.deals)
    # Every model on the period's customers, solved once: the audit's own model is a column.
    comparison = attribution_comparison(data, params, period, all_acquired)
    credits = (comparison.table[params.attribution_model]
               if comparison is not None and params.attribution_model != "deal" else None)
    retention_notes = Notes()
    measured = measure_retention(data.revenue, params, period, retention_notes)
    lifetime = measured.lifetime_months if measured is not None else None
    acquired = acquisitions_in(all_acquired, period)
    # The bootstrap runs before the channel rows are made: its weights (new customers x
    # replicates) and a million channels' rows are never in memory together. Its notes
    # follow the retention block's, as when it ran after it.
    interval_notes = Notes()
    intervals = intervals_block(acquired["mrr"].astype("float64"), len(acquired),
                                period_spend_total(data.spend, period), params,
                                ltv_basis(params, lifetime), measured, interval_notes)
    current, notes = period_kpis(data, params, period, all_acquired, credits, lifetime)
    previous_period = params.comparison(period)
    previous, previous_notes = period_kpis(data, params, previous_period, all_acquired,
                                           measured_lifetime=lifetime)
    out: dict[str, object] = {"kpi_file_version": KPI_FILE_VERSION}
    out.update(current)
    out["cohorts"] = cohort_kpis(data, params, period, notes, all_acquired=all_acquired)
    out["segments"] = segment_kpis(data, params, period, notes, all_acquired=all_acquired,
                                   measured_lifetime=lifetime)
    out["retention"] = retention_block(measured, params, retention_notes)
    retention_notes.items.extend(interval_notes.items)
    out["intervals"] = intervals
    warnings = [w for w in [ltv_gap_warning(current["ltv_parameter"],
                                            current["ltv_measured"])] if w]
    notes.items.extend(retention_notes.items)
    out["allocation_key"] = params.allocation_key
    out["attribution_model"] = params.attribution_model
    out["previous"] = previous
    # The costs of the previous period that are unknown, not zero, are said too.
    out["notes"] = notes.items + [n.moved("previous." + n["key"])
                                  for n in previous_notes.items
                                  if n["code"] == "no_spend_data"]
    found = data.warnings + spendless_channels(data, all_acquired) + coverage_warnings(
        data, {"audited": period, "previous": previous_period})
    out["warnings"] = [w.as_dict() for w in found] + warnings
    out["inputs"] = data.inputs()
    out["parameters"] = params.as_dict()
    out["version"] = __version__
    # What the report shows beyond the period's figures (added in KPI file version 1.1).
    out["history"] = history(data, params, HISTORY_PERIODS, all_acquired, (period, current),
                             measured_lifetime=lifetime)
    out["attribution"] = comparison.as_dict() if comparison is not None else None
    # The signals compare the audited period with ``previous``, as the summary does.
    out["signals"] = warning_signals(out)
    out["sector"] = sector_position(out, params.sector)
    return out


def kpis_to_json(kpis: dict[str, object]) -> str:
    """The KPI file's text: stable key order, UTF-8, no NaN or infinity, a final newline."""
    return "".join(kpis_json_pieces(kpis))


def kpis_json_pieces(kpis: dict[str, object]) -> Iterator[str]:
    """:func:`kpis_to_json` in pieces, to write or hash a large KPI file without holding its
    text (``json.dumps(indent=2, ensure_ascii=False, allow_nan=False)`` and a newline)."""
    yield from iter_indented(kpis)
    yield "\n"


def flatten(kpis: dict[str, object], prefix: str = "") -> dict[str, object]:
    """``{"cac": {"global": 1500}}`` -> ``{"cac.global": 1500}`` (lists are left whole)."""
    flat: dict[str, object] = {}
    for key, value in kpis.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
