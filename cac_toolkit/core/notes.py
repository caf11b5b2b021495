"""Why a figure is missing: the notes that travel with the KPI file.

A ratio whose denominator is zero is ``None`` (``null`` in JSON) with its reason recorded here,
never ``inf`` or a crash. A note is made from an id and parameters
(``notes.note("channels.Ads.cac_direct", "no_new_customer.channel", channel="Ads")``): the id
names an English template of :data:`NOTE_TEXTS`, whose text, filled with the parameters, is
the note's ``reason`` in ``kpis.json``; the report translates the same template through the
catalogue and fills it with the same parameters, so no French is rebuilt from English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: The reason of each note, in English, by note id. The id starts with the note's ``code``
#: (``no_new_customer.channel`` has the code ``no_new_customer``); placeholders are the note's
#: parameters (``months`` and ``columns`` are lists, ``as_of`` a day, counts are integers).
NOTE_TEXTS: dict[str, str] = {
    "no_new_customer": "no new customer (paid 'new' deal) in the period",
    "no_new_customer.channel": "channel {channel} has spend but no new customer in the period",
    "no_new_customer.segment": "segment {segment} has spend but no new customer in the period",
    "no_new_customer.month": "no new customer signed in the month: {months}",
    "no_new_customer.grouped": "{count:,} of the grouped channels have spend but no new customer "
                               "in the period",
    "no_touchpoints": "attribution_model needs a touchpoints table; every customer keeps the "
                      "channel of its acquiring deal",
    "no_spend_data": "no spend data at all",
    "no_spend_data.before": "no spend data before {day}",
    "no_spend_data.after": "no spend data after {day}",
    "no_spend": "no spend line in the period: the CAC of 0.00 only means that no cost was "
                "recorded",
    "no_mrr": "the acquiring deals carry no MRR",
    "no_mrr.segment": "the acquiring deals of segment {segment} carry no MRR",
    "missing_parameter": "set gross_margin and lifetime_months or monthly_churn",
    "no_key": "the allocation key ({allocation}) is zero for every channel, so pooled costs "
              "cannot be split",
    "no_key.segment": "the allocation key ({allocation}) is zero for every segment, so pooled "
                      "costs cannot be split",
    "undefined": "LTV or CAC is undefined",
    "undefined.intervals": "LTV is undefined, so it has no interval",
    "no_margin": "no monthly gross margin per customer",
    "no_leads": "the folder has no leads table",
    "no_leads.cohorts": "the folder has no leads table: lead cohorts, conversions and "
                        "lag-aware CACs are undefined",
    "untracked_stage": "the leads table has no {columns} at all",
    "zero_denominator": "no lead reached the previous stage in the period's cohort "
                        "({denominator} = 0)",
    "no_opportunity": "no opportunity with a value in the period's cohort",
    "no_won_lead": "no won lead in the period's cohort",
    "cohort_incomplete": "leads not yet all observed for {days} days (data end {as_of}): "
                         "{months}",
    "cohort_incomplete.period": "no month of the period is observed for {days} days yet "
                                "(data end {as_of})",
    "no_lead": "no lead created in the month: {months}",
    "no_lead.period": "no lead created in the period's complete months",
    "no_customer": "no lead of the month won within {days} days: {months}",
    "no_customer.period": "no lead of the period's complete months won within {days} days",
    "no_revenue": "no revenue table: retention is not measured and LTV needs lifetime_months "
                  "or monthly_churn",
    "no_churn": "no account of the revenue table churned: the lifetime cannot be fitted",
    "no_churn.sbg": "no account churned: the sBG cannot be fitted",
    "not_measured.no_month": "the period contains no whole calendar month",
    "not_measured.not_covered": "the revenue table ({first}..{last}) does not cover the "
                                "period's months with the month before each",
    "not_measured.no_account_before": "no account had MRR in the months before",
    "not_measured.no_mrr_before": "no MRR in the months before",
    "not_measured.no_base": "the revenue table ({first}..{last}) does not hold both {base} "
                            "and {month}",
    "not_measured.no_base_mrr": "no account had MRR in {base}",
    "partial": "churn is measured over {covered} of the period's {months} months; the revenue "
               "table does not cover {left_out} with the month before",
    "partial.intervals": "{left_out} of {samples} bootstrap samples had an undefined ratio and "
                         "were left out",
    "no_bootstrap": "bootstrap_samples is 0",
}

#: Words a note's list parameters are joined with (``columns``: "mql_date or sql_date").
NOTE_JOINERS = {"columns": " or ", "months": ", ", "left_out": ", "}


def note_values(params: Mapping[str, object]) -> dict[str, object]:
    """A note's parameters as its English reason writes them: lists joined, the rest as is
    (a template may format a number itself, ``{count:,}``)."""
    return {name: (NOTE_JOINERS.get(name, ", ").join(str(v) for v in value)
                   if isinstance(value, list | tuple) else value)
            for name, value in params.items()}


#: ``code`` of each note id, made once: ``no_new_customer.channel`` -> ``no_new_customer``.
_CODES = {note_id: note_id.split(".", 1)[0] for note_id in NOTE_TEXTS}


def _code(note_id: str) -> str:
    """The ``code`` of a note id: its text up to the first dot (one shared string per id)."""
    return _CODES.get(note_id) or note_id.split(".", 1)[0]


class Note(dict):
    """One note, as ``kpis.json`` writes it: ``{"key", "code", "reason"}`` (English), plus
    the id and the parameters it was made from (:attr:`id`, :attr:`params`), kept in memory
    for the report's translation and never written to the KPI file.

    Slots rather than an attribute dictionary, and one ``code`` string per id: a client with
    a million channels has a million notes (a third less memory each)."""

    __slots__ = ("id", "params")

    def __init__(self, key: str, note_id: str, params: Mapping[str, object] | None = None
                 ) -> None:
        params = dict(params or {})
        super().__init__(key=key, code=_code(note_id),
                         reason=NOTE_TEXTS[note_id].format(**note_values(params)))
        self.id = note_id
        self.params = params

    def moved(self, key: str) -> Note:
        """The same note under another key (``previous.cac.global``)."""
        return Note(key, self.id, self.params)


@dataclass
class Notes:
    """Why some figures are missing: the notes of one computation, in order."""

    items: list[Note] = field(default_factory=list)

    def note(self, key: str, note_id: str, **params: object) -> None:
        """Record that the figure ``key`` is missing for the reason ``note_id`` of
        :data:`NOTE_TEXTS`, filled with ``params``."""
        self.items.append(Note(key, note_id, params))
