"""Benchmark: measured retention on a revenue table of 100,000 accounts x 36 months.

The table is synthetic and seeded: accounts start over the 36 months, each churns every month
with its own probability (Beta(0.8, 8) across accounts, the heterogeneity the sBG models),
some come back, and MRR moves up and down. Each step is timed ``--repeat`` times and the
median printed: building the MRR matrix, the movements, the churn/NRR/GRR figures, the
cohorts, the lifetimes, the sBG fit, and the bootstrap of the LTV intervals (``--samples``
replicates). The last lines give the bootstrap's share of the whole retention computation.

Then the audit's own share: the sample company generated at ``--company-scale`` (100 gives
about 87,000 paying accounts over 24 months), loaded, and its KPI file computed with the
measured lifetime, with the bootstrap (``bootstrap_samples`` 1000) and without it (0); the
difference is the bootstrap's part of the KPI computation.

Usage: ``python benchmarks/retention.py [--accounts 100000] [--months 36] [--samples 1000]
[--company-scale 100]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.data.generator import generate_company, write_company
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
    parser.add_argument("--company-scale", type=float, default=100.0,
                        help="scale of the generated sample company for the audit share "
                             "(0: skip)")
    args = parser.parse_args()
    table = revenue_table(args.accounts, args.months)
    print(f"revenue table: {args.accounts:,} accounts x {args.months} months, "
          f"{len(table):,} rows; medians of {args.repeat} runs")
    first, last = table["month"].min(), table["month"].max()
    period_start, period_end = last - pd.DateOffset(months=11), last + pd.offsets.MonthEnd(0)
    arpa = np.random.default_rng(1).lognormal(np.log(300), 0.6, 400)
    timings: dict[str, float] = {}
    timings["matrix"], matrix = median_seconds(lambda: mrr_matrix(table), args.repeat)
    timings["movements"], _ = median_seconds(lambda: mrr_movements(matrix), args.repeat)
    timings["churn, NRR, GRR"], fig = median_seconds(
        lambda: retention_figures(matrix, period_start, period_end), args.repeat)
    timings["cohorts"], _ = median_seconds(lambda: cohorts(matrix), args.repeat)
    timings["lifetimes"], life = median_seconds(lambda: lifetimes(matrix), args.repeat)
    timings["sBG fit"], fit = median_seconds(
        lambda: fit_sbg_lifetimes(life["periods"], life["churned"]), args.repeat)
    timings[f"bootstrap B={args.samples}"], boot = median_seconds(
        lambda: bootstrap_ltv(arpa, 400 * 5_000.0, 0.8, lifetimes_frame=life,
                              samples=args.samples, seed=0), args.repeat)
    for name, seconds in timings.items():
        print(f"  {name:<22} {seconds:8.3f} s")
    total = sum(timings.values())
    boot_s = timings[f"bootstrap B={args.samples}"]
    print(f"  {'total':<22} {total:8.3f} s")
    print(f"bootstrap share of the retention computation: {boot_s / total:.0%}")
    print(f"table {first:%Y-%m}..{last:%Y-%m}; logo churn {fig.logo_churn_monthly:.4f}/month, "
          f"NRR {fig.nrr_12m:.4f}, GRR {fig.grr_12m:.4f}")
    print(f"sBG alpha {fit.alpha:.4f} beta {fit.beta:.4f} (log-likelihood "
          f"{fit.log_likelihood:,.1f}); LTV/CAC 90 % interval {boot.ltv_cac.low:.2f}-"
          f"{boot.ltv_cac.high:.2f} ({boot.valid} of {boot.samples} replicates)")
    if args.company_scale > 0:
        audit_share(args.company_scale, args.samples, args.repeat)


def audit_share(scale: float, samples: int, repeat: int) -> None:
    """Median seconds of the KPI file with and without the bootstrap, on a generated company."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "company"
        write_company(generate_company(scale=scale), folder)
        start = time.perf_counter()
        data = load_folder(folder)
        load_s = time.perf_counter() - start
    base = {"period_start": "2025-01-01", "period_end": "2025-12-31", "gross_margin": 0.75}
    timed = {}
    for b in (samples, 0):
        params = AuditParameters.from_mapping({**base, "bootstrap_samples": b})
        timed[b], kpis = median_seconds(lambda p=params: compute_kpis(data, p), repeat)
    accounts = kpis["retention"]["table"]["accounts"]
    print(f"sample company x{scale:g}: {accounts:,} paying accounts, {len(data.revenue):,} "
          f"revenue rows, {kpis['new_customers']:,} new customers in 2025")
    print(f"  load {load_s:.2f} s; KPI file {timed[samples]:.2f} s with the bootstrap "
          f"(B={samples}), {timed[0]:.2f} s without")
    share = (timed[samples] - timed[0]) / (load_s + timed[samples])
    print(f"bootstrap share of load + KPI computation: {share:.0%} "
          f"(LTV basis {kpis['ltv_basis']}, lifetime {kpis['retention']['lifetime_months']})")


if __name__ == "__main__":
    main()
