"""The command line: one-line errors, exit codes, and never writing into the input folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cac_toolkit.core.resources import data_path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cac_toolkit.cli", *args], capture_output=True,
                          text=True)


def test_kpis_to_stdout() -> None:
    result = run("kpis", str(data_path("saas_quarter")), "-p", "period_start", "2026-01-01",
                 "-p", "period_end", "2026-03-31")
    assert result.returncode == 0, result.stderr
    assert '"global": 1500.0' in result.stdout


def test_bad_parameter_is_one_line() -> None:
    result = run("kpis", str(data_path("saas_quarter")), "-p", "gross_margin", "70")
    assert result.returncode == 2
    assert result.stderr.strip() == ("cac-toolkit: error: parameter gross_margin: expected a "
                                     "share between 0 and 1 (0.7 for 70 %), got '70'")  # as typed


def test_unknown_parameter_names_the_valid_ones() -> None:
    result = run("kpis", str(data_path("saas_quarter")), "-p", "margin", "0.7")
    assert result.returncode == 2
    assert "parameter margin: expected one of period_start" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_row_names_file_column_row(tmp_path: Path) -> None:
    folder = tmp_path / "client"
    shutil.copytree(data_path("saas_quarter"), folder)
    lines = (folder / "spend.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("1 250,00", "douze")
    (folder / "spend.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    result = run("kpis", str(folder), "--out", str(tmp_path / "k.json"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "cac-toolkit: error: spend.csv, column 'amount', row 4: expected a number >= 0 such as "
        "1500.50 or 1 500,50, got 'douze'")
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before
    assert not (tmp_path / "k.json").exists()


def test_missing_table(tmp_path: Path) -> None:
    (tmp_path / "spend.csv").write_text("date,amount,category\n2026-01-01,10,sales\n")
    result = run("kpis", str(tmp_path))
    assert result.returncode == 2
    assert "missing table 'deals'" in result.stderr


def test_output_inside_input_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "client"
    shutil.copytree(data_path("saas_quarter"), folder)
    result = run("kpis", str(folder), "--out", str(folder / "kpis.json"))
    assert result.returncode == 2
    assert "must not be inside the input folder" in result.stderr
    assert not (folder / "kpis.json").exists()


def test_parameters_file(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("period_start: 2026-01-01\nperiod_end: 2026-03-31\ngross_margin: 0.7\n"
                      "lifetime_months: 30\n", encoding="utf-8")
    result = run("kpis", str(data_path("saas_quarter")), "-f", str(params), "-p",
                 "lifetime_months", "36")
    assert result.returncode == 0, result.stderr
    assert '"ltv": 5040.0' in result.stdout  # -p overrides the file: 200 x 0.7 x 36
