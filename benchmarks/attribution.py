"""Benchmark of the attribution models on synthetic journeys (a script, not a test).

    .venv/bin/python benchmarks/attribution.py [--touchpoints N] [--seed S]

Data: ``cac_toolkit.generator.generate_touchpoints`` (seeded; ~5 touches per account, 30 %
of the accounts acquired, 6 channels) when the generator provides it, else a small seeded
NumPy builder below with the same shape. For each model the script prints the wall time of
``channel_credits`` and ``account_credits`` and the peak of Python + NumPy allocations during
``account_credits`` (tracemalloc; Arrow string buffers are not traced, the process maximum
RSS is printed at the end).

Peer: if ``benchmarks/.venv-peers`` holds ChannelAttribution (GPL-3, benchmark only, never a
dependency; ``python3 -m venv benchmarks/.venv-peers && benchmarks/.venv-peers/bin/pip
install channelattribution matplotlib pandas numpy``), its ``markov_model`` runs in a
subprocess on the same journeys aggregated as ``A>B>C`` paths with conversion / null counts,
and both sets of removal effects are printed. ChannelAttribution simulates the chain, so its
figures move slightly from run to run; ours are an exact solve.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cac_toolkit import attribution

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE / ".venv-peers" / "bin" / "python"
CHANNELS = ("SEO", "Ads", "Outbound", "Partners", "Events", "Email")
PERIOD_END = pd.Timestamp("2025-12-31")

PEER_SCRIPT = r"""
import contextlib, io, json, sys, time
import pandas as pd
with contextlib.redirect_stdout(io.StringIO()):  # the package prints a banner on import
    from ChannelAttribution import markov_model
paths = pd.read_csv(sys.argv[1])
runs = {}
# Defaults first (what a user gets), then with long walks and more simulations: the default
# max_step (longest observed path) cuts simulated walks that loop, which biases the effects.
for label, options in (("default", {}), ("max_step=200",
                                         {"max_step": 200, "nsim_start": 1e6})):
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        out = markov_model(paths, "path", "total_conversions", var_null="total_null",
                           order=1, out_more=True, verbose=False, flg_pro=False, sep=">",
                           **options)
    effects = out["removal_effects"]
    runs[label] = {"seconds": time.perf_counter() - start,
                   "removal_effects": dict(zip(effects["channel_name"],
                                               effects["removal_effect"]))}
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM")]
runs["peak_rss_mib"] = int(hwm[0].split()[1]) / 1024 if hwm else float("nan")
print("RESULT " + json.dumps(runs))
"""


def build_journeys(n_touchpoints: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(touchpoints, acquisitions, source) with about ``n_touchpoints`` touches."""
    n_accounts = max(1, n_touchpoints // 5)
    try:
        from cac_toolkit.generator import generate_touchpoints
    except ImportError:
        touchpoints, acquisitions = _numpy_journeys(n_accounts, seed)
        return touchpoints, acquisitions, "local NumPy builder"
    touchpoints, acquisitions = generate_touchpoints(n_accounts, acquired_share=0.3, seed=seed,
                                                     channels=CHANNELS)
    return touchpoints, acquisitions, "cac_toolkit.generator.generate_touchpoints"


def _numpy_journeys(n_accounts: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fallback builder: 1 + Poisson(4) touches a week apart, 30 % acquired at a last touch."""
    rng = np.random.default_rng(seed)
    n_touches = 1 + rng.poisson(4.0, n_accounts)
    owner = np.repeat(np.arange(n_accounts), n_touches)
    first = np.cumsum(n_touches) - n_touches
    popularity = 1.0 / np.arange(1, len(CHANNELS) + 1) ** 0.5
    channel = rng.choice(len(CHANNELS), size=len(owner), p=popularity / popularity.sum())
    start = np.datetime64("2024-01-01", "s").astype(np.int64)
    t0 = start + rng.integers(0, 650 * 86_400, n_accounts)
    gaps = np.where(np.arange(len(owner)) == first[owner], 0, rng.exponential(7 * 86_400,
                                                                             len(owner)))
    offset = np.cumsum(gaps)
    seconds = (t0[owner] + offset - offset[first][owner]).astype(np.int64)
    acquired = np.flatnonzero(rng.random(n_accounts) < 0.3)
    last = first + n_touches - 1
    ids = np.char.add("A", np.char.zfill(np.arange(1, n_accounts + 1).astype(str), 7))
    names = np.asarray(CHANNELS, dtype=object)
    touchpoints = pd.DataFrame({
        "account_id": pd.array(ids[owner], dtype="str"),
        "timestamp": seconds.astype("datetime64[s]").astype("datetime64[ns]"),
        "channel": pd.array(names[channel], dtype="str"),
    })
    acquisitions = pd.DataFrame({
        "account_id": pd.array(ids[acquired], dtype="str"),
        "acquired_date": (seconds[last[acquired]].astype("datetime64[s]")
                          .astype("datetime64[D]").astype("datetime64[ns]")),
        "channel": pd.array(names[channel[last[acquired]]], dtype="str"),
    })
    return touchpoints, acquisitions


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def peak_memory(function: Callable[[], Any]) -> float:
    """Peak traced allocation (MiB) while ``function`` runs."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def aggregated_paths(touchpoints: pd.DataFrame,
                     acquisitions: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Converting and non-converting journeys as "A>B>C" -> count (the Markov inputs).

    Same rules as the package: counted touches of the new customers (calendar day on or before
    acquisition), and touches up to PERIOD_END of the accounts never acquired; time order with
    ties kept in row order. Built with a pandas groupby (benchmark preparation, not timed).
    """
    tp = touchpoints.reset_index(drop=True)
    tp = tp.assign(_row=np.arange(len(tp)))
    acquired_on = acquisitions.set_index("account_id")["acquired_date"]
    day = tp["timestamp"].dt.normalize()
    acq_day = tp["account_id"].map(acquired_on)
    converting = acq_day.notna() & (day <= acq_day)
    never = acq_day.isna() & (day <= PERIOD_END)

    def paths(mask: pd.Series) -> pd.Series:
        part = tp[mask].sort_values(["account_id", "timestamp", "_row"], kind="stable")
        joined = part.groupby("account_id", sort=False)["channel"].agg(">".join)
        return joined.value_counts()

    return paths(converting), paths(never)


def run_peer(conv: pd.Series, null: pd.Series) -> dict[str, Any] | None:
    if not PEER_PYTHON.exists():
        print(f"SKIP ChannelAttribution comparison: no peer venv at {PEER_PYTHON}")
        return None
    table = pd.DataFrame({"total_conversions": conv, "total_null": null}).fillna(0)
    table.index.name = "path"
    with tempfile.TemporaryDirectory() as folder:
        csv = os.path.join(folder, "paths.csv")
        table.reset_index().to_csv(csv, index=False)
        done = subprocess.run([str(PEER_PYTHON), "-c", PEER_SCRIPT, csv], capture_output=True,
                              text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        print("SKIP ChannelAttribution comparison: the peer failed to run "
              f"({(done.stderr or done.stdout).strip().splitlines()[-1:]})")
        return None
    runs = json.loads(lines[-1][len("RESULT "):])
    # Peak RSS read in the peer itself (/proc VmHWM): the fork of a large parent would
    # otherwise count in the children's ru_maxrss.
    peak = runs.pop("peak_rss_mib")
    return {"runs": runs, "max_rss_mib": peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--touchpoints", type=int, default=1_000_000,
                        help="approximate number of touchpoints (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-peer", action="store_true", help="skip ChannelAttribution")
    args = parser.parse_args(argv)

    (touchpoints, acquisitions, source), seconds = timed(
        lambda: build_journeys(args.touchpoints, args.seed))
    acquired = acquisitions["account_id"]
    n_accounts = touchpoints["account_id"].nunique()
    print(f"data: {len(touchpoints):,} touchpoints, {n_accounts:,} accounts, "
          f"{len(acquisitions):,} acquired ({len(acquisitions) / n_accounts:.0%}), "
          f"{touchpoints['channel'].nunique()} channels; built in {seconds:.2f} s by {source}")
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs")
    common = {"acquired_accounts": acquired, "period_end": PERIOD_END}

    print(f"\n{'model':<15}{'channel_credits s':>18}{'account_credits s':>19}"
          f"{'peak MiB':>10}{'rows':>10}")
    credits: dict[str, pd.Series] = {}
    for model in attribution.MODELS:
        credits[model], t_channel = timed(lambda m=model: attribution.channel_credits(
            acquisitions, touchpoints, m, **common))
        table, t_account = timed(lambda m=model: attribution.account_credits(
            acquisitions, touchpoints, m, **common))
        peak = peak_memory(lambda m=model: attribution.account_credits(
            acquisitions, touchpoints, m, **common))
        print(f"{model:<15}{t_channel:>18.2f}{t_account:>19.2f}{peak:>10.0f}{len(table):>10,}")
    for order in (2, 3):
        _, t_order = timed(lambda o=order: attribution.channel_credits(
            acquisitions, touchpoints, "markov", markov_order=o, **common))
        print(f"{'markov order ' + str(order):<15}{t_order:>18.2f}")
    table, t_compare = timed(lambda: attribution.compare_models(acquisitions, touchpoints,
                                                                **common))
    print(f"{'compare_models':<15}{t_compare:>18.2f}  (all models, journeys prepared once)")
    print("\ncredits by model (customers):")
    print(table.round(1).to_string())

    conv, null = aggregated_paths(touchpoints, acquisitions)
    ours, t_ours = timed(lambda: attribution.markov_removal_effects(conv, null))
    print(f"\nMarkov on aggregated paths: {len(conv):,} converting and {len(null):,} "
          f"non-converting distinct paths ({int(conv.sum()):,} / {int(null.sum()):,} journeys)")
    print(f"cac_toolkit markov_removal_effects: {t_ours:.3f} s, "
          f"P(conversion) = {ours.attrs['conversion_probability']:.6f}")
    peer = None if args.no_peer else run_peer(conv, null)
    if args.no_peer:
        print("SKIP ChannelAttribution comparison: --no-peer")
    if peer is not None:
        markov_raw = _markov_seconds(acquisitions, touchpoints, common)
        side = pd.DataFrame({"cac_toolkit (exact)": ours})
        for label, run in peer["runs"].items():
            theirs = pd.Series(run["removal_effects"], dtype="float64").reindex(ours.index)
            side[f"CA {label}"] = theirs
            side[f"diff {label}"] = theirs - ours
        print(side.round(4).to_string())
        for label, run in peer["runs"].items():
            print(f"ChannelAttribution ({label}): {run['seconds']:.3f} s, largest |difference| "
                  f"{side[f'diff {label}'].abs().max():.4f}; time ratio CA / cac_toolkit: "
                  f"{run['seconds'] / t_ours:.1f}x on the same aggregated paths, "
                  f"{run['seconds'] / markov_raw:.2f}x vs channel_credits('markov') from raw "
                  f"touchpoints ({markov_raw:.2f} s)")
        print(f"ChannelAttribution process peak RSS (Python, pandas, paths, both runs): "
              f"{peer['max_rss_mib']:.0f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nbenchmark process max RSS: {rss:.0f} MiB")
    return 0


def _markov_seconds(acquisitions: pd.DataFrame, touchpoints: pd.DataFrame,
                    common: dict[str, Any]) -> float:
    return timed(lambda: attribution.channel_credits(acquisitions, touchpoints, "markov",
                                                     **common))[1]


if __name__ == "__main__":
    raise SystemExit(main())
