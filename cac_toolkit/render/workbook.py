"""The audit workbook: the period's inputs as values, every KPI as a live Excel formula.

A finance controller should be able to follow each figure of ``kpis.json`` from the input
files to the result without trusting Python. The workbook has three sheets:

* ``Inputs`` (``Saisies`` in French): values only, to the cent. Spend of the period per
  channel x category, with the pooled (``shared``) lines as their own row; new customers per
  channel (counts, or attribution credits); the allocation key per channel; the acquiring
  deals' MRR (sum and count); the parameters; the funnel counts and the won leads' delays.
* ``KPIs``: formulas over those cells (``SUM``, ``ROUND``, ``IF``), one row per KPI with its
  ``kpis.json`` key, the per-channel table, and a ``Checks`` block whose cells must read 0.
* ``Provenance``: input files (name, SHA-256, rows), parameters, versions, computation notes.

Rounding. Every displayed money figure is ``ROUND(..., 2)`` and every ratio ``ROUND(..., 4)``,
as in ``kpis.json``. Pooled costs are split with ``ROUND(shared x key / SUM(key), 2)`` plus a
visible *rounding adjustment* (a value): the cents that :func:`cac_toolkit.core.money.allocate`
(largest remainder) moves so that the allocations add back to the pooled total exactly. The
adjustment is ``allocate(...) - ROUND(pro rata, 2)`` computed here, so the formula totals
equal ``kpis.json`` to the cent.

A zero denominator never shows ``#DIV/0!``: the formula returns a sentence (``n/a: no new
customer in the period``). Client text (channel names, lead ids, file names) goes through
:mod:`cac_toolkit.core.safety` and is stored as a string cell, so it can never become a formula.

Defined names (``in_*`` for inputs, ``kpi_*`` and ``ch_*`` for results, ``check_*``) let the
controller jump to any figure from Excel's name box; formulas use them where they read better.

A long tail of channels. With more than :data:`~cac_toolkit.render.longtail.TOP_CHANNELS`
channels, the channel rows show the same channels as the report and one row ``other (N
channels)`` holding the sums of the rest (:func:`group_inputs`): its spend and allocated share
add up to the cent, its CACs are the same formulas over those sums, so every total and check
still equals ``kpis.json`` (which keeps every channel) and the workbook stays a size that a
spreadsheet opens (a million rows of formulas would not).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cac_toolkit.audit.kpis import (
    allocation_weights,
    channel_customers,
    last_data_day,
    period_spend,
)
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.catalogue import format_day, translate
from cac_toolkit.core.money import allocate, round_money, round_ratio
from cac_toolkit.core.notes import Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.core.safety import write_excel_text
from cac_toolkit.core.version import __version__
from cac_toolkit.data.loading import AuditData
from cac_toolkit.figures import formulas
from cac_toolkit.figures.counting import acquisitions, acquisitions_in
from cac_toolkit.figures.formulas import FUNNEL_RATES
from cac_toolkit.figures.funnel import stage_counts
from cac_toolkit.render.i18n import note_text
from cac_toolkit.render.longtail import TOP_CHANNELS, for_display, kept_positions, other_label

#: Version of this workbook's layout (sheets, names, blocks), for readers that parse it.
WORKBOOK_VERSION = 1

#: Excel number formats per currency: a quoted literal symbol renders the same in Excel,
#: LibreOffice and Numbers whatever the reader's locale (no ``[$€-x-euro2]`` locale tag).
CURRENCY_FORMATS = {"EUR": '#,##0.00 "€"', "USD": '"$"#,##0.00', "GBP": '"£"#,##0.00'}
COUNT_FORMAT = "#,##0"
CREDIT_FORMAT = "#,##0.00"
RATIO_FORMAT = "0.00"
DAYS_FORMAT = "0.0"
PERCENT_FORMAT = "0.0%"

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_SECTION = Font(bold=True, size=12)
_KEY_FONT = Font(italic=True, color="808080")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CHECK_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_RIGHT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")
_HEADER_LEFT = Alignment(wrap_text=True, vertical="bottom", horizontal="left")
#: Financial-model convention: inputs in blue on a pale fill, formulas in plain black.
INPUT_FONT = Font(color="0000FF")
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
#: openpyxl's code for A4 paper (9); LibreOffice prints Letter when none is set.
PAPER_A4 = 9
#: Fitted column widths (characters) stay within these bounds.
MIN_WIDTH, MAX_WIDTH = 8.0, 56.0

#: Every text of the workbook, in English (the source strings of the translation catalogue:
#: :func:`workbook_labels` gives them in the reader's language). A ``(context, text)`` pair is
#: a text whose translation depends on its use ("Won" as a stage and as a date column).
TEXTS: dict[str, str | tuple[str, str]] = {
    "inputs_sheet": "Inputs",
    "inputs_title": "Audit inputs, {start} to {end} ({currency})",
    "inputs_note":
        "Values computed by cac-toolkit from the input files (see Provenance). Every KPI of the "
        "sheet KPIs is a formula over these cells.",
    "legend_input": "Input",
    "legend":
        "Blue figures on a pale fill are inputs (values from the files and the parameters); "
        "figures in black are formulas over them: change an input, the KPIs follow.",
    "spend_section": "1. Spend of the period, new customers and allocation key per channel",
    "channel": "Channel",
    "marketing": "Marketing spend",
    "sales": "Sales spend",
    "customers": "New customers",
    "credits": "New customers (attribution credits: {model})",
    "key": "Allocation key: {key}",
    "key_new_customers": "new customers",
    "key_opportunities": "opportunities created in the period",
    "key_pipeline": "pipeline value of the opportunities created in the period",
    "shared_row": "Pooled costs (shared)",
    "deals_section": "2. Acquiring deals of the period's new customers",
    "n": "New customers (accounts acquired in the period)",
    "mrr_count": "Acquiring deals with an MRR",
    "mrr_sum": "Sum of their MRR",
    "params_section": "3. Parameters",
    "gross_margin": "Gross margin",
    "monthly_churn": "Monthly churn",
    "lifetime": "Customer lifetime (months)",
    "lifetime_from_churn": "(1 / monthly churn)",
    "not_set": "not set",
    "allocation_key": "Allocation key",
    "attribution_model": "Attribution model",
    "currency": "Currency",
    "funnel_section":
        "4. Funnel: leads created in the period (a stage counts when its date is set)",
    "leads": "Leads created",
    "qualified_leads": "Qualified leads (MQL date)",
    "sqls": "SQLs (SQL date)",
    "meetings": "With a meeting",
    "opportunities": "With an opportunity",
    "quotes": "With a quote",
    "won": "Won",
    "won_with_quote": "Won with a quote",
    "opp_count": "Opportunities with a value",
    "opp_sum": "Sum of those values",
    "won_section": "5. Won leads of the cohort: sales cycle and conversion delay",
    "lead": "Lead",
    "created": "Created",
    "opportunity": "Opportunity",
    "won_date": ("date", "Won"),
    "cycle": "Sales cycle (days)",
    "delay": "Conversion delay (days)",
    "kpis_title": "KPIs, {start} to {end} ({currency})",
    "kpis_note":
        "Every value is a live formula over the sheet {inputs}; the third column names the field "
        "of kpis.json it equals.",
    "kpi": "KPI",
    "value": "Value",
    "how": "How it is computed",
    "json": "kpis.json",
    "spend.marketing": "Marketing spend",
    "spend.sales": "Sales spend",
    "spend.shared": "Pooled (shared) spend",
    "spend.direct": "Spend attributed to a channel",
    "spend.total": "Total acquisition spend",
    "new_customers": "New customers",
    "cac.global": "CAC",
    "cac.marketing": "Marketing CAC",
    "cac.sales": "Sales CAC",
    "arpa_mrr": "ARPA (mean MRR of a new customer)",
    "ltv": "LTV",
    "ltv_cac": "LTV / CAC",
    "payback_months": "CAC payback (months)",
    "how.spend.marketing": "sum of the marketing column, pooled row included",
    "how.spend.sales": "sum of the sales column, pooled row included",
    "how.spend.shared": "marketing + sales of the pooled row",
    "how.spend.direct": "total - pooled",
    "how.spend.total": "marketing + sales",
    "how.new_customers": "accounts whose first paid 'new' deal is in the period",
    "how.cac.global": "total spend / new customers (computed in cents)",
    "how.cac.marketing": "marketing spend / new customers",
    "how.cac.sales": "sales spend / new customers",
    "how.arpa_mrr": "sum of MRR / acquiring deals with an MRR",
    "how.ltv": "ARPA x gross margin x lifetime (unrounded ARPA)",
    "how.ltv_cac": "LTV / CAC (unrounded)",
    "how.payback_months": "CAC / (ARPA x gross margin) (unrounded)",
    "how.rate": "{num} / {den}",
    "how.count": "count of the cohort's leads (inputs, section 4)",
    "how.avg_opportunity_value": "sum of opportunity values / their count",
    "how.mean": "AVERAGE of the won leads' days",
    "how.median": "MEDIAN of the won leads' days",
    "funnel.lead_to_meeting": "Lead to meeting",
    "funnel.meeting_to_opportunity": "Meeting to opportunity",
    "funnel.opportunity_to_win": "Opportunity to win",
    "funnel.quote_conversion": "Quote conversion",
    "funnel.mql_to_sql": "MQL to SQL",
    "funnel.sql_to_opportunity": "SQL to opportunity",
    "funnel.avg_opportunity_value": "Average opportunity value",
    "funnel.sales_cycle_days.mean": "Sales cycle, mean (days)",
    "funnel.sales_cycle_days.median": "Sales cycle, median (days)",
    "funnel.conversion_delay_days.mean": "Lead to win, mean (days)",
    "funnel.conversion_delay_days.median": "Lead to win, median (days)",
    "channels_section": "Per channel",
    "spend_direct": "Direct spend",
    "cac_direct": "CAC direct",
    "key_col": "Allocation key",
    "share": "Share of the key",
    "prorata": "Pooled costs pro rata, ROUND(.., 2)",
    "adjustment": "Rounding adjustment (largest remainder)",
    "shared_allocated": "Pooled costs allocated",
    "cac_fully_loaded": "CAC fully loaded",
    "total": "Total",
    "checks_section": "Checks (each difference must be 0)",
    "check_allocation": "Pooled costs allocated - pooled spend",
    "check_spend": "Channels' direct spend + pooled - total spend",
    "check_customers": "New customers of the channels - new customers",
    "ok": "OK",
    "check": "CHECK",
    "na_customer": "n/a: no new customer in the period",
    "na_channel": "n/a: no new customer on this channel",
    "na_key": "n/a: the allocation key is zero for every channel",
    "na_mrr": "n/a: no MRR on the acquiring deals",
    "na_params": "n/a: set gross_margin and lifetime_months or monthly_churn",
    "lifetime_measured": "(measured: sBG lifetime over {horizon} months, sheet {sheet})",
    "retention_sheet": "Retention",
    "retention_title": "Measured retention: monthly MRR movements ({currency})",
    "retention_note":
        "From the revenue table, in integer cents then currency. The check column rebuilds each "
        "month's MRR from the one before and the movements: it must be 0.",
    "mv_month": "Month",
    "mv_opening": "MRR at the start",
    "mv_new": "New",
    "mv_reactivation": "Reactivation",
    "mv_expansion": "Expansion",
    "mv_contraction": "Contraction",
    "mv_churn": "Churn",
    "mv_mrr": "MRR at the end",
    "mv_check": "Check (0 = identity holds)",
    "mv_check_all": "Identity, every month",
    "ret_figures": "Retention figures of the period (kpis.json, retention)",
    "ret_logo": "Logo churn (monthly)",
    "ret_revenue": "Revenue churn (monthly)",
    "ret_nrr": "NRR (12 months)",
    "ret_grr": "GRR (12 months)",
    "ret_alpha": "sBG alpha",
    "ret_beta": "sBG beta",
    "ret_ll": "sBG log-likelihood",
    "ret_lifetime": "Lifetime used by LTV (months)",
    "ret_constant": "Constant churn fitted to the same lifetimes (monthly)",
    "ret_constant_life": "Lifetime with that constant churn (months)",
    "na_cac": "n/a: LTV or CAC is undefined or zero",
    "na_margin": "n/a: no monthly gross margin per customer",
    "na_stage": "n/a: no lead at the previous stage",
    "na_untracked": "n/a: the leads table never records this stage",
    "na_opportunity": "n/a: no opportunity with a value",
    "na_won": "n/a: no won lead in the cohort",
    "provenance_title": "Provenance",
    "files_section": "Input files",
    "table": "Table",
    "file": "File",
    "sha256": "SHA-256",
    "rows": "Rows",
    "listing_note":
        "{tables}: read in place by Spark, not copied to this machine; its SHA-256 is that of "
        "the listing of its Parquet parts (each part's URL, size in bytes and modification "
        "time), not of their bytes. The audit listed the parts again after the notebook ran "
        "and found them unchanged.",
    "parameters_section": "Parameters",
    "name": "Name",
    "software_section": "Versions",
    "package_version": "cac-toolkit version",
    "kpi_file_version": "KPI file version",
    "workbook_version": "Workbook layout version",
    "period": "Period",
    "notes_section": "Notes of the KPI computation",
    "reason": "Reason",
    "howto_section": "How to audit this workbook",
    "howto":
        "1. Check the files' SHA-256 against the files you were given.\n2. The sheet {inputs} "
        "holds values only; the sheet KPIs holds formulas only.\n3. Pooled costs are split pro "
        "rata of the allocation key, rounded to the cent; the rounding adjustment column moves "
        "the few leftover cents (largest remainder) so that the split adds back to the pooled "
        "total.\n4. Every cell of the Checks block must read 0.",
}



def workbook_labels(lang: str = "en") -> dict[str, str]:
    """:data:`TEXTS` in ``lang``, translated by the package's one catalogue
    (``workbook_labels("fr")["inputs_sheet"] == "Saisies"``)."""
    return {key: translate(text, lang) for key, text in TEXTS.items()}

#: Funnel counts written on the inputs sheet, in display order.
FUNNEL_COUNTS = ("leads", "qualified_leads", "sqls", "meetings", "opportunities", "quotes",
                 "won", "won_with_quote")


# --------------------------------------------------------------------------- inputs


@dataclass
class WorkbookInputs:
    """The values the workbook's formulas start from, recomputed from the audit data.

    ``spend`` has one row per channel (index) and the columns ``marketing`` and ``sales``
    (currency, to the cent); ``shared_marketing`` and ``shared_sales`` are the pooled lines.
    ``customers`` and ``key`` are indexed like ``spend``. ``adjustment`` is, per channel, the
    cents that largest-remainder allocation adds to ``ROUND(shared x key / SUM(key), 2)``
    (``None`` when nothing is allocated by formula). ``won_leads`` lists the won leads of the
    funnel cohort with their delays in days (``None`` without a leads table).
    """

    period: Period
    spend: pd.DataFrame
    shared_marketing: float
    shared_sales: float
    customers: pd.Series
    key: pd.Series
    adjustment: pd.Series | None
    new_customers: int
    mrr_sum: float
    mrr_count: int
    funnel: dict[str, float] | None
    won_leads: pd.DataFrame | None

    @property
    def channels(self) -> list[str]:
        return list(self.spend.index)

    @property
    def shared(self) -> float:
        return round_money(self.shared_marketing + self.shared_sales)


def excel_round(value: float, digits: int = 2) -> float:
    """What Excel's ``ROUND(value, digits)`` returns: half away from zero on the shown digits."""
    return round_ratio(value, digits)


def workbook_inputs(data: AuditData, params: AuditParameters,
                    period: Period | None = None,
                    credits: pd.Series | None = None) -> WorkbookInputs:
    """Recompute, with the KPI module's own functions, the values the workbook starts from.

    ``credits``: the attribution model's channel credits of the KPI file (its
    ``attribution`` block), so that no attribution model is solved again.
    """
    period = period or params.audited_period(last_data_day(data))
    lines = period_spend(data.spend, period)
    all_acquired = acquisitions(data.deals)
    acquired = acquisitions_in(all_acquired, period)
    customers = channel_customers(acquired, data, params, all_acquired, period, Notes(),
                                  credits)
    key = allocation_weights(customers, data, params, period)

    pooled = lines["channel"] == "shared"
    by_category = (lines[~pooled].groupby(["channel", "category"])["cents"].sum()
                   .unstack("category", fill_value=0))
    # Same channel set and order as formulas.channel_cac, hence as kpis.json.
    channels = sorted(set(by_category.index) | set(customers.index) | set(key[key > 0].index),
                      key=str)
    spend = pd.DataFrame(index=pd.Index(channels, name="channel"))
    for category in ("marketing", "sales"):
        column = by_category[category] if category in by_category else pd.Series(dtype="int64")
        spend[category] = column.reindex(channels).fillna(0).astype("int64") / 100
    shared_cents = lines[pooled].groupby("category")["cents"].sum()
    shared_marketing = int(shared_cents.get("marketing", 0)) / 100
    shared_sales = int(shared_cents.get("sales", 0)) / 100
    customers = customers.reindex(channels).fillna(0.0).astype("float64")
    key = key.reindex(channels).fillna(0.0).astype("float64")

    shared = (int(shared_cents.sum()) if len(shared_cents) else 0) / 100
    adjustment = None
    key_sum = sum(float(k) for k in key)  # left to right, as Excel's SUM
    if shared and key_sum > 0:
        exact = allocate(shared, key).reindex(channels)
        prorata = pd.Series([excel_round(formulas.pro_rata(shared, float(k), key_sum), 2)
                             for k in key],
                            index=channels)
        adjustment = (exact - prorata).map(lambda v: excel_round(v, 2))

    mrr = acquired["mrr"].astype("float64").dropna() if len(acquired) else pd.Series(
        dtype="float64")
    funnel, won_leads = _funnel_inputs(data.leads, period)
    return WorkbookInputs(period=period, spend=spend, shared_marketing=shared_marketing,
                          shared_sales=shared_sales, customers=customers, key=key,
                          adjustment=adjustment, new_customers=len(acquired),
                          mrr_sum=float(mrr.sum()) if len(mrr) else 0.0, mrr_count=len(mrr),
                          funnel=funnel, won_leads=won_leads)


def group_inputs(inputs: WorkbookInputs, limit: int = TOP_CHANNELS, lang: str = "en"
                 ) -> WorkbookInputs:
    """``inputs`` with at most ``limit`` channel rows: the ``limit - 1`` channels the report
    shows (largest fully loaded spend first, see :func:`~cac_toolkit.render.longtail.
    kept_positions`) in their order, then one row ``other (N channels)``.

    The row's spend per category, customers and key are the sums of the grouped channels
    (money in whole cents); its rounding adjustment is the grouped channels' exact allocations
    (``allocate``) minus ``ROUND(shared x key / SUM(key), 2)`` of its own key, so its
    allocated share is theirs to the cent.
    """
    channels = inputs.channels
    if len(channels) <= limit:
        return inputs
    cents = (inputs.spend * 100).round().astype("int64")
    key_sum = sum(float(k) for k in inputs.key)  # left to right, as Excel's SUM
    shared = inputs.shared
    if inputs.adjustment is not None and key_sum > 0:
        prorata = pd.Series([excel_round(formulas.pro_rata(shared, float(k), key_sum), 2)
                             for k in inputs.key], index=channels)
        exact = ((prorata + inputs.adjustment) * 100).round().astype("int64")
    else:
        exact = pd.Series(0, index=channels, dtype="int64")
    loaded = (cents.sum(axis=1) + exact).to_numpy(dtype="float64")
    kept = [channels[i] for i in kept_positions(channels, loaded,
                                                inputs.customers.to_numpy(dtype="float64"),
                                                limit)]
    shown = set(kept)
    tail = [c for c in channels if c not in shown]
    other = other_label(len(tail), lang)
    names = [*kept, other]
    spend = pd.concat([cents.loc[kept], cents.loc[tail].sum().to_frame(other).T]) / 100
    spend.index = pd.Index(names, name="channel")
    customers = pd.Series([*inputs.customers[kept], float(inputs.customers[tail].sum())],
                          index=names, dtype="float64")
    key = pd.Series([*inputs.key[kept], float(inputs.key[tail].sum())], index=names,
                    dtype="float64")
    adjustment = None
    if inputs.adjustment is not None:
        # Each row's exact allocation minus its formula's ROUND(pro rata, 2) over the rows
        # as written (the SUM of the grouped key column).
        grouped_sum = sum(float(k) for k in key)
        exact_rows = [*(int(exact[c]) for c in kept), int(exact[tail].sum())]
        adjustment = pd.Series([excel_round(cents / 100 - excel_round(formulas.pro_rata(
            shared, float(k), grouped_sum), 2), 2) for cents, k in zip(exact_rows, key,
                                                                      strict=True)],
            index=names)
    return WorkbookInputs(period=inputs.period, spend=spend,
                          shared_marketing=inputs.shared_marketing,
                          shared_sales=inputs.shared_sales, customers=customers, key=key,
                          adjustment=adjustment, new_customers=inputs.new_customers,
                          mrr_sum=inputs.mrr_sum, mrr_count=inputs.mrr_count,
                          funnel=inputs.funnel, won_leads=inputs.won_leads)


def _funnel_inputs(leads: pd.DataFrame | None,
                   period: Period) -> tuple[dict[str, float] | None, pd.DataFrame | None]:
    """Counts of the cohort's stages, opportunity values, and the won leads' delays."""
    if leads is None:
        return None, None
    cohort = leads[period.contains(leads["created_date"])]
    has = {stage: cohort[f"{stage}_date"].notna() for stage in
           ("mql", "sql", "meeting", "opportunity", "quote", "won")}
    counts: dict[str, float] = dict(stage_counts(cohort, has))
    values = cohort.loc[has["opportunity"], "opportunity_value"].dropna()
    counts["opp_count"] = len(values)
    counts["opp_sum"] = float(values.sum()) if len(values) else 0.0
    won = cohort[has["won"]]
    won_leads = pd.DataFrame({
        "lead_id": won["lead_id"].astype(str).to_numpy(),
        "created": won["created_date"].to_numpy(),
        "opportunity": won["opportunity_date"].to_numpy(),
        "won": won["won_date"].to_numpy(),
        "cycle": (won["won_date"] - won["opportunity_date"]).dt.days.to_numpy(),
        "delay": (won["won_date"] - won["created_date"]).dt.days.to_numpy(),
    })
    return counts, won_leads


# --------------------------------------------------------------------------- writing helpers


class _Sheet:
    """A worksheet plus the workbook's defined names and the report language."""

    def __init__(self, wb: Workbook, ws: Worksheet, labels: dict[str, str],
                 inputs: bool = False, lang: str = "en") -> None:
        self.wb, self.ws, self.labels, self.lang = wb, ws, labels, lang
        self.inputs = inputs  # numbers written here are inputs, styled as such
        self.title_rows: str | None = None  # rows repeated at the top of each printed page

    def ref(self, row: int, col: int, absolute: bool = False, sheet: bool = True) -> str:
        letter = get_column_letter(col)
        cell = f"${letter}${row}" if absolute else f"{letter}{row}"
        return f"'{self.ws.title}'!{cell}" if sheet else cell

    def range(self, first: int, last: int, col: int) -> str | None:
        """``'Sheet'!$B$6:$B$9``, or ``None`` for an empty range."""
        if last < first:
            return None
        letter = get_column_letter(col)
        return f"'{self.ws.title}'!${letter}${first}:${letter}${last}"

    def name(self, name: str, target: str | None) -> None:
        if target is not None:
            self.wb.defined_names[name] = DefinedName(name, attr_text=target)

    def text(self, row: int, col: int, value: object, font: Font | None = None):
        cell = write_excel_text(self.ws.cell(row=row, column=col), value)
        if font is not None:
            cell.font = font
        return cell

    def number(self, row: int, col: int, value: float | int | None, fmt: str | None = None):
        cell = self.ws.cell(row=row, column=col)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return cell
        cell.value = value
        if fmt:
            cell.number_format = fmt
        if self.inputs:
            mark_input(cell)
        return cell

    def formula(self, row: int, col: int, formula: str, fmt: str | None = None):
        cell = self.ws.cell(row=row, column=col)
        cell.value = "=" + formula  # our own text, never client data
        if fmt:
            cell.number_format = fmt
        return cell

    def header(self, row: int, values: list[str], first_col: int = 1) -> None:
        for offset, value in enumerate(values):
            cell = self.text(row, first_col + offset, value, _BOLD)
            cell.fill = _HEADER_FILL
            cell.alignment = _WRAP
        self.ws.row_dimensions[row].height = 30  # room for wrapped labels

    def widths(self, widths: dict[int, float]) -> None:
        """Set widths by hand; :meth:`fit` then keeps them as a ceiling for wide text."""
        for col, width in widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = width

    def align_headers(self) -> None:
        """Header cells over numbers (values or formulas) align right, as their numbers do."""
        for row in self.ws.iter_rows():
            for cell in row:
                if cell.fill != _HEADER_FILL:
                    continue
                below = self.ws.cell(row=cell.row + 1, column=cell.column).value
                numeric = (isinstance(below, int | float) and not isinstance(below, bool)
                           or hasattr(below, "year")
                           or isinstance(below, str) and below.startswith("="))
                cell.alignment = _HEADER_RIGHT if numeric else _HEADER_LEFT

    def fit(self, first_row: int = 4) -> None:
        """Column widths fitted to their content (rows from ``first_row``; titles overflow).

        Text counts its length, numbers their formatted length, formulas 14 characters,
        headers (wrapped) their longest word; the result stays within
        :data:`MIN_WIDTH`..:data:`MAX_WIDTH` and never above a width set by :meth:`widths`.
        """
        need: dict[int, float] = {}
        for row in self.ws.iter_rows(min_row=first_row):
            for cell in row:
                value = cell.value
                key_row = self.ws.cell(row=cell.row, column=1).font == _KEY_FONT
                if (value is None or cell.coordinate in self.ws.merged_cells
                        or key_row and cell.font == _KEY_FONT):  # a row of keys above a table
                    continue
                if cell.fill == _HEADER_FILL:
                    size = max(len(word) for word in str(value).split() or [""]) + 2
                elif isinstance(value, str) and value.startswith("="):
                    size = 14
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    size = len(f"{value:,.2f}") + 4
                elif hasattr(value, "year"):
                    size = 12
                else:
                    size = len(str(value)) + 2
                need[cell.column] = max(need.get(cell.column, 0), size)
        for col, size in need.items():
            letter = get_column_letter(col)
            ceiling = self.ws.column_dimensions[letter].width if letter in \
                self.ws.column_dimensions and self.ws.column_dimensions[letter].customWidth \
                else MAX_WIDTH
            self.ws.column_dimensions[letter].width = max(MIN_WIDTH, min(size, ceiling,
                                                                         MAX_WIDTH))

    def header_heights(self, line: float = 13.0) -> None:
        """Header rows tall enough for their wrapped labels at the fitted widths."""
        for row in self.ws.iter_rows():
            lines = 1
            for cell in row:
                if cell.fill != _HEADER_FILL or cell.value is None:
                    continue
                width = self.ws.column_dimensions[get_column_letter(cell.column)].width or 10
                lines = max(lines, math.ceil(len(str(cell.value)) / max(width - 2, 1)))
            if lines > 1 or any(c.fill == _HEADER_FILL for c in row):
                self.ws.row_dimensions[row[0].row].height = max(15.0, line * lines + 4)

    def printable(self, orientation: str = "landscape") -> None:
        """Print on A4, one page wide, as many pages tall as needed, header rows repeated."""
        self.align_headers()
        self.fit()
        self.header_heights()
        self.ws.page_setup.paperSize = PAPER_A4
        self.ws.page_setup.orientation = orientation
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.print_options.horizontalCentered = False
        self.ws.page_margins.left = self.ws.page_margins.right = 0.5
        self.ws.page_margins.top = self.ws.page_margins.bottom = 0.6
        if self.title_rows:
            self.ws.print_title_rows = self.title_rows
        self.ws.oddFooter.center.text = "&P / &N"
        self.ws.oddFooter.left.text = "&A"


def mark_input(cell):  # noqa: ANN001, ANN201 (openpyxl Cell)
    """Style ``cell`` as an input: blue font on a pale fill (formulas stay plain black)."""
    cell.font = INPUT_FONT
    cell.fill = INPUT_FILL
    return cell


def _quote(text: str) -> str:
    """An Excel string literal for our own label text."""
    return '"' + text.replace('"', '""') + '"'


def per_customer(amount: str, customers: str) -> str:
    """Money per customer rounded half away from zero to the cent, identically everywhere.

    ``ROUND(amount / customers, 2)`` meets binary floating point at half-cent ties:
    49,043.90 / 20 is 2,452.1949999999997 as a double, which Excel and LibreOffice round
    to 2,452.20 (they look at 15 significant digits) but an exact engine rounds to 2,452.19.
    Working in whole cents, ``ROUND(100 x amount, 0)`` is an exact integer and a tie divides
    to an exact ``.5``, so every engine gives the true half-up cent.
    """
    return f"ROUND(ROUND(100*({amount}),0)/({customers}),0)/100"


def _sum(target: str | None) -> str:
    return f"SUM({target})" if target else "0"


# --------------------------------------------------------------------------- sheets


@dataclass
class _InputCells:
    """Where the inputs sheet put things (row numbers and defined names)."""

    first: int  # first channel row
    last: int  # last channel row (first - 1 when there is no channel)
    shared_row: int
    funnel_rows: dict[str, int]
    won_first: int
    won_last: int


def _write_inputs(s: _Sheet, inputs: WorkbookInputs, params: AuditParameters,
                  money_fmt: str, kpis: dict[str, object] | None = None) -> _InputCells:
    t = s.labels
    period = inputs.period
    s.text(1, 1, t["inputs_title"].format(start=format_day(period.start.date(), s.lang),
                                          end=format_day(period.end.date(), s.lang),
                                          currency=params.currency), _TITLE)
    s.text(2, 1, t["inputs_note"]).alignment = _WRAP
    s.ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    s.ws.row_dimensions[2].height = 30
    mark_input(s.text(3, 1, t["legend_input"]))
    s.text(3, 2, t["legend"]).alignment = _WRAP
    s.ws.merge_cells(start_row=3, start_column=2, end_row=3, end_column=6)
    s.ws.row_dimensions[3].height = 44

    s.text(4, 1, t["spend_section"], _SECTION)
    credits = params.attribution_model != "deal"
    customers_label = (t["credits"].format(model=params.attribution_model) if credits
                       else t["customers"])
    key_label = t["key"].format(key=t[f"key_{params.allocation_key}"])
    s.header(5, [t["channel"], t["marketing"], t["sales"], customers_label, key_label])
    customers_fmt = CREDIT_FORMAT if credits else COUNT_FORMAT
    key_fmt = {"new_customers": customers_fmt, "opportunities": COUNT_FORMAT,
               "pipeline": money_fmt}[params.allocation_key]
    first = row = 6
    for channel in inputs.channels:
        s.text(row, 1, channel)
        s.number(row, 2, float(inputs.spend.at[channel, "marketing"]), money_fmt)
        s.number(row, 3, float(inputs.spend.at[channel, "sales"]), money_fmt)
        s.number(row, 4, float(inputs.customers[channel]), customers_fmt)
        s.number(row, 5, float(inputs.key[channel]), key_fmt)
        row += 1
    last = row - 1
    shared_row = row
    s.text(shared_row, 1, t["shared_row"], _BOLD)
    s.number(shared_row, 2, inputs.shared_marketing, money_fmt)
    s.number(shared_row, 3, inputs.shared_sales, money_fmt)
    s.name("in_channels", s.range(first, last, 1))
    s.name("in_spend_marketing", s.range(first, last, 2))
    s.name("in_spend_sales", s.range(first, last, 3))
    s.name("in_customers", s.range(first, last, 4))
    s.name("in_key", s.range(first, last, 5))
    s.name("in_shared_marketing", s.ref(shared_row, 2, absolute=True))
    s.name("in_shared_sales", s.ref(shared_row, 3, absolute=True))

    row = shared_row + 2
    s.text(row, 1, t["deals_section"], _SECTION)
    for label, name, value, fmt in (("n", "in_new_customers", inputs.new_customers,
                                     COUNT_FORMAT),
                                    ("mrr_count", "in_mrr_count", inputs.mrr_count, COUNT_FORMAT),
                                    ("mrr_sum", "in_mrr_sum", inputs.mrr_sum, money_fmt)):
        row += 1
        s.text(row, 1, t[label])
        s.number(row, 2, value, fmt)
        s.name(name, s.ref(row, 2, absolute=True))

    row += 2
    s.text(row, 1, t["params_section"], _SECTION)
    row += 1
    s.text(row, 1, t["gross_margin"])
    if params.gross_margin is None:
        mark_input(s.text(row, 2, t["not_set"]))
    else:
        s.number(row, 2, float(params.gross_margin), PERCENT_FORMAT)
    s.name("in_gross_margin", s.ref(row, 2, absolute=True))
    row += 1
    s.text(row, 1, t["monthly_churn"])
    if params.monthly_churn is None:
        mark_input(s.text(row, 2, t["not_set"]))
    else:
        s.number(row, 2, float(params.monthly_churn), PERCENT_FORMAT)
    s.name("in_monthly_churn", s.ref(row, 2, absolute=True))
    row += 1
    s.text(row, 1, t["lifetime"])
    retention = (kpis or {}).get("retention") or {}
    measured = (kpis or {}).get("ltv_basis") == "measured"
    if params.lifetime is None and measured:
        # The lifetime LTV uses: fitted to the revenue table (kpis.json, retention).
        s.number(row, 2, float(retention["lifetime_months"]), "0.0000")
        s.text(row, 3, t["lifetime_measured"].format(horizon=retention["horizon_months"],
                                                     sheet=t["retention_sheet"]))
        # merged over the table's columns: a note, it must not widen column C to its length
        s.ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=6)
    elif params.lifetime is None:
        mark_input(s.text(row, 2, t["not_set"]))
    else:
        s.number(row, 2, params.lifetime, "0.00")
        if params.monthly_churn is not None:
            s.text(row, 3, t["lifetime_from_churn"])
            s.ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=6)
    s.name("in_lifetime", s.ref(row, 2, absolute=True))
    for label, value in (("allocation_key", params.allocation_key),
                         ("attribution_model", params.attribution_model),
                         ("currency", params.currency)):
        row += 1
        s.text(row, 1, t[label])
        mark_input(s.text(row, 2, value))

    funnel_rows: dict[str, int] = {}
    won_first, won_last = 0, -1
    if inputs.funnel is not None:
        row += 2
        s.text(row, 1, t["funnel_section"], _SECTION)
        for name in (*FUNNEL_COUNTS, "opp_count", "opp_sum"):
            row += 1
            s.text(row, 1, t[name])
            s.number(row, 2, inputs.funnel[name], money_fmt if name == "opp_sum"
                     else COUNT_FORMAT)
            s.name(f"in_{name}", s.ref(row, 2, absolute=True))
            funnel_rows[name] = row
        row += 2
        # The long list of won leads starts a printed page, and its header row repeats.
        s.ws.row_breaks.append(Break(id=row - 1))
        s.text(row, 1, t["won_section"], _SECTION)
        row += 1
        s.title_rows = f"{row}:{row}"
        s.header(row, [t["lead"], t["created"], t["opportunity"], t["won_date"], t["cycle"],
                       t["delay"]])
        won_first = row + 1
        for lead in inputs.won_leads.itertuples(index=False):
            row += 1
            s.text(row, 1, lead.lead_id)
            for col, value in ((2, lead.created), (3, lead.opportunity), (4, lead.won)):
                if not pd.isna(value):
                    s.number(row, col, pd.Timestamp(value).to_pydatetime(), "yyyy-mm-dd")
            for col, value in ((5, lead.cycle), (6, lead.delay)):
                if not pd.isna(value):
                    s.number(row, col, int(value), COUNT_FORMAT)
        won_last = row
        s.name("in_cycle_days", s.range(won_first, won_last, 5))
        s.name("in_delay_days", s.range(won_first, won_last, 6))

    s.widths({1: 48})  # ceiling: long labels wrap... the rest is fitted (_Sheet.fit)
    s.ws.freeze_panes = "B6"
    return _InputCells(first, last, shared_row, funnel_rows, won_first, won_last)


def _write_kpis(s: _Sheet, inputs_sheet: _Sheet, cells: _InputCells, inputs: WorkbookInputs,
                params: AuditParameters, money_fmt: str, untracked: frozenset[str] = frozenset()
                ) -> None:
    t = s.labels
    period = inputs.period
    s.text(1, 1, t["kpis_title"].format(start=format_day(period.start.date(), s.lang),
                                        end=format_day(period.end.date(), s.lang),
                                        currency=params.currency), _TITLE)
    s.text(2, 1, t["kpis_note"].format(inputs=inputs_sheet.ws.title))
    s.header(4, [t["kpi"], t["value"], t["json"], t["how"]])

    na = {k: _quote(v) for k, v in t.items() if k.startswith("na_")}
    has_mrr = "in_mrr_count>0"
    params_set = "AND(ISNUMBER(in_gross_margin),ISNUMBER(in_lifetime))"
    # The definitions of cac_toolkit.figures.formulas, spelled in Excel (unrounded, as
    # kpis.json uses them).
    arpa = formulas.excel(formulas.arpa, mrr_total="in_mrr_sum", accounts="in_mrr_count")
    ltv = formulas.excel(formulas.ltv_from_arpa, arpa=arpa, gross_margin="in_gross_margin",
                         lifetime_months="in_lifetime")
    cac = formulas.excel(formulas.cac, acquisition_spend="kpi_spend_total",
                         new_customers="in_new_customers")
    ltv_cac = formulas.excel(formulas.ltv_cac_ratio, ltv=ltv, cac_value=cac)
    payback = formulas.excel(formulas.payback_months, cac_value=cac, monthly_revenue=arpa,
                             gross_margin="in_gross_margin")
    # Names of empty ranges are not defined: a period with no channel sums nothing.
    channel_sum = (lambda name: _sum(name)) if inputs.channels else (lambda name: "0")
    rows: list[tuple[str, str, str]] = [
        ("spend.marketing", f"ROUND({channel_sum('in_spend_marketing')}+in_shared_marketing,2)",
         money_fmt),
        ("spend.sales", f"ROUND({channel_sum('in_spend_sales')}+in_shared_sales,2)", money_fmt),
        ("spend.shared", "ROUND(in_shared_marketing+in_shared_sales,2)", money_fmt),
        ("spend.direct", "ROUND(kpi_spend_total-kpi_spend_shared,2)", money_fmt),
        ("spend.total", "ROUND(kpi_spend_marketing+kpi_spend_sales,2)", money_fmt),
        ("new_customers", "in_new_customers", COUNT_FORMAT),
        ("cac.global", f"IF(in_new_customers=0,{na['na_customer']},"
                       f"{per_customer('kpi_spend_total', 'in_new_customers')})", money_fmt),
        ("cac.marketing", f"IF(in_new_customers=0,{na['na_customer']},"
                          f"{per_customer('kpi_spend_marketing', 'in_new_customers')})",
         money_fmt),
        ("cac.sales", f"IF(in_new_customers=0,{na['na_customer']},"
                      f"{per_customer('kpi_spend_sales', 'in_new_customers')})", money_fmt),
        ("arpa_mrr", f"IF(in_new_customers=0,{na['na_customer']},IF({has_mrr},"
                     f"ROUND({arpa},2),{na['na_mrr']}))", money_fmt),
        ("ltv", f"IF(in_new_customers=0,{na['na_customer']},IF(NOT({has_mrr}),{na['na_mrr']},"
                f"IF({params_set},ROUND({ltv},2),{na['na_params']})))", money_fmt),
        ("ltv_cac", f"IF(AND(ISNUMBER(kpi_ltv),in_new_customers>0,kpi_spend_total<>0),"
                    f"ROUND({ltv_cac},4),{na['na_cac']})", RATIO_FORMAT),
        ("payback_months", "IF(NOT(ISNUMBER(kpi_arpa_mrr)),kpi_arpa_mrr,"
                           f"IF(NOT(ISNUMBER(in_gross_margin)),{na['na_params']},"
                           f"IF({arpa}*in_gross_margin=0,{na['na_margin']},"
                           f"ROUND({payback},4))))", RATIO_FORMAT),
    ]
    if inputs.funnel is not None:
        for count in FUNNEL_COUNTS:
            rows.append((f"funnel.{count}", f"in_{count}", COUNT_FORMAT))
        for key, (num, den) in FUNNEL_RATES.items():
            if f"funnel.{key}" in untracked:  # a stage the CRM never dates: unknown, not 0 %
                rows.append((f"funnel.{key}", na["na_untracked"], PERCENT_FORMAT))
                continue
            rate = formulas.excel(formulas.conversion_rate, converted=f"in_{num}",
                                  entered=f"in_{den}")
            rows.append((f"funnel.{key}", f"IF(in_{den}=0,{na['na_stage']},ROUND({rate},4))",
                         PERCENT_FORMAT))
        rows.append(("funnel.avg_opportunity_value",
                     f"IF(in_opp_count=0,{na['na_opportunity']},"
                     "ROUND(in_opp_sum/in_opp_count,2))", money_fmt))
        for key, days in (("sales_cycle_days", "in_cycle_days"),
                          ("conversion_delay_days", "in_delay_days")):
            for stat, func in (("mean", "AVERAGE"), ("median", "MEDIAN")):
                formula = (f"IF(COUNT({days})=0,{na['na_won']},ROUND({func}({days}),4))"
                           if cells.won_last >= cells.won_first else na["na_won"])
                rows.append((f"funnel.{key}.{stat}", formula, DAYS_FORMAT))

    row = 4
    for key, formula, fmt in rows:
        row += 1
        s.text(row, 1, t[key] if key in t else t[key.removeprefix("funnel.")])
        s.formula(row, 2, formula, fmt)
        s.text(row, 3, key, _KEY_FONT)
        s.text(row, 4, _how(t, key))  # overflows into the empty columns to its right
        s.name("kpi_" + key.replace(".", "_"), s.ref(row, 2, absolute=True))

    row = _write_channel_table(s, inputs_sheet, cells, inputs, params, money_fmt, row + 2)
    _write_checks(s, row + 2, channel_sum)
    s.widths({1: 44, 3: 30, 4: 50})  # ceilings: label, JSON key, "how" wraps beyond
    for cells in s.ws.iter_rows(min_row=5, max_row=4 + len(rows), min_col=4, max_col=4):
        cells[0].alignment = _WRAP
    s.ws.freeze_panes = "B5"
    s.title_rows = "4:4"


def _how(t: dict[str, str], key: str) -> str:
    if f"how.{key}" in t:
        return t[f"how.{key}"]
    short = key.removeprefix("funnel.")
    if short in FUNNEL_COUNTS:
        return t["how.count"]
    if short in FUNNEL_RATES:
        num, den = FUNNEL_RATES[short]
        return t["how.rate"].format(num=t[num], den=t[den])
    if short == "avg_opportunity_value":
        return t["how.avg_opportunity_value"]
    return t["how.mean"] if key.endswith(".mean") else t["how.median"]


#: Per-channel table: (label key, kpis.json field or "", defined name).
_CHANNEL_COLUMNS = (
    ("channel", "", "ch_channel"),
    ("spend_direct", "spend_direct", "ch_spend_direct"),
    ("customers", "new_customers", "ch_new_customers"),
    ("cac_direct", "cac_direct", "ch_cac_direct"),
    ("key_col", "allocation_weight", "ch_key"),
    ("share", "", "ch_share"),
    ("prorata", "", "ch_prorata"),
    ("adjustment", "", "ch_adjustment"),
    ("shared_allocated", "shared_allocated", "ch_shared_allocated"),
    ("cac_fully_loaded", "cac_fully_loaded", "ch_cac_fully_loaded"),
)


def _write_channel_table(s: _Sheet, inputs_sheet: _Sheet, cells: _InputCells,
                         inputs: WorkbookInputs, params: AuditParameters, money_fmt: str,
                         row: int) -> int:
    """The per-channel block; returns its last row."""
    t = s.labels
    s.text(row, 1, t["channels_section"], _SECTION)
    row += 1
    # The kpis.json field of each column, above its header, for the controller and for tests.
    for col, (_, field, _) in enumerate(_CHANNEL_COLUMNS, start=1):
        s.text(row, col, f"channels.<{t['channel'].lower()}>" if col == 1 else field,
               _KEY_FONT)
    row += 1
    s.header(row, [t[label] for label, _, _ in _CHANNEL_COLUMNS])
    first = row + 1
    last = first + len(inputs.channels) - 1
    credits_fmt = CREDIT_FORMAT if params.attribution_model != "deal" else COUNT_FORMAT
    key_range = s.range(first, last, 5)
    key_sum = f"SUM({key_range})" if key_range else "0"
    na = {k: _quote(v) for k, v in t.items() if k.startswith("na_")}
    for index, channel in enumerate(inputs.channels):
        r = first + index
        src = cells.first + index  # same channel's row on the inputs sheet

        def inp(col: int, src: int = src) -> str:
            return inputs_sheet.ref(src, col)

        s.text(r, 1, channel)
        s.formula(r, 2, f"ROUND({inp(2)}+{inp(3)},2)", money_fmt)
        s.formula(r, 3, inp(4), credits_fmt)
        s.formula(r, 4, f"IF(C{r}=0,{na['na_channel']},{per_customer(f'B{r}', f'C{r}')})",
                  money_fmt)
        s.formula(r, 5, inp(5))
        key_share = formulas.excel(formulas.share, part=f"E{r}", whole=key_sum)
        s.formula(r, 6, f"IF({key_sum}=0,{na['na_key']},{key_share})", PERCENT_FORMAT)
        prorata = formulas.excel(formulas.pro_rata, total="kpi_spend_shared", weight=f"E{r}",
                                 weights_sum=key_sum)
        s.formula(r, 7, f"IF(kpi_spend_shared=0,0,IF({key_sum}=0,{na['na_key']},"
                        f"ROUND({prorata},2)))", money_fmt)
        adjustment = inputs.adjustment[channel] if inputs.adjustment is not None else 0.0
        s.number(r, 8, float(adjustment), money_fmt)
        s.formula(r, 9, f"IF(ISNUMBER(G{r}),ROUND(G{r}+H{r},2),G{r})", money_fmt)
        s.formula(r, 10, f"IF(C{r}=0,{na['na_channel']},IF(ISNUMBER(I{r}),"
                         f"{per_customer(f'B{r}+I{r}', f'C{r}')},{na['na_key']}))", money_fmt)
        key_cell = s.ws.cell(row=r, column=5)
        key_cell.number_format = inputs_sheet.ws.cell(row=src, column=5).number_format
    for col, (_, _, name) in enumerate(_CHANNEL_COLUMNS, start=1):
        s.name(name, s.range(first, last, col))
    total = last + 1
    s.text(total, 1, t["total"], _BOLD)
    for col, fmt in ((2, money_fmt), (3, credits_fmt), (6, PERCENT_FORMAT), (7, money_fmt),
                     (8, money_fmt), (9, money_fmt)):
        target = s.range(first, last, col)
        cell = s.formula(total, col, f"ROUND({_sum(target)},{6 if col in (3, 6) else 2})",
                         fmt)
        cell.font = _BOLD
    return total


def _write_checks(s: _Sheet, row: int, channel_sum) -> None:  # noqa: ANN001
    t = s.labels
    s.text(row, 1, t["checks_section"], _SECTION)
    checks = (
        ("check_allocation", f"ROUND({channel_sum('ch_shared_allocated')}-kpi_spend_shared,2)"),
        ("check_spend",
         f"ROUND({channel_sum('ch_spend_direct')}+kpi_spend_shared-kpi_spend_total,2)"),
        ("check_customers", f"ROUND({channel_sum('ch_new_customers')}-in_new_customers,6)"),
    )
    for label, formula in checks:
        row += 1
        s.text(row, 1, t[label])
        cell = s.formula(row, 2, formula, "0.00")
        cell.fill = _CHECK_FILL
        status = f'IF(B{row}=0,{_quote(t["ok"])},{_quote(t["check"])})'
        if label == "check_allocation" and channel_sum("ch_key") != "0":
            # Nothing to split by: the difference is real and its reason is shown.
            status = f'IF(B{row}=0,{_quote(t["ok"])},IF({channel_sum("ch_key")}=0,' \
                     f'{_quote(t["na_key"])},{_quote(t["check"])}))'
        s.formula(row, 3, status)
        s.name(label, s.ref(row, 2, absolute=True))


def _write_provenance(s: _Sheet, inputs_sheet: _Sheet, data: AuditData,
                      params: AuditParameters, kpis: dict[str, object],
                      period: Period) -> None:
    t = s.labels
    s.text(1, 1, t["provenance_title"], _TITLE)
    row = 3
    s.text(row, 1, t["files_section"], _SECTION)
    row += 1
    s.header(row, [t["table"], t["file"], t["sha256"], t["rows"]])
    files = kpis.get("inputs") or data.inputs()
    for table, info in files.items():
        row += 1
        s.text(row, 1, table)
        s.text(row, 2, info["file"])
        s.text(row, 3, info["sha256"])
        s.number(row, 4, int(info["rows"]), COUNT_FORMAT)
    listed = [str(table) for table, info in files.items() if info.get("sha256_of") == "listing"]
    if listed:  # a table read in place has the hash of its listing, not of bytes
        row += 1
        s.text(row, 1, t["listing_note"].format(tables=", ".join(listed)))

    row += 2
    s.text(row, 1, t["parameters_section"], _SECTION)
    row += 1
    s.header(row, [t["name"], t["value"]])
    row += 1
    s.text(row, 1, t["period"])
    s.text(row, 2, f"{format_day(period.start.date(), s.lang)} - "
                   f"{format_day(period.end.date(), s.lang)}")
    for name, value in params.as_dict().items():
        row += 1
        s.text(row, 1, name)
        if isinstance(value, bool) or value is None or isinstance(value, str):
            s.text(row, 2, "" if value is None else value)
        else:
            s.number(row, 2, value)

    row += 2
    s.text(row, 1, t["software_section"], _SECTION)
    for label, value in (("package_version", kpis.get("version", __version__)),
                         ("kpi_file_version", kpis.get("kpi_file_version")),
                         ("workbook_version", WORKBOOK_VERSION)):
        row += 1
        s.text(row, 1, t[label])
        s.text(row, 2, "" if value is None else str(value))

    notes = kpis.get("notes") or []
    if notes:
        row += 2
        s.text(row, 1, t["notes_section"], _SECTION)
        row += 1
        s.header(row, [t["json"], t["reason"]])
        for note in notes:
            row += 1
            s.text(row, 1, note.get("key", ""))
            s.text(row, 2, note_text(note, s.lang))

    row += 2
    s.text(row, 1, t["howto_section"], _SECTION)
    row += 1
    cell = s.text(row, 1, t["howto"].format(inputs=inputs_sheet.ws.title))
    cell.alignment = _WRAP
    s.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    s.ws.row_dimensions[row].height = 110
    s.widths({1: 34, 2: 44, 3: 68, 4: 10})
    s.ws.freeze_panes = "A2"


def _write_retention(s: _Sheet, kpis: dict[str, object], params: AuditParameters,
                     money_fmt: str) -> None:
    """The Retention sheet: monthly MRR movements with a check of the identity, the figures.

    Each month's row holds MRR at the start, the five movements and MRR at the end, as values;
    the check cell ``ROUND(start + new + reactivation + expansion - contraction - churn - end,
    2)`` must be 0, and so must the sum of their absolute values (named ``check_retention``).
    """
    t = s.labels
    retention = kpis["retention"]
    s.text(1, 1, t["retention_title"].format(currency=params.currency), _TITLE)
    s.text(2, 1, t["retention_note"])
    cols = ("opening", "new", "reactivation", "expansion", "contraction", "churn", "mrr")
    s.header(4, [t["mv_month"], *(t[f"mv_{c}"] for c in cols), t["mv_check"]])
    first = row = 5
    for month in retention["movements"]:
        s.text(row, 1, month["month"])
        for offset, name in enumerate(cols, start=2):
            s.number(row, offset, month[name], money_fmt)
        s.formula(row, 9, f"ROUND(B{row}+C{row}+D{row}+E{row}-F{row}-G{row}-H{row},2)",
                  "0.00").fill = _CHECK_FILL
        row += 1
    last = row - 1
    row += 1
    s.text(row, 1, t["mv_check_all"], _BOLD)
    cell = s.formula(row, 9, f"ROUND(SUMPRODUCT(ABS(I{first}:I{last})),2)", "0.00")
    cell.fill = _CHECK_FILL
    s.formula(row, 8, f'IF(I{row}=0,{_quote(t["ok"])},{_quote(t["check"])})')
    s.name("check_retention", s.ref(row, 9, absolute=True))
    row += 2
    s.text(row, 1, t["ret_figures"], _SECTION)
    sbg = retention.get("sbg") or {}
    constant = retention.get("constant_churn") or {}
    for label, value, fmt in (
            ("ret_logo", retention.get("logo_churn_monthly"), "0.00%"),
            ("ret_revenue", retention.get("revenue_churn_monthly"), "0.00%"),
            ("ret_nrr", retention.get("nrr_12m"), PERCENT_FORMAT),
            ("ret_grr", retention.get("grr_12m"), PERCENT_FORMAT),
            ("ret_alpha", sbg.get("alpha"), "0.0000"),
            ("ret_beta", sbg.get("beta"), "0.0000"),
            ("ret_ll", sbg.get("log_likelihood"), "0.0000"),
            ("ret_lifetime", retention.get("lifetime_months"), "0.0000"),
            ("ret_constant", constant.get("monthly_churn"), "0.00%"),
            ("ret_constant_life", constant.get("lifetime_months"), "0.0000")):
        row += 1
        s.text(row, 1, t[label])
        if value is None:
            s.text(row, 2, t["not_set"])
        else:
            s.number(row, 2, value, fmt)
    s.widths({1: 44, **{c: 16 for c in range(2, 9)}, 9: 18})
    s.ws.freeze_panes = "B5"


# --------------------------------------------------------------------------- entry point


def kpi_credits(kpis: dict[str, object], params: AuditParameters) -> pd.Series | None:
    """The audit model's channel credits from the KPI file's ``attribution`` block (exact
    floats), or ``None`` when the model is ``deal`` or the block is absent."""
    block = kpis.get("attribution")
    if params.attribution_model == "deal" or not isinstance(block, dict):
        return None
    credits = {channel: values[params.attribution_model]
               for channel, values in block["credits"].items()}  # type: ignore[union-attr]
    return pd.Series(credits, dtype="float64")


#: The time stamp of every member of the workbook's zip archive (the earliest zip allows):
#: the file's bytes then depend on its content only.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_reproducibly(wb: Workbook, path: Path, stamp: dt.datetime) -> None:
    """Save ``wb`` to ``path`` so that the same workbook gives the same bytes.

    openpyxl stamps the document's "modified" property with the time of saving and each zip
    member with the clock: here both properties are ``stamp`` and the members carry
    :data:`ZIP_TIME`, in a fixed order.
    """
    wb.properties.created = wb.properties.modified = stamp
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()  # save_workbook would stamp the clock
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info))


def write_workbook(path: str | Path, data: AuditData, params: AuditParameters,
                   kpis: dict[str, object], run_date: str | None = None) -> Path:
    """Write the audit workbook (``.xlsx``) for ``data`` and ``params`` to ``path``.

    ``kpis`` is the result of :func:`cac_toolkit.audit.kpis.compute_kpis` for the same data and
    parameters (its period, provenance and notes are reused; a mismatch raises
    ``ValueError``). Inputs are recomputed with the KPI module's functions and written as
    values; every KPI is a formula, so that a recalculation gives ``kpis.json`` to the cent.
    The document's dates are ``run_date`` (ISO; by default the audited period's last day),
    so the same inputs, parameters and run date give the same bytes. Returns the path
    written.
    """
    period = params.audited_period(last_data_day(data))
    expected_period = {"start": str(period.start.date()), "end": str(period.end.date())}
    if kpis.get("period") not in (None, expected_period):
        raise ValueError(f"the KPIs are for the period {kpis.get('period')}, the parameters "
                         f"give {expected_period}: compute the KPIs with the same parameters")
    if kpis.get("parameters") not in (None, params.as_dict()):
        raise ValueError("the KPIs were computed with other parameters than the workbook's")
    labels = workbook_labels(params.lang)
    money_fmt = CURRENCY_FORMATS.get(params.currency, f'#,##0.00 "{params.currency}"')
    inputs = group_inputs(workbook_inputs(data, params, period, kpi_credits(kpis, params)),
                          lang=params.lang)

    wb = Workbook()
    inputs_sheet = _Sheet(wb, wb.active, labels, inputs=True, lang=params.lang)
    inputs_sheet.ws.title = labels["inputs_sheet"]
    kpi_sheet = _Sheet(wb, wb.create_sheet("KPIs"), labels, lang=params.lang)
    provenance = _Sheet(wb, wb.create_sheet("Provenance"), labels, lang=params.lang)

    cells = _write_inputs(inputs_sheet, inputs, params, money_fmt, kpis)
    untracked = frozenset(n["key"] for n in kpis.get("notes", [])
                          if n.get("code") == "untracked_stage")
    _write_kpis(kpi_sheet, inputs_sheet, cells, inputs, params, money_fmt, untracked)
    sheets = [inputs_sheet, kpi_sheet]
    if (kpis.get("retention") or {}).get("movements"):
        retention_sheet = _Sheet(wb, wb.create_sheet(labels["retention_sheet"], 2), labels,
                                 lang=params.lang)
        _write_retention(retention_sheet, kpis, params, money_fmt)
        sheets.append(retention_sheet)
    # Notes about the grouped channels are one note, as in the report.
    _write_provenance(provenance, inputs_sheet, data, params,
                      for_display(kpis, lang=params.lang), period)
    inputs_sheet.printable("portrait")  # narrow columns: portrait holds more rows a page
    for sheet in (*sheets[1:], provenance):
        sheet.printable()
    wb.active = 1  # open on the KPIs
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet.title == "KPIs"

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(run_date) if run_date else period.end.to_pydatetime()
    save_reproducibly(wb, out, stamp.replace(hour=0, minute=0, second=0, microsecond=0,
                                             tzinfo=None))
    return out
