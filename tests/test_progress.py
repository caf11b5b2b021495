"""Progress on long work: rows read per table, on a terminal only."""

from __future__ import annotations

import pytest

from cac_toolkit import cli
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import load_folder
from cac_toolkit.runner import rows_read


def test_each_table_reports_its_rows_once_checked(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[tuple[str, int]] = []
    data = load_folder(data_path("sample_company"), progress=lambda n, r: seen.append((n, r)))
    assert seen == [(info.path.name, info.rows) for info in data.files.values()]
    report = rows_read(True)
    assert report is not None and rows_read(False) is None
    report("leads.csv", 21045)
    assert capsys.readouterr().err == "cac-toolkit: read leads.csv: 21,045 rows checked\n"


def test_kpis_prints_progress_only_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = str(data_path("saas_quarter"))
    def progress_lines() -> list[str]:
        return [line for line in capsys.readouterr().err.splitlines()
                if line.startswith("cac-toolkit: read ")]  # warnings may come too

    assert cli.run(["kpis", folder]) == 0
    assert progress_lines() == []  # captured: not a terminal
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert cli.run(["kpis", folder]) == 0
    assert progress_lines() == ["cac-toolkit: read spend.csv: 26 rows checked",
                   "cac-toolkit: read deals.csv: 97 rows checked"]
