"""The KPI file's readings: the warning signals and the sector position, with their inputs.

These blocks hold numbers and statuses only (``kpis.json`` holds no text): the report writes
the sentences in the reader's language from them. Both are functions of a KPI dict (and of
its ``history`` rows), so the report can also read other windows or thresholds from the same
figures without computing any of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cac_toolkit.core.money import round_ratio
from cac_toolkit.figures import targets
from cac_toolkit.figures.formulas import relative_change

#: A channel above this share of the leads or of the new revenue raises the dependence signal.
DEPENDENCE_THRESHOLD = 0.5
#: CAC growth minus ARPA growth above which the first signal is ``bad`` (5 points).
CAC_VS_ARPA_GAP = 0.05
#: Growth of the median conversion delay above which the second signal is ``bad`` (+10 %).
DELAY_GROWTH = 0.10

_HISTORY_VALUES = {"cac_global": ("cac", "global"), "arpa_mrr": ("arpa_mrr",),
                   "conversion_delay_days": ("funnel", "conversion_delay_days", "median")}


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))  # type: ignore[arg-type]


def _value(kpis: Mapping[str, object], column: str) -> float | None:
    node: object = kpis
    for part in _HISTORY_VALUES[column]:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return None if _missing(node) else float(node)  # type: ignore[arg-type]


def _growth(before: float | None, after: float | None) -> float | None:
    if _missing(before) or _missing(after) or before == 0:
        return None
    return relative_change(before, after)  # type: ignore[arg-type]


def _window(kpis: Mapping[str, object], rows: Sequence[Mapping[str, object]] | None,
            columns: Sequence[str]) -> tuple[dict[str, object] | None, dict, dict]:
    """The two points compared: the first and last rows of ``rows`` where every one of
    ``columns`` is defined, or else the previous period and this one.

    Returns ``({"from": period, "to": period} or None, before, after)``; a period is the row's
    ``period`` (``{"start", "end"}`` in the KPI file, or a label).
    """
    if rows is not None and len(rows) >= 2:
        usable = [r for r in rows if all(not _missing(r.get(c)) for c in columns)]
        if len(usable) >= 2:
            first, last = usable[0], usable[-1]
            return ({"from": first["period"], "to": last["period"]},
                    {c: first[c] for c in columns}, {c: last[c] for c in columns})
    previous = kpis.get("previous") or {}
    before = {c: _value(previous, c) for c in columns}  # type: ignore[arg-type]
    after = {c: _value(kpis, c) for c in columns}
    window = ({"from": previous["period"], "to": kpis.get("period")}  # type: ignore[index]
              if isinstance(previous, Mapping) and previous.get("period") else None)
    return window, before, after


def _change(value: float | None) -> float | None:
    return None if value is None else round_ratio(value, 6)


def warning_signals(kpis: Mapping[str, object], rows: Sequence[Mapping[str, object]] | None = None,
                    dependence_threshold: float = DEPENDENCE_THRESHOLD) -> list[dict[str, object]]:
    """The three warning signals of the CAC article, each with the figures it reads.

    1. ``cac_vs_arpa``: growth of the global CAC minus growth of the ARPA over the window (the
       first and last of ``rows``, the KPI file's ``history``, where both are defined, else
       the previous period and this one): ``bad`` above 5 points, ``watch`` above 0 when the
       CAC rises, else ``good``. Keys ``window``, ``cac_change``, ``arpa_change`` (relative
       changes, 6 decimals).
    2. ``conversion_delay``: growth of the median conversion delay (days from lead creation
       to signature) over the same kind of window: ``bad`` above +10 %, ``watch`` above 0,
       else ``good``. Keys ``window``, ``before``, ``after`` (days), ``change``.
    3. ``dependence``: the top channel's share of the period's leads, then of its new
       revenue: one ``bad`` signal per share above ``dependence_threshold`` (keys ``what``
       ``leads``/``revenue``, ``channel``, ``share``), else one ``good`` signal listing both
       (``leads``/``revenue``: ``{"channel", "share"}`` or ``None``). Key ``threshold``.

    ``status`` is ``unknown`` when a figure is undefined (``dependence``: when neither share
    is known).
    """
    signals: list[dict[str, object]] = []
    # 1. CAC vs ARPA
    window, before, after = _window(kpis, rows, ("cac_global", "arpa_mrr"))
    cac_growth = _growth(before["cac_global"], after["cac_global"])
    arpa_growth = _growth(before["arpa_mrr"], after["arpa_mrr"])
    if cac_growth is None or arpa_growth is None:
        status = "unknown"
    else:
        gap = cac_growth - arpa_growth
        status = "bad" if gap > CAC_VS_ARPA_GAP and cac_growth > 0 else (
            "watch" if gap > 0 and cac_growth > 0 else "good")
    signals.append({"signal": "cac_vs_arpa", "status": status, "window": window,
                    "cac_change": _change(cac_growth), "arpa_change": _change(arpa_growth)})
    # 2. conversion delay
    window, before, after = _window(kpis, rows, ("conversion_delay_days",))
    delay_before, delay_after = before["conversion_delay_days"], after["conversion_delay_days"]
    growth = _growth(delay_before, delay_after)
    status = ("unknown" if growth is None else "bad" if growth > DELAY_GROWTH
              else "watch" if growth > 0 else "good")
    signals.append({"signal": "conversion_delay", "status": status, "window": window,
                    "before": delay_before, "after": delay_after, "change": _change(growth)})
    # 3. dependence on the top channel
    dep = kpis.get("dependence") or {}
    shown: dict[str, dict[str, object] | None] = {}
    raised = False
    for what, channel_key, share_key in (("leads", "top_channel_leads", "leads_share"),
                                         ("revenue", "top_channel_revenue", "revenue_share")):
        share, channel = dep.get(share_key), dep.get(channel_key)  # type: ignore[union-attr]
        if _missing(share):
            shown[what] = None
            continue
        shown[what] = {"channel": channel, "share": float(share)}  # type: ignore[arg-type]
        if float(share) > dependence_threshold:  # type: ignore[arg-type]
            raised = True
            signals.append({"signal": "dependence", "status": "bad", "what": what,
                            "channel": channel, "share": float(share),  # type: ignore[arg-type]
                            "threshold": dependence_threshold})
    if not raised:
        known = shown.get("leads") is not None or shown.get("revenue") is not None
        signals.append({"signal": "dependence", "status": "good" if known else "unknown",
                        "threshold": dependence_threshold, "leads": shown.get("leads"),
                        "revenue": shown.get("revenue")})
    return signals


def sector_position(kpis: Mapping[str, object], sector: str = "saas") -> dict[str, object]:
    """Where the global CAC stands against the sector's indicative range.

    :data:`cac_toolkit.figures.targets.SECTOR_CAC_RANGES` (in EUR). Keys: ``sector``,
    ``low`` and ``high`` (EUR, ``None`` when open), ``cac`` (the global CAC), ``status``
    (:func:`cac_toolkit.figures.targets.assess_sector`), ``position`` (``below``, ``within``,
    ``above``, ``None`` when the CAC is undefined), ``channels_above`` (channels whose fully
    loaded CAC is above the range) and ``comparable`` (the ranges are in EUR: ``False`` for
    another currency).
    """
    cac = (kpis.get("cac") or {}).get("global")  # type: ignore[union-attr]
    verdict = targets.assess_sector(cac, sector)  # type: ignore[arg-type]
    low, high = targets.SECTOR_CAC_RANGES[sector]
    position = None
    above: list[str] = []
    if verdict.status != "unknown":
        value = float(verdict.data["cac"])
        position = ("below" if low is not None and value < low else
                    "above" if high is not None and value > high else "within")
        above = [str(c) for c, v in (kpis.get("channels") or {}).items()  # type: ignore[union-attr]
                 if high is not None and not _missing(v.get("cac_fully_loaded"))
                 and float(v["cac_fully_loaded"]) > high]
    return {"sector": sector, "low": low, "high": high,
            "cac": None if _missing(cac) else float(cac),  # type: ignore[arg-type]
            "status": verdict.status, "position": position, "channels_above": above,
            "comparable": str(kpis.get("currency") or "EUR") == "EUR"}
