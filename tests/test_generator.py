"""The sample-company generator: contract shape, funnel logic, economics, reproducibility."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cac_toolkit.data.generator import (
    CHANNELS,
    TABLES,
    CompanyConfig,
    generate_company,
    generate_touchpoints,
    main,
    write_company,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_company"
START, END = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")
STAGES = [
    "created_date", "mql_date", "sql_date", "meeting_date", "opportunity_date", "quote_date",
]

# Column names fixed by docs/data-format.md (the audit contract); leads.account_id is an extra.
CONTRACT = {
    "spend": ["date", "amount", "category", "channel", "item"],
    "deals": [
        "deal_id", "account_id", "won_date", "channel", "type", "paid", "mrr", "amount",
        "segment",
    ],
    "leads": [
        "lead_id", "created_date", "channel", "segment", "owner", "mql_date", "sql_date",
        "meeting_date", "opportunity_date", "quote_date", "won_date", "lost_date",
        "opportunity_value", "account_id",
    ],
    "touchpoints": ["account_id", "timestamp", "channel"],
    "revenue": ["account_id", "month", "mrr"],
}


@pytest.fixture(scope="module")
def company() -> dict[str, pd.DataFrame]:
    return generate_company()


def acquisitions(deals: pd.DataFrame) -> pd.DataFrame:
    """First paid `new` deal per account (the contract's counting rule), computed here."""
    paid_new = deals[(deals["type"] == "new") & deals["paid"]]
    first = paid_new.sort_values(["won_date", "deal_id"], kind="stable")
    return first.drop_duplicates("account_id")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


# --- shape --------------------------------------------------------------------------------------


def test_tables_and_columns_match_the_contract(company):
    assert tuple(company) == TABLES
    for name, df in company.items():
        assert list(df.columns) == CONTRACT[name], name
        assert len(df) > 0


def test_ids_are_unique(company):
    assert company["deals"]["deal_id"].is_unique
    assert company["leads"]["lead_id"].is_unique
    linked = company["leads"]["account_id"].dropna()
    assert linked.is_unique  # one won lead per acquired account


def test_amounts_are_non_negative_and_to_the_cent(company):
    spend, deals = company["spend"], company["deals"]
    for values in (spend["amount"], deals["mrr"], deals["amount"],
                   company["leads"]["opportunity_value"].dropna()):
        assert (values >= 0).all()
        assert np.allclose(values, values.round(2))
    assert (spend["amount"] > 0).all()


def test_categories_types_and_channels(company):
    spend, deals = company["spend"], company["deals"]
    assert set(spend["category"]) == {"marketing", "sales"}
    assert set(deals["type"]) == {"new", "renewal", "reactivation", "upsell", "cross_sell"}
    assert set(deals["paid"]) == {True, False}
    assert spend["item"].notna().all()
    # Direct channel costs, and pooled costs written both as empty and as "shared".
    assert set(spend["channel"].dropna()) == {*CHANNELS, "shared"}
    assert spend["channel"].isna().any()
    for df in (deals, company["leads"], company["touchpoints"]):
        assert set(df["channel"]) == set(CHANNELS)


def test_dates_are_inside_the_period(company):
    for name, df in company.items():
        for col in df.columns:
            if df[col].dtype.kind == "M":
                values = df[col].dropna()
                assert values.min() >= START, (name, col)
                assert values.max() < END + pd.Timedelta(days=1), (name, col)
    stamps = company["touchpoints"]["timestamp"]
    assert (stamps != stamps.dt.normalize()).mean() > 0.99  # a time of day, not midnight


# --- funnel -------------------------------------------------------------------------------------


def test_stage_dates_are_ordered(company):
    leads = company["leads"]
    for i, earlier in enumerate(STAGES):
        for later in [*STAGES[i + 1:], "won_date", "lost_date"]:
            both = leads[earlier].notna() & leads[later].notna()
            assert (leads.loc[both, earlier] <= leads.loc[both, later]).all(), (earlier, later)
    assert not (leads["won_date"].notna() & leads["lost_date"].notna()).any()


def test_funnel_has_literal_stages_and_open_leads(company):
    leads = company["leads"]
    assert (leads["mql_date"].isna() & leads["meeting_date"].notna()).sum() > 50
    open_opps = (leads["opportunity_date"].notna() & leads["won_date"].isna()
                 & leads["lost_date"].isna())
    assert open_opps.sum() > 50  # still in progress at the end of the period
    with_opp = leads["opportunity_date"].notna()
    assert leads.loc[with_opp, "opportunity_value"].notna().all()
    assert leads.loc[~with_opp, "opportunity_value"].isna().all()
    assert leads["owner"].nunique() == 6


def test_funnel_rates_are_within_the_seed_targets(company):
    leads = company["leads"]
    n = {col: leads[col].notna().sum() for col in [*STAGES, "won_date"]}
    assert 0.40 <= n["opportunity_date"] / n["meeting_date"] <= 0.50
    assert 0.20 <= n["won_date"] / n["opportunity_date"] <= 0.30
    won_quoted = (leads["quote_date"].notna() & leads["won_date"].notna()).sum()
    assert 0.25 <= won_quoted / n["quote_date"] <= 0.32


def test_sales_cycle_grows_with_segment_and_time(company):
    won = company["leads"].dropna(subset=["won_date"])
    cycle = (won["won_date"] - won["opportunity_date"]).dt.days
    by_segment = cycle.groupby(won["segment"]).mean()
    assert by_segment["SMB"] < by_segment["Mid-market"] < by_segment["Enterprise"]
    by_year = cycle.groupby(won["created_date"].dt.year).mean()
    assert by_year[2025] > by_year[2024]


# --- deals and counting --------------------------------------------------------------------------


def test_every_won_lead_is_one_new_paid_account(company):
    leads, deals = company["leads"], company["deals"]
    acq = acquisitions(deals).set_index("account_id")
    won = leads.dropna(subset=["won_date"]).set_index("account_id")
    assert won.index.notna().all()
    assert won.index.isin(acq.index).all()
    assert (acq.loc[won.index, "won_date"] == won["won_date"]).all()
    assert (acq.loc[won.index, "channel"] == won["channel"]).all()
    assert (acq.loc[won.index, "segment"] == won["segment"]).all()


def test_accounts_count_once_despite_extra_deals(company):
    deals = company["deals"]
    acq = acquisitions(deals)
    paid_new = deals[(deals["type"] == "new") & deals["paid"]]
    assert len(paid_new) > len(acq)  # some accounts sign a second `new` deal later
    assert acq["account_id"].is_unique
    # Every account with a renewal, upsell... was acquired before it.
    others = deals[deals["type"] != "new"].merge(
        acq[["account_id", "won_date"]], on="account_id", suffixes=("", "_acq"))
    assert len(others) == (deals["type"] != "new").sum()
    assert (others["won_date"] > others["won_date_acq"]).all()
    # Unpaid sign-ups: some convert later, most never do.
    unpaid = deals[~deals["paid"]]
    assert (unpaid["type"] == "new").all() and (unpaid["mrr"] == 0).all()
    converted = unpaid["account_id"].isin(acq["account_id"])
    assert converted.any() and (~converted).sum() > 100
    assert (deals["type"] == "reactivation").sum() >= 1


def test_economics_are_plausible(company):
    spend, deals = company["spend"], company["deals"]
    acq = acquisitions(deals)
    assert acq["mrr"].between(100, 2000).all()
    arpa = acq.groupby("segment")["mrr"].mean()
    assert arpa["SMB"] < arpa["Mid-market"] < arpa["Enterprise"]
    per_year = spend.groupby(spend["date"].dt.year)["amount"].sum()
    new = acq.groupby(acq["won_date"].dt.year).size()
    cac = per_year / new
    assert ((cac >= 800) & (cac <= 2500)).all()  # SaaS range of the seed article
    assert cac[2025] > cac[2024]  # the warning signal of the report
    direct = spend[spend["channel"].isin(CHANNELS)]
    assert 0.3 < direct["amount"].sum() / spend["amount"].sum() < 0.7


# --- touchpoints ---------------------------------------------------------------------------------


def test_touchpoint_journeys(company):
    tp, deals = company["touchpoints"], company["deals"]
    acq = acquisitions(deals)
    per_account = tp.groupby("account_id").size()
    assert per_account.min() >= 1 and per_account.max() <= 10
    touched = per_account.index
    converters = touched.isin(acq["account_id"])
    assert converters.sum() > 0.8 * len(acq)  # a few customers are untracked
    never_paid = ~touched.isin(deals.loc[deals["paid"], "account_id"])
    assert never_paid.sum() > converters.sum()  # non-converting paths for Markov
    merged = tp.merge(acq[["account_id", "won_date"]], on="account_id")
    assert (merged["timestamp"].dt.normalize() > merged["won_date"]).any()  # after acquisition
    assert tp.equals(tp.sort_values(["account_id", "timestamp"], kind="stable"))


def test_revenue_is_consistent_with_the_deals(company):
    deals, revenue = company["deals"], company["revenue"]
    assert (revenue["month"].dt.day == 1).all() and (revenue["mrr"] > 0).all()
    assert not revenue.duplicated(["account_id", "month"]).any()
    assert revenue["month"].min() >= START and revenue["month"].max() <= END
    first = acquisitions(deals).set_index("account_id")
    # Every paying account, and only those, starts in its acquisition month at its MRR.
    assert set(revenue["account_id"]) == set(first.index)
    opening = revenue.groupby("account_id").first()
    won_month = first["won_date"].dt.to_period("M").dt.to_timestamp()
    assert (opening["month"] == won_month.reindex(opening.index)).all()
    # Where no other deal of the account falls in that month, the MRR is the deal's.
    month_of = deals["won_date"].dt.to_period("M").dt.to_timestamp()
    others = deals[deals["paid"] & ~deals["deal_id"].isin(first["deal_id"])]
    busy = set(zip(others["account_id"], month_of[others.index], strict=True))
    plain = [a for a in opening.index if (a, opening.loc[a, "month"]) not in busy]
    assert len(plain) > 0.9 * len(opening)
    assert (opening.loc[plain, "mrr"] == first.loc[plain, "mrr"]).all()
    # A renewal or a reactivation month is a paying month.
    paying = set(zip(revenue["account_id"], revenue["month"], strict=True))
    for kind in ("renewal", "reactivation"):
        rows = deals[deals["type"] == kind]
        months = rows["won_date"].dt.to_period("M").dt.to_timestamp()
        assert all((a, m) in paying for a, m in zip(rows["account_id"], months, strict=True))


def test_revenue_shows_every_movement_and_heterogeneous_churn(company):
    from cac_toolkit.retention import (
        constant_churn_lifetime,
        fit_geometric,
        fit_sbg_lifetimes,
        lifetimes,
        mrr_matrix,
        mrr_movements,
    )

    matrix = mrr_matrix(company["revenue"])
    moves = mrr_movements(matrix)
    for movement in ("new", "reactivation", "expansion", "contraction", "churn"):
        assert moves[movement].sum() > 0, movement
    life = lifetimes(matrix)
    fit = fit_sbg_lifetimes(life["periods"], life["churned"])
    constant = constant_churn_lifetime(fit_geometric(life["periods"], life["churned"]), 60)
    assert fit.alpha < 1  # customers differ: the loyal ones stay, churn falls with tenure
    assert fit.expected_lifetime(60) > 1.1 * constant


def test_generate_touchpoints_sizes_and_share():
    touchpoints, acquired = generate_touchpoints(200_000, acquired_share=0.3, seed=1)
    assert 950_000 <= len(touchpoints) <= 1_050_000
    assert list(touchpoints.columns) == ["account_id", "timestamp", "channel"]
    assert list(acquired.columns) == ["account_id", "acquired_date", "channel"]
    assert len(acquired) == 60_000 and acquired["account_id"].is_unique
    assert touchpoints["account_id"].nunique() == 200_000
    assert set(touchpoints["channel"]) == set(CHANNELS)
    first = touchpoints.groupby("account_id")["timestamp"].min()
    assert (first.loc[acquired["account_id"]].to_numpy()
            < (acquired["acquired_date"] + pd.Timedelta(days=1)).to_numpy()).all()
    again, _ = generate_touchpoints(1_000, seed=1)
    assert again.equals(generate_touchpoints(1_000, seed=1)[0])


def test_generate_touchpoints_custom_channels_and_empty():
    tp, acq = generate_touchpoints(500, acquired_share=0.5, touches_per_account=2.0,
                                   channels=("a", "b", "c"))
    assert set(tp["channel"]) <= {"a", "b", "c"} and len(acq) == 250
    tp, acq = generate_touchpoints(0)
    assert tp.empty and acq.empty


# --- reproducibility, files, scale --------------------------------------------------------------


def test_same_config_gives_identical_bytes(tmp_path, company):
    write_company(company, tmp_path / "a")
    write_company(generate_company(CompanyConfig()), tmp_path / "b")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    write_company(generate_company(seed=7), tmp_path / "c")
    assert digest(tmp_path / "c") != digest(tmp_path / "a")


def test_committed_sample_matches_the_generator(tmp_path, company):
    write_company(company, tmp_path)
    committed = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted(SAMPLE.glob("*.csv"))}
    assert committed == digest(tmp_path), (
        "data/sample_company drifted: run "
        "`python -m cac_toolkit.data.generator data/sample_company`"
    )
    for path in SAMPLE.glob("*.csv"):
        assert path.stat().st_size < 3_000_000


def test_csv_format(tmp_path, company):
    write_company(company, tmp_path)
    deals = (tmp_path / "deals.csv").read_text(encoding="utf-8").splitlines()
    assert deals[0] == ",".join(CONTRACT["deals"])
    assert {line.split(",")[5] for line in deals[1:]} == {"true", "false"}
    tp = pd.read_csv(tmp_path / "touchpoints.csv", nrows=5)
    assert pd.to_datetime(tp["timestamp"], format="%Y-%m-%d %H:%M:%S").notna().all()
    spend = pd.read_csv(tmp_path / "spend.csv")
    assert np.isclose(spend["amount"].sum(), company["spend"]["amount"].sum())


def test_scale_multiplies_volumes(company):
    big = generate_company(scale=10)
    for name in ("leads", "deals", "touchpoints"):
        ratio = len(big[name]) / len(company[name])
        assert 8.5 < ratio < 11.5, (name, ratio)
    spend_ratio = big["spend"]["amount"].sum() / company["spend"]["amount"].sum()
    assert 8.5 < spend_ratio < 11.5
    assert len(big["spend"]) > 2 * len(company["spend"])  # one salary line per person


def test_other_formats_and_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "pq"), "--format", "parquet", "--scale", "0.05"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(TABLES)
    small = generate_company(scale=0.05)
    back = pd.read_parquet(tmp_path / "pq" / "deals.parquet")
    assert len(back) == len(small["deals"]) and back["paid"].dtype == bool
    paths = write_company({"spend": small["spend"]}, tmp_path / "x", fmt="xlsx")
    assert len(pd.read_excel(paths[0])) == len(small["spend"])
    with pytest.raises(ValueError):
        write_company(small, tmp_path, fmt="json")
    with pytest.raises(ValueError):
        generate_company(scale=0)


def test_other_period():
    tables = generate_company(start="2023-07-01", months=6, seed=3)
    deals = tables["deals"]
    assert deals["won_date"].min() >= pd.Timestamp("2023-07-01")
    assert deals["won_date"].max() <= pd.Timestamp("2023-12-31")
    assert CompanyConfig(start="2023-07-01", months=6).end_date == np.datetime64("2023-12-31")
