"""Benchmark: measured retention on a revenue table of 100,000 accounts x 36 months.

The table is synthetic and seeded: accounts start over the 36 months, each churns every month
with its own probability (Beta(0.8, 8) across accounts, the heterogeneity the sBG models),
some come back, and MRR moves up and down. Each step is timed ``--repeat`` times and the
median printed: building the MRR matrix, the movements, the churn/NRR/GRR figures, the
cohorts, the lifetimes, the sBG fit, and the bootstrap of the LTV intervals (``--samples``
replicates). The last lines give the bootstrap's share of the whole retention computation.

Then the audit's own share, on the same 100,000 accounts x 36 months: an audit folder is
written (``revenue.parquet`` from that table; ``deals.parquet`` with each account's first month
as a new deal on one of four channels; ``spend.parquet`` with a cost line per channel and
month), and the audit's figures are timed side by side with the bootstrap
(``bootstrap_samples`` 1000) and without it (0): loading the folder, computing the KPI file
(sBG fit on every account, intervals), and the whole ``cac-toolkit audit`` (notebook, report,
workbook) with ``--audit``. The bootstrap's share is the difference over the time with it.
The spend is arbitrary (the figures are timed, not read).

Usage: ``python benchmarks/retention.py [--accounts 100000] [--months 36] [--samples 1000]
[--audit] [--skip-steps]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.data.loading import load_folder
from cac_toolkit.retention import (
    bootstrap_ltv,
    cohorts,
    fit_sbg_lifetimes,
    lifetimes,
    mrr_matrix,
    mrr_movements,
    retention_figures,
)


def revenue_table(accounts: int, months: int, seed: int = 0) -> pd.DataFrame:
    """A long revenue table (one row per account and month with MRR), seeded."""
    rng = np.random.default_rng(seed)
    start = rng.integers(0, months, accounts)
    theta = rng.beta(0.8, 8.0, accounts)
    base = rng.lognormal(np.log(300), 0.6, accounts).round(2)
    col = np.arange(months)[None, :]
    alive = col >= start[:, None]
    churned = rng.random((accounts, months)) < theta[:, None]
    gone = np.cumsum(churned & (col > start[:, None]), axis=1) > 0
    back = rng.random(accounts) < 0.05  # some come back three months after leaving
    first_gone = np.where(gone.any(axis=1), gone.argmax(axis=1), months)
    returned = back[:, None] & (col >= first_gone[:, None] + 3)
    active = alive & (~gone | returned)
    drift = np.exp(np.cumsum(rng.normal(0.0, 0.03, (accounts, months)), axis=1))
    mrr = np.where(active, np.round(base[:, None] * drift, 2), 0.0)
    rows, cols = np.nonzero(mrr > 0)
    month = pd.period_range("2023-01", periods=months, freq="M").to_timestamp()
    return pd.DataFrame({"account_id": pd.Index([f"acc{i:06d}" for i in range(accounts)])[rows],
                         "month": month[cols], "mrr": mrr[rows, cols]})


def median_seconds(step: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall seconds of ``repeat`` runs of ``step``, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--audit", action="store_true",
                        help="also time the whole cac-toolkit audit with and without it")
    parser.add_argument("--skip-steps", action="store_true",
                        help="skip the step-by-step timings of the retention functions")
    args = parser.parse_args()
    table = revenue_table(args.accounts, args.months)
    print(f"revenue table: {args.accounts:,} accounts x {args.months} months, "
          f"{len(table):,} rows; medians of {args.repeat} runs")
    if not args.skip_steps:
        steps(table, args.samples, args.repeat)
    audit_share(table, args.samples, args.repeat, args.audit)


def steps(table: pd.DataFrame, samples: int, repeat: int) -> None:
    """Each retention function timed on ``table``; the bootstrap's share of their total."""
    first, last = table["month"].min(), table["month"].max()
    period_start, period_end = last - pd.DateOffset(months=11), last + pd.offsets.MonthEnd(0)
    arpa = np.random.default_rng(1).lognormal(np.log(300), 0.6, 400)
    timings: dict[str, float] = {}
    timings["matrix"], matrix = median_seconds(lambda: mrr_matrix(table), repeat)
    timings["movements"], _ = median_seconds(lambda: mrr_movements(matrix), repeat)
    timings["churn, NRR, GRR"], fig = median_seconds(
        lambda: retention_figures(matrix, period_start, period_end), repeat)
    timings["cohorts"], _ = median_seconds(lambda: cohorts(matrix), repeat)
    timings["lifetimes"], life = median_seconds(lambda: lifetimes(matrix), repeat)
    timings["sBG fit"], fit = median_seconds(
        lambda: fit_sbg_lifetimes(life["periods"], life["churned"]), repeat)
    timings[f"bootstrap B={samples}"], boot = median_seconds(
        lambda: bootstrap_ltv(arpa, 400 * 5_000.0, 0.8, lifetimes_frame=life,
                              samples=samples, seed=0), repeat)
    for name, seconds in timings.items():
        print(f"  {name:<22} {seconds:8.3f} s")
    total = sum(timings.values())
    boot_s = timings[f"bootstrap B={samples}"]
    print(f"  {'total':<22} {total:8.3f} s")
    print(f"bootstrap share of the retention functions: {boot_s / total:.0%}")
    print(f"table {first:%Y-%m}..{last:%Y-%m}; logo churn {fig.logo_churn_monthly:.4f}/month, "
          f"NRR {fig.nrr_12m:.4f}, GRR {fig.grr_12m:.4f}")
    print(f"sBG alpha {fit.alpha:.4f} beta {fit.beta:.4f} (log-likelihood "
          f"{fit.log_likelihood:,.1f}); LTV/CAC 90 % interval {boot.ltv_cac.low:.2f}-"
          f"{boot.ltv_cac.high:.2f} ({boot.valid} of {boot.samples} replicates)")


CHANNELS = ("SEO", "Google Ads", "LinkedIn Ads", "Outbound")


def write_audit_folder(table: pd.DataFrame, folder: Path) -> None:
    """An audit folder around ``table``: each account's first month is its new deal (with
    that month's MRR), on one of :data:`CHANNELS`; a cost line per channel and month."""
    folder.mkdir(parents=True)
    table.to_parquet(folder / "revenue.parquet", index=False)
    first = table.sort_values(["account_id", "month"]).groupby("account_id", sort=True).first()
    accounts = first.index.to_numpy()
    deals = pd.DataFrame({"deal_id": "D" + first.index.str.slice(3),
                          "account_id": accounts,
                          "won_date": first["month"] + pd.Timedelta(days=14),
                          "channel": np.array(CHANNELS)[np.arange(len(accounts)) % 4],
                          "type": "new", "mrr": first["mrr"].to_numpy()})
    deals.to_parquet(folder / "deals.parquet", index=False)
    months = pd.Series(sorted(table["month"].unique()))
    spend = pd.DataFrame([(month + pd.Timedelta(days=27), 40_000.0 + 5_000 * i, "marketing", c)
                          for month in months for i, c in enumerate(CHANNELS)],
                         columns=["date", "amount", "category", "channel"])
    spend.to_parquet(folder / "spend.parquet", index=False)


def audit_share(table: pd.DataFrame, samples: int, repeat: int, whole: bool) -> None:
    """The audit's time with and without the bootstrap, side by side, on ``table``."""
    last = table["month"].max()
    start = (last - pd.DateOffset(months=11)).date().isoformat()
    end = (last + pd.offsets.MonthEnd(0)).date().isoformat()
    base = {"period_start": start, "period_end": end, "gross_margin": 0.75}
    with tempfile.TemporaryDirectory(prefix="cac-bench-retention-") as tmp:
        folder = Path(tmp) / "client"
        write_audit_folder(table, folder)
        load_s, data = median_seconds(lambda: load_folder(folder), repeat)
        timed, kpis = {}, {}
        for b in (samples, 0):
            params = AuditParameters.from_mapping({**base, "bootstrap_samples": b})
            timed[b], kpis[b] = median_seconds(lambda p=params: compute_kpis(data, p), repeat)
        k = kpis[samples]
        print(f"audit folder: {k['retention']['table']['accounts']:,} accounts, "
              f"{len(data.revenue):,} revenue rows, {len(data.deals):,} deals, "
              f"{k['new_customers']:,} new customers in {start}..{end}; "
              f"LTV basis {k['ltv_basis']}, lifetime {k['retention']['lifetime_months']} months, "
              f"LTV/CAC {k['ltv_cac']} (90 % interval {k['intervals']['ltv_cac']['low']}-"
              f"{k['intervals']['ltv_cac']['high']})")
        print(f"  {'':<26} {'B=' + str(samples):>10} {'B=0':>10}")
        print(f"  {'load the folder':<26} {load_s:9.2f}s {load_s:9.2f}s")
        print(f"  {'KPI file':<26} {timed[samples]:9.2f}s {timed[0]:9.2f}s")
        with_b, without = load_s + timed[samples], load_s + timed[0]
        print(f"  {'load + KPI file':<26} {with_b:9.2f}s {without:9.2f}s  ratio "
              f"{with_b / without:.2f}")
        print(f"bootstrap share of load + KPI file: {(with_b - without) / with_b:.0%}")
        if whole:
            audits = {b: whole_audit(folder, Path(tmp) / f"audit-{b}", base, b)
                      for b in (samples, 0)}
            print(f"  {'whole audit (1 run)':<26} {audits[samples]:9.2f}s {audits[0]:9.2f}s  "
                  f"ratio {audits[samples] / audits[0]:.2f}")
            print(f"bootstrap share of the whole audit: "
                  f"{(audits[samples] - audits[0]) / audits[samples]:.0%}")


def whole_audit(folder: Path, out: Path, base: dict[str, object], samples: int) -> float:
    """Wall seconds of one ``cac-toolkit audit`` in a child process."""
    args = [sys.executable, "-m", "cac_toolkit.cli", "audit", str(folder), "--out", str(out),
            "--no-progress", "-p", "bootstrap_samples", str(samples)]
    for name, value in base.items():
        args += ["-p", name, str(value)]
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"audit failed: {result.stderr[-2000:]}")
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
