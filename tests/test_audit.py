"""The audit end to end: non-default parameters, figures that agree everywhere, failures.

Each full audit starts a kernel and takes ten seconds or so, so the runs are shared by module
fixtures.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError
from cac_toolkit.core.outputs import MARKER, MARKER_TEXT, remove_stale
from cac_toolkit.core.resources import data_path
from cac_toolkit.render.report import fmt
from cac_toolkit.runner import run_audit
from tests.test_workbook import assert_matches_kpis, formulas_lookup, workbook_kpis

NON_DEFAULT = {"period_start": "2025-04-01", "period_end": "2025-09-30",
               "allocation_key": "opportunities", "lang": "fr", "gross_margin": "0.8",
               "monthly_churn": "0.03", "attribution_model": "linear"}


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cac_toolkit.cli", *args], capture_output=True,
                          text=True, **kw)


def as_options(params: dict[str, str]) -> list[str]:
    return [item for name, value in params.items() for item in ("-p", name, value)]


def folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("client") / "acme"
    shutil.copytree(data_path("sample_company"), folder)
    return folder


@pytest.fixture(scope="module")
def french_audit(client: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    before = folder_digest(client)
    out = tmp_path_factory.mktemp("audits") / "acme-2025"
    # A relative --out, as a user types it: the kernel runs elsewhere, the paths must hold.
    result = cli("audit", str(client), "--out", out.name, "--no-progress",
                 *as_options(NON_DEFAULT), cwd=out.parent)
    assert result.returncode == 0, result.stderr
    assert folder_digest(client) == before  # the inputs are only read
    return out


def test_audit_writes_the_four_files(french_audit: Path) -> None:
    assert sorted(p.name for p in french_audit.iterdir()) == [
        MARKER, "kpis.json", "report.html", "report.ipynb", "workbook.xlsx"]
    nb = nbformat.read(french_audit / "report.ipynb", as_version=4)
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"
               and c.source.strip())


def test_kpis_json_is_byte_identical_to_the_kpis_command(french_audit: Path, client: Path
                                                        ) -> None:
    result = cli("kpis", str(client), *as_options(NON_DEFAULT))
    assert result.returncode == 0, result.stderr
    assert (french_audit / "kpis.json").read_text(encoding="utf-8") == result.stdout
    again = cli("kpis", str(client), *as_options(NON_DEFAULT))
    assert again.stdout == result.stdout


def test_parameters_reached_the_figures(french_audit: Path) -> None:
    k = json.loads((french_audit / "kpis.json").read_text(encoding="utf-8"))
    assert k["period"] == {"start": "2025-04-01", "end": "2025-09-30"}
    assert k["allocation_key"] == "opportunities"
    assert k["attribution_model"] == "linear"
    assert k["parameters"]["monthly_churn"] == 0.03 and k["parameters"]["lang"] == "fr"
    # ARPA is printed to the cent; the LTV uses its exact value (a cent of ARPA is 0.27 of LTV).
    assert k["ltv"] == pytest.approx(k["arpa_mrr"] * 0.8 / 0.03, abs=0.27)
    credits = sum(c["new_customers"] for c in k["channels"].values())
    assert credits == pytest.approx(k["new_customers"], abs=1e-3)
    allocated = sum(round(c["shared_allocated"] * 100) for c in k["channels"].values())
    assert allocated == round(k["spend"]["shared"] * 100)


def test_html_shows_the_kpis_in_french_without_code(french_audit: Path) -> None:
    html = (french_audit / "report.html").read_text(encoding="utf-8")
    k = json.loads((french_audit / "kpis.json").read_text(encoding="utf-8"))
    for value in (k["cac"]["global"], k["ltv"], k["arpa_mrr"], k["spend"]["total"],
                  *(c["cac_fully_loaded"] for c in k["channels"].values())):
        assert fmt(value, "money", "fr") in html, value
    assert fmt(k["ltv_cac"], "ratio", "fr") in html
    assert "Coût d'acquisition" in html or "CAC global" in html
    assert "compute_kpis" not in html and "import " not in html  # no code cell
    for source in ("<script src=\"http", "<link href=\"http", "cdnjs", "unpkg"):
        assert source not in html
    for info in k["inputs"].values():
        assert info["sha256"] in html  # provenance


def test_french_report_and_workbook_have_no_english_leftovers(french_audit: Path) -> None:
    """Issue 14 item 5: the French report's visible text and the French workbook's texts hold
    no English decimal (``0.75``) and no untranslated English text of the catalogue."""
    from openpyxl import load_workbook

    from cac_toolkit import __version__
    from tests.test_translations import english_decimals, untranslated, visible_text

    text = visible_text((french_audit / "report.html").read_text(encoding="utf-8"))
    assert english_decimals(text) == [] and untranslated(text) == []
    for french in ("0,8", "0,03", "01/04/2025", "Valeur vie client (CLV)",
                   "Période auditée\u202f: 01/04/2025 – 30/09/2025"):
        assert french in text, french  # parameters, dates, names and periods in French
    book = load_workbook(french_audit / "workbook.xlsx")
    cells = "\n".join(c.value for sheet in book for row in sheet.iter_rows() for c in row
                      if isinstance(c.value, str) and not c.value.startswith("=")
                      and c.value != __version__)
    assert english_decimals(cells) == [] and untranslated(cells) == []
    assert "du 01/04/2025 au 30/09/2025" in cells


def test_workbook_recalculates_to_the_kpis(french_audit: Path) -> None:
    k = json.loads((french_audit / "kpis.json").read_text(encoding="utf-8"))
    path = french_audit / "workbook.xlsx"
    assert_matches_kpis(workbook_kpis(path, formulas_lookup(path)), k, lang="fr")


def test_bad_data_fails_in_one_line_and_keeps_earlier_output(french_audit: Path, client: Path,
                                                             tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(client, broken)
    lines = (broken / "deals.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",new,", ",newish,", 1)
    (broken / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = folder_digest(french_audit)
    result = cli("audit", str(broken), "--out", str(french_audit), "--no-progress")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "cac-toolkit: error: deals.csv, column 'type', row 6: expected one of new, renewal, "
        "reactivation, upsell, cross_sell, got 'newish'")
    assert folder_digest(french_audit) == before


def test_output_must_not_hold_the_inputs(client: Path) -> None:
    result = cli("audit", str(client), "--out", str(client.parent), "--no-progress")
    assert result.returncode == 2
    assert "must not contain or be inside the input folder" in result.stderr
    assert client.is_dir() and (client / "spend.csv").is_file()


def test_failing_notebook_is_kept_for_diagnosis(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("data_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "from cac_toolkit.core.errors import CacToolkitError\n"
        "raise CacToolkitError('spend.csv, column x, row 2: expected y')")]
    source = tmp_path / "failing.ipynb"
    nbformat.write(nb, source)
    out = tmp_path / "out"
    with pytest.raises(CacToolkitError, match=r"expected y \(partly executed notebook kept in"):
        run_audit(data_path("saas_quarter"), out, AuditParameters(
            period_start="2026-01-01", period_end="2026-03-31"), progress=False,
            notebook=source)
    assert not out.exists()
    assert (tmp_path / "out.failed" / "report.ipynb").is_file()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_interrupted_audit_leaves_earlier_results_untouched(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "audit"
    out.mkdir()
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # an earlier audit's folder
    (out / "kpis.json").write_text("earlier results\n", encoding="utf-8")
    system_tmp = tmp_path / "system-tmp"  # where the kernel's connection file would stay
    system_tmp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "cac_toolkit.cli", "audit", str(data_path("saas_quarter")),
         "--out", str(out), "--no-progress", "-p", "period_start", "2026-01-01",
         "-p", "period_end", "2026-03-31"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "TMPDIR": str(system_tmp)}, text=True)
    deadline = time.monotonic() + 600  # generous: a busy machine; the wait ends at the file
    # Wait until the run is writing into its temporary folder, then stop it halfway. Where
    # the signal lands does not matter: every position before the publish gives this outcome
    # (tests/test_safety.py places signals at each step deterministically).
    while time.monotonic() < deadline and not any(
            (p / "report.ipynb").exists() for p in tmp_path.glob(".audit.tmp-*")):
        time.sleep(0.05)
    assert process.poll() is None, "the audit ended before it could be interrupted"
    os.killpg(process.pid, sig)
    _, stderr = process.communicate(timeout=600)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "kpis.json"]
    assert (out / "kpis.json").read_text(encoding="utf-8") == "earlier results\n"
    if sig == signal.SIGKILL:  # nothing can clean up; the next run removes what is left
        assert process.returncode == -sig
        assert remove_stale(out) and not list(tmp_path.glob(".audit.tmp-*"))
        return
    assert process.returncode == 128 + sig
    assert stderr.splitlines()[-1] == (f"cac-toolkit: interrupted ({signal.Signals(sig).name}); "
                                       "earlier outputs are untouched")
    assert not list(tmp_path.glob(".audit.tmp-*"))  # a clean interruption removes its folder
    assert not list(system_tmp.iterdir())  # and the kernel's connection file


def test_out_of_core_audit_gives_the_same_files_byte_for_byte(client: Path,
                                                                tmp_path: Path) -> None:
    """``-p engine duckdb``: the folder is checked in parts, only the rows the KPI file reads
    reach the notebook, and the KPI file, the report and the workbook are the pandas engine's,
    byte for byte (the run date fixed, as every input of the bytes is)."""
    params = {**NON_DEFAULT, "monthly_churn": 0.03, "gross_margin": 0.8}
    outputs = {}
    for engine in ("pandas", "duckdb"):
        values = AuditParameters.from_mapping({**params, "engine": engine})
        run_audit(client, tmp_path / engine, values, progress=False, run_date="2026-01-15")
        outputs[engine] = {name: (tmp_path / engine / name).read_bytes()
                           for name in ("kpis.json", "report.html", "workbook.xlsx")}
    for name, content in outputs["pandas"].items():
        assert outputs["duckdb"][name] == content, name
