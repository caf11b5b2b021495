"""A million channels make no chart: what the report shows groups the long tail.

Charts and report tables show at most :data:`TOP_CHANNELS` channels: the
``TOP_CHANNELS - 1`` with the largest fully loaded spend (ties: more new customers, then the
name), and one row ``other (N channels)`` adding up the rest, whose CACs are computed from its
sums with the same formula as any channel's (:func:`cac_toolkit.figures.formulas.cac`).
``kpis.json`` keeps every channel exactly: only what is displayed is grouped, through
:func:`for_display`; the workbook groups its channel rows the same way
(:func:`cac_toolkit.render.workbook.group_inputs`), so that it opens and recalculates with a
million channels.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cac_toolkit.core.money import format_number, round_money, round_ratio
from cac_toolkit.core.notes import Note
from cac_toolkit.figures import formulas
from cac_toolkit.render.i18n import tn

#: The most channels a chart or a table of the report shows (the last one groups the rest).
TOP_CHANNELS = 20
_MONEY = ("spend_direct", "shared_allocated", "new_revenue_first_year")
_SHARES = ("allocation_weight", "budget_share", "revenue_share")


def other_label(count: int, lang: str = "en") -> str:
    """The name of the grouped row: ``other (1,234 channels)`` / ``autres (1 234 canaux)``,
    ``other (1 channel)`` / ``autres (1 canal)``: the plural agrees with ``count``."""
    return tn("longtail.other", count, lang, n=format_number(count, 0, lang))


def _values(channels: Mapping[str, Mapping[str, object]], field: str) -> np.ndarray:
    return np.array([np.nan if v.get(field) is None else float(v[field])  # type: ignore[arg-type]
                     for v in channels.values()], dtype="float64")


def _cents_sum(values: np.ndarray) -> float | None:
    """Sum of amounts already rounded to the cent, in whole cents (``None`` if any is null)."""
    if np.isnan(values).any():
        return None
    return round_money(int(np.rint(values * 100).astype("int64").sum()) / 100)


def kept_positions(names: list[str], loaded: np.ndarray, customers: np.ndarray,
                   limit: int = TOP_CHANNELS) -> list[int]:
    """Positions of the ``limit - 1`` channels shown on their own, in their order: the
    largest fully loaded spend ``loaded`` first, ties broken by more new ``customers``, then
    by name (the report and the workbook pick the same ones)."""
    order = np.lexsort((np.array(names, dtype=object).astype(str), -customers, -loaded))
    return sorted(order[: limit - 1].tolist())


def group_channels(channels: Mapping[str, Mapping[str, object]], limit: int = TOP_CHANNELS,
                   lang: str = "en") -> dict[str, dict[str, object]]:
    """``channels`` (``kpis["channels"]``) with at most ``limit`` entries (see module doc).

    The kept channels stay in their order; the grouped row comes last. Money sums are exact
    to the cent; shares and weights are the sums of the channels' rounded values.
    """
    if len(channels) <= limit:
        return {str(k): dict(v) for k, v in channels.items()}
    names = list(channels)
    spend = np.nan_to_num(_values(channels, "spend_direct"))
    loaded = spend + np.nan_to_num(_values(channels, "shared_allocated"))
    customers = np.nan_to_num(_values(channels, "new_customers"))
    keep = set(kept_positions(names, loaded, customers, limit))
    rest = np.array(sorted(set(range(len(names))) - keep), dtype="int64")
    tail = {names[i]: channels[names[i]] for i in rest}
    out = {names[i]: dict(channels[names[i]]) for i in sorted(keep)}
    grouped: dict[str, object] = {}
    for field in _MONEY:
        grouped[field] = _cents_sum(_values(tail, field))
    total_customers = float(np.nan_to_num(_values(tail, "new_customers")).sum())
    grouped["new_customers"] = (int(total_customers) if total_customers.is_integer()
                                else round_ratio(total_customers))
    has_customers = total_customers > 0
    grouped["cac_direct"] = (formulas.cac(grouped["spend_direct"], total_customers,
                                          to_cent=True) if has_customers else None)
    grouped["cac_fully_loaded"] = (
        formulas.cac(float(grouped["spend_direct"]) + float(grouped["shared_allocated"]),
                     total_customers, to_cent=True)
        if has_customers and grouped["shared_allocated"] is not None else None)
    for field in _SHARES:
        values = _values(tail, field)
        grouped[field] = None if np.isnan(values).all() else round_ratio(
            float(np.nansum(values)))
    first = next(iter(channels.values()))
    out[other_label(len(rest), lang)] = {field: grouped.get(field) for field in first}
    return out


def for_display(kpis: Mapping[str, object], limit: int = TOP_CHANNELS, lang: str = "en"
                ) -> Mapping[str, object]:
    """``kpis`` as the report shows it: ``kpis`` itself when it has at most ``limit``
    channels, else a copy whose channels (this period's and the previous one's) are grouped
    by :func:`group_channels` and whose notes about grouped channels become one note."""
    channels = kpis.get("channels") or {}
    previous = kpis.get("previous") or {}
    if len(channels) <= limit and len(previous.get("channels") or {}) <= limit:  # type: ignore[union-attr]
        return kpis
    view = dict(kpis)
    view["channels"] = group_channels(channels, limit, lang)  # type: ignore[arg-type]
    if isinstance(previous, Mapping) and previous.get("channels"):
        view["previous"] = {**previous, "channels": group_channels(
            previous["channels"], limit, lang)}  # type: ignore[arg-type]
    shown = set(view["channels"])
    notes, folded = [], 0
    for note in kpis.get("notes") or []:  # type: ignore[union-attr]
        parts = str(note["key"]).split(".")
        if parts[0] == "channels" and len(parts) >= 3 and ".".join(parts[1:-1]) not in shown:
            folded += 1
            continue
        notes.append(note)
    if folded:
        other = next(name for name in view["channels"] if name not in channels)
        notes.append(Note(f"channels.{other}.cac_direct", "no_new_customer.grouped",
                          {"count": folded}))
    view["notes"] = notes
    return view
