"""Command line: ``cac-toolkit kpis``, ``audit``, ``prepare``, ``check`` and ``sample``.

Errors the user can fix (a bad file, a bad parameter, a folder that cannot be written) print
one line on stderr and exit with status 2; nothing is ever written into the input folder, and
``audit --out``, ``prepare --out`` and ``sample`` never replace a folder holding anything the
command did not write unless ``--force`` is given. SIGINT, SIGTERM and SIGHUP end a run with
one line and the status 130, 143 or 129.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from cac_toolkit.core.errors import CacToolkitError, ParameterError, printable
from cac_toolkit.core.interrupts import Interrupted, finalise_quietly, interruptible
from cac_toolkit.core.outputs import (
    check_audit_folder,
    check_file_target,
    make_folder,
    make_work_folder,
    os_failure,
    publish,
    refuse_overlap,
    remove_stale,
    resolved,
    write_atomically,
)
from cac_toolkit.core.version import __version__

AUDIT_OUT_HELP = (
    "output folder (report.ipynb, report.html, kpis.json, workbook.xlsx). It must not exist "
    "yet, be empty, or be a folder an earlier audit wrote (marked by its .cac-toolkit-audit "
    "file); it is then replaced as a whole. A folder holding other files is refused")
PREPARE_OUT_HELP = (
    "contract folder to write (spend.csv, deals.csv... and mapping-report.json/.md). It must "
    "not exist yet, be empty, or be a folder an earlier prepare wrote (marked by its "
    ".cac-toolkit-prepare file); it is then replaced as a whole. A folder holding other files "
    "is refused, and it may not be, contain or sit inside RAW_DIR")
SAMPLE_OUT_HELP = (
    "folder to write the tables into. It must not exist yet, be empty, or be a folder an "
    "earlier sample wrote (marked by its .cac-toolkit-sample file); it is then replaced as a "
    "whole. A folder holding other files is refused")
FORCE_HELP = ("replace OUT_DIR even if it holds files an audit did not write (they are "
              "deleted); a file is never replaced by a folder, and inputs are never touched")


def _parameters(pairs: Sequence[Sequence[str]] | None, file: str | None) -> dict[str, object]:
    values: dict[str, object] = {}
    if file:
        import yaml

        try:
            loaded = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise os_failure(exc, file, "read") from None
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CacToolkitError(f"{file}: not a YAML file of parameters "
                                  f"({exc.__class__.__name__})") from None
        if not isinstance(loaded, dict):
            raise CacToolkitError(f"{file}: expected a mapping of parameter names to values")
        values.update(loaded)
    for name, value in pairs or ():
        values[name] = value
    return values


def _flag(name: str, value: object) -> bool:
    """A yes/no option given as ``-p NAME true`` (or in the YAML file): true/false, yes/no, 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off", "", "none"):
        return False
    raise ParameterError(name, "true or false", value)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data_dir", help="folder holding spend, deals, leads, touchpoints files")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="an audit parameter, e.g. -p gross_margin 0.7 (repeatable)")
    parser.add_argument("-f", "--parameters-file", metavar="YAML",
                        help="parameters in a YAML file (-p values override it)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cac-toolkit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cac-toolkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    kpis = commands.add_parser("kpis", help="compute the KPI JSON of an audit folder")
    _add_common(kpis)
    kpis.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")

    audit = commands.add_parser("audit", help="run the audit notebook and write the report")
    _add_common(audit)
    audit.add_argument("--out", metavar="OUT_DIR", required=True, help=AUDIT_OUT_HELP)
    audit.add_argument("--force", action="store_true", help=FORCE_HELP)
    audit.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    audit.add_argument("--pdf", action="store_true",
                       help="also print report.pdf (A4) with headless Chromium "
                            "(same as -p pdf true)")

    sample = commands.add_parser("sample", help="write the generated sample company")
    sample.add_argument("out_dir", metavar="OUT_DIR", help=SAMPLE_OUT_HELP)
    sample.add_argument("--scale", type=float, default=1.0)
    sample.add_argument("--format", default="csv", choices=("csv", "xlsx", "parquet"))
    sample.add_argument("--force", action="store_true", help=FORCE_HELP.replace(
        "an audit", "sample"))

    table = commands.add_parser("table", help="print the KPI table of an audit folder")
    _add_common(table)

    commands.add_parser("notebook", help="print the path of the audit notebook, for papermill")

    prepare = commands.add_parser("prepare", help="write the contract folder that a raw "
                                  "folder's sources.yaml implies, with a mapping report")
    prepare.add_argument("raw_dir", help="folder of raw exports with a sources.yaml")
    prepare.add_argument("--out", metavar="DIR", required=True, help=PREPARE_OUT_HELP)
    prepare.add_argument("--force", action="store_true", help=FORCE_HELP.replace(
        "an audit", "prepare").replace("OUT_DIR", "DIR"))

    batch = commands.add_parser("audit-batch", help="one audit per client of a clients.yaml, "
                                "with summary.csv and summary.xlsx")
    batch.add_argument("clients_file", metavar="clients.yaml")
    batch.add_argument("--out", metavar="OUT_DIR", required=True,
                       help="one folder per client, plus summary.csv and summary.xlsx; it "
                       "must not exist yet, be empty, or be a folder an earlier audit-batch "
                       "wrote (marked by its .cac-toolkit-audit-batch file)")
    batch.add_argument("--force", action="store_true", help="write into OUT_DIR even if it "
                       "holds files the batch did not write (those beside the clients' folders "
                       "are kept; each client's folder is replaced whole); inputs are never "
                       "touched")
    batch.add_argument("--no-progress", action="store_true", help="hide the progress")

    check = commands.add_parser("check", help="list every problem of a folder (errors, then "
                                "warnings); exit 2 if any error")
    check.add_argument("data_dir")
    check.add_argument("--json", action="store_true", help="print the problems as JSON")
    return parser


def _warn(kpis: dict) -> None:
    """Warnings about the inputs go to stderr too (they are in kpis.json)."""
    for warning in kpis.get("warnings") or ():
        print(f"cac-toolkit: warning: {printable(warning['message'])}", file=sys.stderr)


def _check(data_dir: Path, as_json: bool) -> int:
    import json

    from cac_toolkit.audit.kpis import spendless_channels
    from cac_toolkit.data.checking import _warning, check_folder
    from cac_toolkit.data.loading import load_folder
    from cac_toolkit.figures.counting import acquisitions

    problems = check_folder(data_dir)
    if not any(p.level == "error" for p in problems):
        data = load_folder(data_dir)
        problems += [_warning(w) for w in spendless_channels(data, acquisitions(data.deals))]
    errors = sum(p.level == "error" for p in problems)
    if as_json:
        sys.stdout.write(json.dumps({"errors": errors, "warnings": len(problems) - errors,
                                     "problems": [p.as_dict() for p in problems]},
                                    indent=2, ensure_ascii=False) + "\n")
    else:
        for problem in problems:
            print(f"{problem.level}: {problem.message}")
        print(f"{errors} error(s), {len(problems) - errors} warning(s) in {data_dir}")
    return 2 if errors else 0


def _sample(out: str, scale: float, fmt: str, force: bool) -> list[Path]:
    """``cac-toolkit sample``: the generated company, written beside ``out`` and renamed into
    place, with the output-folder rules of :mod:`cac_toolkit.core.outputs`."""
    from cac_toolkit.data.contract import TABLES
    from cac_toolkit.data.generator import generate_company, write_company

    target = resolved(out)
    own = [f"{table}.{kind}" for table in TABLES for kind in ("csv", "xlsx", "parquet")]
    check_audit_folder(target, out, own, force, "sample")
    tables = generate_company(scale=scale)
    try:
        make_folder(target.parent)
        remove_stale(target, "sample")
        work = make_work_folder(target, "sample")
        try:
            names = [path.name for path in write_company(tables, work, fmt)]
            publish(work, target, "sample")
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        raise os_failure(exc, exc.filename or out, "write") from None
    return [Path(out) / name for name in names]


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sample":
        for path in _sample(args.out_dir, args.scale, args.format, args.force):
            print(path)
        return 0
    if args.command == "notebook":
        from cac_toolkit.core.resources import audit_notebook

        print(audit_notebook())
        return 0
    if args.command == "prepare":
        from cac_toolkit.data.sources import prepare

        for path in prepare(Path(args.raw_dir), Path(args.out), force=args.force):
            print(path)
        return 0
    if args.command == "check":
        return _check(Path(args.data_dir), args.json)
    if args.command == "audit-batch":
        from cac_toolkit.batch import run_batch

        rows = run_batch(Path(args.clients_file), Path(args.out),
                         progress=not args.no_progress, force=args.force)
        for row in rows:
            print(f"{row['client']}: {row['status']}"
                  + (f" ({row['error']})" if row["error"] else ""))
        print(Path(args.out) / "summary.csv")
        print(Path(args.out) / "summary.xlsx")
        return 2 if any(row["status"] != "ok" for row in rows) else 0

    # Imported here rather than at the top so that --help and --version answer at once.
    from cac_toolkit.audit.engines import read_folder
    from cac_toolkit.audit.kpis import HISTORY_PERIODS, compute_kpis, kpis_json_pieces
    from cac_toolkit.audit.params import AuditParameters

    data_dir = Path(args.data_dir)
    values = _parameters(args.parameter, args.parameters_file)
    pdf = args.command == "audit" and (_flag("pdf", values.pop("pdf", False)) or args.pdf)
    params = AuditParameters.from_mapping(values)
    if args.command == "audit":
        from cac_toolkit.runner import run_audit

        result = run_audit(data_dir, Path(args.out), params, progress=not args.no_progress,
                           force=args.force, pdf=pdf)
        _warn(result.kpis)
        for path in result.files:
            print(path)
        return 0
    if args.command == "kpis" and args.out:  # where it writes is settled before any work
        refuse_overlap(Path(args.out), args.out, data_dir)
        check_file_target(Path(os.path.realpath(args.out)), args.out)
    from cac_toolkit.runner import rows_read

    # On a terminal, one line per table as it is read: a large folder takes a while. A
    # large folder (or -p engine duckdb|spark) is checked out of core, and only the rows
    # that the KPI file reads come into memory.
    kpis = compute_kpis(read_folder(data_dir, params, HISTORY_PERIODS,
                                    progress=rows_read(sys.stderr.isatty())), params)
    _warn(kpis)
    if args.command == "table":
        from cac_toolkit.render.report import kpi_table

        print(kpi_table(kpis, lang=params.lang).to_string())
        return 0
    text = kpis_json_pieces(kpis)  # written piece by piece: a large file is not held twice
    if args.out:
        # Written through a temporary file renamed into place, links followed: readers never
        # see a half-written file, a failure leaves nothing behind, an input is never hit.
        refuse_overlap(Path(args.out), args.out, data_dir)
        write_atomically(Path(os.path.realpath(args.out)), text, args.out)
    else:
        sys.stdout.writelines(text)
    return 0


def _error(message: object) -> None:
    print(f"cac-toolkit: error: {printable(message)}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    interrupted = ""
    try:
        with interruptible():
            code = run(argv)
    except CacToolkitError as exc:
        _error(exc)
        code = 2
    except OSError as exc:  # a failure no step named more precisely: still one line
        _error(os_failure(exc, exc.filename or "a file", "use"))
        code = 2
    except Interrupted as exc:
        where = ("the new output had already been written" if exc.published
                 else "earlier outputs are untouched")
        interrupted = f"cac-toolkit: interrupted ({exc.name}); {where}"
        code = exc.exit_code
    except KeyboardInterrupt:
        interrupted = "cac-toolkit: interrupted; earlier outputs are untouched"
        code = 130
    if interrupted:  # the exception and what it held are released: nothing prints after
        finalise_quietly()
        print(interrupted, file=sys.stderr, flush=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
