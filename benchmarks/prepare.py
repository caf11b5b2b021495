"""Benchmark: ``cac-toolkit prepare`` on a generated FEC of one million lines.

The ledger repeats, month after month, entries in the real layout (``|``-separated, AAAAMMJJ
dates, decimal comma, 8-digit accounts, the supplier on the 401 line, VAT and bank lines, a
credit note now and then), so about a third of its lines are acquisition costs. Each run
reads the raw folder through ``sources.yaml`` and writes the contract folder and the mapping
report; the script prints the median wall time over the runs and the peak resident memory of
a child process doing one run.

Usage: ``python benchmarks/prepare.py [--lines 1000000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cac_toolkit.data.sources import prepare

HEADER = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
          "CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|"
          "ValidDate|Montantdevise|Idevise")
SUPPLIERS = (("62310000", "GOOGLE IRELAND LTD", "Google Ads"),
             ("62310000", "LINKEDIN IRELAND UC", "LinkedIn"),
             ("62330000", "COMEXPO", "Salon"),
             ("62510000", "SNCF", "Déplacement"),
             ("60610000", "EDF", "Electricité"),
             ("62260000", "AGENCE ORGANIQUE", "Retainer SEO"))
SOURCES = """\
spend:
  file: "*FEC*.txt"
  preset: fec
  accounts:
    "6226": {category: marketing, channel: SEO}
    "6233": {category: marketing, channel: Events}
  channel_rules:
    - {field: CompAuxLib, match: google, channel: Google Ads}
    - {field: CompAuxLib, match: linkedin, channel: LinkedIn Ads}
deals: deals.csv
"""


def write_fec(path: Path, lines: int) -> None:
    """About ``lines`` ledger lines: entries of three lines (expense, VAT, supplier)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\r\n")
        written, entry = 0, 0
        while written < lines:
            entry += 1
            month = 1 + entry % 12
            day = 1 + entry % 28
            date = f"2025{month:02d}{day:02d}"
            account, supplier, label = SUPPLIERS[entry % len(SUPPLIERS)]
            amount = 100 + (entry * 37) % 5000 + (entry % 100) / 100
            credit_note = entry % 97 == 0
            vat = round(amount * 0.2, 2)
            ref = f"F{entry:07d}"
            base = f"AC|Achats|{entry}|{date}|"
            tail = f"||{date}||\r\n"

            def money(value: float, credit: bool) -> str:
                text = f"{value:.2f}".replace(".", ",")
                return f"0,00|{text}" if credit else f"{text}|0,00"

            handle.write(f"{base}{account}|Charges|||{ref}|{date}|{label}|"
                         f"{money(amount, credit_note)}{tail}")
            handle.write(f"{base}44566000|TVA déductible|||{ref}|{date}|{label}|"
                         f"{money(vat, credit_note)}{tail}")
            handle.write(f"{base}40100000|Fournisseurs|F{entry % 50}|{supplier}|{ref}|{date}|"
                         f"{label}|{money(amount + vat, not credit_note)}{tail}")
            written += 3


def one_run(raw: Path, out: Path) -> float:
    start = time.perf_counter()
    prepare(raw, out)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("RAW", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        one_run(Path(args.child[0]), Path(args.child[1]))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{peak:.0f}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        fec = raw / "123456789FEC20251231.txt"
        write_fec(fec, args.lines)
        (raw / "sources.yaml").write_text(SOURCES, encoding="utf-8")
        (raw / "deals.csv").write_text("deal_id,account_id,won_date,channel\n"
                                       "D1,A1,2025-06-01,Google Ads\n", encoding="utf-8")
        size = fec.stat().st_size / 2**20
        times = [one_run(raw, Path(tmp) / f"out{i}") for i in range(args.runs)]
        child = subprocess.run([sys.executable, __file__, "--child", str(raw),
                                str(Path(tmp) / "child")], capture_output=True, text=True,
                               check=True)
        kept = sum(1 for _ in open(Path(tmp) / "out0" / "spend.csv", encoding="utf-8")) - 1
        print(f"prepare on a FEC of {args.lines:,} lines ({size:.0f} MiB), {kept:,} spend "
              f"lines kept: median {statistics.median(times):.2f} s over {args.runs} runs "
              f"(min {min(times):.2f} s), peak memory {child.stdout.strip()} MiB")


if __name__ == "__main__":
    main()
