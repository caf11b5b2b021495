"""Charts: the right number of bars and lines, references drawn, labels in the reader's language."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from cac_toolkit.render import plots  # noqa: E402
from cac_toolkit.render.i18n import t  # noqa: E402

CHANNELS = {
    "Ads": {"spend_direct": 18000.0, "new_customers": 12, "cac_direct": 1500.0,
            "shared_allocated": 7200.0, "cac_fully_loaded": 2100.0, "budget_share": 0.28,
            "revenue_share": 0.2},
    "Outbound": {"spend_direct": 24000.0, "new_customers": 20, "cac_direct": 1200.0,
                 "shared_allocated": 12000.0, "cac_fully_loaded": 1800.0, "budget_share": 0.4,
                 "revenue_share": 0.3333},
    "SEO": {"spend_direct": 12000.0, "new_customers": 28, "cac_direct": 428.57,
            "shared_allocated": 16800.0, "cac_fully_loaded": 1028.57, "budget_share": 0.32,
            "revenue_share": 0.4667},
}
FUNNEL = {"leads": 1000, "qualified_leads": 600, "sqls": 390, "meetings": 270,
          "opportunities": 110, "quotes": 75, "won": 20, "lead_to_meeting": 0.45,
          "meeting_to_opportunity": 0.4074, "opportunity_to_win": 0.1818,
          "quote_conversion": 0.2667}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def visible_bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_visible()
            and p.get_height() > 0 and p.get_width() > 0]


def texts(fig: Figure) -> str:
    """Every text of a figure: title, axis labels, tick labels, annotations, legend."""
    out = []
    for ax in fig.axes:
        out += [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
        out += [tl.get_text() for tl in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [txt.get_text() for txt in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [txt.get_text() for txt in legend.get_texts()]
    fig.canvas.draw()  # tick formatters run at draw time
    for ax in fig.axes:
        out += [tl.get_text() for tl in ax.get_xticklabels() + ax.get_yticklabels()]
    return "\n".join(out)


def test_cac_by_channel_bars_band_and_global_line():
    fig = plots.cac_by_channel(CHANNELS, sector="saas", lang="en")
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    heights = sorted(round(b.get_height(), 2) for b in ax.containers[0]) + sorted(
        round(b.get_height(), 2) for b in ax.containers[1])
    assert heights == [428.57, 1200.0, 1500.0, 1028.57, 1800.0, 2100.0]
    # global CAC = (54,000 direct + 36,000 pooled) / 60 customers = 1,500
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_ydata()[0] == pytest.approx(1500.0)
    band = [p for p in ax.patches if not isinstance(p, Rectangle) or p.get_label().startswith(
        "Usual range")]
    assert band, "the SaaS range is shaded"
    text = texts(fig)
    assert "€1,500" in text and "Usual range, B2B SaaS (€800 – €2,500)" in text
    assert [tl.get_text() for tl in ax.get_xticklabels()] == ["Ads", "Outbound", "SEO"]


def test_cac_by_channel_in_french_and_channel_without_customer():
    channels = dict(CHANNELS)
    channels["Events"] = {"spend_direct": 5000.0, "new_customers": 0, "cac_direct": None,
                          "shared_allocated": 0.0, "cac_fully_loaded": None}
    fig = plots.cac_by_channel(channels, sector="services", lang="fr")
    ax = fig.axes[0]
    text = texts(fig)
    assert "CAC par canal" in ax.get_title(loc="left") and "CAC complet" in text
    assert "1\u00a0500\u00a0€" in text  # global CAC line, French grouping
    assert "aucun\nclient" in text
    assert len([b for b in ax.containers[1] if b.get_visible()]) == 3
    assert "Services professionnels" in text


def test_cac_by_channel_without_sector_band():
    fig = plots.cac_by_channel(CHANNELS, sector=None, cac_global=1700.0)
    ax = fig.axes[0]
    assert "Usual range" not in texts(fig)
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert dashed[0].get_ydata()[0] == 1700.0


def test_funnel_counts_and_rates():
    fig = plots.funnel(FUNNEL, lang="en")
    ax = fig.axes[0]
    widths = [round(b.get_width()) for b in visible_bars(ax)]
    assert widths == [1000, 600, 390, 270, 110, 75, 20]
    labels = [tl.get_text() for tl in ax.get_yticklabels()]
    assert labels == ["Leads", "MQL", "SQL", "Meetings", "Opportunities", "Quotes", "Won"]
    text = texts(fig)
    assert "60.0% of previous stage" in text and "26.7% of previous stage" in text
    fr = texts(plots.funnel(FUNNEL, lang="fr"))
    assert "60,0\u202f% de l'étape précédente" in fr and "Opportunités" in fr


def test_funnel_skips_missing_stages():
    fig = plots.funnel({"leads": 10, "qualified_leads": None, "won": 2})
    assert len(visible_bars(fig.axes[0])) == 2


def test_payback_curve_marks_the_month():
    # 1,500 / (200 x 0.7) = 10.71 months
    fig = plots.payback_curve(1500.0, 200.0, 0.7, months=24, lang="en")
    ax = fig.axes[0]
    vertical = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert vertical[0].get_xdata()[0] == pytest.approx(1500 / 140)
    curve = ax.get_lines()[0]
    assert len(curve.get_xdata()) == 25 and curve.get_ydata()[-1] == pytest.approx(24 * 140)
    assert "paid back in 10.7 months" in texts(fig)
    never = plots.payback_curve(5000.0, 100.0, 0.5, months=36, lang="fr")
    assert "non remboursé en 36 mois" in texts(never)


def test_trend_lines_and_index():
    frame = pd.DataFrame({"cac_global": [1000.0, 1100.0, 1300.0], "arpa_mrr": [200.0, 210.0,
                                                                              None]},
                         index=["2025-Q2", "2025-Q3", "2025-Q4"])
    fig = plots.trend(frame, lang="fr")
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert len(lines) == 2
    assert "CAC global" in texts(fig) and "Panier moyen (MRR)" in texts(fig)
    indexed = plots.trend(frame, index=True).axes[0]
    cac_line = [line for line in indexed.get_lines() if line.get_marker() == "o"][0]
    assert list(cac_line.get_ydata()) == pytest.approx([100.0, 110.0, 130.0])


def test_budget_vs_revenue_shares():
    fig = plots.budget_vs_revenue(CHANNELS, lang="en")
    ax = fig.axes[0]
    assert sorted(round(b.get_width(), 4) for b in visible_bars(ax)) == sorted(
        [0.28, 0.4, 0.32, 0.2, 0.3333, 0.4667])
    assert "46.7%" in texts(fig)


def test_kpi_targets_colours_by_verdict():
    fig = plots.kpi_targets(FUNNEL, lang="en")
    ax = fig.axes[0]
    bars = {round(b.get_width(), 4): b.get_facecolor() for b in visible_bars(ax)}
    green = matplotlib.colors.to_rgba(plots.COLORS["good"])
    red = matplotlib.colors.to_rgba(plots.COLORS["bad"])
    assert bars[0.4074] == green  # meeting -> opportunity meets 40 %
    assert bars[0.1818] == red  # opportunity -> win below 20 %
    assert bars[0.2667] == green  # quote conversion meets 25 %
    labels = texts(plots.kpi_targets(FUNNEL, lang="fr"))
    assert "Taux de transformation des devis" in labels and "zone cible" in labels


def test_heatmap_annotations_in_french():
    frame = pd.DataFrame([[1.0, 0.8], [1.0, np.nan]], index=["2025-01", "2025-02"],
                         columns=[0, 1])
    fig = plots.heatmap(frame, "chart.cohorts", "percent", lang="fr")
    ax = fig.axes[0]
    annotations = sorted(txt.get_text() for txt in ax.texts)
    assert annotations == ["100\u202f%", "100\u202f%", "80\u202f%"]
    assert ax.get_title(loc="left") == "Cohortes"
    spec = plots.heatmap(pd.DataFrame([[1234.5]]), "Grid", ".1f", lang="fr")
    assert spec.axes[0].texts[0].get_text() == "1234,5"


def test_attribution_models_grouped_bars():
    table = pd.DataFrame({"first_touch": [3.0, 1.0], "linear": [2.5, 1.5], "markov": [2.2, 1.8]},
                         index=pd.Index(["Ads", "SEO"], name="channel"))
    fig = plots.attribution_models(table, lang="fr")
    ax = fig.axes[0]
    assert len(ax.containers) == 3 and all(len(c) == 2 for c in ax.containers)
    text = texts(fig)
    assert "Premier contact" in text and "Chaîne de Markov" in text and "Linéaire" in text


def test_ltv_cac_gauge_thresholds():
    fig = plots.ltv_cac_gauge(3.15, lang="en", previous=2.4)
    ax = fig.axes[0]
    thresholds = sorted(line.get_xdata()[0] for line in ax.get_lines()
                        if line.get_linestyle() == "-" and len(set(line.get_xdata())) == 1
                        and line.get_marker() in ("None", "", None))
    assert thresholds == [2.0, 3.0, 5.0]
    text = texts(fig)
    assert "3.15" in text and "healthy" in text
    undefined = plots.ltv_cac_gauge(None, lang="fr")
    assert "non défini" in texts(undefined)


def test_money_short_conventions():
    assert plots.money_short(1500.4, "EUR", "en") == "€1,500"
    assert plots.money_short(-1500.4, "EUR", "fr") == "-1\u00a0500\u00a0€"
    assert plots.money_short(2500, "CHF", "en") == "2,500 CHF"
    assert plots.money_short(None, "EUR", "fr") == "n.d."


def test_every_label_used_by_the_charts_exists():
    for key in ("chart.cac_by_channel", "chart.funnel", "chart.payback", "chart.trend",
                "chart.budget_vs_revenue", "chart.kpi_targets", "chart.attribution",
                "chart.ltv_cac"):
        assert t(key, "en") != t(key, "fr")


# --------------------------------------------------------------------------- legibility


def value_labels(fig: Figure) -> list:
    """The value labels of a chart: its annotations (bars' and levels' amounts)."""
    from matplotlib.text import Annotation

    return [child for ax in fig.axes for child in ax.get_children()
            if isinstance(child, Annotation) and child.get_visible() and child.get_text()]


def assert_no_overlap(fig: Figure, labels: list) -> None:
    fig.canvas.draw()
    boxes = plots.label_boxes(fig, labels)
    for i, first in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not first.overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())


def test_cac_by_channel_labels_clear_each_other_and_the_global_line():
    # The global CAC (1,750) runs right through the top of the Outbound direct bar's label,
    # and neighbouring bars of equal height would print their labels on top of each other.
    channels = {"Ads": {"cac_direct": 1500.0, "cac_fully_loaded": 1520.0},
                "Outbound": {"cac_direct": 1740.0, "cac_fully_loaded": 1745.0},
                "SEO": {"cac_direct": 428.57, "cac_fully_loaded": 1028.57}}
    fig = plots.cac_by_channel(channels, cac_global=1750.0)
    labels = value_labels(fig)
    assert len(labels) == 6
    assert_no_overlap(fig, labels)
    ax = fig.axes[0]
    line_y = ax.transData.transform((0, 1750.0))[1]
    for box in plots.label_boxes(fig, labels):
        assert not box.y0 <= line_y <= box.y1
        assert box.y1 <= ax.get_window_extent().y1 + 1  # still inside the axes


def test_cac_by_period_levels_do_not_overlap():
    months = pd.period_range("2025-01", "2025-06", freq="M")
    monthly = pd.Series([1000.0, 1010, 990, 1005, 1000, 995], index=months)
    quarterly = pd.Series([1000.0, 1001.0], index=pd.period_range("2025Q1", "2025Q2", freq="Q"))
    yearly = pd.Series([1000.5], index=pd.period_range("2025", "2025", freq="Y"))
    fig = plots.cac_by_period(monthly, quarterly, yearly)
    labels = value_labels(fig)
    assert len(labels) == 3
    assert_no_overlap(fig, labels)


def test_sector_ranges_marks_clear_the_range_labels():
    fig = plots.sector_ranges({"Q1": 600.0, "Q2": 640.0, "Q3": 700.0})
    marks = value_labels(fig)
    assert len(marks) == 3
    fixed = [text for text in fig.axes[0].texts if text not in marks]
    assert_no_overlap(fig, marks + fixed)


def test_payback_curve_stops_when_the_customer_leaves():
    fig = plots.payback_curve(3000.0, 100.0, 0.7, months=48, lifetime_months=36)
    ax = fig.axes[0]
    curve = ax.lines[0]
    assert max(curve.get_xdata()) == 36  # no margin earned after the customer has left
    text = texts(fig)
    assert t("chart.lifetime_end", "en", months="36") in text
    assert t("chart.leaves_before_payback", "en", lifetime="36", payback="42.9") in text
    assert t("chart.payback_at", "en", months="42.9") not in text
    paid = plots.payback_curve(1200.0, 150.0, 0.7, months=48, lifetime_months=36)
    assert t("chart.payback_at", "en", months="11.4") in texts(paid)
    assert "before payback" not in texts(paid)


def test_heatmap_cells_are_legible():
    frame = pd.DataFrame([[0.1, 0.2], [0.3, 0.4]], index=["a", "b"], columns=["x", "y"])
    fig = plots.heatmap(frame, "chart.cohort_conversion", "percent")
    sizes = {text.get_fontsize() for text in fig.axes[0].texts}
    assert sizes and min(sizes) >= 10
