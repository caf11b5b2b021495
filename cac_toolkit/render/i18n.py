"""Every label of the audit report, the charts, the workbook and the course, and how it is
translated.

English is the source language: the texts live in code (``LABELS`` here: key -> English text,
``{placeholders}`` filled by ``str.format``; the workbook's ``TEXTS``; the notes' and verdicts'
templates). French comes from the gettext catalogue
``cac_toolkit/render/locales/fr/LC_MESSAGES/cac_toolkit.po``, compiled to the ``.mo`` next to it
(package data) and read with :mod:`gettext`. ``scripts/extract_messages.py`` regenerates the
template and the catalogue from the code (``--check`` fails when they are stale or a French
text is missing); ``docs/translations.md`` says how to add a string or a language.

:func:`t` looks a key up and translates it; an unknown key raises ``KeyError`` (a missing
label is a bug to fix, not a silent fallback). :func:`translate` and :func:`translate_plural`
translate a source text directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from cac_toolkit.core.catalogue import (
    LANGS,
    Message,
    check_lang,
    format_day,
    is_translated,
    month_year,
    translate,
    translate_plural,
)
from cac_toolkit.core.money import format_number, format_percent
from cac_toolkit.core.notes import NOTE_JOINERS, NOTE_TEXTS, Note
from cac_toolkit.data.signals import WARNING_TEXTS, WarningEntry

__all__ = ["LABELS", "LANGS", "PLURALS", "Message", "check_complete", "check_lang", "has",
           "fill", "is_translated", "label_or", "note_text", "t", "tn", "translate",
           "translate_plural", "warning_text"]

LABELS: dict[str, str] = {
    # ------------------------------------------------------------------ generic words
    "channel": "Channel",
    "value": "Value",
    "target": "Target",
    "status": "Status",
    "kpi": "KPI",
    "period": "Period",
    "previous_period": "Previous period",
    "this_period": "Audited period",
    "change": "Change",
    "month": "Month",
    "months": "months",
    "days": "days",
    "customers": "customers",
    "share": "Share",
    "count": "Count",
    "reason": "Reason",
    "figure": "Figure",
    "reading": "Reading",
    "none": "none",
    "word.or": "or",
    # punctuation between texts: French puts a narrow no-break space before ":" and ";"
    "punct.label_value": "{label}: {value}",
    "punct.sbg": "{alpha}; {beta}; {log_likelihood}",
    "period_name.audited": "audited",
    "period.quarter": "Q{quarter} {year}",
    "period_name.previous": "previous",
    "total": "Total",
    "every.channels": "every channel",
    "every.segments": "every segment",
    "figures.funnel": "Funnel KPIs",
    "figures.cohorts": "Lead cohorts",
    "figures.segments": "Segments",
    "figures.channels": "Channels",
    "figures.retention": "Retention",
    "metric.won_with_quote": "Won with a quote",
    "metric.avg_opportunity_value": "Average opportunity value",
    # ------------------------------------------------------------------ course widgets
    "widget.static_note": "Interactive explorer: run this notebook in Jupyter to move the "
                          "sliders (the static output above shows the default values).",
    "widget.undefined": "undefined",
    "widget.months": "{months} months",
    "widget.payback": "Payback",
    "widget.leaves_before_payback": "The customer leaves after {lifetime} months, before "
                                    "paying back its CAC: this customer loses money.",
    "widget.unit_inputs": "CAC {cac}, {arpa} a month, gross margin {margin}, lifetime "
                          "{lifetime} months",
    "widget.cac": "CAC ({symbol})",
    "widget.arpa": "Revenue / month ({symbol})",
    "widget.gross_margin": "Gross margin",
    "widget.lifetime": "Lifetime (months)",
    "widget.move": "Move {amount} from {source} to {target}; each extra euro on {target} buys "
                   "customers at {multiplier} x its current CAC ({marginal}).",
    "widget.col.channel": "channel",
    "widget.col.spend_before": "spend before",
    "widget.col.spend_after": "spend after",
    "widget.col.customers_before": "customers before",
    "widget.col.customers_after": "customers after",
    "widget.new_customers": "New customers: {before} -> {after} ({change})",
    "widget.global_cac": "Global CAC (pooled costs included): {before} -> {after}",
    "widget.from": "From",
    "widget.to": "To",
    "widget.amount": "Amount moved ({symbol})",
    "widget.saturation": "Target saturation x",
    "widget.two_channels": "Pick two different channels.",
    "widget.crm": "unified CRM: CAC cut",
    "widget.time_saved": "automation: time saved",
    "widget.leads_kept": "leads kept (x)",
    "widget.conversion": "lead conversion (x)",
    "widget.referral": "customers by referral",
    "widget.referral_times": "referral: x cheaper than digital",
    "widget.mix": "30/50/20 channel mix",
    "from_to": "{start} to {end}",
    # statuses of targets.Verdict and of warning signals
    "status.good": "good",
    "status.watch": "watch",
    "status.bad": "alert",
    "status.unknown": "n/a",
    # ------------------------------------------------------------------ metrics
    "metric.cac_global": "Global CAC",
    "metric.cac_marketing": "Marketing CAC",
    "metric.cac_sales": "Sales CAC",
    "metric.cac_segment": "CAC (pooled costs allocated)",
    "metric.cac_direct": "Direct CAC",
    "metric.cac_fully_loaded": "Fully loaded CAC",
    "metric.spend_direct": "Direct spend",
    "metric.shared_allocated": "Pooled costs allocated",
    "metric.new_customers": "New customers",
    "metric.arpa_mrr": "ARPA (MRR)",
    "metric.ltv": "LTV",
    "metric.ltv_cac": "LTV/CAC",
    "metric.payback_months": "Payback (months)",
    "metric.spend_total": "Acquisition spend",
    "metric.spend_marketing": "Marketing spend",
    "metric.spend_sales": "Sales spend",
    "metric.spend_shared": "Pooled (shared) spend",
    "metric.new_revenue_first_year": "New revenue (first year)",
    "metric.new_revenue_mrr": "New MRR",
    "metric.budget_share": "Budget share",
    "metric.revenue_share": "Revenue share",
    "metric.conversion_delay_days": "Median conversion delay (days)",
    "metric.sales_cycle_days": "Median sales cycle (days)",
    "metric.mql_to_sql": "MQL → SQL",
    "metric.sql_to_opportunity": "SQL → opportunity",
    "metric.opportunity_to_win": "Opportunity → win",
    "metric.lead_to_meeting": "Lead → meeting",
    "metric.meeting_to_opportunity": "Meeting → opportunity",
    "metric.quote_conversion": "Quote conversion",
    "metric.credits": "Customers credited",
    "metric.cumulative_margin": "Cumulative gross margin",
    # ------------------------------------------------------------------ funnel stages
    "stage.leads": "Leads",
    "stage.qualified_leads": "MQL",
    "stage.sqls": "SQL",
    "stage.meetings": "Meetings",
    "stage.opportunities": "Opportunities",
    "stage.quotes": "Quotes",
    "stage.won": "Won",
    # ------------------------------------------------------------------ attribution models
    "model.deal": "Deal channel",
    "model.first_touch": "First touch",
    "model.last_touch": "Last touch",
    "model.linear": "Linear",
    "model.time_decay": "Time decay",
    "model.position_based": "Position based (40/20/40)",
    "model.markov": "Markov chain",
    "model.shapley": "Shapley value",
    # ------------------------------------------------------------------ allocation keys
    "allocation.new_customers": "share of new customers",
    "allocation.opportunities": "share of opportunities created",
    "allocation.pipeline": "share of pipeline value",
    # ------------------------------------------------------------------ chart titles and axes
    "chart.cac_by_channel": "CAC by channel: direct vs fully loaded",
    "chart.cac_axis": "CAC per new customer",
    "chart.sector_band": "Usual range, {sector} ({low} – {high})",
    "chart.sector_band_open": "Usual range, {sector} (above {low})",
    "chart.global_line": "Global CAC {value}",
    "chart.no_customer": "no new\ncustomer",
    "chart.funnel": "Funnel of the period's leads",
    "chart.funnel_rate": "{rate} of previous stage",
    "chart.funnel_count": "Leads",
    "chart.payback": "CAC payback: cumulative gross margin of one customer",
    "chart.payback_at": "paid back in {months} months",
    "chart.payback_never": "not paid back within {months} months",
    "chart.cac_line": "CAC {value}",
    "chart.lifetime_end": "customer leaves (month {months})",
    "chart.leaves_before_payback":
        "the customer leaves at month {lifetime}, before payback (month {payback})",
    "chart.trend": "Trend over the last periods",
    "chart.trend_index": "Index (first period = 100)",
    "chart.budget_vs_revenue": "Budget share vs revenue share by channel",
    "chart.kpi_targets": "Conversion rates against their targets",
    "chart.target_band": "target band",
    "chart.no_target": "no numeric target",
    "chart.attribution": "New customers credited to each channel, by attribution model",
    "chart.ltv_cac": "LTV/CAC ratio",
    "chart.ltv_cac_zone.fragile": "fragile",
    "chart.ltv_cac_zone.watch": "below target",
    "chart.ltv_cac_zone.healthy": "healthy",
    "chart.ltv_cac_zone.strong": "very favourable",
    "chart.cac_by_period": "One company, three CACs: monthly, quarterly, yearly",
    "chart.cac_monthly": "monthly CAC",
    "chart.cac_quarterly": "quarterly CAC",
    "chart.cac_yearly": "yearly CAC",
    "chart.sector_ranges": "Indicative CAC ranges by sector (not norms)",
    "chart.open_ended": "and above",
    "chart.lever_waterfall": "From today's CAC to the CAC after the levers",
    "chart.start": "today",
    "chart.after": "after",
    "chart.undefined": "undefined",
    "chart.cohorts": "Cohorts",
    "chart.cohort_conversion": "Share of each month's leads won within 30, 60 and 90 days",
    "chart.cohort_month": "Month of creation",
    "chart.horizon": "Won within",
    "chart.horizon_days": "{days} days",
    "cohort.conversion": "Cohort conversion within {days} days",
    "cohort.cac_lag": "Lag-aware CAC ({days} days)",
    "cohort.cac_month": "CAC of the month",
    "cohort.leads": "Cohort leads ({days} days)",
    "cohort.won": "Cohort wins ({days} days)",
    "cohort.spend": "Cohort spend ({days} days)",
    "cohort.cohorts": "Lead cohorts",
    "cohort.period.conversion": "Conversion of the period's cohorts ({days} days)",
    "cohort.period.cac_lag": "Lag-aware CAC of the period ({days} days)",
    # ------------------------------------------------------------------ verdict readings
    "reading.undefined": "undefined: see the notes at the end",
    "reading.ltv_cac.fragile": "{ratio} is below 2: profitability is fragile",
    "reading.ltv_cac.watch": "{ratio} is between 2 and 3: below the usual target of 3",
    "reading.ltv_cac.good": "{ratio} is 3 or more: acquisition pays",
    "reading.ltv_cac.strong": "{ratio} is above 5: acquisition pays very well",
    "reading.payback.good": "paid back in {months} months, within 12",
    "reading.payback.bad": "{months} months to pay back, beyond 12",
    "reading.cac_margin.good":
        "the gross margin per customer is {multiple} times the CAC (target 3 to 5)",
    "reading.cac_margin.watch":
        "the gross margin per customer is only {multiple} times the CAC (target 3 to 5)",
    "reading.cac_margin.bad":
        "the gross margin per customer is {multiple} times the CAC: fragile below 2, a loss "
        "below 1",
    "reading.target.good": "{value} reaches the {low} to {high} target",
    "reading.target.bad": "{value} is below the {low} to {high} target",
    # ------------------------------------------------------------------ report sections
    "report.title": "Customer acquisition audit",
    "report.page_title": "CAC audit",
    "report.subtitle": "Period audited: {period} · compared with {previous}",
    "report.previous_days":
        "The comparison period is the {days} days just before the audited period, used "
        "everywhere in this report (summary, dashboard, trends, signals); it does not start on "
        "the first of a month (the parameter compare_to previous_calendar compares with the "
        "calendar period instead).",
    "report.meta":
        "Currency {currency} · sector {sector} · pooled costs allocated by {allocation} · "
        "attribution: {model} · run on {run_date}",
    "section.summary": "Summary",
    "section.summary.intro": "The headline figures of the period, then what deserves attention.",
    "section.key_figures": "Key figures",
    "section.dashboard": "Dashboard",
    "section.dashboard.intro":
        "The minimal acquisition dashboard: CAC over two periods and by channel, value of a "
        "customer against its cost, conversions, delays and the weight of each channel.",
    "section.channels": "CAC by channel",
    "section.channels.intro":
        "Direct CAC counts only the costs booked on a channel; fully loaded CAC adds its share "
        "of pooled costs (brand, tools, management), allocated by {allocation}. The fully loaded "
        "figure is the one to compare with the value of a customer.",
    "section.value": "Value of a customer against its cost",
    "section.value.intro":
        "LTV = ARPA × gross margin × lifetime; a ratio LTV/CAC of 3 or more and a payback within "
        "12 months are the usual marks of a healthy acquisition.",
    "section.funnel": "Funnel and the ten acquisition KPIs",
    "section.funnel.intro":
        "Leads created in the period and the stages they reached; then the ten KPIs of B2B "
        "acquisition against the targets of the KPI article. “Won” counts the period's leads "
        "that became a won deal, whenever it was signed, while the new customers of the summary "
        "are the accounts whose first deal was signed in the period, whatever the date of their "
        "lead: the two counts differ.",
    "section.trends": "Trends",
    "section.trends.intro":
        "The same figures over the last {n} periods. Rebased to 100, the lines show whether the "
        "CAC grows faster than the revenue of a new customer.",
    "section.signals": "Warning signals",
    "section.signals.intro":
        "Three trends that announce an acquisition getting more expensive: a CAC rising faster "
        "than ARPA, a conversion delay that lengthens, reliance on one channel.",
    "section.sector": "Position in the sector",
    "section.sector.intro":
        "The global CAC of the period set against the indicative CAC range of the sector given "
        "by the source article (in euros), and the channels whose fully loaded CAC is above that "
        "range.",
    "section.attribution": "Attribution models side by side",
    "section.attribution.intro":
        "The same new customers credited to channels by each model. Where the models disagree, a "
        "channel's CAC depends on the reading chosen; the audit uses: {model}.",
    "section.attribution.none":
        "No touchpoints table: every customer keeps the channel of its acquiring deal.",
    "section.cohorts": "Lead cohorts",
    "section.cohorts.intro":
        "B2B leads sign weeks after they arrive: each month's leads followed for 30, 60 and 90 "
        "days. Blank cells are months not yet observed long enough.",
    "section.funnel.none": "No leads table: the funnel KPIs are undefined.",
    "section.cohorts.none": "No leads table: no cohort to follow.",
    "section.segments": "CAC and value by segment",
    "section.segments.intro":
        "Per segment of the new customers: the segment's direct spend plus its share of the "
        "pooled costs (split by the allocation key), divided by its new customers; ARPA, LTV and "
        "payback from the segment's own acquiring deals.",
    "segments.pooled_only":
        "No segment has direct spend: each segment's CAC is only the pooled costs split by "
        "{allocation}, so it is the same for every segment and the differences in LTV/CAC come "
        "from ARPA alone, not from what each segment costs to acquire.",
    "section.notes": "Undefined figures and why",
    "section.notes.intro":
        "A figure whose denominator is zero, or whose data cannot be observed yet, is not "
        "computed: it reads n/a in this report, and its reason is given here.",
    "section.notes.none": "Every figure of the period is defined.",
    "section.provenance": "Provenance",
    "section.provenance.intro":
        "The exact files and parameters behind these figures: the SHA-256 fingerprints let "
        "anyone check that a later run used the same data.",
    # ------------------------------------------------------------------ dashboard parts
    "dash.cac": "Global CAC: previous period, this period, change",
    "dash.channels": "CAC by channel, direct and fully loaded",
    "dash.channels.caption": "Pooled costs of {shared} allocated by {allocation}.",
    "dash.channels.model": "New customers credited by the model: {model}.",
    "dash.value": "LTV/CAC and payback",
    "dash.conversions": "Conversions and median conversion delay",
    "dash.budget": "Budget share vs contribution to new revenue",
    "dash.dependence": "Dependence on the top channel",
    "dash.top_leads": "Top channel by leads",
    "dash.top_revenue": "Top channel by new revenue",
    "dash.gap": "Revenue − budget",
    "dash.threshold": "Threshold",
    "points": "{value} pts",
    # ------------------------------------------------------------------ tables
    "col.target": "Target",
    "col.kpi": "KPI",
    "col.value": "Value",
    "col.status": "Status",
    "col.reading": "Reading",
    "col.figure": "Figure",
    "col.reason": "Why it is undefined",
    "col.table": "Table",
    "col.file": "File",
    "col.rows": "Rows",
    "col.sha256": "SHA-256",
    "col.parameter": "Parameter",
    "col.segment": "Segment",
    "target.cac": "3 to 5 times below the gross margin per customer (LTV)",
    "target.range": "{low} to {high}",
    "target.ltv_cac": "3 to 5",
    "target.payback": "12 months at most",
    "provenance.version":
        "cac-toolkit {version} · KPI file version {kpi_version} · run on {run_date}",
    "provenance.inputs": "Input files",
    "provenance.listing":
        "{tables}: read in place by Spark, not copied to this machine; its SHA-256 is that of "
        "the listing of its Parquet parts (each part's URL, size in bytes and modification "
        "time), not of their bytes. The audit listed the parts again after the notebook ran "
        "and found them unchanged.",
    "provenance.parameters": "Parameters",
    "not_set": "not set",
    # ------------------------------------------------------------------ key figures
    "key.period": "Period",
    "key.new_customers": "New customers",
    "key.cac_global": "Global CAC",
    "key.ltv_cac": "LTV/CAC",
    "key.payback": "Payback (months)",
    "key.spend": "Acquisition spend",
    "summary.cac":
        "{customers} new customers at a global CAC of {cac} ({change} on the previous period).",
    "summary.payback": "Payback:",
    "summary.no_alert": "None of the three warning signals is raised.",
    "summary.best_channel":
        "Lowest fully loaded CAC: {best} ({best_cac}); highest: {worst} ({worst_cac}).",
    # ------------------------------------------------------------------ warning signals
    "signal.cac_vs_arpa.bad":
        "CAC grows faster than ARPA ({window}): CAC {cac_change}, ARPA {arpa_change}. This "
        "compares two growth rates: each new customer's margin now covers less of its "
        "acquisition cost, so the profitability of acquisition is eroding (LTV/CAC says whether "
        "customers still pay back).",
    "signal.cac_vs_arpa.watch":
        "CAC grows slightly faster than ARPA ({window}): CAC {cac_change}, ARPA {arpa_change}.",
    "signal.cac_vs_arpa.good":
        "CAC does not outgrow ARPA ({window}): CAC {cac_change}, ARPA {arpa_change}.",
    "signal.cac_vs_arpa.unknown":
        "CAC or ARPA is undefined in a period compared: their growth cannot be compared.",
    "signal.delay.bad":
        "The conversion delay lengthens ({window}): median {before} → {after} days ({change}). "
        "Longer cycles raise the CAC.",
    "signal.delay.watch":
        "The conversion delay lengthens slightly ({window}): median {before} → {after} days "
        "({change}).",
    "signal.delay.good":
        "The conversion delay does not lengthen ({window}): median {before} → {after} days.",
    "signal.delay.unknown":
        "No median conversion delay to compare (no leads table, or no won lead in a period "
        "compared).",
    "signal.dependence.leads": "leads",
    "signal.dependence.revenue": "new revenue",
    "signal.dependence.bad":
        "{channel} brings {share} of the period's {what}, above the {threshold} threshold: "
        "growth depends on one channel whose cost can climb.",
    "signal.dependence.good":
        "No channel above {threshold} of leads or new revenue (top by leads: {leads}; by "
        "revenue: {revenue}).",
    "signal.dependence.unknown": "No lead or revenue split by channel to measure dependence.",
    # ------------------------------------------------------------------ notes the report adds
    "note.derived": "follows from {figures} (undefined, see above)",
    "note.parameter": "set gross_margin and lifetime_months or monthly_churn",
    "note.ltv_measured_only":
        "no lifetime_months or monthly_churn set: the LTV shown is measured from the revenue "
        "table",
    "note.not_computed": "not computed for this period (no data behind it)",
    # ------------------------------------------------------------------ sector position
    "sector.within": "The global CAC of {cac} lies within the usual range for {sector} ({range}).",
    "sector.below": "The global CAC of {cac} is below the usual range for {sector} ({range}).",
    "sector.above": "The global CAC of {cac} is above the usual range for {sector} ({range}).",
    "sector.undefined": "The global CAC is undefined: no position in the sector.",
    "sector.channels_above": "Channels whose fully loaded CAC is above the range: {channels}.",
    "sector.currency":
        "The sector ranges are in euros; the audit is in {currency}, so compare with care.",
    "sector.caveat":
        "These ranges are indicative orders of magnitude, not norms: they vary with the average "
        "deal, the sales cycle and the go-to-market. What matters is the trend of your own CAC "
        "and its ratio to the value of a customer.",
    "range.open": "above {low}",
    "range.closed": "{low} to {high}",
    # ------------------------------------------------------------------ measured retention
    "section.retention": "Retention and a measured LTV",
    "section.retention.intro":
        "Churn and net revenue retention are measured from the revenue table (MRR per account "
        "and month). The lifetime behind LTV is fitted to every account with the "
        "shifted-beta-geometric (sBG) model, which lets customers differ: the loyal ones stay, "
        "so churn falls with tenure, and a constant churn rate understates how long customers "
        "last.",
    "section.retention.none":
        "No revenue table: churn, NRR and GRR are not measured; LTV uses the typed lifetime.",
    "retention.logo_churn": "Logo churn (monthly)",
    "retention.revenue_churn": "Revenue churn (monthly, churn + contraction)",
    "retention.nrr": "Net revenue retention (NRR, 12 months)",
    "retention.grr": "Gross revenue retention (GRR, 12 months)",
    "retention.lifetime_sbg": "Lifetime, sBG (months, first {horizon} months)",
    "retention.lifetime_constant":
        "Lifetime, constant churn {churn} (months, first {horizon} months)",
    "retention.sbg": "sBG parameters (alpha, beta; log-likelihood)",
    "retention.ltv_basis": "LTV basis",
    "retention.basis.measured": "measured from the revenue table",
    "retention.basis.parameter": "typed lifetime (parameter)",
    "retention.basis.none": "none (LTV undefined)",
    "retention.ltv_measured": "LTV measured",
    "retention.ltv_parameter": "LTV from the typed lifetime",
    "retention.interval": "{label} {value} (90 % interval {low}–{high})",
    "retention.interval.meaning":
        "Each 90 % interval is the range in which nine in ten of {samples} resamplings of the "
        "period's new customers (and of the revenue table's accounts, for a measured lifetime) "
        "put the figure: the fewer the customers, the wider it is.",
    "retention.warning.ltv_parameter_differs":
        "The typed lifetime gives an LTV of {parameter}, {gap} away from the {measured} measured "
        "from the revenue table; the typed one is used.",
    "chart.retention": "Retention: share of customers still active",
    "chart.retention_cohorts": "one cohort (month of first MRR)",
    "chart.retention_observed": "observed, all cohorts",
    "chart.retention_sbg": "sBG projection (alpha {alpha}, beta {beta})",
    "chart.retention_constant": "constant churn {churn} a month",
    "chart.retention_none": "no revenue table",
    "chart.months_since_start": "months since the first MRR",
    "chart.mrr_movements": "MRR movements by month",
    "movement.new": "new",
    "movement.reactivation": "reactivation",
    "movement.expansion": "expansion",
    "movement.contraction": "contraction",
    "movement.churn": "churn",
    "movement.net": "net change",
    "movement.opening": "MRR at the start",
    "movement.mrr": "MRR at the end",
}

#: Texts whose words agree with a count: key -> (singular, plural) in English, ``{n}`` the
#: count already formatted (:func:`tn`). French takes the singular for 0 and 1.
PLURALS: dict[str, tuple[str, str]] = {
    "longtail.other": ("other ({n} channel)", "other ({n} channels)"),
    "report.warnings": ("Check the inputs first ({n} warning)",
                        "Check the inputs first ({n} warnings)"),
    "summary.alerts": ("{n} warning signal out of 3: see below.",
                       "{n} warning signals out of 3: see below."),
    "summary.unknown": ("{n} warning signal out of 3 could not be assessed for lack of data.",
                        "{n} warning signals out of 3 could not be assessed for lack of data."),
}


def tn(key: str, count: int, lang: str = "en", /, **values: object) -> str:
    """The plural label ``key`` agreeing with ``count``, placeholders filled.

    >>> tn("longtail.other", 1, "fr", n="1")
    'autres (1 canal)'
    """
    singular, plural = PLURALS[key]
    return translate_plural(singular, plural, count, lang).format(**values)


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``fr``), with ``{placeholders}`` filled.

    >>> t("metric.cac_global", "fr")
    'CAC global'
    """
    text = translate(LABELS[key], lang)
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """Whether ``key`` has a label."""
    return key in LABELS


def label_or(key: str, fallback: str, lang: str = "en") -> str:
    """The label of ``key`` when there is one, else ``fallback`` (e.g. a client's own channel)."""
    return t(key, lang) if key in LABELS else fallback


def note_text(note: Mapping[str, object], lang: str = "en") -> str:
    """The reason of a KPI-file note in ``lang``.

    English is the note's own ``reason``. Another language translates the note's template
    (:data:`cac_toolkit.core.notes.NOTE_TEXTS`, by the note's id) and fills it with the
    note's parameters written in that language (days and counts in its number format, the
    data's end date as it writes dates). A note read back from a ``kpis.json`` file, which
    keeps only the English reason, is shown in English.
    """
    check_lang(lang)
    if lang == "en" or not isinstance(note, Note):
        return str(note.get("reason", ""))
    return fill(NOTE_TEXTS[note.id], note.params, lang)


def warning_text(warning: Mapping[str, object], lang: str = "en") -> str:
    """The message of a KPI-file warning in ``lang``: like :func:`note_text`, from its id of
    :data:`cac_toolkit.data.signals.WARNING_TEXTS` and its parameters (a warning read back
    from ``kpis.json`` keeps its English message)."""
    check_lang(lang)
    if lang == "en" or not isinstance(warning, WarningEntry) or warning.id is None:
        return str(warning.get("message", ""))
    return fill(WARNING_TEXTS[warning.id], warning.params, lang)


#: Parameters that are calendar days (ISO in the KPI file, written as the reader writes dates).
DAY_PARAMETERS = frozenset({"as_of", "day", "start", "end"})

#: Parameters that are lists of calendar months (``YYYY-MM`` in the KPI file, written with
#: the month's name in the reader's language: ``décembre 2025``).
MONTH_PARAMETERS = frozenset({"months", "left_out"})


def fill(template: str, params: Mapping[str, object], lang: str) -> str:
    """The English ``template`` translated into ``lang`` and filled with ``params`` written
    in that language: a number formatted ``{x:,.2f}`` (or ``{x:,}``, ``{x:.0%}``) in the
    English template is written with the reader's decimals and grouping, a day in the
    reader's date format, a list joined (``or`` translated)."""
    specs = {name: spec or "" for _text, name, spec, _conv in Formatter().parse(template)
             if name}
    values: dict[str, str] = {}
    for name, value in params.items():
        spec = specs.get(name, "")
        if isinstance(value, list | tuple):
            joiner = f" {t('word.or', lang)} " if NOTE_JOINERS.get(name) == " or " else ", "
            words = (month_year(str(v), lang) if name in MONTH_PARAMETERS else str(v)
                     for v in value)
            values[name] = joiner.join(words)
        elif name == "name" and has(f"period_name.{value}"):  # audited / previous
            values[name] = t(f"period_name.{value}", lang)
        elif name in DAY_PARAMETERS:
            values[name] = format_day(str(value), lang)
        elif spec.endswith("%") and isinstance(value, int | float):
            values[name] = format_percent(float(value), int(spec[1:-1] or 0), lang)
        elif spec.startswith(",") and isinstance(value, int | float):
            digits = int(spec.split(".")[1][:-1]) if "." in spec else 0
            values[name] = format_number(float(value), digits, lang)
        else:
            values[name] = str(value)
    return translate(template, lang).format(**values)


def check_complete(messages: Mapping[str, Message] = LABELS) -> list[str]:
    """Keys whose text is empty or has no translation in some language (the tests want an
    empty list): the catalogue of each language must hold every English source text."""
    return [key for key, message in messages.items()
            if not message or not all(is_translated(message, lang) for lang in LANGS)]
