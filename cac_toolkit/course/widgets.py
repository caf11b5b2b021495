"""Interactive explorers for the course notebooks (ipywidgets).

Two builders, each returning an :class:`Explorer` that a notebook displays as its last
expression:

- :func:`ltv_payback_explorer`: sliders for CAC, monthly revenue per account, gross margin
  and lifetime; shows LTV, LTV/CAC and payback with their verdicts, and the payback curve.
- :func:`budget_reallocation_explorer`: move direct budget from one channel to another, with
  the saturation of the receiving channel as a slider (:func:`course.scenarios.move_budget`).
- :func:`lever_explorer`: chain the CAC article's levers (unified CRM, automation, lead
  quality, referral, channel mix) with your assumptions and redraw the waterfall
  (:func:`course.levers.chain`).

The numbers come from :mod:`cac_toolkit.course.scenarios` and :mod:`cac_toolkit.course.levers`;
the text shown is built by :func:`describe_unit_economics`, :func:`describe_reallocation` and
:func:`describe_levers`, which notebooks also print as static output (widget views do not
render outside a live kernel, on GitHub for one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from io import BytesIO

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.core.money import format_money, format_number, format_percent
from cac_toolkit.course import levers, scenarios
from cac_toolkit.figures.formulas import relative_change
from cac_toolkit.figures.targets import Verdict
from cac_toolkit.render import plots
from cac_toolkit.render.i18n import t

#: Slider readouts of amounts: grouped thousands, no cents (d3-format); the currency symbol is
#: in the slider's description.
MONEY_READOUT = ",.0f"

#: What a page without a live kernel shows instead of the widgets (English; the catalogue's
#: ``widget.static_note`` in other languages).
STATIC_NOTE = t("widget.static_note")


@dataclass
class Explorer:
    """A widget box with named controls, a text summary and a chart.

    Displaying it shows the widgets; its plain-text form (what a page without a live kernel
    shows) is :data:`STATIC_NOTE` instead of the widget's repr. ``refresh()`` redraws from
    the controls' current values (the builders call it on every change). The chart is a PNG
    in an ``Image`` widget rather than an ``Output`` capture, so that headless execution
    (nbclient without widget state) and live kernels behave the same.
    """

    box: widgets.VBox
    controls: dict[str, widgets.Widget]
    summary: widgets.HTML
    chart: widgets.Image
    render: Callable[[], None] = field(repr=False, default=lambda: None)
    lang: str = "en"

    def refresh(self) -> None:
        self.render()

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, object]:
        bundle = self.box._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = t("widget.static_note", self.lang)
        return bundle


def _pre(text: str) -> str:
    return f"<pre style='font-size: 13px; line-height: 1.35'>{escape(text)}</pre>"


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed so that no inline copy is shown."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _wire(explorer: Explorer) -> Explorer:
    for control in explorer.controls.values():
        control.observe(lambda _change: explorer.refresh(), names="value")
    explorer.refresh()
    return explorer


# --------------------------------------------------------------------------- LTV / payback


def _verdict(verdict: Verdict, lang: str) -> str:
    """A verdict as the explorers print it: ``good: LTV/CAC 3.15 ...`` (status, reason)."""
    status = verdict.status if lang == "en" else t(f"status.{verdict.status}", lang)
    return t("punct.label_value", lang, label=status, value=verdict.reason(lang))


def describe_unit_economics(econ: scenarios.UnitEconomics, currency: str = "EUR",
                            lang: str = "en") -> str:
    """Plain-text summary: inputs, LTV, LTV/CAC and payback with their verdicts, in ``lang``."""
    undefined = t("widget.undefined", lang)
    ratio = format_number(econ.ltv_cac, 2, lang) if econ.ltv_cac is not None else undefined
    payback = (t("widget.months", lang, months=format_number(econ.payback_months, 1, lang))
               if econ.payback_months is not None else undefined)
    lifetime = format_number(econ.lifetime_months, 0, lang)
    notes = list(econ.notes)
    if econ.payback_months is None or econ.payback_months > econ.lifetime_months:
        notes.append(t("widget.leaves_before_payback", lang, lifetime=lifetime))
    lines = [
        t("widget.unit_inputs", lang, cac=format_money(econ.cac, currency, lang),
          arpa=format_money(econ.arpa, currency, lang),
          margin=format_percent(econ.gross_margin, 0, lang), lifetime=lifetime),
        f"LTV     {format_money(econ.ltv, currency, lang)}",
        f"LTV/CAC {ratio}  -> {_verdict(econ.ltv_cac_verdict, lang)}",
        f"{t('widget.payback', lang)} {payback}  -> {_verdict(econ.payback_verdict, lang)}",
    ]
    return "\n".join(lines + notes)


def ltv_payback_explorer(cac: float = 1_200.0, arpa: float = 150.0, gross_margin: float = 0.70,
                         lifetime_months: float = 36, months: int = 48,
                         currency: str = "EUR", lang: str = "en") -> Explorer:
    """Sliders for CAC, ARPA (monthly), gross margin and lifetime; LTV, ratio, payback, curve.

    Defaults: the article's LTV example (CAC 1,200, 150 a month, 70 %, 36 months). The
    labels, the summary and the chart are in ``lang``.
    """
    style = {"description_width": "170px"}
    layout = widgets.Layout(width="540px")
    symbol = plots.currency_symbol(currency)
    controls = {
        "cac": widgets.FloatSlider(value=cac, min=100, max=6_000, step=50,
                                   description=t("widget.cac", lang, symbol=symbol),
                                   readout_format=MONEY_READOUT, style=style, layout=layout),
        "arpa": widgets.FloatSlider(value=arpa, min=10, max=1_000, step=10,
                                    description=t("widget.arpa", lang, symbol=symbol),
                                    readout_format=MONEY_READOUT, style=style, layout=layout),
        "gross_margin": widgets.FloatSlider(value=gross_margin, min=0.05, max=0.95, step=0.05,
                                            description=t("widget.gross_margin", lang),
                                            readout_format=".0%", style=style, layout=layout),
        "lifetime_months": widgets.IntSlider(value=int(lifetime_months), min=3, max=96, step=1,
                                             description=t("widget.lifetime", lang),
                                             style=style, layout=layout),
    }
    summary, chart = widgets.HTML(), widgets.Image(format="png")
    box = widgets.VBox([*controls.values(), summary, chart])
    explorer = Explorer(box, controls, summary, chart, lang=lang)

    def render() -> None:
        values = {name: control.value for name, control in controls.items()}
        econ = scenarios.unit_economics(values["cac"], values["arpa"], values["gross_margin"],
                                        values["lifetime_months"])
        summary.value = _pre(describe_unit_economics(econ, currency, lang))
        # The curve stops when the customer leaves; the axis shows at least ``months``.
        horizon = max(months, int(econ.lifetime_months))
        chart.value = _png(plots.payback_curve(econ.cac, econ.arpa, econ.gross_margin, horizon,
                                               lang=lang, currency=currency,
                                               lifetime_months=econ.lifetime_months))

    explorer.render = render
    return _wire(explorer)


# --------------------------------------------------------------------------- budget moves


def describe_reallocation(table: pd.DataFrame, totals: scenarios.BudgetTotals, source: str,
                          target: str, amount: float, multiplier: float,
                          currency: str = "EUR", lang: str = "en") -> str:
    """Plain-text summary of a budget move: the assumption, customers and CAC before/after,
    in ``lang``."""
    header = [t(key, lang) for key in ("widget.col.channel", "widget.col.spend_before",
                                       "widget.col.spend_after", "widget.col.customers_before",
                                       "widget.col.customers_after")]
    lines = [
        t("widget.move", lang, amount=format_money(amount, currency, lang), source=source,
          target=target, multiplier=format_number(multiplier, 2, lang),
          marginal=format_money(table.loc[target, "marginal_cac"], currency, lang)),
        f"{header[0]:<12} {header[1]:>12} {header[2]:>12} {header[3]:>17} {header[4]:>16}",
    ]
    for channel, row in table.iterrows():
        lines.append(f"{str(channel):<12} {format_money(row['spend_before'], currency, lang):>12} "
                     f"{format_money(row['spend_after'], currency, lang):>12} "
                     f"{format_number(row['customers_before'], 2, lang):>17} "
                     f"{format_number(row['customers_after'], 2, lang):>16}")
    lines += [
        t("widget.new_customers", lang,
          before=format_number(totals.customers_before, 2, lang),
          after=format_number(totals.customers_after, 2, lang),
          change=("+" if totals.extra_customers >= 0 else "")
          + format_number(totals.extra_customers, 2, lang)),
        t("widget.global_cac", lang, before=format_money(totals.cac_before, currency, lang),
          after=format_money(totals.cac_after, currency, lang)),
    ]
    return "\n".join(lines)


def budget_reallocation_explorer(direct_spend: pd.Series, new_customers: pd.Series,
                                 shared_spend: float = 0.0, source: str = "Ads",
                                 target: str = "SEO", amount: float = 6_000.0,
                                 multiplier: float = 1.0, currency: str = "EUR",
                                 lang: str = "en") -> Explorer:
    """Move direct budget between two channels and see customers and global CAC change.

    Controls: source and target channels, the amount moved (up to the source's budget) and
    the target's saturation multiplier (its marginal CAC = current CAC x multiplier).
    """
    channels = [str(c) for c in direct_spend.index]
    symbol = plots.currency_symbol(currency)
    style = {"description_width": "150px"}
    layout = widgets.Layout(width="520px")
    controls = {
        "source": widgets.Dropdown(options=channels, value=source,
                                   description=t("widget.from", lang), style=style),
        "target": widgets.Dropdown(options=channels, value=target,
                                   description=t("widget.to", lang), style=style),
        "amount": widgets.FloatSlider(value=amount, min=0, max=float(direct_spend.max()),
                                      step=500, description=t("widget.amount", lang,
                                                              symbol=symbol),
                                      readout_format=MONEY_READOUT, style=style, layout=layout),
        "multiplier": widgets.FloatSlider(value=multiplier, min=1.0, max=5.0, step=0.25,
                                          description=t("widget.saturation", lang),
                                          style=style, layout=layout),
    }
    summary, chart = widgets.HTML(), widgets.Image(format="png")
    box = widgets.VBox([*controls.values(), summary, chart])
    explorer = Explorer(box, controls, summary, chart, lang=lang)

    def render() -> None:
        values = {name: control.value for name, control in controls.items()}
        src, dst = values["source"], values["target"]
        moved = min(float(values["amount"]), float(direct_spend[src]))
        if src == dst:
            summary.value = _pre(t("widget.two_channels", lang))
            return
        try:
            table = scenarios.move_budget(direct_spend, new_customers, src, dst, moved,
                                          values["multiplier"], shared_spend)
        except UndefinedMetricError as error:
            summary.value = _pre(str(error))
            return
        totals = scenarios.budget_totals(table, shared_spend)
        summary.value = _pre(describe_reallocation(table, totals, src, dst, moved,
                                                   values["multiplier"], currency, lang))
        chart.value = _png(plots.budget_reallocation(table, lang=lang, currency=currency))

    explorer.render = render
    return _wire(explorer)


# --------------------------------------------------------------------------- levers


def describe_levers(steps: pd.DataFrame, currency: str = "EUR", lang: str = "en") -> str:
    """Plain-text summary of a :func:`cac_toolkit.course.levers.chain`: the CAC before and
    after, and each lever's step, in ``lang``."""
    start, end = float(steps["cac"].iloc[0]), float(steps["cac"].iloc[-1])
    change = relative_change(start, end) if start else None
    lines = [f"CAC {format_money(start, currency, lang)} -> {format_money(end, currency, lang)}"
             + (f" ({'+' if change >= 0 else ''}{format_percent(change, 1, lang)})"
                if change is not None else "")]
    for name, row in steps.iloc[1:].iterrows():
        lines.append(f"  {str(name):<28} {format_percent(float(row['change']), 1, lang):>8}  "
                     f"{format_money(float(row['step']), currency, lang):>12}")
    return "\n".join(lines)


def lever_explorer(cac: float, qualification_share: float, volume_share: float,
                   digital_cac: float, mix: levers.LeverResult | None = None,
                   crm: float = 0.25, time_saved: float = 0.40, lead_factor: float = 0.5,
                   conversion_factor: float = 2.0,
                   referral_share: float = levers.REFERRAL_SHARE,
                   times_cheaper: float = levers.REFERRAL_TIMES_CHEAPER,
                   currency: str = "EUR", lang: str = "en") -> Explorer:
    """Chain the article's levers with your own assumptions and see the waterfall.

    Levers, in this order: a unified CRM cutting the CAC by ``crm``
    (:meth:`~cac_toolkit.course.levers.LeverResult.from_factor`), automation saving
    ``time_saved`` of the qualification work, which is ``qualification_share`` of the CAC
    (:func:`~cac_toolkit.course.levers.automation`), fewer better leads
    (:func:`~cac_toolkit.course.levers.lead_quality` on the ``volume_share`` of the spend that
    grows with leads), a referral programme bringing ``referral_share`` of the new customers
    at a CAC ``times_cheaper`` times lower than the digital campaigns' fully loaded CAC
    ``digital_cac`` (:func:`~cac_toolkit.course.levers.referral`; ``cac`` is fully loaded
    too, both in ``currency`` per new customer) and,
    when given, the channel ``mix`` (:func:`~cac_toolkit.course.levers.remix`), switched by a
    checkbox. Defaults: the article's figures.
    """
    style = {"description_width": "190px"}
    layout = widgets.Layout(width="520px")
    controls: dict[str, widgets.Widget] = {
        "crm": widgets.FloatSlider(value=crm, min=0.0, max=0.40, step=0.05,
                                   readout_format=".0%", description=t("widget.crm", lang),
                                   style=style, layout=layout),
        "time_saved": widgets.FloatSlider(value=time_saved, min=0.0, max=0.80, step=0.05,
                                          readout_format=".0%",
                                          description=t("widget.time_saved", lang),
                                          style=style, layout=layout),
        "lead_factor": widgets.FloatSlider(value=lead_factor, min=0.3, max=1.0, step=0.05,
                                           description=t("widget.leads_kept", lang),
                                           style=style, layout=layout),
        "conversion_factor": widgets.FloatSlider(value=conversion_factor, min=1.0, max=3.0,
                                                 step=0.1,
                                                 description=t("widget.conversion", lang),
                                                 style=style, layout=layout),
        "referral_share": widgets.FloatSlider(value=referral_share, min=0.0, max=0.40,
                                              step=0.05, readout_format=".0%",
                                              description=t("widget.referral", lang),
                                              style=style, layout=layout),
        "times_cheaper": widgets.FloatSlider(value=times_cheaper, min=1.0, max=10.0, step=0.5,
                                             description=t("widget.referral_times", lang),
                                             style=style, layout=layout),
    }
    if mix is not None:
        controls["remix"] = widgets.Checkbox(value=True, description=t("widget.mix", lang))
    summary, chart = widgets.HTML(), widgets.Image(format="png")
    box = widgets.VBox([*controls.values(), summary, chart])
    explorer = Explorer(box, controls, summary, chart, lang=lang)

    def render() -> None:
        values = {name: control.value for name, control in controls.items()}
        chosen: list[levers.LeverResult] = [
            levers.LeverResult.from_factor("unified CRM", cac, 1 - values["crm"]),
            levers.automation(cac, qualification_share, values["time_saved"]),
            levers.lead_quality(cac, volume_share, values["lead_factor"],
                                values["conversion_factor"]),
            levers.referral(cac, digital_cac, values["referral_share"],
                            values["times_cheaper"]),
        ]
        if mix is not None and values["remix"]:
            chosen.append(mix)
        steps = levers.chain(cac, chosen)
        summary.value = _pre(describe_levers(steps, currency, lang))
        chart.value = _png(plots.lever_waterfall(steps, lang=lang, currency=currency))

    explorer.render = render
    return _wire(explorer)
