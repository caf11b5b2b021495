"""Target ranges, thresholds and sector ranges from the source articles, and verdicts on them.

Two sources: the ten B2B acquisition KPIs (target rates for meeting-to-opportunity, win and
quote conversion; CAC 3 to 5 times below the gross margin per new customer) and the CAC
article (LTV/CAC below 2 fragile, 3 and above healthy, above 5 very favourable, as the article
reads its 10:1 example and its enterprise pivot "above 5: profitable"; the margin-to-CAC multiple
of the KPI article agrees: 3 times or more is good;
payback at most 12 months; sector CAC ranges, indicative only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cac_toolkit.core.catalogue import translate
from cac_toolkit.core.money import format_number, format_percent
from cac_toolkit.figures.formulas import margin_to_cac_multiple

#: Indicative CAC ranges per sector, in EUR (low, high); ``None`` means open-ended.
SECTOR_CAC_RANGES: dict[str, tuple[float | None, float | None]] = {
    "saas": (800.0, 2500.0),
    "services": (500.0, 1500.0),
    "industry": (2000.0, None),
    "retail": (200.0, 700.0),
}

#: The sectors' names, in English (translated by the catalogue: :func:`sector_name`).
SECTOR_NAMES = {
    "saas": "B2B SaaS",
    "services": "Professional services",
    "industry": "B2B industry",
    "retail": "B2B retail",
}


def sector_name(sector: str, lang: str = "en") -> str:
    """The name of ``sector`` (a key of :data:`SECTOR_CAC_RANGES`) in ``lang``."""
    return translate(SECTOR_NAMES[sector], lang)

LTV_CAC_FRAGILE = 2.0
LTV_CAC_HEALTHY = 3.0
LTV_CAC_STRONG = 5.0
PAYBACK_MAX_MONTHS = 12.0
MARGIN_TO_CAC_MIN = 3.0
MARGIN_TO_CAC_IDEAL = 5.0


@dataclass(frozen=True)
class KpiDefinition:
    """One of the ten B2B acquisition KPIs: names, formula and target."""

    key: str
    name_en: str
    formula: str
    unit: str  # "count", "ratio", "money", "days"
    target_min: float | None = None
    target_max: float | None = None
    advice_en: str = ""

    def name(self, lang: str = "en") -> str:
        """The KPI's name in ``lang`` (the English name, translated by the catalogue)."""
        return translate(self.name_en, lang)

    def advice(self, lang: str = "en") -> str:
        """The article's advice in ``lang``."""
        return translate(self.advice_en, lang) if self.advice_en else ""

    @property
    def name_fr(self) -> str:
        """The French name a French reader looks for."""
        return self.name("fr")


TEN_KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("qualified_leads", "Qualified leads",
                  "leads with an MQL date in the period", "count",
                  advice_en="Follow the trend and split it by source, offer and target."),
    KpiDefinition("lead_to_meeting", "Lead to meeting rate",
                  "leads with a meeting / qualified leads contacted", "ratio",
                  advice_en="Qualify upstream; compare reps to spread what works."),
    KpiDefinition("meeting_to_opportunity", "Meeting to opportunity rate",
                  "leads with an opportunity / leads with a meeting", "ratio", 0.40, 0.50,
                  "Aim for 40-50 % at least; a low rate points at targeting or offer fit."),
    KpiDefinition("avg_opportunity_value", "Average opportunity value",
                  "sum of opportunity values / number of opportunities", "money",
                  advice_en="Raise it by aiming at larger accounts and the right decision level."),
    KpiDefinition("opportunity_to_win", "Opportunity to win rate",
                  "won deals / qualified opportunities", "ratio", 0.20, 0.30,
                  "Aim for 20-30 % at least, depending on sector and offer complexity."),
    KpiDefinition("sales_cycle_days", "Average sales cycle",
                  "sum of (won date - opportunity date) / won deals", "days",
                  advice_en="Compare with your sector; set CRM alerts on ageing opportunities."),
    KpiDefinition("cac", "Customer acquisition cost",
                  "total sales and marketing cost / new customers won", "money",
                  advice_en="Keep it 3 to 5 times below the gross margin per new customer."),
    KpiDefinition("new_revenue", "New revenue",
                  "revenue of sales to new customers in the period", "money",
                  advice_en="Track seasonality and its weight in total revenue."),
    KpiDefinition("quote_conversion", "Quote conversion rate",
                  "accepted quotes / quotes issued", "ratio", 0.25, 0.30,
                  "Aim for 25-30 % at least; a low rate points at pricing or targeting."),
    KpiDefinition("clv", "Customer lifetime value",
                  "average yearly gross margin x average lifetime in years", "money",
                  advice_en="A high CLV justifies investing in acquisition."),
)

KPI_BY_KEY = {k.key: k for k in TEN_KPIS}


#: The reason of each verdict, in English (translated by the catalogue), by verdict id.
#: Placeholders are filled from the verdict's ``data`` in the reader's number format
#: (:func:`Verdict.reason`): ``ratio`` 2 decimals, ``multiple`` 1 (2 for ``cover``),
#: ``months`` as :func:`payback_text`, ``cac`` without decimals, ``value`` a percentage to one
#: decimal, ``low``/``high`` percentages, ``sector`` and ``what`` names, ``advice`` a KPI's advice.
VERDICT_TEXTS: dict[str, str] = {
    "missing": "{what} is undefined",
    "ltv_cac.fragile": "LTV/CAC {ratio} is below 2: profitability is fragile",
    "ltv_cac.watch": "LTV/CAC {ratio} is between 2 and 3: below the usual 3+ target",
    "ltv_cac.good": "LTV/CAC {ratio} is 3 or more: acquisition pays",
    "ltv_cac.strong": "LTV/CAC {ratio} is above 5: acquisition pays very well",
    "payback.good": "payback of {months} months is within 12 months",
    "payback.bad": "payback of {months} months exceeds 12 months",
    "margin.good": "gross margin per customer is {multiple}x the CAC (target 3-5x)",
    "margin.watch": "gross margin per customer is only {multiple}x the CAC",
    "margin.fragile": "gross margin per customer is only {multiple}x the CAC: fragile, below 2",
    "margin.cover": "gross margin per customer ({multiple}x) does not cover the CAC",
    "sector.below": "CAC {cac} is below the usual {sector} range",
    "sector.above": "CAC {cac} is above the usual {sector} range",
    "sector.within": "CAC {cac} is within the usual {sector} range",
    "kpi.advice": "no numeric target: {advice}",
    "kpi.good": "{value} meets the {low}-{high} target",
    "kpi.bad": "{value} is below the {low}-{high} target",
}

#: Names the ``missing`` verdict gives an undefined figure (KPI names come from :data:`TEN_KPIS`).
VERDICT_NAMES = ("LTV/CAC", "Payback", "Margin/CAC", "CAC")


@dataclass(frozen=True)
class Verdict:
    """An assessment: ``status`` is ``good``, ``watch``, ``bad`` or ``unknown``; ``id`` names its
    reason in :data:`VERDICT_TEXTS` and ``data`` holds the figures the reason quotes."""

    status: str
    id: str
    data: dict = field(default_factory=dict)

    def reason(self, lang: str = "en") -> str:
        """The reason in ``lang``, its numbers in the reader's format (``2,80`` in French)."""
        values = {name: _shown(name, value, self.id, lang) for name, value in self.data.items()}
        return translate(VERDICT_TEXTS[self.id], lang).format(**values)

    @property
    def reason_en(self) -> str:
        """The reason in English."""
        return self.reason("en")

    def __str__(self) -> str:
        return f"{self.status}: {self.reason_en}"


def _shown(name: str, value: object, verdict_id: str, lang: str) -> str:
    """A figure of a verdict's ``data`` as its reason writes it (see :data:`VERDICT_TEXTS`)."""
    if name in ("what", "advice"):
        return translate(str(value), lang)
    if name == "sector":
        return sector_name(str(value), lang)
    if value is None:
        return ""
    number = float(value)  # type: ignore[arg-type]
    if name == "ratio":
        return format_number(number, 2, lang)
    if name == "multiple":
        return format_number(number, 2 if verdict_id == "margin.cover" else 1, lang)
    if name == "months":
        shown = payback_text(number)
        return format_number(number, len(shown.split(".")[1]), lang)
    if name == "cac":
        return format_number(number, 0, lang)
    if name == "value":
        return format_percent(number, 1, lang)
    return format_percent(number, 0, lang)  # low, high: a target band


def _missing(what: str) -> Verdict:
    return Verdict("unknown", "missing", {"what": what})


def assess_ltv_cac(ratio: float | None) -> Verdict:
    """Read an LTV/CAC ratio: < 2 fragile (bad), 2 to 3 below target (watch), 3 and more good.

    Above :data:`LTV_CAC_STRONG` (5) the reason says "very favourable": the CAC article calls
    10:1 "very favourable" and rates a pivot that keeps LTV/CAC above 5 as profitable.
    """
    if ratio is None or pd.isna(ratio):
        return _missing("LTV/CAC")
    r = float(ratio)
    if r < LTV_CAC_FRAGILE:
        return Verdict("bad", "ltv_cac.fragile", {"ratio": r})
    if r < LTV_CAC_HEALTHY:
        return Verdict("watch", "ltv_cac.watch", {"ratio": r})
    if r <= LTV_CAC_STRONG:
        return Verdict("good", "ltv_cac.good", {"ratio": r})
    return Verdict("good", "ltv_cac.strong", {"ratio": r})


def assess_payback(months: float | None) -> Verdict:
    """Read a CAC payback in months: at most 12 is healthy for B2B SaaS."""
    if months is None or pd.isna(months):
        return _missing("Payback")
    m = float(months)
    return Verdict("good" if m <= PAYBACK_MAX_MONTHS else "bad",
                   "payback.good" if m <= PAYBACK_MAX_MONTHS else "payback.bad", {"months": m})


def payback_text(months: float) -> str:
    """``10.7``: a payback in months to one decimal, or with as many decimals as it takes (up
    to 4) not to print "12.0" for a payback just above or below the 12-month limit."""
    for digits in (1, 2, 3, 4):
        text = f"{months:.{digits}f}"
        if (float(text) == PAYBACK_MAX_MONTHS) == (months == PAYBACK_MAX_MONTHS):
            return text
    return f"{months:.4f}"


def assess_cac_vs_margin(
    cac_value: float | None, gross_margin_per_customer: float | None
) -> Verdict:
    """CAC against the gross margin a new customer brings: it should fit 3 to 5 times in it.

    The multiple (margin per customer / CAC) is LTV/CAC when the margin is taken over the
    customer's life, so it is read with the same bands as :func:`assess_ltv_cac`: 3 times or
    more good, 2 to 3 watch, below 2 bad (fragile; below 1 the margin does not even cover the
    CAC). One set of verdicts for one number.
    """
    if cac_value is None or gross_margin_per_customer is None or pd.isna(cac_value):
        return _missing("Margin/CAC")
    if not cac_value:
        return _missing("Margin/CAC")
    multiple = margin_to_cac_multiple(float(gross_margin_per_customer), float(cac_value))
    data = {"multiple": multiple}
    if multiple >= MARGIN_TO_CAC_MIN:
        return Verdict("good", "margin.good", data)
    if multiple >= LTV_CAC_FRAGILE:
        return Verdict("watch", "margin.watch", data)
    return Verdict("bad", "margin.fragile" if multiple >= 1 else "margin.cover", data)


def assess_sector(cac_value: float | None, sector: str) -> Verdict:
    """Place a CAC against the indicative range of its sector (not a norm, a landmark)."""
    if sector not in SECTOR_CAC_RANGES:
        raise ValueError(f"unknown sector {sector!r}; expected one of {sorted(SECTOR_CAC_RANGES)}")
    if cac_value is None or pd.isna(cac_value):
        return _missing("CAC")
    low, high = SECTOR_CAC_RANGES[sector]
    c = float(cac_value)
    data = {"cac": c, "sector": sector}
    if low is not None and c < low:
        return Verdict("good", "sector.below", data)
    if high is not None and c > high:
        return Verdict("watch", "sector.above", data)
    return Verdict("good", "sector.within", data)


def assess_kpi(key: str, value: float | None) -> Verdict:
    """Compare one of the ten KPIs with its target minimum, where the article gives one."""
    kpi = KPI_BY_KEY[key]
    if value is None or pd.isna(value):
        return _missing(kpi.name_en)
    if kpi.target_min is None:
        return Verdict("unknown", "kpi.advice", {"advice": kpi.advice_en})
    v = float(value)
    data = {"value": v, "low": kpi.target_min, "high": kpi.target_max}
    return Verdict("good" if v >= kpi.target_min else "bad",
                   "kpi.good" if v >= kpi.target_min else "kpi.bad", data)
