"""Every label of the audit report and of the charts, in English and French.

One flat dictionary ``LABELS``: key -> ``{"en": ..., "fr": ...}``. :func:`t` looks a key up
and fills ``{placeholders}`` with ``str.format``; an unknown key raises ``KeyError`` (a
missing translation is a bug to fix, not a silent English fallback). Notes of the KPI file
(``kpis["notes"]``) carry an English reason and a ``code``; :func:`note_reason` rewrites the
reason in the reader's language from the code and the note's key.
"""

from __future__ import annotations

from collections.abc import Mapping

from cac_toolkit.figures.formulas import FUNNEL_RATES

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
    "total": {"en": "Total", "fr": "Total"},
    "every.channels": {"en": "every channel", "fr": "tous les canaux"},
    "every.segments": {"en": "every segment", "fr": "tous les segments"},
    "figures.funnel": {"en": "Funnel KPIs", "fr": "Indicateurs de l'entonnoir"},
    "figures.cohorts": {"en": "Lead cohorts", "fr": "Cohortes de leads"},
    "figures.segments": {"en": "Segments", "fr": "Segments"},
    "figures.channels": {"en": "Channels", "fr": "Canaux"},
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
    "metric.cac_segment": {"en": "CAC (pooled costs allocated)", "fr": "CAC (coûts alloués)"},
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
    "chart.lifetime_end": {"en": "customer leaves (month {months})",
                           "fr": "départ du client (mois {months})"},
    "chart.leaves_before_payback": {
        "en": "the customer leaves at month {lifetime}, before payback (month {payback})",
        "fr": "le client part au mois {lifetime}, avant le remboursement (mois {payback})"},
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
    "chart.ltv_cac_zone.strong": {"en": "very favourable", "fr": "très favorable"},
    "chart.undefined": {"en": "undefined", "fr": "non défini"},
    "chart.cohorts": {"en": "Cohorts", "fr": "Cohortes"},
    "chart.cohort_conversion": {
        "en": "Share of each month's leads won within 30, 60 and 90 days",
        "fr": "Part des leads de chaque mois gagnés sous 30, 60 et 90 jours"},
    "chart.cohort_month": {"en": "Month of creation", "fr": "Mois de création"},
    "chart.horizon": {"en": "Won within", "fr": "Gagnés sous"},
    "chart.horizon_days": {"en": "{days} days", "fr": "{days} jours"},
    "cohort.conversion": {"en": "Cohort conversion within {days} days",
                          "fr": "Conversion des cohortes sous {days} jours"},
    "cohort.cac_lag": {"en": "Lag-aware CAC ({days} days)", "fr": "CAC décalé ({days} jours)"},
    "cohort.cac_month": {"en": "CAC of the month", "fr": "CAC du mois"},
    "cohort.leads": {"en": "Cohort leads ({days} days)", "fr": "Leads des cohortes ({days} jours)"},
    "cohort.won": {"en": "Cohort wins ({days} days)", "fr": "Gains des cohortes ({days} jours)"},
    "cohort.spend": {"en": "Cohort spend ({days} days)",
                     "fr": "Dépenses des cohortes ({days} jours)"},
    "cohort.cohorts": {"en": "Lead cohorts", "fr": "Cohortes de leads"},
    "cohort.period.conversion": {"en": "Conversion of the period's cohorts ({days} days)",
                                 "fr": "Conversion des cohortes de la période ({days} jours)"},
    "cohort.period.cac_lag": {"en": "Lag-aware CAC of the period ({days} days)",
                              "fr": "CAC décalé de la période ({days} jours)"},
    # ------------------------------------------------------------------ verdict readings
    "reading.undefined": {"en": "undefined: see the notes at the end",
                          "fr": "non défini : voir les notes en fin de rapport"},
    "reading.ltv_cac.fragile": {"en": "{ratio} is below 2: profitability is fragile",
                                "fr": "{ratio}, sous 2 : rentabilité fragile"},
    "reading.ltv_cac.watch": {"en": "{ratio} is between 2 and 3: below the usual target of 3",
                              "fr": "{ratio}, entre 2 et 3 : sous le repère de 3"},
    "reading.ltv_cac.good": {"en": "{ratio} is 3 or more: acquisition pays",
                             "fr": "{ratio}, au moins 3 : l'acquisition est rentable"},
    "reading.ltv_cac.strong": {"en": "{ratio} is above 5: acquisition pays very well",
                               "fr": "{ratio}, au-dessus de 5 : acquisition très rentable"},
    "reading.payback.good": {"en": "paid back in {months} months, within 12",
                             "fr": "remboursé en {months} mois, dans les 12 mois"},
    "reading.payback.bad": {"en": "{months} months to pay back, beyond 12",
                            "fr": "{months} mois pour rembourser, au-delà de 12 mois"},
    "reading.cac_margin.good": {
        "en": "the gross margin per customer is {multiple} times the CAC (target 3 to 5)",
        "fr": "la marge brute par client vaut {multiple} fois le CAC (cible 3 à 5)"},
    "reading.cac_margin.watch": {
        "en": "the gross margin per customer is only {multiple} times the CAC (target 3 to 5)",
        "fr": "la marge brute par client ne vaut que {multiple} fois le CAC (cible 3 à 5)"},
    "reading.cac_margin.bad": {
        "en": "the gross margin per customer is {multiple} times the CAC: fragile below 2, a "
              "loss below 1",
        "fr": "la marge brute par client vaut {multiple} fois le CAC : fragile sous 2, à perte "
              "sous 1"},
    "reading.target.good": {"en": "{value} reaches the {low} to {high} target",
                            "fr": "{value} atteint la cible de {low} à {high}"},
    "reading.target.bad": {"en": "{value} is below the {low} to {high} target",
                           "fr": "{value} sous la cible de {low} à {high}"},
    # ------------------------------------------------------------------ report sections
    "report.title": {"en": "Customer acquisition audit", "fr": "Audit de l'acquisition client"},
    "report.subtitle": {"en": "Period audited: {period} · compared with {previous}",
                        "fr": "Période auditée : {period} · comparée à {previous}"},
    "report.previous_days": {
        "en": "The comparison period is the {days} days just before the audited period, "
              "used everywhere in this report (summary, dashboard, trends, signals); it does "
              "not start on the first of a month (the parameter compare_to previous_calendar "
              "compares with the calendar period instead).",
        "fr": "La période de comparaison est celle des {days} jours qui précèdent la période "
              "auditée, utilisée partout dans ce rapport (synthèse, tableau de bord, "
              "tendances, signaux) ; elle ne commence pas un premier du mois (le paramètre "
              "compare_to previous_calendar compare plutôt à la période calendaire)."},
    "report.meta": {"en": "Currency {currency} · sector {sector} · pooled costs allocated by "
                          "{allocation} · attribution: {model} · run on {run_date}",
                    "fr": "Devise {currency} · secteur {sector} · coûts mutualisés alloués "
                          "selon la {allocation} · attribution : {model} · exécuté le {run_date}"},
    "section.summary": {"en": "Summary", "fr": "Synthèse"},
    "section.summary.intro": {
        "en": "The headline figures of the period, then what deserves attention.",
        "fr": "Les chiffres clés de la période, puis les points d'attention."},
    "section.key_figures": {"en": "Key figures", "fr": "Chiffres clés"},
    "section.dashboard": {"en": "Dashboard", "fr": "Tableau de bord"},
    "section.dashboard.intro": {
        "en": "The minimal acquisition dashboard: CAC over two periods and by channel, "
              "value of a customer against its cost, conversions, delays and the weight of "
              "each channel.",
        "fr": "Le tableau de bord minimal de l'acquisition : CAC sur deux périodes et par "
              "canal, valeur d'un client rapportée à son coût, conversions, délais et poids "
              "de chaque canal."},
    "section.channels": {"en": "CAC by channel", "fr": "CAC par canal"},
    "section.channels.intro": {
        "en": "Direct CAC counts only the costs booked on a channel; fully loaded CAC adds its "
              "share of pooled costs (brand, tools, management), allocated by {allocation}. "
              "The fully loaded figure is the one to compare with the value of a customer.",
        "fr": "Le CAC direct ne compte que les coûts imputés au canal ; le CAC complet y ajoute "
              "sa part des coûts mutualisés (marque, outils, encadrement), allouée selon la "
              "{allocation}. C'est le CAC complet qu'il faut comparer à la valeur d'un client."},
    "section.value": {"en": "Value of a customer against its cost",
                      "fr": "Valeur d'un client rapportée à son coût"},
    "section.value.intro": {
        "en": "LTV = ARPA × gross margin × lifetime; a ratio LTV/CAC of 3 or more and a payback "
              "within 12 months are the usual marks of a healthy acquisition.",
        "fr": "LTV = panier moyen × marge brute × durée de vie ; un ratio LTV/CAC d'au moins 3 "
              "et un payback de moins de 12 mois sont les repères d'une acquisition saine."},
    "section.funnel": {"en": "Funnel and the ten acquisition KPIs",
                       "fr": "Entonnoir et les dix KPI de conquête"},
    "section.funnel.intro": {
        "en": "Leads created in the period and the stages they reached; then the ten KPIs of "
              "B2B acquisition against the targets of the KPI article. “Won” counts the "
              "period's leads that became a won deal, whenever it was signed, while the new "
              "customers of the summary are the accounts whose first deal was signed in the "
              "period, whatever the date of their lead: the two counts differ.",
        "fr": "Les leads créés sur la période et les étapes atteintes ; puis les dix KPI de la "
              "conquête B2B face aux cibles de l'article. « Gagnés » compte les leads de la "
              "période devenus une affaire gagnée, quelle que soit la date de signature, alors "
              "que les nouveaux clients de la synthèse sont les comptes dont la première "
              "affaire a été signée sur la période, quelle que soit la date de leur lead : les "
              "deux nombres diffèrent."},
    "section.trends": {"en": "Trends", "fr": "Tendances"},
    "section.trends.intro": {
        "en": "The same figures over the last {n} periods. Rebased to 100, the lines show "
              "whether the CAC grows faster than the revenue of a new customer.",
        "fr": "Les mêmes indicateurs sur les {n} dernières périodes. En base 100, les courbes "
              "montrent si le CAC croît plus vite que le revenu d'un nouveau client."},
    "section.signals": {"en": "Warning signals", "fr": "Signaux d'alerte"},
    "section.signals.intro": {
        "en": "Three trends that announce an acquisition getting more expensive: a CAC rising "
              "faster than ARPA, a conversion delay that lengthens, reliance on one channel.",
        "fr": "Trois tendances qui annoncent une acquisition qui se renchérit : un CAC qui "
              "augmente plus vite que le panier moyen, un délai de conversion qui s'allonge, la "
              "dépendance à un canal."},
    "section.sector": {"en": "Position in the sector", "fr": "Position dans le secteur"},
    "section.sector.intro": {
        "en": "The global CAC of the period set against the indicative CAC range of the "
              "sector given by the source article (in euros), and the channels whose fully "
              "loaded CAC is above that range.",
        "fr": "Le CAC global de la période comparé à la fourchette indicative de CAC du "
              "secteur donnée par l'article source (en euros), et les canaux dont le CAC "
              "complet dépasse cette fourchette."},
    "section.attribution": {"en": "Attribution models side by side",
                            "fr": "Modèles d'attribution comparés"},
    "section.attribution.intro": {
        "en": "The same new customers credited to channels by each model. Where the models "
              "disagree, a channel's CAC depends on the reading chosen; the audit uses: {model}.",
        "fr": "Les mêmes nouveaux clients attribués aux canaux par chaque modèle. Là où les "
              "modèles divergent, le CAC d'un canal dépend de la lecture choisie ; l'audit "
              "retient : {model}."},
    "section.attribution.none": {
        "en": "No touchpoints table: every customer keeps the channel of its acquiring deal.",
        "fr": "Pas de table de points de contact : chaque client garde le canal de son deal "
              "d'acquisition."},
    "section.cohorts": {"en": "Lead cohorts", "fr": "Cohortes de leads"},
    "section.cohorts.intro": {
        "en": "B2B leads sign weeks after they arrive: each month's leads followed for 30, 60 and "
              "90 days. Blank cells are months not yet observed long enough.",
        "fr": "En B2B un lead signe des semaines après son arrivée : les leads de chaque mois "
              "suivis à 30, 60 et 90 jours. Les cases vides sont des mois pas encore observés "
              "assez longtemps."},
    "section.funnel.none": {"en": "No leads table: the funnel KPIs are undefined.",
                            "fr": "Pas de table de leads : les KPI de l'entonnoir ne sont pas "
                                  "définis."},
    "section.cohorts.none": {"en": "No leads table: no cohort to follow.",
                             "fr": "Pas de table de leads : aucune cohorte à suivre."},
    "section.segments": {"en": "CAC and value by segment", "fr": "CAC et valeur par segment"},
    "section.segments.intro": {
        "en": "Per segment of the new customers: the segment's direct spend plus its share of "
              "the pooled costs (split by the allocation key), divided by its new customers; "
              "ARPA, LTV and payback from the segment's own acquiring deals.",
        "fr": "Par segment des nouveaux clients : les dépenses directes du segment plus sa "
              "part des coûts mutualisés (répartis selon la clé d'allocation), divisées par "
              "ses nouveaux clients ; ARPA, LTV et payback tirés des affaires d'acquisition "
              "du segment."},
    "segments.pooled_only": {
        "en": "No segment has direct spend: each segment's CAC is only the pooled costs split "
              "by {allocation}, so it is the same for every segment and the differences in "
              "LTV/CAC come from ARPA alone, not from what each segment costs to acquire.",
        "fr": "Aucun segment n'a de dépense directe : le CAC de chaque segment n'est que la "
              "répartition des coûts mutualisés selon la {allocation} ; il est donc le même "
              "pour tous les segments et les écarts de LTV/CAC ne viennent que de l'ARPA, non "
              "du coût d'acquisition propre à chaque segment."},
    "section.notes": {"en": "Undefined figures and why",
                      "fr": "Indicateurs non définis et raisons"},
    "section.notes.intro": {
        "en": "A figure whose denominator is zero, or whose data cannot be observed yet, is "
              "not computed: it reads n/a in this report, and its reason is given here.",
        "fr": "Un indicateur dont le dénominateur est nul, ou dont les données ne sont pas "
              "encore observables, n'est pas calculé : il vaut n.d. dans ce rapport, et sa "
              "raison est donnée ici."},
    "section.notes.none": {"en": "Every figure of the period is defined.",
                           "fr": "Tous les indicateurs de la période sont définis."},
    "section.provenance": {"en": "Provenance", "fr": "Provenance"},
    "section.provenance.intro": {
        "en": "The exact files and parameters behind these figures: the SHA-256 fingerprints let "
              "anyone check that a later run used the same data.",
        "fr": "Les fichiers et paramètres exacts derrière ces chiffres : les empreintes SHA-256 "
              "permettent de vérifier qu'un autre calcul a utilisé les mêmes données."},
    # ------------------------------------------------------------------ dashboard parts
    "dash.cac": {"en": "Global CAC: previous period, this period, change",
                 "fr": "CAC global : période précédente, période, évolution"},
    "dash.channels": {"en": "CAC by channel, direct and fully loaded",
                      "fr": "CAC par canal, direct et complet"},
    "dash.channels.caption": {
        "en": "Pooled costs of {shared} allocated by {allocation}.",
        "fr": "Coûts mutualisés de {shared} alloués selon la {allocation}."},
    "dash.channels.model": {"en": "New customers credited by the model: {model}.",
                            "fr": "Nouveaux clients attribués par le modèle : {model}."},
    "dash.value": {"en": "LTV/CAC and payback", "fr": "LTV/CAC et payback"},
    "dash.conversions": {"en": "Conversions and median conversion delay",
                         "fr": "Conversions et délai médian de conversion"},
    "dash.budget": {"en": "Budget share vs contribution to new revenue",
                    "fr": "Part du budget et contribution au CA"},
    "dash.dependence": {"en": "Dependence on the top channel",
                        "fr": "Dépendance au premier canal"},
    "dash.top_leads": {"en": "Top channel by leads", "fr": "Premier canal en leads"},
    "dash.top_revenue": {"en": "Top channel by new revenue", "fr": "Premier canal en CA"},
    "dash.gap": {"en": "Revenue − budget", "fr": "CA − budget"},
    "dash.threshold": {"en": "Threshold", "fr": "Seuil"},
    "points": {"en": "{value} pts", "fr": "{value} pts"},
    # ------------------------------------------------------------------ tables
    "col.target": {"en": "Target", "fr": "Cible"},
    "col.kpi": {"en": "KPI", "fr": "Indicateur"},
    "col.value": {"en": "Value", "fr": "Valeur"},
    "col.status": {"en": "Status", "fr": "Statut"},
    "col.reading": {"en": "Reading", "fr": "Lecture"},
    "col.figure": {"en": "Figure", "fr": "Indicateur"},
    "col.reason": {"en": "Why it is undefined", "fr": "Pourquoi il n'est pas défini"},
    "col.table": {"en": "Table", "fr": "Table"},
    "col.file": {"en": "File", "fr": "Fichier"},
    "col.rows": {"en": "Rows", "fr": "Lignes"},
    "col.sha256": {"en": "SHA-256", "fr": "SHA-256"},
    "col.parameter": {"en": "Parameter", "fr": "Paramètre"},
    "col.segment": {"en": "Segment", "fr": "Segment"},
    "target.cac": {"en": "3 to 5 times below the gross margin per customer (LTV)",
                   "fr": "3 à 5 fois inférieur à la marge brute par client (LTV)"},
    "target.range": {"en": "{low} to {high}", "fr": "{low} à {high}"},
    "target.ltv_cac": {"en": "3 to 5", "fr": "3 à 5"},
    "target.payback": {"en": "12 months at most", "fr": "12 mois au plus"},
    "provenance.version": {"en": "cac-toolkit {version} · KPI file version {kpi_version} · "
                                 "run on {run_date}",
                           "fr": "cac-toolkit {version} · version du fichier KPI "
                                 "{kpi_version} · exécuté le {run_date}"},
    "provenance.inputs": {"en": "Input files", "fr": "Fichiers d'entrée"},
    "report.warnings": {"en": "Check the inputs first ({n} warnings)",
                        "fr": "À vérifier d'abord dans les données ({n} avertissements)"},
    "provenance.parameters": {"en": "Parameters", "fr": "Paramètres"},
    "not_set": {"en": "not set", "fr": "non renseigné"},
    # ------------------------------------------------------------------ key figures
    "key.period": {"en": "Period", "fr": "Période"},
    "key.new_customers": {"en": "New customers", "fr": "Nouveaux clients"},
    "key.cac_global": {"en": "Global CAC", "fr": "CAC global"},
    "key.ltv_cac": {"en": "LTV/CAC", "fr": "LTV/CAC"},
    "key.payback": {"en": "Payback (months)", "fr": "Payback (mois)"},
    "key.spend": {"en": "Acquisition spend", "fr": "Dépenses d'acquisition"},
    "summary.cac": {
        "en": "{customers} new customers at a global CAC of {cac} ({change} on the previous "
              "period).",
        "fr": "{customers} nouveaux clients pour un CAC global de {cac} ({change} par rapport à "
              "la période précédente)."},
    "summary.alerts.one": {"en": "1 warning signal out of 3: see below.",
                           "fr": "1 signal d'alerte sur 3 : voir plus bas."},
    "summary.alerts.other": {"en": "{n} warning signals out of 3: see below.",
                             "fr": "{n} signaux d'alerte sur 3 : voir plus bas."},
    "summary.payback": {"en": "Payback:", "fr": "Payback :"},
    "summary.unknown.one": {"en": "1 warning signal out of 3 could not be assessed for lack of "
                                  "data.",
                            "fr": "1 signal d'alerte sur 3 n'a pu être évalué, faute de "
                                  "données."},
    "summary.unknown.other": {"en": "{n} warning signals out of 3 could not be assessed for "
                                    "lack of data.",
                              "fr": "{n} signaux d'alerte sur 3 n'ont pu être évalués, faute "
                                    "de données."},
    "summary.no_alert": {"en": "None of the three warning signals is raised.",
                         "fr": "Aucun des trois signaux d'alerte n'est levé."},
    "summary.best_channel": {
        "en": "Lowest fully loaded CAC: {best} ({best_cac}); highest: {worst} ({worst_cac}).",
        "fr": "CAC complet le plus bas : {best} ({best_cac}) ; le plus haut : {worst} "
              "({worst_cac})."},
    # ------------------------------------------------------------------ warning signals
    "signal.cac_vs_arpa.bad": {
        "en": "CAC grows faster than ARPA ({window}): CAC {cac_change}, ARPA {arpa_change}. "
              "This compares two growth rates: each new customer's margin now covers less of "
              "its acquisition cost, so the profitability of acquisition is eroding (LTV/CAC "
              "says whether customers still pay back).",
        "fr": "Le CAC augmente plus vite que le panier moyen ({window}) : CAC {cac_change}, "
              "panier moyen {arpa_change}. Ce signal compare deux croissances : la marge de "
              "chaque nouveau client couvre une part plus faible de son coût d'acquisition, la "
              "rentabilité de l'acquisition s'érode (le LTV/CAC dit si les clients restent "
              "rentables)."},
    "signal.cac_vs_arpa.watch": {
        "en": "CAC grows slightly faster than ARPA ({window}): CAC {cac_change}, "
              "ARPA {arpa_change}.",
        "fr": "Le CAC augmente un peu plus vite que le panier moyen ({window}) : CAC "
              "{cac_change}, panier moyen {arpa_change}."},
    "signal.cac_vs_arpa.good": {
        "en": "CAC does not outgrow ARPA ({window}): CAC {cac_change}, ARPA {arpa_change}.",
        "fr": "Le CAC n'augmente pas plus vite que le panier moyen ({window}) : CAC "
              "{cac_change}, panier moyen {arpa_change}."},
    "signal.cac_vs_arpa.unknown": {
        "en": "CAC or ARPA is undefined in a period compared: their growth cannot be compared.",
        "fr": "CAC ou panier moyen non défini sur une des périodes : impossible de comparer "
              "leur évolution."},
    "signal.delay.bad": {
        "en": "The conversion delay lengthens ({window}): median {before} → {after} days "
              "({change}). Longer cycles raise the CAC.",
        "fr": "Le délai de conversion s'allonge ({window}) : médiane {before} → {after} jours "
              "({change}). Un cycle plus long renchérit le CAC."},
    "signal.delay.watch": {
        "en": "The conversion delay lengthens slightly ({window}): median {before} → {after} "
              "days ({change}).",
        "fr": "Le délai de conversion s'allonge légèrement ({window}) : médiane {before} → "
              "{after} jours ({change})."},
    "signal.delay.good": {
        "en": "The conversion delay does not lengthen ({window}): median {before} → {after} "
              "days.",
        "fr": "Le délai de conversion ne s'allonge pas ({window}) : médiane {before} → {after} "
              "jours."},
    "signal.delay.unknown": {
        "en": "No median conversion delay to compare (no leads table, or no won lead in a "
              "period compared).",
        "fr": "Pas de délai médian de conversion à comparer (pas de table de leads, ou aucun "
              "lead gagné sur une des périodes)."},
    "signal.dependence.leads": {"en": "leads", "fr": "leads"},
    "signal.dependence.revenue": {"en": "new revenue", "fr": "CA additionnel"},
    "signal.dependence.bad": {
        "en": "{channel} brings {share} of the period's {what}, above the {threshold} threshold: "
              "growth depends on one channel whose cost can climb.",
        "fr": "{channel} apporte {share} des {what} de la période, au-delà du seuil de "
              "{threshold} : la croissance dépend d'un seul canal, dont le coût peut grimper."},
    "signal.dependence.good": {
        "en": "No channel above {threshold} of leads or new revenue (top by leads: {leads}; "
              "by revenue: {revenue}).",
        "fr": "Aucun canal au-delà de {threshold} des leads ou du CA additionnel (premier en "
              "leads : {leads} ; en CA : {revenue})."},
    "signal.dependence.unknown": {
        "en": "No lead or revenue split by channel to measure dependence.",
        "fr": "Pas de répartition des leads ou du CA par canal pour mesurer la dépendance."},
    # ------------------------------------------------------------------ sector position
    "sector.within": {
        "en": "The global CAC of {cac} lies within the usual range for {sector} ({range}).",
        "fr": "Le CAC global de {cac} se situe dans la fourchette habituelle {sector} "
              "({range})."},
    "sector.below": {
        "en": "The global CAC of {cac} is below the usual range for {sector} ({range}).",
        "fr": "Le CAC global de {cac} est sous la fourchette habituelle {sector} ({range})."},
    "sector.above": {
        "en": "The global CAC of {cac} is above the usual range for {sector} ({range}).",
        "fr": "Le CAC global de {cac} dépasse la fourchette habituelle {sector} ({range})."},
    "sector.undefined": {"en": "The global CAC is undefined: no position in the sector.",
                         "fr": "Le CAC global n'est pas défini : pas de position sectorielle."},
    "sector.channels_above": {
        "en": "Channels whose fully loaded CAC is above the range: {channels}.",
        "fr": "Canaux dont le CAC complet dépasse la fourchette : {channels}."},
    "sector.currency": {
        "en": "The sector ranges are in euros; the audit is in {currency}, so compare with care.",
        "fr": "Les fourchettes sectorielles sont en euros ; l'audit est en {currency}, à "
              "comparer avec prudence."},
    "sector.caveat": {
        "en": "These ranges are indicative orders of magnitude, not norms: they vary with the "
              "average deal, the sales cycle and the go-to-market. What matters is the trend of "
              "your own CAC and its ratio to the value of a customer.",
        "fr": "Ces fourchettes sont des ordres de grandeur indicatifs, pas des normes : elles "
              "varient selon le panier, le cycle de vente et le go-to-market. Ce qui compte, "
              "c'est l'évolution de votre propre CAC et son rapport à la valeur d'un client."},
    "range.open": {"en": "above {low}", "fr": "plus de {low}"},
    "range.closed": {"en": "{low} to {high}", "fr": "{low} à {high}"},
    # ------------------------------------------------------------------ measured retention
    "section.retention": {"en": "Retention and a measured LTV",
                          "fr": "Rétention et LTV mesurée"},
    "section.retention.intro": {
        "en": "Churn and net revenue retention are measured from the revenue table (MRR per "
              "account and month). The lifetime behind LTV is fitted to every account with "
              "the shifted-beta-geometric (sBG) model, which lets customers differ: the loyal "
              "ones stay, so churn falls with tenure, and a constant churn rate understates "
              "how long customers last.",
        "fr": "Le churn et la rétention nette du revenu (NRR) sont mesurés sur la table des "
              "revenus (MRR par compte et par mois). La durée de vie qui fait la LTV est "
              "ajustée sur tous les comptes avec le modèle sBG (bêta-géométrique décalé), qui "
              "laisse les clients différer : les fidèles restent, le churn baisse avec "
              "l'ancienneté, et un churn constant sous-estime la durée de vie des clients."},
    "section.retention.none": {
        "en": "No revenue table: churn, NRR and GRR are not measured; LTV uses the typed "
              "lifetime.",
        "fr": "Pas de table des revenus : churn, NRR et GRR ne sont pas mesurés ; la LTV "
              "utilise la durée de vie saisie."},
    "retention.logo_churn": {"en": "Logo churn (monthly)", "fr": "Churn clients (mensuel)"},
    "retention.revenue_churn": {"en": "Revenue churn (monthly, churn + contraction)",
                                "fr": "Churn de revenu (mensuel, churn + contraction)"},
    "retention.nrr": {"en": "Net revenue retention (NRR, 12 months)",
                      "fr": "Rétention nette du revenu (NRR, 12 mois)"},
    "retention.grr": {"en": "Gross revenue retention (GRR, 12 months)",
                      "fr": "Rétention brute du revenu (GRR, 12 mois)"},
    "retention.lifetime_sbg": {"en": "Lifetime, sBG (months, first {horizon} months)",
                               "fr": "Durée de vie, sBG (mois, sur {horizon} mois)"},
    "retention.lifetime_constant": {
        "en": "Lifetime, constant churn {churn} (months, first {horizon} months)",
        "fr": "Durée de vie, churn constant {churn} (mois, sur {horizon} mois)"},
    "retention.sbg": {"en": "sBG parameters (alpha, beta; log-likelihood)",
                      "fr": "Paramètres sBG (alpha, bêta ; log-vraisemblance)"},
    "retention.ltv_basis": {"en": "LTV basis", "fr": "Base de la LTV"},
    "retention.basis.measured": {"en": "measured from the revenue table",
                                 "fr": "mesurée sur la table des revenus"},
    "retention.basis.parameter": {"en": "typed lifetime (parameter)",
                                  "fr": "durée de vie saisie (paramètre)"},
    "retention.basis.none": {"en": "none (LTV undefined)", "fr": "aucune (LTV non définie)"},
    "retention.ltv_measured": {"en": "LTV measured", "fr": "LTV mesurée"},
    "retention.ltv_parameter": {"en": "LTV from the typed lifetime",
                                "fr": "LTV de la durée saisie"},
    "retention.interval": {"en": "{label} {value} (90 % interval {low}–{high})",
                           "fr": "{label} {value} (intervalle à 90 % : {low}–{high})"},
    "retention.interval.meaning": {
        "en": "Each 90 % interval is the range in which nine in ten of {samples} "
              "resamplings of the period's new customers (and of the revenue table's "
              "accounts, for a measured lifetime) put the figure: the fewer the customers, "
              "the wider it is.",
        "fr": "Chaque intervalle à 90 % est la fourchette où neuf sur dix de {samples} "
              "rééchantillonnages des nouveaux clients de la période (et des comptes de la "
              "table des revenus, pour une durée de vie mesurée) placent le chiffre : moins "
              "il y a de clients, plus elle est large."},
    "retention.warning.ltv_parameter_differs": {
        "en": "The typed lifetime gives an LTV of {parameter}, {gap} away from the {measured} "
              "measured from the revenue table; the typed one is used.",
        "fr": "La durée de vie saisie donne une LTV de {parameter}, à {gap} des {measured} "
              "mesurés sur la table des revenus ; c'est la valeur saisie qui est utilisée."},
    "chart.retention": {"en": "Retention: share of customers still active",
                        "fr": "Rétention : part des clients encore actifs"},
    "chart.retention_cohorts": {"en": "one cohort (month of first MRR)",
                                "fr": "une cohorte (mois du premier MRR)"},
    "chart.retention_observed": {"en": "observed, all cohorts", "fr": "observé, toutes cohortes"},
    "chart.retention_sbg": {"en": "sBG projection (alpha {alpha}, beta {beta})",
                            "fr": "projection sBG (alpha {alpha}, bêta {beta})"},
    "chart.retention_constant": {"en": "constant churn {churn} a month",
                                 "fr": "churn constant de {churn} par mois"},
    "chart.retention_none": {"en": "no revenue table", "fr": "pas de table des revenus"},
    "chart.months_since_start": {"en": "months since the first MRR",
                                 "fr": "mois depuis le premier MRR"},
    "chart.mrr_movements": {"en": "MRR movements by month", "fr": "Mouvements de MRR par mois"},
    "movement.new": {"en": "new", "fr": "nouveau"},
    "movement.reactivation": {"en": "reactivation", "fr": "réactivation"},
    "movement.expansion": {"en": "expansion", "fr": "expansion"},
    "movement.contraction": {"en": "contraction", "fr": "contraction"},
    "movement.churn": {"en": "churn", "fr": "churn"},
    "movement.net": {"en": "net change", "fr": "variation nette"},
    "movement.opening": {"en": "MRR at the start", "fr": "MRR en début de mois"},
    "movement.mrr": {"en": "MRR at the end", "fr": "MRR en fin de mois"},
}

#: French reasons for the ``code`` of each note of the KPI file. Placeholders: ``subject``
#: (the channel or segment named in the note's key), ``months`` (the months a cohort note
#: lists), ``days`` (a cohort horizon), ``denominator`` (the stage a rate divides by),
#: ``allocation`` (the allocation key).
NOTE_REASONS: dict[str, str] = {
    "no_new_customer": "aucun nouveau client (deal « new » payé) sur la période",
    "no_new_customer.channel": "le canal {subject} a des dépenses mais aucun nouveau client "
                               "sur la période",
    "no_new_customer.segment": "le segment {subject} a des dépenses mais aucun nouveau client "
                               "sur la période",
    "no_new_customer.month": "aucun nouveau client signé dans le mois : {months}",
    "no_mrr": "les deals d'acquisition ne portent pas de MRR",
    "no_mrr.segment": "les deals d'acquisition du segment {subject} ne portent pas de MRR",
    "missing_parameter": "renseigner gross_margin et lifetime_months ou monthly_churn",
    "no_revenue": "pas de table des revenus : la rétention n'est pas mesurée et la LTV demande "
                  "lifetime_months ou monthly_churn",
    "not_measured": "non mesurable avec la table des revenus sur cette période (il faut des "
                    "mois civils complets et le mois précédent, ou le mois douze mois plus tôt "
                    "pour NRR et GRR)",
    "partial": "mesuré sur une partie seulement des mois de la période : la table des revenus "
               "ne les couvre pas tous avec le mois précédent",
    "no_churn": "aucun compte de la table des revenus n'a churné : la durée de vie ne peut pas "
                "être ajustée",
    "no_bootstrap": "bootstrap_samples vaut 0",
    "intervals.undefined": "la LTV n'est pas définie : pas d'intervalle",
    "intervals.partial": "des tirages du bootstrap avaient un ratio non défini et ont été "
                         "écartés",
    "undefined": "LTV ou CAC non défini",
    "no_margin": "pas de marge brute mensuelle par client",
    "zero_denominator": "aucun lead n'a atteint l'étape précédente dans la cohorte de la "
                        "période ({denominator} = 0)",
    "no_opportunity": "aucune opportunité valorisée dans la cohorte de la période",
    "no_won_lead": "aucun lead gagné dans la cohorte de la période",
    "no_leads": "le dossier ne contient pas de table de leads",
    "no_touchpoints": "le modèle d'attribution demande une table de points de contact ; chaque "
                      "client garde le canal de son deal d'acquisition",
    "no_key": "la clé d'allocation ({allocation}) est nulle pour tous les canaux : les coûts "
              "mutualisés ne peuvent pas être répartis",
    "no_key.segment": "la clé d'allocation ({allocation}) est nulle pour tous les segments : "
                      "les coûts mutualisés ne peuvent pas être répartis",
    "cohort_incomplete": "leads pas encore tous observés sur {days} jours{months}",
    "cohort_incomplete.period": "aucun mois de la période n'est encore observé sur {days} jours",
    "no_customer.period": "aucun lead des mois complets de la période gagné sous {days} jours",
    "no_lead.period": "aucun lead créé dans les mois complets de la période",
    "no_lead": "aucun lead créé dans le mois{months}",
    "no_customer": "aucun lead du mois gagné sous {days} jours{months}",
    "untracked_stage": "la table des leads ne contient aucune date {columns} : étape non suivie",
    "no_spend": "aucune dépense sur la période : un CAC de 0,00 signifie seulement qu'aucun "
                "coût n'a été saisi",
}

_DENOMINATORS = {rate: den for rate, (_num, den) in FUNNEL_RATES.items()}


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


def note_reason(note: Mapping[str, str], lang: str = "en") -> str:
    """The reason of a KPI-file note in ``lang``.

    English is the note's own ``reason`` (already specific); French is rebuilt from the
    ``code`` and the ``key`` (``channels.Ads.cac_direct`` names the channel Ads,
    ``cohorts.conversion_30`` the 30-day horizon) plus the months the English reason lists.
    A code this module does not know keeps its English reason.
    """
    reason = str(note.get("reason", ""))
    if lang == "en":
        return reason
    t("reason", lang)  # validates lang
    code, key = str(note.get("code", "")), str(note.get("key", ""))
    parts = key.split(".")
    head = parts[0]
    values: dict[str, str] = {"subject": "", "months": "", "days": "", "denominator": "",
                              "allocation": "", "columns": ""}
    variant = code
    if head in ("channels", "segments") and len(parts) >= 3:
        values["subject"] = ".".join(parts[1:-1])
        variant = f"{code}.{'channel' if head == 'channels' else 'segment'}"
    elif head == "segments":
        variant = f"{code}.segment"
    if head == "cohorts":
        digits = "".join(ch for ch in parts[-1] if ch.isdigit())
        values["days"] = digits
        if ": " in reason:
            values["months"] = " : " + reason.rsplit(": ", 1)[1]
        if len(parts) >= 3 and parts[1] == "period":
            variant = f"{code}.period"
        if code == "no_new_customer":
            variant = "no_new_customer.month"
            values["months"] = values["months"].removeprefix(" : ")
    if code == "zero_denominator":
        values["denominator"] = _DENOMINATORS.get(parts[-1], "?")
    if code == "untracked_stage":
        values["columns"] = reason.split(" no ", 1)[-1].removesuffix(" at all").replace(
            " or ", " ou ")
    if "(" in reason and code.startswith("no_key"):
        values["allocation"] = reason.split("(", 1)[1].split(")", 1)[0]
    if key == "intervals":
        variant = f"intervals.{code}"
    template = NOTE_REASONS.get(variant) or NOTE_REASONS.get(code)
    return template.format(**values) if template else reason


def check_complete(labels: Mapping[str, Mapping[str, str]] = LABELS) -> list[str]:
    """Keys missing a language or with an empty text (the tests want an empty list)."""
    return [k for k, v in labels.items() if any(not v.get(lang) for lang in LANGS)]
