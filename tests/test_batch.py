"""``cac-toolkit audit-batch``: one audit per client, a summary, and a failing client skipped."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

RAW = Path(__file__).resolve().parent / "raw_exports"


def test_batch_audits_each_client_and_goes_on_past_a_failure(tmp_path: Path) -> None:
    openpyxl = __import__("openpyxl")
    clients = tmp_path / "clients"
    shutil.copytree(RAW / "client", clients / "raw")
    shutil.copytree(RAW / "contract", clients / "mapped")
    (clients / "broken").mkdir()
    (clients / "broken" / "spend.csv").write_text("date,amount,category\n2026-01-10,-5,"
                                                  "marketing\n", encoding="utf-8")
    (clients / "broken" / "deals.csv").write_text("deal_id,account_id,won_date,channel\n"
                                                  "D1,A1,2026-01-20,SEO\n", encoding="utf-8")
    (clients / "clients.yaml").write_text(
        "parameters: {period: 2026-Q1, gross_margin: 0.8, lifetime_months: 24}\n"
        "clients:\n"
        "  - {name: raw, folder: raw}\n"
        "  - {name: broken, folder: broken}\n"
        "  - {name: mapped, folder: mapped, parameters: {compare_to: previous_calendar}}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "cac_toolkit.cli", "audit-batch",
                             str(clients / "clients.yaml"), "--out", str(out), "--no-progress"],
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 2, result.stderr  # one client failed, the others are done
    rows = list(csv.DictReader(open(out / "summary.csv", encoding="utf-8")))
    assert [(r["client"], r["status"]) for r in rows] == [("raw", "ok"), ("broken", "error"),
                                                          ("mapped", "ok")]
    assert rows[0]["cac_global"] == rows[2]["cac_global"] == "6917.2"
    assert rows[0]["warnings"] == "2" and rows[2]["warnings"] == "0"
    assert rows[1]["error"] == ("spend.csv, column 'amount', row 2: expected a number >= 0 "
                                "such as 1500.50 or 1 500,50, got '-5'")
    assert rows[2]["previous_cac_global"] == "20235.38"  # Q4 2025, the calendar quarter
    assert (out / "raw" / "report.html").is_file() and (out / "mapped" / "kpis.json").is_file()
    assert not (out / "broken").exists()
    sheet = openpyxl.load_workbook(out / "summary.xlsx").active
    assert [c.value for c in sheet[1]][:3] == ["client", "status", "error"]
    assert sheet.cell(2, 1).value == "raw" and sheet.cell(3, 2).value == "error"
    assert sheet.cell(2, 9).value == 6917.2
