"""Write a client's raw exports in their real layouts, and the same facts mapped by hand.

Run ``python tests/raw_exports/build_raw_exports.py`` after changing a fact;
``tests/test_sources.py`` checks that the committed folders are what this script writes.

``client/`` is what a consultant receives, with the ``sources.yaml`` that reads it:

* a HubSpot deals export (quoted header, every stage: won, lost and open deals, an
  ``Existing Business`` renewal, a deal with two associated companies, amounts as MRR);
* a HubSpot contacts export (lifecycle-stage dates);
* the FEC ledger (``|``-separated, ``AAAAMMJJ`` dates, decimal comma, 8-digit accounts, the
  supplier only on the 401 line of each entry, a Google credit note, payroll on 641 left for
  review, VAT and bank lines);
* the sales team's payroll file (a ``;`` CSV with French dates, mapped with ``columns`` and
  ``defaults: {category: sales}``);
* a Google Ads report (UTF-16, tab-separated, two title lines, ``Total:`` rows) and a LinkedIn
  Ads report (title lines, M/D/YYYY dates), both read with ``reconcile: true``.

``contract/`` is the same company as a consultant maps it by hand into the audit contract.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHANNELS = {"Paid search": "Google Ads", "Paid social": "LinkedIn Ads",
            "Organic search": "SEO", "Offline sources": "Events"}

# (record id, name, stage, close date, MRR, deal type, source, company ids)
DEALS = [
    (9001, "Acme", "Closed Won", "2026-01-14 10:12", "400", "New Business", "Paid search",
     "501"),
    (9002, "Bolt", "Closed Won", "2026-01-28 16:40", "600", "New Business", "Organic search",
     "502"),
    (9003, "Cirrus", "Closed Won", "2026-02-10 09:05", "500", "New Business", "Paid social",
     "503;777"),
    (9004, "Dune", "Closed Won", "2026-02-21 11:30", "800", "New Business", "Offline sources",
     "504"),
    (9005, "Epsilon", "Closed Won", "2026-03-03 14:00", "300", "New Business", "Paid search",
     "505"),
    (9006, "Fjord", "Closed Won", "2026-03-18 17:45", "700", "", "Organic search", "506"),
    (9007, "Gamma", "Closed Won", "2026-03-27 08:20", "450", "New Business", "Paid search",
     "507"),
    (9008, "Helio", "Closed Won", "2025-11-05 12:00", "350", "New Business", "Paid social",
     "508"),
    (9009, "Iris", "Closed Won", "2025-12-12 15:30", "550", "New Business", "Organic search",
     "509"),
    (9010, "Iris - renewal", "Closed Won", "2026-03-01 10:00", "550", "Existing Business",
     "Organic search", "509"),
    (9011, "Jade", "Closed Lost", "2026-01-30 10:00", "900", "New Business", "Paid search",
     ""),
    (9012, "Kilo", "Closed Lost", "2026-02-12 10:00", "400", "New Business", "Paid social",
     "512"),
    (9013, "Lumen", "Appointment Scheduled", "2026-04-30 10:00", "650", "New Business",
     "Organic search", "513"),
    (9014, "Mango", "Contract Sent", "2026-04-15 10:00", "500", "New Business", "Paid search",
     "514"),
    (9015, "Nimbus", "Closed Lost", "2025-12-01 10:00", "300", "New Business",
     "Offline sources", ""),
    (9016, "Onyx", "Qualified To Buy", "2026-05-10 10:00", "", "New Business", "Paid search",
     "516"),
    (9017, "Pixel", "Decision Maker Bought-In", "2026-04-20 10:00", "750", "New Business",
     "Organic search", "517"),
    (9018, "Quartz", "Closed Lost", "2026-03-09 10:00", "200", "New Business", "Paid search",
     "518"),
    (9019, "Rho", "Presentation Scheduled", "2026-05-02 10:00", "", "New Business",
     "Paid social", ""),
    (9020, "Sigma", "Closed Lost", "2026-02-27 10:00", "350", "New Business",
     "Offline sources", "520"),
]

# (record id, create date, source, MQL, SQL, opportunity, customer, company)
CONTACTS = [
    (7001, "2025-12-02 09:00", "Paid search", "2025-12-10 10:00", "2025-12-20 10:00",
     "2026-01-02 10:00", "2026-01-14 10:12", "501"),
    (7002, "2026-01-05 11:00", "Organic search", "2026-01-08 09:00", "2026-01-12 09:00",
     "2026-01-15 09:00", "2026-01-28 16:40", "502"),
    (7003, "2026-01-07 14:00", "Paid social", "2026-01-09 14:00", "2026-01-20 14:00",
     "2026-01-25 14:00", "2026-02-10 09:05", "503"),
    (7004, "2026-01-12 08:30", "Offline sources", "2026-01-12 08:30", "", "", "", ""),
    (7005, "2026-01-19 10:00", "Paid search", "2026-01-22 10:00", "2026-02-01 10:00",
     "2026-02-10 10:00", "2026-03-03 14:00", "505"),
    (7006, "2026-02-02 15:00", "Organic search", "", "", "", "", ""),
    (7007, "2026-02-03 09:00", "Paid search", "2026-02-05 09:00", "2026-02-15 09:00", "", "",
     ""),
    (7008, "2026-02-11 16:00", "Offline sources", "2026-02-11 16:00", "2026-02-12 16:00",
     "2026-02-14 16:00", "2026-02-21 11:30", "504"),
    (7009, "2026-02-20 10:00", "Paid social", "2026-02-25 10:00", "", "", "", ""),
    (7010, "2026-03-01 10:00", "Organic search", "2026-03-02 10:00", "2026-03-04 10:00",
     "2026-03-06 10:00", "2026-03-18 17:45", "506"),
    (7011, "2026-03-05 10:00", "Paid search", "2026-03-06 10:00", "2026-03-10 10:00",
     "2026-03-12 10:00", "2026-03-27 08:20", "507"),
    (7012, "2026-03-20 10:00", "Paid search", "", "", "", "", ""),
    (7013, "2025-10-10 10:00", "Paid social", "2025-10-12 10:00", "2025-10-20 10:00",
     "2025-10-25 10:00", "2025-11-05 12:00", "508"),
    (7014, "2025-11-03 10:00", "Organic search", "2025-11-05 10:00", "2025-11-10 10:00",
     "2025-11-20 10:00", "2025-12-12 15:30", "509"),
]

# Ledger invoices: (date, account, label, supplier, amount excl. VAT, channel by hand,
# category by hand). Channel None: a pooled cost. Category None: not an acquisition cost.
INVOICES = [
    (dt.date(2025, 10, 31), "62310000", "Google Ads octobre", "GOOGLE IRELAND LTD", 1800.00,
     "Google Ads", "marketing"),
    (dt.date(2025, 11, 30), "62310000", "Google Ads novembre", "GOOGLE IRELAND LTD", 2100.50,
     "Google Ads", "marketing"),
    (dt.date(2025, 12, 31), "62310000", "Google Ads décembre", "GOOGLE IRELAND LTD", 1950.25,
     "Google Ads", "marketing"),
    (dt.date(2025, 11, 30), "62310000", "Campagne LinkedIn", "LINKEDIN IRELAND UC", 1200.00,
     "LinkedIn Ads", "marketing"),
    (dt.date(2025, 10, 15), "62260000", "Retainer SEO", "AGENCE ORGANIQUE", 1500.00, "SEO",
     "marketing"),
    (dt.date(2025, 12, 15), "62260000", "Retainer SEO", "AGENCE ORGANIQUE", 1500.00, "SEO",
     "marketing"),
    (dt.date(2025, 11, 20), "62330000", "Stand salon SaaS Paris", "COMEXPO", 3000.00,
     "Events", "marketing"),
    (dt.date(2025, 10, 31), "62510000", "Déplacements commerciaux", "SNCF", 420.00, None,
     "sales"),
    (dt.date(2026, 1, 31), "62310000", "Google Ads janvier", "GOOGLE IRELAND LTD", 2300.00,
     "Google Ads", "marketing"),
    (dt.date(2026, 2, 28), "62310000", "Google Ads février", "GOOGLE IRELAND LTD", 2450.00,
     "Google Ads", "marketing"),
    (dt.date(2026, 3, 31), "62310000", "Google Ads mars", "GOOGLE IRELAND LTD", 2600.40,
     "Google Ads", "marketing"),
    (dt.date(2026, 1, 31), "62310000", "LinkedIn janvier", "LINKEDIN IRELAND UC", 1400.00,
     "LinkedIn Ads", "marketing"),
    (dt.date(2026, 2, 28), "62310000", "LinkedIn février", "LINKEDIN IRELAND UC", 1350.00,
     "LinkedIn Ads", "marketing"),
    (dt.date(2026, 3, 31), "62310000", "LinkedIn mars", "LINKEDIN IRELAND UC", 1500.00,
     "LinkedIn Ads", "marketing"),
    (dt.date(2026, 1, 15), "62260000", "Retainer SEO", "AGENCE ORGANIQUE", 1500.00, "SEO",
     "marketing"),
    (dt.date(2026, 2, 15), "62260000", "Retainer SEO", "AGENCE ORGANIQUE", 1500.00, "SEO",
     "marketing"),
    (dt.date(2026, 3, 15), "62260000", "Retainer SEO", "AGENCE ORGANIQUE", 1500.00, "SEO",
     "marketing"),
    (dt.date(2026, 3, 10), "62330000", "Stand salon Big Data", "COMEXPO", 4200.00, "Events",
     "marketing"),
    (dt.date(2026, 2, 5), "62570000", "Déjeuner prospects", "LE BISTROT", 380.00, None,
     "sales"),
    (dt.date(2026, 1, 20), "65100000", "Licence CRM T1", "HUBSPOT INC", 890.00, None,
     "marketing"),
    (dt.date(2026, 2, 12), "62260100", "Honoraires expert-comptable", "CABINET DURAND",
     2400.00, None, None),
]
CREDIT_NOTE = (dt.date(2026, 2, 20), "62310000", "Avoir Google Ads février",
               "GOOGLE IRELAND LTD", 150.00)
PAYROLL_MONTHS = [dt.date(2025, 10, 31), dt.date(2025, 11, 30), dt.date(2025, 12, 31),
                  dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)]
PAYROLL_LEDGER = 26000.00  # the company's whole payroll, on 641: not an acquisition cost
SALES_PAYROLL = 9000.00  # the sales team's share, from the HR file
# Ad platforms by month (platform figures: the ledger has Google's credit note, LinkedIn's
# March invoice differs by 12.30).
GOOGLE_MONTHS = {"2025-10": 1800.00, "2025-11": 2100.50, "2025-12": 1950.25,
                 "2026-01": 2300.00, "2026-02": 2450.00, "2026-03": 2600.40}
LINKEDIN_MONTHS = {"2025-11": 1200.00, "2026-01": 1400.00, "2026-02": 1350.00,
                   "2026-03": 1512.30}

SOURCES_YAML = """\
# How this client's exports map to the audit contract (see docs/importing.md).
channels:
  Paid search: Google Ads
  Paid social: LinkedIn Ads
  Organic search: SEO
  Offline sources: Events

deals:
  file: hubspot-crm-exports-all-deals-*.csv
  preset: hubspot_deals
  amount_is: mrr

leads:
  file: hubspot-crm-exports-all-contacts-*.csv
  preset: hubspot_contacts

spend:
  - file: "*FEC*.txt"
    preset: fec
    accounts:
      "6226": {category: marketing, channel: SEO}
      "6233": {category: marketing, channel: Events}
      "651": {category: marketing}
      "622601": {category: skip}
    channel_rules:
      - {field: CompAuxLib, match: google, channel: Google Ads}
      - {field: CompAuxLib, match: linkedin, channel: LinkedIn Ads}
  - file: payroll-sales-team.csv
    columns: {date: Mois, amount: Coût chargé, item: Équipe}
    defaults: {category: sales}
  - file: google-ads-*.csv
    preset: google_ads
    reconcile: true
  - file: linkedin-ads-*.csv
    preset: linkedin_ads
    reconcile: true
"""


def fr_amount(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def hubspot_deals() -> bytes:
    header = ["Record ID", "Deal Name", "Deal Stage", "Close Date", "Deal owner", "Amount",
              "Pipeline", "Deal Type", "Original Source Type", "Associated Company IDs"]
    lines = [",".join(f'"{h}"' for h in header)]
    for rid, name, stage, close, mrr, kind, source, company in DEALS:
        cells = [str(rid), name, stage, close, "Camille Martin", mrr, "Sales Pipeline", kind,
                 source, company]
        lines.append(",".join(f'"{c}"' for c in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def hubspot_contacts() -> bytes:
    header = ["Record ID", "First Name", "Last Name", "Create Date", "Original Source Type",
              "Became a Lead Date", "Became a Marketing Qualified Lead Date",
              "Became a Sales Qualified Lead Date", "Became an Opportunity Date",
              "Became a Customer Date", "Associated Company IDs"]
    lines = [",".join(f'"{h}"' for h in header)]
    for rid, created, source, mql, sql, opp, won, company in CONTACTS:
        cells = [str(rid), "Prénom", f"Nom {rid}", created, source, created, mql, sql, opp,
                 won, company]
        lines.append(",".join(f'"{c}"' for c in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


FEC_HEADER = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum",
              "CompteLib", "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib",
              "Debit", "Credit", "EcritureLet", "DateLet", "ValidDate", "Montantdevise",
              "Idevise"]
ACCOUNT_LABELS = {"6231": "Annonces et insertions", "6226": "Honoraires",
                  "6233": "Foires et expositions", "6251": "Voyages et déplacements",
                  "6257": "Réceptions", "6510": "Redevances pour logiciels",
                  "6411": "Salaires"}


def fec_lines() -> list[list[str]]:
    """Each invoice as an entry: expense (debit), VAT (debit), supplier 401 (credit)."""
    rows: list[list[str]] = []
    entries = [(d, a, lab, sup, amt, False) for d, a, lab, sup, amt, _, _ in INVOICES]
    entries.append((*CREDIT_NOTE, True))
    entries += [(d, "64110000", f"Salaires {d:%m/%Y}", "", PAYROLL_LEDGER, False)
                for d in PAYROLL_MONTHS]
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    for number, (day, account, label, supplier, amount, credit) in enumerate(entries, 1):
        journal = "OD" if account.startswith("641") else "AC"
        ref = f"F{number:04d}"
        date = f"{day:%Y%m%d}"
        base = [journal, "Achats" if journal == "AC" else "Opérations diverses", str(number),
                date]
        vat = round(amount * 0.2, 2) if journal == "AC" and not account.startswith("651") else 0
        expense = [account, ACCOUNT_LABELS.get(account[:4], "Charges"), "", "", ref, date,
                   label]
        money = [fr_amount(amount), "0,00"] if not credit else ["0,00", fr_amount(amount)]
        rows.append(base + expense + money + ["", "", date, "", ""])
        if vat:
            vat_money = [fr_amount(vat), "0,00"] if not credit else ["0,00", fr_amount(vat)]
            rows.append(base + ["44566000", "TVA déductible", "", "", ref, date, label]
                        + vat_money + ["", "", date, "", ""])
        if journal == "AC":
            total = fr_amount(amount + vat)
            third = ["0,00", total] if not credit else [total, "0,00"]
            code = "".join(ch for ch in supplier if ch.isalpha())[:6]
            rows.append(base + ["40100000", "Fournisseurs", f"F{code}", supplier, ref, date,
                                label] + third + ["", "", date, "", ""])
        else:
            rows.append(base + ["42100000", "Personnel - rémunérations dues", "", "", ref,
                                date, label, "0,00", fr_amount(amount), "", "", date, "",
                                ""])
    return rows


def fec(sep: str = "|") -> bytes:
    lines = [sep.join(FEC_HEADER)] + [sep.join(r) for r in fec_lines()]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def payroll() -> bytes:
    lines = ["Mois;Équipe;Coût chargé"]
    lines += [f"{d:%d/%m/%Y};Équipe commerciale;{fr_amount(SALES_PAYROLL).replace(',', ',')}"
              for d in PAYROLL_MONTHS]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _split(total: float, parts: int) -> list[float]:
    cents = round(total * 100)
    share = cents // parts
    out = [share] * parts
    out[-1] += cents - share * parts
    return [c / 100 for c in out]


def google_ads() -> bytes:
    lines = ["Campaign performance report", "October 1, 2025 - March 31, 2026",
             "Campaign\tDay\tCurrency code\tCost\tImpr.\tClicks"]
    total = 0.0
    for month, amount in GOOGLE_MONTHS.items():
        brand, generic = _split(amount, 2)
        for campaign, cost, day in (("Brand - FR", brand, 5), ("Generic - CRM", generic, 18)):
            lines.append(f"{campaign}\t{month}-{day:02d}\tEUR\t{cost:,.2f}\t1200\t85")
            total += cost
    lines.append(f"Total: Account\t\tEUR\t{total:,.2f}\t\t")
    lines.append(f"Total: Campaigns\t\tEUR\t{total:,.2f}\t\t")
    return "\ufeff".encode("utf-16-le") + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


def linkedin_ads() -> bytes:
    lines = ['"Campaign Performance Report (in UTC)"',
             '"Report Start: 11/1/2025, Report End: 3/31/2026"', "",
             "Start Date (in UTC),Account Name,Campaign Group Name,Campaign Name,Campaign ID,"
             "Currency,Total Spent,Impressions,Clicks"]
    for month, amount in LINKEDIN_MONTHS.items():
        year, mon = (int(x) for x in month.split("-"))
        first, second = _split(amount, 2)
        for campaign, cost, day in (("ABM - DAF", first, 3), ("Lead Gen - CFO", second, 14)):
            lines.append(f"{mon}/{day}/{year},Client SAS,Acquisition,{campaign},"
                         f"{1000 + day},EUR,{cost:.2f},5000,40")
    return ("\n".join(lines) + "\n").encode("utf-8")


def client_files() -> dict[str, bytes]:
    return {
        "sources.yaml": SOURCES_YAML.encode("utf-8"),
        "hubspot-crm-exports-all-deals-2026-04-02.csv": hubspot_deals(),
        "hubspot-crm-exports-all-contacts-2026-04-02.csv": hubspot_contacts(),
        "123456789FEC20260331.txt": fec("|"),
        "payroll-sales-team.csv": payroll(),
        "google-ads-campaigns-2026-04-01.csv": google_ads(),
        "linkedin-ads-campaigns-2026-04-01.csv": linkedin_ads(),
    }


def contract_files() -> dict[str, bytes]:
    """The same company mapped by hand: what the presets must reproduce."""
    spend = ["date,amount,category,channel,item"]
    for day, _, label, _, amount, channel, category in INVOICES:
        if category is None:
            continue
        if label == "Google Ads février":
            amount -= CREDIT_NOTE[4]  # the February credit note, netted by hand
        spend.append(f"{day:%Y-%m-%d},{amount:.2f},{category},{channel or ''},{label}")
    spend += [f"{d:%Y-%m-%d},{SALES_PAYROLL:.2f},sales,,Équipe commerciale"
              for d in PAYROLL_MONTHS]
    deals = ["deal_id,account_id,won_date,channel,type,mrr"]
    for rid, _, stage, close, mrr, kind, source, company in DEALS:
        if stage != "Closed Won":
            continue
        deal_type = "renewal" if kind == "Existing Business" else "new"
        deals.append(f"{rid},{company.split(';')[0]},{close[:10]},{CHANNELS[source]},"
                     f"{deal_type},{mrr}")
    leads = ["lead_id,created_date,channel,mql_date,sql_date,opportunity_date,won_date,"
             "account_id"]
    for rid, created, source, mql, sql, opp, won, company in CONTACTS:
        leads.append(",".join([str(rid), created[:10], CHANNELS[source], mql[:10], sql[:10],
                               opp[:10], won[:10], company]))
    return {name: ("\n".join(lines) + "\n").encode("utf-8") for name, lines in
            (("spend.csv", spend), ("deals.csv", deals), ("leads.csv", leads))}


def build(root: Path) -> list[Path]:
    written = []
    for folder, files in (("client", client_files()), ("contract", contract_files())):
        target = root / folder
        target.mkdir(parents=True, exist_ok=True)
        for old in target.iterdir():
            old.unlink()
        for name, data in sorted(files.items()):
            (target / name).write_bytes(data)
            written.append(target / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    print(f"{len(build(args.out))} files written under {args.out}")


if __name__ == "__main__":
    main()
