"""Levers that lower the CAC, checked against the CAC article's figures and by hand."""

from __future__ import annotations

import pytest

from cac_toolkit.core.errors import UndefinedMetricError
from cac_toolkit.course.examples import SEED_FIGURES
from cac_toolkit.course.levers import (
    ARTICLE_MIX,
    DIGITAL_CHANNEL,
    Lever,
    LeverResult,
    article_levers,
    automation,
    blended_cac,
    chain,
    channel_mix,
    implied_qualification_share,
    lead_quality,
    lever_scenarios,
    ramp,
    referral,
    referral_blended_cac,
    referral_cac_factor,
    remix,
)

SAAS = SEED_FIGURES["saas_quarter"]
#: Lesson 02's quarter: global CAC 1,500; Ads (the digital campaigns) fully loaded 2,100.
SAAS_CAC, SAAS_ADS = SAAS["cac"], SAAS["fully_loaded"]["Ads"]
ARTICLE_LEVERS = article_levers(SAAS_CAC, SAAS_ADS)


def test_lead_quality_halving_leads_and_doubling_conversion() -> None:
    # 60 % of the spend follows lead volume: halving it saves 30 % with the same customers.
    result = lead_quality(1_500.0, volume_share=0.6)
    assert result.assumptions["customer_factor"] == pytest.approx(1.0)
    assert result.cac_after == pytest.approx(1_500.0 * 0.7)
    assert result.change == pytest.approx(-0.30)
    assert result.saving == pytest.approx(450.0)


def test_lead_quality_general_case_and_bounds() -> None:
    # Fewer leads without better conversion: fixed costs spread on fewer customers.
    result = lead_quality(1_000.0, volume_share=0.5, lead_factor=0.5, conversion_factor=1.0)
    assert result.cac_after == pytest.approx(1_000.0 * 0.75 / 0.5)
    with pytest.raises(ValueError, match="volume_share"):
        lead_quality(1_000.0, volume_share=1.5)
    with pytest.raises(ValueError, match="> 0"):
        lead_quality(1_000.0, volume_share=0.5, lead_factor=0.0)


def test_factor_lever_and_its_ramp() -> None:
    result = LeverResult.from_factor("unified CRM", 2_000.0, 0.75)
    assert result.cac_after == pytest.approx(1_500.0)
    assert result.change == pytest.approx(-0.25)
    path = ramp(result.cac_before, result.cac_after, 12)
    assert len(path) == 13
    assert path.iloc[0] == 2_000.0 and path.iloc[-1] == pytest.approx(1_500.0)
    assert path.loc[6] == pytest.approx(1_750.0)


def test_automation_matches_the_article() -> None:
    share = implied_qualification_share()
    assert share == pytest.approx(0.45)
    result = automation(1_800.0, qualification_share=share)
    assert result.change == pytest.approx(-0.18)
    assert automation(1_000.0, 0.25, 0.40).cac_after == pytest.approx(900.0)
    with pytest.raises(ValueError, match="share"):
        implied_qualification_share(cac_reduction=0.5, time_saved=0.4)
    with pytest.raises(UndefinedMetricError):
        implied_qualification_share(time_saved=0.0)


def test_channel_mix_is_a_harmonic_mean() -> None:
    cacs = {"SEO": 400.0, "Ads": 1_600.0, "Outbound": 1_200.0}
    table = channel_mix(100_000.0, ARTICLE_MIX, cacs)
    assert table.loc["SEO", "new_customers"] == pytest.approx(30_000 / 400)
    assert table.loc["Ads", "new_customers"] == pytest.approx(50_000 / 1_600)
    customers = 75 + 31.25 + 20_000 / 1_200
    assert table.attrs["blended_cac"] == pytest.approx(100_000 / customers)
    assert blended_cac(ARTICLE_MIX, cacs) == pytest.approx(100_000 / customers)
    # Not the weighted average of CACs, which overstates the cost.
    weighted = sum(ARTICLE_MIX[c] * cacs[c] for c in cacs)
    assert blended_cac(ARTICLE_MIX, cacs) < weighted


def test_channel_mix_refuses_bad_inputs() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        channel_mix(1.0, {"SEO": 0.5, "Ads": 0.4}, {"SEO": 1.0, "Ads": 1.0})
    with pytest.raises(KeyError, match="Ads"):
        channel_mix(1.0, {"SEO": 0.5, "Ads": 0.5}, {"SEO": 1.0})
    with pytest.raises(UndefinedMetricError):
        channel_mix(1.0, {"SEO": 1.0}, {"SEO": 0.0})


def test_remix_moves_budget_to_the_target_split() -> None:
    cacs = {"SEO": 500.0, "Ads": 1_500.0, "Outbound": 1_000.0}
    budget = {"SEO": 10_000.0, "Ads": 30_000.0, "Outbound": 10_000.0, "Events": 99_999.0}
    result = remix(budget, cacs)
    before = 50_000 / (20 + 20 + 10)
    after = 50_000 / (15_000 / 500 + 25_000 / 1_500 + 10_000 / 1_000)
    assert result.cac_before == pytest.approx(before)
    assert result.cac_after == pytest.approx(after)
    assert result.assumptions["current_share_Ads"] == pytest.approx(0.6)
    with pytest.raises(UndefinedMetricError):
        remix({}, cacs)


def test_chain_multiplies_relative_effects() -> None:
    steps = chain(2_000.0, [LeverResult.from_factor("alignment", 2_000.0, 0.75),
                           automation(2_000.0, 0.45)])
    assert list(steps.index) == ["start", "alignment", "automation"]
    assert steps["cac"].iloc[-1] == pytest.approx(2_000 * 0.75 * 0.82)
    assert steps["step"].iloc[1] == pytest.approx(-500.0)
    assert steps["step"].sum() == pytest.approx(steps["cac"].iloc[-1] - 2_000)


def test_change_of_a_zero_cac_is_undefined() -> None:
    with pytest.raises(UndefinedMetricError):
        _ = LeverResult("x", 0.0, 0.0).change


# ---------------------------------- one what-if model (was scenarios.lever_scenarios)


def test_referral_is_five_times_cheaper_than_the_digital_campaigns() -> None:
    # The article: within six months 15 % of new customers came by word of mouth, at a CAC
    # five times lower than its digital campaigns'. Lesson 02's quarter, by hand:
    # Ads fully loaded = (18,000 direct + 36,000 pooled x 12 / 60 customers) / 12 = 2,100;
    # a referred customer costs 2,100 / 5 = 420; blended = 0.85 x 1,500 + 0.15 x 420 = 1,338.
    ads_direct, ads_customers, _ = SAAS["channels"]["Ads"]
    pooled = SAAS["marketing"] + SAAS["sales"] - sum(v[0] for v in SAAS["channels"].values())
    assert (ads_direct + pooled * ads_customers / SAAS["new_customers"]) / ads_customers == (
        SAAS_ADS)
    by_hand = (1 - 0.15) * SAAS_CAC + 0.15 * SAAS_ADS / 5
    assert by_hand == pytest.approx(1_338.0)
    assert referral_blended_cac(SAAS_CAC, SAAS_ADS) == pytest.approx(by_hand)
    factor = referral_cac_factor(SAAS_CAC, SAAS_ADS)
    assert factor == pytest.approx(by_hand / SAAS_CAC) == pytest.approx(0.892)
    # The old reading, a fifth of the *global* CAC, gave 0.88: it must not come back.
    assert factor != pytest.approx(0.85 + 0.15 / 5, abs=1e-3)
    result = referral(SAAS_CAC, SAAS_ADS)
    assert (result.cac_after, result.saving) == (pytest.approx(1_338.0), pytest.approx(162.0))
    assert result.change == pytest.approx(-0.108)
    # Referral as cheap as the global CAC divided by k only when Ads costs the global CAC.
    assert referral_cac_factor(1_000.0, 1_000.0, 0.15, 5.0) == pytest.approx(0.88)
    assert referral_cac_factor(1_000.0, 2_000.0, 0.20, 4.0) == pytest.approx(0.8 + 0.2 * 0.5)


def test_referral_refuses_impossible_inputs() -> None:
    with pytest.raises(ValueError):
        referral_blended_cac(1_500.0, 2_100.0, referral_share=1.2)
    with pytest.raises(ValueError):
        referral_blended_cac(1_500.0, 2_100.0, times_cheaper=0.0)
    with pytest.raises(ValueError):
        referral_blended_cac(1_500.0, -1.0)
    with pytest.raises(UndefinedMetricError):
        referral_cac_factor(0.0, 2_100.0)


def test_the_referral_check_and_the_lever_share_one_formula() -> None:
    # Exercise 6 Q6.4 (Q3 2025 of the exercise company) expects the lever's blended CAC.
    from cac_toolkit.audit.kpis import compute_kpis
    from cac_toolkit.audit.params import AuditParameters
    from cac_toolkit.course import checks

    start, end = checks.Q3_2025
    kpis = compute_kpis(checks.exercise_data(), AuditParameters(period_start=start,
                                                                 period_end=end))
    cac = kpis["cac"]["global"]
    ads = kpis["channels"][DIGITAL_CHANNEL]["cac_fully_loaded"]
    expected = checks.check_referral.expect()
    assert expected.value == pytest.approx(referral_blended_cac(cac, ads))
    assert expected.value == pytest.approx(0.85 * cac + 0.15 * ads / 5)


def test_lever_scenarios_on_the_unit_economics() -> None:
    # Moved from test_scenarios.test_unit_economics_and_levers with lever_scenarios.
    table = lever_scenarios(SAAS_CAC, 200, 0.7, 30, ARTICLE_LEVERS).set_index("scenario")
    assert table.loc["Baseline", "ltv_cac"] == pytest.approx(2.8)
    assert table.loc["Unified CRM (marketing-sales alignment)", "cac"] == pytest.approx(1_125)
    assert table.loc["Unified CRM (marketing-sales alignment)", "ltv_cac"] == pytest.approx(
        4_200 / 1_125)
    assert table.loc["Prospecting automation", "cac"] == pytest.approx(1_230)
    assert table.loc["Referral programme", "cac"] == pytest.approx(1_338)
    assert "within six months" in table.loc["Referral programme", "source"]
    assert "5 times cheaper than the digital campaigns" in table.loc["Referral programme",
                                                                      "source"]
    assert table.loc["Retention and upsell", "ltv"] == pytest.approx(220 * 36 * 0.7)
    combined = table.loc["All levers together"]
    assert combined["cac"] == pytest.approx(1_500 * 0.75 * 0.82 * 0.892)
    assert combined["payback_months"] == pytest.approx(combined["cac"] / (220 * 0.7))


def test_a_mechanism_result_is_a_lever() -> None:
    quality = lead_quality(1_500.0, 0.3)
    lever = quality.as_lever()
    assert isinstance(lever, Lever) and lever.name == "lead quality"
    assert lever.cac_factor == pytest.approx(quality.cac_after / quality.cac_before)
    assert "volume_share 0.3" in lever.source
    table = lever_scenarios(1_500, 200, 0.7, 30, [quality, ARTICLE_LEVERS[0]]).set_index(
        "scenario")
    assert table.loc["lead quality", "cac"] == pytest.approx(quality.cac_after)
    assert table.loc["All levers together", "cac"] == pytest.approx(quality.cac_after * 0.75)
    # chain reads a Lever by its CAC factor, as the combined scenario does.
    steps = chain(1_500.0, [quality, ARTICLE_LEVERS[0]])
    assert steps["cac"].iloc[-1] == pytest.approx(table.loc["All levers together", "cac"])
    assert steps.index[-1] == ARTICLE_LEVERS[0].name


def test_lever_explorer_chains_the_article_levers() -> None:
    from cac_toolkit.course import widgets

    mix = remix({"SEO": 30_000.0, "Ads": 60_000.0, "Outbound": 10_000.0},
                {"SEO": 800.0, "Ads": 1_600.0, "Outbound": 3_000.0})
    explorer = widgets.lever_explorer(1_500.0, qualification_share=0.15, volume_share=0.30,
                                      digital_cac=2_100.0, mix=mix)
    article = [LeverResult.from_factor("unified CRM", 1_500.0, 0.75), automation(1_500.0, 0.15),
               lead_quality(1_500.0, 0.30),
               LeverResult.from_factor("referral", 1_500.0, 0.85 + 0.15 * 420 / 1_500)]
    with_mix = chain(1_500.0, [*article, mix])
    assert f"€1,500.00 -&gt; €{with_mix['cac'].iloc[-1]:,.2f}" in explorer.summary.value
    first_chart = bytes(explorer.chart.value)
    assert first_chart.startswith(b"\x89PNG")
    explorer.controls["remix"].value = False
    without_mix = chain(1_500.0, article)
    assert f"€{without_mix['cac'].iloc[-1]:,.2f}" in explorer.summary.value
    assert "channel mix" not in explorer.summary.value
    assert bytes(explorer.chart.value) != first_chart
    assert explorer._repr_mimebundle_()["text/plain"] == widgets.STATIC_NOTE
    # The referral controls: the share and the "times cheaper than digital" multiple.
    explorer.controls["times_cheaper"].value = 2.0
    cheaper = [*article[:3], LeverResult.from_factor("referral", 1_500.0,
                                                      0.85 + 0.15 * 1_050 / 1_500)]
    assert f"€{chain(1_500.0, cheaper)['cac'].iloc[-1]:,.2f}" in explorer.summary.value
def test_remix_of_the_dashboard_compares_like_with_like() -> None:
    # Notebook 08's 30/50/20 remix: fully loaded budgets with fully loaded CACs imply the
    # channels' real new customers (the course once mixed direct budgets with fully loaded
    # CACs: "blended CAC before" 2,364.88 implied 38 customers where there were 76).
    from cac_toolkit.audit.kpis import compute_kpis
    from cac_toolkit.audit.params import AuditParameters
    from cac_toolkit.course import checks
    from cac_toolkit.course.levers import ARTICLE_MIX, fully_loaded_budgets

    quarter = AuditParameters(period_start="2025-10-01", period_end="2025-12-31")
    channels = compute_kpis(checks.sample_data(), quarter)["channels"]  # notebook 08's quarter
    budgets = fully_loaded_budgets(channels)
    cacs = {c: channels[c]["cac_fully_loaded"] for c in ARTICLE_MIX}
    result = remix(budgets, cacs)
    customers = sum(channels[c]["new_customers"] for c in ARTICLE_MIX)
    assert result.assumptions["customers_before"] == pytest.approx(customers)
    assert result.cac_before == pytest.approx(sum(budgets.values()) / customers)
    direct = {c: channels[c]["spend_direct"] for c in ARTICLE_MIX}
    direct_cacs = {c: channels[c]["cac_direct"] for c in ARTICLE_MIX}
    assert remix(direct, direct_cacs).assumptions["customers_before"] == pytest.approx(customers)
    mixed = remix(direct, cacs).assumptions["customers_before"]
    assert mixed < customers * 0.9  # the mixed reading loses customers: the test can fail


def _checked_outputs(name: str) -> str:
    import nbformat

    from cac_toolkit.core.resources import notebooks_path

    notebook = nbformat.read(notebooks_path(name), as_version=4)
    return "\n".join(output.get("text", "") or output.get("data", {}).get("text/plain", "")
                     for cell in notebook.cells
                     if cell.cell_type == "code" and cell.source.startswith("# NBVAL_CHECK_OUTPUT")
                     for output in cell.get("outputs", []))


def test_lessons_print_the_referral_of_their_own_quarter() -> None:
    # Lesson 02 (the article's quarter) and lesson 08 (Q4 2025 of the sample company), as
    # committed and checked by nbval: 85 % at the global CAC, 15 % at Ads' fully loaded CAC / 5.
    import dataclasses
    import re

    import yaml

    from cac_toolkit.audit.kpis import compute_kpis
    from cac_toolkit.audit.params import AuditParameters
    from cac_toolkit.core.resources import data_path
    from cac_toolkit.course import checks

    text = _checked_outputs("02_saas_quarter_step_by_step.ipynb")
    factor = (0.85 * SAAS_CAC + 0.15 * SAAS_ADS / 5) / SAAS_CAC  # 1,338 / 1,500
    assert f"referral factor {factor:.4f}" in text  # 0.8920, not the old 0.8800
    assert f"= {0.85 * SAAS_CAC + 0.15 * SAAS_ADS / 5:,.2f} EUR" in text
    assert re.search(rf"Referral programme {SAAS_CAC * factor:,.2f} ", text)

    params = AuditParameters.from_mapping(yaml.safe_load(
        data_path("sample_company", "audit.yaml").read_text()))
    params = dataclasses.replace(params, period_start="2025-10-01", period_end="2025-12-31")
    kpis = compute_kpis(checks.sample_data(), params)
    cac = kpis["cac"]["global"]
    ads = kpis["channels"]["Ads"]["cac_fully_loaded"]
    factor = (0.85 * cac + 0.15 * ads / 5) / cac
    text = _checked_outputs("08_dashboard_and_levers.ipynb")
    assert f"factor {factor:.4f}, CAC {cac * factor:,.2f}" in text
    chained = re.search(r"^referral\s+(-?\d+\.\d{4}) ", text, re.MULTILINE)
    assert chained, "lesson 08's chain of levers has no referral row"
    assert float(chained.group(1)) == pytest.approx(factor - 1, abs=1e-4)
    assert float(chained.group(1)) != pytest.approx(-0.12, abs=1e-3)  # the old reading
