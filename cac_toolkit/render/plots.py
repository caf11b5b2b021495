"""Charts of the audit and of the course: each function returns a ``matplotlib.figure.Figure``.

Every label goes through :func:`cac_toolkit.render.i18n.t` (``lang="en"`` or ``"fr"``) and every
number on a chart through :mod:`cac_toolkit.core.money` (``1 500 €`` / ``€1,500``), so a French
report is French down to the tick labels. Functions never call ``plt.show()``: figures are
created with ``plt.subplots`` (a notebook displays them at the end of the cell; end the line
with ``;``), and a caller that saves them should ``plt.close(fig)``.

Colours follow one palette: blue for the firm's own figures, green/amber/red for verdicts,
grey for references (targets, sector ranges).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from cac_toolkit.core.money import format_money, format_number, format_percent
from cac_toolkit.figures import formulas, targets
from cac_toolkit.figures.retention import sbg_survival
from cac_toolkit.render.i18n import label_or, t
from cac_toolkit.render.plaintext import LITERAL_RC, literal_figure

#: Palette, colour-blind safe (Okabe and Ito's colours for the verdicts: bluish green, orange,
#: vermillion and blue stay apart under the common colour-vision deficiencies, and differ in
#: lightness too); the firm's figures in blues, references in grey.
COLORS = {
    "primary": "#1f4e79",
    "secondary": "#7fa7d1",
    "accent": "#cc79a7",
    "good": "#009e73",
    "watch": "#e69f00",
    "bad": "#d55e00",
    "strong": "#0072b2",
    "reference": "#8c8c8c",
    "band": "#d9ead3",
    "grid": "#e6e6e6",
}

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
}

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


@contextmanager
def _style() -> Iterator[None]:
    """The house style; the figures made inside come out with literal text (no mathtext)."""
    before = set(plt.get_fignums())
    with plt.rc_context({**STYLE, **LITERAL_RC}):
        yield
    for number in sorted(set(plt.get_fignums()) - before):
        literal_figure(plt.figure(number))


def currency_symbol(currency: str = "EUR") -> str:
    """The sign of a currency on charts and sliders: ``€``, ``$``, ``£``, else its code."""
    return _SYMBOLS.get(currency, currency)


def money_short(value: float | None, currency: str = "EUR", lang: str = "en") -> str:
    """An amount without cents for axes and bar labels: ``€1,500`` / ``1 500 €``.

    Same conventions as :func:`cac_toolkit.core.money.format_money`, rounded to the unit.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return format_money(None, currency, lang)
    number = format_number(float(value), 0, lang)
    if number.startswith("-"):
        sign, number = "-", number[1:]
    else:
        sign = ""
    symbol = _SYMBOLS.get(currency, currency)
    if lang == "fr":
        return f"{sign}{number}\u00a0{symbol}"
    if symbol in _SYMBOLS.values():
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {symbol}"


def _money_axis(ax_axis, currency: str, lang: str) -> None:  # noqa: ANN001 (matplotlib Axis)
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _pos: money_short(v, currency, lang)))


def _percent_axis(ax_axis, lang: str, digits: int = 0) -> None:  # noqa: ANN001
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _pos: format_percent(v, digits, lang)))


def _number_axis(ax_axis, lang: str, digits: int = 0) -> None:  # noqa: ANN001
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, digits, lang)))


def caption(fig: Figure) -> str:
    """A chart's caption, its alternative text in the HTML report: the titles of its axes
    (``"CAC by channel: direct and fully loaded"``), else the figure's own title."""
    titles = [ax.get_title(loc=loc) for ax in fig.axes for loc in ("left", "center")]
    titles = [title for title in titles if title]
    if not titles and fig._suptitle is not None:  # noqa: SLF001 (no public getter)
        titles = [fig._suptitle.get_text()]  # noqa: SLF001
    return "; ".join(titles)


def png_with_alt(fig: Figure) -> tuple[bytes, dict[str, str]]:
    """The figure as the inline backend draws it (PNG bytes), with ``{"alt": caption}``."""
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", base64=False), {"alt": caption(fig)}


def use_alt_text(shell=None) -> None:  # noqa: ANN001 (IPython InteractiveShell)
    """Make every figure a notebook displays carry its :func:`caption` as alternative text.

    Registers :func:`png_with_alt` as the PNG formatter of figures in the running IPython
    ``shell``: nbconvert's HTML then gets ``<img alt="...">`` (the offline template reads
    the ``alt`` metadata) instead of "No description has been provided for this image".
    Does nothing outside IPython.
    """
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return
    shell.display_formatter.formatters["image/png"].for_type(Figure, png_with_alt)


def label_boxes(fig: Figure, texts: list) -> list:  # noqa: ANN001 (matplotlib Text)
    """The display-space bounding boxes of ``texts`` (the figure is drawn once for them)."""
    renderer = fig.canvas.get_renderer()
    return [text.get_window_extent(renderer) for text in texts]


def separate_labels(fig: Figure, ax, texts: list, lines: tuple[float, ...] = (),  # noqa: ANN001
                    gap: float = 2.0, max_steps: int = 12, fixed: tuple = ()) -> None:
    """Move value labels up until none overlaps another, nor crosses a horizontal line.

    ``texts`` are annotations placed with an offset in points (``xytext=..., textcoords=
    "offset points"``); ``lines`` are data-space y values of reference lines (a global CAC).
    Labels are handled from left to right; each one that touches an already placed label, or
    whose box a line passes through, is lifted by its own height plus ``gap`` pixels, at most
    ``max_steps`` times. ``fixed`` texts stay where they are and are avoided. The axes' upper
    limit grows when a lifted label would leave it.
    """
    if not texts:
        return
    renderer = fig.canvas.get_renderer()
    scale = 72.0 / fig.dpi  # pixels -> points
    placed = [text.get_window_extent(renderer) for text in fixed]
    line_px = [ax.transData.transform((0, y))[1] for y in lines]
    for text in sorted(texts, key=lambda item: item.get_window_extent(renderer).x0):
        for _ in range(max_steps):
            box = text.get_window_extent(renderer)
            hit = any(box.overlaps(other) for other in placed) or any(
                box.y0 - gap <= y <= box.y1 + gap for y in line_px)
            if not hit:
                break
            dx, dy = text.xyann
            text.xyann = (dx, dy + (box.height + gap) * scale)
        placed.append(text.get_window_extent(renderer))
    top = max(box.y1 for box in placed)
    axes_top = ax.get_window_extent(renderer).y1
    if top > axes_top:
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + (top - axes_top + 4) / ax.get_window_extent(renderer).height
                    * (high - low))


def _num(value: object) -> float:
    """A KPI value as float, ``None`` -> NaN (so that pandas and matplotlib skip it)."""
    if value is None:
        return float("nan")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def channel_frame(channels: pd.DataFrame | Mapping[str, Mapping[str, object]]) -> pd.DataFrame:
    """``kpis["channels"]`` (a dict of dicts) or a frame -> a float frame indexed by channel.

    ``None`` becomes NaN; the index is named ``channel`` and keeps the given order.
    """
    if isinstance(channels, pd.DataFrame):
        frame = channels.copy()
    else:
        frame = pd.DataFrame.from_dict({str(k): dict(v) for k, v in channels.items()},
                                       orient="index")
    frame = frame.apply(lambda col: col.map(_num)).astype("float64")
    frame.index = pd.Index([str(i) for i in frame.index], name="channel")
    return frame


# --------------------------------------------------------------------------------- CAC


def cac_by_channel(channels: pd.DataFrame | Mapping[str, Mapping[str, object]],
                   sector: str | None = "saas", currency: str = "EUR", lang: str = "en",
                   cac_global: float | None = None) -> Figure:
    """Grouped bars of direct and fully loaded CAC per channel, against references.

    ``channels``: a frame like ``kpis["channels"]`` (index channel; columns ``cac_direct``,
    ``cac_fully_loaded`` and, to draw the global line without ``cac_global``,
    ``spend_direct``, ``shared_allocated``, ``new_customers``). The sector's indicative range
    (:data:`figures.targets.SECTOR_CAC_RANGES`, in EUR, so drawn only when ``currency`` is
    EUR) is shaded; the global CAC is a dashed line: ``cac_global``, or by default
    ``sum(spend_direct + shared_allocated) / sum(new_customers)``. A channel without new
    customers has no bar and says so.
    """
    frame = channel_frame(channels)
    if cac_global is None and {"spend_direct", "shared_allocated", "new_customers"} <= set(
            frame.columns) and frame["new_customers"].sum() > 0:
        spend = frame["spend_direct"].sum() + frame["shared_allocated"].fillna(0).sum()
        cac_global = formulas.cac(spend, frame["new_customers"].sum())
    with _style():
        fig, ax = plt.subplots(figsize=(10, 5.4))
        x = np.arange(len(frame))
        width = 0.38
        series = (("cac_direct", COLORS["secondary"], -width / 2),
                  ("cac_fully_loaded", COLORS["primary"], width / 2))
        top = 0.0
        value_labels = []
        for column, color, offset in series:
            values = frame[column] if column in frame else pd.Series(np.nan, index=frame.index)
            bars = ax.bar(x + offset, values.fillna(0).to_numpy(), width,
                          color=color, label=t(f"metric.{column}", lang))
            for bar, value in zip(bars, values, strict=True):
                if np.isnan(value):
                    bar.set_visible(False)
                    continue
                value_labels.append(ax.annotate(
                    money_short(value, currency, lang),
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8, color="#333333",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85}))
            top = max(top, float(np.nanmax(values.to_numpy(), initial=0.0)))
        for i, channel in enumerate(frame.index):
            row = frame.loc[channel]
            if all(np.isnan(row.get(c, np.nan)) for c, _, _ in series):
                ax.text(i, 0, t("chart.no_customer", lang), ha="center", va="bottom",
                        fontsize=8, color=COLORS["bad"])
        if sector is not None and currency == "EUR":
            low, high = targets.SECTOR_CAC_RANGES[sector]
            name = targets.sector_name(sector, lang)
            upper = high if high is not None else max(top, low or 0) * 1.25
            if high is None:
                label = t("chart.sector_band_open", lang, sector=name,
                          low=money_short(low, currency, lang))
            else:
                label = t("chart.sector_band", lang, sector=name,
                          low=money_short(low, currency, lang),
                          high=money_short(high, currency, lang))
            ax.axhspan(low or 0, upper, color=COLORS["band"], alpha=0.8, zorder=0, label=label)
            top = max(top, upper)
        if cac_global is not None and not np.isnan(cac_global):
            ax.axhline(cac_global, color=COLORS["accent"], linestyle="--", linewidth=1.6,
                       label=t("chart.global_line", lang,
                               value=money_short(cac_global, currency, lang)))
            top = max(top, cac_global)
        ax.set_ylim(0, top * 1.18 if top else 1)
        ax.set_xticks(x, [str(c) for c in frame.index])
        ax.set_xlabel(t("channel", lang))
        ax.set_ylabel(t("chart.cac_axis", lang))
        _money_axis(ax.yaxis, currency, lang)
        ax.grid(axis="x", visible=False)
        ax.set_title(t("chart.cac_by_channel", lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2)
        fig.tight_layout()
        lines = (cac_global,) if cac_global is not None and not np.isnan(cac_global) else ()
        separate_labels(fig, ax, value_labels, lines)
    return fig


# --------------------------------------------------------------------------------- funnel

FUNNEL_STAGES = ("leads", "qualified_leads", "sqls", "meetings", "opportunities", "quotes",
                 "won")


def funnel(counts: Mapping[str, object], lang: str = "en") -> Figure:
    """Horizontal funnel, leads -> MQL -> SQL -> meeting -> opportunity -> quote -> won.

    ``counts``: stage -> number of leads that reached it (``kpis["funnel"]`` works: the known
    stages are taken in funnel order and the rates ignored; any other mapping is drawn in its
    own order). Each bar shows its count and ``count / previous count``; missing (``None``)
    stages are skipped.
    """
    if any(k in FUNNEL_STAGES for k in counts):
        items = [(k, counts[k]) for k in FUNNEL_STAGES if k in counts]
    else:
        items = list(counts.items())
    items = [(k, float(v)) for k, v in items if v is not None and not pd.isna(v)]
    labels = [label_or(f"stage.{k}", str(k), lang) for k, _ in items]
    values = np.array([v for _, v in items], dtype="float64")
    with _style():
        fig, ax = plt.subplots(figsize=(9, 0.55 * max(len(items), 1) + 1.4))
        widest = float(values.max()) if len(values) else 1.0
        y = np.arange(len(items))[::-1]
        shades = sns.light_palette(COLORS["primary"], n_colors=len(items) + 2)[2:][::-1]
        ax.barh(y, values, left=(widest - values) / 2, color=shades[::-1] if len(items) else None,
                height=0.72)
        for i, (yi, value) in enumerate(zip(y, values, strict=True)):
            text = format_number(value, 0, lang)
            if value > 0.2 * widest:  # wide enough to hold its count
                ax.text(widest / 2, yi, text, ha="center", va="center", fontsize=9,
                        color="white" if i >= len(values) / 3 else "#222222",
                        fontweight="bold")
            else:
                ax.text((widest + value) / 2 + widest * 0.01, yi, text, ha="left",
                        va="center", fontsize=9, color="#222222", fontweight="bold")
            if i:
                previous = values[i - 1]
                rate = (format_percent(formulas.conversion_rate(value, previous), 1, lang)
                        if previous else "n/a")
                ax.text(widest * 1.02, yi, t("chart.funnel_rate", lang, rate=rate),
                        ha="left", va="center", fontsize=9, color="#333333")
        ax.set_yticks(y, labels)
        ax.set_xlim(0, widest * 1.45)
        ax.set_xticks([])
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_title(t("chart.funnel", lang))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- payback


def payback_curve(cac: float, monthly_revenue: float, gross_margin: float, months: int = 36,
                  lang: str = "en", currency: str = "EUR",
                  payback_months: float | None = None,
                  lifetime_months: float | None = None) -> Figure:
    """One customer's cumulative gross margin month by month against its CAC.

    Uses :func:`cac_toolkit.figures.formulas.payback_curve`; the payback month is marked where
    the curve crosses the CAC line: ``payback_months`` when given (the KPI file's figure),
    else :func:`cac_toolkit.figures.formulas.payback_months`. When it is later than
    ``months``, or there is no positive margin, the chart says so. With ``lifetime_months``
    the curve stops where the customer leaves (a dotted line marks it) and, when that comes
    before payback, the chart says the customer leaves before paying back its CAC.
    """
    horizon = months
    if lifetime_months is not None:
        horizon = min(months, int(np.ceil(lifetime_months)))
    curve = formulas.payback_curve(cac, monthly_revenue, gross_margin, horizon)
    if lifetime_months is not None:
        curve = curve[curve["month"] <= lifetime_months]
    payback = payback_months
    if payback is None and monthly_revenue * gross_margin > 0:
        payback = formulas.payback_months(cac, monthly_revenue, gross_margin)
    with _style():
        fig, ax = plt.subplots(figsize=(9, 4.2))
        ax.plot(curve["month"], curve["cumulative_margin"], color=COLORS["primary"],
                linewidth=2, label=t("metric.cumulative_margin", lang))
        ax.axhline(cac, color=COLORS["accent"], linestyle="--", linewidth=1.5,
                   label=t("chart.cac_line", lang, value=money_short(cac, currency, lang)))
        below = curve["cumulative_margin"] <= cac
        ax.fill_between(curve["month"], curve["cumulative_margin"], cac, where=below,
                        color=COLORS["bad"], alpha=0.12, interpolate=True)
        ax.fill_between(curve["month"], curve["cumulative_margin"], cac, where=~below,
                        color=COLORS["good"], alpha=0.15, interpolate=True)
        leaves_first = lifetime_months is not None and (payback is None
                                                        or payback > lifetime_months)
        if lifetime_months is not None and lifetime_months <= months:
            ax.axvline(lifetime_months, color=COLORS["bad"], linestyle=":", linewidth=1.4,
                       label=t("chart.lifetime_end", lang,
                               months=format_number(lifetime_months, 0, lang)))
        if leaves_first:
            ax.text(0.98, 0.05, t("chart.leaves_before_payback", lang,
                                  lifetime=format_number(lifetime_months, 0, lang),
                                  payback=format_number(payback, 1, lang)
                                  if payback is not None else "–"),
                    transform=ax.transAxes, ha="right", fontsize=9, color=COLORS["bad"],
                    fontweight="bold")
        elif payback is not None and payback <= months:
            ax.axvline(payback, color=COLORS["reference"], linestyle=":", linewidth=1.2)
            ax.plot([payback], [cac], "o", color=COLORS["accent"], markersize=7)
            ax.annotate(t("chart.payback_at", lang, months=format_number(payback, 1, lang)),
                        (payback, cac), xytext=(8, -16), textcoords="offset points",
                        fontsize=9, fontweight="bold", color="#333333")
        else:
            ax.text(0.98, 0.05, t("chart.payback_never", lang, months=months),
                    transform=ax.transAxes, ha="right", fontsize=9, color=COLORS["bad"],
                    fontweight="bold")
        ax.set_xlim(0, months)
        ax.set_ylim(0, max(float(curve["cumulative_margin"].max()), cac) * 1.08)
        ax.set_xlabel(t("month", lang))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _money_axis(ax.yaxis, currency, lang)
        ax.set_title(t("chart.payback", lang))
        ax.legend(loc="upper left")
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- trends

_MONEY_METRICS = {"cac_global", "cac_marketing", "cac_sales", "arpa_mrr", "ltv",
                  "spend_total", "spend_marketing", "spend_sales", "new_revenue_mrr"}
_RATE_METRICS = {"mql_to_sql", "sql_to_opportunity", "opportunity_to_win", "lead_to_meeting",
                 "meeting_to_opportunity", "quote_conversion"}


def trend(frame: pd.DataFrame, lang: str = "en", currency: str = "EUR",
          index: bool = False) -> Figure:
    """Lines of a few KPIs over the last periods (index: period labels, one column per KPI).

    Columns named like the KPIs (``cac_global``, ``arpa_mrr``, ``ltv_cac``...) get their
    translated names. With ``index=True`` each series is rebased to 100 at its first defined
    value, which shows at a glance whether the CAC grows faster than the ARPA.
    """
    data = frame.apply(lambda col: col.map(_num)).astype("float64")
    if index:
        first = data.apply(lambda col: col.dropna().iloc[0] if col.notna().any() else np.nan)
        data = data / first.where(first != 0) * 100
    columns = list(data.columns)
    palette = [COLORS["primary"], COLORS["accent"], COLORS["good"], COLORS["bad"],
               COLORS["secondary"], COLORS["watch"]]
    with _style():
        fig, ax = plt.subplots(figsize=(9, 4.2))
        x = np.arange(len(data))
        for i, column in enumerate(columns):
            ax.plot(x, data[column].to_numpy(), marker="o", linewidth=2,
                    color=palette[i % len(palette)],
                    label=label_or(f"metric.{column}", str(column), lang))
        ax.set_xticks(x, [str(p) for p in data.index])
        if index:
            ax.axhline(100, color=COLORS["reference"], linewidth=1, linestyle=":")
            ax.set_ylabel(t("chart.trend_index", lang))
            _number_axis(ax.yaxis, lang)
        elif columns and set(columns) <= _MONEY_METRICS:
            _money_axis(ax.yaxis, currency, lang)
        elif columns and set(columns) <= _RATE_METRICS:
            _percent_axis(ax.yaxis, lang)
        else:
            _number_axis(ax.yaxis, lang, 1)
        ax.set_xlabel(t("period", lang))
        ax.set_title(t("chart.trend", lang))
        ax.legend(loc="best")
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- budget


def budget_vs_revenue(channels: pd.DataFrame | Mapping[str, Mapping[str, object]],
                      lang: str = "en") -> Figure:
    """Each channel's share of the fully loaded budget next to its share of new revenue.

    ``channels``: columns ``budget_share`` and ``revenue_share`` (0-1, as in
    ``kpis["channels"]``). A channel whose revenue share is well below its budget share
    costs more than it brings.
    """
    frame = channel_frame(channels)[["budget_share", "revenue_share"]]
    with _style():
        fig, ax = plt.subplots(figsize=(9, 0.6 * max(len(frame), 1) + 1.6))
        y = np.arange(len(frame))[::-1]
        height = 0.38
        for column, color, offset in (("budget_share", COLORS["secondary"], height / 2),
                                      ("revenue_share", COLORS["good"], -height / 2)):
            values = frame[column].fillna(0).to_numpy()
            bars = ax.barh(y + offset, values, height, color=color,
                           label=t(f"metric.{column}", lang))
            for bar, value in zip(bars, frame[column], strict=True):
                ax.text(bar.get_width() + 0.004, bar.get_y() + bar.get_height() / 2,
                        format_percent(value, 1, lang), va="center", fontsize=8)
        ax.set_yticks(y, [str(c) for c in frame.index])
        _percent_axis(ax.xaxis, lang)
        ax.set_xlim(0, max(float(np.nanmax(frame.to_numpy(), initial=0.0)) * 1.2, 0.1))
        ax.grid(axis="y", visible=False)
        ax.set_title(t("chart.budget_vs_revenue", lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=2)
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- targets


def kpi_targets(values: Mapping[str, object], lang: str = "en") -> Figure:
    """The rate KPIs of :data:`cac_toolkit.figures.targets.TEN_KPIS` against their target bands.

    ``values``: KPI key -> rate (0-1); ``kpis["funnel"]`` works. Each bar is green when it
    reaches the target minimum, red below, grey when the KPI has no numeric target; the
    band ``target_min``-``target_max`` is shaded.
    """
    rates = [k for k in targets.TEN_KPIS if k.unit == "ratio"]
    with _style():
        fig, ax = plt.subplots(figsize=(9, 0.7 * len(rates) + 1.4))
        y = np.arange(len(rates))[::-1]
        top = 0.0
        for yi, kpi in zip(y, rates, strict=True):
            value = _num(values.get(kpi.key))
            if kpi.target_min is not None:
                ax.fill_betweenx([yi - 0.4, yi + 0.4], kpi.target_min,
                                 kpi.target_max or kpi.target_min, color=COLORS["band"],
                                 zorder=0)
                ax.plot([kpi.target_min] * 2, [yi - 0.4, yi + 0.4], color=COLORS["good"],
                        linewidth=1.2)
                top = max(top, kpi.target_max or kpi.target_min)
            if np.isnan(value):
                ax.text(0.005, yi, t("chart.undefined", lang), va="center", fontsize=9,
                        color=COLORS["reference"])
                continue
            verdict = targets.assess_kpi(kpi.key, value).status
            color = {"good": COLORS["good"], "bad": COLORS["bad"]}.get(verdict,
                                                                          COLORS["reference"])
            ax.barh(yi, value, height=0.45, color=color)
            note = "" if kpi.target_min is not None else f"  ({t('chart.no_target', lang)})"
            ax.text(value + 0.006, yi, format_percent(value, 1, lang) + note, va="center",
                    fontsize=9)
            top = max(top, value)
        ax.set_yticks(y, [kpi.name(lang) for kpi in rates])
        _percent_axis(ax.xaxis, lang)
        # Room on the right for the value labels (and the "no target" note).
        ax.set_xlim(0, max(top * 1.55, 0.1))
        ax.grid(axis="y", visible=False)
        ax.fill_between([], [], color=COLORS["band"], label=t("chart.target_band", lang))
        ax.set_title(t("chart.kpi_targets", lang))
        ax.legend(loc="lower right")
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- heatmap


def _cell_text(value: float, fmt: str, lang: str, currency: str) -> str:
    if np.isnan(value):
        return ""
    if fmt == "percent":
        return format_percent(value, 0, lang)
    if fmt == "percent1":
        return format_percent(value, 1, lang)
    if fmt == "money":
        return money_short(value, currency, lang)
    if fmt == "count":
        return format_number(value, 0, lang)
    if fmt == "number":
        return format_number(value, 1, lang)
    if fmt == "ratio":
        return format_number(value, 2, lang)
    text = format(value, fmt)  # a Python format spec such as ".2f"
    if lang == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def heatmap(frame: pd.DataFrame, title: str, fmt: str = "number", lang: str = "en",
            center: float | None = None, currency: str = "EUR", cmap: str | None = None,
            xlabel: str | None = None, ylabel: str | None = None) -> Figure:
    """A generic annotated heatmap (cohort retention, sensitivity grids...).

    ``fmt``: ``percent``, ``percent1``, ``money``, ``count``, ``number``, ``ratio`` or a
    Python format spec (``".2f"``), written in the reader's convention. ``title``,
    ``xlabel`` and ``ylabel`` are i18n keys when such a key exists, else shown as given.
    ``center`` switches to a diverging palette around that value (e.g. LTV/CAC 3).
    """
    data = frame.apply(lambda col: col.map(_num)).astype("float64")
    annot = np.vectorize(lambda v: _cell_text(v, fmt, lang, currency), otypes=[object])(
        data.to_numpy()) if data.size else np.empty(data.shape, dtype=object)
    if cmap is None:
        cmap = "RdYlGn" if center is not None else "Blues"
    rows, cols = data.shape
    with _style():
        # At least 7 inches wide so that long axis labels fit beside a narrow grid.
        fig, ax = plt.subplots(figsize=(max(7.0, min(1.0 + 0.75 * max(cols, 1), 14) + 1.5),
                                        min(0.8 + 0.4 * max(rows, 1), 12) + 0.8))
        sns.heatmap(data, annot=annot, fmt="", cmap=cmap, center=center, ax=ax,
                    linewidths=0.5, linecolor="white", cbar=True,
                    annot_kws={"fontsize": 10 if cols <= 12 else 8}, mask=data.isna())
        ax.grid(False)
        ax.set_title(label_or(title, title, lang))
        ax.set_xlabel(label_or(xlabel, xlabel, lang) if xlabel else (data.columns.name or ""))
        ax.set_ylabel(label_or(ylabel, ylabel, lang) if ylabel else (data.index.name or ""))
        ax.tick_params(axis="x", rotation=0 if cols <= 12 else 90)
        ax.tick_params(axis="y", rotation=0)
        colorbar = ax.collections[0].colorbar if ax.collections else None
        if colorbar is not None:
            colorbar.ax.yaxis.set_major_formatter(
                FuncFormatter(lambda v, _pos: _cell_text(v, fmt, lang, currency)))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- attribution


def attribution_models(table: pd.DataFrame, lang: str = "en") -> Figure:
    """Grouped bars: customers credited to each channel (rows) by each model (columns).

    ``table``: the channels x models frame of ``attribution.compare_models``; model names are
    translated. Every model's credits add up to the same number of new customers, so the
    bars show how the same customers move between channels from one reading to another.
    """
    data = table.apply(lambda col: col.map(_num)).astype("float64")
    models = list(data.columns)
    palette = sns.color_palette("tab10", n_colors=max(len(models), 1))
    with _style():
        fig, ax = plt.subplots(figsize=(max(9, 1.2 * len(data) + 3), 4.8))
        x = np.arange(len(data))
        width = 0.8 / max(len(models), 1)
        for i, model in enumerate(models):
            ax.bar(x - 0.4 + width * (i + 0.5), data[model].fillna(0).to_numpy(), width,
                   color=palette[i], label=label_or(f"model.{model}", str(model), lang))
        ax.set_xticks(x, [str(c) for c in data.index])
        ax.set_xlabel(t("channel", lang))
        ax.set_ylabel(t("metric.credits", lang))
        _number_axis(ax.yaxis, lang)
        ax.grid(axis="x", visible=False)
        ax.set_title(t("chart.attribution", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- LTV/CAC


def ltv_cac_gauge(ratio: float | None, lang: str = "en",
                  previous: float | None = None) -> Figure:
    """The LTV/CAC ratio on a band split at 2, 3 and 5 (:mod:`cac_toolkit.figures.targets`).

    Below 2 fragile (red), 2-3 below target (amber), 3-5 healthy (green), above 5 possibly
    very favourable (blue). The ratio is a marker; ``previous`` (last period) a hollow one.
    """
    fragile, healthy, under = (targets.LTV_CAC_FRAGILE, targets.LTV_CAC_HEALTHY,
                               targets.LTV_CAC_STRONG)
    value = _num(ratio)
    before = _num(previous)
    end = max(7.0, np.nanmax([value, before, 0.0]) * 1.15)
    zones = ((0, fragile, COLORS["bad"], "fragile"), (fragile, healthy, COLORS["watch"], "watch"),
             (healthy, under, COLORS["good"], "healthy"), (under, end, COLORS["strong"], "strong"))
    with _style():
        fig, ax = plt.subplots(figsize=(9, 1.9))
        for low, high, color, name in zones:
            ax.barh(0, high - low, left=low, height=0.5, color=color, alpha=0.35)
            ax.text((low + high) / 2, 0.38, t(f"chart.ltv_cac_zone.{name}", lang),
                    ha="center", va="bottom", fontsize=8, color="#333333")
        for threshold in (fragile, healthy, under):
            ax.axvline(threshold, color="#555555", linewidth=0.8, ymin=0.15, ymax=0.75)
        if not np.isnan(before):
            ax.plot([before], [0], "o", markersize=11, markerfacecolor="white",
                    markeredgecolor="#333333", label=t("previous_period", lang))
        if np.isnan(value):
            ax.text(end / 2, -0.45, t("chart.undefined", lang), ha="center", fontsize=10,
                    color=COLORS["bad"])
        else:
            ax.plot([value], [0], "D", markersize=11, color=COLORS["primary"],
                    label=t("this_period", lang))
            ax.annotate(format_number(value, 2, lang), (value, 0), xytext=(0, -20),
                        textcoords="offset points", ha="center", fontsize=10,
                        fontweight="bold", color=COLORS["primary"])
        ax.set_xlim(0, end)
        ax.set_ylim(-0.7, 0.7)
        ax.set_yticks([])
        ax.grid(False)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        _number_axis(ax.xaxis, lang)
        ax.set_title(t("chart.ltv_cac", lang))
        if not np.isnan(value) or not np.isnan(before):
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
    return fig


# ------------------------------------------------------------ course: periods, sectors, levers

def _course_label(key: str, lang: str) -> str:
    return t(f"chart.{key}", lang)


def cac_by_period(monthly: pd.Series, quarterly: pd.Series, yearly: pd.Series | None = None,
                  currency: str = "EUR", lang: str = "en") -> Figure:
    """The same company's CAC read month by month, quarter by quarter and year by year.

    Each series holds CACs (currency per customer) indexed by ``pandas.Period`` (freq ``M``,
    ``Q`` and ``Y``); each value is drawn over the days its period covers: months as light
    bars, quarters as thick steps, years as a dashed line. A NaN (a period without new
    customer) leaves a gap.
    """
    with _style():
        fig, ax = plt.subplots(figsize=(10, 4.6))
        monthly = monthly.astype("float64")
        starts = monthly.index.to_timestamp(how="start")
        widths = (monthly.index.to_timestamp(how="end") - starts).days + 1
        ax.bar(starts, monthly.fillna(0).to_numpy(), width=widths * 0.9, align="edge",
               color=COLORS["secondary"], alpha=0.55, label=_course_label("cac_monthly", lang))
        value_labels = []
        layers = ((quarterly, COLORS["primary"], "-", 3.0, "cac_quarterly"),
                  (yearly, COLORS["accent"], "--", 2.0, "cac_yearly"))
        for series, color, style, width, key in layers:
            if series is None:
                continue
            label = _course_label(key, lang)
            for period, value in series.astype("float64").items():
                if np.isnan(value):
                    continue
                ax.hlines(value, period.start_time, period.end_time, colors=color,
                          linestyles=style, linewidth=width, label=label)
                label = None  # one legend entry per series
                value_labels.append(ax.annotate(
                    money_short(value, currency, lang),
                    (period.start_time + (period.end_time - period.start_time) / 2, value),
                    xytext=(0, 5), textcoords="offset points", ha="center", fontsize=9,
                    color=color, fontweight="bold",
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85}))
        _money_axis(ax.yaxis, currency, lang)
        ax.set_title(_course_label("cac_by_period", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        separate_labels(fig, ax, value_labels)
    return fig


def sector_ranges(cac: float | Mapping[str, float] | None = None, currency: str = "EUR",
                  lang: str = "en") -> Figure:
    """The article's indicative CAC ranges per sector, with one or more CACs placed on them.

    Ranges come from :data:`figures.targets.SECTOR_CAC_RANGES` (EUR); an open-ended range
    (industry, above 2,000) fades out to the right edge. ``cac`` is a CAC or a mapping label ->
    CAC drawn as vertical lines.
    """
    marks = {} if cac is None else ({"CAC": float(cac)} if not isinstance(cac, Mapping)
                                    else {str(k): float(v) for k, v in cac.items()})
    sectors = list(targets.SECTOR_CAC_RANGES)
    bounds = [b for pair in targets.SECTOR_CAC_RANGES.values() for b in pair if b is not None]
    right = max([*bounds, *marks.values()]) * 1.35
    with _style():
        fig, ax = plt.subplots(figsize=(10, 0.7 * len(sectors) + 1.6))
        y = np.arange(len(sectors))[::-1]
        range_labels, mark_labels = [], []
        for yi, sector in zip(y, sectors, strict=True):
            low, high = targets.SECTOR_CAC_RANGES[sector]
            low = low or 0.0
            if high is None:
                steps = 24
                span = (right - low) / steps
                for i in range(steps):
                    ax.barh(yi, span, left=low + i * span, height=0.5, color=COLORS["reference"],
                            alpha=0.55 * (1 - i / steps), linewidth=0)
                text = f"{money_short(low, currency, lang)} {_course_label('open_ended', lang)}"
            else:
                ax.barh(yi, high - low, left=low, height=0.5, color=COLORS["reference"],
                        alpha=0.55)
                text = (f"{money_short(low, currency, lang)} - "
                        f"{money_short(high, currency, lang)}")
            range_labels.append(ax.text(low, yi + 0.32, text, fontsize=9, color="#333333"))
        palette = [COLORS["primary"], COLORS["accent"], COLORS["good"], COLORS["bad"]]
        for i, (label, value) in enumerate(marks.items()):
            color = palette[i % len(palette)]
            ax.axvline(value, color=color, linewidth=2)
            mark_labels.append(ax.annotate(
                f" {label} {money_short(value, currency, lang)}", (value, y[0] + 0.65),
                xytext=(0, 0), textcoords="offset points", color=color, fontsize=9,
                ha="left", fontweight="bold",
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
                      "alpha": 0.85}))
        ax.set_yticks(y, [targets.sector_name(s, lang) for s in sectors])
        ax.set_ylim(-0.6, len(sectors) - 0.1 + 0.35 * len(marks))
        ax.set_xlim(0, right)
        _money_axis(ax.xaxis, currency, lang)
        ax.grid(axis="y", visible=False)
        ax.set_title(_course_label("sector_ranges", lang))
        fig.tight_layout()
        separate_labels(fig, ax, mark_labels, fixed=tuple(range_labels))
    return fig


def lever_waterfall(steps: pd.DataFrame, currency: str = "EUR", lang: str = "en") -> Figure:
    """A waterfall from today's CAC to the CAC after a chain of levers.

    ``steps`` is :func:`cac_toolkit.course.levers.chain`'s frame: index ``start`` then one row per
    lever, columns ``cac`` (after the step, currency per customer), ``change`` (relative) and
    ``step`` (currency). Savings are green, increases red; the last bar is the CAC after all.
    """
    cacs = steps["cac"].astype("float64")
    with _style():
        fig, ax = plt.subplots(figsize=(10, 4.8))
        names = [_course_label("start", lang) if name == "start" else str(name)
                 for name in steps.index]
        x = np.arange(len(steps) + 1)
        ax.bar(x[0], cacs.iloc[0], color=COLORS["primary"], width=0.6)
        ax.text(x[0], cacs.iloc[0], money_short(cacs.iloc[0], currency, lang), ha="center",
                va="bottom", fontsize=9)
        for i in range(1, len(steps)):
            before, after = cacs.iloc[i - 1], cacs.iloc[i]
            color = COLORS["good"] if after <= before else COLORS["bad"]
            ax.bar(x[i], after - before, bottom=before, color=color, width=0.6)
            ax.plot([x[i - 1] + 0.3, x[i] - 0.3], [before, before], color="#777777",
                    linewidth=0.8)
            ax.text(x[i], max(before, after), format_percent(float(steps["change"].iloc[i]), 0,
                                                             lang),
                    ha="center", va="bottom", fontsize=9)
        ax.bar(x[-1], cacs.iloc[-1], color=COLORS["primary"], width=0.6)
        ax.plot([x[-2] + 0.3, x[-1] - 0.3], [cacs.iloc[-1]] * 2, color="#777777", linewidth=0.8)
        ax.text(x[-1], cacs.iloc[-1], money_short(cacs.iloc[-1], currency, lang), ha="center",
                va="bottom", fontsize=9, fontweight="bold")
        ax.set_xticks(x, [*names, _course_label("after", lang)], rotation=15, ha="right")
        _money_axis(ax.yaxis, currency, lang)
        ax.set_ylim(0, cacs.max() * 1.12)
        ax.grid(axis="x", visible=False)
        ax.set_title(_course_label("lever_waterfall", lang))
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- course what-ifs


def allocation_keys(table: pd.DataFrame, currency: str = "EUR", lang: str = "en") -> Figure:
    """Fully loaded CAC per channel under several allocation keys of the pooled costs.

    ``table``: the long frame of :func:`cac_toolkit.course.scenarios.compare_allocation_keys`
    (columns ``key``, ``channel``, ``cac_direct``, ``cac_fully_loaded``). One group of bars
    per channel, one bar per key; a black tick marks the direct CAC, which no key changes.
    """
    wide = table.pivot(index="channel", columns="key", values="cac_fully_loaded")
    wide = wide[list(dict.fromkeys(table["key"]))]
    direct = table.drop_duplicates("channel").set_index("channel")["cac_direct"]
    keys = list(wide.columns)
    palette = sns.color_palette("Blues_d", n_colors=max(len(keys), 1))
    with _style():
        fig, ax = plt.subplots(figsize=(10, 5))
        x = np.arange(len(wide))
        width = 0.8 / max(len(keys), 1)
        for i, key in enumerate(keys):
            bars = ax.bar(x - 0.4 + width * (i + 0.5), wide[key].to_numpy(), width,
                          color=palette[i], label=label_or(f"key.{key}", str(key), lang))
            for bar, value in zip(bars, wide[key], strict=True):
                ax.annotate(money_short(value, currency, lang),
                            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=7, color="#333333")
        ax.hlines(direct.reindex(wide.index).to_numpy(), x - 0.42, x + 0.42, colors="black",
                  linewidth=2, label=label_or("metric.cac_direct", "Direct CAC", lang))
        ax.set_xticks(x, [str(c) for c in wide.index])
        ax.set_ylabel(label_or("chart.cac_axis", "CAC per new customer", lang))
        _money_axis(ax.yaxis, currency, lang)
        ax.grid(axis="x", visible=False)
        ax.set_title(label_or("chart.allocation_keys",
                              "Fully loaded CAC: the pooled costs split by each key", lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(keys) + 1)
        fig.tight_layout()
    return fig


def budget_reallocation(table: pd.DataFrame, currency: str = "EUR", lang: str = "en") -> Figure:
    """Budget and new customers per channel before and after a move (two panels).

    ``table``: the frame of :func:`cac_toolkit.course.scenarios.rebudget` / ``move_budget``
    (columns ``spend_before``, ``spend_after``, ``customers_before``, ``customers_after``).
    """
    with _style():
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        x = np.arange(len(table))
        width = 0.38
        panels = ((axes[0], "spend", label_or("chart.direct_budget", "Direct budget", lang),
                   True),
                  (axes[1], "customers", label_or("chart.new_customers", "New customers", lang),
                   False))
        for ax, stem, title, money in panels:
            for column, color, offset, name in (
                    (f"{stem}_before", COLORS["secondary"], -width / 2,
                     label_or("chart.before", "before", lang)),
                    (f"{stem}_after", COLORS["primary"], width / 2,
                     label_or("chart.after", "after", lang))):
                bars = ax.bar(x + offset, table[column].to_numpy(), width, color=color,
                              label=name)
                for bar, value in zip(bars, table[column], strict=True):
                    text = (money_short(value, currency, lang) if money
                            else format_number(value, 1, lang))
                    ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                xytext=(0, 2), textcoords="offset points", ha="center",
                                va="bottom", fontsize=8, color="#333333")
            ax.set_xticks(x, [str(c) for c in table.index])
            if money:
                _money_axis(ax.yaxis, currency, lang)
            ax.grid(axis="x", visible=False)
            ax.set_title(title)
            ax.margins(y=0.15)
        axes[1].legend(loc="upper right")
        fig.tight_layout()
    return fig


def reallocation_sensitivity(frame: pd.DataFrame, cac_before: float, currency: str = "EUR",
                             lang: str = "en") -> Figure:
    """Global CAC after a budget move against the saturation of the receiving channel.

    ``frame``: :func:`cac_toolkit.course.scenarios.reallocation_sensitivity` (``multiplier``,
    ``cac_global_after``). The dashed line is the CAC before the move: where the curve
    crosses it, the move stops paying.
    """
    with _style():
        fig, ax = plt.subplots(figsize=(9, 4))
        ax.plot(frame["multiplier"], frame["cac_global_after"], "o-", color=COLORS["primary"],
                linewidth=2, label=label_or("chart.cac_after_move", "Global CAC after the move",
                                            lang))
        ax.axhline(cac_before, color=COLORS["accent"], linestyle="--", linewidth=1.5,
                   label=label_or("chart.cac_before_move", "Global CAC before", lang)
                   + f" ({money_short(cac_before, currency, lang)})")
        ax.fill_between(frame["multiplier"], frame["cac_global_after"], cac_before,
                        where=frame["cac_global_after"] <= cac_before, color=COLORS["good"],
                        alpha=0.15, interpolate=True)
        ax.fill_between(frame["multiplier"], frame["cac_global_after"], cac_before,
                        where=frame["cac_global_after"] > cac_before, color=COLORS["bad"],
                        alpha=0.12, interpolate=True)
        ax.set_xlabel(label_or("chart.saturation_axis",
                               "Marginal CAC of the receiving channel (x its current CAC)",
                               lang))
        _money_axis(ax.yaxis, currency, lang)
        ax.set_title(label_or("chart.reallocation_sensitivity",
                              "Does the move still pay if the channel saturates?", lang))
        ax.legend(loc="upper left")
        fig.tight_layout()
    return fig


def ltv_cac_bars(frame: pd.DataFrame, label: str = "scenario", value: str = "ltv_cac",
                 lang: str = "en", title: str | None = None) -> Figure:
    """Horizontal bars of LTV/CAC, coloured by verdict, with the 2 / 3 / 5 thresholds.

    ``frame``: one row per scenario or channel, its name in column ``label`` (or the index
    when ``label`` is not a column) and the ratio in ``value``.
    """
    names = frame[label] if label in frame else pd.Series(frame.index, index=frame.index)
    values = frame[value].map(_num).astype("float64")
    colors = {"bad": COLORS["bad"], "watch": COLORS["watch"], "good": COLORS["good"]}
    with _style():
        fig, ax = plt.subplots(figsize=(9, 0.5 * max(len(frame), 1) + 1.6))
        y = np.arange(len(frame))[::-1]
        for yi, ratio in zip(y, values, strict=True):
            if np.isnan(ratio):
                ax.text(0.05, yi, label_or("chart.undefined", "undefined", lang), va="center",
                        fontsize=9, color=COLORS["reference"])
                continue
            status = targets.assess_ltv_cac(ratio).status
            color = COLORS["strong"] if ratio > targets.LTV_CAC_STRONG else colors.get(
                status, COLORS["reference"])
            ax.barh(yi, ratio, height=0.6, color=color)
            ax.text(ratio + 0.05, yi, format_number(ratio, 2, lang), va="center", fontsize=9)
        for threshold in (targets.LTV_CAC_FRAGILE, targets.LTV_CAC_HEALTHY,
                          targets.LTV_CAC_STRONG):
            ax.axvline(threshold, color=COLORS["reference"], linestyle=":", linewidth=1.1)
        ax.set_yticks(y, [str(n) for n in names])
        ax.set_xlim(0, max(float(np.nanmax(values.to_numpy(), initial=0.0)) * 1.15, 5.5))
        _number_axis(ax.xaxis, lang)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(label_or("chart.ltv_cac", "LTV/CAC ratio", lang))
        ax.set_title(title or label_or("chart.ltv_cac", "LTV/CAC ratio", lang))
        fig.tight_layout()
    return fig


def ratio_by_revenue(curves: Mapping[str, pd.Series], reference: float | None = None,
                     reference_label: str = "", currency: str = "EUR",
                     lang: str = "en") -> Figure:
    """LTV/CAC against the monthly revenue per customer, one line per named curve.

    ``curves``: name -> Series indexed by monthly revenue
    (:func:`cac_toolkit.course.scenarios.ratio_by_monthly_revenue`). ``reference`` draws a
    horizontal line (another channel's ratio) to read the break-even revenue.
    """
    with _style():
        fig, ax = plt.subplots(figsize=(9, 4.4))
        palette = sns.color_palette("Blues_d", n_colors=max(len(curves), 1))
        for color, (name, series) in zip(palette, curves.items(), strict=True):
            ax.plot(series.index, series.to_numpy(), linewidth=2, color=color, label=name)
        if reference is not None:
            ax.axhline(reference, color=COLORS["accent"], linestyle="--", linewidth=1.5,
                       label=f"{reference_label} ({format_number(reference, 2, lang)})")
        for threshold in (targets.LTV_CAC_HEALTHY, targets.LTV_CAC_STRONG):
            ax.axhline(threshold, color=COLORS["reference"], linestyle=":", linewidth=1)
        ax.set_xlabel(label_or("chart.monthly_revenue_axis", "Monthly revenue per customer",
                               lang))
        ax.set_ylabel(label_or("chart.ltv_cac", "LTV/CAC ratio", lang))
        _money_axis(ax.xaxis, currency, lang)
        ax.set_title(label_or("chart.ratio_by_revenue",
                              "LTV/CAC as the basket grows", lang))
        ax.legend(loc="upper left")
        fig.tight_layout()
    return fig


def ltv_cac_heatmap(grid: pd.DataFrame, title: str, lang: str = "en",
                    xlabel: str | None = None, ylabel: str | None = None) -> Figure:
    """A sensitivity grid of LTV/CAC coloured by the article's zones, each cell annotated.

    ``grid``: LTV/CAC values (e.g. :func:`cac_toolkit.course.scenarios.ltv_cac_grid`, rows gross
    margin, columns retention; labels shown as given). Each cell takes the colour of its zone
    as :func:`figures.targets.assess_ltv_cac` reads it (below 2, 2 to 3, 3 to 5, above 5;
    values rounded to 9 decimals first), so the region above a threshold reads at a glance
    whatever the spread of the values, which a linear colour scale would hide.
    """
    from matplotlib.colors import ListedColormap

    data = grid.apply(lambda col: col.map(_num)).astype("float64")
    values = data.round(9).to_numpy()
    zones = np.select([values < targets.LTV_CAC_FRAGILE, values < targets.LTV_CAC_HEALTHY,
                       values <= targets.LTV_CAC_STRONG], [0.0, 1.0, 2.0], 3.0)
    zones = pd.DataFrame(np.where(np.isnan(values), np.nan, zones), index=data.index,
                         columns=data.columns)
    cmap = ListedColormap([COLORS["bad"], COLORS["watch"], COLORS["good"], COLORS["strong"]])
    annot = np.vectorize(lambda v: _cell_text(v, "number", lang, "EUR"), otypes=[object])(
        data.to_numpy())
    rows, cols = data.shape
    with _style():
        fig, ax = plt.subplots(figsize=(min(1.0 + 0.8 * max(cols, 1), 14) + 2.2,
                                        min(0.8 + 0.42 * max(rows, 1), 12) + 0.9))
        sns.heatmap(zones, annot=annot, fmt="", cmap=cmap, vmin=-0.5, vmax=3.5, ax=ax,
                    linewidths=0.5, linecolor="white", cbar=True,
                    annot_kws={"fontsize": 10, "color": "white", "fontweight": "bold"},
                    mask=zones.isna())
        colorbar = ax.collections[0].colorbar
        colorbar.set_ticks([0, 1, 2, 3])
        colorbar.set_ticklabels([t(f"chart.ltv_cac_zone.{zone}", lang) for zone in
                                 ("fragile", "watch", "healthy", "strong")])
        ax.grid(False)
        ax.set_title(label_or(title, title, lang))
        ax.set_xlabel(label_or(xlabel, xlabel, lang) if xlabel else (data.columns.name or ""))
        ax.set_ylabel(label_or(ylabel, ylabel, lang) if ylabel else (data.index.name or ""))
        ax.tick_params(axis="x", rotation=0)
        ax.tick_params(axis="y", rotation=0)
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------- retention

def retention_curve(retention: Mapping[str, object], lang: str = "en",
                    horizon_months: int | None = None) -> Figure:
    """Share of customers still active by months since their first MRR.

    Points: each cohort's observed share (small) and their average weighted by cohort size
    (large); line: the sBG projection ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` fitted
    by the audit; dashed: the constant churn fitted to the same lifetimes, ``(1 - c)^t``.
    Reads the KPI file's ``retention`` block only.
    """

    cohorts = retention.get("cohorts") or []
    sbg = retention.get("sbg") or {}
    constant = (retention.get("constant_churn") or {}).get("monthly_churn")
    horizon = int(horizon_months or retention.get("horizon_months") or 60)
    with _style():
        fig, ax = plt.subplots(figsize=(9, 4.4))
        longest = max((len(c["active"]) for c in cohorts), default=0)
        weighted = np.zeros(longest)
        sizes = np.zeros(longest)
        for i, cohort in enumerate(cohorts):
            shares = np.asarray(cohort["active"], dtype="float64")
            ax.plot(np.arange(shares.size), shares, ".", color=COLORS["secondary"],
                    alpha=0.45, markersize=4,
                    label=t("chart.retention_cohorts", lang) if i == 0 else None)
            weighted[: shares.size] += shares * cohort["size"]
            sizes[: shares.size] += cohort["size"]
        if longest:
            observed = np.divide(weighted, sizes, out=np.full(longest, np.nan), where=sizes > 0)
            ax.plot(np.arange(longest), observed, "o", color=COLORS["primary"], markersize=6,
                    label=t("chart.retention_observed", lang))
        months = np.arange(horizon + 1)
        if sbg.get("alpha") is not None:
            ax.plot(months, sbg_survival(sbg["alpha"], sbg["beta"], months),
                    color=COLORS["accent"], linewidth=2.2,
                    label=t("chart.retention_sbg", lang,
                            alpha=format_number(sbg["alpha"], 3, lang),
                            beta=format_number(sbg["beta"], 3, lang)))
        if constant is not None:
            ax.plot(months, (1.0 - float(constant)) ** months, color=COLORS["reference"],
                    linestyle="--", linewidth=1.6,
                    label=t("chart.retention_constant", lang,
                            churn=format_percent(float(constant), 2, lang)))
        if not longest and sbg.get("alpha") is None:
            ax.text(0.5, 0.5, t("chart.retention_none", lang), transform=ax.transAxes,
                    ha="center", color=COLORS["reference"])
        ax.set_xlim(0, horizon)
        ax.set_ylim(0, 1.03)
        _percent_axis(ax.yaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(t("chart.months_since_start", lang))
        ax.set_title(t("chart.retention", lang))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower left")
        fig.tight_layout()
    return fig


def mrr_movements(movements: Sequence[Mapping[str, object]], currency: str = "EUR",
                  lang: str = "en") -> Figure:
    """Monthly MRR movements as stacked bars: gains above zero, losses below, net as a dot.

    ``movements`` is the KPI file's ``retention.movements`` (one dict per month with
    ``new``, ``reactivation``, ``expansion``, ``contraction``, ``churn`` in currency).
    """
    frame = pd.DataFrame(list(movements))
    with _style():
        fig, ax = plt.subplots(figsize=(10, 4.4))
        if frame.empty:
            ax.text(0.5, 0.5, t("chart.retention_none", lang), transform=ax.transAxes,
                    ha="center", color=COLORS["reference"])
            return fig
        x = np.arange(len(frame))
        bottom = np.zeros(len(frame))
        for name, color in (("new", COLORS["primary"]), ("reactivation", COLORS["accent"]),
                            ("expansion", COLORS["good"])):
            values = frame[name].to_numpy(dtype="float64")
            ax.bar(x, values, bottom=bottom, color=color, width=0.8,
                   label=t(f"movement.{name}", lang))
            bottom += values
        bottom = np.zeros(len(frame))
        for name, color in (("contraction", COLORS["watch"]), ("churn", COLORS["bad"])):
            values = -frame[name].to_numpy(dtype="float64")
            ax.bar(x, values, bottom=bottom, color=color, width=0.8,
                   label=t(f"movement.{name}", lang))
            bottom += values
        net = (frame["mrr"] - frame["opening"]).to_numpy(dtype="float64")
        ax.plot(x, net, "D", color="#222222", markersize=4, label=t("movement.net", lang))
        ax.axhline(0, color="#555555", linewidth=0.8)
        step = max(1, len(frame) // 12)
        ax.set_xticks(x[::step])
        ax.set_xticklabels(frame["month"].iloc[::step], rotation=45, ha="right")
        _money_axis(ax.yaxis, currency, lang)
        ax.set_title(t("chart.mrr_movements", lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=6)
        fig.tight_layout()
    return fig
