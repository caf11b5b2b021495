"""Monthly cohorts (30/60/90-day conversions, lag-aware CAC) and CAC per segment (ICP).

A B2B lead often signs months after it was created, so the CAC of one month (that month's
spend over that month's new customers) mixes costs and customers that do not belong
together. Following each month's leads for 30, 60 and 90 days ties the spend of a month to
the customers it produced: the *lag-aware CAC*.

Cohort month
    The calendar month of a lead's ``created_date`` (or of a spend line's ``date``), clipped
    to the range analysed. Months are a ``pandas.PeriodIndex`` (freq ``M``) named ``month``.
Won within N days
    The lead has a ``won_date`` and ``won_date - created_date <= N`` days (whole days; a
    lead won on day 30 counts at 30, one won on day 31 only from 60 on). A ``won_date``
    before ``created_date`` counts as an immediate win.
Complete
    A cohort month is complete at N days when its last day plus N days is on or before the
    observation date ``as_of`` (the latest date in the data): every lead of the month has had
    N days to convert. Rates and CACs of incomplete cells are left undefined (NaN here,
    ``null`` with a reason in the KPI file), because their customers are still to come.
Window of the KPI file
    From the first day of the month containing ``period_start - max(horizons)`` days to
    ``period_end``: the audited months plus the months whose leads can still convert inside
    the period within the longest horizon (see :func:`cohort_window`).

Segments: the contract does not tag spend by segment, so the period's acquisition spend is
split among segments with a stable key (the allocation key of the audit: new customers by
default, or opportunities / pipeline of the leads); a ``segment`` column on the spend table,
when present, is used as direct segment spend first and only the rest is allocated. Accounts
and leads without a segment go under ``"unknown"``.

Everything is vectorised over leads and accounts; the only Python loops run over the
horizons or over a handful of summary keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import ParameterError
from cac_toolkit.core.money import series_to_cents as _cents
from cac_toolkit.core.periods import Period
from cac_toolkit.data.loading import AuditData
from cac_toolkit.figures import formulas
from cac_toolkit.figures.counting import LEAD_COUNT, acquisitions_in, lead_counts

HORIZONS: tuple[int, ...] = (30, 60, 90)
UNKNOWN_SEGMENT = "unknown"
POOLED_SEGMENTS = ("", "shared")  # spend rows with these segments are pooled (allocated)
LEAD_DATE_COLUMNS = ("created_date", "mql_date", "sql_date", "meeting_date", "opportunity_date",
                     "quote_date", "won_date", "lost_date")


# --------------------------------------------------------------------------------- months


def check_horizons(horizons: Iterable[int]) -> tuple[int, ...]:
    values = tuple(int(h) for h in horizons)
    if not values or any(h <= 0 for h in values) or len(set(values)) != len(values):
        raise ParameterError("horizons", "distinct whole numbers of days > 0 such as 30, 60, 90",
                             horizons)
    return tuple(sorted(values))


def cohort_window(period: Period, horizons: Iterable[int] = HORIZONS) -> Period:
    """The cohort months shown for an audited ``period``.

    ``[first day of month(period.start - max(horizons) days), period.end]``: a customer won in
    the period may come from a lead created up to ``max(horizons)`` days before it starts, so
    the months of those leads are shown too (for Q1 2026 and 90 days: October 2025 to March
    2026).
    """
    longest = max(check_horizons(horizons))
    first = (period.start - pd.Timedelta(days=longest)).to_period("M").start_time
    return Period(first, period.end)


def month_index(period: Period) -> pd.PeriodIndex:
    """The calendar months overlapping ``period``, as a ``PeriodIndex`` named ``month``."""
    return pd.period_range(period.start, period.end, freq="M", name="month")


def _month_ends(months: pd.PeriodIndex, period: Period) -> pd.Series:
    """Last day of each month, clipped to ``period.end``."""
    ends = pd.Series(months.to_timestamp(how="end").normalize(), index=months)
    return ends.clip(upper=period.end)


def _count_by_month(dates: pd.Series, months: pd.PeriodIndex,
                    weights: pd.Series | None = None) -> pd.Series:
    """Rows per month of ``dates`` over ``months`` (0 for a month without one); with
    ``weights`` (on the same index), the sum of the rows' weights instead."""
    if weights is None:
        counts = dates.dt.to_period("M").value_counts()
    else:  # by position (an index, not a series, is not aligned)
        counts = weights.groupby(pd.PeriodIndex(dates.dt.to_period("M"))).sum()
    return counts.reindex(months, fill_value=0).astype("int64")


def spend_by_month(spend: pd.DataFrame, period: Period) -> pd.Series:
    """Acquisition spend (marketing + sales, currency) booked in each month of ``period``.

    ``spend_m = sum(amount of the lines dated in month m)``, summed in integer cents and
    returned to the cent. Months without a line are 0.
    """
    months = month_index(period)
    lines = spend[period.contains(spend["date"])]
    by_month = _cents(lines["amount"]).groupby(lines["date"].dt.to_period("M")).sum()
    return (by_month.reindex(months, fill_value=0) / 100).astype("float64").rename("spend")


def monthly_cac(spend: pd.DataFrame, acquired: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The short-term CAC of each month: that month's spend over that month's new customers.

    Columns: ``spend`` (currency), ``new_customers`` (accounts acquired in the month, see
    :func:`figures.counting.acquisitions`) and ``cac = spend / new_customers`` (currency per
    customer, NaN when the month has no new customer). This is the reading the lag-aware CAC
    corrects: customers signed this month mostly come from earlier months' spend.
    """
    months = month_index(period)
    out = spend_by_month(spend, period).to_frame()
    signed = acquired.loc[period.contains(acquired["acquired_date"]), "acquired_date"]
    out["new_customers"] = _count_by_month(signed, months)
    out["cac"] = formulas.cac(out["spend"], out["new_customers"].where(out["new_customers"] > 0))
    return out


# -------------------------------------------------------------------------------- cohorts


def latest_lead_date(leads: pd.DataFrame) -> pd.Timestamp | None:
    """The latest date found in any date column of ``leads`` (the CRM export's horizon)."""
    columns = [c for c in LEAD_DATE_COLUMNS if c in leads]
    if not columns or leads.empty:
        return None
    # Column by column: the frame's max over both axes copies every date column into one
    # block first (1.3 GB for the 11 million leads of 1000x the sample company).
    latest = max((m for m in (leads[c].max() for c in columns) if not pd.isna(m)),
                 default=None)
    return None if latest is None else pd.Timestamp(latest).normalize()


def observation_end(data: AuditData) -> pd.Timestamp | None:
    """The observation date of an audit folder: its latest spend, deal or lead date."""
    dates = [data.spend["date"].max(), data.deals["won_date"].max()]
    if data.leads is not None:
        dates.append(latest_lead_date(data.leads))
    dates = [pd.Timestamp(d) for d in dates if d is not None and not pd.isna(d)]
    return max(dates).normalize() if dates else None


def lead_cohorts(leads: pd.DataFrame, period: Period, horizons: Iterable[int] = HORIZONS,
                 as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Monthly lead cohorts and their conversions within each horizon.

    One row per month of ``period`` (leads created outside it are ignored), columns:

    - ``leads``: leads created in the month;
    - ``won_N``: those with ``won_date - created_date <= N`` days (observed up to ``as_of``);
    - ``complete_N``: ``month end + N days <= as_of`` (every lead had N days to convert);
    - ``conversion_N = won_N / leads`` (a share, 0 to 1), NaN when the month has no lead or
      is not complete at N days.

    ``as_of`` defaults to the latest date of the leads table.
    """
    horizons = check_horizons(horizons)
    months = month_index(period)
    as_of = latest_lead_date(leads) if as_of is None else pd.Timestamp(as_of).normalize()
    # The two columns read, not a copy of every column of the cohort's leads.
    # Each row counts for the leads it stands for (:func:`figures.counting.lead_counts`).
    weighted = LEAD_COUNT in leads
    cohort = leads.loc[period.contains(leads["created_date"]),
                       ["created_date", "won_date", *([LEAD_COUNT] if weighted else [])]]
    weights = lead_counts(cohort) if weighted else None
    created = cohort["created_date"].dt.normalize()
    delay = (cohort["won_date"].dt.normalize() - created).dt.days  # NaN when never won
    out = pd.DataFrame(index=months)
    out["leads"] = _count_by_month(created, months, weights)
    month_end = _month_ends(months, period)
    for h in horizons:
        won = (delay <= h).to_numpy()
        out[f"won_{h}"] = _count_by_month(created[won], months,
                                          None if weights is None else weights[won])
    for h in horizons:
        limit = month_end + pd.Timedelta(days=h)
        out[f"complete_{h}"] = (limit <= as_of) if as_of is not None else False
    for h in horizons:
        usable = out[f"complete_{h}"] & (out["leads"] > 0)
        rate = formulas.conversion_rate(out[f"won_{h}"], out["leads"])
        out[f"conversion_{h}"] = rate.where(usable)
    return out


def lag_aware_cac(spend: pd.DataFrame, leads: pd.DataFrame, period: Period,
                  horizons: Iterable[int] = HORIZONS,
                  as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Lead cohorts with each month's spend and the CAC of the customers it produced.

    The columns of :func:`lead_cohorts`, plus ``spend`` (acquisition spend booked in the
    month, currency) and ``cac_lag_N = spend_m / won_N(m)``: currency per customer acquired
    from the leads created in month m within N days. NaN when no such customer (zero
    denominator) or when the month is not complete at N days. A month with customers and no
    spend has a CAC of 0.
    """
    horizons = check_horizons(horizons)
    out = lead_cohorts(leads, period, horizons, as_of)
    out.insert(0, "spend", spend_by_month(spend, period))
    for h in horizons:
        won = out[f"won_{h}"]
        out[f"cac_lag_{h}"] = formulas.cac(out["spend"], won.where(won > 0)).where(
            out[f"complete_{h}"])
    return out


def conversion_matrix(cohorts: pd.DataFrame | Mapping[str, object]) -> pd.DataFrame:
    """Month x horizon table of conversion rates, for the cohort heatmap.

    ``cohorts`` is a frame from :func:`lead_cohorts` / :func:`lag_aware_cac`, or the
    ``cohorts`` block of the KPI file (``audit.sections.cohort_kpis``). Rows are months,
    columns the horizons in days (``horizon_days``), values shares (0 to 1); NaN marks an
    undefined cell (no lead, incomplete cohort or no leads table).
    """
    if isinstance(cohorts, pd.DataFrame):
        columns = [c for c in cohorts.columns if str(c).startswith("conversion_")]
        matrix = cohorts[columns].astype("float64")
        matrix.columns = pd.Index([int(str(c).split("_")[1]) for c in columns],
                                  name="horizon_days")
        return matrix
    months = pd.PeriodIndex(list(cohorts["months"]), freq="M", name="month")
    data = {int(h): [cohorts[f"conversion_{h}"][str(m)] for m in months]  # type: ignore[index]
            for h in cohorts["horizons"]}  # type: ignore[union-attr]
    frame = pd.DataFrame(data, index=months, dtype="float64")
    frame.columns.name = "horizon_days"
    return frame


# ------------------------------------------------------------------------------- segments


def _segment_labels(values: pd.Series) -> pd.Series:
    """Trimmed segment names; empty or missing ones become ``unknown``."""
    text = values.astype("string").str.strip()
    return text.mask(text.isna() | (text == ""), UNKNOWN_SEGMENT).astype("str")


def segment_weights(key: str, acquired: pd.DataFrame, leads: pd.DataFrame | None,
                    period: Period) -> pd.Series:
    """The allocation key per segment.

    ``new_customers``: accounts acquired in ``period`` per segment of their acquiring deal;
    ``opportunities``: leads whose ``opportunity_date`` is in the period, per lead segment;
    ``pipeline``: the sum of those leads' ``opportunity_value``.
    """
    if key == "new_customers":
        return acquired.groupby(_segment_labels(acquired["segment"])).size().astype("float64")
    if leads is None:
        raise ParameterError("allocation_key", "new_customers (the folder has no leads table)",
                             key)
    opened = leads[period.contains(leads["opportunity_date"])]
    labels = _segment_labels(opened["segment"])
    if key == "opportunities":
        return opened.groupby(labels).size().astype("float64")
    if key == "pipeline":
        return opened["opportunity_value"].groupby(labels).sum(min_count=1).fillna(0.0)
    raise ParameterError("allocation_key", "new_customers, opportunities or pipeline", key)


def segment_cac(spend: pd.DataFrame, acquired: pd.DataFrame, period: Period,
                gross_margin: float | None = None, lifetime_months: float | None = None,
                key: str = "new_customers", leads: pd.DataFrame | None = None) -> pd.DataFrame:
    """CAC, ARPA and LTV per segment (ICP) for ``period``.

    ``acquired`` is the acquisitions table (all dates; those in the period are kept). Spend
    is the period's marketing + sales spend. When ``spend`` has a ``segment`` column, its
    non-empty values other than ``shared`` are direct segment spend; every other line is
    pooled and split by the key (:func:`segment_weights`) to the cent with
    :func:`cac_toolkit.core.money.allocate`, so the segments' ``spend_total`` adds back to the
    period's spend exactly (unless no segment has a key, then ``spend_allocated`` is NaN).

    Columns, one row per segment (sorted, ``unknown`` last):

    - ``new_customers``; ``customer_share = new_customers / all new customers``;
    - ``spend_direct``, ``spend_allocated``, ``spend_total = direct + allocated`` (currency);
    - ``allocation_weight``: the segment's key value;
    - ``cac = spend_total / new_customers`` (currency per customer; NaN with no customer);
    - ``arpa_mrr``: mean MRR of the acquiring deals (currency per month);
    - ``ltv = arpa_mrr x gross_margin x lifetime_months`` (currency);
    - ``ltv_cac = ltv / cac``; ``payback_months = cac / (arpa_mrr x gross_margin)``.
    """
    lines = spend[period.contains(spend["date"])]
    amounts = _cents(lines["amount"])
    if "segment" in lines:
        labels = lines["segment"].astype("string").str.strip()
        pooled = labels.isna() | labels.str.lower().isin(POOLED_SEGMENTS).fillna(True)
    else:
        labels = pd.Series(pd.NA, index=lines.index, dtype="string")
        pooled = pd.Series(True, index=lines.index)
    direct = (amounts[~pooled].groupby(labels[~pooled].astype("str")).sum() / 100)
    shared = float(amounts[pooled].sum()) / 100
    period_acquired = acquisitions_in(acquired, period)
    segments = _segment_labels(period_acquired["segment"])
    customers = period_acquired.groupby(segments).size().astype("float64")
    weights = segment_weights(key, period_acquired, leads, period)
    table = formulas.channel_cac(direct.astype("float64"), customers, shared, weights)
    table.index.name = "segment"
    order = sorted(table.index, key=lambda s: (s == UNKNOWN_SEGMENT, str(s)))
    table = table.reindex(order)

    out = pd.DataFrame(index=table.index)
    out["new_customers"] = table["new_customers"].astype("int64")
    total_customers = int(out["new_customers"].sum())
    out["customer_share"] = (formulas.share(out["new_customers"], total_customers)
                             if total_customers else np.nan)
    out["spend_direct"] = table["spend_direct"]
    out["spend_allocated"] = table["shared_allocated"]
    out["spend_total"] = table["spend_direct"] + table["shared_allocated"]
    out["allocation_weight"] = weights.reindex(out.index).fillna(0.0).astype("float64")
    out["cac"] = table["cac_fully_loaded"]
    out["arpa_mrr"] = period_acquired["mrr"].astype("float64").groupby(segments).mean() \
        .reindex(out.index)
    margin = np.nan if gross_margin is None else float(gross_margin)
    lifetime = np.nan if lifetime_months is None else float(lifetime_months)
    out["ltv"] = formulas.ltv_from_arpa(out["arpa_mrr"], margin, lifetime)
    out["ltv_cac"] = formulas.ltv_cac_ratio(out["ltv"], out["cac"].where(out["cac"] > 0))
    # A negative monthly margin pays nothing back: NaN, as a zero one.
    margin_positive = out["arpa_mrr"].where(out["arpa_mrr"] * margin > 0)
    out["payback_months"] = formulas.payback_months(out["cac"], margin_positive, margin)
    return out
