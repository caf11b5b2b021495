"""Properties that must hold for every input, checked on generated audits (hypothesis).

Allocations add back to the cent; the CAC does not depend on row order, on how a cost is
split into lines, or on deals that never acquire a customer; it scales with the costs;
periods chain; attribution credits add up to the number of new customers; amounts and dates
written in any accepted convention read back exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.money import allocate, to_cents
from cac_toolkit.core.periods import Period
from cac_toolkit.data import loading
from cac_toolkit.data.contract import ColumnSpec
from cac_toolkit.data.loading import AuditData, RawTable
from cac_toolkit.figures.attribution import MODELS, channel_credits
from cac_toolkit.figures.counting import acquisitions

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# compute_kpis takes tens of milliseconds: fewer examples for the properties that call it.
KPI_SETTINGS = settings(SETTINGS, max_examples=25)
QUARTER = AuditParameters.from_mapping({"period_start": "2026-01-01",
                                        "period_end": "2026-03-31"})
CHANNELS = ["SEO", "Ads", "Événements", "Partenaires"]
FIRST_DAY = dt.date(2025, 10, 1)  # the previous period starts 2025-10-03

# --------------------------------------------------------------------------- generated audits

days = st.integers(0, 181).map(lambda n: FIRST_DAY + dt.timedelta(days=n))
cents_st = st.integers(0, 5_000_000)
spend_line = st.tuples(days, cents_st, st.sampled_from(["marketing", "sales"]),
                       st.sampled_from([*CHANNELS, "shared"]))
deal_line = st.tuples(st.integers(0, 14), days, st.sampled_from(CHANNELS),
                      st.sampled_from(["new", "new", "new", "renewal", "upsell", "cross_sell",
                                       "reactivation"]),
                      st.booleans() | st.just(True), st.integers(0, 2000))


@st.composite
def audits(draw: st.DrawFn) -> tuple[list, list]:
    spend = draw(st.lists(spend_line, min_size=1, max_size=25))
    deals = draw(st.lists(deal_line, min_size=1, max_size=25))
    return spend, deals


def spend_frame(lines: list) -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.to_datetime([d for d, *_ in lines]).astype("datetime64[ns]"),
        "amount": [c / 100 for _, c, *_ in lines],
        "category": pd.Series([k for _, _, k, _ in lines], dtype="string"),
        "channel": pd.Series([ch for *_, ch in lines], dtype="string"),
        "item": pd.Series([pd.NA] * len(lines), dtype="string"),
    })


def deals_frame(lines: list) -> pd.DataFrame:
    return pd.DataFrame({
        "deal_id": pd.Series([f"D{i:03d}" for i in range(len(lines))], dtype="string"),
        "account_id": pd.Series([f"A{a}" for a, *_ in lines], dtype="string"),
        "won_date": pd.to_datetime([d for _, d, *_ in lines]).astype("datetime64[ns]"),
        "channel": pd.Series([ch for _, _, ch, *_ in lines], dtype="string"),
        "type": pd.Series([t for *_, t, _, _ in lines], dtype="string"),
        "paid": [bool(p) for *_, p, _ in lines],
        "mrr": [float(m) for *_, m in lines],
        "amount": np.nan,
        "segment": pd.Series([pd.NA] * len(lines), dtype="string"),
    })


def kpis_of(spend: pd.DataFrame, deals: pd.DataFrame,
            params: AuditParameters = QUARTER, touchpoints: pd.DataFrame | None = None) -> dict:
    data = AuditData(spend=spend.reset_index(drop=True), deals=deals.reset_index(drop=True),
                     touchpoints=touchpoints)
    return compute_kpis(data, params)


def has_period_rows(spend: list, deals: list) -> bool:
    inside = [dt.date(2026, 1, 1) <= d <= dt.date(2026, 3, 31)
              for d in [s[0] for s in spend] + [x[1] for x in deals]]
    return any(inside)


def acquisition_figures(kpis: dict) -> dict:
    """What a change that acquires nobody must leave alone."""
    return {
        "spend": kpis["spend"], "new_customers": kpis["new_customers"], "cac": kpis["cac"],
        "channels": {c: {k: v[k] for k in ("spend_direct", "new_customers", "cac_direct",
                                           "shared_allocated", "cac_fully_loaded")}
                     for c, v in kpis["channels"].items()},
        "arpa_mrr": kpis["arpa_mrr"],
        "previous": {k: kpis["previous"][k] for k in ("spend", "new_customers", "cac")},
    }


def total_cents(values: list[float | None]) -> int:
    return sum(round(v * 100) for v in values if v is not None)


# --------------------------------------------------------------------------- allocations


@SETTINGS
@given(st.integers(0, 10**11),
       st.lists(st.floats(0, 1e6, allow_nan=False) | st.just(0.0) | st.integers(0, 50),
                min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_allocate_adds_back_to_the_cent_whatever_the_order(total: int, weights: list,
                                                            rng: object) -> None:
    assume(sum(weights) > 0)
    labels = [f"c{i:02d}" for i in range(len(weights))]
    shares = allocate(total / 100, pd.Series(weights, index=labels, dtype="float64"))
    assert sum(round(v * 100) for v in shares) == total
    assert (shares >= 0).all()
    exact = pd.Series(weights, index=labels) / sum(weights) * total
    assert ((shares * 100 - exact).abs() <= 1 + 1e-6).all()  # each within a cent of its share
    order = list(range(len(weights)))
    rng.shuffle(order)
    again = allocate(total / 100, pd.Series([weights[i] for i in order],
                                            index=[labels[i] for i in order]))
    assert again.sort_index().tolist() == shares.sort_index().tolist()


@KPI_SETTINGS
@given(audits(), st.sampled_from(["deal", "first_touch", "linear", "markov"]))
def test_shared_allocations_add_back_to_pooled_spend(audit: tuple, model: str) -> None:
    spend, deals = audit
    assume(has_period_rows(spend, deals))
    params = AuditParameters.from_mapping({"period_start": "2026-01-01",
                                           "period_end": "2026-03-31",
                                           "attribution_model": model})
    touchpoints = pd.DataFrame({
        "account_id": pd.Series([f"A{a}" for a, *_ in deals], dtype="string"),
        "timestamp": pd.to_datetime([d for _, d, *_ in deals]).astype("datetime64[ns]")
        - pd.Timedelta(days=3),
        "channel": pd.Series([CHANNELS[(a + 1) % 4] for a, *_ in deals], dtype="string")})
    kpis = kpis_of(spend_frame(spend), deals_frame(deals), params, touchpoints)
    allocated = [c["shared_allocated"] for c in kpis["channels"].values()]
    credits = sum(c["new_customers"] for c in kpis["channels"].values())
    assert credits == pytest.approx(kpis["new_customers"], abs=1e-3)  # 4-decimal rounding
    if kpis["new_customers"] and kpis["spend"]["shared"]:
        assert total_cents(allocated) == round(kpis["spend"]["shared"] * 100)
    elif kpis["spend"]["shared"]:
        assert all(a is None for a in allocated)  # no key to split by: said, not guessed


# --------------------------------------------------------------------------- CAC invariances


@KPI_SETTINGS
@given(audits(), st.randoms(use_true_random=False))
def test_cac_does_not_depend_on_row_order(audit: tuple, rng: object) -> None:
    spend, deals = audit
    assume(has_period_rows(spend, deals))
    reference = kpis_of(spend_frame(spend), deals_frame(deals))
    spend_rows, deal_rows = spend_frame(spend), deals_frame(deals)
    spend_order, deal_order = list(range(len(spend))), list(range(len(deals)))
    rng.shuffle(spend_order)
    rng.shuffle(deal_order)
    shuffled = kpis_of(spend_rows.iloc[spend_order], deal_rows.iloc[deal_order])
    assert acquisition_figures(shuffled) == acquisition_figures(reference)
    assert shuffled["ltv"] == reference["ltv"] and shuffled["funnel"] == reference["funnel"]


@KPI_SETTINGS
@given(audits(), st.data())
def test_cac_does_not_depend_on_how_a_cost_is_split_into_lines(audit: tuple,
                                                               data: st.DataObject) -> None:
    spend, deals = audit
    assume(has_period_rows(spend, deals))
    index = data.draw(st.integers(0, len(spend) - 1))
    date, amount, category, channel = spend[index]
    part = data.draw(st.integers(0, amount))
    split = spend[:index] + [(date, part, category, channel),
                             (date, amount - part, category, channel)] + spend[index + 1:]
    assert acquisition_figures(kpis_of(spend_frame(split), deals_frame(deals))) == (
        acquisition_figures(kpis_of(spend_frame(spend), deals_frame(deals))))


@KPI_SETTINGS
@given(audits(), st.lists(st.tuples(st.integers(0, 20), days, st.sampled_from(CHANNELS),
                                    st.sampled_from(["renewal", "upsell", "cross_sell",
                                                     "reactivation", "unpaid"]),
                                    st.integers(0, 3000)), min_size=1, max_size=10))
def test_deals_that_acquire_nobody_change_no_cac(audit: tuple, extra: list) -> None:
    """Renewals, upsells, cross-sells, reactivations and unpaid sign-ups (free trials, POCs)
    never count: adding any number of them, for known or new accounts, changes nothing."""
    spend, deals = audit
    assume(has_period_rows(spend, deals))
    added = [(a, d, ch, "new" if kind == "unpaid" else kind, kind != "unpaid", m)
             for a, d, ch, kind, m in extra]
    assert acquisition_figures(kpis_of(spend_frame(spend), deals_frame(deals + added))) == (
        acquisition_figures(kpis_of(spend_frame(spend), deals_frame(deals))))


@KPI_SETTINGS
@given(audits(), st.integers(1, 10_000).map(lambda n: n / 100))
def test_scaling_every_cost_scales_the_cac(audit: tuple, k: float) -> None:
    spend, deals = audit
    assume(has_period_rows(spend, deals))
    base = kpis_of(spend_frame(spend), deals_frame(deals))
    scaled_spend = spend_frame(spend)
    scaled_spend["amount"] = scaled_spend["amount"] * k
    scaled = kpis_of(scaled_spend, deals_frame(deals))
    n = base["new_customers"]
    for key in ("global", "marketing", "sales"):
        if base["cac"][key] is None:
            assert scaled["cac"][key] is None
            continue
        # each line is rounded to the cent once scaled, the CAC once more
        tolerance = 0.005 * len(spend) / n + 0.005 * (k + 1) + 1e-9
        assert abs(scaled["cac"][key] - k * base["cac"][key]) <= tolerance


# --------------------------------------------------------------------------- periods


@SETTINGS
@given(st.dates(dt.date(1995, 1, 1), dt.date(2090, 1, 1)), st.integers(0, 800))
def test_previous_of_next_is_the_period(start: dt.date, length: int) -> None:
    period = Period(pd.Timestamp(start), pd.Timestamp(start) + pd.Timedelta(days=length))
    assert period.next().previous() == period
    assert period.previous().next() == period
    assert period.next().days == period.previous().days == period.days
    assert period.next().start - period.end == pd.Timedelta(days=1)
    assert period.start - period.previous().end == pd.Timedelta(days=1)


# --------------------------------------------------------------------------- attribution


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 60), st.sampled_from(CHANNELS),
                          st.integers(0, 86_399)), max_size=40),
       st.lists(st.tuples(st.integers(0, 60), st.sampled_from(CHANNELS)), min_size=1,
                max_size=8),
       st.sampled_from(MODELS))
def test_attribution_credits_add_up_to_the_new_customers(touches: list, acquired: list,
                                                         model: str) -> None:
    start = pd.Timestamp("2026-01-01")
    acq = pd.DataFrame({
        "account_id": pd.Series([f"A{i}" for i in range(len(acquired))], dtype="str"),
        "deal_id": pd.Series([f"D{i}" for i in range(len(acquired))], dtype="str"),
        "acquired_date": [start + pd.Timedelta(days=d) for d, _ in acquired],
        "channel": pd.Series([ch for _, ch in acquired], dtype="str")})
    tp = pd.DataFrame({
        "account_id": pd.Series([f"A{a}" for a, *_ in touches], dtype="str"),
        "timestamp": pd.to_datetime([start + pd.Timedelta(days=d, seconds=s)
                                     for _, d, _, s in touches]).astype("datetime64[ns]"),
        "channel": pd.Series([ch for _, _, ch, _ in touches], dtype="str")})
    credits = channel_credits(acq, tp, model, acquired_accounts=acq["account_id"],
                              period_end=start + pd.Timedelta(days=90))
    assert credits.sum() == pytest.approx(len(acq), rel=1e-9)
    assert (credits >= -1e-12).all()


# --------------------------------------------------------------------------- reading back

ACCEPTED_STYLES = {  # (group, decimal, decimal hint of the file)
    "fr": (" ", ",", ","), "fr_nbsp": ("\u00a0", ",", ","), "de": (".", ",", ","),
    "en": (",", ".", "."), "en_in_semicolon_file": (",", ".", ","), "plain": ("", ".", "."),
    "plain_comma": ("", ",", ","),
}


def written(cents: int, style: str, symbol: str) -> str:
    group, decimal, _ = ACCEPTED_STYLES[style]
    units, rest = divmod(cents, 100)
    text = f"{units:,}".replace(",", group) + f"{decimal}{rest:02d}"
    return {"": text, "€": f"{text} €", "EUR": f"EUR {text}", "()": text}[symbol]


@SETTINGS
@given(st.lists(st.integers(0, 99_999_999_999), min_size=1, max_size=30),
       st.sampled_from(sorted(ACCEPTED_STYLES)), st.sampled_from(["", "€", "EUR"]))
def test_amounts_in_every_accepted_convention_read_back_to_the_cent(values: list, style: str,
                                                                    symbol: str) -> None:
    cells = [written(v, style, symbol) for v in values]
    raw = RawTable("t.csv", pd.DataFrame({"x": pd.Series(cells, dtype="str")}),
                   np.arange(2, len(cells) + 2), 1, ACCEPTED_STYLES[style][2])
    parsed = loading.parse_number(raw, "x", ColumnSpec("number"))
    assert [to_cents(v) for v in parsed] == values


@SETTINGS
@given(st.lists(st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 12, 31)),
                min_size=1, max_size=30),
       st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M",
                        "%Y-%m-%d %H:%M:%S+02:00", "%d.%m.%Y"]))
def test_dates_in_every_accepted_format_read_back(values: list, fmt: str) -> None:
    cells = [v.strftime(fmt) for v in values]
    raw = RawTable("t.csv", pd.DataFrame({"x": pd.Series(cells, dtype="str")}),
                   np.arange(2, len(cells) + 2), 1, ".")
    parsed = loading.parse_date(raw, "x", ColumnSpec("timestamp"))
    expected = [pd.Timestamp(dt.datetime.strptime(c.removesuffix("+02:00"),
                                                  fmt.removesuffix("+02:00"))) for c in cells]
    assert parsed.tolist() == expected


@SETTINGS
@given(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=20), st.data())
def test_channel_spellings_differing_by_case_or_spacing_merge(names: list,
                                                              data: st.DataObject) -> None:
    def respell(name: str) -> str:
        case = data.draw(st.sampled_from([str.upper, str.lower, str.title, str]))
        pad = data.draw(st.sampled_from(["", " ", "  ", "\u00a0", "\t"]))
        return pad + case(name) + data.draw(st.sampled_from(["", " ", "\u200b"]))

    raw = RawTable("t.csv", pd.DataFrame({"channel": pd.Series([respell(n) for n in names],
                                                               dtype="str")}),
                   np.arange(2, len(names) + 2), 1, ".")
    frame = pd.DataFrame({"channel": loading.parse_text(raw, "channel", ColumnSpec("text"))})
    merged = loading.harmonise_channels([frame])[0]["channel"]
    assert merged.str.casefold().tolist() == [n.casefold() for n in names]
    assert merged.nunique() == len({n.casefold() for n in names})


# --------------------------------------------------------------------------- known bugs


def half_up_cents(text: str) -> int:
    return int(Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def test_line_rounding_in_the_kpi_file_is_half_up_like_money_to_cents() -> None:
    amount = "536196.825"  # exactly half a cent: half up gives 536,196.83
    spend = spend_frame([(dt.date(2026, 2, 1), 0, "marketing", "SEO")])
    spend["amount"] = float(amount)
    deals = deals_frame([(1, dt.date(2026, 2, 2), "SEO", "new", True, 100)])
    kpis = kpis_of(spend, deals)
    assert round(kpis["spend"]["total"] * 100) == half_up_cents(amount) == to_cents(
        float(amount))


def test_sub_cent_lines_add_up_before_rounding() -> None:
    spend = spend_frame([(dt.date(2026, 2, 1), 0, "marketing", "SEO")] * 1000)
    spend["amount"] = 0.004
    deals = deals_frame([(1, dt.date(2026, 2, 2), "SEO", "new", True, 100)])
    kpis = kpis_of(spend, deals)
    assert kpis["spend"]["total"] == 4.0
    assert kpis["cac"]["global"] == 4.0


def test_acquisitions_are_the_first_paid_new_deal() -> None:
    deals = deals_frame([(1, dt.date(2026, 2, 2), "SEO", "new", False, 0),
                         (1, dt.date(2026, 2, 5), "Ads", "new", True, 100),
                         (1, dt.date(2026, 1, 5), "SEO", "renewal", True, 100)])
    assert acquisitions(deals)[["account_id", "channel"]].values.tolist() == [["A1", "Ads"]]
