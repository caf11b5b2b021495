"""Read an audit folder: the ``spend``, ``deals``, ``leads`` and ``touchpoints`` tables.

Each table is one file named after it, in CSV (``,`` or ``;``, decimal point or comma, ISO or
French dates, UTF-8 with or without BOM, or Windows-1252), Excel (first sheet) or Parquet.
Values are parsed here by hand, because the conventions of French exports (``1 500,50``,
``01/07/2026``) are ours to decide; the parsed frame is then checked by a pandera schema
(``cac_toolkit.schemas``). Every problem becomes a one-line :class:`InputError` naming the
file, the column, the row and what was expected. Input files are only ever read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .schemas import TABLES, ColumnSpec, TableSpec, check_table

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_THOUSANDS_COMMA = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
_CURRENCY_MARKS = re.compile(r"(€|\$|£|\bEUR\b|\bUSD\b|\bGBP\b)", re.IGNORECASE)
_TRUE = {"true", "t", "yes", "y", "1", "oui", "o", "vrai", "x"}
_FALSE = {"false", "f", "no", "n", "0", "non", "faux"}
_PLAUSIBLE_YEARS = (1990, 2100)


@dataclass
class FileInfo:
    """Where a table came from: file name, SHA-256 of its bytes, data rows read."""

    table: str
    path: Path
    sha256: str
    rows: int

    def as_dict(self) -> dict[str, object]:
        return {"file": self.path.name, "sha256": self.sha256, "rows": self.rows}


@dataclass
class AuditData:
    """The tables of one audit folder, parsed into the canonical frames."""

    spend: pd.DataFrame
    deals: pd.DataFrame
    leads: pd.DataFrame | None = None
    touchpoints: pd.DataFrame | None = None
    files: dict[str, FileInfo] = field(default_factory=dict)
    currency: str | None = None

    def inputs(self) -> dict[str, dict[str, object]]:
        """Provenance of every table read: ``{table: {file, sha256, rows}}``."""
        return {name: info.as_dict() for name, info in sorted(self.files.items())}


# --------------------------------------------------------------------------- raw reading


@dataclass
class RawTable:
    """Cells as read (strings or native Excel/Parquet values), with spreadsheet row numbers."""

    label: str  # file name shown in errors
    frame: pd.DataFrame  # columns already trimmed and lower-cased
    rows: np.ndarray  # the row number of each record, as a spreadsheet would show it
    header_row: int
    decimal_hint: str  # "," for semicolon-separated exports, else "."


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, hex encoded."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _decode(data: bytes, label: str) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(label, "", expected="a text file in UTF-8 or Windows-1252")  # pragma: no cover


def _normalise_name(name: object) -> str:
    return _SPACES.sub(" ", str(name if name is not None else "")).strip().lstrip("\ufeff").lower()


def _header_score(cells: list[str], spec: TableSpec) -> int:
    names = {_normalise_name(c) for c in cells}
    return len(names & set(spec.columns))


def _find_header(rows: list[list[object]], spec: TableSpec) -> int:
    """Index of the header among the first rows: the one naming most known columns."""
    best, best_index = 0, 0
    for index, cells in enumerate(rows[:15]):
        score = _header_score([str(c) for c in cells if c is not None], spec)
        if score > best:
            best, best_index = score, index
    return best_index


def _read_csv(path: Path, spec: TableSpec) -> RawTable:
    label = path.name
    data = path.read_bytes()
    text = _decode(data, label)
    if not text.strip():
        raise InputError(label, "the file is empty; ",
                         expected=f"a header row with the columns {', '.join(spec.required)}")
    lines = text.splitlines()
    # The separator is the one that makes the header name the most known columns.
    best: tuple[int, int, str] = (-1, 0, ",")
    for sep in (";", ",", "\t", "|"):
        for index, line in enumerate(lines[:15]):
            if not line.strip():
                continue
            cells = next(csv.reader([line], delimiter=sep), [])
            score = _header_score(cells, spec)
            if score > best[0] or (score == best[0] and score > 0 and index < best[1]):
                best = (score, index, sep)
    score, header_index, sep = best
    if score <= 0:
        raise InputError(label, "no header row found; ", row=1,
                         expected=f"columns named {', '.join(spec.required)}")
    reader = csv.reader(io.StringIO("\n".join(lines[header_index:])), delimiter=sep)
    header = [_normalise_name(c) for c in next(reader)]
    records: list[list[str]] = []
    row_numbers: list[int] = []
    width = len(header)
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # blank line or a line of separators only
        line_number = header_index + reader.line_num
        if len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                raise InputError(label, f"the row has {len(cells)} fields but the header has "
                                 f"{width}; ", row=line_number,
                                 expected="one value per header column")
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        records.append(cells)
        row_numbers.append(line_number)
    frame = pd.DataFrame(records, columns=range(width), dtype=object)
    frame = _name_columns(frame, header, label, header_index + 1)
    return RawTable(label, frame, np.asarray(row_numbers, dtype="int64"), header_index + 1,
                    "," if sep == ";" else ".")


def _read_excel(path: Path, spec: TableSpec) -> RawTable:
    import openpyxl  # imported here: only Excel inputs need it

    label = path.name
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # a corrupt or password-protected file
        raise InputError(label, f"cannot be opened as an Excel workbook ({exc.__class__.__name__})"
                         ) from None
    sheet = book.worksheets[0]
    # Merged cells keep their value in the top-left cell only: copy it to the whole range.
    for merged in list(sheet.merged_cells.ranges):
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, col).value = value
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    label = f"{path.name} (sheet '{sheet.title}')"
    if not rows or all(all(v is None for v in r) for r in rows):
        raise InputError(label, "the sheet is empty; ",
                         expected=f"a header row with the columns {', '.join(spec.required)}")
    header_index = _find_header(rows, spec)
    header = [_normalise_name(c) for c in rows[header_index]]
    body, numbers = [], []
    for offset, cells in enumerate(rows[header_index + 1:], start=header_index + 2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        body.append(cells)
        numbers.append(offset)
    frame = pd.DataFrame(body, columns=range(len(header)), dtype=object)
    frame = _name_columns(frame, header, label, header_index + 1)
    return RawTable(label, frame, np.asarray(numbers, dtype="int64"), header_index + 1, ".")


def _read_parquet(path: Path, spec: TableSpec) -> RawTable:
    label = path.name
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise InputError(label, f"cannot be read as Parquet ({exc.__class__.__name__})") from None
    header = [_normalise_name(c) for c in frame.columns]
    frame = frame.astype(object)
    frame.columns = range(len(header))
    frame = _name_columns(frame.reset_index(drop=True), header, label, 1)
    # Parquet has no spreadsheet rows: records are numbered from 1.
    return RawTable(label, frame, np.arange(1, len(frame) + 1, dtype="int64"), 0, ".")


def _name_columns(frame: pd.DataFrame, header: list[str], label: str, header_row: int
                  ) -> pd.DataFrame:
    keep, names = [], []
    for position, name in enumerate(header):
        if not name:
            if frame[position].map(lambda v: v is not None and str(v).strip() != "").any():
                raise InputError(label, "a column has values but no name; ", row=header_row,
                                 expected="a name in every header cell")
            continue  # trailing separator: an empty, unnamed column
        if name in names:
            raise InputError(label, "the column appears twice; ", column=name, row=header_row,
                             expected="each column once")
        keep.append(position)
        names.append(name)
    out = frame[keep].copy()
    out.columns = names
    return out


def read_raw(path: Path, spec: TableSpec) -> RawTable:
    """Read a table file's cells without interpreting them."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path, spec)
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, spec)
    if suffix == ".parquet":
        return _read_parquet(path, spec)
    raise InputError(path.name, "", expected="a .csv, .xlsx or .parquet file")


# --------------------------------------------------------------------------- value parsing


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, str) and not value.strip()


def _fail(raw: RawTable, column: str, index: int, expected: str, got: object) -> InputError:
    shown = "an empty cell" if _is_blank(got) else got
    error = InputError(raw.label, "", column=column, row=int(raw.rows[index]), expected=expected,
                       got=shown)
    if _is_blank(got):  # say "got an empty cell" without quotes
        error.args = (str(error).replace("'an empty cell'", "an empty cell"),)
    return error


def parse_text(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Trimmed text; integers read from Excel (``1001.0``) become ``"1001"``; blanks are NA."""
    values = raw.frame[column]

    def as_text(v: object) -> object:
        if _is_blank(v):
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, pd.Timestamp):
            return v.date().isoformat()
        return _SPACES.sub(" ", str(v)).strip()

    out = values.map(as_text).astype("string")
    if spec.required:
        missing = out.isna().to_numpy().nonzero()[0]
        if len(missing):
            raise _fail(raw, column, missing[0], spec.expected or "a non-empty text", None)
    return out


def _decimal_mark(strings: pd.Series, hint: str) -> str:
    """Decide whether a column writes decimals with ``,`` or ``.``."""
    has_comma = strings.str.contains(",", regex=False)
    has_dot = strings.str.contains(".", regex=False)
    only_comma = strings[has_comma & ~has_dot]
    only_dot = strings[has_dot & ~has_comma]
    if (~only_comma.str.match(_THOUSANDS_COMMA)).any():
        return ","  # "12,5" or "1500,50": a comma that cannot be a thousands separator
    if (~only_dot.str.match(_THOUSANDS_DOT)).any():
        return "."
    return hint


def parse_number(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Numbers in either convention: ``1 500,50``, ``1,500.50``, ``1500.5``, ``(120)``, ``€ 12``."""
    values = raw.frame[column]
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    native = values.map(
        lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool))
    if native.any():
        out[native] = values[native].astype("float64")
    text_mask = ~native & ~values.map(_is_blank)
    if text_mask.any():
        strings = values[text_mask].astype(str).str.replace(_CURRENCY_MARKS, "", regex=True)
        strings = strings.str.replace(_SPACES, "", regex=True).str.replace("'", "", regex=False)
        negative = strings.str.match(r"^\(.*\)$")
        strings = strings.str.strip("()")
        mark = _decimal_mark(strings, raw.decimal_hint)
        both = strings.str.contains(",", regex=False) & strings.str.contains(".", regex=False)
        # With both marks, the rightmost one is the decimal mark whatever the column says.
        comma_last = strings.str.rfind(",") > strings.str.rfind(".")
        use_comma = (both & comma_last) | (~both & (mark == ","))
        cleaned = strings.where(~use_comma, strings.str.replace(".", "", regex=False)
                                .str.replace(",", ".", regex=False))
        cleaned = cleaned.where(use_comma, strings.str.replace(",", "", regex=False))
        parsed = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        parsed[negative] = -parsed[negative]
        out[text_mask] = parsed
        bad = text_mask & out.isna()
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(raw, column, index, spec.expected or "a number", values.iloc[index])
    if spec.required:
        missing = np.flatnonzero(out.isna().to_numpy())
        if len(missing):
            raise _fail(raw, column, missing[0], spec.expected or "a number", None)
    if spec.minimum is not None:
        below = np.flatnonzero((out < spec.minimum).to_numpy())
        if len(below):
            raise _fail(raw, column, below[0], spec.expected or f"a number >= {spec.minimum}",
                        values.iloc[below[0]])
    if spec.maximum is not None:
        above = np.flatnonzero((out > spec.maximum).to_numpy())
        if len(above):
            raise _fail(raw, column, above[0], spec.expected or f"a number <= {spec.maximum}",
                        values.iloc[above[0]])
    return out


_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y", "%d-%m-%Y",
                 "%Y/%m/%d", "%d/%m/%y")


def parse_date(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Dates: ISO (``2026-07-01``, with or without a time), French (``01/07/2026``), native.

    Dates keep their time of day only when the column spec asks for timestamps; otherwise
    they are cut to the day.
    """
    values = raw.frame[column]
    blank = values.map(_is_blank)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    native = values.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64)
                        or hasattr(v, "year") and hasattr(v, "month"))
    if native.any():
        out[native] = pd.to_datetime(values[native].map(pd.Timestamp), errors="coerce")
    todo = ~native & ~blank
    if todo.any():
        strings = values[todo].astype(str).str.strip()
        iso = strings.str.match(r"^\d{4}-\d{1,2}-\d{1,2}")
        parsed = pd.Series(pd.NaT, index=strings.index, dtype="datetime64[ns]")
        if iso.any():
            parsed[iso] = pd.to_datetime(strings[iso], format="ISO8601", errors="coerce")
        rest = ~iso
        for fmt in _DATE_FORMATS:
            pending = rest & parsed.isna()
            if not pending.any():
                break
            parsed[pending] = pd.to_datetime(strings[pending], format=fmt, errors="coerce")
        out[todo] = parsed
        bad = todo & out.isna()
        if bad.any():
            index = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(raw, column, index, "a date such as 2026-07-01 or 01/07/2026",
                        values.iloc[index])
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    years = out.dt.year
    implausible = np.flatnonzero(((years < _PLAUSIBLE_YEARS[0]) | (years > _PLAUSIBLE_YEARS[1]))
                                 .fillna(False).to_numpy())
    if len(implausible):
        raise _fail(raw, column, implausible[0], f"a date between {_PLAUSIBLE_YEARS[0]} and "
                    f"{_PLAUSIBLE_YEARS[1]}", values.iloc[implausible[0]])
    if spec.required:
        missing = np.flatnonzero(out.isna().to_numpy())
        if len(missing):
            raise _fail(raw, column, missing[0], "a date such as 2026-07-01 or 01/07/2026", None)
    return out if spec.kind == "timestamp" else out.dt.normalize()


def parse_bool(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Booleans: true/false, yes/no, oui/non, vrai/faux, 1/0; blanks take the default."""
    values = raw.frame[column]

    def as_bool(v: object) -> object:
        if _is_blank(v):
            return spec.default
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float) and v in (0, 1):
            return bool(v)
        text = str(v).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return None

    out = values.map(as_bool)
    bad = np.flatnonzero(out.isna().to_numpy())
    if len(bad):
        raise _fail(raw, column, bad[0], "true or false (also yes/no, oui/non, 1/0)",
                    values.iloc[bad[0]])
    return out.astype(bool)


def parse_choice(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """One of a fixed set of words, case-insensitive, with the synonyms the spec lists."""
    values = raw.frame[column]
    text = values.map(lambda v: pd.NA if _is_blank(v) else
                      _SPACES.sub(" ", str(v)).strip().lower()).astype("string")
    if spec.default is not None:
        text = text.fillna(spec.default)
    mapped = text.map(lambda v: spec.synonyms.get(v, v) if isinstance(v, str) else v)
    allowed = set(spec.choices or ())
    bad = np.flatnonzero(mapped.map(lambda v: v not in allowed).to_numpy())
    if len(bad):
        choices = ", ".join(spec.choices or ())
        raise _fail(raw, column, bad[0], f"one of {choices}", values.iloc[bad[0]])
    return mapped.astype("string")


_PARSERS = {"text": parse_text, "number": parse_number, "date": parse_date,
            "timestamp": parse_date, "bool": parse_bool, "choice": parse_choice}


def parse_table(raw: RawTable, spec: TableSpec) -> pd.DataFrame:
    """Turn a raw table into its canonical frame (see ``docs/internal-tables.md``)."""
    present = set(raw.frame.columns)
    missing = [c for c in spec.required if c not in present]
    if missing:
        found = ", ".join(raw.frame.columns) or "none"
        raise InputError(raw.label, "missing column; ", column=missing[0],
                         row=raw.header_row or None,
                         expected=f"a header with {', '.join(spec.required)} (found: {found})")
    out = pd.DataFrame(index=raw.frame.index)
    for name, column in spec.columns.items():
        if name in present:
            out[name] = _PARSERS[column.kind](raw, name, column)
        else:
            out[name] = _absent(column, len(raw.frame))
    check_table(out, spec, raw.label, raw.rows)
    return out.reset_index(drop=True)


def _absent(column: ColumnSpec, length: int) -> pd.Series:
    """The value of an optional column the file does not have."""
    if column.kind in ("date", "timestamp"):
        return pd.Series(pd.NaT, index=range(length), dtype="datetime64[ns]")
    if column.kind == "number":
        return pd.Series(np.nan, index=range(length), dtype="float64")
    if column.kind == "bool":
        return pd.Series(bool(column.default), index=range(length), dtype=bool)
    return pd.Series(column.default if column.default is not None else pd.NA,
                     index=range(length), dtype="string")


# --------------------------------------------------------------------------- folders


def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder`` (name matched case-insensitively), if any."""
    matches = sorted(p for p in folder.iterdir()
                     if p.is_file() and p.stem.lower() == table and p.suffix.lower() in SUFFIXES)
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise InputError(str(folder), f"two files for the table '{table}' ({names}); ",
                         expected="exactly one")
    return matches[0] if matches else None


def load_table(path: str | Path, table: str) -> pd.DataFrame:
    """Read and validate one table file into its canonical frame."""
    spec = TABLES[table]
    return parse_table(read_raw(Path(path), spec), spec)


def load_folder(folder: str | Path, currency: str | None = None) -> AuditData:
    """Read every table of an audit folder, check it, and harmonise channel names.

    ``currency``, when given, must match any ``currency`` column of the spend and deals.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(str(root), "", expected="a folder holding spend and deals files")
    frames: dict[str, pd.DataFrame | None] = {}
    files: dict[str, FileInfo] = {}
    for name, spec in TABLES.items():
        path = find_table_file(root, name)
        if path is None:
            if spec.required_table:
                raise InputError(str(root), f"missing table '{name}'; ",
                                 expected=f"a file {name}.csv, {name}.xlsx or {name}.parquet")
            frames[name] = None
            continue
        raw = read_raw(path, spec)
        frame = parse_table(raw, spec)
        found = _check_currency(raw, frame, currency)
        currency = currency or found
        frames[name] = frame
        files[name] = FileInfo(name, path, sha256_of(path), len(frame))
    harmonised = harmonise_channels([f for f in frames.values() if f is not None])
    for name in frames:
        if frames[name] is not None:
            frames[name] = harmonised.pop(0)
    spend = frames["spend"]
    spend["channel"] = spend["channel"].fillna("shared")
    spend.loc[spend["channel"].str.lower() == "shared", "channel"] = "shared"
    return AuditData(spend=spend, deals=frames["deals"], leads=frames["leads"],
                     touchpoints=frames["touchpoints"], files=files, currency=currency)


def _check_currency(raw: RawTable, frame: pd.DataFrame, expected: str | None) -> str | None:
    """Refuse a table that mixes currencies or differs from the audit currency."""
    if "currency" not in raw.frame.columns:
        return None
    codes = raw.frame["currency"].map(lambda v: None if _is_blank(v) else str(v).strip().upper())
    present = codes.dropna()
    if present.empty:
        return None
    reference = expected.upper() if expected else present.iloc[0]
    different = np.flatnonzero(codes.map(lambda c: c is not None and c != reference).to_numpy())
    if len(different):
        index = int(different[0])
        raise InputError(raw.label, "", column="currency", row=int(raw.rows[index]),
                         expected=f"a single currency ({reference}) for the whole audit",
                         got=raw.frame["currency"].iloc[index])
    return reference


def harmonise_channels(frames: Iterable[pd.DataFrame]) -> list[pd.DataFrame]:
    """Merge channel spellings that differ only by case or spacing, across all tables.

    The display name is the most frequent spelling (ties: the first in sorted order), so
    ``SEO``, ``seo`` and ``Seo `` become one channel, while ``Événements`` and
    ``Evenements`` stay two (accents may carry meaning).
    """
    frames = [f.copy() for f in frames]
    spellings = pd.concat([f["channel"].dropna() for f in frames if "channel" in f],
                          ignore_index=True)
    if spellings.empty:
        return frames
    counts = spellings.value_counts()
    table = pd.DataFrame({"spelling": counts.index.astype(str), "n": counts.to_numpy()})
    table["key"] = table["spelling"].str.casefold()
    table = table.sort_values(["key", "n", "spelling"], ascending=[True, False, True])
    display = table.drop_duplicates("key").set_index("key")["spelling"]
    mapping = dict(zip(table["spelling"], table["key"].map(display), strict=True))
    for frame in frames:
        if "channel" in frame:
            frame["channel"] = frame["channel"].map(
                lambda v: mapping.get(v, v) if isinstance(v, str) else v).astype("string")
    return frames
