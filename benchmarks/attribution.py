"""Benchmark of the attribution models on synthetic journeys (a script, not a test).

    .venv/bin/python benchmarks/attribution.py [--touchpoints N] [--seed S] [--repeat R]
                                               [--no-peer] [--install-peer]

Data: ``cac_toolkit.data.generator.generate_touchpoints`` (seeded; ~5 touches per account, 30 %
of the accounts acquired, 6 channels) when the generator provides it, else a small seeded
NumPy builder below with the same shape. Every wall time is the median of ``--repeat`` runs
(default 5; the machine is shared, single runs are noisy). For each model the script prints
the median wall time of ``channel_credits`` and ``account_credits`` from raw touchpoints and
the peak of Python + NumPy allocations during ``account_credits`` (tracemalloc; Arrow string
buffers are not traced, the process maximum RSS is printed at the end).

Peer: ChannelAttribution (GPL-3, benchmark only, never a dependency) from
``benchmarks/.venv-peers``; ``--install-peer`` builds that venv when it is missing
(``python3 -m venv benchmarks/.venv-peers`` then ``pip install channelattribution matplotlib
pandas numpy``), otherwise the comparison is skipped with a line saying so. Both sides get the
same input: one CSV table of distinct ``A>B>C`` paths with conversion / null counts, read in
each process before any timing. The peer's ``markov_model`` (default options, then long walks)
runs ``--repeat`` times in its own process, timed around the call only (import and CSV
reading excluded); ours is ``markov_removal_effects`` on the two count columns of the same
table, timed the same way. ChannelAttribution simulates the chain, ours is an exact solve.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
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

from cac_toolkit.figures import attribution

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE / ".venv-peers" / "bin" / "python"
CHANNELS = ("SEO", "Ads", "Outbound", "Partners", "Events", "Email")
PERIOD_END = pd.Timestamp("2025-12-31")

PEER_PACKAGES = ("channelattribution", "matplotlib", "pandas", "numpy")
PEER_SCRIPT = r"""
import contextlib, io, json, sys, time
import pandas as pd
with contextlib.redirect_stdout(io.StringIO()):  # the package prints a banner on import
    from ChannelAttribution import markov_model
paths = pd.read_csv(sys.argv[1])
repeat = int(sys.argv[2])
runs = {}
# Defaults first (what a user gets), then with long walks and more simulations: the default
# max_step (longest observed path) cuts simulated walks that loop, which biases the effects.
for label, options in (("default", {}), ("max_step=200",
                                         {"max_step": 200, "nsim_start": 1e6})):
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            out = markov_model(paths, "path", "total_conversions", var_null="total_null",
                               order=1, out_more=True, verbose=False, flg_pro=False, sep=">",
                               **options)
        seconds.append(time.perf_counter() - start)
    effects = out["removal_effects"]
    runs[label] = {"seconds": seconds,
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
        from cac_toolkit.data.generator import generate_touchpoints
    except ImportError:
        touchpoints, acquisitions = _numpy_journeys(n_accounts, seed)
        return touchpoints, acquisitions, "local NumPy builder"
    touchpoints, acquisitions = generate_touchpoints(n_accounts, acquired_share=0.3, seed=seed,
                                                     channels=CHANNELS)
    return touchpoints, acquisitions, "cac_toolkit.data.generator.generate_touchpoints"


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


def repeated(function: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    """(last result, wall time of each of ``repeat`` runs in seconds)."""
    seconds = []
    for _ in range(repeat):
        result, elapsed = timed(function)
        seconds.append(elapsed)
    return result, seconds


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


def path_table(conv: pd.Series, null: pd.Series) -> pd.DataFrame:
    """One row per distinct path: ``path``, ``total_conversions``, ``total_null`` (the CSV)."""
    table = pd.DataFrame({"total_conversions": conv, "total_null": null}).fillna(0)
    table = table.astype("int64")
    table.index.name = "path"
    return table.reset_index()


def ensure_peer(install: bool) -> bool:
    """Whether the peer venv exists, building it first when ``install`` is set."""
    if PEER_PYTHON.exists():
        return True
    if not install:
        print(f"SKIP ChannelAttribution comparison: no peer venv at {PEER_PYTHON} "
              f"(run with --install-peer to build it)")
        return False
    print(f"building the peer venv {PEER_PYTHON.parent.parent} (ChannelAttribution compiles "
          f"from source, a few minutes) ...", flush=True)
    steps = ([shutil.which("python3") or sys.executable, "-m", "venv",
              str(PEER_PYTHON.parent.parent)],
             [str(PEER_PYTHON), "-m", "pip", "install", "--quiet", *PEER_PACKAGES])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            print(f"SKIP ChannelAttribution comparison: '{' '.join(step[:4])} ...' failed "
                  f"({tail})")
            return False
    return PEER_PYTHON.exists()


def run_peer(csv: str, repeat: int) -> dict[str, Any] | None:
    """The peer's runs on the path table ``csv`` (None, with a SKIP line, when it fails)."""
    done = subprocess.run([str(PEER_PYTHON), "-c", PEER_SCRIPT, csv, str(repeat)],
                          capture_output=True, text=True, check=False)
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


def seconds_text(seconds: list[float]) -> str:
    """"median 0.123 s (runs 0.120 0.123 ...)"."""
    runs = " ".join(f"{s:.3f}" for s in seconds)
    return f"median {statistics.median(seconds):.3f} s (runs {runs})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--touchpoints", type=int, default=1_000_000,
                        help="approximate number of touchpoints (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs per timing, the median is reported (default 5)")
    parser.add_argument("--no-peer", action="store_true", help="skip ChannelAttribution")
    parser.add_argument("--install-peer", action="store_true",
                        help="build benchmarks/.venv-peers with ChannelAttribution if missing")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)

    (touchpoints, acquisitions, source), seconds = timed(
        lambda: build_journeys(args.touchpoints, args.seed))
    acquired = acquisitions["account_id"]
    n_accounts = touchpoints["account_id"].nunique()
    print(f"data: {len(touchpoints):,} touchpoints, {n_accounts:,} accounts, "
          f"{len(acquisitions):,} acquired ({len(acquisitions) / n_accounts:.0%}), "
          f"{touchpoints['channel'].nunique()} channels; built in {seconds:.2f} s by {source}")
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs; wall times are medians of {repeat} runs")
    common = {"acquired_accounts": acquired, "period_end": PERIOD_END}

    print(f"\n{'model':<15}{'channel_credits s':>18}{'account_credits s':>19}"
          f"{'peak MiB':>10}{'rows':>10}")
    slowest = 0.0
    for model in attribution.MODELS:
        _, t_channel = repeated(lambda m=model: attribution.channel_credits(
            acquisitions, touchpoints, m, **common), repeat)
        table, t_account = repeated(lambda m=model: attribution.account_credits(
            acquisitions, touchpoints, m, **common), repeat)
        peak = peak_memory(lambda m=model: attribution.account_credits(
            acquisitions, touchpoints, m, **common))
        slowest = max(slowest, statistics.median(t_channel), statistics.median(t_account))
        print(f"{model:<15}{statistics.median(t_channel):>18.2f}"
              f"{statistics.median(t_account):>19.2f}{peak:>10.0f}{len(table):>10,}")
    for order in (2, 3):
        _, t_order = repeated(lambda o=order: attribution.channel_credits(
            acquisitions, touchpoints, "markov", markov_order=o, **common), repeat)
        print(f"{'markov order ' + str(order):<15}{statistics.median(t_order):>18.2f}")
    table, t_compare = repeated(lambda: attribution.compare_models(acquisitions, touchpoints,
                                                                   **common), repeat)
    print(f"{'compare_models':<15}{statistics.median(t_compare):>18.2f}  (all models, "
          f"journeys prepared once)")
    print(f"slowest model: {slowest:.2f} s for {len(touchpoints):,} touchpoints "
          f"({'under' if slowest < 10 else 'OVER'} the 10 s budget)")
    print("\ncredits by model (customers):")
    print(table.round(1).to_string())

    markov_comparison(touchpoints, acquisitions, common, args, repeat)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nbenchmark process max RSS: {rss:.0f} MiB")
    return 0


def markov_comparison(touchpoints: pd.DataFrame, acquisitions: pd.DataFrame,
                      common: dict[str, Any], args: argparse.Namespace, repeat: int) -> None:
    """Our exact removal effects against ChannelAttribution's on the same path table."""
    conv, null = aggregated_paths(touchpoints, acquisitions)
    with tempfile.TemporaryDirectory() as folder:
        csv = os.path.join(folder, "paths.csv")
        path_table(conv, null).to_csv(csv, index=False)
        paths = pd.read_csv(csv)  # exactly what the peer reads, read as the peer does

        def ours_on_table() -> pd.Series:
            indexed = paths.set_index("path")
            return attribution.markov_removal_effects(indexed["total_conversions"],
                                                      indexed["total_null"])

        ours, t_table = repeated(ours_on_table, repeat)
        peak = peak_memory(ours_on_table)
        _, t_series = repeated(lambda: attribution.markov_removal_effects(conv, null), repeat)
        _, t_raw = repeated(lambda: attribution.channel_credits(acquisitions, touchpoints,
                                                                "markov", **common), repeat)
        print(f"\nMarkov (order 1) on the same journeys: {len(paths):,} distinct paths in one "
              f"table ({len(conv):,} converting, {len(null):,} non-converting; "
              f"{int(conv.sum()):,} / {int(null.sum()):,} journeys)")
        print(f"cac_toolkit markov_removal_effects, path table (same input as the peer): "
              f"{seconds_text(t_table)}, peak {peak:.0f} MiB (tracemalloc)")
        print(f"cac_toolkit markov_removal_effects, two value_counts Series: "
              f"{seconds_text(t_series)}")
        print(f"cac_toolkit channel_credits('markov') from raw touchpoints: {seconds_text(t_raw)}")
        print(f"P(conversion) = {ours.attrs['conversion_probability']:.6f}")
        if args.no_peer:
            print("SKIP ChannelAttribution comparison: --no-peer")
            return
        if not ensure_peer(args.install_peer):
            return
        peer = run_peer(csv, repeat)
    if peer is None:
        return
    side = pd.DataFrame({"cac_toolkit (exact)": ours})
    for label, run in peer["runs"].items():
        theirs = pd.Series(run["removal_effects"], dtype="float64").reindex(ours.index)
        side[f"CA {label}"] = theirs
        side[f"diff {label}"] = theirs - ours
    print("\nremoval effects:")
    print(side.round(4).to_string())
    ours_median = statistics.median(t_table)
    for label, run in peer["runs"].items():
        theirs_median = statistics.median(run["seconds"])
        print(f"ChannelAttribution ({label}): {seconds_text(run['seconds'])}; largest "
              f"|difference| {side[f'diff {label}'].abs().max():.4f}")
        print(f"  time ratio ChannelAttribution / cac_toolkit (medians): "
              f"{theirs_median / ours_median:.1f}x on the same path table, "
              f"{theirs_median / statistics.median(t_raw):.2f}x vs channel_credits('markov') "
              f"from raw touchpoints")
    print(f"ChannelAttribution process peak RSS (Python, pandas, paths, all runs): "
          f"{peer['max_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    raise SystemExit(main())
