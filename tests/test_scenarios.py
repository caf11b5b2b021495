"""What-ifs of cac_toolkit.course.scenarios (and the widgets built on them), checked by hand."""

from __future__ import annotations

import html

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cac_toolkit.core.errors import UndefinedMetricError  # noqa: E402
from cac_toolkit.core.periods import Period  # noqa: E402
from cac_toolkit.core.resources import data_path  # noqa: E402
from cac_toolkit.course import levers  # noqa: E402
from cac_toolkit.course import scenarios as sc  # noqa: E402
from cac_toolkit.data.loading import load_folder  # noqa: E402

DIRECT = pd.Series({"SEO": 12_000.0, "Ads": 18_000.0, "Outbound": 24_000.0})
CUSTOMERS = pd.Series({"SEO": 28.0, "Ads": 12.0, "Outbound": 20.0})
SHARED = 36_000.0
QUARTER = Period("2026-01-01", "2026-03-31")


# --------------------------------------------------------------------------- counting


def test_explain_counting_on_the_saas_quarter() -> None:
    deals = load_folder(data_path("saas_quarter")).deals
    explained = sc.explain_counting(deals, QUARTER)
    assert len(explained) == len(deals)
    assert int(explained["counted"].sum()) == 60
    by_id = explained.set_index("deal_id")["reason"]
    assert by_id["D001"] == sc.COUNTED
    assert by_id["D101"] == sc.REASONS["repeat"]  # ACC001 already acquired by D001
    assert by_id["D200"] == sc.REASONS["renewal"]
    assert by_id["D300"] == sc.REASONS["upsell"]
    assert by_id["D401"] == sc.REASONS["cross_sell"]
    assert by_id["D403"] == sc.REASONS["reactivation"]
    assert by_id["D500"] == sc.REASONS["unpaid"]
    assert by_id["D512"] == sc.REASONS["unpaid"]  # the free POC of ACC060, paid later
    assert by_id["D601"] == sc.REASONS["outside"]  # PRE001 acquired in December...
    assert by_id["D602"] == sc.REASONS["repeat"]  # ...so its February "new" deal is a repeat
    assert by_id["D701"] == sc.REASONS["outside"]  # acquired in April
    summary = sc.counting_summary(explained).set_index("reason")["rows"]
    assert summary.to_dict() == {sc.COUNTED: 60, sc.REASONS["unpaid"]: 13,
                                 sc.REASONS["renewal"]: 10, sc.REASONS["upsell"]: 5,
                                 sc.REASONS["repeat"]: 4, sc.REASONS["outside"]: 2,
                                 sc.REASONS["cross_sell"]: 2, sc.REASONS["reactivation"]: 1}


# --------------------------------------------------------------------------- allocation keys


def test_allocation_keys_by_hand() -> None:
    table = sc.compare_allocation_keys(DIRECT, CUSTOMERS, SHARED,
                                       sc.illustrative_allocation_keys())
    loaded = table.set_index(["key", "channel"])["cac_fully_loaded"].round(2)
    # new customers 28/12/20 of 60: the article's 1,028.57 / 2,100 / 1,800
    assert loaded["new_customers"].to_dict() == {"Ads": 2_100.0, "Outbound": 1_800.0,
                                                 "SEO": 1_028.57}
    # opportunities 70/50/80 of 200: SEO (12,000 + 12,600) / 28 = 878.57
    assert loaded["opportunities"].to_dict() == {"Ads": 2_250.0, "Outbound": 1_920.0,
                                                 "SEO": 878.57}
    # pipeline 25/15/60 %: Ads (18,000 + 5,400) / 12 = 1,950, below Outbound's 2,280
    assert loaded["pipeline"].to_dict() == {"Ads": 1_950.0, "Outbound": 2_280.0, "SEO": 750.0}
    # time spent 300/525/675 hours of 1,500: Ads (18,000 + 12,600) / 12 = 2,550
    assert loaded["time_spent"].to_dict() == {"Ads": 2_550.0, "Outbound": 2_010.0,
                                              "SEO": 685.71}
    for _key, group in table.groupby("key"):
        assert round(group["shared_allocated"].sum() * 100) == 3_600_000  # to the cent
        assert group["key_share"].sum() == pytest.approx(1.0)
    assert (table["cac_direct"].round(2).isin([428.57, 1_500.0, 1_200.0])).all()


def test_allocation_keys_with_awkward_cents() -> None:
    key = pd.Series({"SEO": 1.0, "Ads": 1.0, "Outbound": 1.0})
    table = sc.compare_allocation_keys(DIRECT, CUSTOMERS, 100.0, {"thirds": key})
    assert sorted(table["shared_allocated"].tolist()) == [33.33, 33.33, 33.34]


# --------------------------------------------------------------------------- budget moves


def test_move_budget_at_current_cacs() -> None:
    table = sc.move_budget(DIRECT, CUSTOMERS, "Ads", "SEO", 6_000, shared_spend=SHARED)
    # Ads loses 6,000 / 1,500 = 4 customers; SEO gains 6,000 / 428.57 = 14.
    assert table.loc["Ads", "customers_after"] == pytest.approx(8.0)
    assert table.loc["SEO", "customers_after"] == pytest.approx(42.0)
    assert table.loc["Outbound", "customers_after"] == 20.0
    assert table["spend_after"].to_dict() == {"SEO": 18_000.0, "Ads": 12_000.0,
                                              "Outbound": 24_000.0}
    totals = sc.budget_totals(table, SHARED)
    assert totals.spend == 90_000.0
    assert (totals.customers_before, totals.cac_before) == (60.0, 1_500.0)
    assert totals.customers_after == pytest.approx(70.0)
    assert totals.cac_after == pytest.approx(90_000 / 70)  # 1,285.71
    assert totals.extra_customers == pytest.approx(10.0)


def test_move_budget_with_saturation() -> None:
    # SEO's extra euros at twice its CAC (857.14): +7 customers instead of +14.
    table = sc.move_budget(DIRECT, CUSTOMERS, "Ads", "SEO", 6_000, target_multiplier=2.0)
    assert table.loc["SEO", "marginal_cac"] == pytest.approx(12_000 / 28 * 2)
    assert table.loc["SEO", "customers_after"] == pytest.approx(35.0)
    assert table.loc["SEO", "cac_after"] == pytest.approx(18_000 / 35)
    # The source never saturates: cutting Ads loses customers at its current CAC.
    assert table.loc["Ads", "marginal_cac"] == pytest.approx(1_500.0)


def test_reallocation_sensitivity_and_breakeven() -> None:
    frame = sc.reallocation_sensitivity(DIRECT, CUSTOMERS, "Ads", "SEO", 6_000,
                                        [1.0, 2.0, 3.5, 4.0], SHARED).set_index("multiplier")
    assert frame.loc[1.0, "customers_after"] == pytest.approx(70.0)
    assert frame.loc[2.0, "customers_after"] == pytest.approx(63.0)
    assert frame.loc[2.0, "cac_global_after"] == pytest.approx(90_000 / 63)
    assert frame["customers_lost"].tolist() == pytest.approx([4.0] * 4)
    assert sc.breakeven_multiplier(DIRECT, CUSTOMERS, "Ads", "SEO") == pytest.approx(3.5)
    assert frame.loc[3.5, "cac_global_after"] == pytest.approx(1_500.0)
    assert frame.loc[4.0, "cac_global_after"] > 1_500.0
    assert (np.diff(frame["cac_global_after"].to_numpy()) > 0).all()


def test_rebudget_refuses_what_it_cannot_know() -> None:
    with pytest.raises(ValueError, match="between 0 and Ads"):
        sc.move_budget(DIRECT, CUSTOMERS, "Ads", "SEO", 20_000)
    with pytest.raises(ValueError, match="different"):
        sc.move_budget(DIRECT, CUSTOMERS, "Ads", "Ads", 1_000)
    with pytest.raises(KeyError, match="Partners"):
        sc.move_budget(DIRECT, CUSTOMERS, "Ads", "Partners", 1_000)
    spend = pd.Series({"Events": 5_000.0, "Referral": 0.0})
    customers = pd.Series({"Events": 0.0, "Referral": 4.0})
    with pytest.raises(UndefinedMetricError, match="no customer"):
        sc.move_budget(spend, customers, "Events", "Referral", 1_000)
    spend = pd.Series({"Events": 5_000.0, "Referral": 0.0})
    customers = pd.Series({"Events": 5.0, "Referral": 4.0})
    with pytest.raises(UndefinedMetricError, match="no direct spend"):
        sc.move_budget(spend, customers, "Events", "Referral", 1_000)
    # A channel with spend and no customer may stay in the table if its budget is untouched.
    spend = pd.concat([DIRECT, pd.Series({"Events": 5_000.0})])
    table = sc.move_budget(spend, CUSTOMERS, "Ads", "SEO", 6_000)
    assert table.loc["Events", "customers_after"] == 0.0
    assert np.isnan(table.loc["Events", "cac_after"])
    assert table["customers_after"].sum() == pytest.approx(70.0)
    # A zero move is always possible and changes nothing.
    table = sc.move_budget(DIRECT, CUSTOMERS, "Ads", "SEO", 0)
    assert table["customers_after"].tolist() == table["customers_before"].tolist()


def test_rebudget_keeps_fully_loaded_consistent() -> None:
    table = sc.move_budget(DIRECT, CUSTOMERS, "Ads", "SEO", 6_000, shared_spend=SHARED)
    loaded = (table["cac_fully_loaded_after"] * table["customers_after"]).sum()
    assert loaded == pytest.approx(90_000.0, abs=0.01)


# --------------------------------------------------------------------------- unit economics


def test_unit_economics() -> None:
    econ = sc.unit_economics(1_500, 200, 0.7, 30)
    assert (econ.ltv, round(econ.ltv_cac, 4), round(econ.payback_months, 2)) == (
        pytest.approx(4_200), 2.8, 10.71)
    assert (econ.ltv_cac_verdict.status, econ.payback_verdict.status) == ("watch", "good")
    free = sc.unit_economics(0, 200, 0.7, 30)
    assert free.ltv_cac is None and free.ltv_cac_verdict.status == "unknown"
    no_margin = sc.unit_economics(1_500, 200, 0.0, 30)
    assert no_margin.payback_months is None and "payback" in no_margin.notes[-1]
    # The levers applied to these unit economics: tests/test_levers.py.


# --------------------------------------------------------------------------- grids


def test_ltv_cac_grid_by_hand() -> None:
    grid = sc.ltv_cac_grid(50_000, 3_000, [0.02, 0.03, 0.3, 0.7], [0.0, 0.5, 0.9])
    assert sc.contract_ltv(50_000, 0.3, 0.9) == pytest.approx(150_000)
    assert grid.loc[0.3, 0.9] == pytest.approx(50.0)  # 150,000 / 3,000
    assert grid.loc[0.7, 0.9] == pytest.approx(50_000 * 0.7 * 10 / 3_000)
    assert grid.loc[0.3, 0.0] == pytest.approx(5.0)  # one year only: 15,000 / 3,000
    assert grid.loc[0.3, 0.5] == pytest.approx(10.0)
    # The "above 5" region at 90 % retention starts at a 3 % margin.
    assert sc.min_margin_for_ratio(50_000, 3_000, 0.9) == pytest.approx(0.03)
    above = grid > 5 + 1e-9
    assert not above.loc[0.02, 0.9] and above.loc[0.3, 0.9] and above.loc[0.7, 0.5]
    assert grid.loc[0.03, 0.9] == pytest.approx(5.0)
    # With a 3-year horizon the bar rises to 11.07 %; with no renewal at all, to 30 %.
    assert sc.min_margin_for_ratio(50_000, 3_000, 0.9, horizon=3) == pytest.approx(
        15_000 / (50_000 * 2.71))
    assert sc.min_margin_for_ratio(50_000, 3_000, 0.9, horizon=1) == pytest.approx(0.3)
    assert list(grid.index) == [0.02, 0.03, 0.3, 0.7]
    assert grid.columns.name == "retention" and grid.index.name == "gross_margin"


# --------------------------------------------------------------------------- channels


def test_channel_economics_by_hand() -> None:
    spend = pd.Series({"Inbound": 20_000.0, "Outbound": 30_000.0})
    won = pd.Series({"Inbound": 50.0, "Outbound": 15.0})
    table = sc.channel_economics(spend, won, {
        "Inbound": sc.ChannelAssumptions(150, 24, 0.7),
        "Outbound": sc.ChannelAssumptions(600, 36, 0.7),
    })
    assert table["cost_per_won"].to_dict() == {"Inbound": 400.0, "Outbound": 2_000.0}
    assert table.loc["Inbound", "ltv"] == pytest.approx(2_520)
    assert table.loc["Outbound", "ltv"] == pytest.approx(15_120)
    assert table.loc["Inbound", "ltv_cac"] == pytest.approx(6.3)
    assert table.loc["Outbound", "ltv_cac"] == pytest.approx(7.56)
    assert table.loc["Inbound", "net_margin_total"] == pytest.approx(50 * 2_120)
    assert table.loc["Outbound", "net_margin_total"] == pytest.approx(15 * 13_120)
    assert table.loc["Outbound", "margin_per_euro"] == pytest.approx(196_800 / 30_000)
    assert table.loc["Outbound", "payback_months"] == pytest.approx(2_000 / 420)
    assert sc.breakeven_monthly_revenue(2_000, 6.3, 36, 0.7) == pytest.approx(500)
    assert sc.breakeven_monthly_revenue(2_000, 6.3, 24, 0.7) == pytest.approx(750)
    curve = sc.ratio_by_monthly_revenue(2_000, [250, 500, 1_000], 36, 0.7)
    assert curve.to_dict() == pytest.approx({250: 3.15, 500: 6.3, 1_000: 12.6})


# --------------------------------------------------------------------------- widgets


def _shown(explorer) -> str:  # noqa: ANN001 - a widgets.Explorer
    """The summary as a reader sees it (HTML entities decoded)."""
    return html.unescape(explorer.summary.value)


def test_ltv_payback_explorer_follows_its_sliders() -> None:
    from cac_toolkit.course import widgets

    explorer = widgets.ltv_payback_explorer()
    assert "LTV     €3,780.00" in _shown(explorer)
    assert "LTV/CAC 3.15" in _shown(explorer)
    first_chart = bytes(explorer.chart.value)
    assert first_chart.startswith(b"\x89PNG")
    explorer.controls["cac"].value = 1_500
    explorer.controls["arpa"].value = 200
    explorer.controls["lifetime_months"].value = 30
    assert "LTV/CAC 2.80" in _shown(explorer)
    assert "Payback 10.7 months" in _shown(explorer)
    assert bytes(explorer.chart.value).startswith(b"\x89PNG")
    assert bytes(explorer.chart.value) != first_chart
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.STATIC_NOTE
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_budget_reallocation_explorer() -> None:
    from cac_toolkit.course import widgets

    explorer = widgets.budget_reallocation_explorer(DIRECT, CUSTOMERS, SHARED)
    assert "New customers: 60.00 -> 70.00 (+10.00)" in _shown(explorer)
    assert "€1,500.00 -> €1,285.71" in _shown(explorer)
    assert bytes(explorer.chart.value).startswith(b"\x89PNG")
    explorer.controls["multiplier"].value = 2.0
    assert "60.00 -> 63.00 (+3.00)" in _shown(explorer)
    explorer.controls["target"].value = "Ads"
    assert "two different channels" in _shown(explorer)
    explorer.controls["target"].value = "Outbound"
    explorer.controls["amount"].value = 24_000  # more than Ads holds: capped at 18,000
    assert "Move €18,000.00 from Ads to Outbound" in _shown(explorer)


# --------------------------------------------------------------------------- course charts


def test_ltv_cac_heatmap_colours_cells_by_verdict() -> None:
    import matplotlib.pyplot as plt

    from cac_toolkit.render import plots

    grid = sc.ltv_cac_grid(50_000, 3_000, [0.02, 0.03, 0.3], [0.0, 0.8, 0.9])
    fig = plots.ltv_cac_heatmap(grid, "LTV/CAC")
    zones = np.asarray(fig.axes[0].collections[0].get_array()).reshape(grid.shape)
    # 0.33 / 1.67 / 3.33 -> fragile, fragile, healthy; 0.5 / 2.5 / 5.0 -> fragile, watch,
    # healthy (5 is not above 5); 5.0 / 25 / 50 -> healthy, then above 5.
    assert zones.tolist() == [[0, 0, 2], [0, 1, 2], [2, 3, 3]]
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert texts[:3] == ["0.3", "1.7", "3.3"] and texts[-1] == "50.0"
    plt.close(fig)


def test_course_charts_draw() -> None:
    import matplotlib.pyplot as plt

    from cac_toolkit.render import plots

    by_key = sc.compare_allocation_keys(DIRECT, CUSTOMERS, SHARED,
                                        sc.illustrative_allocation_keys())
    move = sc.move_budget(DIRECT, CUSTOMERS, "Ads", "SEO", 6_000, shared_spend=SHARED)
    sensitivity = sc.reallocation_sensitivity(DIRECT, CUSTOMERS, "Ads", "SEO", 6_000,
                                              [1, 2, 4], SHARED)
    figures = [
        plots.allocation_keys(by_key),
        plots.budget_reallocation(move),
        plots.reallocation_sensitivity(sensitivity, 1_500),
        plots.ltv_cac_bars(levers.lever_scenarios(1_500, 200, 0.7, 30,
                                                  levers.article_levers(1_500, 2_100))),
        plots.ratio_by_revenue({"out": sc.ratio_by_monthly_revenue(2_000, [100, 500], 36, 0.7)},
                               reference=6.3, reference_label="in"),
    ]
    # 4 keys x 3 channels bars; 3 channels x 2 (before/after) bars per panel.
    assert len(figures[0].axes[0].patches) == 12
    assert [len(ax.patches) for ax in figures[1].axes] == [6, 6]
    assert figures[2].axes[0].lines[0].get_ydata().tolist() == pytest.approx(
        sensitivity["cac_global_after"].tolist())
    assert len(figures[3].axes[0].patches) == 6
    for fig in figures:
        plt.close(fig)


def test_ltv_payback_explorer_says_when_the_customer_leaves_before_payback() -> None:
    from cac_toolkit.course import widgets

    explorer = widgets.ltv_payback_explorer(cac=3_000, arpa=100, gross_margin=0.7,
                                            lifetime_months=36)
    shown = _shown(explorer)
    assert "Payback 42.9 months" in shown
    assert "leaves after 36 months, before paying back its CAC" in shown
    explorer.controls["lifetime_months"].value = 48
    assert "before paying back" not in _shown(explorer)


def test_explorer_readouts_are_amounts_with_their_currency() -> None:
    from cac_toolkit.course import widgets

    explorer = widgets.ltv_payback_explorer(currency="EUR")
    for name in ("cac", "arpa"):
        control = explorer.controls[name]
        assert control.readout_format == widgets.MONEY_READOUT == ",.0f"  # 1,200 not 1200.00
        assert control.description.endswith("(€)")
    moves = widgets.budget_reallocation_explorer(DIRECT, CUSTOMERS, SHARED, currency="USD")
    assert moves.controls["amount"].description.endswith("($)")
    assert moves.controls["amount"].readout_format == ",.0f"


def test_explorers_speak_the_catalogue_s_language() -> None:
    """One set of labels: the widgets' descriptions and summaries come from the catalogue
    (render.i18n.LABELS, widget.*), in French with French numbers, money and punctuation."""
    from cac_toolkit.course import widgets
    from cac_toolkit.render.i18n import LABELS, t

    assert widgets.STATIC_NOTE == LABELS["widget.static_note"]
    french = widgets.ltv_payback_explorer(cac=3_000, arpa=100, gross_margin=0.7,
                                          lifetime_months=36, lang="fr")
    assert french.controls["arpa"].description == "Revenu / mois (€)"
    assert french.controls["lifetime_months"].description == t("widget.lifetime", "fr")
    shown = _shown(french)
    assert "CAC 3\u00a0000,00\u00a0€, 100,00\u00a0€ par mois, marge brute 70\u202f%" in shown
    assert "Payback 42,9 mois" in shown
    assert "avant d'avoir remboursé son CAC\u202f:" in shown
    assert french._repr_mimebundle_()["text/plain"] == t("widget.static_note", "fr")
    moves = widgets.budget_reallocation_explorer(DIRECT, CUSTOMERS, SHARED, lang="fr")
    assert "Nouveaux clients\u202f: 60,00 -> 70,00 (+10,00)" in _shown(moves)
    assert moves.controls["source"].description == "De"
    english = widgets.describe_unit_economics(sc.unit_economics(1_200, 150, 0.70, 36))
    assert english.splitlines()[0] == ("CAC €1,200.00, €150.00 a month, gross margin 70%, "
                                       "lifetime 36 months")


def test_payback_curve_stops_at_the_chosen_lifetime() -> None:
    """#14 item 8: the curve ends where the customer leaves (36 months, a dotted line marks
    it) and the chart says the customer leaves before payback (42.9 months); with a longer
    lifetime the payback point is marked instead."""
    import matplotlib.pyplot as plt

    from cac_toolkit.render import plots

    fig = plots.payback_curve(3_000, 100, 0.7, 48, lifetime_months=36)
    ax = fig.axes[0]
    assert max(ax.lines[0].get_xdata()) == 36
    texts = [text.get_text() for text in ax.texts]
    assert "the customer leaves at month 36, before payback (month 42.9)" in texts
    plt.close(fig)
    fig = plots.payback_curve(3_000, 100, 0.7, 60, lifetime_months=48)
    assert max(fig.axes[0].lines[0].get_xdata()) == 48
    assert [a.get_text() for a in fig.axes[0].texts] == ["paid back in 42.9 months"]
    plt.close(fig)
