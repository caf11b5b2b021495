"""The acquisition funnel by group (channel, sales rep, segment) and the ten KPIs against targets.

The funnel of one group is exactly :func:`funnel_kpis` run on that group's
leads, so the figures of a group table add up with the audit's KPI file: a lead is at a stage
when it has that stage's date, the cohort is the leads *created* in the period, and each rate
is the ratio of two such counts (``meeting_to_opportunity = opportunities / meetings``...).

- :func:`funnel_by`: one row per group value (``channel``, ``owner``, ``segment``...).
- :func:`funnel_targets`: the funnel rates that the KPI article gives a target for (meeting to
  opportunity 40-50 %, opportunity to win 20-30 %, quote conversion 25-30 %), with verdicts.
- :func:`ten_kpis_table`: the ten B2B acquisition KPIs of a KPI file, with their French names,
  values and verdicts, including "CAC 3 to 5 times below the gross margin per new customer".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.money import round_money, round_ratio
from cac_toolkit.core.notes import Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.figures.counting import LEAD_COUNT, lead_counts
from cac_toolkit.figures.formulas import FUNNEL_RATES, conversion_rate
from cac_toolkit.figures.targets import (
    KPI_BY_KEY,
    TEN_KPIS,
    Verdict,
    assess_cac_vs_margin,
    assess_kpi,
)

#: Counts of a funnel row, in stage order.
COUNT_COLUMNS = ("leads", "qualified_leads", "sqls", "meetings", "opportunities", "quotes",
                 "won", "won_with_quote")
#: Rates of a funnel row (dimensionless, 0 to 1; NaN when the previous stage is empty).
RATE_COLUMNS = tuple(FUNNEL_RATES)
#: The columns of the leads table that :func:`funnel_kpis` reads.
FUNNEL_READS = ("created_date", "mql_date", "sql_date", "meeting_date", "opportunity_date",
                "quote_date", "won_date", "opportunity_value")
#: The funnel rates the KPI article gives a target for.
TARGETED_RATES = ("meeting_to_opportunity", "opportunity_to_win", "quote_conversion")



def funnel_kpis(leads: pd.DataFrame | None, period: Period, notes: Notes,
                prefix: str = "funnel") -> dict[str, object]:
    """Funnel KPIs over the leads created in ``period``, stages counted literally.

    A lead is at a stage when it has that stage's date. Rates are ratios of such counts
    (:data:`~cac_toolkit.figures.formulas.FUNNEL_RATES`,
    :func:`~cac_toolkit.figures.formulas.conversion_rate`):
    ``lead_to_meeting = meetings / qualified``, ``meeting_to_opportunity = opportunities /
    meetings``, ``opportunity_to_win = won / opportunities``, ``quote_conversion = won with a
    quote / quotes``, ``mql_to_sql = sql / mql``, ``sql_to_opportunity = opportunities / sql``.
    Delays are in days: the sales cycle is ``won_date - opportunity_date`` over won leads, the
    conversion delay ``won_date - created_date``.
    """
    keys = ("leads", "qualified_leads", "sqls", "meetings", "opportunities", "quotes", "won",
            "won_with_quote", "lead_to_meeting", "meeting_to_opportunity", "opportunity_to_win",
            "quote_conversion", "mql_to_sql", "sql_to_opportunity", "avg_opportunity_value",
            "sales_cycle_days", "conversion_delay_days")
    if leads is None:
        notes.note(prefix, "no_leads")
        empty_delays = {"mean": None, "median": None}
        return {k: dict(empty_delays) if k.endswith("_days") else None for k in keys}
    # The columns read, not a copy of every column of the cohort's leads.
    cohort = leads.loc[period.contains(leads["created_date"]),
                       [*FUNNEL_READS, *([LEAD_COUNT] if LEAD_COUNT in leads else [])]]
    has = {stage: cohort[f"{stage}_date"].notna() for stage in
           ("mql", "sql", "meeting", "opportunity", "quote", "won")}
    counts = stage_counts(cohort, has)
    out: dict[str, object] = dict(counts)
    # A stage with no date anywhere in the table is not tracked by the client's CRM: a rate
    # built on it would read 0 % where the truth is "unknown".
    untracked = {f"{stage}_date" for stage in ("mql", "sql", "meeting", "opportunity", "quote",
                                               "won") if leads[f"{stage}_date"].isna().all()}
    stage_of = {"meetings": "meeting_date", "qualified_leads": "mql_date", "won": "won_date",
                "opportunities": "opportunity_date", "won_with_quote": "quote_date",
                "quotes": "quote_date", "sqls": "sql_date"}
    for key, (num, den) in FUNNEL_RATES.items():
        missing = sorted({stage_of[num], stage_of[den]} & untracked)
        if missing:
            out[key] = None
            notes.note(f"{prefix}.{key}", "untracked_stage", columns=missing)
            continue
        try:
            out[key] = round_ratio(conversion_rate(counts[num], counts[den]))
        except UndefinedMetricError:
            out[key] = None
            notes.note(f"{prefix}.{key}", "zero_denominator", denominator=den)
    values = cohort.loc[has["opportunity"], "opportunity_value"].dropna()
    out["avg_opportunity_value"] = round_money(values.mean()) if len(values) else None
    if not len(values):
        notes.note(f"{prefix}.avg_opportunity_value", "no_opportunity")
    won = cohort[has["won"]]
    cycle = (won["won_date"] - won["opportunity_date"]).dt.days.dropna()
    delay = (won["won_date"] - won["created_date"]).dt.days.dropna()
    for key, series in (("sales_cycle_days", cycle), ("conversion_delay_days", delay)):
        if len(series):
            out[key] = {"mean": round_ratio(series.mean()), "median": round_ratio(series.median())}
        else:
            out[key] = {"mean": None, "median": None}
            notes.note(f"{prefix}.{key}", "no_won_lead")
    return out


def stage_counts(cohort: pd.DataFrame, has: Mapping[str, pd.Series]) -> dict[str, int]:
    """The leads of ``cohort`` and those at each stage (``has[stage]``: the stage's date is
    set), each row counting for the leads it stands for
    (:func:`~cac_toolkit.figures.counting.lead_counts`): the :data:`COUNT_COLUMNS`."""
    weight = lead_counts(cohort)

    def count(mask: pd.Series) -> int:
        return int(weight[mask].sum())

    return {
        "leads": int(weight.sum()), "qualified_leads": count(has["mql"]),
        "sqls": count(has["sql"]), "meetings": count(has["meeting"]),
        "opportunities": count(has["opportunity"]), "quotes": count(has["quote"]),
        "won": count(has["won"]), "won_with_quote": count(has["won"] & has["quote"]),
    }


def as_period(period: Period | tuple[object, object]) -> Period:
    """A :class:`Period` from itself or from a ``(start, end)`` pair of dates (inclusive)."""
    if isinstance(period, Period):
        return period
    start, end = period
    return Period(pd.Timestamp(start), pd.Timestamp(end))


def _row(funnel: Mapping[str, object]) -> dict[str, float]:
    """Flatten one :func:`funnel_kpis` result into numbers (NaN for undefined)."""
    row: dict[str, float] = {}
    for key in (*COUNT_COLUMNS, *RATE_COLUMNS, "avg_opportunity_value"):
        value = funnel[key]
        row[key] = np.nan if value is None else float(value)
    for key in ("sales_cycle_days", "conversion_delay_days"):
        delays = funnel[key]
        for stat in ("mean", "median"):
            value = delays[stat]  # type: ignore[index]
            row[f"{key}_{stat}"] = np.nan if value is None else float(value)
    return row


def funnel_by(leads: pd.DataFrame, period: Period | tuple[object, object],
              by: str | Sequence[str], total: bool = True) -> pd.DataFrame:
    """The funnel of the leads created in ``period``, one row per value of ``by``.

    ``by`` is a column of the leads table (``channel``, ``owner``, ``segment``) or a list of
    columns. Columns: the stage counts (:data:`COUNT_COLUMNS`), the rates
    (:data:`RATE_COLUMNS`, 0 to 1, rounded to 4 decimals as in the KPI file),
    ``avg_opportunity_value`` (currency) and the delays in
    days ``sales_cycle_days_mean``/``_median`` (won date - opportunity date) and
    ``conversion_delay_days_mean``/``_median`` (won date - created date).

    Leads with no value in ``by`` are grouped under ``"(none)"``. With ``total`` a last row
    ``"All"`` holds the whole cohort, equal to the KPI file's ``funnel``. A rate whose
    denominator is zero is NaN, and ``result.attrs["notes"]`` lists why (``key``, ``code``,
    ``reason``, with the key prefixed by the group).
    """
    period = as_period(period)
    columns = [by] if isinstance(by, str) else list(by)
    missing = [c for c in columns if c not in leads.columns]
    if missing:
        raise KeyError(f"leads have no column {missing[0]!r}; available: {list(leads.columns)}")
    notes = Notes()
    cohort = leads[period.contains(leads["created_date"])]
    keys = cohort[columns].astype("string").fillna("(none)")
    rows: list[dict[str, float]] = []
    labels: list[object] = []
    grouper = columns if len(columns) > 1 else columns[0]
    for name, index in keys.groupby(grouper, sort=True).groups.items():
        prefix = f"{'/'.join(map(str, np.atleast_1d(name)))}.funnel"
        rows.append(_row(funnel_kpis(cohort.loc[index], period, notes, prefix=prefix)))
        labels.append(name)
    if total:
        rows.append(_row(funnel_kpis(cohort, period, notes, prefix="All.funnel")))
        labels.append("All" if len(columns) == 1 else tuple(["All"] * len(columns)))
    index = (pd.MultiIndex.from_tuples(labels, names=columns) if len(columns) > 1
             else pd.Index(labels, name=columns[0], dtype="object"))
    out = pd.DataFrame(rows, index=index)
    for column in COUNT_COLUMNS:
        out[column] = out[column].astype("int64")
    out.attrs["notes"] = notes.items
    return out


def funnel_targets(funnel: Mapping[str, object] | pd.Series, lang: str = "en") -> pd.DataFrame:
    """The funnel rates that have a target in the KPI article, with a verdict on each.

    ``funnel`` is the KPI file's ``funnel`` block or a row of :func:`funnel_by`. Columns:
    ``kpi`` (the name in ``lang``), ``value`` (0 to 1), ``target_min``, ``target_max``,
    ``status`` (``good`` when the value reaches the minimum, ``bad`` below it, ``unknown``
    when undefined) and ``reason``. Indexed by the KPI key.
    """
    rows = []
    for key in TARGETED_RATES:
        value = funnel[key]
        value = None if value is None or pd.isna(value) else float(value)
        verdict = assess_kpi(key, value)
        kpi = KPI_BY_KEY[key]
        rows.append({"key": key, "kpi": kpi.name(lang), "value": value,
                     "target_min": kpi.target_min, "target_max": kpi.target_max,
                     "status": verdict.status, "reason": verdict.reason(lang)})
    return pd.DataFrame(rows).set_index("key")


def gap_to_target(table: pd.DataFrame, key: str) -> pd.Series:
    """How far each row of a :func:`funnel_by` table is from the minimum target of ``key``.

    In rate points (0.05 = 5 points): positive above the minimum, negative below it.
    """
    kpi = KPI_BY_KEY[key]
    if kpi.target_min is None:
        raise ValueError(f"{key} has no numeric target; targeted rates: {TARGETED_RATES}")
    return (table[key] - kpi.target_min).rename(f"{key}_gap")


def _verdict_for(key: str, value: float | None, kpis: Mapping[str, object]) -> Verdict:
    if key == "cac":
        return assess_cac_vs_margin(value, kpis.get("ltv"))  # type: ignore[arg-type]
    return assess_kpi(key, value)


def ten_kpis_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """The ten B2B acquisition KPIs of a KPI file (:func:`cac_toolkit.audit.kpis.compute_kpis`).

    One row per KPI in the article's order, indexed by key, with columns ``kpi`` (English
    name), ``kpi_fr`` (the French name a French reader looks for), ``value``, ``unit``
    (count, ratio, money or days), ``target`` (text), ``status`` and ``reason`` in ``lang``.

    Where the values come from: the funnel block for the leads and rates,
    ``avg_opportunity_value``, the mean sales cycle in days, ``cac.global``,
    ``new_revenue.first_year`` (twelve months of the new MRR plus one-off amounts) and
    ``ltv`` as the CLV. The CAC verdict compares it with the gross margin a new customer
    brings over its life (the LTV): it should fit 3 to 5 times in it.
    """
    funnel = kpis.get("funnel") or {}
    cycle = funnel.get("sales_cycle_days") or {}
    values: dict[str, object] = {
        "qualified_leads": funnel.get("qualified_leads"),
        "lead_to_meeting": funnel.get("lead_to_meeting"),
        "meeting_to_opportunity": funnel.get("meeting_to_opportunity"),
        "avg_opportunity_value": funnel.get("avg_opportunity_value"),
        "opportunity_to_win": funnel.get("opportunity_to_win"),
        "sales_cycle_days": cycle.get("mean"),
        "cac": (kpis.get("cac") or {}).get("global"),
        "new_revenue": (kpis.get("new_revenue") or {}).get("first_year"),
        "quote_conversion": funnel.get("quote_conversion"),
        "clv": kpis.get("ltv"),
    }
    rows = []
    for kpi in TEN_KPIS:
        value = values[kpi.key]
        value = None if value is None else float(value)  # type: ignore[arg-type]
        verdict = _verdict_for(kpi.key, value, kpis)
        if kpi.key == "cac":
            target = "3-5x below the gross margin per customer"
        elif kpi.target_min is not None:
            target = f"{kpi.target_min:.0%}-{kpi.target_max:.0%}"
        else:
            target = ""
        rows.append({"key": kpi.key, "kpi": kpi.name_en, "kpi_fr": kpi.name_fr, "value": value,
                     "unit": kpi.unit, "target": target, "status": verdict.status,
                     "reason": verdict.reason(lang)})
    return pd.DataFrame(rows).set_index("key")
