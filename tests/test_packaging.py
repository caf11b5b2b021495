"""The package as a consultant installs it: a wheel, outside the checkout, from any directory."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat

import cac_toolkit
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.resources import audit_notebook, data_path, repo_root

#: The French catalogue, inside the package (its .po source and the compiled .mo).
CATALOGUE = "render/locales/fr/LC_MESSAGES/cac_toolkit"
QUARTER = ["-p", "period_start", "2026-01-01", "-p", "period_end", "2026-03-31",
           "-p", "gross_margin", "0.7", "-p", "lifetime_months", "30", "-p", "lang", "fr"]


def _parameters_cell() -> dict[str, object]:
    notebook = nbformat.read(audit_notebook(), as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    values: dict[str, object] = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign), "the parameters cell holds literal assignments only"
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def test_audit_notebook_defaults_are_those_of_audit_parameters() -> None:
    cell = _parameters_cell()
    for field in dataclasses.fields(AuditParameters):
        assert field.name in cell, f"the audit notebook lacks the parameter {field.name}"
        assert cell[field.name] == field.default, (
            f"{field.name}: notebook default {cell[field.name]!r}, package {field.default!r}")


def test_public_api_is_curated() -> None:
    for name in cac_toolkit.__all__:
        assert hasattr(cac_toolkit, name), name
    for name in ("load_folder", "AuditParameters", "compute_kpis", "run_audit", "cac_global",
                 "payback_months", "ltv_from_churn"):
        assert name in cac_toolkit.__all__
        assert getattr(cac_toolkit, name).__doc__, f"{name} has no docstring"


def test_package_data_is_declared() -> None:
    """Every file the package reads at run time is inside the package and declared."""
    assert audit_notebook().is_file()
    assert audit_notebook().is_relative_to(Path(cac_toolkit.__file__).parent)
    assert (Path(cac_toolkit.__file__).parent / "render" / "templates" / "offline").is_dir()
    assert (Path(cac_toolkit.__file__).parent / CATALOGUE).with_suffix(".mo").is_file()


def _venv_with_wheel(tmp: Path) -> Path:
    """A new virtual environment holding the built wheel; dependencies come from this one."""
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(wheels), str(repo_root())], check=True,
                   capture_output=True, text=True)
    (wheel,) = wheels.glob("cac_toolkit-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig"
                              ".get_paths()['purelib'])"], check=True, capture_output=True,
                             text=True).stdout.strip()
    # Dependencies are borrowed from the test environment through a plain path entry: .pth
    # lines are not processed recursively, so this environment's editable install of
    # cac_toolkit is not visible there; only the wheel is.
    borrowed = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]]]
    Path(purelib, "borrowed.pth").write_text("\n".join(dict.fromkeys(borrowed)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "-q", str(wheel)], check=True,
                   capture_output=True, text=True)
    return venv


def test_wheel_runs_the_audit_outside_the_checkout(tmp_path: Path) -> None:
    venv = _venv_with_wheel(tmp_path)
    elsewhere = tmp_path / "consultant"
    elsewhere.mkdir()
    client = elsewhere / "client"
    shutil.copytree(data_path("saas_quarter"), client)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    # The borrowed dependencies' data files (nbconvert's base templates, the kernel spec) sit
    # under this environment's share/jupyter, where a real install would put them in the venv.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import cac_toolkit; print(cac_toolkit.__file__)"], cwd=elsewhere,
                           check=True, capture_output=True, text=True, env=env).stdout
    assert Path(where.strip()).is_relative_to(venv), where
    (wheel,) = (tmp_path / "wheels").glob("cac_toolkit-*.whl")
    shipped = zipfile.ZipFile(wheel).namelist()
    for suffix in (".po", ".mo"):
        assert f"cac_toolkit/{CATALOGUE}{suffix}" in shipped, suffix
    french = subprocess.run([str(venv / "bin" / "python"), "-c", "from cac_toolkit.render.i18n "
                             "import t, tn; print(t('metric.cac_global', 'fr'), tn("
                             "'longtail.other', 2, 'fr', n='2'))"], cwd=elsewhere,
                            check=True, capture_output=True, text=True, env=env).stdout
    assert french.strip() == "CAC global autres (2 canaux)", french
    wheel_run = subprocess.run([str(venv / "bin" / "cac-toolkit"), "audit", "client", "--out",
                                "audit", "--no-progress", *QUARTER], cwd=elsewhere, env=env,
                               capture_output=True, text=True)
    assert wheel_run.returncode == 0, wheel_run.stderr
    editable = tmp_path / "editable"
    editable_run = subprocess.run([sys.executable, "-m", "cac_toolkit.cli", "audit", str(client),
                                   "--out", str(editable), "--no-progress", *QUARTER],
                                  capture_output=True, text=True, env=env)
    assert editable_run.returncode == 0, editable_run.stderr
    ours = json.loads((elsewhere / "audit" / "kpis.json").read_text())
    assert ours["cac"]["global"] == 1500.0 and ours["ltv_cac"] == 2.8
    for name in ("kpis.json", "report.html", "report.ipynb"):
        assert (elsewhere / "audit" / name).read_bytes() == (editable / name).read_bytes(), name
    assert (elsewhere / "audit" / "workbook.xlsx").stat().st_size > 0
