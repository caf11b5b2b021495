"""The audit report: formats, KPI tables, warning signals, notes, escaping, offline HTML."""

from __future__ import annotations

import copy
import re

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cac_toolkit.audit.kpis import compute_kpis  # noqa: E402
from cac_toolkit.audit.params import AuditParameters  # noqa: E402
from cac_toolkit.core.notes import Note  # noqa: E402
from cac_toolkit.core.periods import Period, history_periods  # noqa: E402
from cac_toolkit.core.resources import data_path, template_dir  # noqa: E402
from cac_toolkit.data.loading import load_folder  # noqa: E402
from cac_toolkit.render import i18n, report  # noqa: E402

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: before % : ; ! ? in French
SAAS = AuditParameters(period_start="2026-01-01", period_end="2026-03-31", gross_margin=0.7,
                       lifetime_months=30)


@pytest.fixture(scope="module")
def saas_data():
    return load_folder(data_path("saas_quarter"))


@pytest.fixture(scope="module")
def saas(saas_data):
    return compute_kpis(saas_data, SAAS)


def hostile(kpis: dict) -> dict:
    """The SaaS quarter with its Ads channel renamed to markup and a spreadsheet formula."""
    out = copy.deepcopy(kpis)
    script = "<script>alert('x')</script>"
    formula = '=HYPERLINK("http://evil.example","<b>click</b>")'
    out["channels"] = {script if k == "Ads" else formula if k == "SEO" else k: v
                       for k, v in out["channels"].items()}
    out["dependence"] = {"top_channel_leads": script, "leads_share": 0.8,
                         "top_channel_revenue": formula, "revenue_share": 0.6}
    return out


# ------------------------------------------------------------------------------ formatting


def test_money_and_number_formats():
    assert report.fmt(1500, "money", "en") == "€1,500.00"
    assert report.fmt(1500, "money", "fr") == f"1{NBSP}500,00{NBSP}€"
    assert report.fmt(1500, "money", "en", "USD") == "$1,500.00"
    assert report.fmt(0.2857, "rate", "fr") == f"28,6{NNBSP}%"
    assert report.fmt(2.8, "ratio", "fr") == "2,80"
    assert report.fmt(12.5, "count", "en") == "12.50" and report.fmt(60, "count") == "60"
    assert report.fmt(None, "money", "en") == "n/a" and report.fmt(None, "rate", "fr") == "n.d."


def test_changes():
    assert report.fmt_change(1500, 1000, "money", "en") == "+50.0%"
    assert report.fmt_change(900, 1000, "money", "fr") == f"-10,0{NNBSP}%"
    assert report.fmt_change(0.25, 0.2, "rate", "en") == "+5.0 pts"
    assert report.fmt_change(48, 58, "days", "en") == f"-10.0{NBSP}days"
    assert report.fmt_change(7.4, 6.7, "months", "fr") == f"+0,7{NBSP}mois"
    assert report.fmt_change(10, 0, "money", "en") == "n/a"
    assert report.fmt_change(None, 3, "ratio", "fr") == "n.d."


def test_period_labels():
    assert report.period_label({"start": "2026-01-01", "end": "2026-03-31"}, "en") == "Q1 2026"
    assert report.period_label({"start": "2026-01-01", "end": "2026-03-31"}, "fr") == "T1 2026"
    assert report.period_label({"start": "2026-02-01", "end": "2026-02-28"}, "fr") == "févr. 2026"
    assert report.period_label({"start": "2025-01-01", "end": "2025-12-31"}) == "2025"
    assert report.period_label({"start": "2025-10-03", "end": "2025-12-31"},
                               "fr") == "03/10/2025 – 31/12/2025"


# ------------------------------------------------------------------------------ KPI tables


def test_kpi_table_saas_quarter(saas):
    table = report.kpi_table(saas, "en")
    assert list(table.columns) == ["2025-10-03 – 2025-12-31", "Q1 2026", "Change"]
    assert table.loc["Global CAC", "Q1 2026"] == "€1,500.00"
    assert table.loc["Marketing CAC", "Q1 2026"] == "€600.00"
    assert table.loc["Sales CAC", "Q1 2026"] == "€900.00"
    assert table.loc["New customers", "Q1 2026"] == "60"
    assert table.loc["Acquisition spend", "Q1 2026"] == "€90,000.00"
    assert table.loc["LTV", "Q1 2026"] == "€4,200.00"
    assert table.loc["LTV/CAC", "Q1 2026"] == "2.80"
    assert table.loc["Payback (months)", "Q1 2026"] == "10.7"
    assert table.loc["Global CAC", "2025-10-03 – 2025-12-31"] == "€9,999.99"
    assert table.loc["Global CAC", "Change"] == "-85.0%"  # 1,500 / 9,999.99 - 1
    fr = report.kpi_table(saas, "fr")
    assert fr.loc["CAC global", "T1 2026"] == f"1{NBSP}500,00{NBSP}€"
    assert fr.loc["Dépenses d'acquisition", "T1 2026"] == f"90{NBSP}000,00{NBSP}€"
    assert "Évolution" in fr.columns


def test_dashboard_parts(saas):
    panel = report.dashboard(saas, "en")
    assert list(panel.parts) == ["cac", "channels", "value", "conversions", "budget",
                                 "dependence"]
    channels = panel["channels"]
    assert channels.loc["Ads", "Direct CAC"] == "€1,500.00"
    assert channels.loc["Ads", "Fully loaded CAC"] == "€2,100.00"
    assert channels.loc["SEO", "Pooled costs allocated"] == "€16,800.00"
    assert panel.parts["channels"][2] == ("Pooled costs of €36,000.00 allocated by share of "
                                          "new customers.")
    value = panel["value"]
    assert value.loc["LTV/CAC", "Status"] == "watch"  # 2.8: between 2 and 3
    assert value.loc["Payback (months)", "Status"] == "good"  # 10.7 <= 12
    assert value.loc["LTV/CAC", "Reading"] == "2.80 is between 2 and 3: below the usual target of 3"
    budget = panel["budget"]
    assert budget.loc["SEO", "Budget share"] == "32.0%"
    assert budget.loc["SEO", "Revenue − budget"] == "+14.7 pts"
    assert panel["dependence"].iloc[1].tolist() == ["SEO", "46.7%", "50%", "good"]
    html = panel._repr_html_()
    assert 'class="cac-badge cac-watch"' in html and "€2,100.00" in html
    text = str(report.dashboard(saas, "fr"))
    assert "CAC par canal, direct et complet" in text and "part des nouveaux clients" in text
    assert "2,80, entre 2 et 3" in text  # French decimals in the verdicts


def test_ten_kpis_table(saas):
    table = report.ten_kpis_table(saas, "fr")
    assert len(table) == 10
    cac = table.loc["Coût d'acquisition par nouveau client"]
    assert cac["Valeur"] == f"1{NBSP}500,00{NBSP}€"
    assert cac["Statut"] == "à surveiller"  # LTV 4,200 = 2.8 x the CAC, below 3
    assert cac["Lecture"] == "la marge brute par client ne vaut que 2,8 fois le CAC (cible 3 à 5)"
    win = table.loc["Taux de conversion opportunité en vente"]
    assert win["Valeur"] == "n.d." and win["Statut"] == "n.d."  # no leads table
    assert win["Cible"] == f"20{NNBSP}% à 30{NNBSP}%"
    revenue = table.loc["Chiffre d'affaires additionnel"]
    assert revenue["Valeur"] == f"144{NBSP}000,00{NBSP}€" and revenue["Statut"] == ""


# ------------------------------------------------------------------------------ signals


def _kpis(cac, arpa, delay, prev_cac, prev_arpa, prev_delay, leads_share=0.3,
          revenue_share=0.3):
    def block(c, a, d):
        return {"cac": {"global": c}, "arpa_mrr": a,
                "funnel": {"conversion_delay_days": {"median": d}},
                "spend": {"total": 1.0}, "new_customers": 1}

    out = block(cac, arpa, delay)
    out["period"] = {"start": "2026-01-01", "end": "2026-03-31"}
    out["previous"] = block(prev_cac, prev_arpa, prev_delay)
    out["previous"]["period"] = {"start": "2025-10-01", "end": "2025-12-31"}
    out["dependence"] = {"top_channel_leads": "Ads", "leads_share": leads_share,
                         "top_channel_revenue": "Events", "revenue_share": revenue_share}
    return out


def test_signals_from_the_previous_period():
    # CAC +20 %, ARPA +2 %; delay 40 -> 50 days (+25 %); Ads 60 % of leads
    signals = report.warning_signals(_kpis(1200, 510, 50, 1000, 500, 40, 0.6, 0.2), lang="en")
    assert [s for s, _ in signals] == ["bad", "bad", "bad"]
    assert "CAC +20.0%, ARPA +2.0%" in signals[0][1] and "Q4 2025 → Q1 2026" in signals[0][1]
    assert "median 40.0 → 50.0 days (+25.0%)" in signals[1][1]
    assert signals[2][1].startswith("Ads brings 60.0% of the period's leads")


def test_signals_healthy_and_borderline():
    # CAC +3 %, ARPA +1 %: grows faster but by less than 5 points; delay +5 %
    signals = report.warning_signals(_kpis(1030, 505, 42, 1000, 500, 40), lang="fr")
    assert [s for s, _ in signals] == ["watch", "watch", "good"]
    assert "CAC +3,0\u202f%" in signals[0][1]
    assert signals[2][1].startswith("Aucun canal au-delà de 50\u202f%")
    calm = report.warning_signals(_kpis(900, 520, 30, 1000, 500, 40), lang="en")
    assert [s for s, _ in calm] == ["good", "good", "good"]


def test_signals_from_history_and_undefined_figures():
    history = pd.DataFrame({"cac_global": [1000.0, 1100.0, 1150.0, 1250.0],
                            "arpa_mrr": [400.0, 410.0, 420.0, 430.0],
                            "conversion_delay_days": [None, 40.0, 41.0, 39.0]},
                           index=["Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026"])
    # The previous period alone would look calm; four quarters show CAC +25 % vs ARPA +7.5 %.
    kpis = _kpis(1250, 430, 39, 1250, 430, 41)
    signals = report.warning_signals(kpis, history, lang="en")
    assert signals[0][0] == "bad" and "Q2 2025 → Q1 2026" in signals[0][1]
    assert signals[1][0] == "good" and "Q3 2025 → Q1 2026" in signals[1][1]
    undefined = report.warning_signals(_kpis(None, 400, None, 1000, 400, 40, None, None))
    assert [s for s, _ in undefined] == ["unknown", "unknown", "unknown"]


def test_dependence_threshold_is_a_parameter():
    kpis = _kpis(1000, 500, 40, 1000, 500, 40, leads_share=0.45, revenue_share=0.3)
    assert report.warning_signals(kpis, lang="en")[2][0] == "good"
    lowered = report.warning_signals(kpis, lang="en", dependence_threshold=0.4)
    assert lowered[2][0] == "bad" and "above the 40% threshold" in lowered[2][1]


# ------------------------------------------------------------------------------ escaping


def test_hostile_channel_names_are_escaped(saas):
    kpis = hostile(saas)
    signals = report.warning_signals(kpis, lang="en")
    outputs = [report.dashboard(kpis, "en")._repr_html_(),
               report.signals_html(signals, "en").data,
               report.summary(kpis, signals, "en").data,
               report.sector_position(kpis, "retail", "en").data,
               report.table(report.channel_table(kpis, "fr")).data]
    for html in outputs:
        assert "<script>" not in html and "<b>" not in html
    joined = "\n".join(outputs)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in joined
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;&lt;b&gt;click&lt;/b&gt;&quot;)" in (
        joined)
    # Markdown sections escape their placeholders too.
    section = report.section("channels", "en", allocation="<img src=x onerror=alert(1)>")
    assert "<img" not in section.data and "&lt;img" in section.data


# ------------------------------------------------------------------------------ notes, history


def test_notes_explain_every_null(saas, saas_data):
    fr = report.notes_table(saas, "fr")
    assert fr.iloc[0].tolist() == ["Indicateurs de l'entonnoir",
                                   "le dossier ne contient pas de table de leads"]
    no_lifetime = compute_kpis(saas_data, AuditParameters(
        period_start="2026-01-01", period_end="2026-03-31", gross_margin=0.7))
    table = report.notes_table(no_lifetime, "en").set_index("Figure")["Why it is undefined"]
    assert table["LTV"] == "set gross_margin and lifetime_months or monthly_churn"
    assert table["LTV/CAC"] == "follows from LTV (undefined, see above)"
    assert "Payback (months)" not in table.index  # payback needs no lifetime: it is defined
    assert table["LTV – every segment"] == "set gross_margin and lifetime_months or monthly_churn"
    assert not any("SMB" in label for label in table.index)  # covered by the segment-wide note
    assert table["Top channel by leads – Share"] == "the folder has no leads table"
    # header row + one row per figure
    assert report.notes_html(no_lifetime, "fr").data.count("<tr>") == len(table) + 1


def test_notes_name_figures_in_plain_words_never_by_key(saas):
    """A null that no note covers is named by its label (the catalogue's), never by its KPI
    key, and never explained by itself ("ltv_parameter follows from ltv_parameter"); a
    parameter echoed as null (no discount rate) is not an undefined figure."""
    kpis = copy.deepcopy(saas)
    kpis.update(ltv_parameter=None, ltv_measured=4_321.0, attribution=None)
    kpis["retention"] = {"discount_rate": None, "horizon_months": 60, "nrr_12m": None}
    for lang, label, reason in (
            ("en", "LTV from the typed lifetime", "the LTV shown is measured"),
            ("fr", "LTV de la durée saisie", "la LTV affichée est mesurée")):
        table = report.notes_table(kpis, lang)
        rows = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
        assert reason in rows[label]
        assert not any("_" in name or "retention." in name for name in rows)
        assert not any(name in why for name, why in rows.items())  # nothing follows from itself
        assert report.figure_label("funnel.won_with_quote", lang) == i18n.t(
            "metric.won_with_quote", lang)
    saas_notes = report.notes_table({**kpis, "ltv_measured": None}, "en")
    assert saas_notes.set_index("Figure").loc["LTV from the typed lifetime"].iloc[0] == (
        "set gross_margin and lifetime_months or monthly_churn")
    assert report.figure_label("retention.sbg.alpha") == "Retention – sbg.alpha"


def test_months_of_notes_are_written_with_their_names():
    """The KPI file's notes name months ``2025-12``; the French report writes "décembre 2025"
    (Babel's month names), the English one keeps the KPI file's sentence."""
    from cac_toolkit.core.catalogue import month_year

    note = Note("cohorts.conversion_90", "cohort_incomplete",
                {"days": 90, "as_of": "2025-12-31", "months": ["2025-10", "2025-12"]})
    assert i18n.note_text(note, "fr").endswith(f"{NNBSP}: octobre 2025, décembre 2025")
    assert i18n.note_text(note, "en").endswith("): 2025-10, 2025-12") and (
        i18n.note_text(note, "en") == note["reason"])
    assert month_year("2026-03", "en") == "March 2026"
    assert month_year("2026-03", "fr") == "mars 2026"
    assert month_year("not a month", "fr") == "not a month"


def test_french_punctuation_comes_from_the_catalogue():
    """The summary's "LTV/CAC : …" and the sBG's "α ; β ; ll" take their French narrow
    no-break space from the catalogue's template, not from code."""
    assert i18n.t("punct.label_value", "fr", label="LTV/CAC", value="3,15") == (
        f"LTV/CAC{NNBSP}: 3,15")
    assert i18n.t("punct.label_value", "en", label="LTV/CAC", value="3.15") == "LTV/CAC: 3.15"
    assert i18n.t("punct.sbg", "fr", alpha="1", beta="2", log_likelihood="3") == (
        f"1{NNBSP}; 2{NNBSP}; 3")
    source = (report.__file__ and open(report.__file__, encoding="utf-8").read())
    assert "\\u202f" not in source and "\u202f" not in source


def test_note_reasons_in_french():
    """A note is an id and parameters: French comes from the catalogue's template and the same
    parameters (the data's end date in French), never from the English sentence."""
    notes = [
        Note("channels.Events.cac_direct", "no_new_customer.channel", {"channel": "Events"}),
        Note("funnel.opportunity_to_win", "zero_denominator", {"denominator": "opportunities"}),
        Note("cohorts.conversion_60", "cohort_incomplete",
             {"days": 60, "as_of": "2025-12-31", "months": ["2025-11"]}),
        Note("channels.shared_allocated", "no_key", {"allocation": "pipeline"}),
        Note("cohorts.period.cac_lag_90", "cohort_incomplete.period",
             {"days": 90, "as_of": "2025-12-31"}),
        Note("funnel.mql_to_sql", "untracked_stage", {"columns": ["mql_date", "sql_date"]}),
        Note("channels.other (1,234 channels).cac_direct", "no_new_customer.grouped",
             {"count": 1234}),
    ]
    assert [i18n.note_text(n, "fr") for n in notes] == [
        "le canal Events a des dépenses mais aucun nouveau client sur la période",
        "aucun lead n'a atteint l'étape précédente dans la cohorte de la période "
        "(opportunities = 0)",
        f"leads pas encore tous observés sur 60 jours (fin des données le 31/12/2025){NNBSP}: "
        "novembre 2025",
        f"la clé d'allocation (pipeline) est nulle pour tous les canaux{NNBSP}: les coûts "
        "mutualisés ne peuvent pas être répartis",
        "aucun mois de la période n'est encore observé sur 90 jours (fin des données le "
        "31/12/2025)",
        f"la table des leads ne contient aucune date mql_date ou sql_date{NNBSP}: étape non "
        "suivie",
        f"1{NBSP}234 des canaux regroupés ont des dépenses mais aucun nouveau client sur la "
        "période",
    ]
    assert [i18n.note_text(n, "en") for n in notes] == [n["reason"] for n in notes]
    assert notes[2]["reason"] == ("leads not yet all observed for 60 days (data end "
                                  "2025-12-31): 2025-11")
    assert notes[5]["reason"] == "the leads table has no mql_date or sql_date at all"
    assert notes[6]["reason"] == ("1,234 of the grouped channels have spend but no new "
                                  "customer in the period")
    assert dict(notes[0]) == {"key": "channels.Events.cac_direct", "code": "no_new_customer",
                              "reason": "channel Events has spend but no new customer in the "
                                        "period"}
    # a note read back from kpis.json keeps only its English reason: shown as it is
    assert i18n.note_text({"key": "k", "code": "new_code", "reason": "kept"}, "fr") == "kept"
    assert i18n.check_complete() == []


def test_history_steps_back_by_the_previous_period(saas_data, saas):
    # One comparison period everywhere: the row before the audited one is the KPI file's
    # ``previous`` (90 days before Q1 2026), not calendar Q4 2025; the period before it starts
    # before the first day of data (2025-12-15) and is dropped.
    frame = report.history(saas_data, SAAS, quarters=3)
    assert list(frame.index) == ["2025-10-03 – 2025-12-31", "Q1 2026"]
    assert saas["previous"]["period"] == {"start": "2025-10-03", "end": "2025-12-31"}
    assert [row["period"] for row in saas["history"]][-2:] == [saas["previous"]["period"],
                                                                 saas["period"]]
    assert saas["history"][-2]["cac_global"] == saas["previous"]["cac"]["global"]
    assert frame.loc["Q1 2026", "cac_global"] == 1500.0
    assert frame.loc["Q1 2026", "new_customers"] == 60.0
    assert frame["conversion_delay_days"].isna().all()  # no leads table
    odd = Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-02-03"))
    before = history_periods(odd, 3)
    assert [p.days for p in before] == [30, 30, 30] and before[-1] == odd
    assert before[0].end == pd.Timestamp("2025-12-05")
    table = report.history_table(frame, "fr")
    assert table.loc["CAC global", "Q1 2026"] == f"1{NBSP}500,00{NBSP}€"


def test_audit_parameters_from_the_notebook():
    values = {"data_dir": None, "gross_margin": 0.75, "lifetime_months": 30,
              "monthly_churn": 0.02, "lang": "fr", "run_date": "2026-11-20", "kpis_out": None}
    params = report.audit_parameters(values)
    assert params.lifetime_months == 30 and params.monthly_churn is None and params.lang == "fr"
    assert report.audit_parameters({"monthly_churn": 0.02}).lifetime == 50.0


def test_provenance_lists_files_and_parameters(saas):
    panel = report.provenance(saas, "2026-11-20", "fr")
    inputs = panel["inputs"]
    assert inputs.loc["deals", "SHA-256"] == saas["inputs"]["deals"]["sha256"]
    assert inputs.loc["spend", "Fichier"] == "spend.csv"
    assert panel["parameters"].loc["lifetime_months", "Valeur"] == "30"
    assert panel["parameters"].loc["monthly_churn", "Valeur"] == "non renseigné"
    assert "exécuté le 20/11/2026" in panel["version"]  # French date, issue 14 item 5


def test_headline_is_rounded_text(saas):
    text = report.headline(saas, "en")
    assert "Global CAC" in text and "€1,500.00" in text and "2.80" in text and "10.7" in text
    assert "0x" not in text and "\n" in text


# ------------------------------------------------------------------------------ offline HTML

OUTSIDE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
                     re.IGNORECASE)


def _executed_notebook(saas) -> nbformat.NotebookNode:
    """A small notebook run by a kernel: a chart, a report table, math and widget state."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Payback $= CAC / (ARPA \\times m)$"),
        nbformat.v4.new_code_cell(
            "%matplotlib inline\n"
            "import matplotlib.pyplot as plt\n"
            "from IPython.display import display\n"
            "from cac_toolkit.render import plots, report\n"
            "from cac_toolkit.audit.kpis import compute_kpis\n"
            "from cac_toolkit.data.loading import load_folder\n"
            "from cac_toolkit.audit.params import AuditParameters\n"
            "from cac_toolkit.core.resources import data_path\n"
            "params = AuditParameters(period_start='2026-01-01', period_end='2026-03-31',\n"
            "                         gross_margin=0.7, lifetime_months=30)\n"
            "kpis = compute_kpis(load_folder(data_path('saas_quarter')), params)\n"
            "display(report.title_block(kpis, 'fr'))\n"
            "display(report.dashboard(kpis, 'fr'))\n"
            "plots.cac_by_channel(kpis['channels'], lang='fr')\n"
            "plt.show()"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    # Stored widget state is what makes the lab template fetch the widget manager from unpkg.
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def test_offline_template_makes_no_outside_request(saas):
    from nbconvert import HTMLExporter

    nb = _executed_notebook(saas)
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for o in nb.cells[1].outputs)
    offline = HTMLExporter(template_name="offline", exclude_input=True,
                           extra_template_basedirs=[str(template_dir())])
    body, _ = offline.from_notebook_node(nb)
    assert OUTSIDE.search(body) is None
    assert "cdnjs" not in body and "unpkg" not in body
    assert "data:image/png;base64," in body  # the chart is embedded
    assert "CAC par canal" in body and "1\u00a0500,00\u00a0€" in body
    assert "@media print" in body
    # The stock lab template does reach outside: the assertion above can fail.
    stock, _ = HTMLExporter(template_name="lab", exclude_input=True).from_notebook_node(nb)
    assert OUTSIDE.search(stock) is not None


# --------------------------------------------------------------------------- wording (issue 14)


def _summary_text(kpis: dict, signals, lang: str) -> str:
    import html

    return html.unescape(str(report.summary(kpis, signals, lang).data))


def test_signal_counts_agree_in_number(saas):
    one = [("bad", "x"), ("good", "y"), ("good", "z")]
    two = [("bad", "x"), ("watch", "y"), ("good", "z")]
    assert "1 warning signal out of 3" in _summary_text(saas, one, "en")
    assert "2 warning signals out of 3" in _summary_text(saas, two, "en")
    assert "1 signal d'alerte sur 3" in _summary_text(saas, one, "fr")
    assert "2 signaux d'alerte sur 3" in _summary_text(saas, two, "fr")
    unknown = [("unknown", "x"), ("unknown", "y"), ("good", "z")]
    assert "2 warning signals out of 3 could not be assessed" in _summary_text(saas, unknown,
                                                                              "en")
    for text in (_summary_text(saas, s, lang) for s in (one, two, unknown)
                 for lang in ("en", "fr")):
        assert "(s)" not in text and "(aux)" not in text


def test_whole_attribution_credits_print_without_decimals():
    credits = pd.DataFrame({"deal": [88.0, 30.0], "linear": [91.85, 26.15]},
                           index=pd.Index(["Ads", "SEO"], name="channel"))
    table = report.attribution_frame(credits, "en")
    deal, linear = i18n.label_or("model.deal", "deal", "en"), i18n.label_or(
        "model.linear", "linear", "en")
    assert list(table[deal]) == ["88", "30", "118"]
    assert list(table[linear]) == ["91.85", "26.15", "118.00"]


def test_segment_cac_says_when_it_is_only_a_split_of_pooled_costs(saas):
    pooled = {**saas, "segments": {"SMB": {"spend_direct": 0.0, "cac": 100.0},
                                   "Enterprise": {"spend_direct": 0.0, "cac": 100.0}}}
    reading = report.segment_reading(pooled, "en")
    assert reading is not None and "only the pooled costs split by" in reading.data
    assert "ARPA alone" in reading.data
    assert "répartition des coûts mutualisés" in report.segment_reading(pooled, "fr").data
    direct = {**saas, "segments": {"SMB": {"spend_direct": 500.0, "cac": 120.0},
                                   "Enterprise": {"spend_direct": 0.0, "cac": 100.0}}}
    assert report.segment_reading(direct, "en") is None


def test_every_section_has_a_one_sentence_introduction():
    for key in ("summary", "dashboard", "channels", "value", "funnel", "trends", "signals",
                "sector", "segments", "attribution", "cohorts", "notes", "provenance"):
        for lang in ("en", "fr"):
            assert i18n.label_or(f"section.{key}.intro", "", lang), (key, lang)
    funnel = i18n.t("section.funnel.intro", "en")
    assert "counted literally" not in funnel and "new customers" in funnel


def test_tables_keep_their_alignment_without_the_report_s_stylesheet(saas):
    """#14: in JupyterLab (an untrusted notebook's <style> is dropped; its own rules
    right-align every cell, fix the table layout and centre the table) the report's tables
    keep labels left and numbers right: every cell carries its alignment inline, and the
    table its automatic layout."""
    frame = pd.DataFrame({"Spend": ["€1.00"], "Note": ["x"], "SHA-256": ["ab" * 32]},
                         index=pd.Index(["Ads"], name="Channel"))
    frame.attrs.update(numeric=["Spend"], code=["SHA-256"])
    html = report.html_table(frame)
    assert html.startswith(f'<table class="cac-table" style="{report.CELL_STYLES["table"]}">')
    assert "table-layout:auto" in report.CELL_STYLES["table"]
    cells = re.findall(r"<t([hd])((?: [^>]*)?)>", html)
    assert len(cells) == 8 and all('style="text-align:' in attrs for _tag, attrs in cells)
    aligned = [re.search(r"text-align:(\w+)", attrs).group(1) for _tag, attrs in cells]
    assert aligned == ["left", "right", "left", "left", "left", "right", "left", "left"]
    # every table of a rendered panel, not only this frame
    panel_html = report.provenance(saas)._repr_html_()
    assert panel_html.count("<td") == panel_html.count('<td class="cac-num" style=') + len(
        re.findall(r'<td (?:class="cac-code" )?style="text-align:left"', panel_html))
