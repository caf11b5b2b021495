"""Benchmark: the sample company at growing sizes, per engine, against ``pyarrow.csv``.

For each scale (default 1x, 10x, 100x; the issue's 300x and 1000x with ``--scales``) the
company is generated once into a cache folder outside the repository
(``~/.cache/cac-toolkit/scale/<N>x``, or ``--cache``). Each measurement runs in a fresh child
process, so that its peak resident memory (``ru_maxrss``) is its own; the clock starts after
the imports (the same for every measure, pyarrow's included, so the memory ratios carry them):

- ``pyarrow_csv``: ``pyarrow.csv`` reading the same files, every column as text (the floor);
- ``load``: the strict loader (``load_folder``: parsing, checks, channel harmonisation);
- ``kpis_pandas``: loading plus the KPI file with the pandas engine (the size threshold
  switched off);
- ``kpis_duckdb``: the out-of-core path of ``cac-toolkit kpis -p engine duckdb``: the folder
  checked in parts into Parquet, the rows of the KPI file selected by DuckDB, the KPI file;
- ``kpis_spark`` (``--spark``): loading plus the KPI file with the Spark engine.

The measures held in memory (``load``, ``kpis_pandas``, ``kpis_spark``) are skipped above
``--memory-scale`` (default 100x: the loader needs about 5 GB at 300x and more than 12 GB at
1000x), where only ``pyarrow_csv`` and ``kpis_duckdb`` run. Above 100x the company is
written in blocks of 100x (seeds 1, 2, ...; ids prefixed ``B01-``...), so that the generator
itself holds one block at a time.

Measurements are interleaved (A, B, C, A, B, C, ...) ``--repeats`` times; the table gives the
median wall time, the median peak RSS, their ratios to ``pyarrow_csv`` measured in the same
run, and the growth exponent of time and memory with size (least-squares slope of
log(value) on log(scale); 1.0 is linear).

Usage: ``nice -n 19 python benchmarks/scale.py [--scales 1 10 100 300 1000] [--repeats 3]
[--spark] [--only kpis_duckdb]``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from cac_toolkit.data.generator import generate_company, write_company

PARAMS = {"period_start": "2025-10-01", "period_end": "2025-12-31", "gross_margin": 0.75,
          "lifetime_months": 36, "attribution_model": "markov"}

#: The reference every measure is compared with: ``pyarrow.csv`` reading each CSV, all columns
#: as strings (the body of the child's ``pyarrow_csv`` branch; ``benchmarks/loader.py`` too).
ARROW_REFERENCE = r"""    rows = 0
    for path in sorted(Path(folder).glob("*.csv")):
        names = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names}))
        rows += table.num_rows
"""

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import pyarrow as pa
import pyarrow.csv as pcsv
from cac_toolkit.audit import engines
from cac_toolkit.audit.kpis import HISTORY_PERIODS, compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.data.loading import load_folder
kind, folder, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
start = time.perf_counter()  # after the imports: the work only
if kind == "pyarrow_csv":
{arrow_reference}elif kind == "kpis_duckdb":  # out of core: checked in parts, selected by DuckDB
    values = AuditParameters.from_mapping({**params, "engine": "duckdb"})
    data = engines.read_folder(folder, values, HISTORY_PERIODS)
    rows = sum(info.rows for info in data.files.values())
    compute_kpis(data, values)
else:
    data = load_folder(folder)
    rows = engines.total_rows(data)
    if kind.startswith("kpis_"):
        engine = kind.removeprefix("kpis_")
        engines.AUTO_DUCKDB_ROWS = float("inf")  # the pandas reference stays pandas
        compute_kpis(data, AuditParameters.from_mapping({**params, "engine": engine}))
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))
"""
CHILD = CHILD.replace("{arrow_reference}", ARROW_REFERENCE)


#: Above this scale the company is written in blocks of this scale, one at a time.
BLOCK_SCALE = 100
#: The id columns a block prefixes, so that the blocks' ids never collide.
ID_COLUMNS = ("deal_id", "account_id", "lead_id")


def write_blocks(folder: Path, scale: float) -> None:
    """The company at ``scale`` as ``scale / BLOCK_SCALE`` companies of ``BLOCK_SCALE``
    (seeds 1, 2, ...; ids prefixed ``B01-``...) appended to the same CSV files: the generator
    holds one block at a time, so its memory is that of ``BLOCK_SCALE``."""
    blocks = math.ceil(scale / BLOCK_SCALE)
    for block in range(blocks):
        tables = generate_company(scale=scale / blocks, seed=block + 1)
        for frame in tables.values():
            for column in ID_COLUMNS:
                if column in frame:
                    frame[column] = (f"B{block + 1:02d}-" + frame[column].astype(object)
                                     ).where(frame[column].notna())
        part = folder / f"block-{block}"
        write_company(tables, part, "csv")
        for path in sorted(part.glob("*.csv")):
            with path.open("rb") as src, (folder / path.name).open("ab") as out:
                if block:
                    src.readline()  # the header once, from the first block
                shutil.copyfileobj(src, out, 1 << 24)
            path.unlink()
        part.rmdir()
        del tables


def company_folder(cache: Path, scale: float) -> Path:
    """The cached CSV folder of the sample company at ``scale`` (generated on first use)."""
    folder = cache / f"{scale:g}x"
    done = folder / ".complete"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if scale > BLOCK_SCALE:
            for stale in folder.glob("*.csv"):
                stale.unlink()
            write_blocks(folder, scale)
        else:
            write_company(generate_company(scale=scale), folder, "csv")
        done.write_text("ok\n", encoding="utf-8")
    return folder


def measure(kind: str, folder: Path) -> dict[str, float]:
    """One measurement in a fresh child process."""
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(folder), json.dumps(PARAMS)],
                         check=True, capture_output=True, text=True)
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of log(y) on log(x): the growth exponent."""
    if len(xs) < 2:
        return None
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / den if den else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="also measure engine spark")
    parser.add_argument("--cache", type=Path,
                        default=Path.home() / ".cache" / "cac-toolkit" / "scale")
    parser.add_argument("--memory-scale", type=float, default=100,
                        help="above this scale, skip the measures held in memory")
    parser.add_argument("--only", nargs="+", help="measure only these (pyarrow_csv is kept)")
    args = parser.parse_args()
    kinds = ["pyarrow_csv", "load", "kpis_pandas", "kpis_duckdb"]
    if args.spark:
        kinds.append("kpis_spark")
    if args.only:
        kinds = ["pyarrow_csv"] + [k for k in kinds if k in args.only and k != "pyarrow_csv"]
    medians: dict[str, dict[float, tuple[float, float]]] = {k: {} for k in kinds}
    print(f"{'scale':>6} {'rows':>10} {'measure':<12} {'seconds':>8} {'peak MB':>8} "
          f"{'t/arrow':>8} {'mem/arrow':>9}")
    for scale in args.scales:
        folder = company_folder(args.cache, scale)
        here = [k for k in kinds if scale <= args.memory_scale
                or k in ("pyarrow_csv", "kpis_duckdb")]
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in here}
        for _ in range(args.repeats):
            for kind in here:  # interleaved, so that a busy moment hits every measure
                runs[kind].append(measure(kind, folder))
        for kind in here:
            seconds = statistics.median(r["seconds"] for r in runs[kind])
            peak = statistics.median(r["peak_mb"] for r in runs[kind])
            medians[kind][scale] = (seconds, peak)
        base_t, base_m = medians["pyarrow_csv"][scale]
        rows = int(max(r[0]["rows"] for r in runs.values()))
        for kind in here:
            seconds, peak = medians[kind][scale]
            print(f"{scale:>5g}x {rows:>10} {kind:<12} {seconds:>8.2f} {peak:>8.0f} "
                  f"{seconds / base_t:>8.2f} {peak / base_m:>9.2f}", flush=True)
    if len(args.scales) > 1:
        print("\ngrowth exponents with size (1.0 = linear): time, memory")
        for kind in kinds:
            xs = list(medians[kind])
            t = slope(xs, [medians[kind][x][0] for x in xs])
            m = slope(xs, [medians[kind][x][1] for x in xs])
            if t is not None and m is not None:
                print(f"  {kind:<12} {t:.2f}  {m:.2f}   ({', '.join(f'{x:g}x' for x in xs)})")


if __name__ == "__main__":
    main()
