"""The audit report: tables, texts and verdicts the audit notebook displays, in English or French.

Every function takes the KPI dict of :func:`cac_toolkit.audit.kpis.compute_kpis` (or the audit's
data and parameters) and returns something a notebook displays as is: a ``pandas.DataFrame``
of formatted strings, a :class:`Panel` (several titled tables, rendered as HTML), or an
``IPython.display`` ``HTML`` / ``Markdown`` object. The notebook holds no logic: it calls
these functions in order.

Client text (channel, segment and file names) is escaped with ``html.escape`` wherever HTML
is built, so a channel called ``<script>...`` is shown, never run. Money reads ``€1,500.00``
in English and ``1 500,00 €`` in French (:func:`cac_toolkit.core.money.format_money`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cac_toolkit.audit import kpis as kpi_file
from cac_toolkit.audit import readings
from cac_toolkit.audit.kpis import flatten, kpi_value
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.audit.readings import DEPENDENCE_THRESHOLD
from cac_toolkit.audit.retention import measure_retention
from cac_toolkit.core.catalogue import format_day, month_abbreviation
from cac_toolkit.core.money import format_money, format_number, format_percent
from cac_toolkit.core.notes import Note, Notes
from cac_toolkit.core.periods import Period, on_calendar_boundaries
from cac_toolkit.core.version import __version__
from cac_toolkit.data.loading import AuditData
from cac_toolkit.figures import targets
from cac_toolkit.figures.cohorts import conversion_matrix
from cac_toolkit.figures.formulas import relative_change
from cac_toolkit.figures.funnel import ten_kpis_table as raw_table
from cac_toolkit.render.i18n import label_or, note_text, t, tn, warning_text
from cac_toolkit.render.plots import money_short

if TYPE_CHECKING:
    from IPython.display import HTML, Markdown


STATUSES = ("good", "watch", "bad", "unknown")

#: Styles of the report's own HTML (tables, badges, signals); the offline nbconvert template
#: adds page layout and print rules around them.
REPORT_CSS = """
.cac-report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1d1d1f; line-height: 1.45; }
.cac-report h1 { font-size: 1.7em; margin: 0 0 .2em 0; color: #1f4e79; }
.cac-report .cac-subtitle { font-size: 1.05em; margin: 0; }
.cac-report .cac-meta { color: #666; font-size: .85em; margin: .2em 0 0 0; }
.cac-report .cac-warnings { border-left: 4px solid #c77c00; background: #fff8e6;
  padding: .4em .8em; margin: .8em 0; }
.cac-report .cac-warnings h2 { font-size: 1em; margin: .2em 0; }
.cac-panel h4 { margin: 1.1em 0 .35em 0; font-size: 1em; color: #1f4e79; }
.cac-panel p.cac-caption, .cac-report p.cac-caption { color: #555; font-size: .85em;
  margin: .3em 0 .8em 0; }
table.cac-table { border-collapse: collapse; font-size: .9em; margin: .2em 0 .6em 0;
  font-variant-numeric: tabular-nums; table-layout: auto; }
.cac-report table.cac-table th, .cac-report table.cac-table td,
.jp-RenderedHTMLCommon table.cac-table th, .jp-RenderedHTMLCommon table.cac-table td {
  padding: .3em .75em; border: none; border-bottom: 1px solid #e3e3e3; text-align: left;
  vertical-align: top; max-width: 34em; }
.cac-report table.cac-table thead th, .jp-RenderedHTMLCommon table.cac-table thead th {
  border-bottom: 2px solid #1f4e79; color: #1f4e79; font-weight: 600; vertical-align: bottom; }
.cac-report table.cac-table tbody th, .jp-RenderedHTMLCommon table.cac-table tbody th {
  font-weight: 600; white-space: nowrap; }
.cac-report table.cac-table td.cac-num, .cac-report table.cac-table th.cac-num,
.jp-RenderedHTMLCommon table.cac-table td.cac-num,
.jp-RenderedHTMLCommon table.cac-table th.cac-num { text-align: right; }
.cac-report table.cac-table td.cac-num,
.jp-RenderedHTMLCommon table.cac-table td.cac-num { white-space: nowrap; }
.cac-report table.cac-table td.cac-code, .jp-RenderedHTMLCommon table.cac-table td.cac-code {
  font-family: "DejaVu Sans Mono", monospace; font-size: .78em; white-space: nowrap;
  max-width: none; }
.cac-report table.cac-table tbody tr:nth-child(odd),
.jp-RenderedHTMLCommon table.cac-table tbody tr:nth-child(odd) { background: #f6f8fb; }
.cac-report table.cac-table tbody tr:nth-child(even),
.jp-RenderedHTMLCommon table.cac-table tbody tr:nth-child(even) { background: #ffffff; }
.cac-badge { display: inline-block; padding: .05em .55em; border-radius: .8em; font-size: .85em;
  font-weight: 600; white-space: nowrap; }
.cac-good { background: #dff0e4; color: #1e6b3e; }
.cac-watch { background: #fbefd3; color: #8a5a00; }
.cac-bad { background: #f8dcd8; color: #9b2518; }
.cac-unknown { background: #ececec; color: #555; }
ul.cac-signals { list-style: none; padding-left: 0; margin: .3em 0; }
ul.cac-signals li { margin: .35em 0; display: flex; gap: .6em; align-items: baseline; }
.cac-keyfigures { display: flex; flex-wrap: wrap; gap: .8em; margin: .6em 0 1em 0; }
.cac-keyfigure { border: 1px solid #dfe6ee; border-radius: .4em; padding: .55em .9em;
  min-width: 9.5em; background: #f7f9fc; }
.cac-keyfigure .cac-kf-label { font-size: .8em; color: #555; }
.cac-keyfigure .cac-kf-value { font-size: 1.35em; font-weight: 700; color: #1f4e79; }
.cac-keyfigure .cac-kf-sub { font-size: .8em; color: #555; }
ul.cac-summary { margin: .3em 0 .6em 1.2em; }
"""

# ------------------------------------------------------------------------------ formatting

#: How a figure is written: money, count, ratio (2 decimals), rate (a percentage), months or
#: days (1 decimal).
KINDS = ("money", "count", "ratio", "rate", "months", "days")


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt(value: object, kind: str, lang: str = "en", currency: str = "EUR") -> str:
    """Write a figure for a reader: ``fmt(1500, "money", "fr") == "1 500,00 €"``.

    ``kind`` is one of :data:`KINDS`; ``None``/NaN reads ``n/a`` (``n.d.`` in French).
    Counts keep two decimals only when fractional (attribution credits).
    """
    if _missing(value):
        return format_money(None, currency, lang)
    number = float(value)  # type: ignore[arg-type]
    if kind == "money":
        return format_money(number, currency, lang)
    if kind == "count":
        return format_number(number, 0 if number.is_integer() else 2, lang)
    if kind == "ratio":
        return format_number(number, 2, lang)
    if kind == "rate":
        return format_percent(number, 1, lang)
    if kind in ("months", "days"):
        return format_number(number, 1, lang)
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


def _signed(text: str, value: float) -> str:
    return f"+{text}" if value > 0 else text


def fmt_change(current: object, previous: object, kind: str, lang: str = "en") -> str:
    """The change from ``previous`` to ``current``, signed.

    Relative (``+4.5%``) for money, counts and ratios; in percentage points (``+2.0 pts``)
    for rates; in months or days with the unit (``+0.7 months``, ``+8.0 jours``). ``n/a``
    when either side is undefined or a relative change would divide by zero.
    """
    if _missing(current) or _missing(previous):
        return format_money(None, "EUR", lang)
    now, before = float(current), float(previous)  # type: ignore[arg-type]
    if kind == "rate":
        points = (now - before) * 100
        return t("points", lang, value=_signed(format_number(points, 1, lang), points))
    if kind in ("months", "days"):
        delta = now - before
        return f"{_signed(format_number(delta, 1, lang), delta)}\u00a0{t(kind, lang)}"
    if before == 0:
        return format_money(None, "EUR", lang)
    change = relative_change(before, now)
    return _signed(format_percent(change, 1, lang), change)


def period_label(period: Mapping[str, str] | object, lang: str = "en") -> str:
    """A period as a reader names it: ``Q1 2026`` / ``T1 2026``, ``Mar 2026`` / ``mars 2026``,
    ``2026``, else its dates (``2026-01-03 – 2026-03-31`` / ``03/01/2026 – 31/03/2026``).

    ``period`` is a ``{"start", "end"}`` mapping (as in the KPI file) or a
    :class:`cac_toolkit.core.periods.Period`.
    """
    if isinstance(period, Mapping):
        start, end = pd.Timestamp(period["start"]), pd.Timestamp(period["end"])
    else:
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)  # type: ignore[attr-defined]
    quarter = start.to_period("Q")
    if start == quarter.start_time and end.normalize() == quarter.end_time.normalize():
        return t("period.quarter", lang, quarter=quarter.quarter, year=quarter.year)
    month = start.to_period("M")
    if start == month.start_time and end.normalize() == month.end_time.normalize():
        return f"{month_abbreviation(month.month, lang)} {month.year}"
    year = start.to_period("Y")
    if start == year.start_time and end.normalize() == year.end_time.normalize():
        return str(year.year)
    return f"{format_day(start.date(), lang)} – {format_day(end.date(), lang)}"


_get = kpi_value  # the report reads the KPI dict through the KPI file's own getter


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _currency(kpis: Mapping[str, object]) -> str:
    return str(kpis.get("currency") or "EUR")


# ------------------------------------------------------------------------------ HTML tables


def badge(status: str, lang: str = "en") -> str:
    """A coloured status label (``good``, ``watch``, ``bad``, ``unknown``) as HTML."""
    status = status if status in STATUSES else "unknown"
    return f'<span class="cac-badge cac-{status}">{_esc(t(f"status.{status}", lang))}</span>'


#: Inline styles of the report's tables. They repeat :data:`REPORT_CSS`'s alignment on each
#: cell because a notebook viewer may drop the ``<style>`` element (JupyterLab sanitises the
#: HTML of an untrusted notebook) and applies its own table rules (JupyterLab: every cell
#: right-aligned, ``table-layout: fixed``, centred tables): inline styles survive both, so
#: labels stay left-aligned, numbers right-aligned and columns as wide as their content.
CELL_STYLES = {
    "table": "table-layout:auto;margin-left:0;margin-right:auto;border-collapse:collapse",
    "left": "text-align:left",
    "num": "text-align:right;white-space:nowrap",
    "head_num": "text-align:right",
    "code": "text-align:left",
}


def html_table(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A frame of strings as an HTML table; every header and cell is escaped.

    ``frame.attrs`` may carry ``numeric`` (columns to right-align), ``status`` (a column
    whose raw statuses, in ``frame.attrs["statuses"]``, become coloured badges), ``code``
    (columns in monospace, e.g. SHA-256) and ``lang``.
    """
    numeric = set(frame.attrs.get("numeric", ()))
    code = set(frame.attrs.get("code", ()))
    status_column = frame.attrs.get("status")
    statuses = list(frame.attrs.get("statuses", ()))
    lang = frame.attrs.get("lang", "en")
    left, num = f' style="{CELL_STYLES["left"]}"', f' class="cac-num" style="{CELL_STYLES["num"]}"'
    head_num = f' class="cac-num" style="{CELL_STYLES["head_num"]}"'  # a long header may wrap
    head = []
    if index:
        head.append(f"<th{left}>{_esc(frame.index.name or '')}</th>")
    for column in frame.columns:
        head.append(f"<th{head_num if column in numeric else left}>{_esc(column)}</th>")
    rows = []
    for position, (label, row) in enumerate(frame.iterrows()):
        cells = [f"<th{left}>{_esc(label)}</th>"] if index else []
        for column in frame.columns:
            value = row[column]
            if column == status_column and position < len(statuses):
                raw = statuses[position]
                cells.append(f"<td{left}>{badge(raw, lang) if raw else ''}</td>")
                continue
            css = num if column in numeric else (
                f' class="cac-code" style="{CELL_STYLES["code"]}"' if column in code else left)
            cells.append(f"<td{css}>{_esc('' if _missing(value) else value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="cac-table" style="{CELL_STYLES["table"]}"><thead><tr>'
            + "".join(head) + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


@dataclass
class Panel:
    """Titled parts (tables or HTML snippets) shown together; ``parts[name]`` gives one back.

    In a notebook it renders as HTML (``_repr_html_``); as text (``str``) it prints the
    tables, for the command line and for tests.
    """

    parts: dict[str, tuple[str, pd.DataFrame | str, str]] = field(default_factory=dict)

    def add(self, name: str, title: str, content: pd.DataFrame | str, caption: str = "") -> None:
        """``content``: a frame (escaped when rendered) or HTML already escaped."""
        self.parts[name] = (title, content, caption)

    def __getitem__(self, name: str) -> pd.DataFrame | str:
        return self.parts[name][1]

    def _repr_html_(self) -> str:
        out = ['<div class="cac-report cac-panel">']
        for title, content, caption in self.parts.values():
            if title:
                out.append(f"<h4>{_esc(title)}</h4>")
            out.append(html_table(content) if isinstance(content, pd.DataFrame) else content)
            if caption:
                out.append(f'<p class="cac-caption">{_esc(caption)}</p>')
        out.append("</div>")
        return "\n".join(out)

    def __str__(self) -> str:
        out = []
        for title, content, caption in self.parts.values():
            out.append(title)
            out.append(content.to_string() if isinstance(content, pd.DataFrame) else
                       html.unescape(_strip_tags(content)))
            if caption:
                out.append(caption)
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def __repr__(self) -> str:
        return str(self)


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", text).strip()


def table(frame: pd.DataFrame, *, index: bool = True) -> HTML:
    """A frame of this module as a displayable, escaped HTML table."""
    from IPython.display import HTML

    return HTML(f'<div class="cac-report">{html_table(frame, index=index)}</div>')


def _frame(rows: dict[str, dict[str, str]], index_name: str, lang: str, *,
           numeric: Sequence[str] = (), status: str | None = None,
           statuses: Sequence[str] = (), code: Sequence[str] = ()) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", dtype=object)
    frame.index.name = index_name
    frame.attrs.update({"numeric": list(numeric), "lang": lang, "code": list(code)})
    if status is not None:
        frame.attrs.update({"status": status, "statuses": list(statuses)})
    return frame


# ------------------------------------------------------------------------------ KPI tables

#: The rows of :func:`kpi_table`: (path in the KPI dict, label key, kind).
HEADLINE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("spend.total", "metric.spend_total", "money"),
    ("spend.marketing", "metric.spend_marketing", "money"),
    ("spend.sales", "metric.spend_sales", "money"),
    ("spend.shared", "metric.spend_shared", "money"),
    ("new_customers", "metric.new_customers", "count"),
    ("cac.global", "metric.cac_global", "money"),
    ("cac.marketing", "metric.cac_marketing", "money"),
    ("cac.sales", "metric.cac_sales", "money"),
    ("arpa_mrr", "metric.arpa_mrr", "money"),
    ("ltv", "metric.ltv", "money"),
    ("ltv_cac", "metric.ltv_cac", "ratio"),
    ("payback_months", "metric.payback_months", "months"),
    ("new_revenue.first_year", "metric.new_revenue_first_year", "money"),
)


def _period_columns(kpis: Mapping[str, object], lang: str) -> tuple[str, str]:
    """Column names for this period and the previous one: their labels (``Q4 2025``...)."""
    previous = kpis.get("previous") or {}
    now_label = period_label(kpis["period"], lang)  # type: ignore[arg-type]
    before_label = (period_label(previous["period"], lang)  # type: ignore[index]
                    if isinstance(previous, Mapping) and previous.get("period")
                    else t("previous_period", lang))
    if before_label == now_label:  # cannot happen for two periods, but keep columns distinct
        before_label = t("previous_period", lang)
    return now_label, before_label


def _compare_rows(kpis: Mapping[str, object], rows: Sequence[tuple[str, str, str]],
                  lang: str) -> pd.DataFrame:
    currency = _currency(kpis)
    previous = kpis.get("previous") or {}
    now_label, before_label = _period_columns(kpis, lang)
    out: dict[str, dict[str, str]] = {}
    for path, key, kind in rows:
        now, before = _get(kpis, path), _get(previous, path)  # type: ignore[arg-type]
        out[t(key, lang)] = {before_label: fmt(before, kind, lang, currency),
                             now_label: fmt(now, kind, lang, currency),
                             t("change", lang): fmt_change(now, before, kind, lang)}
    return _frame(out, t("col.figure", lang), lang,
                  numeric=[before_label, now_label, t("change", lang)])


def kpi_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """The headline KPIs: one row per figure, columns previous period, period, change.

    Rows (:data:`HEADLINE_ROWS`): spend (total, marketing, sales, pooled), new customers,
    CAC (global, marketing, sales), ARPA, LTV, LTV/CAC, payback and first-year new revenue,
    formatted for ``lang``. Column names are the two periods (``Q4 2025``...) and
    ``Change``.
    """
    return _compare_rows(kpis, HEADLINE_ROWS, lang)


def channel_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """Per channel: new customers, direct spend and CAC, pooled costs allocated, full CAC."""
    currency = _currency(kpis)
    columns = (("new_customers", "count"), ("spend_direct", "money"), ("cac_direct", "money"),
               ("shared_allocated", "money"), ("cac_fully_loaded", "money"))
    rows = {}
    for channel, values in (kpis.get("channels") or {}).items():  # type: ignore[union-attr]
        rows[str(channel)] = {t(f"metric.{c}", lang): fmt(values.get(c), kind, lang, currency)
                              for c, kind in columns}
    return _frame(rows, t("channel", lang), lang,
                  numeric=[t(f"metric.{c}", lang) for c, _ in columns])


def ten_kpis_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """The ten B2B acquisition KPIs (:data:`cac_toolkit.figures.targets.TEN_KPIS`) against targets.

    Columns: value (formatted), target, status (``good`` / ``bad`` / ``n/a``, a coloured badge
    in HTML) and the reading in ``lang``. Values and verdicts come from
    :func:`cac_toolkit.figures.funnel.ten_kpis_table`; the sales cycle is the mean in days, the CAC
    is judged against the LTV (3 to 5 times below it).
    """

    raw = raw_table(kpis, lang)
    currency = _currency(kpis)
    kinds = {"count": "count", "ratio": "rate", "money": "money", "days": "days"}
    rows: dict[str, dict[str, str]] = {}
    statuses = []
    for key, row in raw.iterrows():
        kpi = targets.KPI_BY_KEY[str(key)]
        if key == "cac":
            target = t("target.cac", lang)
        elif kpi.target_min is not None:
            target = t("target.range", lang, low=format_percent(kpi.target_min, 0, lang),
                       high=format_percent(kpi.target_max, 0, lang))
        else:
            target = ""
        value = fmt(row["value"], kinds[kpi.unit], lang, currency)
        if kpi.unit == "days" and not _missing(row["value"]):
            value = f"{value} {t('days', lang)}"
        status = str(row["status"])
        if key == "cac":
            text = reading("cac_margin", row["value"], lang, ltv=kpis.get("ltv"))
        elif kpi.target_min is not None:
            text = reading(str(key), row["value"], lang)
        elif not _missing(row["value"]):
            text = kpi.advice(lang)  # no numeric target: the article's advice instead
        else:
            text = t("reading.undefined", lang)
        if status == "unknown" and kpi.target_min is None and key != "cac" and not _missing(
                row["value"]):
            status = ""  # a KPI without numeric target gets advice, not a verdict badge
        statuses.append(status)
        rows[kpi.name(lang)] = {t("col.value", lang): value, t("col.target", lang): target,
                                t("col.status", lang): t(f"status.{status}", lang) if status
                                else "",
                                t("col.reading", lang): text}
    return _frame(rows, t("col.kpi", lang), lang, numeric=[t("col.value", lang)],
                  status=t("col.status", lang), statuses=statuses)


def reading(kind: str, value: object, lang: str = "en", ltv: object = None) -> str:
    """A verdict of :mod:`cac_toolkit.figures.targets` as a sentence in ``lang``, numbers written in
    the reader's convention (``7,04`` in French).

    ``kind``: ``ltv_cac`` (:func:`targets.assess_ltv_cac`: below 2 fragile, 2-3 below
    target, 3-5 healthy, above 5 very favourable), ``payback``
    (:func:`targets.assess_payback`), ``cac_margin`` (:func:`targets.assess_cac_vs_margin`
    with ``ltv`` as the gross margin per customer), or a rate KPI key with a target band
    (:func:`targets.assess_kpi`).
    """
    if kind == "ltv_cac":
        verdict = targets.assess_ltv_cac(value)  # type: ignore[arg-type]
        if verdict.status == "unknown":
            return t("reading.undefined", lang)
        ratio = float(verdict.data["ratio"])
        zone = ("fragile" if ratio < targets.LTV_CAC_FRAGILE else
                "watch" if ratio < targets.LTV_CAC_HEALTHY else
                "good" if ratio <= targets.LTV_CAC_STRONG else "strong")
        return t(f"reading.ltv_cac.{zone}", lang, ratio=format_number(ratio, 2, lang))
    if kind == "payback":
        verdict = targets.assess_payback(value)  # type: ignore[arg-type]
        if verdict.status == "unknown":
            return t("reading.undefined", lang)
        return t(f"reading.payback.{verdict.status}", lang,
                 months=format_number(float(verdict.data["months"]), len(
                     targets.payback_text(float(verdict.data["months"])).split(".")[1]), lang))
    if kind == "cac_margin":
        verdict = targets.assess_cac_vs_margin(value, ltv)  # type: ignore[arg-type]
        if verdict.status == "unknown":
            return t("reading.undefined", lang)
        return t(f"reading.cac_margin.{verdict.status}", lang,
                 multiple=format_number(float(verdict.data["multiple"]), 1, lang))
    verdict = targets.assess_kpi(kind, value)  # type: ignore[arg-type]
    if verdict.status == "unknown":
        return t("reading.undefined", lang)
    kpi = targets.KPI_BY_KEY[kind]
    return t(f"reading.target.{verdict.status}", lang,
             value=format_percent(float(verdict.data["value"]), 1, lang),
             low=format_percent(kpi.target_min, 0, lang),
             high=format_percent(kpi.target_max, 0, lang))


def _value_rows(kpis: Mapping[str, object], lang: str) -> pd.DataFrame:
    currency = _currency(kpis)
    previous = kpis.get("previous") or {}
    ltv_verdict = targets.assess_ltv_cac(kpis.get("ltv_cac"))  # type: ignore[arg-type]
    payback_verdict = targets.assess_payback(kpis.get("payback_months"))  # type: ignore[arg-type]
    value_col, before_col = _period_columns(kpis, lang)
    rows = {
        t("metric.ltv", lang): {
            before_col: fmt(_get(previous, "ltv"), "money", lang, currency),  # type: ignore[arg-type]
            value_col: fmt(kpis.get("ltv"), "money", lang, currency),
            t("col.target", lang): "", t("col.status", lang): "",
            t("col.reading", lang): ""},
        t("metric.ltv_cac", lang): {
            before_col: fmt(_get(previous, "ltv_cac"), "ratio", lang),  # type: ignore[arg-type]
            value_col: fmt(kpis.get("ltv_cac"), "ratio", lang),
            t("col.target", lang): t("target.ltv_cac", lang),
            t("col.status", lang): t(f"status.{ltv_verdict.status}", lang),
            t("col.reading", lang): reading("ltv_cac", kpis.get("ltv_cac"), lang)},
        t("metric.payback_months", lang): {
            before_col: fmt(_get(previous, "payback_months"), "months", lang),  # type: ignore[arg-type]
            value_col: fmt(kpis.get("payback_months"), "months", lang),
            t("col.target", lang): t("target.payback", lang),
            t("col.status", lang): t(f"status.{payback_verdict.status}", lang),
            t("col.reading", lang): reading("payback", kpis.get("payback_months"), lang)},
    }
    frame = _frame(rows, t("col.figure", lang), lang, numeric=[before_col, value_col],
                   status=t("col.status", lang),
                   statuses=["", ltv_verdict.status, payback_verdict.status])
    return frame


CONVERSION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("funnel.mql_to_sql", "metric.mql_to_sql", "rate"),
    ("funnel.sql_to_opportunity", "metric.sql_to_opportunity", "rate"),
    ("funnel.opportunity_to_win", "metric.opportunity_to_win", "rate"),
    ("funnel.conversion_delay_days.median", "metric.conversion_delay_days", "days"),
)


def budget_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """Per channel: share of the fully loaded budget, share of new revenue, and the gap."""
    rows = {}
    budget, revenue, gap = (t("metric.budget_share", lang), t("metric.revenue_share", lang),
                            t("dash.gap", lang))
    for channel, values in (kpis.get("channels") or {}).items():  # type: ignore[union-attr]
        b, r = values.get("budget_share"), values.get("revenue_share")
        rows[str(channel)] = {budget: fmt(b, "rate", lang), revenue: fmt(r, "rate", lang),
                              gap: fmt_change(r, b, "rate", lang)}
    return _frame(rows, t("channel", lang), lang, numeric=[budget, revenue, gap])


def dependence_table(kpis: Mapping[str, object], lang: str = "en",
                     dependence_threshold: float = 0.5) -> pd.DataFrame:
    """The top channel by leads and by new revenue, its share, and whether it passes the
    ``dependence_threshold`` (a share, 0.5 = half)."""
    dep = kpis.get("dependence") or {}
    rows, statuses = {}, []
    for what, channel_key, share_key in (("leads", "top_channel_leads", "leads_share"),
                                         ("revenue", "top_channel_revenue", "revenue_share")):
        share = dep.get(share_key)  # type: ignore[union-attr]
        status = ("unknown" if _missing(share) else
                  "bad" if float(share) > dependence_threshold else "good")  # type: ignore[arg-type]
        statuses.append(status)
        rows[t(f"dash.top_{what}", lang)] = {
            t("channel", lang): str(dep.get(channel_key) or "–"),  # type: ignore[union-attr]
            t("share", lang): fmt(share, "rate", lang),
            t("dash.threshold", lang): format_percent(dependence_threshold, 0, lang),
            t("col.status", lang): t(f"status.{status}", lang)}
    return _frame(rows, "", lang, numeric=[t("share", lang), t("dash.threshold", lang)],
                  status=t("col.status", lang), statuses=statuses)


def allocation_text(kpis: Mapping[str, object], lang: str = "en") -> str:
    """How pooled costs were split, e.g. ``share of new customers``."""
    key = str(kpis.get("allocation_key") or _get(kpis, "parameters.allocation_key")
              or "new_customers")
    return label_or(f"allocation.{key}", key, lang)


def model_text(kpis: Mapping[str, object], lang: str = "en") -> str:
    """The attribution model of the audit, e.g. ``Deal channel``."""
    model = str(kpis.get("attribution_model") or "deal")
    return label_or(f"model.{model}", model, lang)


def dashboard(kpis: Mapping[str, object], lang: str = "en",
              dependence_threshold: float = 0.5) -> Panel:
    """The minimal dashboard of the CAC article, as a :class:`Panel` of six tables.

    ``cac``: global, marketing and sales CAC, new customers and spend, previous period / this
    period / change. ``channels``: per channel direct and fully loaded CAC (the caption names
    the allocation key and, for touch models, the attribution model). ``value``: LTV,
    LTV/CAC and payback with their verdicts (:func:`targets.assess_ltv_cac`,
    :func:`targets.assess_payback`). ``conversions``: MQL→SQL, SQL→opportunity,
    opportunity→win and the median conversion delay in days. ``budget``: budget share vs
    revenue share per channel. ``dependence``: the top channel's share of leads and revenue.
    """
    currency = _currency(kpis)
    panel = Panel()
    panel.add("cac", t("dash.cac", lang), _compare_rows(kpis, (
        ("cac.global", "metric.cac_global", "money"),
        ("cac.marketing", "metric.cac_marketing", "money"),
        ("cac.sales", "metric.cac_sales", "money"),
        ("new_customers", "metric.new_customers", "count"),
        ("spend.total", "metric.spend_total", "money")), lang))
    caption = t("dash.channels.caption", lang,
                shared=fmt(_get(kpis, "spend.shared"), "money", lang, currency),
                allocation=allocation_text(kpis, lang))
    if kpis.get("attribution_model") not in (None, "deal"):
        caption += " " + t("dash.channels.model", lang, model=model_text(kpis, lang))
    panel.add("channels", t("dash.channels", lang), channel_table(kpis, lang), caption)
    panel.add("value", t("dash.value", lang), _value_rows(kpis, lang))
    panel.add("conversions", t("dash.conversions", lang),
              _compare_rows(kpis, CONVERSION_ROWS, lang))
    panel.add("budget", t("dash.budget", lang), budget_table(kpis, lang))
    panel.add("dependence", t("dash.dependence", lang),
              dependence_table(kpis, lang, dependence_threshold))
    return panel


# ------------------------------------------------------------------------------ history


#: The figures of a history row (:data:`cac_toolkit.audit.kpis.HISTORY_COLUMNS`).
HISTORY_COLUMNS = kpi_file.HISTORY_COLUMNS


def history_frame(history_rows: Mapping[str, object] | Sequence[Mapping[str, object]],
                  lang: str = "en") -> pd.DataFrame:
    """The KPI file's ``history`` (or a KPI dict holding it) as a frame, oldest period first.

    Index: period labels (:func:`period_label`, in ``lang``); columns :data:`HISTORY_COLUMNS`
    (floats, NaN when undefined). Nothing is computed here: the rows are those of
    :func:`cac_toolkit.audit.kpis.history`.
    """
    rows = (history_rows.get("history") or [] if isinstance(history_rows, Mapping)
            else history_rows)
    labels = [period_label(row["period"], lang) for row in rows]  # type: ignore[index]
    values = [[np.nan if row.get(c) is None else float(row[c])  # type: ignore[union-attr,arg-type]
               for c in HISTORY_COLUMNS] for row in rows]
    return pd.DataFrame(values, index=pd.Index(labels, name="period"),
                        columns=list(HISTORY_COLUMNS), dtype="float64")


def history(data: AuditData, params: AuditParameters, quarters: int = 4) -> pd.DataFrame:
    """The KPIs of the audited period and the ``quarters - 1`` periods before it, oldest first.

    :func:`cac_toolkit.audit.kpis.history` (the KPI file's ``history`` with another number of
    periods) as a :func:`history_frame` labelled in ``params.lang``.
    """
    # LTV of every period uses the audit's lifetime: typed, or measured from the revenue table.
    measured = measure_retention(data.revenue, params, params.audited_period(kpi_file.last_data_day(
        data)), Notes())
    lifetime = measured.lifetime_months if measured is not None else None
    return history_frame(kpi_file.history(data, params, quarters, measured_lifetime=lifetime),
                         params.lang)


_HISTORY_KINDS = {"spend_total": "money", "new_customers": "count", "cac_global": "money",
                  "cac_marketing": "money", "cac_sales": "money", "arpa_mrr": "money",
                  "ltv": "money", "ltv_cac": "ratio", "payback_months": "months",
                  "mql_to_sql": "rate", "sql_to_opportunity": "rate",
                  "opportunity_to_win": "rate", "conversion_delay_days": "days",
                  "leads_share": "rate", "revenue_share": "rate"}
_HISTORY_LABELS = {"leads_share": "dash.top_leads", "revenue_share": "dash.top_revenue"}


def history_table(history: pd.DataFrame | Mapping[str, object], lang: str = "en",
                  currency: str = "EUR",
                  columns: Sequence[str] = ("new_customers", "cac_global", "arpa_mrr",
                                            "ltv_cac", "payback_months",
                                            "conversion_delay_days")) -> pd.DataFrame:
    """A :func:`history_frame` (or a KPI dict) formatted for reading: one row per KPI, one
    column per period."""
    frame = history if isinstance(history, pd.DataFrame) else history_frame(history, lang)
    rows = {}
    for column in columns:
        label = t(_HISTORY_LABELS.get(column, f"metric.{column}"), lang)
        rows[label] = {str(p): fmt(v, _HISTORY_KINDS.get(column, "ratio"), lang, currency)
                       for p, v in frame[column].items()}
    return _frame(rows, t("col.figure", lang), lang, numeric=[str(p) for p in frame.index])


# ------------------------------------------------------------------------------ signals


def _window_label(window: Mapping[str, object] | None, lang: str) -> str:
    if not window:
        return ""
    ends = [period_label(p, lang) if isinstance(p, Mapping) else str(p)  # type: ignore[arg-type]
            for p in (window["from"], window["to"])]
    return f"{ends[0]} → {ends[1]}"


def _percent_change(value: float, lang: str) -> str:
    return _signed(format_percent(value, 1, lang), value)


def signal_message(signal: Mapping[str, object], lang: str = "en") -> str:
    """One signal of the KPI file's ``signals`` as a sentence in ``lang`` (plain text)."""
    kind, status = str(signal["signal"]), str(signal["status"])
    if kind == "cac_vs_arpa":
        if status == "unknown":
            return t("signal.cac_vs_arpa.unknown", lang)
        return t(f"signal.cac_vs_arpa.{status}", lang,
                 window=_window_label(signal["window"], lang),  # type: ignore[arg-type]
                 cac_change=_percent_change(float(signal["cac_change"]), lang),  # type: ignore[arg-type]
                 arpa_change=_percent_change(float(signal["arpa_change"]), lang))  # type: ignore[arg-type]
    if kind == "conversion_delay":
        if status == "unknown":
            return t("signal.delay.unknown", lang)
        return t(f"signal.delay.{status}", lang,
                 window=_window_label(signal["window"], lang),  # type: ignore[arg-type]
                 before=format_number(float(signal["before"]), 1, lang),  # type: ignore[arg-type]
                 after=format_number(float(signal["after"]), 1, lang),  # type: ignore[arg-type]
                 change=_percent_change(float(signal["change"]), lang))  # type: ignore[arg-type]
    threshold = format_percent(float(signal["threshold"]), 0, lang)  # type: ignore[arg-type]
    if status == "bad":
        return t("signal.dependence.bad", lang, channel=signal["channel"],
                 share=format_percent(float(signal["share"]), 1, lang),  # type: ignore[arg-type]
                 what=t(f"signal.dependence.{signal['what']}", lang), threshold=threshold)
    if status == "unknown":
        return t("signal.dependence.unknown", lang)

    def shown(top: object) -> str:
        if not isinstance(top, Mapping):
            return "–"
        return f"{top['channel']} {format_percent(float(top['share']), 1, lang)}"

    return t("signal.dependence.good", lang, threshold=threshold,
             leads=shown(signal.get("leads")), revenue=shown(signal.get("revenue")))


def _history_rows(history: pd.DataFrame | Sequence[Mapping[str, object]] | None
                  ) -> list[dict[str, object]] | None:
    if history is None or not isinstance(history, pd.DataFrame):
        return None if history is None else list(history)  # type: ignore[arg-type]
    return [{"period": label, **{c: (None if pd.isna(v) else float(v))
                                 for c, v in row.items()}}
            for label, row in history.iterrows()]


def warning_signals(kpis: Mapping[str, object],
                    history: pd.DataFrame | Sequence[Mapping[str, object]] | None = None,
                    lang: str = "en",
                    dependence_threshold: float = DEPENDENCE_THRESHOLD
                    ) -> list[tuple[str, str]]:
    """The three warning signals of the CAC article, as ``(status, message)`` pairs.

    The signals are computed in the KPI file (:func:`cac_toolkit.audit.readings.warning_signals`,
    its ``signals`` block, which gives each rule and its inputs): with neither ``history``
    nor another ``dependence_threshold`` this reads that block. ``history`` (a
    :func:`history_frame` or history rows) or a threshold reads the same rules over other
    figures of the KPI dict. Messages are plain text in ``lang`` (escape them for HTML:
    :func:`signals_html` does).
    """
    items = kpis.get("signals")
    if items is None or history is not None or dependence_threshold != DEPENDENCE_THRESHOLD:
        items = readings.warning_signals(kpis, _history_rows(history), dependence_threshold)
    return [(str(item["status"]), signal_message(item, lang))  # type: ignore[index]
            for item in items]  # type: ignore[union-attr]


def signals_html(signals: Sequence[tuple[str, str]], lang: str = "en") -> HTML:
    """The signals as a list of coloured badges and escaped messages."""
    from IPython.display import HTML

    items = "".join(f"<li>{badge(status, lang)}<span>{_esc(message)}</span></li>"
                    for status, message in signals)
    return HTML(f'<div class="cac-report"><ul class="cac-signals">{items}</ul></div>')


# ------------------------------------------------------------------------------ sector


def _range_text(low: float | None, high: float | None, currency: str, lang: str) -> str:

    if high is None:
        return t("range.open", lang, low=money_short(low, currency, lang))
    return t("range.closed", lang, low=money_short(low, currency, lang),
             high=money_short(high, currency, lang))


def sector_position(kpis: Mapping[str, object], sector: str = "saas", lang: str = "en") -> HTML:
    """Where the global CAC stands against the sector's indicative range, and which channels'
    fully loaded CAC is above it (the KPI file's ``sector`` block,
    :func:`cac_toolkit.audit.readings.sector_position`, ranges in EUR), with the article's
    caveat that these are landmarks, not norms. Another ``sector`` than the audit's is read
    from the same KPI dict."""
    from IPython.display import HTML

    position = kpis.get("sector")
    if not isinstance(position, Mapping) or position.get("sector") != sector:
        position = readings.sector_position(kpis, sector)
    currency = _currency(kpis)
    name = targets.sector_name(sector, lang)
    range_text = _range_text(position["low"], position["high"], currency, lang)  # type: ignore[arg-type]
    paragraphs = []
    if position["status"] == "unknown":
        paragraphs.append(t("sector.undefined", lang))
    else:
        paragraphs.append(t(f"sector.{position['position']}", lang,
                            cac=fmt(position["cac"], "money", lang, currency), sector=name,
                            range=range_text))
        if position["channels_above"]:
            paragraphs.append(t("sector.channels_above", lang,
                                channels=", ".join(position["channels_above"])))  # type: ignore[arg-type]
    if currency != "EUR":
        paragraphs.append(t("sector.currency", lang, currency=currency))
    body = "".join(f"<p>{_esc(p)}</p>" for p in paragraphs)
    body += f'<p class="cac-caption">{_esc(t("sector.caveat", lang))}</p>'
    return HTML(f'<div class="cac-report">{badge(str(position["status"]), lang)}{body}</div>')


# ------------------------------------------------------------------------------ notes


_NOTE_LABELS = {"cac.global": "metric.cac_global", "cac.marketing": "metric.cac_marketing",
                "cac.sales": "metric.cac_sales", "arpa_mrr": "metric.arpa_mrr", "ltv": "metric.ltv",
                "ltv_cac": "metric.ltv_cac", "payback_months": "metric.payback_months",
                "ltv_parameter": "retention.ltv_parameter",
                "ltv_measured": "retention.ltv_measured",
                "retention.logo_churn_monthly": "retention.logo_churn",
                "retention.revenue_churn_monthly": "retention.revenue_churn",
                "retention.nrr_12m": "retention.nrr", "retention.grr_12m": "retention.grr",
                "retention": "figures.retention"}

#: Keys of the KPI file that echo a parameter (``null``: the parameter is not set), not a
#: figure: an unset ``discount_rate`` means no discounting, never an undefined figure.
_PARAMETER_ECHOES = frozenset({"retention.discount_rate", "retention.horizon_months"})

#: Figures that are null because another one is: (figure, the figures it is computed from).
_DEPENDS_ON = {"ltv": ("arpa_mrr",), "ltv_cac": ("ltv", "cac.global"),
               "payback_months": ("cac.global", "arpa_mrr"),
               "segments": ("segments",)}



def _covered(key: str, noted: Sequence[str]) -> bool:
    """Whether a note already explains ``key``: a note on it or on a parent key, or, for a
    channel's or segment's figure, a table-wide note on that figure or on one it derives
    from (``segments.ltv`` covers ``segments.SMB.ltv`` and ``segments.SMB.ltv_cac``)."""
    if any(key == n or key.startswith(n + ".") for n in noted):
        return True
    parts = key.split(".")
    if parts[0] in ("channels", "segments") and len(parts) >= 3:
        metric = parts[-1]
        sources = (metric, *_SCOPED_DEPENDS.get(metric, ()))
        return any(f"{parts[0]}.{m}" in noted for m in sources)
    return False


_SCOPED_DEPENDS = {"ltv_cac": ("ltv", "cac"), "payback_months": ("cac", "arpa_mrr"),
                   "ltv": ("arpa_mrr",)}


def figure_label(key: str, lang: str = "en") -> str:
    """A KPI-file key as a reader names it: ``channels.Ads.cac_direct`` -> ``Direct CAC – Ads``."""
    parts = key.split(".")
    if key in _NOTE_LABELS:
        return t(_NOTE_LABELS[key], lang)
    if parts[0] == "cohorts" and len(parts) >= 2:
        digits = "".join(ch for ch in parts[-1] if ch.isdigit())
        metric = parts[-1].rstrip("_0123456789")
        scope = "cohort.period." if len(parts) >= 3 and parts[1] == "period" else "cohort."
        name = label_or(f"{scope}{metric}", label_or(f"cohort.{metric}", parts[-1], lang), lang)
        return name.format(days=digits) if digits else name
    if parts[0] == "funnel" and len(parts) >= 2:
        return label_or(f"metric.{parts[1]}", label_or(f"stage.{parts[1]}", key, lang), lang)
    if parts[0] in ("channels", "segments") and len(parts) >= 3:
        metric = parts[-1]
        return f"{label_or(f'metric.{metric}', metric, lang)} – {'.'.join(parts[1:-1])}"
    if parts[0] in ("channels", "segments") and len(parts) == 2:
        return f"{label_or(f'metric.{parts[1]}', parts[1], lang)} – {t(f'every.{parts[0]}', lang)}"
    if parts[0] == "dependence" and len(parts) == 2:
        what = "leads" if "leads" in parts[1] else "revenue"
        name = t(f"dash.top_{what}", lang)
        return name if parts[1].startswith("top_channel") else f"{name} – {t('share', lang)}"
    if key in ("funnel", "cohorts", "segments", "channels"):
        return t(f"figures.{key}", lang)
    if parts[0] in _NOTE_LABELS and len(parts) >= 2:  # retention.sbg.alpha: Retention – sbg.alpha
        return f"{t(_NOTE_LABELS[parts[0]], lang)} – {'.'.join(parts[1:])}"
    return label_or(f"metric.{key}", key, lang)


def notes_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """Every undefined (null) figure of the audited period with the reason, in ``lang``.

    The KPI file's ``notes`` first (translated by :func:`cac_toolkit.render.i18n.note_text`), then
    any other null of the headline figures that no note covers, explained by the figures it
    is computed from (LTV/CAC from LTV and CAC, payback from CAC and ARPA) or by a missing
    parameter. Columns: the figure (key in plain words) and the reason.
    """

    rows: list[tuple[str, str]] = []
    noted = []
    for note in kpis.get("notes") or []:  # type: ignore[union-attr]
        rows.append((figure_label(str(note["key"]), lang), note_text(note, lang)))
        noted.append(str(note["key"]))
    current = {k: v for k, v in kpis.items()
               if k not in ("previous", "notes", "inputs", "parameters", "cohorts")}
    for key, value in flatten(current).items():  # type: ignore[arg-type]
        if value is not None or key in _PARAMETER_ECHOES or _covered(key, noted):
            continue
        parts = key.split(".")
        if parts[0] == "dependence" and "leads" in parts[-1] and kpis.get("funnel") and all(
                v is None for v in (kpis["funnel"] or {}).values()  # type: ignore[union-attr]
                if not isinstance(v, Mapping)):
            reason = note_text(Note("funnel", "no_leads"), lang)
        elif key == "ltv_parameter" and kpis.get("ltv_measured") is not None:
            reason = t("note.ltv_measured_only", lang)
        else:
            causes = [c for c in _DEPENDS_ON.get(key, ()) if _get(kpis, c) is None]
            if causes:
                reason = t("note.derived", lang,
                           figures=", ".join(figure_label(c, lang) for c in causes))
            elif key in ("ltv", "ltv_cac", "payback_months", "ltv_parameter"):
                reason = t("note.parameter", lang)
            elif len(parts) > 1 and parts[0] in noted:
                reason = t("note.derived", lang, figures=figure_label(parts[0], lang))
            else:  # never "x follows from x", nor from a figure that is defined
                reason = t("note.not_computed", lang)
        rows.append((figure_label(key, lang), reason))
        noted.append(key)
    frame = pd.DataFrame(rows, columns=[t("col.figure", lang), t("col.reason", lang)],
                         dtype=object)
    frame.attrs.update({"lang": lang})
    return frame


def notes_html(kpis: Mapping[str, object], lang: str = "en") -> HTML:
    """:func:`notes_table` as HTML, or a sentence saying every figure is defined."""
    from IPython.display import HTML

    frame = notes_table(kpis, lang)
    if frame.empty:
        return HTML(f'<div class="cac-report"><p>{_esc(t("section.notes.none", lang))}</p></div>')
    return HTML(f'<div class="cac-report">{html_table(frame, index=False)}</div>')


# ------------------------------------------------------------------------------ provenance


def day_text(day: str | None, lang: str = "en") -> str:
    """A run date as the reader writes it (``2026-11-20`` / ``20/11/2026``), or "not set";
    a text that is not an ISO date is shown as it is."""
    if not day:
        return t("not_set", lang)
    try:
        return format_day(str(day), lang)
    except ValueError:
        return str(day)


def parameter_text(value: object, lang: str = "en") -> str:
    """A parameter of the KPI file as the provenance table shows it: as Python writes it in
    English (``0.75``, ``36.0``, ``2025-01-01``); French decimals and dates in French
    (``0,75``, ``36,0``, ``01/01/2025``)."""
    if value is None:
        return t("not_set", lang)
    text = str(value)
    if lang == "en" or isinstance(value, bool):
        return text
    if isinstance(value, float):
        return text.replace(".", ",")
    if isinstance(value, str) and len(text) == 10 and text[4] == "-" and text[7] == "-":
        return day_text(text, lang)
    return text


def provenance(kpis: Mapping[str, object], run_date: str | None = None,
               lang: str = "en") -> Panel:
    """Input files (name, rows, SHA-256), parameters, package version and run date; below
    the files, what the SHA-256 of a table read in place covers (its listing)."""
    panel = Panel()
    inputs = {}
    for name, info in (kpis.get("inputs") or {}).items():  # type: ignore[union-attr]
        inputs[str(name)] = {t("col.file", lang): str(info.get("file", "")),
                             t("col.rows", lang): fmt(info.get("rows"), "count", lang),
                             t("col.sha256", lang): str(info.get("sha256", ""))}
    # A table read in place has the hash of its listing, not of bytes: the reader is told.
    listed = [str(name) for name, info in (kpis.get("inputs") or {}).items()  # type: ignore[union-attr]
              if info.get("sha256_of") == "listing"]
    panel.add("inputs", t("provenance.inputs", lang),
              _frame(inputs, t("col.table", lang), lang, numeric=[t("col.rows", lang)],
                     code=[t("col.sha256", lang)]),
              t("provenance.listing", lang, tables=", ".join(listed)) if listed else "")
    parameters = {str(k): {t("col.value", lang): parameter_text(v, lang)}
                  for k, v in (kpis.get("parameters") or {}).items()}  # type: ignore[union-attr]
    panel.add("parameters", t("provenance.parameters", lang),
              _frame(parameters, t("col.parameter", lang), lang))
    version = t("provenance.version", lang, version=kpis.get("version", __version__),
                kpi_version=kpis.get("kpi_file_version", ""),
                run_date=day_text(run_date, lang))
    panel.add("version", "", f'<p class="cac-caption">{_esc(version)}</p>')
    return panel


# ------------------------------------------------------------------------------ texts


def section_title(key: str, lang: str = "en", level: int = 2) -> str:
    """A section heading in Markdown: ``## Dashboard`` / ``## Tableau de bord``."""
    return f"{'#' * level} {t(f'section.{key}', lang)}"


#: Sections that start a new printed page (the print CSS's ``.cac-newpage`` rule). None does
#: today: the sample audit fits its page budget with breaks left to the browser, and a forced
#: break before the short appendix left most of a page empty; add a section key here to
#: print it from the top of a page.
NEW_PAGE_SECTIONS: tuple[str, ...] = ()


def section(key: str, lang: str = "en", **values: object) -> Markdown:
    """A section's heading and, when it has one, its introduction, as Markdown.

    Placeholder values (``allocation``, ``model``, ``n``) are escaped: they may be client text.
    """
    from IPython.display import Markdown

    text = section_title(key, lang)
    if key in NEW_PAGE_SECTIONS:  # printed from the top of a page (the print CSS's rule)
        text = '<div class="cac-newpage"></div>\n\n' + text
    intro = f"section.{key}.intro"
    if label_or(intro, "", lang):
        safe = {k: _esc(v) for k, v in values.items()}
        text += "\n\n" + t(intro, lang, **safe) if safe else "\n\n" + t(intro, lang)
    return Markdown(text)


def page_footer_css(text: str) -> str:
    """The ``@page`` rule that prints ``text`` (title and period) at the left of each page's
    footer; the page numbers on the right come from the offline template's print CSS.

    ``text`` is written as a CSS string: backslashes, quotes and angle brackets are escaped,
    so client text can neither end the string nor the ``<style>`` element.
    """
    safe = "".join(ch if ch.isalnum() or ch in " -–·,./()'" else f"\\{ord(ch):x} "
                   for ch in text)
    return ('@page { @bottom-left { content: "' + safe + '"; font-size: 8pt; color: #555; '
            "font-family: system-ui, 'DejaVu Sans', sans-serif; } }")


def title_block(kpis: Mapping[str, object], lang: str = "en", run_date: str | None = None,
                sector: str = "saas") -> HTML:
    """The report's title, audited period, comparison period and settings, plus its styles."""
    from IPython.display import HTML

    previous = kpis.get("previous") or {}
    subtitle = t("report.subtitle", lang, period=period_label(kpis["period"], lang),  # type: ignore[arg-type]
                 previous=period_label(previous["period"], lang)  # type: ignore[index]
                 if isinstance(previous, Mapping) and previous.get("period") else "–")
    meta = t("report.meta", lang, currency=_currency(kpis),
             sector=targets.sector_name(sector, lang), allocation=allocation_text(kpis, lang),
             model=model_text(kpis, lang), run_date=day_text(run_date, lang))
    footer = f"{t('report.title', lang)} · {period_label(kpis['period'], lang)}"  # type: ignore[arg-type]
    comparison = ""
    if isinstance(previous, Mapping) and previous.get("period"):
        before = Period(pd.Timestamp(previous["period"]["start"]),  # type: ignore[index]
                        pd.Timestamp(previous["period"]["end"]))  # type: ignore[index]
        if not on_calendar_boundaries(before):
            comparison = (f'<p class="cac-meta">'
                          f'{_esc(t("report.previous_days", lang, days=before.days))}</p>')
    return HTML(f"<style>{REPORT_CSS}{page_footer_css(footer)}</style>"
                f'<div class="cac-report"><h1>{_esc(t("report.title", lang))}</h1>'
                f'<p class="cac-subtitle">{_esc(subtitle)}</p>{comparison}'
                f'<p class="cac-meta">{_esc(meta)}</p>{input_warnings_html(kpis, lang)}</div>')


def input_warnings_html(kpis: Mapping[str, object], lang: str = "en") -> str:
    """The KPI file's ``warnings`` (inputs that may make a figure wrong), as a list shown at
    the top of the report; empty when there are none. Messages are translated from their
    id and parameters (:func:`cac_toolkit.render.i18n.warning_text`); file names, columns and
    values are quoted as the files write them."""
    warnings = [w for w in (kpis.get("warnings") or []) if isinstance(w, Mapping)]
    if not warnings:
        return ""
    items = "".join(f'<li><code>{_esc(str(w.get("code", "")))}</code> '
                    f'{_esc(warning_text(w, lang))}</li>' for w in warnings)
    heading = tn("report.warnings", len(warnings), lang, n=len(warnings))
    return f'<div class="cac-warnings"><h2>{_esc(heading)}</h2><ul>{items}</ul></div>'


def key_figures(kpis: Mapping[str, object], lang: str = "en") -> HTML:
    """Five headline figures as cards: spend, new customers, global CAC, LTV/CAC, payback."""
    from IPython.display import HTML

    currency = _currency(kpis)
    previous = kpis.get("previous") or {}
    cards = []
    for label, path, kind in (("key.spend", "spend.total", "money"),
                              ("key.new_customers", "new_customers", "count"),
                              ("key.cac_global", "cac.global", "money"),
                              ("key.ltv_cac", "ltv_cac", "ratio"),
                              ("key.payback", "payback_months", "months")):
        now, before = _get(kpis, path), _get(previous, path)  # type: ignore[arg-type]
        change = fmt_change(now, before, kind, lang)
        cards.append(f'<div class="cac-keyfigure"><div class="cac-kf-label">{_esc(t(label, lang))}'
                     f'</div><div class="cac-kf-value">{_esc(fmt(now, kind, lang, currency))}'
                     f'</div><div class="cac-kf-sub">{_esc(t("change", lang))} {_esc(change)}'
                     "</div></div>")
    return HTML(f'<div class="cac-report"><div class="cac-keyfigures">{"".join(cards)}</div></div>')


def headline(kpis: Mapping[str, object], lang: str = "en") -> str:
    """The headline figures as plain text, rounded (the line nbval compares in the notebook)."""
    currency = _currency(kpis)
    lines = [
        (t("key.period", lang), period_label(kpis["period"], lang)),  # type: ignore[arg-type]
        (t("key.spend", lang), fmt(_get(kpis, "spend.total"), "money", lang, currency)),
        (t("key.new_customers", lang), fmt(kpis.get("new_customers"), "count", lang)),
        (t("key.cac_global", lang), fmt(_get(kpis, "cac.global"), "money", lang, currency)),
        (t("metric.ltv", lang), fmt(kpis.get("ltv"), "money", lang, currency)),
        (t("key.ltv_cac", lang), fmt(kpis.get("ltv_cac"), "ratio", lang)),
        (t("key.payback", lang), fmt(kpis.get("payback_months"), "months", lang)),
    ]
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in lines)


def summary(kpis: Mapping[str, object], signals: Sequence[tuple[str, str]],
            lang: str = "en") -> HTML:
    """The executive summary: volume and CAC, value verdicts, channels, warning signals."""
    from IPython.display import HTML

    currency = _currency(kpis)
    previous = kpis.get("previous") or {}
    items = [t("summary.cac", lang, customers=fmt(kpis.get("new_customers"), "count", lang),
               cac=fmt(_get(kpis, "cac.global"), "money", lang, currency),
               change=fmt_change(_get(kpis, "cac.global"),
                                 _get(previous, "cac.global"), "money", lang))]  # type: ignore[arg-type]
    items.append(t("punct.label_value", lang, label=t("metric.ltv_cac", lang),
                   value=reading("ltv_cac", kpis.get("ltv_cac"), lang)))
    items.append(f"{t('summary.payback', lang)} "
                 f"{reading('payback', kpis.get('payback_months'), lang)}")
    loaded = {c: float(v["cac_fully_loaded"])
              for c, v in (kpis.get("channels") or {}).items()  # type: ignore[union-attr]
              if not _missing(v.get("cac_fully_loaded"))}
    if len(loaded) >= 2:
        ordered = sorted(loaded.items(), key=lambda kv: (kv[1], kv[0]))
        (best, best_cac), (worst, worst_cac) = ordered[0], ordered[-1]
        items.append(t("summary.best_channel", lang, best=best,
                       best_cac=fmt(best_cac, "money", lang, currency), worst=worst,
                       worst_cac=fmt(worst_cac, "money", lang, currency)))
    alerts = sum(1 for status, _ in signals if status in ("bad", "watch"))
    unknown = sum(1 for status, _ in signals if status == "unknown")
    if alerts:
        items.append(tn("summary.alerts", alerts, lang, n=alerts))
    elif not unknown:
        items.append(t("summary.no_alert", lang))
    if unknown:
        items.append(tn("summary.unknown", unknown, lang, n=unknown))
    body = "".join(f"<li>{_esc(_capitalise(item))}</li>" for item in items)
    return HTML(f'<div class="cac-report"><ul class="cac-summary">{body}</ul></div>')


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------------------ extras


def segment_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """Per segment (ICP): new customers, CAC, ARPA, LTV, LTV/CAC and payback."""
    currency = _currency(kpis)
    columns = (("new_customers", "count"), ("cac", "money"), ("arpa_mrr", "money"),
               ("ltv", "money"), ("ltv_cac", "ratio"), ("payback_months", "months"))
    names = {c: t(f"metric.{'cac_segment' if c == 'cac' else c}", lang) for c, _ in columns}
    rows = {}
    for segment, values in (kpis.get("segments") or {}).items():  # type: ignore[union-attr]
        rows[str(segment)] = {names[c]: fmt(values.get(c), kind, lang, currency)
                              for c, kind in columns}
    return _frame(rows, t("col.segment", lang), lang, numeric=list(names.values()))


def segment_reading(kpis: Mapping[str, object], lang: str = "en") -> Markdown | None:
    """When no segment has direct spend, the sentence saying that segment CAC is only the
    pooled costs split by the allocation key (so LTV/CAC differs by ARPA alone); else None."""
    from IPython.display import Markdown

    segments = kpis.get("segments") or {}
    if not segments or any(not _missing(v.get("spend_direct")) and float(v["spend_direct"])
                           for v in segments.values()):  # type: ignore[union-attr]
        return None
    return Markdown(t("segments.pooled_only", lang, allocation=_esc(allocation_text(kpis, lang))))


def cohort_matrix(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame | None:
    """Month x horizon conversion shares of the KPI file's cohorts, labelled for the heatmap.

    ``None`` when there is no lead cohort (no leads table). Rows: months (``2025-10``);
    columns: ``30 days`` / ``30 jours``...; values 0-1, NaN when not observable yet.
    """

    cohorts = kpis.get("cohorts")
    if not isinstance(cohorts, Mapping) or not cohorts.get("months"):
        return None
    matrix = conversion_matrix(cohorts)
    if matrix.isna().all().all() and all(v is None for v in (cohorts.get("leads") or {}).values()):
        return None
    matrix.index = pd.Index([str(m) for m in matrix.index], name=t("chart.cohort_month", lang))
    matrix.columns = pd.Index([t("chart.horizon_days", lang, days=int(h)) for h in matrix.columns],
                              name=t("chart.horizon", lang))
    return matrix


def attribution_table(kpis: Mapping[str, object]) -> pd.DataFrame | None:
    """Every attribution model side by side for the audited period's new customers.

    The KPI file's ``attribution`` block (:func:`cac_toolkit.audit.kpis.attribution_comparison`)
    as channels x models credits, each column adding up to the new customers, or ``None``
    without a touchpoints table or a new customer.
    """
    block = kpis.get("attribution")
    if not isinstance(block, Mapping):
        return None
    models = list(block["models"])  # type: ignore[call-overload]
    credits = block["credits"]
    table = pd.DataFrame([[np.nan if credits[c][m] is None else credits[c][m]  # type: ignore[index]
                           for m in models] for c in credits],  # type: ignore[union-attr]
                         index=pd.Index(list(credits), name="channel"),  # type: ignore[arg-type]
                         columns=pd.Index(models, name="model"), dtype="float64")
    return table


def attribution_frame(credits: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The channels x models credits of :func:`attribution_table`, formatted, with translated
    model names and a total row (every model adds up to the new customers).

    A model whose credits are all whole numbers (the deal channel, first and last touch)
    prints them without decimals (``88``); the others keep 2 decimals in the whole column.
    """
    rows: dict[str, dict[str, str]] = {}
    names = {m: label_or(f"model.{m}", str(m), lang) for m in credits.columns}
    digits = {m: 0 if all(float(v).is_integer() for v in credits[m].dropna()) else 2
              for m in credits.columns}

    def number(value: object, model: object) -> str:
        return (fmt(None, "count", lang) if _missing(value)
                else format_number(float(value), digits[model], lang))  # type: ignore[arg-type]

    for channel, values in credits.iterrows():
        rows[str(channel)] = {names[m]: number(values[m], m) for m in credits.columns}
    rows[t("total", lang)] = {names[m]: number(credits[m].sum(min_count=1), m)
                              for m in credits.columns}
    return _frame(rows, t("channel", lang), lang, numeric=list(names.values()))


def text(key: str, lang: str = "en", **values: object) -> Markdown:
    """A sentence of the report (``section.<key>``) as Markdown, placeholders escaped."""
    from IPython.display import Markdown

    return Markdown(t(f"section.{key}", lang, **{k: _esc(v) for k, v in values.items()}))


def audit_parameters(values: Mapping[str, object]) -> AuditParameters:
    """The audit's parameters from the notebook's parameter cell.

    ``values`` holds the parameter names of :class:`cac_toolkit.audit.params.AuditParameters`
    (other names, such as ``data_dir`` or ``run_date``, are ignored). The notebook's default
    ``monthly_churn`` gives way when ``lifetime_months`` is set, since the two are
    alternatives: running it with ``-p lifetime_months 30`` alone does what it says.
    """
    import dataclasses


    names = {f.name for f in dataclasses.fields(AuditParameters)}
    chosen = {k: v for k, v in values.items() if k in names}
    if chosen.get("lifetime_months") is not None:
        chosen["monthly_churn"] = None
    return AuditParameters.from_mapping(chosen)


# ------------------------------------------------------------------------------ retention

def interval_lines(kpis: Mapping[str, object], lang: str = "en") -> list[str]:
    """``LTV/CAC 2.8 (90 % interval 2.1–3.6)`` for LTV, LTV/CAC and payback, when defined."""
    currency = _currency(kpis)
    intervals = kpis.get("intervals") or {}
    lines = []
    for path, label, kind in (("ltv", "metric.ltv", "money"),
                              ("ltv_cac", "metric.ltv_cac", "ratio"),
                              ("payback_months", "metric.payback_months", "months")):
        bounds = intervals.get(path) or {}  # type: ignore[union-attr]
        value = kpis.get(path)
        if _missing(value) or _missing(bounds.get("low")):
            continue
        if kind == "money":
            shown = [money_short(v, currency, lang)
                     for v in (value, bounds["low"], bounds["high"])]
        else:
            shown = [format_number(float(v), 1, lang)  # type: ignore[arg-type]
                     for v in (value, bounds["low"], bounds["high"])]
        lines.append(t("retention.interval", lang, label=t(label, lang), value=shown[0],
                       low=shown[1], high=shown[2]))
    return lines


def _percent2(value: object, lang: str) -> str:
    """A monthly churn with two decimals (``0.98%``): one decimal would hide its trend."""
    return fmt(None, "rate", lang) if _missing(value) else format_percent(
        float(value), 2, lang)  # type: ignore[arg-type]


def retention_table(kpis: Mapping[str, object], lang: str = "en") -> pd.DataFrame:
    """Churn, NRR, GRR, the fitted lifetimes, the LTV basis and both LTVs (one column)."""
    currency = _currency(kpis)
    r = kpis.get("retention") or {}
    sbg = r.get("sbg") or {}  # type: ignore[union-attr]
    constant = r.get("constant_churn") or {}  # type: ignore[union-attr]
    horizon = r.get("horizon_months")  # type: ignore[union-attr]
    value = t("col.value", lang)
    basis = kpis.get("ltv_basis") or "none"
    sbg_text = (t("punct.sbg", lang, alpha=format_number(sbg["alpha"], 3, lang),
                  beta=format_number(sbg["beta"], 3, lang),
                  log_likelihood=format_number(sbg["log_likelihood"], 1, lang))
                if sbg.get("alpha") is not None else fmt(None, "ratio", lang))
    rows = {
        t("retention.logo_churn", lang): _percent2(r.get("logo_churn_monthly"), lang),
        t("retention.revenue_churn", lang): _percent2(r.get("revenue_churn_monthly"), lang),
        t("retention.nrr", lang): fmt(r.get("nrr_12m"), "rate", lang),
        t("retention.grr", lang): fmt(r.get("grr_12m"), "rate", lang),
        t("retention.sbg", lang): sbg_text,
        t("retention.lifetime_sbg", lang, horizon=horizon): fmt(r.get("lifetime_months"),
                                                               "months", lang),
        t("retention.lifetime_constant", lang, horizon=horizon,
          churn=_percent2(constant.get("monthly_churn"), lang)):
            fmt(constant.get("lifetime_months"), "months", lang),
        t("retention.ltv_basis", lang): t(f"retention.basis.{basis}", lang),
        t("retention.ltv_measured", lang): fmt(kpis.get("ltv_measured"), "money", lang,
                                               currency),
        t("retention.ltv_parameter", lang): fmt(kpis.get("ltv_parameter"), "money", lang,
                                                currency),
    }
    return _frame({k: {value: v} for k, v in rows.items()}, t("col.figure", lang), lang,
                  numeric=[value])


def retention_warnings(kpis: Mapping[str, object], lang: str = "en") -> list[str]:
    """The retention warnings of the KPI file, in the reader's language."""
    currency = _currency(kpis)
    out = []
    for warning in kpis.get("warnings") or []:  # type: ignore[union-attr]
        if warning.get("code") != "ltv_parameter_differs":
            continue
        typed, measured = kpis.get("ltv_parameter"), kpis.get("ltv_measured")
        gap = abs(float(typed) - float(measured)) / float(measured)  # type: ignore[arg-type]
        out.append(t("retention.warning.ltv_parameter_differs", lang,
                     parameter=fmt(typed, "money", lang, currency),
                     measured=fmt(measured, "money", lang, currency),
                     gap=format_percent(gap, 0, lang)))
    return out


def retention(kpis: Mapping[str, object], lang: str = "en") -> HTML:
    """The retention section's body: figures, the intervals and what they mean, warnings."""
    from IPython.display import HTML

    r = kpis.get("retention") or {}
    parts = []
    if not r.get("table"):  # type: ignore[union-attr]
        parts.append(f"<p>{_esc(t('section.retention.none', lang))}</p>")
    parts.append(html_table(retention_table(kpis, lang)))
    lines = interval_lines(kpis, lang)
    if lines:
        samples = format_number(float((kpis.get("intervals") or {}).get("samples", 0)), 0,
                                lang)  # type: ignore[union-attr]
        items = "".join(f"<li>{_esc(line)}</li>" for line in lines)
        meaning = t("retention.interval.meaning", lang, samples=samples)
        parts.append(f"<ul>{items}</ul><p>{_esc(meaning)}</p>")
    for warning in retention_warnings(kpis, lang):
        parts.append(f'<p class="cac-warning">{badge("watch", lang)} {_esc(warning)}</p>')
    return HTML(f'<div class="cac-report">{"".join(parts)}</div>')
