"""The engine that applies a source of ``sources.yaml`` to its raw export.

A source becomes a :class:`~cac_toolkit.loading.RawTable` whose columns are the contract's,
holding raw cells (text as written, or values already decided here: dates in a declared
order, scaled amounts), with the raw file's name and row numbers. That table then goes through
the same parsing and validation as a prepared folder (:func:`cac_toolkit.loading.parse_table`),
so every error still names the raw file, its column and its row. The preset families
(:mod:`.crm`, :mod:`.fec`, :mod:`.ads`) fill the contract columns; this module finds the file,
reads its header, applies ``columns``, ``filter``, ``values``, ``channels``, ``defaults``,
``scale`` and ``date_format``, and counts what it keeps and drops for the mapping report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import InputError
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES, ColumnSpec, TableSpec
from cac_toolkit.data.signals import DataWarning
from cac_toolkit.data.sources.config import Source, SourcesConfig, is_location, is_url
from cac_toolkit.data.sources.presets import FOOTER_PREFIXES, MONEY_COLUMNS


@dataclass
class SourceReport:
    """What happened to one source: rows read, kept and dropped (by reason), value maps."""

    source: str
    table: str
    file: str
    preset: str | None
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    value_maps: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    uncovered: dict[str, dict[str, int]] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)

    def drop(self, reason: str, rows: int) -> None:
        if rows:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(rows)

    def mapped(self, column: str, raw: str, to: str, rows: int) -> None:
        entry = self.value_maps.setdefault(column, {}).setdefault(raw, {"to": to, "rows": 0})
        entry["rows"] = int(entry["rows"]) + int(rows)

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "table": self.table, "file": self.file,
                "preset": self.preset, "rows_read": self.rows_read,
                "rows_kept": self.rows_kept, "dropped": dict(self.dropped),
                "value_maps": self.value_maps, "uncovered": self.uncovered, **self.details}


@dataclass
class ReadSource:
    """A source read: its raw file, the contract-shaped raw table, what happened."""

    source: Source
    path: Path
    sha256: str
    raw: loading.RawTable
    report: SourceReport
    warnings: list[DataWarning] = field(default_factory=list)
    raw_headers: dict[str, str] = field(default_factory=dict)  # contract column -> header
    filtered: bool = False  # rows were kept by a stage or user filter


def find_file(folder: Path, source: Source) -> Path:
    """The one file the source's glob names (an error for none or several); a location
    outside the folder (:func:`~cac_toolkit.data.sources.config.is_location`) is that file
    or Parquet folder when it is a local path, and refused when it is a URL (the Spark
    engine reads it in place)."""
    if is_url(source.file):
        raise InputError(source.where("file"), f"{source.name}.file: '{source.file}' is read "
                         "in place by the Spark engine only; ", expected="-p engine spark "
                         "(or a local path to the Parquet files)")
    if is_location(source.file):
        path = Path(source.file)
        if not (path.is_file() or path.is_dir()):
            raise InputError(source.where("file"), f"{source.name}.file: no file or folder "
                             f"'{source.file}'; ", expected="a Parquet file or folder")
        return path
    matches = sorted(p for p in folder.glob(source.file) if p.is_file())
    if not matches:
        raise InputError(source.where("file"), f"{source.name}.file: no file matches "
                         f"'{source.file}' in {folder.name}; ",
                         expected="one file (check the name or the glob)")
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise InputError(source.where("file"), f"{source.name}.file: '{source.file}' "
                         f"matches {len(matches)} files ({names}); ",
                         expected="exactly one (make the glob narrower, or list one source "
                         "per file)")
    return matches[0]


def roles_of(source: Source) -> dict[str, tuple[str, ...]]:
    """Role -> accepted raw headers: the preset's (or the contract's names), ``columns``
    overrides first."""
    if source.preset is not None:
        roles = dict(source.preset.headers)
    else:
        roles = {name: (name,) for name in TABLES[source.table].columns}
    for role, header in source.columns.items():
        roles[role] = (header,)
    return roles


def required_roles(source: Source) -> tuple[str, ...]:
    if source.preset is not None:
        return source.preset.required
    return tuple(TABLES[source.table].required)


def header_spec(source: Source) -> TableSpec:
    """A table spec whose columns are the raw headers the source expects (to find the
    header row below title lines)."""
    required = set(required_roles(source))
    columns: dict[str, ColumnSpec] = {}
    for role, headers in roles_of(source).items():
        for position, header in enumerate(headers):
            columns[loading.normalise_name(header)] = ColumnSpec(
                "text", required=role in required and position == 0)
    return TableSpec(source.table, columns, required_table=True)


class Work:
    """A source being mapped: the raw table (rows drop as filters apply) and its roles."""

    def __init__(self, raw: loading.RawTable, source: Source, report: SourceReport) -> None:
        self.raw = raw
        self.source = source
        self.report = report
        self.roles: dict[str, str] = {}  # role -> normalised raw column
        self.out: dict[str, pd.Series] = {}
        self.taken: dict[str, str] = {}  # contract column -> role whose raw cells it holds
        present = set(raw.frame.columns)
        for role, headers in roles_of(source).items():
            for header in headers:
                name = loading.normalise_name(header)
                if name in present:
                    self.roles[role] = name
                    break
            else:
                if role in source.columns:
                    found = ", ".join(raw.headers.get(c, c) for c in raw.frame.columns)
                    raise InputError(source.where("columns"), f"{source.name}.columns.{role} "
                                     f"names '{source.columns[role]}', a column {raw.label} "
                                     "does not have; ", expected=f"one of its headers ({found})")
        for role in required_roles(source):
            if role not in self.roles and role not in source.defaults:
                headers = roles_of(source)[role]
                found = ", ".join(raw.headers.get(c, c) for c in raw.frame.columns) or "none"
                preset = f"the {source.preset.name} preset" if source.preset else "the contract"
                raise InputError(raw.label, "missing column; ", column=headers[0],
                                 row=raw.header_row or None,
                                 expected=f"a header with {' or '.join(headers)} ({preset}; "
                                 f"name another column with columns: {{{role}: ...}} in "
                                 f"sources.yaml) (found: {found})")

    @property
    def frame(self) -> pd.DataFrame:
        return self.raw.frame

    def header(self, role: str) -> str:
        """The raw header of a role, as written in the file."""
        column = self.roles[role]
        return self.raw.headers.get(column, column)

    def has(self, role: str) -> bool:
        return role in self.roles

    def cells(self, role: str) -> pd.Series:
        return self.frame[self.roles[role]]

    def text(self, role: str) -> pd.Series:
        """Cleaned text of a role's cells (``None`` for blanks), object dtype."""
        return as_text(self.cells(role))

    def keep(self, mask: np.ndarray, reason_of: pd.Series | str) -> None:
        """Keep the rows where ``mask`` is true; count the others under their reason."""
        mask = np.asarray(mask, dtype=bool)
        if mask.all():
            return
        if isinstance(reason_of, str):
            self.report.drop(reason_of, int((~mask).sum()))
        else:
            for reason, n in reason_of[~mask].value_counts(sort=False).items():
                self.report.drop(str(reason), int(n))
        frame = self.frame[mask].reset_index(drop=True)
        self.raw = loading.RawTable(self.raw.label, frame, self.raw.rows[mask],
                                    self.raw.header_row, self.raw.decimal_hint,
                                    preamble=self.raw.preamble, headers=self.raw.headers)
        self.out = {k: v[mask].reset_index(drop=True) for k, v in self.out.items()}

    def number(self, role: str, minimum: float | None = None) -> pd.Series:
        """A role's numbers, parsed as the loader does (errors name the raw header)."""
        column = self.roles[role]
        label = self.header(role)
        part = loading.RawTable(self.raw.label, pd.DataFrame({label: self.frame[column]}),
                                self.raw.rows, self.raw.header_row, self.raw.decimal_hint)
        values = loading.parse_number(part, label, ColumnSpec(
            "number", minimum=minimum, expected="a number such as 1500.50 or 1 500,50"))
        self.raw.marks.update(part.marks)
        return values

    def take(self, column: str, role: str | None = None) -> None:
        """The contract column holds the raw cells of ``role`` (default: its own name)."""
        role = role or column
        self.out[column] = self.cells(role)
        self.taken[column] = role

    def money(self, role: str) -> pd.Series:
        """A role's amounts, multiplied by ``scale``."""
        return self.number(role) * (self.source.scale or 1.0)

    def fail(self, role: str, position: int, expected: str, got: object) -> InputError:
        row = int(self.raw.rows[position])
        if got is None or (isinstance(got, str) and not got.strip()):
            error = InputError(self.raw.label, "", column=self.header(role), row=row,
                               expected=expected, got="")
            error.args = (str(error).replace(", got ''", ", got an empty cell"),)
            return error
        return InputError(self.raw.label, "", column=self.header(role), row=row,
                          expected=expected, got=got)


def as_text(values: pd.Series) -> pd.Series:
    """Cells as cleaned text (``None`` for a blank), whatever their native type."""
    if loading._is_text_dtype(values) or (values.dtype == object and pd.api.types.infer_dtype(
            values, skipna=True) in ("string", "empty")):
        text = loading.clean_text(values.fillna("").astype("str"))
        return pd.Series(np.where(text.isna().to_numpy(), None, text.to_numpy(dtype=object)),
                         index=values.index, dtype=object)
    cleaned = [None if loading._is_blank(v) else
               loading._clean_one(loading._native_text(v)) or None for v in values]
    return pd.Series(cleaned, index=values.index, dtype=object)


def _fold(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) and value else None


def _drop_footers(work: Work) -> None:
    """Total rows anywhere, and trailing footer lines (one cell filled) of report exports."""
    first = as_text(work.frame.iloc[:, 0]).map(lambda v: _fold(v) or "")
    total = first.str.match(r"^(total|grand total|sous-total|subtotal)\b").fillna(False)
    total = total.to_numpy(dtype=bool)
    filled = np.zeros(len(work.frame), dtype="int64")
    for column in work.frame.columns:
        filled += (~loading._blank_mask(work.frame[column])).to_numpy(dtype="int64")
    footer = np.zeros(len(work.frame), dtype=bool)
    wide = len(work.frame.columns) >= 3
    for position in range(len(work.frame) - 1, -1, -1):
        text = first.iloc[position]
        if (wide and filled[position] <= 1) or text.startswith(FOOTER_PREFIXES):
            footer[position] = True
        else:
            break
    work.keep(~total, "total row")
    work.keep(~footer[~total], "footer line")


def _apply_filter(work: Work) -> bool:
    """``filter``: keep the rows whose column holds one of the listed values."""
    for header, allowed in work.source.filter.items():
        column = loading.normalise_name(header)
        role_column = work.roles.get(header)
        if column not in work.frame.columns and role_column is None:
            found = ", ".join(work.raw.headers.get(c, c) for c in work.frame.columns)
            raise InputError(work.source.where("filter"), f"{work.source.name}.filter names "
                             f"'{header}', a column {work.raw.label} does not have; ",
                             expected=f"one of its headers ({found})")
        text = as_text(work.frame[role_column or column]).map(
            lambda v: _fold(v) or "")
        keep = text.isin({a.casefold() for a in allowed}).to_numpy()
        work.keep(keep, text.map(lambda v, h=header: f"{h} '{v}' not in filter"))
    return bool(work.source.filter)


def _apply_values(work: Work) -> None:
    """``values``: raw value -> contract value, per role, before the preset reads it."""
    for role, mapping in work.source.values.items():
        if role not in work.roles:
            continue
        keys = {k.casefold(): v for k, v in mapping.items()}
        column = work.roles[role]
        text = as_text(work.frame[column])
        folded = text.map(_fold)
        hit = folded.isin(set(keys)).to_numpy()
        if hit.any():
            for raw_value, n in text[hit].value_counts(sort=False).items():
                work.report.mapped(role, str(raw_value), keys[raw_value.casefold()], int(n))
            work.frame[column] = text.where(~hit, folded.map(keys)).astype(object)


def map_channels(work: Work, config: SourcesConfig, column: str = "channel") -> None:
    """The top-level ``channels`` map on the source's channel column; the values no map
    covered are counted for the mapping report."""
    if column not in work.out:
        return
    text = as_text(work.out[column])
    keys = {k.casefold(): v for k, v in config.channels.items()}
    folded = text.map(_fold)
    hit = folded.isin(set(keys)).to_numpy()
    for raw_value, n in text[hit].value_counts(sort=False).items():
        work.report.mapped(column, str(raw_value), keys[raw_value.casefold()], int(n))
    targets = {v.casefold() for v in config.channels.values()}
    others = text[~hit & text.notna().to_numpy() & ~folded.isin(targets).to_numpy()]
    if config.channels and len(others):
        work.report.uncovered[column] = {str(k): int(v) for k, v in
                                         others.value_counts().sort_index().items()}
    work.out[column] = text.where(~hit, folded.map(keys)).astype(object)


_ORDERS = {
    "dmy": (r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", ("day", "month", "year"),
            "a date written day first such as 31/01/2026"),
    "mdy": (r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", ("month", "day", "year"),
            "a date written month first such as 1/31/2026"),
    "ymd": (r"^([0-9]{4})[/.-]?([0-9]{1,2})[/.-]?([0-9]{1,2})", ("year", "month", "day"),
            "a date written year first such as 2026-01-31"),
}
_TIME = r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:\s?([AaPp][Mm]))?)?"


def parse_dates(work: Work, role: str, date_format: str, timestamp: bool = False
                ) -> pd.Series:
    """A role's dates in the declared order (``dmy``, ``mdy``, ``ymd`` or a strftime
    pattern); blanks stay NaT; a cell in another shape is an error naming its row."""
    cells = work.cells(role)
    out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    native = cells.map(lambda v: hasattr(v, "year")).to_numpy(dtype=bool) if (
        cells.dtype == object) else np.zeros(len(cells), dtype=bool)
    if native.any():
        out[native] = pd.to_datetime(cells[native].map(pd.Timestamp)).astype("datetime64[ns]")
    text = as_text(cells.where(~native, None) if native.any() else cells)
    filled = text.notna().to_numpy() & ~native
    if not filled.any():
        return out if timestamp else out.dt.normalize()
    s = text[filled].astype(str)
    if date_format in _ORDERS:
        pattern, parts, expected = _ORDERS[date_format]
        found = s.str.extract(pattern + _TIME + r"\s*(?:Z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2})?$")
        frame = pd.DataFrame({name: pd.to_numeric(found[i], errors="coerce")
                              for i, name in enumerate(parts)})
        hour = pd.to_numeric(found[3], errors="coerce").fillna(0)
        pm = found[6].fillna("").str.lower()
        hour = hour.where(~((pm == "pm") & (hour < 12)), hour + 12)
        hour = hour.where(~((pm == "am") & (hour == 12)), 0)
        frame["hour"] = hour
        frame["minute"] = pd.to_numeric(found[4], errors="coerce").fillna(0)
        frame["second"] = pd.to_numeric(found[5], errors="coerce").fillna(0)
        parsed = pd.to_datetime(frame, errors="coerce")
        iso = s.str.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T]|$)").fillna(False).to_numpy()
        if iso.any():  # a year-first ISO date is never ambiguous
            parsed[iso] = pd.to_datetime(s[iso].str.slice(0, 19), format="ISO8601",
                                         errors="coerce")
    else:
        expected = f"a date in the form {date_format}"
        parsed = pd.to_datetime(s, format=date_format, errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        position = int(s.index[bad[0]])
        raise work.fail(role, position, f"{expected} (date_format: {date_format})",
                        text.iloc[position])
    out[filled] = parsed.to_numpy(dtype="datetime64[ns]")
    return out if timestamp else out.dt.normalize()


def finish(work: Work, config: SourcesConfig) -> loading.RawTable:
    """Contract columns from the roles the family did not fill; values maps, channels,
    defaults, scale and dates; the raw table the loader will parse."""
    spec = TABLES[work.source.table]
    for column in spec.columns:
        if column not in work.out and column in work.roles:
            work.take(column)
    map_channels(work, config)
    length = len(work.frame)
    for column, value in work.source.defaults.items():
        if column not in work.out:
            work.out[column] = pd.Series([value] * length, dtype=object)
    for column in MONEY_COLUMNS[work.source.table]:
        if column in work.taken and work.source.scale:
            work.out[column] = work.money(work.taken.pop(column))
    if work.source.date_format:
        for column, kind in spec.columns.items():
            if kind.kind in ("date", "timestamp") and column in work.taken:
                work.out[column] = parse_dates(work, work.taken[column],
                                               work.source.date_format,
                                               timestamp=kind.kind == "timestamp")
    frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in work.out.items()},
                         index=pd.RangeIndex(length))
    headers = {column: work.header(work.taken[column]) for column in frame.columns
               if column in work.taken}
    return loading.RawTable(work.raw.label, frame, work.raw.rows, work.raw.header_row,
                            work.raw.decimal_hint, marks=work.raw.marks,
                            preamble=work.raw.preamble, headers=headers)


def parse_source(read: ReadSource) -> pd.DataFrame:
    """The canonical frame of a source; an error names the raw header of its column."""
    try:
        return loading.parse_table(read.raw, TABLES[read.source.table])
    except InputError as error:
        column = error.column
        header = read.raw.headers.get(column or "")
        if column and header and header != column:
            message = str(error).replace(f"column '{column}'",
                                         f"column '{header}' (read as {column})", 1)
            raise _renamed(error, message) from None
        raise


def _renamed(error: InputError, message: str) -> InputError:
    out = InputError(error.file, "")
    out.args = (message,)
    out.column, out.row, out.expected, out.got = error.column, error.row, error.expected, \
        error.got
    return out


_SPLIT_IDS = re.compile(r"\s*[;,]\s*")


def first_id(text: pd.Series) -> pd.Series:
    """``"123;456"`` -> ``"123"``: the first of several associated ids."""
    return text.map(lambda v: _SPLIT_IDS.split(v)[0].strip() or None if v else None)
