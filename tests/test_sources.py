"""sources.yaml and its presets: raw exports in their real layouts give the right figures.

``tests/raw_exports/client`` holds a client's raw exports (HubSpot deals and contacts, a FEC
ledger, a payroll file, Google Ads and LinkedIn Ads reports for reconciliation) with its
``sources.yaml``; ``tests/raw_exports/contract`` is the same company mapped by hand. Both are
written by ``tests/raw_exports/build_raw_exports.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError, InputError
from cac_toolkit.data.loading import load_folder
from cac_toolkit.data.sources.ads import reconcile

RAW = Path(__file__).resolve().parent / "raw_exports"
CLIENT = RAW / "client"
CONTRACT = RAW / "contract"
QUARTER = {"period_start": "2026-01-01", "period_end": "2026-03-31", "gross_margin": "0.8",
           "lifetime_months": "24"}
PARAMS = AuditParameters.from_mapping(QUARTER)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def figures(kpis: dict) -> dict:
    return {k: v for k, v in kpis.items() if k not in ("inputs", "warnings", "parameters")}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cac_toolkit.cli", *args], capture_output=True,
                          text=True, encoding="utf-8")


def copy_client(tmp_path: Path) -> Path:
    folder = tmp_path / "client"
    shutil.copytree(CLIENT, folder)
    return folder


def test_the_build_script_reproduces_the_committed_exports(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(RAW / "build_raw_exports.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for folder in ("client", "contract"):
        assert digests(tmp_path / folder) == digests(RAW / folder)


def test_raw_exports_give_the_figures_of_the_hand_mapped_folder() -> None:
    before = digests(CLIENT)
    raw = compute_kpis(load_folder(CLIENT), PARAMS)
    mapped = compute_kpis(load_folder(CONTRACT), PARAMS)
    assert figures(raw) == figures(mapped)
    # Figures worked out by hand from the facts of build_raw_exports.py:
    assert raw["new_customers"] == 7  # 20 deals in the export, 10 won, 1 of them a renewal
    assert raw["spend"] == {"marketing": 21040.4, "sales": 27380.0, "shared": 28270.0,
                            "direct": 20150.4, "total": 48420.4}
    assert raw["cac"]["global"] == 6917.2  # 48,420.40 / 7
    assert raw["channels"]["Google Ads"]["spend_direct"] == 7200.4  # credit note netted
    assert raw["channels"]["Google Ads"]["new_customers"] == 3
    assert raw["arpa_mrr"] == 535.71  # (400 + 600 + 500 + 800 + 300 + 700 + 450) / 7
    assert digests(CLIENT) == before


def test_kpis_inputs_list_the_raw_files_and_sources_yaml() -> None:
    inputs = compute_kpis(load_folder(CLIENT), PARAMS)["inputs"]
    for key, info in inputs.items():
        assert info["sha256"] == hashlib.sha256((CLIENT / info["file"]).read_bytes()
                                                ).hexdigest(), key
    assert inputs["sources.yaml"]["file"] == "sources.yaml"
    assert inputs["deals"] == {"file": "hubspot-crm-exports-all-deals-2026-04-02.csv",
                               "sha256": inputs["deals"]["sha256"], "rows": 10,
                               "preset": "hubspot_deals"}
    assert inputs["spend[1]"]["preset"] == "fec"
    assert {info["file"] for info in inputs.values()} == {p.name for p in CLIENT.iterdir()}


def test_reconciliation_shows_the_gaps_between_platforms_and_ledger(tmp_path: Path) -> None:
    result = cli("prepare", str(CLIENT), "--out", str(tmp_path / "prepared"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "prepared" / "mapping-report.json").read_text())
    gaps = {(r["channel"], r["month"]): r["gap"] for r in report["reconciliation"]
            if r["gap"]}
    assert gaps == {("Google Ads", "2026-02"): 150.0, ("LinkedIn Ads", "2026-03"): 12.3}
    deals = next(s for s in report["sources"] if s["source"] == "deals")
    assert (deals["rows_read"], deals["rows_kept"]) == (20, 10)
    assert deals["dropped"]["stage 'Closed Lost'"] == 5
    ledger = next(s for s in report["sources"] if s["preset"] == "fec")
    assert "64110000" in ledger["accounts_for_review"]  # payroll: listed, not counted
    markdown = (tmp_path / "prepared" / "mapping-report.md").read_text()
    assert "| Paid search | Google Ads | 3 |" in markdown


def test_prepare_writes_a_contract_folder_with_the_same_figures(tmp_path: Path) -> None:
    out = tmp_path / "prepared"
    result = cli("prepare", str(CLIENT), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".cac-toolkit-prepare", "deals.csv", "leads.csv", "mapping-report.json",
        "mapping-report.md", "spend.csv"]
    assert figures(compute_kpis(load_folder(out), PARAMS)) == figures(
        compute_kpis(load_folder(CONTRACT), PARAMS))
    again = cli("prepare", str(CLIENT), "--out", str(out))  # its own earlier output
    assert again.returncode == 0, again.stderr
    inside = cli("prepare", str(CLIENT), "--out", str(CLIENT / "out"))
    assert inside.returncode == 2 and "must not be inside the input folder" in inside.stderr
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    refused = cli("prepare", str(CLIENT), "--out", str(tmp_path / "mine"))
    assert refused.returncode == 2 and "not written by cac-toolkit prepare" in refused.stderr
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_kpis_command_reads_sources_yaml_and_prints_warnings() -> None:
    args = ["kpis", str(CLIENT)]
    for key, value in QUARTER.items():
        args += ["-p", key, value]
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    kpis = json.loads(result.stdout)
    assert kpis["cac"]["global"] == 6917.2
    assert [w["code"] for w in kpis["warnings"]] == ["reconcile_gap", "reconcile_gap"]
    assert result.stderr.count("cac-toolkit: warning: ") == 2


# --------------------------------------------------------------- Salesforce and Pipedrive

VENDORS = {"salesforce": ("report1775121300000.csv", "salesforce_opportunities", 25,
                          {"footer line": 5, "stage 'Closed Lost'": 5}),
           "pipedrive": ("deals-4812345-77.csv", "pipedrive_deals", 20,
                         {"stage 'lost'": 5, "stage 'open'": 5})}


def hand_mapped(tmp_path: Path) -> Path:
    """The contract folder's spend and deals: what the vendors' exports must give."""
    folder = tmp_path / "hand-mapped"
    folder.mkdir()
    for name in ("spend.csv", "deals.csv"):
        shutil.copy(CONTRACT / name, folder / name)
    return folder


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_crm_export_in_its_real_layout_gives_the_hand_mapped_figures(
        tmp_path: Path, vendor: str) -> None:
    raw = RAW / vendor
    export, preset, rows, dropped = VENDORS[vendor]
    before = digests(raw)
    kpis = compute_kpis(load_folder(raw), PARAMS)
    expected = compute_kpis(load_folder(hand_mapped(tmp_path)), PARAMS)
    assert figures(kpis) == figures(expected)
    assert kpis["new_customers"] == 7 and kpis["cac"]["global"] == 6917.2
    assert kpis["arpa_mrr"] == 535.71 and kpis["warnings"] == []
    assert kpis["inputs"]["deals"] == {"file": export, "sha256": kpis["inputs"]["deals"][
        "sha256"], "rows": 10, "preset": preset}
    out = tmp_path / "prepared"
    result = cli("prepare", str(raw), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert figures(compute_kpis(load_folder(out), PARAMS)) == figures(expected)
    report = json.loads((out / "mapping-report.json").read_text(encoding="utf-8"))
    deals = next(s for s in report["sources"] if s["source"] == "deals")
    assert (deals["rows_read"], deals["rows_kept"]) == (rows, 10)
    assert {k: deals["dropped"][k] for k in dropped} == dropped
    assert digests(raw) == before


def test_salesforce_us_dates_need_date_format_and_are_refused_without_it(tmp_path: Path
                                                                         ) -> None:
    folder = tmp_path / "sf"
    shutil.copytree(RAW / "salesforce", folder)
    yaml_text = (folder / "sources.yaml").read_text(encoding="utf-8")
    assert "  date_format: mdy\n" in yaml_text
    (folder / "sources.yaml").write_text(yaml_text.replace("  date_format: mdy\n", ""),
                                         encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_folder(folder)
    message = str(info.value)
    assert message.startswith("report1775121300000.csv, column 'Close Date'")
    assert "row 2" in message and "14 is not a month" in message and "date_format: mdy" in message


def test_pipedrive_deals_in_a_second_currency_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pd"
    shutil.copytree(RAW / "pipedrive", folder)
    export = folder / "deals-4812345-77.csv"
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    assert ",EUR," in lines[3]
    lines[3] = lines[3].replace(",EUR,", ",USD,")
    export.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_folder(folder)
    assert "USD" in str(info.value) and "single currency" in str(info.value)


def test_a_billing_invoices_export_gives_the_hand_mapped_revenue_table(tmp_path: Path) -> None:
    raw, mapped = RAW / "billing", RAW / "billing_contract"
    before = digests(raw)
    params = AuditParameters.from_mapping({**QUARTER, "lifetime_months": None,
                                           "bootstrap_samples": 200})
    kpis = compute_kpis(load_folder(raw), params)
    assert figures(kpis) == figures(compute_kpis(load_folder(mapped), params))
    assert kpis["ltv_basis"] == "measured" and kpis["warnings"] == []
    assert kpis["inputs"]["revenue"]["preset"] == "invoices"
    revenue = load_folder(raw).revenue
    yearly = revenue[revenue["account_id"] == "cus_504"]
    assert yearly["mrr"].tolist() == [800.0, 800.0]  # 9,600.00 a year, February and March
    out = tmp_path / "prepared"
    result = cli("prepare", str(raw), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert figures(compute_kpis(load_folder(out), params)) == figures(kpis)
    report = json.loads((out / "mapping-report.json").read_text(encoding="utf-8"))
    source = next(s for s in report["sources"] if s["source"] == "revenue")
    assert (source["rows_read"], source["rows_kept"]) == (21, 20)
    assert source["dropped"] == {"status 'void'": 1, "status 'draft'": 1}
    assert digests(raw) == before


def test_an_invoice_over_several_months_is_spread_to_the_cent(tmp_path: Path) -> None:
    folder = write_contract(tmp_path / "f", SPEND, DEALS.replace(",deal stage", "").replace(
        ",Closed Won", "").replace(",Closed Lost", "").replace(",Open", ""), **{
        "sources.yaml": "revenue: {file: invoices.csv, preset: invoices}\n",
        "invoices.csv": "Customer,Status,Period Start,Period End,Amount\n"
                        "A1,paid,2026-01-10,2026-04-10,1000.00\n"  # a quarter: 3 months
                        "A2,paid,2026-01-01,2026-02-01,99.99\n"
                        "A2,uncollectible,2026-02-01,2026-03-01,99.99\n"
                        "A3,paid,2026-03-05,2026-03-05,50\n"})  # no length: one month
    revenue = load_folder(folder).revenue
    rows = [(r.account_id, f"{r.month:%Y-%m}", r.mrr) for r in revenue.itertuples()]
    assert sorted(rows) == [("A1", "2026-01", 333.33), ("A1", "2026-02", 333.33),
                            ("A1", "2026-03", 333.34), ("A2", "2026-01", 99.99),
                            ("A3", "2026-03", 50.0)]


# --------------------------------------------------------------------------- the five cases


def write_contract(folder: Path, spend: str, deals: str, **extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spend.csv").write_text(spend, encoding="utf-8")
    (folder / "deals.csv").write_text(deals, encoding="utf-8")
    for name, text in extra.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


SPEND = ("date,amount,category,channel\n2026-01-10,1000,marketing,Google Ads\n"
         "2026-02-10,500,marketing,SEO\n2026-03-10,900,sales,\n")
DEALS = ("deal_id,account_id,won_date,channel,deal stage\nD1,A1,2026-01-20,Google Ads,Closed Won\n"
         "D2,A2,2026-02-20,SEO,Closed Lost\nD3,A3,2026-03-01,SEO,Open\n")


def warnings_of(folder: Path, **params: str) -> dict[str, str]:
    kpis = compute_kpis(load_folder(folder), AuditParameters.from_mapping(QUARTER | params))
    return {w["code"]: w["message"] for w in kpis["warnings"]}


def test_case1_a_deals_stage_column_warns_and_the_preset_keeps_won_deals(tmp_path: Path
                                                                          ) -> None:
    folder = write_contract(tmp_path / "f", SPEND, DEALS)
    assert warnings_of(folder)["deals_stage_column"] == (
        "deals.csv, column 'deal stage': 2 rows are not won ('closed lost' (1), 'open' (1), "
        "first in row 3) but every row of a deals table counts as a signed deal; keep only "
        "won deals (filter in sources.yaml, or a preset with won_stages)")
    (folder / "sources.yaml").write_text("deals:\n  file: deals.csv\n  filter: {deal stage: "
                                         "[Closed Won]}\n", encoding="utf-8")
    kpis = compute_kpis(load_folder(folder), PARAMS)
    assert kpis["new_customers"] == 1
    assert "deals_stage_column" not in {w["code"] for w in kpis["warnings"]}
    assert compute_kpis(load_folder(CLIENT), PARAMS)["new_customers"] == 7  # not 10 or 20


def test_case2_month_first_dates_read_with_date_format(tmp_path: Path) -> None:
    folder = write_contract(tmp_path / "f", SPEND.replace("2026-01-10", "1/13/2026"),
                            DEALS.replace(",deal stage", "").replace(",Closed Won", "")
                            .replace(",Closed Lost", "").replace(",Open", ""))
    with pytest.raises(InputError) as info:
        load_folder(folder)
    assert str(info.value).startswith("spend.csv, column 'date', row 2: expected a date")
    assert "13 is not a month" in str(info.value)
    (folder / "sources.yaml").write_text("spend:\n  file: spend.csv\n  date_format: mdy\n"
                                         "deals: deals.csv\n", encoding="utf-8")
    data = load_folder(folder)
    assert str(data.spend["date"].iloc[0].date()) == "2026-01-13"


def test_case3_an_unread_spend_file_warns_and_a_period_without_spend_data_is_null(
        tmp_path: Path) -> None:
    folder = write_contract(tmp_path / "f", SPEND, DEALS.replace(
        "D3,A3,2026-03-01,SEO,Open", "D3,A3,2025-11-01,SEO,Closed Won"), **{
        "spend_Q4.csv": "date,amount,category\n2025-11-01,800,marketing\n",
        "deals (1).csv": "deal_id\n"})
    kpis = compute_kpis(load_folder(folder), PARAMS)
    codes = [w["code"] for w in kpis["warnings"]]
    assert codes.count("file_not_read") == 2
    assert any(w["message"].startswith("spend_Q4.csv: looks like a table but is not read")
               for w in kpis["warnings"])
    previous = kpis["previous"]
    assert previous["new_customers"] == 1 and previous["spend"]["total"] == 0.0
    assert previous["cac"] == {"global": None, "marketing": None, "sales": None}
    assert previous["payback_months"] is None
    assert previous["period"] == {"start": "2025-10-03", "end": "2025-12-31"}
    notes = {n["key"]: (n["code"], n["reason"]) for n in kpis["notes"]}
    assert notes["previous.cac.global"] == ("no_spend_data", "no spend data before 2026-01-01")
    partly = compute_kpis(load_folder(folder), AuditParameters.from_mapping(
        QUARTER | {"period_start": "2026-02-01", "period_end": "2026-04-30"}))
    assert partly["cac"]["global"] is not None  # February and March hold spend lines
    assert "spend_partly_covered" in {w["code"] for w in partly["warnings"]}


def test_a_period_after_the_spend_data_has_null_cacs_with_the_reason(tmp_path: Path) -> None:
    folder = write_contract(tmp_path / "f", SPEND, "deal_id,account_id,won_date,channel\n"
                            "D1,A1,2026-01-20,SEO\nD2,A2,2026-05-20,SEO\n")
    kpis = compute_kpis(load_folder(folder), AuditParameters.from_mapping(
        QUARTER | {"period_start": "2026-04-01", "period_end": "2026-06-30"}))
    assert kpis["new_customers"] == 1 and kpis["spend"]["total"] == 0.0
    assert kpis["cac"] == {"global": None, "marketing": None, "sales": None}
    assert kpis["channels"]["SEO"]["cac_direct"] is None
    notes = {n["key"]: (n["code"], n["reason"]) for n in kpis["notes"]}
    assert notes["cac.global"] == ("no_spend_data", "no spend data after 2026-03-31")
    assert kpis["previous"]["cac"]["global"] == 2400.0  # Q1 is covered: 2,400 / 1


def test_case4_amounts_in_thousands_warn_and_scale_multiplies(tmp_path: Path) -> None:
    folder = write_contract(tmp_path / "f", "Dépenses en k€\n" + SPEND,
                            DEALS.replace(",deal stage", "").replace(",Closed Won", "")
                            .replace(",Closed Lost", "").replace(",Open", ""))
    assert "amount_in_thousands" in warnings_of(folder)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "costs.csv").write_text(SPEND.replace("amount", "Amount (k€)"), encoding="utf-8")
    shutil.copy(folder / "deals.csv", raw / "deals.csv")
    (raw / "sources.yaml").write_text("spend:\n  file: costs.csv\n  columns: {amount: "
                                      "Amount (k€)}\ndeals: deals.csv\n", encoding="utf-8")
    assert warnings_of(raw)["amount_in_thousands"].startswith(
        "costs.csv, column 'Amount (k€)': the header says amounts are in thousands")
    (raw / "sources.yaml").write_text("spend:\n  file: costs.csv\n  columns: {amount: "
                                      "Amount (k€)}\n  scale: 1000\ndeals: deals.csv\n",
                                      encoding="utf-8")
    kpis = compute_kpis(load_folder(raw), PARAMS)
    assert kpis["spend"]["total"] == 2_400_000.0
    assert "amount_in_thousands" not in {w["code"] for w in kpis["warnings"]}


def test_case5_a_channel_without_spend_names_the_look_alike_spend_channels(tmp_path: Path
                                                                           ) -> None:
    folder = write_contract(tmp_path / "f", SPEND, "deal_id,account_id,won_date,channel\n"
                            "D1,A1,2026-01-20,Paid Search\nD2,A2,2026-02-20,SEO\n")
    message = warnings_of(folder)["channel_without_spend"]
    assert message == ("channel 'Paid Search' has 1 new customers but no spend line in the "
                       "whole spend table, so its direct CAC reads 0.00; spend channels that "
                       "look alike: Google Ads; map them to one name (channels: in "
                       "sources.yaml)")
    (folder / "sources.yaml").write_text("channels: {Paid Search: Google Ads}\n"
                                         "deals: deals.csv\n", encoding="utf-8")
    kpis = compute_kpis(load_folder(folder), PARAMS)
    assert kpis["channels"]["Google Ads"]["cac_direct"] == 1000.0
    assert "channel_without_spend" not in {w["code"] for w in kpis["warnings"]}


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("deals: [file: x\n", "sources.yaml, line 2: not valid YAML"),
    ("deals:\n  file: hubspot-crm-exports-all-deals-*.csv\n  preset: hubspot_dealz\n",
     "sources.yaml, line 3: deals.preset: unknown preset; expected one of hubspot_deals"),
    ("deals:\n  file: hubspot-crm-exports-all-deals-*.csv\n  preset: hubspot_deals\n"
     "  columns: {channel: Lead Source}\n",
     "sources.yaml, line 4: deals.columns.channel names 'Lead Source', a column "
     "hubspot-crm-exports-all-deals-2026-04-02.csv does not have"),
    ("deals:\n  file: hubspot-crm-exports-all-*.csv\n  preset: hubspot_deals\n",
     "sources.yaml, line 2: deals.file: 'hubspot-crm-exports-all-*.csv' matches 2 files"),
    ("deals:\n  file: hubspot-crm-exports-all-deals-*.csv\n  preset: hubspot_deals\n"
     "  colour: red\n", "sources.yaml, line 4: deals: unknown key; expected one of file"),
])
def test_bad_sources_yaml_is_one_line(tmp_path: Path, yaml_text: str, expected: str) -> None:
    folder = copy_client(tmp_path)
    (folder / "sources.yaml").write_text(yaml_text, encoding="utf-8")
    before = digests(folder)
    with pytest.raises(CacToolkitError) as info:
        load_folder(folder)
    assert str(info.value).startswith(expected), str(info.value)
    assert "\n" not in str(info.value)
    assert digests(folder) == before


def test_a_fec_with_17_columns_and_a_deals_export_without_stage(tmp_path: Path) -> None:
    folder = copy_client(tmp_path)
    fec = folder / "123456789FEC20260331.txt"
    lines = fec.read_text(encoding="utf-8").splitlines()
    fec.write_text("\n".join("|".join(line.split("|")[:17]) for line in lines) + "\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_folder(folder)
    assert str(info.value).startswith("123456789FEC20260331.txt, column 'Idevise', row 1: "
                                      "missing column; expected a header with Idevise")
    shutil.copy(CLIENT / fec.name, fec)
    deals = folder / "hubspot-crm-exports-all-deals-2026-04-02.csv"
    rows = [line.split('","') for line in deals.read_text(encoding="utf-8").splitlines()]
    deals.write_text("\n".join('","'.join(r[:2] + r[3:]) for r in rows) + "\n",
                     encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_folder(folder)
    assert str(info.value).startswith("hubspot-crm-exports-all-deals-2026-04-02.csv, column "
                                      "'Deal Stage', row 1: missing column")


def test_fec_tab_separated_and_a_credit_note_larger_than_its_month(tmp_path: Path) -> None:
    folder = copy_client(tmp_path)
    fec = folder / "123456789FEC20260331.txt"
    fec.write_text(fec.read_text(encoding="utf-8").replace("|", "\t"), encoding="utf-8")
    assert compute_kpis(load_folder(folder), PARAMS)["cac"]["global"] == 6917.2
    text = fec.read_text(encoding="utf-8").replace("Avoir Google Ads février\t0,00\t150,00",
                                                   "Avoir Google Ads février\t0,00\t2500,00")
    fec.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_folder(folder)
    assert "the credit notes of 2026-02 (marketing, Google Ads) exceed its charges by 50.00 " \
           "(entries AC " in str(info.value)
    assert str(info.value).startswith("123456789FEC20260331.txt, row ")


def test_a_won_deal_without_company_is_an_error_unless_missing_account(tmp_path: Path
                                                                       ) -> None:
    folder = copy_client(tmp_path)
    deals = folder / "hubspot-crm-exports-all-deals-2026-04-02.csv"
    deals.write_text(deals.read_text(encoding="utf-8").replace('"Paid search","501"',
                                                               '"Paid search",""'),
                     encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_folder(folder)
    assert str(info.value) == (
        "hubspot-crm-exports-all-deals-2026-04-02.csv, column 'Associated Company IDs', "
        "row 2: expected the company of a won deal (or missing_account: deal_id in "
        "sources.yaml to count the deal as its own account), got an empty cell")
    yaml_text = (folder / "sources.yaml").read_text(encoding="utf-8").replace(
        "  amount_is: mrr\n", "  amount_is: mrr\n  missing_account: deal_id\n")
    (folder / "sources.yaml").write_text(yaml_text, encoding="utf-8")
    assert compute_kpis(load_folder(folder), PARAMS)["new_customers"] == 7


# --------------------------------------------------------------------------- check


def test_check_lists_five_problems_in_one_run(tmp_path: Path) -> None:
    folder = write_contract(
        tmp_path / "f",
        "date,amount,category,channel\n2026-01-10,1000,marketing,Google Ads\n"
        "2026-02-10,-5,marketing,SEO\n",
        "deal_id,account_id,won_date,channel,status\nD1,A1,2026-01-20,Paid Search,won\n"
        "D2,A2,31/02/2026,SEO,lost\n",
        **{"leads.csv": "lead_id,created_date,channel\nL1,,SEO\n",
           "spend_Q4.csv": "date,amount,category\n2025-11-01,800,marketing\n",
           "touchpoints.csv": "account_id,timestamp,channel\nA1,2026-01-01,Ads\n"})
    (folder / "touchpoints.csv").write_text("account_id,timestamp\nA1,2026-01-01\n",
                                            encoding="utf-8")
    result = cli("check", str(folder), "--json")
    assert result.returncode == 2, result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert [(p["level"], p["file"], p["column"], p["row"]) for p in problems] == [
        ("error", "spend.csv", "amount", 3),
        ("error", "deals.csv", "won_date", 3),
        ("error", "leads.csv", "created_date", 2),
        ("error", "touchpoints.csv", "channel", 1),
        ("warning", "deals.csv", "status", 3),
        ("warning", "spend_Q4.csv", None, None),
    ]
    assert all(p["expected"] for p in problems if p["level"] == "error")
    text = cli("check", str(folder))
    assert text.returncode == 2
    assert text.stdout.splitlines()[-1] == f"4 error(s), 2 warning(s) in {folder}"


def test_check_on_the_raw_client_folder_has_no_error() -> None:
    result = cli("check", str(CLIENT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "month first" in result.stdout and "0 error(s), 3 warning(s)" in result.stdout


def test_the_report_shows_the_warnings_at_the_top() -> None:
    from cac_toolkit.render.report import title_block

    kpis = compute_kpis(load_folder(CLIENT), PARAMS)
    html = title_block(kpis, "en").data
    assert "Check the inputs first (2 warnings)" in html
    assert html.index('<div class="cac-warnings">') > html.index("<h1>")
    assert "reconcile_gap" in html and "gap 150.00" in html
    mapped = compute_kpis(load_folder(CONTRACT), PARAMS)
    assert '<div class="cac-warnings">' not in title_block(mapped, "fr").data


def test_the_audit_runs_on_the_raw_folder(tmp_path: Path) -> None:
    from cac_toolkit.runner import run_audit

    result = run_audit(CLIENT, tmp_path / "audit", PARAMS, progress=False)
    assert result.kpis["cac"]["global"] == 6917.2
    html = (tmp_path / "audit" / "report.html").read_text(encoding="utf-8")
    assert "Check the inputs first (2 warnings)" in html
    assert json.loads((tmp_path / "audit" / "kpis.json").read_text())["inputs"][
        "sources.yaml"]["file"] == "sources.yaml"


def test_a_reconciled_month_that_matches_shows_a_zero_gap_never_minus_zero() -> None:
    """Float sums that differ below the cent (0.1 + 0.2 vs 0.3) are a match: gap 0.00."""
    platform = pd.DataFrame({"date": pd.to_datetime(["2026-02-03", "2026-02-10"]),
                             "channel": ["Ads", "Ads"], "amount": [0.1, 0.2]})
    ledger = pd.DataFrame({"date": pd.to_datetime(["2026-02-28"]), "channel": ["Ads"],
                           "amount": [0.30000000000000004 + 1e-12]})
    (row,) = reconcile(platform, ledger, "google_ads")
    assert (row["platform"], row["ledger"]) == (0.3, 0.3)
    assert f"{row['gap']:,.2f}" == "0.00"
    ledger.loc[0, "amount"] = 0.31
    (row,) = reconcile(platform, ledger, "google_ads")
    assert row["gap"] == -0.01
