"""The loader benchmark runs end to end on a tiny company and prints one row per measure.

Its figures are measured by hand (``benchmarks/loader.py``, see ``docs/scale.md``); here it
runs once at a tenth of the sample company, so that its options keep working: the measures
of ``pyarrow.csv`` holding one table and keeping every table, the loader, and the children
run without transparent huge pages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="--small-pages uses Linux's prctl(PR_SET_THP_DISABLE)")
def test_the_loader_benchmark_prints_each_measure_against_arrow(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "loader.py"), "--scales", "0.1",
         "--repeats", "1", "--no-reference", "--kept", "--small-pages",
         "--cache", str(tmp_path / "cache")],
        check=True, capture_output=True, text=True, timeout=300).stdout
    rows = {line.split()[2]: line.split() for line in out.splitlines()
            if line.strip().startswith("0.1x")}
    assert set(rows) == {"pyarrow_csv", "load", "pyarrow_kept"}
    assert len({r[1] for r in rows.values()}) == 1  # the same rows counted by every measure
    arrow = rows["pyarrow_csv"]
    assert [float(v) for v in arrow[7:]] == [1.0, 1.0, 1.0, 1.0]  # the base of the ratios
    for name, row in rows.items():
        assert float(row[6]) > 100, name  # each child's own peak, imports included
        assert all(float(v) >= 0 for v in row[3:]), name
    assert float(rows["load"][7]) > 1  # checking every cell costs more than splitting them
