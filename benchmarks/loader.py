"""Benchmark: the strict loader against ``pyarrow.csv`` reading the same files.

The sample company at 1x, 10x and 100x (``--scales``), from the cache folder of
``benchmarks/scale.py`` (generated there on first use). Each measurement runs in a fresh
child process, so that its peak resident memory (``ru_maxrss``) is its own; the clock starts
after the imports (the same imports for every measure):

- ``pyarrow_csv``: ``pyarrow.csv.read_csv`` of every CSV file of the folder, every column as
  text (the floor: Arrow's reader without any check);
- ``load``: ``load_folder`` (reading, parsing and checking every cell, channel names merged);
- ``reference``: ``load_folder`` with the Arrow fast path switched off
  (``loading.ARROW_FAST_PATH = False``): the reference code alone, as before the fast path;
- ``load_other`` (with ``--compare DIR``): ``load_folder`` of the ``cac_toolkit`` package in
  ``DIR`` (first on the child's ``PYTHONPATH``), e.g. ``git archive <commit> cac_toolkit``
  unpacked there: an earlier version of the loader measured side by side with this one.

The measures are interleaved ``--repeats`` times, in turn forwards and backwards (A, B, C,
C, B, A...), so that no measure always follows the same one; the table gives the median wall
time, the median CPU time (user and system, every thread), the median system time of it, the
median peak RSS of each, their ratios to ``pyarrow_csv`` measured in the same run (the CPU
ratio moves less than the wall-time one when other jobs take cores meanwhile), and the ratio
of the fastest runs (``best t/arrow``). The machine may be shared: only ratios measured side
by side mean something.

The system time is the kernel's work for the process, mostly giving it fresh pages. On a
machine whose transparent huge pages are granted on request (``madvise``), Arrow's memory
pool gets huge pages, and their cost swings with the state of the kernel's free memory:
the same ``pyarrow.csv`` read of the 100x files took 0.6 s with 0.1 s of system time in one
run and 1.0 s with 1.0 s of it in the next. A median that falls on the slow state makes the
loader look nearer Arrow than it is; the fastest runs' ratio does not. ``--small-pages``
refuses transparent huge pages to every child (``prctl(PR_SET_THP_DISABLE)``): Arrow then
reads the 100x files in a steady 0.6 to 0.8 s, its fast state, and the ratios stop swinging.

- ``pyarrow_kept`` (with ``--kept``): ``pyarrow.csv`` keeping every table it read, as the
  loader returns every table (``pyarrow_csv`` holds one table at a time: the floor of its
  memory, and the measure the ratios are taken against).

Usage: ``nice -n 19 python benchmarks/loader.py [--scales 1 10 100] [--repeats 3]
[--no-reference] [--compare DIR] [--kept] [--small-pages]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from scale import ARROW_REFERENCE, company_folder  # the script's own folder is on the path

CHILD = r"""
import ctypes, json, os, resource, sys, time
if os.environ.get("CAC_BENCH_SMALL_PAGES"):  # no transparent huge page for this process
    assert ctypes.CDLL(None).prctl(41, 1, 0, 0, 0) == 0  # PR_SET_THP_DISABLE
from pathlib import Path
import pyarrow as pa
import pyarrow.csv as pcsv
from cac_toolkit.data import loading
kind, folder = sys.argv[1], sys.argv[2]
usage = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()  # after the imports: the work only
if kind == "pyarrow_csv":
{arrow_reference}elif kind == "pyarrow_kept":
    tables = [pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
        column_types={n: pa.string() for n in
                      path.open(encoding="utf-8").readline().rstrip("\n").split(",")}))
        for path in sorted(Path(folder).glob("*.csv"))]
    rows = sum(t.num_rows for t in tables)
else:
    loading.ARROW_FAST_PATH = kind != "reference"
    data = loading.load_folder(folder)
    rows = sum(len(f) for f in (data.spend, data.deals, data.leads, data.touchpoints,
                                data.revenue) if f is not None)
seconds = time.perf_counter() - start
end = resource.getrusage(resource.RUSAGE_SELF)
cpu = end.ru_utime + end.ru_stime - usage.ru_utime - usage.ru_stime
system = end.ru_stime - usage.ru_stime
peak_mb = end.ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "sys": system, "peak_mb": peak_mb,
                  "rows": rows}))
"""
CHILD = CHILD.replace("{arrow_reference}", ARROW_REFERENCE)


def measure(kind: str, folder: Path, other: Path | None = None, small_pages: bool = False
            ) -> dict[str, float]:
    """One measurement in a fresh child process: seconds, peak MB, rows (``load_other``:
    the package in ``other``; ``small_pages``: transparent huge pages refused to it)."""
    env = dict(os.environ)
    if small_pages:
        env["CAC_BENCH_SMALL_PAGES"] = "1"
    if kind == "load_other" and other is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(other), env.get("PYTHONPATH", "")) if p)
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(folder)], check=True,
                         capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the reference loader (the slowest measure)")
    parser.add_argument("--compare", type=Path, default=None, metavar="DIR",
                        help="also measure the cac_toolkit package in DIR (load_other)")
    parser.add_argument("--kept", action="store_true",
                        help="also measure pyarrow.csv keeping every table (pyarrow_kept)")
    parser.add_argument("--small-pages", action="store_true",
                        help="refuse transparent huge pages to every measure (Linux)")
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "cac-toolkit" / "scale")
    args = parser.parse_args()
    kinds = (["pyarrow_csv", "load"] + (["pyarrow_kept"] if args.kept else [])
             + ([] if args.compare is None else ["load_other"])
             + ([] if args.no_reference else ["reference"]))
    print(f"{'scale':>6} {'rows':>10} {'measure':<12} {'seconds':>8} {'cpu s':>7} "
          f"{'sys s':>6} {'peak MB':>8} {'t/arrow':>8} {'cpu/arrow':>9} {'mem/arrow':>9} "
          f"{'best t/arrow':>12}")
    for scale in args.scales:
        folder = company_folder(args.cache, scale)
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
        for repeat in range(args.repeats):
            # interleaved, so that a busy moment hits every measure; forwards then backwards,
            # so that no measure always runs after the same one
            for kind in kinds if repeat % 2 == 0 else kinds[::-1]:
                runs[kind].append(measure(kind, folder, args.compare, args.small_pages))
        medians = {k: tuple(statistics.median(r[m] for r in runs[k])
                            for m in ("seconds", "cpu", "sys", "peak_mb")) for k in kinds}
        fastest = {k: min(r["seconds"] for r in runs[k]) for k in kinds}
        base_t, base_c, _, base_m = medians["pyarrow_csv"]
        rows = int(runs["load"][0]["rows"])
        for kind in kinds:
            seconds, cpu, system, peak = medians[kind]
            print(f"{scale:>5g}x {rows:>10} {kind:<12} {seconds:>8.2f} {cpu:>7.2f} "
                  f"{system:>6.2f} {peak:>8.0f} {seconds / base_t:>8.2f} "
                  f"{cpu / base_c:>9.2f} {peak / base_m:>9.2f} "
                  f"{fastest[kind] / fastest['pyarrow_csv']:>12.2f}", flush=True)


if __name__ == "__main__":
    main()
