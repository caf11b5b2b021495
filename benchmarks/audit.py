"""Benchmark: the audit of the sample company at 1x, 10x and 100x its size.

For each scale it generates the company into a temporary folder, then measures
- loading and validating the four tables, and computing the KPI file, in-process;
- the whole ``cac-toolkit audit`` command (papermill kernel, HTML, workbook) in a child
  process: wall time and the peak resident memory of the largest process.

Usage: ``python benchmarks/audit.py [--scales 1 10 100] [--skip-audit-above 100]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.data.generator import generate_company, write_company
from cac_toolkit.data.loading import load_folder

PARAMS = {"period_start": "2025-01-01", "period_end": "2025-12-31", "gross_margin": 0.75,
          "lifetime_months": 36}


def measure_in_process(folder: Path) -> tuple[float, float, float, int]:
    """Seconds to load, seconds to compute KPIs, peak MB of Python allocations, rows."""
    tracemalloc.start()
    start = time.perf_counter()
    data = load_folder(folder)
    loaded = time.perf_counter()
    compute_kpis(data, AuditParameters.from_mapping(PARAMS))
    done = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = sum(info.rows for info in data.files.values())
    return loaded - start, done - loaded, peak / 2**20, rows


def measure_audit(folder: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the largest process of a full audit run."""
    args = [sys.executable, "-m", "cac_toolkit.cli", "audit", str(folder), "--out", str(out),
            "--no-progress"]
    for name, value in PARAMS.items():
        args += ["-p", name, str(value)]
    start = time.perf_counter()
    # The kernel's start-up warnings are noise here; show stderr only if the run fails.
    result = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        raise SystemExit(f"audit failed:\n{result.stderr}")
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--skip-audit-above", type=float, default=1000,
                        help="only measure loading and KPIs above this scale")
    args = parser.parse_args()
    print(f"{'scale':>6} {'rows':>10} {'load s':>8} {'kpis s':>8} {'py peak MB':>11} "
          f"{'audit s':>8} {'peak RSS MB':>12}")
    baseline = None
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "company"
            write_company(generate_company(scale=scale), folder)
            load_s, kpi_s, py_peak, rows = measure_in_process(folder)
            audit_s, rss = (float("nan"), float("nan"))
            if scale <= args.skip_audit_above:
                audit_s, rss = measure_audit(folder, Path(tmp) / "audit")
            print(f"{scale:>6g} {rows:>10,} {load_s:>8.2f} {kpi_s:>8.2f} {py_peak:>11.0f} "
                  f"{audit_s:>8.1f} {rss:>12.0f}", flush=True)
            if baseline is None:
                baseline = (rows, load_s + kpi_s, audit_s)
            else:
                print(f"{'':>6} x{rows / baseline[0]:.0f} rows -> x"
                      f"{(load_s + kpi_s) / baseline[1]:.1f} load+kpis time, x"
                      f"{audit_s / baseline[2]:.1f} audit time", flush=True)


if __name__ == "__main__":
    main()
