"""A client folder read through its ``sources.yaml``, and ``prepare``'s contract folder.

:func:`read_folder` reads every source (each raw file once), parses it with the loader's own
rules, joins the sources of each table, reads the contract files of the tables the YAML does
not name, compares ad-platform spend with the ledger (``reconcile: true``) and gathers the
warnings. :func:`prepare` writes the contract folder this implies, with the mapping report.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cac_toolkit.core.errors import CacToolkitError, InputError
from cac_toolkit.core.outputs import (
    check_audit_folder,
    make_folder,
    make_work_folder,
    os_failure,
    publish,
    refuse_overlap,
    remove_stale,
    resolved,
    unencodable,
)
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES
from cac_toolkit.data.signals import (
    DataWarning,
    says_thousands,
    stage_warning,
    stray_files,
    thousands_warning,
)
from cac_toolkit.data.sources import ads, billing, crm, fec
from cac_toolkit.data.sources.config import (
    SOURCES_FILE,
    Source,
    SourcesConfig,
    is_location,
    read_sources,
)
from cac_toolkit.data.sources.engine import (
    ReadSource,
    SourceReport,
    Work,
    _apply_filter,
    _apply_values,
    _drop_footers,
    find_file,
    finish,
    header_spec,
    parse_source,
    required_roles,
    roles_of,
)
from cac_toolkit.data.sources.presets import MONEY_COLUMNS
from cac_toolkit.data.sources.report import report_dict, report_json, report_markdown

_FAMILIES = {"crm": crm.apply, "fec": fec.apply, "ads": ads.apply, "billing": billing.apply}
MAPPING_REPORT = "mapping-report"


@dataclass
class Loaded:
    """What a sources folder gives: the audit data, each source's report, the checks."""

    data: loading.AuditData
    reports: list[SourceReport] = field(default_factory=list)
    reconciliation: list[dict] = field(default_factory=list)
    notices: list[DataWarning] = field(default_factory=list)  # facts for ``check`` only
    #: With tables read elsewhere: each channel spelling's merged name (None: no merge).
    channels: dict[str, str] | None = None

    def mapping_report(self) -> dict[str, object]:
        return report_dict([r.as_dict() for r in self.reports], self.data.warnings,
                           self.reconciliation)


def read_source(folder: Path, source: Source, config: SourcesConfig) -> ReadSource:
    """Read one source's raw file into a contract-shaped raw table."""
    path = find_file(folder, source)
    data, digest = loading.read_input(path)  # hashed and parsed from the same bytes
    report = SourceReport(source.name, source.table, path.name,
                          source.preset.name if source.preset else None)
    spec = header_spec(source)
    try:
        raw = loading.read_raw(path, spec, sheet=source.sheet, data=data)
    except InputError as error:
        if "no header row found" not in str(error):
            raise
        what = f"the {source.preset.name} preset" if source.preset else "the contract"
        raise InputError(error.file, f"no header row of {what} in the first "
                         f"{loading.HEADER_SEARCH_ROWS} rows; ", row=1,
                         expected=f"columns named {', '.join(_first_headers(source))} (or "
                         "name the columns with columns: in sources.yaml)") from None
    report.rows_read = len(raw.frame)
    original = raw.frame
    work = Work(raw, source, report)
    _drop_footers(work)
    filtered = _apply_filter(work)
    _apply_values(work)
    family = source.preset.family if source.preset else None
    if family:
        filtered = _FAMILIES[family](work) or filtered
    table = finish(work, config)
    report.rows_kept = len(table.frame)
    read = ReadSource(source, path, digest, table, report, filtered=filtered)
    read.warnings = _source_warnings(read, original, raw, work)
    return read


def _first_headers(source: Source) -> list[str]:
    roles = roles_of(source)
    return [roles[r][0] for r in required_roles(source)]


def _source_warnings(read: ReadSource, original: pd.DataFrame, raw: loading.RawTable,
                     work: Work) -> list[DataWarning]:
    out: list[DataWarning] = []
    source = read.source
    if source.table == "deals" and not read.filtered:
        found = stage_warning(original, raw.label, raw.rows)
        if found is not None:
            out.append(found)
    if not source.scale:
        for column in MONEY_COLUMNS[source.table]:
            role = column if column in work.roles else None
            if source.preset is not None and "amount" in work.roles:
                role = "amount"
            if role and role in work.roles and says_thousands(work.header(role)):
                out.append(thousands_warning(raw.label, work.header(role), work.header(role)))
                break
        else:
            for line in raw.preamble:
                if says_thousands(line):
                    out.append(thousands_warning(raw.label, "amount", line.strip()[:60]))
                    break
    return out


def read_folder(folder: str | Path, currency: str | None = None,
                in_place: dict[str, pd.Series] | None = None) -> Loaded:
    """Read a client folder through its ``sources.yaml`` (see the module docstring).

    ``in_place`` names the tables read elsewhere (by Spark, at the location ``sources.yaml``
    gives: :mod:`cac_toolkit.audit.engines.in_place`) with their rows per channel spelling:
    those tables are left out (``None``), and the channel spellings are merged over every
    table, theirs included (:attr:`Loaded.channels`, the mapping to apply to them).
    """
    root = Path(folder)
    config = read_sources(root)
    skipped = set(in_place or ())
    reads: list[ReadSource] = [read_source(root, s, config) for s in config.sources
                               if s.table not in skipped or not is_location(s.file)]
    frames: dict[str, pd.DataFrame | None] = {}
    raws: dict[str, loading.RawTable | list[loading.RawTable]] = {}
    files: dict[str, loading.FileInfo] = {}
    warnings: list[DataWarning] = []
    notices: list[DataWarning] = []
    read_paths = [config.path]
    parsed: dict[int, pd.DataFrame] = {}
    for index, read in enumerate(reads):
        parsed[index] = parse_source(read)
        loading.refuse_reserved_channel(parsed[index], read.source.table, read.raw)
        read_paths.append(read.path)
        warnings += read.warnings
        if read.source.date_format == "mdy":
            notices.append(DataWarning.make(
                "month_first_dates", file=read.path.name,
                preset=read.source.preset.name if read.source.preset else ""))
    for table, spec in TABLES.items():
        mine = [i for i, r in enumerate(reads) if r.source.table == table
                and not r.source.reconcile]
        if table in skipped:
            frames[table] = None
            continue
        if not mine:
            path = loading.find_table_file(root, table)
            if path is None:
                if spec.required_table:
                    raise InputError(SOURCES_FILE, f"no source for the table '{table}' and no "
                                     f"{table} file in the folder; ",
                                     expected=f"a '{table}:' entry or a file {table}.csv")
                frames[table] = None
                continue
            data, digest = loading.read_input(path)
            raw = loading.read_raw(path, spec, data=data)
            frames[table] = loading.parse_table(raw, spec)
            raws[table] = raw
            files[table] = loading.FileInfo(table, path, digest, len(frames[table]))
            warnings += loading.raw_warnings({table: raw}, filtered=set())
            read_paths.append(path)
            continue
        _refuse_duplicate_ids(table, [reads[i] for i in mine], [parsed[i] for i in mine])
        frames[table] = pd.concat([parsed[i] for i in mine], ignore_index=True) if len(
            mine) > 1 else parsed[mine[0]]
        raws[table] = [reads[i].raw for i in mine]
        for number, i in enumerate(mine, start=1):
            key = table if len(mine) == 1 else f"{table}[{number}]"
            files[key] = loading.FileInfo(table, reads[i].path, reads[i].sha256,
                                          len(parsed[i]), reads[i].report.preset)
    for number, read in enumerate((r for r in reads if r.source.reconcile), start=1):
        files[f"check[{number}]"] = loading.FileInfo("check", read.path, read.sha256,
                                                     read.report.rows_kept,
                                                     read.report.preset)
    lines = len(config.path.read_text(encoding="utf-8-sig").splitlines())
    files[SOURCES_FILE] = loading.FileInfo("sources", config.path,
                                           loading.sha256_of(config.path), lines)
    warnings += stray_files(root, read_paths)
    channels = _merge_in_place(frames, in_place) if in_place else None
    data = loading.assemble(frames, raws, files, currency, warnings)
    reconciliation: list[dict] = []
    ledger = data.spend
    for index, read in enumerate(reads):
        if read.source.reconcile:
            platform = loading.harmonise_channels([parsed[index], ledger])[0]
            rows = ads.reconcile(platform, ledger, read.path.name)
            reconciliation += rows
            gaps = [r for r in rows if abs(r["gap"]) >= 0.01]
            if gaps:
                worst = max(gaps, key=lambda r: abs(r["gap"]))
                data.warnings.append(DataWarning.make(
                    "reconcile_gap", file=read.path.name, gaps=len(gaps), rows=len(rows),
                    month=worst["month"], channel=worst["channel"],
                    platform=worst["platform"], ledger=worst["ledger"], gap=worst["gap"]))
    return Loaded(data, [r.report for r in reads], reconciliation, notices, channels)


def _merge_in_place(frames: dict[str, pd.DataFrame | None], in_place: dict[str, pd.Series]
                    ) -> dict[str, str] | None:
    """Merge the channel spellings of ``frames`` (in place) with those of the tables read
    elsewhere (``in_place``: rows per spelling), as :func:`~cac_toolkit.data.loading.
    harmonise_channels` merges them over every table; the mapping, None when nothing
    merges. Once merged, each spelling is its channel's name: the loader's own merge then
    changes nothing."""
    counts = [frame["channel"].dropna().astype(object).value_counts()
              for frame in frames.values() if frame is not None and "channel" in frame]
    counts += list(in_place.values())
    total = pd.concat(counts).groupby(level=0).sum() if counts else pd.Series(dtype="int64")
    mapping = loading.channel_mapping(total.astype("int64"))
    if mapping is not None:
        for frame in frames.values():
            if frame is not None and "channel" in frame:
                frame["channel"] = frame["channel"].map(mapping).astype("string")
    return mapping


def _refuse_duplicate_ids(table: str, reads: list[ReadSource], frames: list[pd.DataFrame]
                          ) -> None:
    """An id must be unique across the sources of a table too."""
    unique = TABLES[table].unique
    if len(reads) < 2 or not unique:
        return
    column = unique[0]
    seen: dict[str, tuple[str, int]] = {}
    for read, frame in zip(reads, frames, strict=True):
        for position, value in enumerate(frame[column]):
            if value in seen:
                first = seen[value]
                raise InputError(read.raw.label, f"duplicate id (first seen in {first[0]}, "
                                 f"row {first[1]}); ", column=column,
                                 row=int(read.raw.rows[position]),
                                 expected="a value that appears once (it is an id)", got=value)
            seen[value] = (read.raw.label, int(read.raw.rows[position]))


def load_sources(folder: str | Path, currency: str | None = None) -> loading.AuditData:
    """The :class:`~cac_toolkit.loading.AuditData` of a folder with a ``sources.yaml``."""
    return read_folder(folder, currency).data


# --------------------------------------------------------------------------- prepare


def _contract_frame(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A canonical frame as the contract's CSV columns (ISO dates, plain numbers)."""
    out = pd.DataFrame(index=frame.index)
    for name, spec in TABLES[table].columns.items():
        column = frame[name]
        if spec.kind == "date":
            out[name] = column.dt.strftime("%Y-%m-%d").fillna("")
        elif spec.kind == "timestamp":
            out[name] = column.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
        elif spec.kind == "bool":
            out[name] = column.map(lambda v: "true" if v else "false")
        elif spec.kind == "number":
            out[name] = column.map(lambda v: "" if pd.isna(v) else repr(float(v)))
        else:
            out[name] = column.astype(object).where(column.notna(), "")
    return out


#: The command whose marker file says that a folder is ``prepare``'s own output.
PREPARE = "prepare"


def prepare_outputs() -> tuple[str, ...]:
    """Every file name ``prepare`` may write: one CSV per contract table, the mapping report."""
    return (*(f"{table}.csv" for table in TABLES), f"{MAPPING_REPORT}.json",
            f"{MAPPING_REPORT}.md")


def prepare(raw_dir: str | Path, out_dir: str | Path, currency: str | None = None, *,
            force: bool = False) -> list[Path]:
    """Write the contract folder a raw folder's ``sources.yaml`` implies, and the mapping
    report (``mapping-report.json`` and ``.md``). Returns the files written.

    Where it writes is decided before any file is read, with the audit's rules
    (:mod:`cac_toolkit.core.outputs`): ``out_dir``, with ``.``, ``..`` and links resolved, may
    not be, contain or sit inside the raw folder or the target of any file in it; it must be
    absent, empty or a folder an earlier ``prepare`` wrote (its ``.cac-toolkit-prepare``
    marker, and nothing but ``prepare``'s own files), unless ``force`` (a file is never
    replaced by a folder). The folder is written beside ``out_dir`` and renamed into place:
    an interruption or a failure leaves the earlier output whole, and the next run removes
    what an interrupted one left.
    """
    raw_dir, shown = Path(raw_dir), str(out_dir)
    if not (raw_dir / SOURCES_FILE).is_file():
        raise InputError(str(raw_dir), f"no {SOURCES_FILE}; ",
                         expected="a folder with a sources.yaml (docs/importing.md)")
    out_dir = resolved(out_dir)
    if unencodable(out_dir):
        raise CacToolkitError(f"{shown}: the output path is not valid UTF-8; choose a folder "
                              "whose path is UTF-8 text")
    refuse_overlap(out_dir, shown, raw_dir)
    check_audit_folder(out_dir, shown, prepare_outputs(), force, PREPARE)
    loaded = read_folder(raw_dir, currency)
    try:
        make_folder(out_dir.parent)
        remove_stale(out_dir, PREPARE)
        work = make_work_folder(out_dir, PREPARE)
        try:
            names = _write_prepared(loaded, work)
            publish(work, out_dir, PREPARE)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        raise os_failure(exc, exc.filename or shown, "write") from None
    return [out_dir / name for name in names]


def _write_prepared(loaded: Loaded, work: Path) -> list[str]:
    """The contract tables and the mapping report, written into ``work``; their names."""
    names = []
    for table in TABLES:
        frame = getattr(loaded.data, table)
        if frame is None:
            continue
        _contract_frame(frame, table).to_csv(work / f"{table}.csv", index=False,
                                             lineterminator="\n")
        names.append(f"{table}.csv")
    report = loaded.mapping_report()
    (work / f"{MAPPING_REPORT}.json").write_text(report_json(report), encoding="utf-8")
    (work / f"{MAPPING_REPORT}.md").write_text(report_markdown(report), encoding="utf-8")
    return [*names, f"{MAPPING_REPORT}.json", f"{MAPPING_REPORT}.md"]
