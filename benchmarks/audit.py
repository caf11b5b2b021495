"""Benchmark: the whole ``cac-toolkit audit`` on the sample company at large sizes.

Issue #15 asks that the 100x audit take at most 1.3x the time of ``cac-toolkit kpis`` on the
same folder plus the audit of the seed quarter (``data/saas_quarter``: the fixed cost of a
report, its kernel, charts, HTML and workbook), measured in one run, and that the 300x and
1000x audits run within 2 GB and 4 GB. For each scale (the company cached by
``benchmarks/scale.py`` in ``--cache``), each repeat runs, interleaved, in fresh child
processes:

- ``kpis``: ``cac-toolkit kpis FOLDER`` (a large folder goes out of core on DuckDB);
- ``audit``: ``cac-toolkit audit FOLDER --out ...`` (the same reading, then the notebook);
- ``audit_seed``: ``cac-toolkit audit data/saas_quarter --out ...``.

For each, the median wall time and two memory figures, sampled every 0.1 s: the peak RSS of
the largest process (the audit's kernel is a process of its own) and the peak of the whole
process tree's RSS (what the machine must hold at once). The ratio printed is
``audit / (kpis + audit_seed)``.

Usage: ``nice python benchmarks/audit.py --cache DIR [--scales 100] [--repeats 3]``; for the
memory at 300x and 1000x, ``--scales 300 1000 --repeats 1 --only audit``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from scale import company_folder  # the script's own folder is on the path

from cac_toolkit.core.resources import data_path

PARAMS = {"period_start": "2025-10-01", "period_end": "2025-12-31", "gross_margin": 0.75,
          "lifetime_months": 36, "attribution_model": "markov"}
SEED = {"period_start": "2026-01-01", "period_end": "2026-03-31", "gross_margin": 0.7,
        "lifetime_months": 30}
POLL_SECONDS = 0.1


def options(params: dict[str, object]) -> list[str]:
    """``params`` as ``-p NAME VALUE`` options."""
    return [item for name, value in params.items() for item in ("-p", name, str(value))]


def resident(process: psutil.Process) -> list[int]:
    """Bytes resident in ``process`` and in each process below it (those gone are left out)."""
    sizes = []
    for member in (process, *process.children(recursive=True)):
        try:
            sizes.append(member.memory_info().rss)
        except psutil.Error:
            pass
    return sizes


def run(args: list[str]) -> dict[str, float]:
    """Wall seconds, the largest process's and the whole tree's peak RSS (MB) of a command
    (sampled every :data:`POLL_SECONDS`)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "cac_toolkit.cli", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched, largest, tree = psutil.Process(child.pid), 0, 0
    while child.poll() is None:
        try:
            sizes = resident(watched)
        except psutil.Error:
            sizes = []
        largest, tree = max([largest, *sizes]), max(tree, sum(sizes))
        time.sleep(POLL_SECONDS)
    _, err = child.communicate()
    if child.returncode:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{err}")
    return {"seconds": time.perf_counter() - start, "largest_mb": largest / 2**20,
            "tree_mb": tree / 2**20}


def measure(kind: str, folder: Path, scratch: Path) -> dict[str, float]:
    """One measurement of ``kind`` on ``folder`` (the outputs go to ``scratch``)."""
    out = scratch / kind
    shutil.rmtree(out, ignore_errors=True)
    if kind == "kpis":
        return run(["kpis", str(folder), *options(PARAMS)])
    if kind == "audit":
        return run(["audit", str(folder), "--out", str(out), "--no-progress",
                    *options(PARAMS)])
    return run(["audit", str(data_path("saas_quarter")), "--out", str(out), "--no-progress",
                *options(SEED)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "cac-toolkit" / "scale")
    parser.add_argument("--only", nargs="+", choices=("kpis", "audit", "audit_seed"))
    args = parser.parse_args()
    kinds = args.only or ["kpis", "audit", "audit_seed"]
    print(f"{'scale':>6} {'measure':<11} {'seconds':>8} {'largest MB':>11} {'tree MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            folder = company_folder(args.cache, scale)
            runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
            for _ in range(args.repeats):
                for kind in kinds:  # interleaved, so that a busy moment hits every measure
                    runs[kind].append(measure(kind, folder, Path(tmp)))
            medians = {k: {m: statistics.median(r[m] for r in rs) for m in rs[0]}
                       for k, rs in runs.items()}
            for kind, m in medians.items():
                print(f"{scale:>5g}x {kind:<11} {m['seconds']:>8.1f} {m['largest_mb']:>11.0f} "
                      f"{m['tree_mb']:>8.0f}", flush=True)
            if set(kinds) == {"kpis", "audit", "audit_seed"}:
                fixed = medians["kpis"]["seconds"] + medians["audit_seed"]["seconds"]
                print(f"{'':>6} audit / (kpis + audit_seed) = "
                      f"{medians['audit']['seconds'] / fixed:.2f} (target <= 1.30)", flush=True)


if __name__ == "__main__":
    main()
