"""Every label of the audit report and of the charts, in English and French.

One flat dictionary ``LABELS``: key -> ``{"en": ..., "fr": ...}``. :func:`t` looks a key up
and fills ``{placeholders}`` with ``str.format``; an unknown key raises ``KeyError`` (a
missing translation is a bug to fix, not a silent English fallback). Notes of the KPI file
(``kpis["notes"]``) carry an English reason and a ``code``; :func:`note_reason` rewrites the
reason in the reader's language from the code and the note's key.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("en", "fr")

LABELS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ generic words
    "channel": {"en": "Channel", "fr": "Canal"},
    "value": {"en": "Value", "fr": "Valeur"},
    "target": {"en": "Target", "fr": "Cible"},
    "status": {"en": "Status", "fr": "Statut"},
    "kpi": {"en": "KPI", "fr": "Indicateur"},
    "period": {"en": "Period", "fr": "Période"},
    "previous_period": {"en": "Previous period", "fr": "Période précédente"},
    "this_period": {"en": "Audited period", "fr": "Période auditée"},
    "change": {"en": "Change", "fr": "Évolution"},
    "month": {"en": "Month", "fr": "Mois"},
    "months": {"en": "months", "fr": "mois"},
    "days": {"en": "days", "fr": "jours"},
    "customers": {"en": "customers", "fr": "clients"},
    "share": {"en": "Share", "fr": "Part"},
    "count": {"en": "Count", "fr": "Nombre"},
    "reason": {"en": "Reason", "fr": "Raison"},
    "figure": {"en": "Figure", "fr": "Indicateur"},
    "reading": {"en": "Reading", "fr": "Lecture"},
    "none": {"en": "none", "fr": "aucun"},
    "from_to": {"en": "{start} to {end}", "fr": "du {start} au {end}"},
    # statuses of targets.Verdict and of warning signals
    "status.good": {"en": "good", "fr": "bon"},
    "status.watch": {"en": "watch", "fr": "à surveiller"},
    "status.bad": {"en": "alert", "fr": "alerte"},
    "status.unknown": {"en": "n/a", "fr": "n.d."},
    # ------------------------------------------------------------------ metrics
    "metric.cac_global": {"en": "Global CAC", "fr": "CAC global"},
    "metric.cac_marketing": {"en": "Marketing CAC", "fr": "CAC marketing"},
    "metric.cac_sales": {"en": "Sales CAC", "fr": "CAC commercial"},
    "metric.cac_direct": {"en": "Direct CAC", "fr": "CAC direct"},
    "metric.cac_fully_loaded": {"en": "Fully loaded CAC", "fr": "CAC complet"},
    "metric.spend_direct": {"en": "Direct spend", "fr": "Dépenses directes"},
    "metric.shared_allocated": {"en": "Pooled costs allocated", "fr": "Coûts mutualisés alloués"},
    "metric.new_customers": {"en": "New customers", "fr": "Nouveaux clients"},
    "metric.arpa_mrr": {"en": "ARPA (MRR)", "fr": "Panier moyen (MRR)"},
    "metric.ltv": {"en": "LTV", "fr": "LTV"},
    "metric.ltv_cac": {"en": "LTV/CAC", "fr": "LTV/CAC"},
    "metric.payback_months": {"en": "Payback (months)", "fr": "Payback (mois)"},
    "metric.spend_total": {"en": "Acquisition spend", "fr": "Dépenses d'acquisition"},
    "metric.spend_marketing": {"en": "Marketing spend", "fr": "Dépenses marketing"},
    "metric.spend_sales": {"en": "Sales spend", "fr": "Dépenses commerciales"},
    "metric.spend_shared": {"en": "Pooled (shared) spend", "fr": "Dépenses mutualisées"},
    "metric.new_revenue_first_year": {"en": "New revenue (first year)",
                                      "fr": "CA additionnel (première année)"},
    "metric.new_revenue_mrr": {"en": "New MRR", "fr": "Nouveau MRR"},
    "metric.budget_share": {"en": "Budget share", "fr": "Part du budget"},
    "metric.revenue_share": {"en": "Revenue share", "fr": "Part du CA"},
    "metric.conversion_delay_days": {"en": "Median conversion delay (days)",
                                     "fr": "Délai médian de conversion (jours)"},
    "metric.sales_cycle_days": {"en": "Median sales cycle (days)",
                                "fr": "Cycle de vente médian (jours)"},
    "metric.mql_to_sql": {"en": "MQL → SQL", "fr": "MQL → SQL"},
    "metric.sql_to_opportunity": {"en": "SQL → opportunity", "fr": "SQL → opportunité"},
    "metric.opportunity_to_win": {"en": "Opportunity → win", "fr": "Opportunité → vente"},
    "metric.lead_to_meeting": {"en": "Lead → meeting", "fr": "Lead → RDV"},
    "metric.meeting_to_opportunity": {"en": "Meeting → opportunity", "fr": "RDV → opportunité"},
    "metric.quote_conversion": {"en": "Quote conversion", "fr": "Transformation des devis"},
    "metric.credits": {"en": "Customers credited", "fr": "Clients attribués"},
    "metric.cumulative_margin": {"en": "Cumulative gross margin",
                                 "fr": "Marge brute cumulée"},
    # ------------------------------------------------------------------ funnel stages
    "stage.leads": {"en": "Leads", "fr": "Leads"},
    "stage.qualified_leads": {"en": "MQL", "fr": "MQL"},
    "stage.sqls": {"en": "SQL", "fr": "SQL"},
    "stage.meetings": {"en": "Meetings", "fr": "RDV"},
    "stage.opportunities": {"en": "Opportunities", "fr": "Opportunités"},
    "stage.quotes": {"en": "Quotes", "fr": "Devis"},
    "stage.won": {"en": "Won", "fr": "Gagnés"},
    # ------------------------------------------------------------------ attribution models
    "model.deal": {"en": "Deal channel", "fr": "Canal du deal"},
    "model.first_touch": {"en": "First touch", "fr": "Premier contact"},
    "model.last_touch": {"en": "Last touch", "fr": "Dernier contact"},
    "model.linear": {"en": "Linear", "fr": "Linéaire"},
    "model.time_decay": {"en": "Time decay", "fr": "Décroissance temporelle"},
    "model.position_based": {"en": "Position based (40/20/40)",
                             "fr": "En U (40/20/40)"},
    "model.markov": {"en": "Markov chain", "fr": "Chaîne de Markov"},
    "model.shapley": {"en": "Shapley value", "fr": "Valeur de Shapley"},
    # ------------------------------------------------------------------ allocation keys
    "allocation.new_customers": {"en": "share of new customers",
                                 "fr": "part des nouveaux clients"},
    "allocation.opportunities": {"en": "share of opportunities created",
                                 "fr": "part des opportunités créées"},
    "allocation.pipeline": {"en": "share of pipeline value", "fr": "part de la valeur du pipeline"},
    # ------------------------------------------------------------------ chart titles and axes
    "chart.cac_by_channel": {"en": "CAC by channel: direct vs fully loaded",
                             "fr": "CAC par canal : direct et complet"},
    "chart.cac_axis": {"en": "CAC per new customer", "fr": "CAC par nouveau client"},
    "chart.sector_band": {"en": "Usual range, {sector} ({low} – {high})",
                          "fr": "Fourchette habituelle, {sector} ({low} – {high})"},
    "chart.sector_band_open": {"en": "Usual range, {sector} (above {low})",
                               "fr": "Fourchette habituelle, {sector} (plus de {low})"},
    "chart.global_line": {"en": "Global CAC {value}", "fr": "CAC global {value}"},
    "chart.no_customer": {"en": "no new\ncustomer", "fr": "aucun\nclient"},
    "chart.funnel": {"en": "Funnel of the period's leads",
                     "fr": "Entonnoir des leads de la période"},
    "chart.funnel_rate": {"en": "{rate} of previous stage", "fr": "{rate} de l'étape précédente"},
    "chart.funnel_count": {"en": "Leads", "fr": "Leads"},
    "chart.payback": {"en": "CAC payback: cumulative gross margin of one customer",
                      "fr": "Payback du CAC : marge brute cumulée d'un client"},
    "chart.payback_at": {"en": "paid back in {months} months",
                         "fr": "remboursé en {months} mois"},
    "chart.payback_never": {"en": "not paid back within {months} months",
                            "fr": "non remboursé en {months} mois"},
    "chart.cac_line": {"en": "CAC {value}", "fr": "CAC {value}"},
    "chart.trend": {"en": "Trend over the last periods",
                    "fr": "Évolution sur les dernières périodes"},
    "chart.trend_index": {"en": "Index (first period = 100)",
                          "fr": "Indice (première période = 100)"},
    "chart.budget_vs_revenue": {"en": "Budget share vs revenue share by channel",
                                "fr": "Part du budget et part du CA par canal"},
    "chart.kpi_targets": {"en": "Conversion rates against their targets",
                          "fr": "Taux de conversion et leurs cibles"},
    "chart.target_band": {"en": "target band", "fr": "zone cible"},
    "chart.no_target": {"en": "no numeric target", "fr": "pas de cible chiffrée"},
    "chart.attribution": {"en": "New customers credited to each channel, by attribution model",
                          "fr": "Nouveaux clients attribués à chaque canal, par modèle"},
    "chart.ltv_cac": {"en": "LTV/CAC ratio", "fr": "Ratio LTV/CAC"},
    "chart.ltv_cac_zone.fragile": {"en": "fragile", "fr": "fragile"},
    "chart.ltv_cac_zone.watch": {"en": "below target", "fr": "sous la cible"},
    "chart.ltv_cac_zone.healthy": {"en": "healthy", "fr": "sain"},
    "chart.ltv_cac_zone.under": {"en": "under-investing?", "fr": "sous-investissement ?"},
    "chart.undefined": {"en": "undefined", "fr": "non défini"},
    "chart.cohorts": {"en": "Cohorts", "fr": "Cohortes"},
}


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``fr``), with ``{placeholders}`` filled.

    >>> t("metric.cac_global", "fr")
    'CAC global'
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    text = LABELS[key][lang]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """Whether ``key`` has a label."""
    return key in LABELS


def label_or(key: str, fallback: str, lang: str = "en") -> str:
    """The label of ``key`` when there is one, else ``fallback`` (e.g. a client's own channel)."""
    return t(key, lang) if key in LABELS else fallback


def check_complete(labels: Mapping[str, Mapping[str, str]] = LABELS) -> list[str]:
    """Keys missing a language or with an empty text (the tests want an empty list)."""
    return [k for k, v in labels.items() if any(not v.get(lang) for lang in LANGS)]
