"""Write the capstone's client folder, ``data/capstone_client/``, from its seeded facts.

The raw exports (HubSpot deals and contacts, the FEC ledger, the HR payroll file in k€, the
Google Ads report) and the client's note are built by :mod:`cac_toolkit.course.capstone` from
the generator's company; ``tests/test_capstone.py`` checks that the committed folder is what
this script writes.

Usage::

    python scripts/make_capstone_data.py            # (re)write data/capstone_client/
    python scripts/make_capstone_data.py --check    # exit 1 if the folder differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cac_toolkit.course import capstone

ROOT = Path(__file__).resolve().parent.parent


def build(target: Path, check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) every file; returns the names that differ."""
    files = capstone.client_files()
    drift = []
    if check:
        present = {p.name for p in target.iterdir()} if target.is_dir() else set()
        drift += sorted(present - set(files))
        drift += [name for name, data in sorted(files.items())
                  if not (target / name).is_file() or (target / name).read_bytes() != data]
        return drift
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.name not in files:
            old.unlink()
    for name, data in sorted(files.items()):
        (target / name).write_bytes(data)
    return drift


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / capstone.FOLDER)
    args = parser.parse_args(argv)
    drift = build(args.out, check=args.check)
    if drift:
        print("capstone folder out of date (run scripts/make_capstone_data.py): "
              + ", ".join(drift), file=sys.stderr)
        return 1
    if not args.check:
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
