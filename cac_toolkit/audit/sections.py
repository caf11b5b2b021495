"""The KPI file's ``cohorts`` and ``segments`` blocks, from :mod:`cac_toolkit.figures.cohorts`.

The figures themselves (monthly cohorts, 30/60/90-day conversions, lag-aware CAC, CAC per
segment) are computed in the figures layer; this module turns them into the KPI file's JSON
values (money to the cent, ratios to 4 decimals) and records a note for each undefined value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.money import round_money, round_ratio
from cac_toolkit.core.money import series_to_cents as _cents
from cac_toolkit.core.notes import Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.data.loading import AuditData
from cac_toolkit.figures import formulas
from cac_toolkit.figures.cohorts import (
    HORIZONS,
    check_horizons,
    cohort_window,
    lag_aware_cac,
    month_index,
    monthly_cac,
    observation_end,
    segment_cac,
)
from cac_toolkit.figures.counting import acquisitions


def _months_text(months: Iterable[pd.Period]) -> str:
    return ", ".join(str(m) for m in months)


def _by_month(values: pd.Series, convert: Callable[[object], object]) -> dict[str, object]:
    return {str(m): (None if pd.isna(v) else convert(v)) for m, v in values.items()}


def _note_months(notes: Notes, key: str, note_id: str, mask: pd.Series,
                 **params: object) -> None:
    """The note ``note_id`` under ``key`` listing the months where ``mask`` holds, if any."""
    if mask.any():
        notes.note(key, note_id, **params,
                   months=[str(m) for m in mask.index[mask.to_numpy()]])


def cohort_kpis(data: AuditData, params: AuditParameters, period: Period,
                notes: Notes | None = None, horizons: Iterable[int] = HORIZONS,
                all_acquired: pd.DataFrame | None = None) -> dict[str, object]:
    """The KPI file's ``cohorts`` block: monthly cohorts over :func:`cohort_window`.

    Month-keyed maps (``{"2026-01": value}``), in the order of ``months``:
    ``in_period`` (the month overlaps the audited period), ``spend`` (currency),
    ``new_customers`` and ``cac_month`` (the short-term reading: spend / customers signed in
    the month), ``leads``, and per horizon N: ``won_N``, ``complete_N``, ``conversion_N``
    (ratio, 4 decimals) and ``cac_lag_N`` (currency, to the cent). ``period`` sums the
    audited months that are complete at N (listed in ``months_complete_N``): ``leads_N``,
    ``won_N``, ``spend_N`` (all ``null`` when no month is complete yet),
    ``conversion_N = won_N / leads_N`` and ``cac_lag_N = spend_N / won_N``. Undefined values
    are ``null`` and the reason goes to ``notes`` (one note per figure, naming the months).
    ``params`` is accepted for symmetry with the other KPI blocks.
    """

    del params  # the cohorts need no audit parameter yet
    notes = Notes() if notes is None else notes
    horizons = check_horizons(horizons)
    window = cohort_window(period, horizons)
    months = month_index(window)
    as_of = observation_end(data)
    acquired = acquisitions(data.deals) if all_acquired is None else all_acquired
    short = monthly_cac(data.spend, acquired, window)
    in_period = pd.Series((months.to_timestamp(how="end").normalize() >= period.start)
                          & (months.start_time <= period.end), index=months)

    out: dict[str, object] = {
        "horizons": list(horizons),
        "window": window.as_dict(),
        "as_of": as_of.date().isoformat() if as_of is not None else None,
        "months": [str(m) for m in months],
        "in_period": {str(m): bool(v) for m, v in in_period.items()},
        "spend": _by_month(short["spend"], round_money),
        "new_customers": _by_month(short["new_customers"], int),
        "cac_month": _by_month(short["cac"], round_money),
    }
    _note_months(notes, "cohorts.cac_month", "no_new_customer.month",
                 short["new_customers"] == 0)
    summary: dict[str, object] = {}
    if data.leads is None:
        notes.note("cohorts", "no_leads.cohorts")
        empty = dict.fromkeys(out["months"])
        out["leads"] = dict(empty)
        for prefix in ("won", "complete", "conversion", "cac_lag"):
            for h in horizons:
                out[f"{prefix}_{h}"] = dict(empty)
        summary["leads"] = None
        for h in horizons:
            summary.update({f"months_complete_{h}": [], f"leads_{h}": None, f"won_{h}": None,
                            f"spend_{h}": None, f"conversion_{h}": None, f"cac_lag_{h}": None})
        out["period"] = summary
        return out

    table = lag_aware_cac(data.spend, data.leads, window, horizons, as_of)
    out["leads"] = _by_month(table["leads"], int)
    for h in horizons:
        out[f"won_{h}"] = _by_month(table[f"won_{h}"], int)
    for h in horizons:
        out[f"complete_{h}"] = _by_month(table[f"complete_{h}"], bool)
    as_of = str(out["as_of"])
    for h in horizons:
        out[f"conversion_{h}"] = _by_month(table[f"conversion_{h}"], round_ratio)
        incomplete = ~table[f"complete_{h}"]
        _note_months(notes, f"cohorts.conversion_{h}", "cohort_incomplete", incomplete,
                     days=h, as_of=as_of)
        _note_months(notes, f"cohorts.conversion_{h}", "no_lead",
                     ~incomplete & (table["leads"] == 0))
    for h in horizons:
        out[f"cac_lag_{h}"] = _by_month(table[f"cac_lag_{h}"], round_money)
        _note_months(notes, f"cohorts.cac_lag_{h}", "cohort_incomplete",
                     ~table[f"complete_{h}"], days=h, as_of=as_of)
        _note_months(notes, f"cohorts.cac_lag_{h}", "no_customer",
                     table[f"complete_{h}"] & (table[f"won_{h}"] == 0), days=h)

    audited = table[in_period.to_numpy()]
    summary["leads"] = int(audited["leads"].sum())
    for h in horizons:
        done = audited[audited[f"complete_{h}"]]
        leads_h, won_h = int(done["leads"].sum()), int(done[f"won_{h}"].sum())
        spend_h = float(_cents(done["spend"]).sum()) / 100
        summary[f"months_complete_{h}"] = [str(m) for m in done.index]
        # No complete month: nothing is measured yet, so the sums are null rather than 0.
        summary[f"leads_{h}"] = leads_h if len(done) else None
        summary[f"won_{h}"] = won_h if len(done) else None
        summary[f"spend_{h}"] = round_money(spend_h) if len(done) else None
        summary[f"conversion_{h}"] = (round_ratio(formulas.conversion_rate(won_h, leads_h))
                                      if leads_h else None)
        summary[f"cac_lag_{h}"] = round_money(formulas.cac(spend_h, won_h)) if won_h else None
        if done.empty:
            notes.note(f"cohorts.period.cac_lag_{h}", "cohort_incomplete.period", days=h,
                       as_of=as_of)
        elif not won_h:
            notes.note(f"cohorts.period.cac_lag_{h}", "no_customer.period", days=h)
        if len(done) and not leads_h:
            notes.note(f"cohorts.period.conversion_{h}", "no_lead.period")
    out["period"] = summary
    return out


def segment_kpis(data: AuditData, params: AuditParameters, period: Period,
                 notes: Notes | None = None,
                 all_acquired: pd.DataFrame | None = None,
                 measured_lifetime: float | None = None) -> dict[str, dict[str, object]]:
    """The KPI file's ``segments`` block: ``{segment: {...}}`` from :func:`segment_cac`.

    LTV uses the typed lifetime, else ``measured_lifetime`` (months, from the revenue table),
    as the top-level ``ltv`` does.

    Keys per segment: ``new_customers``, ``customer_share``, ``spend_direct``,
    ``spend_allocated``, ``spend_total``, ``allocation_weight``, ``cac``, ``arpa_mrr``,
    ``ltv``, ``ltv_cac``, ``payback_months``. Money to the cent, ratios to 4 decimals,
    ``null`` with a reason in ``notes`` when undefined. The key is ``params.allocation_key``.
    """

    notes = Notes() if notes is None else notes
    acquired = acquisitions(data.deals) if all_acquired is None else all_acquired
    lifetime = params.lifetime if params.lifetime is not None else measured_lifetime
    table = segment_cac(data.spend, acquired, period, params.gross_margin, lifetime,
                        params.allocation_key, data.leads)
    if table["spend_allocated"].isna().all() and len(table):
        notes.note("segments.spend_allocated", "no_key.segment",
                   allocation=params.allocation_key)
    if len(table) and (params.gross_margin is None or lifetime is None):
        notes.note("segments.ltv", "missing_parameter")
    out: dict[str, dict[str, object]] = {}
    for segment, row in table.iterrows():  # one row per segment, a handful at most
        name = str(segment)
        if row["new_customers"] == 0:
            notes.note(f"segments.{name}.cac", "no_new_customer.segment", segment=name)
        elif pd.isna(row["arpa_mrr"]):
            notes.note(f"segments.{name}.arpa_mrr", "no_mrr.segment", segment=name)
        out[name] = {
            "new_customers": int(row["new_customers"]),
            "customer_share": round_ratio(row["customer_share"]),
            "spend_direct": round_money(row["spend_direct"]),
            "spend_allocated": round_money(row["spend_allocated"]),
            "spend_total": round_money(row["spend_total"]),
            "allocation_weight": round_ratio(row["allocation_weight"]),
            "cac": round_money(row["cac"]),
            "arpa_mrr": round_money(row["arpa_mrr"]),
            "ltv": round_money(row["ltv"]),
            "ltv_cac": round_ratio(row["ltv_cac"]),
            "payback_months": round_ratio(row["payback_months"]),
        }
    return out
