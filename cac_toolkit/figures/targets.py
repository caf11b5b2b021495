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

from cac_toolkit.figures.formulas import margin_to_cac_multiple

#: Indicative CAC ranges per sector, in EUR (low, high); ``None`` means open-ended.
SECTOR_CAC_RANGES: dict[str, tuple[float | None, float | None]] = {
    "saas": (800.0, 2500.0),
    "services": (500.0, 1500.0),
    "industry": (2000.0, None),
    "retail": (200.0, 700.0),
}

SECTOR_NAMES = {
    "saas": {"en": "B2B SaaS", "fr": "SaaS B2B"},
    "services": {"en": "Professional services", "fr": "Services professionnels"},
    "industry": {"en": "B2B industry", "fr": "Industrie B2B"},
    "retail": {"en": "B2B retail", "fr": "Retail B2B"},
}

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
    name_fr: str
    formula: str
    unit: str  # "count", "ratio", "money", "days"
    target_min: float | None = None
    target_max: float | None = None
    advice_en: str = ""
    advice_fr: str = ""

    def name(self, lang: str = "en") -> str:
        return self.name_fr if lang == "fr" else self.name_en

    def advice(self, lang: str = "en") -> str:
        return self.advice_fr if lang == "fr" else self.advice_en


TEN_KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("qualified_leads", "Qualified leads", "Volume de leads qualifiés",
                  "leads with an MQL date in the period", "count",
                  advice_en="Follow the trend and split it by source, offer and target.",
                  advice_fr="Suivre la tendance, par source, offre et cible."),
    KpiDefinition("lead_to_meeting", "Lead to meeting rate", "Taux de leads convertis en RDV",
                  "leads with a meeting / qualified leads contacted", "ratio",
                  advice_en="Qualify upstream; compare reps to spread what works.",
                  advice_fr="Mieux qualifier en amont ; comparer les prospecteurs."),
    KpiDefinition("meeting_to_opportunity", "Meeting to opportunity rate",
                  "Taux de RDV convertis en opportunités",
                  "leads with an opportunity / leads with a meeting", "ratio", 0.40, 0.50,
                  "Aim for 40-50 % at least; a low rate points at targeting or offer fit.",
                  "Viser 40 à 50 % minimum ; un taux faible signale un problème de ciblage."),
    KpiDefinition("avg_opportunity_value", "Average opportunity value",
                  "Valeur moyenne des opportunités",
                  "sum of opportunity values / number of opportunities", "money",
                  advice_en="Raise it by aiming at larger accounts and the right decision level.",
                  advice_fr="L'augmenter en visant des comptes à plus fort potentiel."),
    KpiDefinition("opportunity_to_win", "Opportunity to win rate",
                  "Taux de conversion opportunité en vente",
                  "won deals / qualified opportunities", "ratio", 0.20, 0.30,
                  "Aim for 20-30 % at least, depending on sector and offer complexity.",
                  "Viser 20 à 30 % minimum selon le secteur et la complexité de l'offre."),
    KpiDefinition("sales_cycle_days", "Average sales cycle", "Durée moyenne du cycle de vente",
                  "sum of (won date - opportunity date) / won deals", "days",
                  advice_en="Compare with your sector; set CRM alerts on ageing opportunities.",
                  advice_fr="Comparer au secteur ; alertes CRM sur l'âge des opportunités."),
    KpiDefinition("cac", "Customer acquisition cost", "Coût d'acquisition par nouveau client",
                  "total sales and marketing cost / new customers won", "money",
                  advice_en="Keep it 3 to 5 times below the gross margin per new customer.",
                  advice_fr="Le garder 3 à 5 fois inférieur à la marge brute par nouveau client."),
    KpiDefinition("new_revenue", "New revenue", "Chiffre d'affaires additionnel",
                  "revenue of sales to new customers in the period", "money",
                  advice_en="Track seasonality and its weight in total revenue.",
                  advice_fr="Suivre la saisonnalité et son poids dans le CA total."),
    KpiDefinition("quote_conversion", "Quote conversion rate", "Taux de transformation des devis",
                  "accepted quotes / quotes issued", "ratio", 0.25, 0.30,
                  "Aim for 25-30 % at least; a low rate points at pricing or targeting.",
                  "Viser au moins 25 à 30 % ; un taux faible interroge le pricing."),
    KpiDefinition("clv", "Customer lifetime value", "Customer Lifetime Value",
                  "average yearly gross margin x average lifetime in years", "money",
                  advice_en="A high CLV justifies investing in acquisition.",
                  advice_fr="Une CLV élevée justifie d'investir dans la conquête."),
)

KPI_BY_KEY = {k.key: k for k in TEN_KPIS}


@dataclass(frozen=True)
class Verdict:
    """An assessment: ``status`` is ``good``, ``watch``, ``bad`` or ``unknown``."""

    status: str
    reason_en: str
    reason_fr: str
    data: dict = field(default_factory=dict)

    def reason(self, lang: str = "en") -> str:
        return self.reason_fr if lang == "fr" else self.reason_en

    def __str__(self) -> str:
        return f"{self.status}: {self.reason_en}"


def _missing(what_en: str, what_fr: str) -> Verdict:
    return Verdict("unknown", f"{what_en} is undefined", f"{what_fr} non défini")


def assess_ltv_cac(ratio: float | None) -> Verdict:
    """Read an LTV/CAC ratio: < 2 fragile (bad), 2 to 3 below target (watch), 3 and more good.

    Above :data:`LTV_CAC_STRONG` (5) the reason says "very favourable": the CAC article calls
    10:1 "very favourable" and rates a pivot that keeps LTV/CAC above 5 as profitable.
    """
    if ratio is None or pd.isna(ratio):
        return _missing("LTV/CAC", "LTV/CAC")
    r = float(ratio)
    if r < LTV_CAC_FRAGILE:
        return Verdict("bad", f"LTV/CAC {r:.2f} is below 2: profitability is fragile",
                       f"LTV/CAC {r:.2f} sous 2 : rentabilité fragile", {"ratio": r})
    if r < LTV_CAC_HEALTHY:
        return Verdict("watch", f"LTV/CAC {r:.2f} is between 2 and 3: below the usual 3+ target",
                       f"LTV/CAC {r:.2f} entre 2 et 3 : sous le repère de 3", {"ratio": r})
    if r <= LTV_CAC_STRONG:
        return Verdict("good", f"LTV/CAC {r:.2f} is 3 or more: acquisition pays",
                       f"LTV/CAC {r:.2f} d'au moins 3 : acquisition rentable", {"ratio": r})
    return Verdict("good", f"LTV/CAC {r:.2f} is above 5: acquisition pays very well",
                   f"LTV/CAC {r:.2f} au-dessus de 5 : acquisition très rentable", {"ratio": r})


def assess_payback(months: float | None) -> Verdict:
    """Read a CAC payback in months: at most 12 is healthy for B2B SaaS."""
    if months is None or pd.isna(months):
        return _missing("Payback", "Payback")
    m = float(months)
    shown = payback_text(m)
    if m <= PAYBACK_MAX_MONTHS:
        return Verdict("good", f"payback of {shown} months is within 12 months",
                       f"payback de {shown.replace('.', ',')} mois, dans les 12 mois",
                       {"months": m})
    return Verdict("bad", f"payback of {shown} months exceeds 12 months",
                   f"payback de {shown.replace('.', ',')} mois, au-delà de 12 mois", {"months": m})


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
        return _missing("Margin/CAC", "Marge/CAC")
    if not cac_value:
        return _missing("Margin/CAC", "Marge/CAC")
    multiple = margin_to_cac_multiple(float(gross_margin_per_customer), float(cac_value))
    data = {"multiple": multiple}
    if multiple >= MARGIN_TO_CAC_MIN:
        return Verdict("good",
                       f"gross margin per customer is {multiple:.1f}x the CAC (target 3-5x)",
                       f"marge brute par client = {multiple:.1f} x le CAC (cible 3 à 5)", data)
    if multiple >= LTV_CAC_FRAGILE:
        return Verdict("watch", f"gross margin per customer is only {multiple:.1f}x the CAC",
                       f"marge brute par client = seulement {multiple:.1f} x le CAC", data)
    if multiple >= 1:
        return Verdict("bad", f"gross margin per customer is only {multiple:.1f}x the CAC: "
                       "fragile, below 2",
                       f"marge brute par client = seulement {multiple:.1f} x le CAC : fragile, "
                       "sous 2", data)
    return Verdict("bad", f"gross margin per customer ({multiple:.2f}x) does not cover the CAC",
                   f"la marge brute par client ({multiple:.2f} x) ne couvre pas le CAC", data)


def assess_sector(cac_value: float | None, sector: str) -> Verdict:
    """Place a CAC against the indicative range of its sector (not a norm, a landmark)."""
    if sector not in SECTOR_CAC_RANGES:
        raise ValueError(f"unknown sector {sector!r}; expected one of {sorted(SECTOR_CAC_RANGES)}")
    if cac_value is None or pd.isna(cac_value):
        return _missing("CAC", "CAC")
    low, high = SECTOR_CAC_RANGES[sector]
    name_en, name_fr = SECTOR_NAMES[sector]["en"], SECTOR_NAMES[sector]["fr"]
    c = float(cac_value)
    data = {"cac": c, "low": low, "high": high}
    if low is not None and c < low:
        return Verdict("good", f"CAC {c:,.0f} is below the usual {name_en} range",
                       f"CAC {c:,.0f} sous la fourchette habituelle {name_fr}", data)
    if high is not None and c > high:
        return Verdict("watch", f"CAC {c:,.0f} is above the usual {name_en} range",
                       f"CAC {c:,.0f} au-dessus de la fourchette habituelle {name_fr}", data)
    return Verdict("good", f"CAC {c:,.0f} is within the usual {name_en} range",
                   f"CAC {c:,.0f} dans la fourchette habituelle {name_fr}", data)


def assess_kpi(key: str, value: float | None) -> Verdict:
    """Compare one of the ten KPIs with its target minimum, where the article gives one."""
    kpi = KPI_BY_KEY[key]
    if value is None or pd.isna(value):
        return _missing(kpi.name_en, kpi.name_fr)
    if kpi.target_min is None:
        return Verdict("unknown", f"no numeric target: {kpi.advice_en}",
                       f"pas de cible chiffrée : {kpi.advice_fr}", {"value": float(value)})
    v = float(value)
    band = f"{kpi.target_min:.0%}-{kpi.target_max:.0%}"
    data = {"value": v, "min": kpi.target_min, "max": kpi.target_max}
    if v >= kpi.target_min:
        return Verdict("good", f"{v:.1%} meets the {band} target",
                       f"{v:.1%} atteint la cible {band}", data)
    return Verdict("bad", f"{v:.1%} is below the {band} target",
                   f"{v:.1%} sous la cible {band}", data)
