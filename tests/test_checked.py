"""Read once: the audit hands the checked tables to its notebook, verified by the raw hashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import InputError
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.checked import read_checked, write_checked
from cac_toolkit.data.loading import load_folder
from cac_toolkit.runner import CHECKED, notebook_parameters


def test_checked_tables_come_back_as_checked(tmp_path: Path) -> None:
    data = load_folder(data_path("sample_company"))
    back = read_checked(write_checked(data, tmp_path / "checked"))
    for name in ("spend", "deals", "leads", "touchpoints"):
        frame, again = getattr(data, name), getattr(back, name)
        assert again.dtypes.equals(frame.dtypes), name
        assert again.equals(frame), name
    assert back.inputs() == data.inputs() and back.currency == data.currency
    assert back.warnings == data.warnings
    params = AuditParameters(period_start="2025-01-01", period_end="2025-12-31")
    assert kpis_to_json(compute_kpis(back, params)) == kpis_to_json(compute_kpis(data, params))


def test_the_loader_warnings_are_handed_over(tmp_path: Path) -> None:
    folder = tmp_path / "client"
    shutil.copytree(data_path("saas_quarter"), folder)
    (folder / "spend_Q4.csv").write_text("date,amount\n", encoding="utf-8")
    data = load_folder(folder)
    assert data.warnings, "a stray file in the folder is warned about"
    assert read_checked(write_checked(data, tmp_path / "checked")).warnings == data.warnings


def test_a_raw_file_changed_after_the_check_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "client"
    shutil.copytree(data_path("saas_quarter"), folder)
    checked = write_checked(load_folder(folder), tmp_path / "checked")
    with (folder / "deals.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(InputError) as error:
        read_checked(checked)
    assert str(error.value).startswith("deals.csv: changed or vanished while the audit ran")
    assert "\n" not in str(error.value)


def test_the_notebook_is_told_where_the_checked_tables_are() -> None:
    values = notebook_parameters(data_path("saas_quarter"), AuditParameters(), "2026-01-01")
    assert values["checked_dir"] == CHECKED  # relative to the kernel's folder: no temp path
