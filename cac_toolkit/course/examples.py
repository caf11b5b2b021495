"""The worked examples of the source articles, as small audit folders in the contract's format.

Each builder returns the tables of one example; :func:`write_examples` writes them under
``data/`` (the committed copies are checked against these builders by the tests, so they
cannot drift). The figures the articles give are in :data:`SEED_FIGURES`.

- ``saas_quarter``: the 60-client SaaS quarter (marketing 36,000, sales 54,000; SEO 12,000
  for 28 clients, Ads 18,000 for 12, Outbound 24,000 for 20; 200 a month, 70 % margin, 30
  months). Written as a French Excel export (``;``, ``1 500,00``, ``31/01/2026``), with rows
  the counting rules must leave out: renewals, upsells, cross-sells, a reactivation, free
  sign-ups, second ``new`` deals of accounts already acquired, and rows outside the quarter.
- ``inbound_outbound``: the scale-up spending 20,000 on content for 50 customers and 30,000
  on phone prospecting for 15.
- ``ltv_example``: CAC 1,200, 150 a month for 36 months at 70 % margin.
- ``two_companies``: CAC 1,000 for a recurring business and for one-off 1,500 sales.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

#: The figures printed in the articles, as the tests pin them.
SEED_FIGURES = {
    "saas_quarter": {
        "marketing": 36_000.0, "sales": 54_000.0, "new_customers": 60, "cac": 1_500.0,
        "channels": {"SEO": (12_000.0, 28, 428.57), "Ads": (18_000.0, 12, 1_500.0),
                     "Outbound": (24_000.0, 20, 1_200.0)},
        "fully_loaded": {"SEO": 1_028.57, "Ads": 2_100.0, "Outbound": 1_800.0},
        "mrr": 200.0, "gross_margin": 0.70, "lifetime_months": 30,
        "ltv": 4_200.0, "ltv_cac": 2.8, "payback_months": 10.71,
    },
    "inbound_outbound": {"inbound": (20_000.0, 50, 400.0), "outbound": (30_000.0, 15, 2_000.0)},
    "ltv_example": {"cac": 1_200.0, "mrr": 150.0, "months": 36, "gross_margin": 0.70,
                    "ltv": 3_780.0, "ltv_cac": 3.15},
    "two_companies": {"cac": 1_000.0, "recurring_ltv": 10_000.0, "recurring_years": 5,
                      "recurring_ratio": 10.0, "one_off_sale": 1_500.0},
    "enterprise_pivot": {"cac_before": 1_500.0, "cac_after": 3_000.0,
                         "annual_contract": 50_000.0, "retention": 0.90, "ltv_cac_min": 5.0},
}

QUARTER = ("2026-01-01", "2026-03-31")


def _months(start: str, n: int) -> list[pd.Timestamp]:
    return list(pd.date_range(start, periods=n, freq="MS"))


def saas_quarter() -> dict[str, pd.DataFrame]:
    """The 60-client SaaS quarter (Q1 2026) with the rows the counting rules exclude."""
    months = _months("2026-01-01", 3)
    spend_rows = []
    for month in months:
        day = month + pd.Timedelta(days=27)
        spend_rows += [
            (day, 4_000.00, "marketing", "SEO", "SEO agency retainer"),
            (day, 6_000.00, "marketing", "Ads", "Google and LinkedIn Ads"),
            (day, 1_250.00, "marketing", "", "Marketing automation licence"),
            (day, 750.00, "marketing", "shared", "Brand content"),
            (day, 8_000.00, "sales", "Outbound", "SDR salaries"),
            (day, 7_500.00, "sales", "shared", "Account executive salaries"),
            (day, 1_000.00, "sales", "shared", "CRM and prospecting tools"),
            (day, 1_500.00, "sales", "", "Sales management"),
        ]
    # Outside the quarter: must not enter the numerator.
    spend_rows += [
        (pd.Timestamp("2025-12-29"), 9_999.99, "marketing", "Ads", "December Ads"),
        (pd.Timestamp("2026-04-02"), 5_432.10, "sales", "Outbound", "April SDR bonus"),
    ]
    spend = pd.DataFrame(spend_rows, columns=["date", "amount", "category", "channel", "item"])

    deals = []
    plan = [("SEO", 28), ("Ads", 12), ("Outbound", 20)]
    n = 0
    for channel, count in plan:
        for i in range(count):
            n += 1
            won = pd.Timestamp("2026-01-05") + pd.Timedelta(days=(n * 37) % 85)
            deals.append((f"D{n:03d}", f"ACC{n:03d}", won, channel, "new", True, 200.0, None,
                          "SMB" if i % 3 else "Mid-market"))
    extra = [
        # A second "new" deal of accounts already acquired this quarter: one customer each.
        ("D101", "ACC001", "2026-03-20", "SEO", "new", True, 200.0, None, "SMB"),
        ("D102", "ACC030", "2026-03-21", "Ads", "new", True, 200.0, None, "SMB"),
        ("D103", "ACC045", "2026-03-22", "Outbound", "new", True, 200.0, None, "SMB"),
        # Renewals, upsells, cross-sells and a reactivation: never new customers.
        *[(f"D2{i:02d}", f"OLD{i:03d}", "2026-02-10", "SEO", "renewal", True, 180.0, None, "SMB")
          for i in range(10)],
        *[(f"D3{i:02d}", f"ACC{i + 1:03d}", "2026-03-15", "Outbound", "upsell", True, 50.0, None,
           "SMB") for i in range(5)],
        ("D401", "OLD020", "2026-02-11", "Ads", "cross_sell", True, 30.0, None, "SMB"),
        ("D402", "OLD021", "2026-02-12", "Ads", "cross_sell", True, 30.0, None, "SMB"),
        ("D403", "OLD030", "2026-01-20", "Outbound", "reactivation", True, 200.0, None, "SMB"),
        # Free sign-ups (freemium, unpaid POC): costs stay, customers do not.
        *[(f"D5{i:02d}", f"FREE{i:03d}", "2026-02-01", "SEO", "new", False, 0.0, None, "SMB")
          for i in range(12)],
        # A free POC that later converts: the account counts once, on its paid deal.
        ("D512", "ACC060", "2026-01-02", "Outbound", "new", False, 0.0, None, "SMB"),
        # Accounts acquired before the quarter and buying "new" again inside it.
        ("D601", "PRE001", "2025-12-15", "Ads", "new", True, 200.0, None, "SMB"),
        ("D602", "PRE001", "2026-02-15", "Ads", "new", True, 200.0, None, "SMB"),
        # Acquired after the quarter.
        ("D701", "POST001", "2026-04-03", "SEO", "new", True, 200.0, None, "SMB"),
    ]
    deals += [(d, a, pd.Timestamp(w), c, t, p, m, amt, s) for d, a, w, c, t, p, m, amt, s in extra]
    deals = pd.DataFrame(deals, columns=["deal_id", "account_id", "won_date", "channel", "type",
                                         "paid", "mrr", "amount", "segment"])
    return {"spend": spend, "deals": deals}


def inbound_outbound() -> dict[str, pd.DataFrame]:
    """The scale-up: content marketing 20,000 for 50 customers, phone prospecting 30,000 for 15."""
    spend = pd.DataFrame([
        ("2026-04-30", 8_000.00, "marketing", "Inbound", "Blog articles and white papers"),
        ("2026-05-31", 7_000.00, "marketing", "Inbound", "Webinars"),
        ("2026-06-30", 5_000.00, "marketing", "Inbound", "SEO tooling"),
        ("2026-04-30", 8_500.00, "sales", "Outbound", "Phone prospecting team"),
        ("2026-05-31", 8_500.00, "sales", "Outbound", "Phone prospecting team"),
        ("2026-06-30", 8_500.00, "sales", "Outbound", "Phone prospecting team"),
        ("2026-06-30", 4_500.00, "sales", "Outbound", "Sales engagement tools"),
    ], columns=["date", "amount", "category", "channel", "item"])
    rows = []
    for i in range(50):
        rows.append((f"IN{i:03d}", f"I{i:03d}", pd.Timestamp("2026-04-03") + pd.Timedelta(days=i),
                     "Inbound"))
    for i in range(15):
        rows.append((f"OUT{i:03d}", f"O{i:03d}",
                     pd.Timestamp("2026-04-10") + pd.Timedelta(days=5 * i), "Outbound"))
    deals = pd.DataFrame(rows, columns=["deal_id", "account_id", "won_date", "channel"])
    deals["won_date"] = deals["won_date"].dt.strftime("%Y-%m-%d")
    deals["type"] = "new"
    deals["paid"] = True
    return {"spend": spend, "deals": deals}


def ltv_example() -> dict[str, pd.DataFrame]:
    """Ten customers at 150 a month for a CAC of 1,200 (spend 12,000)."""
    spend = pd.DataFrame([("2026-02-27", 7_200.00, "sales", "Outbound", "Sales team"),
                          ("2026-02-27", 4_800.00, "marketing", "Ads", "Campaigns")],
                         columns=["date", "amount", "category", "channel", "item"])
    deals = pd.DataFrame({
        "deal_id": [f"L{i:02d}" for i in range(10)],
        "account_id": [f"A{i:02d}" for i in range(10)],
        "won_date": [f"2026-02-{i + 2:02d}" for i in range(10)],
        "channel": ["Outbound"] * 6 + ["Ads"] * 4,
        "type": "new", "paid": True, "mrr": 150.0,
    })
    return {"spend": spend, "deals": deals}


def two_companies() -> dict[str, dict[str, pd.DataFrame]]:
    """Two companies at CAC 1,000: ten recurring customers, and ten one-off sales of 1,500."""
    out = {}
    for name, mrr, amount in (("recurring", 200.0, None), ("one_off", None, 1_500.0)):
        spend = pd.DataFrame([("2026-03-31", 10_000.00, "sales", "Field sales", "Sales team")],
                             columns=["date", "amount", "category", "channel", "item"])
        deals = pd.DataFrame({
            "deal_id": [f"{name[:1].upper()}{i:02d}" for i in range(10)],
            "account_id": [f"{name[:1].upper()}A{i:02d}" for i in range(10)],
            "won_date": [f"2026-03-{i + 2:02d}" for i in range(10)],
            "channel": "Field sales", "type": "new", "paid": True, "mrr": mrr, "amount": amount,
        })
        out[name] = {"spend": spend, "deals": deals}
    return out


def _write_csv(frame: pd.DataFrame, path: Path, french: bool) -> None:
    """Write a table as an English CSV, or as a French Excel export (``;``, decimal comma)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%d/%m/%Y" if french else "%Y-%m-%d")
        elif pd.api.types.is_float_dtype(out[column]):
            if french:
                out[column] = out[column].map(
                    lambda v: "" if pd.isna(v) else f"{v:,.2f}".replace(",", " ")
                    .replace(".", ","))
            else:
                out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        elif pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map(lambda v: "true" if v else "false")
    out.to_csv(path, sep=";" if french else ",", index=False, lineterminator="\n")


def write_examples(root: str | Path) -> list[Path]:
    """Write every example folder under ``root`` (``data/`` in the repository)."""
    root = Path(root)
    written = []
    folders = {"saas_quarter": (saas_quarter(), True), "inbound_outbound": (inbound_outbound(),
                                                                          False),
               "ltv_example": (ltv_example(), False)}
    for name, tables in two_companies().items():
        folders[f"two_companies_{name}"] = (tables, False)
    for name, (tables, french) in folders.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for table, frame in tables.items():
            path = folder / f"{table}.csv"
            _write_csv(frame, path, french)
            written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - exercised through the tests' regeneration
    for written_path in write_examples(sys.argv[1] if len(sys.argv) > 1 else "data"):
        print(written_path)
