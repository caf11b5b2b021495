"""Benchmark: an audit folder with a very large number of distinct channel names.

Writes ``spend.csv`` with one cost line per channel (``Channel 0000001``...) and ``deals.csv``
with one new customer for one channel in ten, then measures in a child process each time:

- ``cac-toolkit kpis`` (load, check, compute, write the KPI JSON): wall seconds and peak RSS;
- optionally the whole ``cac-toolkit audit`` (``--audit``): wall seconds and peak RSS of the
  largest process (the kernel), and the size of the outputs.

Prints the median of ``--repeat`` runs and the ratio to the 60 s / 2 GB budget of issue 13.
Usage: ``python benchmarks/distinct_channels.py [--channels 1000000] [--repeat 3] [--audit]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_SECONDS = 60.0
BUDGET_MB = 2048.0
PARAMS = ["-p", "period_start", "2026-01-01", "-p", "period_end", "2026-03-31",
          "-p", "gross_margin", "0.75", "-p", "monthly_churn", "0.02"]


def write_folder(folder: Path, channels: int) -> None:
    """``channels`` distinct names with one cost line each; a deal for one in ten."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "spend.csv", "w", encoding="utf-8") as spend:
        spend.write("date,amount,category,channel\n")
        for i in range(channels):
            spend.write(f"2026-01-{1 + i % 28:02d},{100 + i % 900}.50,marketing,"
                        f"Channel {i:07d}\n")
    with open(folder / "deals.csv", "w", encoding="utf-8") as deals:
        deals.write("deal_id,account_id,won_date,channel,type,paid,mrr\n")
        for i in range(0, channels, 10):
            deals.write(f"D{i},A{i},2026-02-{1 + i % 28:02d},Channel {i:07d},new,true,"
                        f"{50 + i % 400}.00\n")


def timed(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, all processes) and peak RSS (MB) of the
    largest process of ``args``. On a shared machine the CPU time is the fairer figure."""
    probe = ("import resource, subprocess, sys, time; s = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.PIPE, text=True); w = time.perf_counter() - s; "
             "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "sys.exit(r.stderr) if r.returncode else print(w, u.ru_utime + u.ru_stime, "
             "u.ru_maxrss / 1024)")
    result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                            text=True)
    if result.returncode:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stderr[-2000:]}")
    wall, cpu, peak = result.stdout.split()
    return float(wall), float(cpu), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--audit", action="store_true", help="also time one full audit")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "cac_toolkit.cli"]
    with tempfile.TemporaryDirectory(prefix="cac-bench-channels-") as tmp:
        folder = Path(tmp) / "client"
        start = time.perf_counter()
        write_folder(folder, args.channels)
        print(f"{args.channels:,} channels written in {time.perf_counter() - start:.1f} s "
              f"({(folder / 'spend.csv').stat().st_size / 2**20:.0f} MiB of spend)")
        out = Path(tmp) / "kpis.json"
        runs = [timed([*cli, "kpis", str(folder), "--out", str(out), *PARAMS])
                for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = statistics.median(r[2] for r in runs)
        kept = len(json.loads(out.read_text(encoding="utf-8"))["channels"])
        print(f"kpis: median wall {wall:.1f} s (runs {', '.join(f'{r[0]:.1f}' for r in runs)}),"
              f" CPU {cpu:.1f} s, peak RSS {peak:.0f} MB; {kept:,} channels in kpis.json "
              f"({out.stat().st_size / 2**20:.0f} MiB)")
        print(f"kpis vs budget: wall {wall / BUDGET_SECONDS:.2f} x 60 s, CPU "
              f"{cpu / BUDGET_SECONDS:.2f} x 60 s, memory {peak / BUDGET_MB:.2f} x 2 GB")
        if args.audit:
            wall, cpu, peak = timed([*cli, "audit", str(folder), "--out",
                                     str(Path(tmp) / "audit"), "--no-progress", *PARAMS])
            sizes = {p.name: p.stat().st_size / 2**20 for p in (Path(tmp) / "audit").iterdir()
                     if not p.name.startswith(".")}
            print(f"audit: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {peak:.0f} MB; outputs "
                  + ", ".join(f"{name} {size:.1f} MiB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
