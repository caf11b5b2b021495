"""Read an audit folder: ``spend``, ``deals``, ``leads``, ``touchpoints`` and ``revenue`` tables.

Each table is one file named after it, in CSV (``,``, ``;``, tab or ``|``; decimal point or
comma; ISO or French dates; UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252 or
Latin-1), Excel (first sheet) or Parquet. The conventions of French exports (``1 500,50``,
``01/07/2026``) are ours to decide, so values are parsed here. A UTF-8 text table is read in
chunks by ``pyarrow.csv`` and its plain cells are parsed by Arrow and numpy kernels
(:mod:`cac_toolkit.data.arrow_text`); the other cells, and every file the fast path cannot
vouch for, go to the reference code: column by column with vectorised string operations,
the ids checked by a pandera schema (``cac_toolkit.data.contract``). Both give the same
frames and the same errors (``ARROW_FAST_PATH`` switches the fast path off). Every problem becomes a
one-line :class:`InputError` naming the file, the column, the row (as a spreadsheet numbers
it) and what was expected. Input files are only ever read. ``docs/data-format.md`` is the
user-facing description of what is accepted.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import io
import os
import queue
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from cac_toolkit.core.errors import InputError
from cac_toolkit.data import arrow_text
from cac_toolkit.data.contract import MAX_TOTAL, TABLES, ColumnSpec, TableSpec, check_table
from cac_toolkit.data.signals import (
    DataWarning,
    says_thousands,
    stage_warning,
    stray_files,
    thousands_warning,
)

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet")
#: Files named after a table in a format we cannot read: refused, not ignored.
UNSUPPORTED_SUFFIXES = (".xls", ".xlsb", ".ods", ".numbers", ".json", ".xml", ".zip")
SEPARATORS = (";", ",", "\t", "|")
HEADER_SEARCH_ROWS = 15
PLAUSIBLE_YEARS = (1990, 2100)
#: Read UTF-8 text files with ``pyarrow.csv`` and parse plain columns with Arrow kernels
#: (:mod:`cac_toolkit.data.arrow_text`), falling back to the reference code for anything
#: else. False runs the reference code alone: the tests compare the two on the same inputs.
ARROW_FAST_PATH = True

# The patterns below run on Arrow strings (RE2) and on Python strings (re): they only use
# syntax both engines share, with characters above U+007F written literally.
_SPACE_CHARS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f"
                "\u205f\u3000")
_SPACES = f"[{_SPACE_CHARS}]+"
_INVISIBLE = "[\u00ad\u200b\u200c\u200d\u2060\ufeff]"
_CONTROLS = r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]"
_SPACES_RE = re.compile(_SPACES)
_INVISIBLE_RE = re.compile(_INVISIBLE)
_CONTROLS_RE = re.compile(_CONTROLS)
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

_TRUE = {"true", "t", "yes", "y", "1", "oui", "o", "vrai", "v", "x"}
_FALSE = {"false", "f", "no", "n", "0", "non", "faux"}

# Currency marks in money cells: symbols and three-letter codes at either end of a number.
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}
_CURRENCY_MARK = r"(?:€|\$|£|¥|\b[A-Za-z]{3}\b)"
_LEADING_MARK = rf"^{_CURRENCY_MARK} ?"
_TRAILING_MARK = rf" ?{_CURRENCY_MARK}$"

# Numbers once spaces are a single " " and currency marks are gone. Thousands groups may be
# separated by a space, an apostrophe or the mark that is not the decimal mark.
_NUMBER_BODY = {
    ",": "(?:[0-9]{1,3}(?:[ .'’\u00a0\u202f][0-9]{3})+|[0-9]+)(?:,[0-9]*)?|,[0-9]+",
    ".": "(?:[0-9]{1,3}(?:[ ,'’\u00a0\u202f][0-9]{3})+|[0-9]+)(?:\\.[0-9]*)?|\\.[0-9]+",
}
_EXPONENT = {",": r"[0-9]+(?:,[0-9]+)?[eE][+-]?[0-9]{1,3}",
             ".": r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{1,3}"}
_GROUP_CHARS = {",": "[ .'’\u00a0\u202f]", ".": "[ ,'’\u00a0\u202f]"}

# Dates: French day-first and year-first slashes are rewritten as ISO, then checked strictly.
_OFFSET = (r"([0-9]:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?) ?"
           r"(?:[zZ]|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)$")
_DAY_FIRST = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:[ T]|$)"
_YEAR_FIRST = r"^([0-9]{4})[/.]([0-9]{1,2})[/.]([0-9]{1,2})(?:[ T]|$)"
_ISO_SHAPE = (r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
              r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?$")
_DATE_EXPECTED = "a date such as 2026-07-01 or 01/07/2026"


@dataclass
class FileInfo:
    """Where a table came from: file name, SHA-256 of its bytes, data rows read."""

    table: str
    path: Path
    sha256: str
    rows: int | None
    preset: str | None = None  # the sources.yaml preset that read it, if any

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.path.name, "sha256": self.sha256,
                                  "rows": self.rows}
        if self.preset:
            out["preset"] = self.preset
        return out


@dataclass
class AuditData:
    """The tables of one audit folder, parsed into the canonical frames."""

    spend: pd.DataFrame
    deals: pd.DataFrame
    leads: pd.DataFrame | None = None
    touchpoints: pd.DataFrame | None = None
    revenue: pd.DataFrame | None = None
    files: dict[str, FileInfo] = field(default_factory=dict)
    currency: str | None = None
    warnings: list[DataWarning] = field(default_factory=list)
    #: ``None``: the whole tables. Otherwise the rows were cut to those that one KPI file
    #: reads (:func:`cac_toolkit.audit.engines.read_folder`), and this is that file's key
    #: (:func:`cac_toolkit.audit.engines.selection_key`): other parameters are refused.
    selected_for: str | None = None

    def inputs(self) -> dict[str, dict[str, object]]:
        """Provenance of every table read: ``{table: {file, sha256, rows}}``."""
        return {name: info.as_dict() for name, info in sorted(self.files.items())}


# --------------------------------------------------------------------------- raw reading


@dataclass
class RawTable:
    """Cells as read, with the row number a spreadsheet shows for each record.

    CSV cells are strings (``str`` dtype, ``""`` for an empty cell); Excel and Parquet cells
    keep their native values (numbers, datetimes, booleans, ``None``).
    """

    label: str  # file name shown in errors
    frame: pd.DataFrame  # columns already trimmed and lower-cased
    rows: np.ndarray  # the row number of each record, as a spreadsheet would show it
    header_row: int
    decimal_hint: str  # "," for semicolon-separated exports, else "."
    marks: dict[str, pd.Series] = field(default_factory=dict)  # currency marks seen, by column
    preamble: list[str] = field(default_factory=list)  # title lines above the header
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written
    #: The decimal mark each number column was read with, "" where no cell showed one (the
    #: ``decimal_hint`` then applied): a table read in parts checks that the parts agree.
    decimal_marks: dict[str, str] = field(default_factory=dict)
    #: Records read below the header, blank ones included (a text file read in parts numbers
    #: the next part's rows from there).
    records: int = 0
    #: Columns of the file already parsed (by the streamed reader) and left out of ``frame``.
    parsed: tuple[str, ...] = ()


@dataclass(frozen=True)
class _ExcelProblem:
    """An Excel cell that has no usable value: an error value or a formula never computed."""

    cell: str
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _MergedCopy:
    """The value of a merged range, seen from a cell other than its top-left one."""

    value: object
    cell: str
    range: str


def parquet_parts(folder: Path) -> list[Path]:
    """The Parquet files of a table given as a folder (``touchpoints/part-0.parquet``, Hive
    partitions such as ``month=2025-01/part-0.parquet`` included), in the order read."""
    return sorted(p for p in Path(folder).rglob("*") if p.is_file()
                  and p.suffix.lower() == ".parquet" and not p.name.startswith((".", "_")))


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, hex encoded; for a folder of Parquet files, of each part's
    path (relative, ``/``-separated) and bytes, in order."""
    digest = hashlib.sha256()
    parts = parquet_parts(path) if Path(path).is_dir() else [Path(path)]
    for part in parts:
        if part != Path(path):
            digest.update(part.relative_to(path).as_posix().encode() + b"\x00")
        with open(part, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_input(path: Path) -> tuple[bytes, str]:
    """An input file's bytes, read once, and their SHA-256: the provenance of the KPI file
    then describes exactly the bytes parsed, even if the file is being written meanwhile."""
    try:
        if path.is_dir():  # a folder of Parquet files: read by pyarrow, hashed part by part
            return b"", sha256_of(path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path.name, f"cannot be read ({exc.__class__.__name__}: "
                         f"{_printable(exc.strerror or exc)}); ",
                         expected="a readable file") from None
    return data, hashlib.sha256(data).hexdigest()


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode_text(data: bytes, label: str) -> str:
    """Decode a text file: UTF-8 (BOM optional), UTF-16 with BOM, else Windows-1252/Latin-1.

    A file mixing UTF-8 sequences with bytes that are not UTF-8 (two exports pasted
    together) is refused: decoding it either way would corrupt some names silently.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(label, "", row=_line_of(data, exc.start),
                             expected="valid UTF-16 text") from None
        return text.lstrip("\ufeff")
    if b"\x00" in data:  # UTF-16 without a BOM, a spreadsheet or another binary file
        raise InputError(label, "the file holds a NUL byte, so it is not a text table; ",
                         row=_line_of(data, data.index(b"\x00")),
                         expected="a CSV file (for Excel, keep the .xlsx extension)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if re.search(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}", data):
        raise InputError(label, "the file mixes UTF-8 with another encoding; ",
                         row=_line_of(data, first_bad),
                         expected="one encoding for the whole file (save it again as UTF-8)")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte is a Latin-1 character


def normalise_name(name: object) -> str:
    """A column name as matched: spaces collapsed and trimmed, invisible marks dropped, lower."""
    text = re.sub(_INVISIBLE, "", str(name if name is not None else ""))
    return unicodedata.normalize("NFC", _SPACES_RE.sub(" ", text)).strip().lower()


def _header_score(cells: Iterable[object], spec: TableSpec) -> int:
    names = {normalise_name(c) for c in cells if c is not None}
    return len(names & set(spec.columns))


def _no_header(label: str, spec: TableSpec) -> InputError:
    return InputError(label, "no header row found in the first "
                      f"{HEADER_SEARCH_ROWS} rows; ", row=1,
                      expected=f"columns named {', '.join(spec.required)}")


def _csv_records(text: str, sep: str, strict: bool = False) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=strict)


def _find_csv_header(text: str, label: str, spec: TableSpec) -> tuple[str, int]:
    """The separator and the record index of the header: the row naming most known columns."""
    best = (0, HEADER_SEARCH_ROWS, ";")
    head = text[:1 << 16]  # the first rows; the whole text only if they are very long
    if head.count("\n") < HEADER_SEARCH_ROWS + 1:
        head = text
    for sep in SEPARATORS:
        try:
            for index, cells in enumerate(_csv_records(head, sep)):
                if index >= HEADER_SEARCH_ROWS:
                    break
                score = _header_score(cells, spec)
                if score > best[0] or (score == best[0] and index < best[1]):
                    best = (score, index, sep)
        except csv.Error:
            continue
    if best[0] == 0:
        raise _no_header(label, spec)
    return best[2], best[1]


def _offset_after(text: str, sep: str, records: int) -> int:
    """Character offset where record number ``records`` (0-based) starts."""
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=sep)
    for _ in range(records):
        next(reader)
    return consumed


def _fast_records(body: str, sep: str) -> pd.DataFrame | None:
    """All records as strings with pandas' C parser, or None when a row is irregular."""
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, header=None, dtype=str, na_filter=False,
                            skip_blank_lines=False, engine="c", quotechar='"', doublequote=True)
    except (pd.errors.ParserError, ValueError):
        return None  # more fields than the header, a quote never closed...: the slow path says
    return frame.fillna("")


def _slow_records(body: str, sep: str, label: str, first_row: int) -> pd.DataFrame:
    """All records with the csv module, row by row, explaining each irregularity."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(body) + 1))  # a cell may be as long as the file
    try:
        return _slow_records_within_limit(body, sep, label, first_row)
    finally:
        csv.field_size_limit(limit)


def _slow_records_within_limit(body: str, sep: str, label: str, first_row: int
                               ) -> pd.DataFrame:
    records: list[list[str]] = []
    reader = _csv_records(body, sep, strict=True)
    width = 0
    while True:
        row = first_row + len(records)
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(label, f"the row cannot be split into cells ({exc}); ", row=row,
                             expected="quotes that open at the start of a cell and close "
                             "at its end") from None
        if not records:
            width = len(cells)
        elif len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                raise InputError(label, f"the row has {len(cells)} cells but the header has "
                                 f"{width}; ", row=row,
                                 expected="one value per header column (quote values that "
                                 f"contain the separator '{sep}')")
            cells = cells[:width]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        records.append(cells)
    frame = pd.DataFrame(records, columns=range(width), dtype=str) if records else (
        pd.DataFrame(columns=range(width), dtype=str))
    return frame


def _read_csv(path: Path, spec: TableSpec, *, fast: bool = True, data: bytes | None = None
              ) -> RawTable:
    label = path.name
    data = path.read_bytes() if data is None else data
    if fast and ARROW_FAST_PATH:
        raw = _read_csv_arrow(data, label, spec)
        if raw is not None:
            return raw
    text = decode_text(data, label)
    if "\x00" in text:  # a NUL in UTF-16 text
        raise InputError(label, "the file holds a NUL character, so it is not a text table; ",
                         row=text.count("\n", 0, text.index("\x00")) + 1,
                         expected="a CSV file (for Excel, keep the .xlsx extension)")
    if not text.strip():
        raise InputError(label, "the file is empty; ",
                         expected=f"a header row with the columns {', '.join(spec.required)}")
    sep, header_index = _find_csv_header(text, label, spec)
    body = text[_offset_after(text, sep, header_index):]
    frame = _fast_records(body, sep) if fast else None
    if frame is None:
        frame = _slow_records(body, sep, label, header_index + 1)
    rows = np.arange(header_index + 1, header_index + 1 + len(frame), dtype="int64")
    written = [str(c).strip() for c in frame.iloc[0]]
    header = [normalise_name(c) for c in written]
    frame = frame.iloc[1:]
    rows = rows[1:]
    records = len(frame)
    blank = np.ones(len(frame), dtype=bool)
    for position in frame.columns:
        blank &= (frame[position].str.strip() == "").to_numpy()
    frame = frame[~blank].reset_index(drop=True)
    rows = rows[~blank]
    if '"' in body:  # only a quoted cell can span lines
        _refuse_swallowed_rows(frame, rows, label, sep)
    frame = _name_columns(frame, header, label, header_index + 1, rows)
    preamble = [" ".join(c for c in cells if c.strip()) for _, cells in zip(
        range(header_index), _csv_records(text, sep), strict=False)]
    return RawTable(label, frame, rows, header_index + 1, "," if sep == ";" else ".",
                    preamble=[p for p in preamble if p],
                    headers=dict(zip(header, written, strict=True)), records=records)


_UTF8_BOM = b"\xef\xbb\xbf"


#: Bytes read before the header is searched: enough for its 65,536 first characters.
_HEAD_BYTES = 4 * (1 << 16) + 8


def _text_head(chunk: bytes, at_end: bool) -> tuple[str, bool] | None:
    """The first 65,536 characters of the UTF-8 text starting ``chunk`` (the text the header
    is searched in) and whether they are the whole text (``at_end``: the chunk ends the
    file); None when they are not UTF-8."""
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(chunk) - 3 or at_end:
            return None
        text = chunk[:exc.start].decode("utf-8")  # a character cut at the end of the chunk
    return text[:1 << 16], at_end and len(text) <= 1 << 16


@dataclass(frozen=True)
class _TextLayout:
    """Where the records of a UTF-8 text table start and how they are split."""

    sep: str
    header_index: int  # records above the header (title rows, blank lines)
    start: int  # byte offset of the header record
    width: int  # cells of the header record
    head: str  # the text the header was searched in
    names: tuple[str, ...] = ()  # the header's column names, as matched


def _text_layout(chunk: bytes, at_end: bool, label: str, spec: TableSpec
                 ) -> _TextLayout | None:
    """The layout of a table whose text starts with ``chunk`` (BOM included), as
    :func:`_read_csv` finds it; None when the reference reader must look (UTF-16, NUL
    bytes, not UTF-8, no header among very long lines...)."""
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk:
        return None
    bom = len(_UTF8_BOM) if chunk.startswith(_UTF8_BOM) else 0
    found = _text_head(chunk[bom:_HEAD_BYTES + bom], at_end and len(chunk) <= _HEAD_BYTES + bom)
    if found is None:
        return None
    head, whole = found
    if not head.strip() or (head.count("\n") < HEADER_SEARCH_ROWS + 1 and not whole):
        return None
    try:
        sep, header_index = _find_csv_header(head, label, spec)
        offset = _offset_after(head, sep, header_index)
        cells = next(_csv_records(head[offset:], sep))
    except (InputError, StopIteration, csv.Error):
        return None
    return _TextLayout(sep, header_index, bom + len(head[:offset].encode("utf-8")), len(cells),
                       head, tuple(normalise_name(c) for c in cells))


def _read_csv_arrow(data: bytes, label: str, spec: TableSpec) -> RawTable | None:
    """The raw table of a UTF-8 text file read by Arrow (:mod:`cac_toolkit.data.arrow_text`),
    with the same cells, row numbers and header as the reference reader; None when the
    reference must read it (another encoding, an irregular row, a cell spanning lines...)."""
    if b"\x00" in data:
        return None
    edge = _HEAD_BYTES + len(_UTF8_BOM)
    layout = _text_layout(data[:edge], len(data) <= edge, label, spec)
    if layout is None:
        return None
    sep, header_index, width, head = layout.sep, layout.header_index, layout.width, layout.head
    table = arrow_text.read_records(data, layout.start, sep, width)
    if table is None or table.num_rows == 0:
        return None
    written = [str(c).strip() for c in table.slice(0, 1).to_pylist()[0].values()]
    header = [normalise_name(c) for c in written]
    table = table.slice(1)
    records = table.num_rows
    rows = np.arange(header_index + 2, header_index + 2 + table.num_rows, dtype="int64")
    blank = arrow_text.blank_records(table)
    if blank.any():
        table = table.filter(pa.array(~blank))
        rows = rows[~blank]
    frame = table.to_pandas()
    frame.columns = range(width)
    frame = _name_columns(frame, header, label, header_index + 1, rows)
    preamble = [" ".join(c for c in cells if c.strip()) for _, cells in zip(
        range(header_index), _csv_records(head, sep), strict=False)]
    return RawTable(label, frame, rows, header_index + 1, "," if sep == ";" else ".",
                    preamble=[p for p in preamble if p],
                    headers=dict(zip(header, written, strict=True)), records=records)


# --------------------------------------------------------------------------- streamed text


#: Bytes of a text table read, parsed and released at a time (cut at a line end), split by
#: Arrow in blocks of :data:`arrow_text.BLOCK_BYTES` on its threads. What parsing a chunk
#: allocates and frees stays in the C library's heaps (several times the chunk): at 100
#: times the sample company the peak memory was about 45 MB higher with chunks of 4 MiB than
#: of 1 MiB, for the same time; 2 MiB (two blocks) had the same peak as 1 MiB and about a
#: twentieth less time and CPU (half as many batches, each with its Python calls per column).
_CHUNK_BYTES = 1 << 21
#: Chunks parsed between two trims of the heap (:func:`arrow_text.trim_heap`): rarely, as
#: the pages given back must be faulted in again by the next chunks.
_TRIM_CHUNKS = 32


def _line_chunks(handle: io.BufferedReader, digest: object, first: bytes
                 ) -> Iterator[tuple[bytearray, int]]:
    """The bytes of an open file from ``first`` (already read and hashed) on, in chunks of
    about :data:`_CHUNK_BYTES` that end at a line end (the last one at the end of the file),
    hashed as they are read: ``(buffer, end)``, the chunk being ``buffer[:end]``, valid until
    the next chunk is asked for (one buffer is reused, so that reading allocates nothing).
    A cut falls inside a cell only when a quoted cell spans lines, which the caller refuses
    (the reference then reads the file whole)."""
    buffer = bytearray(2 * _CHUNK_BYTES + len(first))
    buffer[:len(first)] = first
    filled = len(first)
    while True:
        if filled + _CHUNK_BYTES > len(buffer):  # a line longer than a chunk: a larger buffer
            larger = bytearray(2 * len(buffer))
            larger[:filled] = memoryview(buffer)[:filled]
            buffer = larger
        with memoryview(buffer) as view:
            read = handle.readinto(view[filled:filled + _CHUNK_BYTES]) or 0
            digest.update(view[filled:filled + read])  # type: ignore[attr-defined]
        if not read:
            if filled:
                yield buffer, filled
            return
        filled += read
        cut = buffer.rfind(b"\n", 0, filled) + 1 or buffer.rfind(b"\r", 0, filled - 1) + 1
        if cut == 0:
            continue  # no line end yet: read on
        yield buffer, cut
        buffer[:filled - cut] = buffer[cut:filled]
        filled -= cut


class _StreamedColumn:
    """One contract column parsed batch by batch; ``add`` answers False when the reference
    parser must read the file (a cell it might read otherwise or refuse)."""

    def __init__(self, spec: ColumnSpec, capacity: int, hint: str = ".", size: int = 0
                 ) -> None:
        self.spec = spec
        self.hint = hint  # the file's decimal mark when no cell shows one
        self.assumed: str | None = None  # the mark cells showing none were read with
        self.filled = False  # whether a number cell held a value
        # Every kind is written straight into one buffer sized for the whole file
        # (``capacity`` rows, ``size`` bytes of text; enlarged if the estimate was short),
        # so that no column is ever held twice and the reader's memory is reused from chunk
        # to chunk: numbers, dates and booleans as their values, words as codes into
        # ``words``, text cells as read in a :class:`~arrow_text.TextBuilder`.
        kinds = {"number": "float64", "date": "datetime64[ns]", "timestamp": "datetime64[ns]",
                 "bool": "bool", "choice": "int32"}
        self.values = (arrow_text.empty(capacity, kinds[spec.kind]) if spec.kind in kinds
                       else None)
        self.length = 0
        self.text = arrow_text.TextBuilder(capacity, size) if spec.kind == "text" else None
        self.cleaned: list[tuple[int, pa.ChunkedArray]] = []  # (first row, cells) cleaned
        self.words: dict[str, int] = {}  # choice words, by code
        self.finished: tuple[pa.Array, pa.Array] | None = None  # text: (as read, parsed)
        self.mark: str | None = None  # the decimal mark the cells show (numbers)
        self.total = 0.0  # running total of the column (numbers)

    def add(self, cells: pa.ChunkedArray, rows: np.ndarray) -> bool:
        """Parse one batch of cells (``rows``: their row numbers)."""
        spec = self.spec
        if spec.kind == "text":
            assert self.text is not None
            start = self.text.rows
            for chunk in cells.chunks:
                self.text.append(chunk)
            if not arrow_text.is_plain_text(cells):  # accents, spaces to collapse...
                parsed = self._reference(cells, rows)  # the reference cleans them
                if parsed is None:
                    return False
                self.cleaned.append((start, parsed.array.__arrow_array__()))
            elif spec.required and not self.text.filled[start:self.text.rows].all():
                return False
            return True
        if spec.kind == "number":
            return self._add_numbers(cells, rows)
        slot = self._slot(len(cells))
        if spec.kind in ("date", "timestamp"):
            if not arrow_text.is_text(cells):  # ISO days, read by Arrow's reader
                if not arrow_text.days_into(cells, PLAUSIBLE_YEARS, spec.required, slot):
                    return False  # the reference refuses the same cell and says where
            elif _plain_dates_array(cells, spec, slot) is None:
                # other writings of dates: the reference reads them
                parsed = self._reference(cells, rows)
                if parsed is None:
                    return False
                slot[:] = parsed.to_numpy(dtype="datetime64[ns]")
            self.length += len(cells)
            return True
        words, codes = arrow_text.distinct_cells(cells)
        convert = _bool_of(spec) if spec.kind == "bool" else _choice_of(spec)
        converted = [convert(w) for w in words]
        if any(c is None for c in converted):
            return False
        if spec.kind == "bool":
            slot[:] = np.array(converted, dtype=bool)[codes]
        else:
            known = np.array([self.words.setdefault(str(c), len(self.words))
                              for c in converted], dtype=np.int32)
            slot[:] = known[codes]
        self.length += len(cells)
        return True

    def _reference(self, cells: pa.ChunkedArray, rows: np.ndarray) -> pd.Series | None:
        """The reference parser on one batch of a text or date column, whose cells it reads
        one by one (the same result as on the whole column); None when it refuses a cell:
        the whole file is then read by the reference, which words the error."""
        frame = pa.table({"cells": cells}).to_pandas()
        part = RawTable("", frame, rows, 0, ".")
        try:
            return _PARSERS[self.spec.kind](part, "cells", self.spec)
        except InputError:
            return None

    def _add_numbers(self, cells: pa.ChunkedArray, rows: np.ndarray) -> bool:
        slot = self._slot(len(cells))
        found = _plain_numbers_array(cells, self.spec, slot)
        if found is not None:
            mark, filled, total = found[1], found[0].filled > 0, found[0].total
        else:  # "1 500,50", "(120)"...: the reference reads the batch
            reference = self._reference_numbers(cells, rows)
            if reference is None:
                return False
            slot[:], mark = reference
            filled, total = not np.isnan(slot).all(), float(np.nansum(slot))
        if mark is not None:
            if self.mark not in (None, mark) or self.assumed not in (None, mark):
                return False  # two decimal marks, or earlier cells read with the other one
            self.mark = mark
        self.filled = self.filled or filled
        self.total += total
        if self.spec.maximum is not None and self.total > MAX_TOTAL * (1 - 1e-9):
            return False  # near the limit: the reference adds up the column as it words it
        self.length += len(cells)
        return True

    def _reference_numbers(self, cells: pa.ChunkedArray, rows: np.ndarray
                           ) -> tuple[np.ndarray, str | None] | None:
        """The reference parser on one batch of a money column, with the decimal mark the
        column has shown so far (else the file's); the mark this batch shows. None when it
        refuses a cell or finds a currency mark (the reference then reads the file whole)."""
        frame = pa.table({"cells": cells}).to_pandas()
        mark = self.mark or self.hint
        part = RawTable("", frame, rows, 0, mark)
        try:
            out = parse_number(part, "cells", self.spec).to_numpy(dtype="float64")
        except InputError:
            return None
        if len(part.marks.get("cells", ())):
            return None  # currencies are checked on the whole file by the reference
        strings = _number_strings(_split_cells(frame["cells"]).text)[0]
        evidence = _decimal_evidence(strings)
        shown = evidence[evidence != ""]
        if len(shown):
            return out, str(shown[0])
        if len(strings):
            self.assumed = mark  # cells such as "1,500" were read with this mark
        return out, None

    def _slot(self, count: int) -> np.ndarray:
        """The next ``count`` free places of the column's array (enlarged when the file has
        more rows than its first chunk suggested), filled in place by the caller."""
        assert self.values is not None
        end = self.length + count
        if end > len(self.values):
            self.values = arrow_text.grown(self.values, self.length, max(end, 2 * len(self.values)))
        return self.values[self.length:end]

    def series(self) -> pd.Series:
        """The parsed column, as :func:`parse_table` gives it (the buffers are handed over:
        no column is ever held twice). Dates are already cut to the day."""
        kind = self.spec.kind
        if kind == "text":
            return pd.Series(pd.arrays.ArrowStringArray(self._text()[1]))
        values, self.values = self.values, None
        assert values is not None
        if len(values) > self.length:  # shrunk where it is (realloc): no second copy
            values = arrow_text.shrunk(values, self.length)
        if kind == "choice":
            words = pa.array(list(self.words), pa.large_string()).take(pa.array(values))
            return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([words])))
        return pd.Series(values, dtype=values.dtype, copy=False)

    def cells(self) -> pa.ChunkedArray:
        """The text cells as read (text columns)."""
        return self._text()[0]

    def _text(self) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
        """``(cells as read, parsed cells)`` of a text column: one buffer for both, the
        cells the reference cleaned in their place."""
        if self.finished is None:
            assert self.text is not None
            raw, plain = self.text.finish()
            self.text = None
            pieces: list[pa.Array] = []
            done = 0
            for start, cleaned in self.cleaned:
                if start > done:
                    pieces.append(plain.slice(done, start - done))
                pieces.extend(cleaned.chunks)
                done = start + len(cleaned)
            if done < len(plain) or not pieces:
                pieces.append(plain.slice(done))
            self.cleaned = []
            self.finished = (pa.chunked_array([raw]),
                             pa.chunked_array(pieces, pa.large_string()))
        return self.finished


def _stream_text_table(path: Path, spec: TableSpec
                       ) -> tuple[pd.DataFrame, RawTable, str] | None:
    """A UTF-8 text table read and parsed batch by batch with Arrow, its SHA-256 computed
    on the bytes as they are read: ``(frame, raw, sha256)``, the frame equal to
    ``parse_table(read_raw(path))``; None when the reference must read the file (anything
    the plain fast path does not vouch for, errors included).

    Only one batch of text cells is in memory at a time besides the parsed columns; the raw
    table keeps the text columns and the columns outside the contract (for the warnings
    and the currency), not the parsed numbers, dates and words.
    """
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return None
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the stream
    except OSError:
        return None
    with handle, ThreadPoolExecutor(max_workers=1, thread_name_prefix="cac-toolkit-parse"
                                    ) as pool:
        try:
            return _stream_open_text(handle, path.name, spec, pool)
        except OSError:
            return None
        finally:
            arrow_text.trim_heap()


def _stream_open_text(handle: io.BufferedReader, label: str, spec: TableSpec,
                      pool: ThreadPoolExecutor) -> tuple[pd.DataFrame, RawTable, str] | None:
    digest = hashlib.sha256()
    chunk = handle.read(_HEAD_BYTES + len(_UTF8_BOM))
    digest.update(chunk)
    layout = _text_layout(chunk, len(chunk) < _HEAD_BYTES + len(_UTF8_BOM), label, spec)
    if layout is None:
        return None
    kept_as_text = {i for i, name in enumerate(layout.names)
                    if name not in spec.columns or spec.columns[name].kind == "text"}
    days = frozenset(i for i, name in enumerate(layout.names)
                     if name in spec.columns and spec.columns[name].kind == "date")
    header: list[str] = []
    written: list[str] = []
    columns: dict[int, _StreamedColumn] = {}
    kept: dict[int, arrow_text.TextBuilder] = {}  # columns outside the contract, as read
    unnamed: list[int] = []
    rows = np.zeros(0, dtype="int64")  # the row number of each record kept
    count = chunks = 0
    row = layout.header_index + 1
    groups: list[_Group] = []  # the columns parsed here, and those parsed by ``pool``
    for table, end in _read_ahead(handle, digest, chunk[layout.start:], layout, kept_as_text,
                                  days):
        if table is None:
            return None  # a NUL byte, an irregular row, a quote, bytes that are not UTF-8...
        if not header:
            if table.num_rows == 0:
                return None
            written = [str(c).strip() for c in table.slice(0, 1).to_pylist()[0].values()]
            header = [normalise_name(c) for c in written]
            plan = _stream_plan(header, spec)
            if plan is None or tuple(header) != layout.names:
                return None
            capacity = _rows_estimate(handle, end, table.num_rows)
            scale = capacity / table.num_rows * 1.02
            hint = "," if layout.sep == ";" else "."
            columns = {i: _StreamedColumn(spec.columns[n], capacity, hint,
                                          int(arrow_text.text_bytes(table.column(i)) * scale))
                       for i, n in plan.items() if n in spec.columns}
            kept = {i: arrow_text.TextBuilder(
                capacity, int(arrow_text.text_bytes(table.column(i)) * scale))
                for i, n in plan.items() if n not in spec.columns}
            unnamed = [i for i, name in enumerate(header) if not name]
            rows = arrow_text.empty(capacity, _row_numbers(handle))
            table = table.slice(1)
            row += 1
        numbers = np.arange(row, row + table.num_rows, dtype=rows.dtype)
        row += table.num_rows
        blank = arrow_text.blank_records(table)
        if blank.any():
            table = table.filter(pa.array(~blank))
            numbers = numbers[~blank]
        if any(not arrow_text.all_blank(table.column(i)) for i in unnamed):
            return None  # values under an unnamed header cell: the reference says where
        if not groups:
            groups = _column_groups(table, columns, kept)
        if not _parse_batch(pool, groups, table, numbers):
            return None
        if count + len(numbers) > len(rows):
            rows = arrow_text.grown(rows, count, max(count + len(numbers), 2 * len(rows)))
        rows[count:count + len(numbers)] = numbers
        count += len(numbers)
        del table
        chunks += 1
        if chunks % _TRIM_CHUNKS == 0:
            arrow_text.trim_heap()  # what the last chunks freed, given back to the system
    if not header:
        return None
    rows = arrow_text.shrunk(rows, count)
    records = row - layout.header_index - 2  # below the header, blank ones included
    return _streamed_result(label, spec, layout, header, written, columns, kept, rows,
                            digest.hexdigest(), records)


_DONE = object()


#: Whether a streamed text table's columns are parsed on two threads (:func:`_parse_batch`);
#: False parses them all on the caller's thread.
PARSE_IN_TWO_THREADS = True
#: Columns of a text table parsed by one thread: (position, parser or builder of kept cells).
_Group = list[tuple[int, "_StreamedColumn | arrow_text.TextBuilder"]]


def _column_groups(table: pa.Table, columns: dict[int, _StreamedColumn],
                   kept: dict[int, arrow_text.TextBuilder]) -> list[_Group]:
    """The columns split in two groups of about as many bytes in ``table`` (the first batch):
    one parsed by the caller's thread, the other by the pool's, batch after batch. Most of
    the parsing is numpy and Arrow kernels, which release the GIL: the two groups share the
    cores with the reader's thread."""
    items = sorted([*columns.items(), *kept.items()],
                   key=lambda item: -table.column(item[0]).nbytes)
    groups: list[_Group] = [[], []]
    weights = [0, 0]
    for item in items:  # the largest first, each to the lighter group
        lighter = int(weights[1] < weights[0])
        groups[lighter].append(item)
        weights[lighter] += table.column(item[0]).nbytes
    return groups


def _parse_group(group: _Group, table: pa.Table, rows: np.ndarray) -> bool:
    """Parse (or keep) one batch of each column of ``group`` (``rows``: the row numbers of
    the batch's records); False when the reference parser must read the file."""
    for position, target in group:
        if isinstance(target, arrow_text.TextBuilder):
            for part in table.column(position).chunks:
                target.append(part)
        elif not target.add(table.column(position), rows):
            return False
    return True


def _parse_batch(pool: ThreadPoolExecutor, groups: list[_Group], table: pa.Table,
                 rows: np.ndarray) -> bool:
    """One batch of every column: the second group on the pool's thread, the first here
    meanwhile; False when a column asks for the reference parser (each group's columns
    are their own: no state is shared)."""
    if not PARSE_IN_TWO_THREADS:
        return _parse_group(groups[0], table, rows) and _parse_group(groups[1], table, rows)
    other = pool.submit(_parse_group, groups[1], table, rows)
    try:
        here = _parse_group(groups[0], table, rows)
    finally:
        there = other.result()
    return here and there


def _read_ahead(handle: io.BufferedReader, digest: object, first: bytes, layout: _TextLayout,
                large: set[int], days: frozenset[int] = frozenset()
                ) -> Iterator[tuple[pa.Table | None, int]]:
    """Arrow's table of each chunk of :func:`_line_chunks` and the chunk's size, or
    ``(None, size)`` for a chunk Arrow cannot vouch for (then the last). The chunks are read
    and split into cells in a thread, one ahead of the caller, which meanwhile parses the
    previous one: reading and parsing share the cores as ``pyarrow.csv`` alone would.

    The ``days`` columns are read as ISO dates by Arrow's reader after the first chunk (which
    holds the header); from a chunk where one does not read so on, the file's dates are
    read as text, which the caller parses or hands to the reference."""
    results: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def work() -> None:
        dated = True  # whether Arrow's reader still reads the dates
        typed: frozenset[int] = frozenset()  # the header's chunk: text
        try:
            for text, end in _line_chunks(handle, digest, first):
                if stop.is_set():
                    return
                if text.find(b"\x00", 0, end) >= 0:  # the reference says where it is
                    results.put((None, end))
                    return
                table = arrow_text.read_records(text, 0, layout.sep, layout.width, large, end,
                                                typed)
                if table is None and typed:  # another writing of a date: text from here on
                    dated = False
                    table = arrow_text.read_records(text, 0, layout.sep, layout.width, large,
                                                    end)
                results.put((table, end))
                if table is None:
                    return
                typed = days if dated else frozenset()
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller
            results.put(exc)
        finally:
            results.put(_DONE)

    worker = threading.Thread(target=work, name="cac-toolkit-read", daemon=True)
    worker.start()
    try:
        while (item := results.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # let a worker blocked on a full queue finish
            with contextlib.suppress(queue.Empty):
                results.get(timeout=0.05)
        worker.join()


def _rows_estimate(handle: io.BufferedReader, chunk: int, rows: int) -> int:
    """Rows the file holds, estimated from its size and the ``rows`` of its first ``chunk``
    bytes (a little more, so that the arrays are rarely enlarged)."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except OSError:
        size = chunk
    return int(max(rows, size / max(chunk, 1) * rows * 1.02)) + 64


def _row_numbers(handle: io.BufferedReader) -> type[np.signedinteger]:
    """The integer type that holds every row number of the open file: 32 bits (half the
    memory) unless the file has 2**31 bytes or more (a record takes at least one byte)."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except OSError:
        return np.int64
    return np.int32 if size < 2**31 - 2 * HEADER_SEARCH_ROWS - 2 else np.int64


def _stream_plan(header: list[str], spec: TableSpec) -> dict[int, str] | None:
    """Position of each named column, or None when the reference must word a header error
    (a column twice, a required column missing)."""
    named = {i: name for i, name in enumerate(header) if name}
    if len(set(named.values())) < len(named) or any(
            c not in named.values() for c in spec.required):
        return None
    return named


def _streamed_result(label: str, spec: TableSpec, layout: _TextLayout, header: list[str],
                     written: list[str], columns: dict[int, _StreamedColumn],
                     kept: dict[int, arrow_text.TextBuilder], numbers: np.ndarray,
                     sha256: str, records: int) -> tuple[pd.DataFrame, RawTable, str] | None:
    """The frame and raw table of a streamed text table, once every batch is parsed."""
    parsed = {header[i]: column for i, column in columns.items()}
    frame = pd.DataFrame(index=range(len(numbers)))
    for name, column_spec in spec.columns.items():  # one by one: no block is consolidated
        frame[name] = (parsed[name].series() if name in parsed
                       else _absent(column_spec, len(numbers)))
    if not all(_all_distinct(frame[name]) for name in spec.unique):
        return None  # a duplicated id: the reference words it with both rows
    raw_columns = {header[i]: c.cells() for i, c in columns.items() if c.spec.kind == "text"}
    raw_columns.update({header[i]: pa.chunked_array([builder.finish()[0]])
                        for i, builder in kept.items()})
    ordered = [name for name in header if name in raw_columns]
    raw_frame = (pa.table({n: raw_columns[n] for n in ordered}).to_pandas() if ordered
                 else pd.DataFrame(index=range(len(numbers))))
    preamble = [" ".join(c for c in cells if c.strip()) for _, cells in zip(
        range(layout.header_index), _csv_records(layout.head, layout.sep), strict=False)]
    raw = RawTable(label, raw_frame, numbers, layout.header_index + 1,
                   "," if layout.sep == ";" else ".", preamble=[p for p in preamble if p],
                   headers=dict(zip(header, written, strict=True)),
                   decimal_marks={n: c.mark or "" for n, c in parsed.items()
                                  if c.spec.kind == "number" and c.filled},
                   parsed=tuple(n for n in parsed if n not in raw_columns), records=records)
    return frame, raw, sha256


def _refuse_swallowed_rows(frame: pd.DataFrame, rows: np.ndarray, label: str, sep: str) -> None:
    """A cell spanning lines that also holds the separator is a quote left open."""
    for position in frame.columns:
        cells = frame[position]
        suspect = (cells.str.contains("\n", regex=False) | cells.str.contains("\r", regex=False)
                   ) & cells.str.contains(sep, regex=False)
        if suspect.any():
            index = int(np.flatnonzero(suspect.to_numpy())[0])
            raise InputError(label, "a quote opened in this row runs over the next lines, "
                             "which would merge several rows into one; ", row=int(rows[index]),
                             expected="a closing quote at the end of the cell")


def _cell_ref(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _open_workbook(data: bytes, label: str, data_only: bool):  # noqa: ANN202 - openpyxl book
    import openpyxl  # imported here: only Excel inputs need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles or extensions openpyxl skips
            return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only)
    except Exception as exc:  # a corrupt, renamed or password-protected file
        raise InputError(label, f"cannot be opened as an Excel workbook "
                         f"({exc.__class__.__name__}); ", expected="an .xlsx file") from None


def _excel_cells(data: bytes, label: str, sheet_ref: str | int | None = None
                 ) -> tuple[str, dict[tuple[int, int], object]]:
    """The title of the sheet ``sheet_ref`` (by default the first) and its non-empty cells
    ``{(row, column): value}`` (1-based).

    Only the cells the file holds are visited (a stray value in cell XFD1048576 does not make
    a grid of 17 billion cells). Formulas are replaced by the results Excel saved; a formula
    without a saved result and an error value (``#DIV/0!``) become :class:`_ExcelProblem`;
    the cells of a merged range other than its top-left one become :class:`_MergedCopy`.
    """
    book = _open_workbook(data, label, data_only=False)
    sheet = _pick_sheet(book, label, sheet_ref)
    cells: dict[tuple[int, int], object] = {}
    formulas: dict[tuple[int, int], str] = {}
    # Worksheet._cells holds only the cells present in the file (iter_rows would create the
    # missing ones up to max_row x max_column).
    for (r, c), cell in sorted(sheet._cells.items()):
        if cell.value is None:
            continue
        if cell.data_type == "f":
            formulas[(r, c)] = str(getattr(cell.value, "text", None) or cell.value)
        elif cell.data_type == "e":
            cells[(r, c)] = _ExcelProblem(cell.coordinate, f"the Excel error {cell.value} in "
                                          f"cell {cell.coordinate}")
        else:
            cells[(r, c)] = cell.value
    if formulas:  # the values Excel saved with the formulas, if it did
        cached = _open_workbook(data, label, data_only=True)[sheet.title]
        for (r, c), formula in formulas.items():
            cell = cached.cell(r, c)
            ref = cell.coordinate
            if cell.value is None:
                cells[(r, c)] = _ExcelProblem(ref, f"the formula {formula} in cell {ref}, which "
                                              "has no saved result (open the file in Excel or "
                                              "LibreOffice and save it, or paste values)")
            elif cell.data_type == "e":
                cells[(r, c)] = _ExcelProblem(ref, f"the Excel error {cell.value} in cell {ref}")
            else:
                cells[(r, c)] = cell.value
    if cells:
        last_row = max(r for r, _ in cells)
        last_col = max(c for _, c in cells)
        for merged in sheet.merged_cells.ranges:
            value = cells.get((merged.min_row, merged.min_col))
            for r in range(merged.min_row, min(merged.max_row, last_row) + 1):
                for c in range(merged.min_col, min(merged.max_col, last_col) + 1):
                    if (r, c) != (merged.min_row, merged.min_col):
                        cells[(r, c)] = _MergedCopy(value, _cell_ref(r, c), merged.coord)
    return sheet.title, cells


def _pick_sheet(book, label: str, sheet_ref: str | int | None):  # noqa: ANN001, ANN202
    """The worksheet named (or 0-based numbered) ``sheet_ref``; the first by default."""
    if sheet_ref is None:
        return book.worksheets[0]
    names = book.sheetnames
    if isinstance(sheet_ref, int):
        if sheet_ref < len(book.worksheets):
            return book.worksheets[sheet_ref]
    elif sheet_ref in names:
        return book[sheet_ref]
    raise InputError(label, f"no sheet {sheet_ref!r}; ",
                     expected=f"one of {', '.join(repr(n) for n in names)} (or an index from 0 "
                     f"to {len(names) - 1})")


def _read_excel(path: Path, spec: TableSpec, sheet: str | int | None = None, *,
                data: bytes | None = None) -> RawTable:
    title, cells = _excel_cells(path.read_bytes() if data is None else data, path.name, sheet)
    label = f"{path.name} (sheet '{_printable(title)}')"
    own = {key: v for key, v in cells.items()
           if not isinstance(v, _MergedCopy) and not _is_blank(v)}
    if not own:
        raise InputError(label, "the sheet is empty; ",
                         expected=f"a header row with the columns {', '.join(spec.required)}")
    columns = sorted({c for _, c in cells})
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), value in cells.items():
        by_row.setdefault(r, {})[c] = value
    scores = {r: _header_score([_unmerged(v) for v in by_row.get(r, {}).values()], spec)
              for r in range(1, HEADER_SEARCH_ROWS + 1)}
    header_row = max(scores, key=lambda r: (scores[r], -r))
    if scores[header_row] == 0:
        raise _no_header(label, spec)
    header_cells = by_row.get(header_row, {})
    header = [normalise_name(_unmerged(header_cells.get(c))) for c in columns]
    # A row is data when it holds a value of its own (a merged label alone does not count).
    numbers = sorted({r for r, _ in own if r > header_row})
    body = [[by_row[r].get(c) for c in columns] for r in numbers]
    frame = pd.DataFrame(body, columns=range(len(columns)), dtype=object)
    rows = np.asarray(numbers, dtype="int64")
    places = [f"column {_cell_ref(1, c)[:-1]}" for c in columns]
    frame = _name_columns(frame, header, label, header_row, rows, places)
    preamble = [" ".join(str(_unmerged(v)) for v in by_row.get(r, {}).values()
                         if not _is_blank(_unmerged(v))) for r in range(1, header_row)]
    written = {normalise_name(_unmerged(header_cells.get(c))): str(_unmerged(
        header_cells.get(c))).strip() for c in columns if header_cells.get(c) is not None}
    return RawTable(label, frame, rows, header_row, ".", preamble=[p for p in preamble if p],
                    headers=written)


def _unmerged(value: object) -> object:
    return value.value if isinstance(value, _MergedCopy) else value


def _read_parquet_folder(path: Path, spec: TableSpec, *, data: bytes | None = None
                         ) -> RawTable:
    """A table given as a folder of Parquet files (Hive partitions become columns)."""
    label = path.name
    try:
        frame = pads.dataset(path, format="parquet", partitioning="hive",
                             ignore_prefixes=[".", "_"]).to_table().to_pandas()
    except Exception as exc:  # any reader failure means the parts are not usable Parquet
        raise InputError(label, f"cannot be read as a folder of Parquet files "
                         f"({exc.__class__.__name__}); ",
                         expected="Parquet files with the same columns") from None
    return parquet_raw(frame, label)


def _read_parquet(path: Path, spec: TableSpec, *, data: bytes | None = None) -> RawTable:
    label = path.name
    data = path.read_bytes() if data is None else data
    try:
        frame = pd.read_parquet(io.BytesIO(data))
        for name in frame.columns:  # text that is not UTF-8 (a damaged file) is refused here
            if isinstance(frame[name].dtype, pd.StringDtype) and (
                    frame[name].dtype.storage == "pyarrow"):
                frame[name].array.__arrow_array__().validate(full=True)
    except Exception as exc:  # any reader failure means the file is not usable Parquet
        raise InputError(label, f"cannot be read as Parquet ({exc.__class__.__name__}); ",
                         expected="a Parquet file") from None
    return parquet_raw(frame, label)


def parquet_raw(frame: pd.DataFrame, label: str, first_row: int = 1) -> RawTable:
    """The raw table of Parquet data: native values, records numbered from ``first_row``
    (1: a table has no header row; a part of a table read in parts starts further on)."""
    header = [normalise_name(c) for c in frame.columns]
    frame = frame.reset_index(drop=True)
    frame.columns = range(len(header))
    for position in frame.columns:
        column = frame[position]
        if isinstance(column.dtype, pd.CategoricalDtype):
            frame[position] = column.astype(object)
        elif isinstance(column.dtype, pd.DatetimeTZDtype):
            frame[position] = column.dt.tz_localize(None)  # the wall-clock time as written
    # Parquet has no spreadsheet rows: records are numbered from 1.
    rows = np.arange(first_row, first_row + len(frame), dtype="int64")
    frame = _name_columns(frame, header, label, 1, rows)
    return RawTable(label, frame, rows, 0, ".")


def _name_columns(frame: pd.DataFrame, header: list[str], label: str, header_row: int,
                  rows: np.ndarray, places: list[str] | None = None) -> pd.DataFrame:
    """Name the columns after the header; ``places`` says where each column is (``column
    F`` in a sheet), for the error about values under an empty header cell."""
    keep, names = [], []
    for position, name in enumerate(header):
        if not name:
            filled = _first(~_blank_mask(frame[position]))
            if filled is not None:
                place = places[position] if places else f"column {position + 1}"
                raise InputError(label, f"{place} has no name in the header but holds values "
                                 f"(the first in row {rows[filled]}); ", row=header_row,
                                 expected="a name in every header cell above values")
            continue  # a trailing separator: an empty, unnamed column
        if name in names:
            raise InputError(label, "the column appears twice; ", column=_printable(name),
                             row=header_row, expected="each column once")
        keep.append(position)
        names.append(name)
    out = frame[keep].copy()
    out.columns = names
    return out


def read_raw(path: Path, spec: TableSpec, sheet: str | int | None = None,
             data: bytes | None = None) -> RawTable:
    """Read a table file's cells without interpreting them (``sheet``: Excel only); from
    ``data``, the file's bytes already read, when given (the file is then not opened again)."""
    path = Path(path)
    if path.is_dir():
        return _read_parquet_folder(path, spec)
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".txt": _read_csv, ".tsv": _read_csv, ".xlsx": _read_excel,
               ".xlsm": _read_excel, ".parquet": _read_parquet}
    if suffix not in readers:
        raise InputError(path.name, "", expected="a .csv, .xlsx or .parquet file")
    try:
        if sheet is not None and suffix in (".xlsx", ".xlsm"):
            return _read_excel(path, spec, sheet, data=data)
        return readers[suffix](path, spec, data=data)
    except OSError as exc:  # unreadable (permissions, a disk error, a file that vanished)
        raise InputError(path.name, f"cannot be read ({exc.__class__.__name__}: "
                         f"{_printable(exc.strerror or exc)}); ",
                         expected="a readable file") from None


# --------------------------------------------------------------------------- cell helpers


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _is_text_dtype(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values) and values.dtype != object


def _arrow_cells(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a column of text cells as read (no missing value), for the
    vectorised fast path; None for other columns (Excel and Parquet cells, edited frames)."""
    dtype = values.dtype
    if not ARROW_FAST_PATH or not isinstance(dtype, pd.StringDtype) or dtype.storage != "pyarrow":
        return None
    cells = values.array.__arrow_array__()
    return None if arrow_text.holds_nulls(cells) else cells


def _blank_mask(values: pd.Series) -> pd.Series:
    if _is_text_dtype(values):
        return values.isna() | (values.str.strip() == "")
    if values.dtype == object:
        return values.map(lambda v: _is_blank(_unmerged(v))).astype(bool)
    return values.isna()


@dataclass
class _Cells:
    """A column split by kind of cell; ``text`` and ``native`` carry the original index."""

    blank: np.ndarray  # bool per row
    text: pd.Series  # the cells holding text, as str
    native: pd.Series  # the other non-blank cells (numbers, dates, booleans), as read


def _split_cells(values: pd.Series) -> _Cells:
    if _is_text_dtype(values):
        blank = (values.isna() | (values.str.strip() == "")).to_numpy(dtype=bool)
        text = values[~blank] if blank.any() else values
        return _Cells(blank, text.astype("str"), values.iloc[:0].astype(object))
    if values.dtype == object:
        blank = values.map(_is_blank).to_numpy(dtype=bool)
        is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool) & ~blank
        return _Cells(blank, values[is_text].astype("str"), values[~is_text & ~blank])
    blank = values.isna().to_numpy(dtype=bool)
    return _Cells(blank, values.iloc[:0].astype("str"), values[~blank])


def _positions(part: pd.Series) -> np.ndarray:
    """Row positions of a subset of a raw column (raw frames have a RangeIndex)."""
    return part.index.to_numpy(dtype="int64")


def _printable(value: object) -> str:
    """A value shown in an error: control characters and line separators escaped."""
    text = str(value)
    return _UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _fail(raw: RawTable, column: str, index: int, expected: str, got: object) -> InputError:
    """The error for the cell at position ``index`` of the raw frame."""
    row = int(raw.rows[index])
    if _is_blank(got) or isinstance(got, _ExcelProblem):
        error = InputError(raw.label, "", column=column, row=row, expected=expected, got="")
        shown = got.text if isinstance(got, _ExcelProblem) else "an empty cell"
        error.args = (str(error).replace(", got ''", f", got {shown}"),)
        return error
    if isinstance(got, dt.date | np.datetime64):
        got = _native_text(got)
    return InputError(raw.label, "", column=column, row=row, expected=expected,
                      got=_printable(got))


def _first(mask: pd.Series | np.ndarray) -> int | None:
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(positions[0]) if len(positions) else None


def _fail_in(raw: RawTable, column: str, part: pd.Series, bad: int, expected: str
             ) -> InputError:
    """The error for the ``bad``-th cell of ``part`` (a subset of the raw column)."""
    position = int(part.index[bad])
    return _fail(raw, column, position, expected, raw.frame[column].iloc[position])


# Cells needing more than a plain scan: anything outside printable ASCII, or irregular spaces.
_UNUSUAL_TEXT = r"[^\x20-\x7e]|^ | $|  "


def clean_text(values: pd.Series) -> pd.Series:
    """Text as compared: invisible marks and control characters dropped, spaces collapsed,
    trimmed, Unicode NFC (so an ``É`` typed in two ways is one letter); blanks become NA."""
    out = values.astype("str")
    unusual = out.str.contains(_UNUSUAL_TEXT, regex=True).fillna(False).to_numpy(dtype=bool)
    if unusual.any():
        part = (out[unusual].str.replace(_INVISIBLE, "", regex=True)
                .str.replace(_CONTROLS, "", regex=True).str.replace(_SPACES, " ", regex=True)
                .str.strip())
        mapping = {u: unicodedata.normalize("NFC", u) for u in part.unique()}
        out = out.copy()
        out[unusual] = part.map(mapping).astype("str")
    return out.where(out != "")


def _native_text(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))  # an id typed as a number in Excel: 1001.0 -> "1001"
    if isinstance(value, dt.datetime | np.datetime64):
        return str(pd.Timestamp(value)).removesuffix(" 00:00:00")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- value parsing


def parse_text(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Trimmed text (see :func:`clean_text`); numbers read from Excel (``1001.0``) become
    ``"1001"``; blanks are NA."""
    values = raw.frame[column]
    arrow = _arrow_cells(values)
    plain = arrow_text.plain_text(arrow) if arrow is not None else None
    if plain is not None and not (spec.required and plain.null_count):
        return pd.Series(pd.arrays.ArrowStringArray(plain), index=values.index)
    cells = _split_cells(values)
    if len(cells.text) == len(values):
        out = clean_text(cells.text).astype("string")
    else:
        parts = np.full(len(values), None, dtype=object)
        if len(cells.text):
            parts[_positions(cells.text)] = clean_text(cells.text).to_numpy(dtype=object)
        if len(cells.native):
            parts[_positions(cells.native)] = clean_text(
                cells.native.map(_native_text)).to_numpy(dtype=object)
        out = pd.Series(parts, index=values.index, dtype="string")
    if spec.required:
        missing = _first(out.isna())
        if missing is not None:
            raise _fail(raw, column, missing, spec.expected or "a non-empty text", None)
    return out


# A number cell needing more than a plain scan: currency marks, brackets, letters, invisible
# or irregular spaces, a sign followed by a space.
_UNUSUAL_NUMBER = ("[^0-9,.+\\- '’\u00a0\u202f]|^[ \u00a0\u202f]|[ \u00a0\u202f]$"
                   "|[ \u00a0\u202f]{2}|^[+-] ")


def _number_strings(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(strings, negative, marks)``: cells with currency marks, accounting parentheses and
    irregular spaces removed; which were in parentheses; the currency of each mark (or NA)."""
    s = text
    negative = np.zeros(len(s), dtype=bool)
    codes = pd.Series(pd.NA, index=s.index, dtype=object)
    unusual = s.str.contains(_UNUSUAL_NUMBER, regex=True).fillna(False).to_numpy(dtype=bool)
    if unusual.any():
        part = (s[unusual].str.replace(_INVISIBLE, "", regex=True)
                .str.replace(_SPACES, " ", regex=True).str.strip())
        marks = pd.Series(pd.NA, index=part.index, dtype=object)
        bracketed_any = np.zeros(len(part), dtype=bool)
        for _ in range(2):  # "(1 500 €)" and "(1 500) €"
            found = part.str.extract(f"^({_CURRENCY_MARK})|({_CURRENCY_MARK})$")
            marks = marks.where(marks.notna(), found[0].fillna(found[1]).astype(object))
            part = (part.str.replace(_LEADING_MARK, "", regex=True)
                    .str.replace(_TRAILING_MARK, "", regex=True).str.strip())
            bracketed = part.str.match(r"^\(.*\)$").fillna(False).to_numpy(dtype=bool)
            bracketed_any |= bracketed
            part = part.where(~bracketed, part.str.slice(1, -1).str.strip())
        part = part.str.replace(r"^([+-]) ", r"\1", regex=True)
        s = s.copy()
        s[unusual] = part
        negative[unusual] = bracketed_any
        codes[unusual] = marks.map(lambda m: _SYMBOLS.get(m, str(m).upper())
                                   if isinstance(m, str) else m)
    return s, pd.Series(negative, index=s.index), codes


# Which mark a cell shows to be decimal: the last of two different marks; a single mark not
# followed by exactly three digits ("12,5", "1500,50"); "0,500"; a repeated mark being the
# thousands separator ("1.500.000"). "1,500" and "1 500" show nothing.
_SHOWS_DECIMAL = {
    ",": (r"^[+-]?(?:[^.,]*,(?:[0-9]{0,2}|[0-9]{4,})(?:[eE][+-]?[0-9]+)?|0,[0-9]{3}"
          r"|[^,]*\.[^,]*,[^.]*|[^,]*\.[^,]*\.[^,]*)$"),
    ".": (r"^[+-]?(?:[^.,]*\.(?:[0-9]{0,2}|[0-9]{4,})(?:[eE][+-]?[0-9]+)?|0\.[0-9]{3}"
          r"|[^.]*,[^.]*\.[^,]*|[^.]*,[^.]*,[^.]*)$"),
}


def _decimal_evidence(s: pd.Series) -> np.ndarray:
    """Per cell: ``","`` or ``"."`` when the cell shows which mark is decimal, else ``""``."""
    out = np.full(len(s), "", dtype=object)
    if s.str.contains(",", regex=False).any() or s.str.contains(".", regex=False).any():
        for mark in (",", "."):
            out[s.str.match(_SHOWS_DECIMAL[mark]).fillna(False).to_numpy(dtype=bool)] = mark
    return out


def _parse_number_text(raw: RawTable, column: str, spec: ColumnSpec, text: pd.Series
                       ) -> np.ndarray:
    """The numbers of the text cells of a column (see :func:`parse_number`)."""
    s, negative, codes = _number_strings(text)
    raw.marks[column] = codes.dropna()
    evidence = _decimal_evidence(s)
    shown = np.flatnonzero(evidence != "")
    mark = evidence[shown[0]] if len(shown) else raw.decimal_hint
    raw.decimal_marks[column] = mark if len(shown) else ""
    disagree = _first(evidence[shown] != mark)
    if disagree is not None:
        first_row = raw.rows[int(text.index[shown[0]])]
        raise _fail_in(raw, column, text, int(shown[disagree]),
                       f"one decimal mark in the whole column ('{mark}' as in row {first_row})")
    pattern = rf"^[+-]?(?:{_NUMBER_BODY[mark]}|{_EXPONENT[mark]})$"
    bad = _first(~s.str.match(pattern).fillna(False).to_numpy(dtype=bool))
    if bad is not None:
        raise _fail_in(raw, column, text, bad, spec.expected or "a number")
    canonical = s.str.replace(_GROUP_CHARS[mark], "", regex=True)
    if mark == ",":
        canonical = canonical.str.replace(",", ".", regex=False)
    parsed = pc.cast(pa.array(canonical.array), pa.float64()).to_numpy(zero_copy_only=False)
    return np.where(negative.to_numpy(), -parsed, parsed)


def parse_number(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Numbers in either convention: ``1 500,50``, ``1.500,50``, ``1,500.50``, ``1500.5``,
    ``(120)``, ``€ 12``, ``1.5E+03``.

    The decimal mark is decided per column: a cell such as ``12,5`` or ``1.500,50`` shows it;
    when no cell does (``1,500`` alone), ``,`` is decimal in ``;``-separated files and ``.``
    elsewhere. A column whose cells disagree is refused at the first disagreeing row.
    """
    values = raw.frame[column]
    fast = _plain_numbers(values, spec)
    if fast is not None:
        raw.marks[column] = pd.Series(dtype=object)  # no currency mark in plain numbers
        if fast[0].filled:  # as the general parser, which sees text cells
            raw.decimal_marks[column] = fast[1] or ""
        return pd.Series(fast[0].values, index=values.index, dtype="float64")
    cells = _split_cells(values)
    out = np.full(len(values), np.nan)
    expected = spec.expected or "a number"
    native = cells.native
    if len(native):
        if pd.api.types.is_numeric_dtype(native.dtype) and not pd.api.types.is_bool_dtype(
                native.dtype):
            out[_positions(native)] = native.to_numpy(dtype="float64")
        else:
            numeric = native.map(lambda v: isinstance(v, int | float | np.number)
                                 and not isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
            bad = _first(~numeric)
            if bad is not None:
                raise _fail_in(raw, column, native, bad, expected)
            out[_positions(native)] = native.to_numpy(dtype="float64")
    if len(cells.text):
        out[_positions(cells.text)] = _parse_number_text(raw, column, spec, cells.text)
    infinite = _first(np.isinf(out))
    if infinite is not None:
        raise _fail(raw, column, infinite, expected, values.iloc[infinite])
    if spec.required:
        missing = _first(np.isnan(out))
        if missing is not None:
            raise _fail(raw, column, missing, expected, None)
    if spec.minimum is not None:
        below = _first(out < spec.minimum)
        if below is not None:
            raise _fail(raw, column, below, expected, values.iloc[below])
    if spec.maximum is not None:
        above = _first(out > spec.maximum)
        if above is not None:
            raise _fail(raw, column, above, f"at most {spec.maximum:,.0f} on one line",
                        values.iloc[above])
        beyond = _first(np.cumsum(np.abs(np.nan_to_num(out))) > MAX_TOTAL)
        if beyond is not None:
            raise _fail(raw, column, beyond, f"a column total of at most {MAX_TOTAL:,.0f} "
                        "(the running total passes it here)", values.iloc[beyond])
    return pd.Series(out, index=values.index, dtype="float64")


def _plain_numbers(values: pd.Series, spec: ColumnSpec
                   ) -> tuple[arrow_text.Numbers, str | None] | None:
    """The numbers of a column of plain cells (``1500``, ``1500.50`` or ``1500,50`` in every
    cell) that :func:`parse_number` would accept, read by Arrow, and the decimal mark they
    show (None when none does); None otherwise (the general parser then reads the column
    or words its error)."""
    arrow = _arrow_cells(values)
    found = _plain_numbers_array(arrow, spec) if arrow is not None else None
    if found is None:
        return None
    numbers = found[0].values
    finite = numbers[~np.isnan(numbers)]
    if spec.maximum is not None and len(finite) and np.cumsum(finite)[-1] > MAX_TOTAL:
        return None  # the general parser says where the running total passes the limit
    return found


def _plain_numbers_array(arrow: pa.ChunkedArray, spec: ColumnSpec, out: np.ndarray | None = None
                         ) -> tuple[arrow_text.Numbers, str | None] | None:
    """The numbers of plain cells (written into ``out`` when given), with the decimal mark
    they show (None when no cell has one); None when a cell is not plain, or a number is out
    of the column's range."""
    for mark in (".", ","):
        found = arrow_text.plain_numbers(arrow, mark, out)
        if found is not None:
            break
    else:
        return None
    if spec.required and found.filled < len(arrow):
        return None
    if spec.minimum is not None and found.low < spec.minimum:  # NaN compares False
        return None
    if spec.maximum is not None and found.high > spec.maximum:
        return None  # the general parser names the line
    return found, mark if found.marked else None


def _as_timestamps(native: pd.Series) -> pd.Series | int:
    """Native Excel/Parquet dates as ``datetime64[us]``, or the position of a non-date."""
    if pd.api.types.is_datetime64_any_dtype(native.dtype):
        return native.astype("datetime64[us]")
    is_date = native.map(lambda v: isinstance(v, dt.date | np.datetime64)).to_numpy(dtype=bool)
    bad = _first(~is_date)
    if bad is not None:
        return bad
    stamps = native.map(lambda v: pd.Timestamp(v).tz_localize(None)
                        if getattr(v, "tzinfo", None) else pd.Timestamp(v))
    return pd.Series(stamps.to_numpy(dtype="datetime64[us]"), index=native.index)


# Formats read directly when a whole column uses them (the common exports).
_PLAIN_DATES = ((r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$", "%d/%m/%Y"),
                (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "%Y-%m-%d"))


def _parse_date_text(s: pd.Series) -> pd.Series:
    """Dates of text cells (``datetime64[us]``, NaT where a cell is not a date)."""
    s = s.str.strip()
    for pattern, fmt in _PLAIN_DATES:
        if s.str.match(pattern).fillna(False).all():
            return pd.to_datetime(s, format=fmt, errors="coerce").astype("datetime64[us]")
    s = s.str.replace(_OFFSET, r"\1", regex=True)
    s = s.str.replace(_DAY_FIRST, r"\3-\2-\1 ", regex=True)
    s = s.str.replace(_YEAR_FIRST, r"\1-\2-\3 ", regex=True).str.strip()
    s = s.str.replace(r"([0-9]:[0-9]{2}:[0-9]{2}),([0-9])", r"\1.\2", regex=True)
    shaped = s.str.match(_ISO_SHAPE).fillna(False).to_numpy(dtype=bool)
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if shaped.any():
        parsed[shaped] = pd.to_datetime(s[shaped], format="ISO8601", errors="coerce"
                                        ).astype("datetime64[us]")
    return parsed


def _plain_dates(values: pd.Series, spec: ColumnSpec) -> np.ndarray | None:
    """The dates (``datetime64[us]``) of a column of plain cells (``2026-07-01``,
    ``01/07/2026`` or, for a timestamp, ``2026-07-01 10:30:00`` in every cell) that
    :func:`parse_date` would accept, read by Arrow; None otherwise."""
    arrow = _arrow_cells(values)
    return _plain_dates_array(arrow, spec) if arrow is not None else None


def _plain_dates_array(arrow: pa.ChunkedArray, spec: ColumnSpec, out: np.ndarray | None = None
                       ) -> np.ndarray | None:
    """The dates of plain cells (written into ``out`` when given); None when a cell is not
    plain, a required cell is empty or a year is outside the plausible range."""
    return arrow_text.plain_dates(arrow, spec.kind == "timestamp", PLAUSIBLE_YEARS,
                                  spec.required, out)


_MONTH_FIRST = re.compile(r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:[ T]|$)")


def _date_expected(text: str) -> str:
    """What a refused date should have been; says so when it is a month-first date."""
    match = _MONTH_FIRST.match(text)
    if match and 1 <= int(match[1]) <= 12 < int(match[2]) <= 31:
        return (f"{_DATE_EXPECTED} ({match[2]} is not a month: the column is month-first, "
                "as US exports write it; set date_format: mdy for this source in "
                "sources.yaml, or write ISO dates)")
    return _DATE_EXPECTED


def parse_date(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Dates: ISO (``2026-07-01``, with a time and an offset or not), French day-first
    (``01/07/2026``, ``01.07.2026``, ``01-07-2026``, with a time or not), ``2026/07/01``,
    native Excel and Parquet dates.

    An offset (``Z``, ``+02:00``) is dropped: the date and time are kept as written. Dates
    keep their time of day only when the column is a timestamp; otherwise they are cut to the
    day. Two-digit years, month names, impossible days (``31/02/2026``) and day numbers (Excel
    serials such as ``46023``) are refused, and so is a year outside 1990-2100.
    """
    values = raw.frame[column]
    fast = _plain_dates(values, spec)
    if fast is not None:
        result = pd.Series(fast, index=values.index)
        return result if spec.kind == "timestamp" else result.dt.normalize()
    cells = _split_cells(values)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    if len(cells.native):
        stamps = _as_timestamps(cells.native)
        if isinstance(stamps, int):
            raise _fail_in(raw, column, cells.native, stamps, _DATE_EXPECTED)
        out[_positions(cells.native)] = stamps.to_numpy(dtype="datetime64[us]")
    if len(cells.text):
        parsed = _parse_date_text(cells.text)
        bad = _first(parsed.isna())
        if bad is not None:
            raise _fail_in(raw, column, cells.text, bad,
                           _date_expected(str(cells.text.iloc[bad])))
        out[_positions(cells.text)] = parsed.to_numpy(dtype="datetime64[us]")
    years = out.astype("datetime64[Y]").astype("float64") + 1970
    years[np.isnat(out)] = np.nan
    implausible = _first((years < PLAUSIBLE_YEARS[0]) | (years > PLAUSIBLE_YEARS[1]))
    if implausible is not None:
        raise _fail(raw, column, implausible, f"a date between {PLAUSIBLE_YEARS[0]} and "
                    f"{PLAUSIBLE_YEARS[1]}", values.iloc[implausible])
    if spec.required:
        missing = _first(np.isnat(out))
        if missing is not None:
            raise _fail(raw, column, missing, _DATE_EXPECTED, None)
    result = pd.Series(out.astype("datetime64[ns]"), index=values.index)
    return result if spec.kind == "timestamp" else result.dt.normalize()


def _clean_one(text: str) -> str:
    """:func:`clean_text` for one Python string."""
    text = _SPACES_RE.sub(" ", _CONTROLS_RE.sub("", _INVISIBLE_RE.sub("", text))).strip()
    return unicodedata.normalize("NFC", text)


def _word(value: object) -> str | None:
    """A cell as a lower-case word for choice and boolean columns (None when blank)."""
    if _is_blank(value):
        return None
    text = _clean_one(value if isinstance(value, str) else _native_text(value))
    return text.lower() or None


def _map_words(values: pd.Series, convert: object) -> pd.Series:
    """Apply ``convert`` to each distinct cell once (choice columns hold few distinct words)."""
    arrow = _arrow_cells(values)
    if arrow is not None:  # text cells as read: the distinct words from Arrow's dictionary
        words, codes = arrow_text.distinct_cells(arrow)
        converted = np.array([convert(w) for w in words] + [None], dtype=object)
        return pd.Series(converted[codes], index=values.index, dtype=object)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    converted = np.array([convert(u) for u in uniques] + [convert(None)], dtype=object)
    return pd.Series(converted[codes], index=values.index, dtype=object)


def _bool_of(spec: ColumnSpec) -> Callable[[object], object]:
    """The boolean of one cell (None when it is not one); a blank cell takes the default."""

    def as_bool(v: object) -> object:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float | np.number) and not _is_blank(v):
            return bool(v) if v in (0, 1) else None
        word = _word(v)
        if word is None:
            return spec.default
        return True if word in _TRUE else False if word in _FALSE else None

    return as_bool


def _choice_of(spec: ColumnSpec) -> Callable[[object], object]:
    """The allowed word of one cell, synonyms applied (None when it is not allowed)."""
    allowed = set(spec.choices or ())

    def as_choice(v: object) -> object:
        word = _word(v)
        if word is None:
            return spec.default
        word = spec.synonyms.get(word, word)
        return word if word in allowed else None

    return as_choice


def parse_bool(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """Booleans: true/false, yes/no, oui/non, vrai/faux, 1/0, x; blanks take the default."""
    values = raw.frame[column]
    out = _map_words(values, _bool_of(spec))
    bad = _first(out.isna())
    if bad is not None:
        raise _fail(raw, column, bad, "true or false (also yes/no, oui/non, vrai/faux, 1/0)",
                    values.iloc[bad])
    return out.astype(bool)


def parse_choice(raw: RawTable, column: str, spec: ColumnSpec) -> pd.Series:
    """One of a fixed set of words, case-insensitive, with the synonyms the spec lists."""
    values = raw.frame[column]
    out = _map_words(values, _choice_of(spec))
    bad = _first(out.isna())
    if bad is not None:
        raise _fail(raw, column, bad, f"one of {', '.join(spec.choices or ())}",
                    values.iloc[bad])
    return out.astype("string")


_PARSERS = {"text": parse_text, "number": parse_number, "date": parse_date,
            "timestamp": parse_date, "bool": parse_bool, "choice": parse_choice}


def _resolve_excel_cells(raw: RawTable, column: str, spec: ColumnSpec) -> None:
    """Excel cells without a plain value: refuse errors and uncomputed formulas; fill merged
    ranges in text and date columns, refuse them in number columns (a total spread over
    several rows would be counted once per row)."""
    values = raw.frame[column]
    if values.dtype != object:
        return
    special = values.map(lambda v: isinstance(v, _ExcelProblem | _MergedCopy)).astype(bool)
    if not special.any():
        return
    for index in np.flatnonzero(special.to_numpy()):
        value = values.iloc[index]
        if isinstance(value, _ExcelProblem):
            raise _fail(raw, column, int(index), spec.expected or f"a {spec.kind} value", value)
        if spec.kind == "number" and not _is_blank(value.value):
            raise InputError(raw.label, f"cell {value.cell} belongs to the merged range "
                             f"{value.range}; ", column=column, row=int(raw.rows[index]),
                             expected="one amount per row (unmerge the cells)")
    raw.frame[column] = values.map(_unmerged)


def parse_table(raw: RawTable, spec: TableSpec) -> pd.DataFrame:
    """Turn a raw table into its canonical frame (see ``docs/internal-tables.md``)."""
    present = set(raw.frame.columns)
    missing = [c for c in spec.required if c not in present]
    if missing:
        found = ", ".join(_printable(c) for c in raw.frame.columns) or "none"
        raise InputError(raw.label, "missing column; ", column=missing[0],
                         row=raw.header_row or None,
                         expected=f"a header with {', '.join(spec.required)} (found: {found})")
    out = pd.DataFrame(index=raw.frame.index)
    for name, column in spec.columns.items():
        if name in present:
            _resolve_excel_cells(raw, name, column)
            out[name] = _PARSERS[column.kind](raw, name, column)
        else:
            out[name] = _absent(column, len(raw.frame))
    if not all(_all_distinct(out[name]) for name in spec.unique):
        check_table(out, spec, raw.label, raw.rows)  # pandera finds and words the first row
    return out.reset_index(drop=True)


def _all_distinct(values: pd.Series) -> bool:
    """True when no value is missing and none appears twice (the contract's id rule)."""
    if (ARROW_FAST_PATH and isinstance(values.dtype, pd.StringDtype)
            and values.dtype.storage == "pyarrow"):
        return arrow_text.all_distinct(values.array.__arrow_array__())
    return bool(values.notna().all() and values.is_unique)


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


# --------------------------------------------------------------------------- currencies


@dataclass(frozen=True)
class _CurrencySeen:
    code: str
    label: str
    column: str
    row: int
    value: object


def _currency_codes(raw: RawTable) -> list[_CurrencySeen]:
    """The first cell of each currency a parsed table names: its ``currency`` column and the
    marks (``€``, ``USD``...) of its money cells."""
    seen: list[_CurrencySeen] = []
    columns: dict[str, pd.Series] = dict(raw.marks)
    if "currency" in raw.frame.columns:
        text = _split_cells(raw.frame["currency"].map(_unmerged)
                            if raw.frame["currency"].dtype == object
                            else raw.frame["currency"]).text
        codes = clean_text(text).dropna().str.upper()
        columns["currency"] = codes.map(lambda c: _SYMBOLS.get(c, c)).astype(object)
    for column, codes in columns.items():
        for code in pd.unique(codes.to_numpy(dtype=object)):
            position = int(codes.index[int(np.flatnonzero(codes.to_numpy() == code)[0])])
            seen.append(_CurrencySeen(str(code), raw.label, column, int(raw.rows[position]),
                                      raw.frame[column].iloc[position]))
    return seen


def currency_cells(raw: RawTable) -> list[_CurrencySeen]:
    """The first cell of each currency that ``raw`` names (its ``currency`` column, the marks
    of its amounts): a table read in parts gathers those of every part."""
    return _currency_codes(raw)


def single_currency(seen: list[_CurrencySeen], expected: str | None) -> str | None:
    """The audit's currency from the cells of :func:`currency_cells`; refuses a second one,
    pointing at its first cell."""
    return _single_currency(seen, expected)


def _single_currency(seen: list[_CurrencySeen], expected: str | None) -> str | None:
    """The audit's currency; refuses a second one, pointing at its first cell."""
    if not seen:
        return expected.upper() if expected else None
    ordered = sorted(seen, key=lambda s: (s.label, s.row))
    reference = expected.upper() if expected else ordered[0].code
    source = "" if expected else f" as in {ordered[0].label}, row {ordered[0].row}"
    for item in ordered:
        if item.code != reference:
            raise InputError(item.label, "", column=item.column, row=item.row,
                             expected=f"amounts in a single currency ({reference}{source})",
                             got=_printable(item.value))
    return reference


# --------------------------------------------------------------------------- folders


def find_table_file(folder: Path, table: str) -> Path | None:
    """The file holding ``table`` in ``folder`` (name matched case-insensitively), if any."""
    try:
        candidates = [p for p in folder.iterdir() if p.is_file() and p.stem.lower() == table]
        # A folder named after the table holding Parquet files (part-*.parquet, Hive
        # partitions) is the table too.
        candidates += [p for p in folder.iterdir() if p.is_dir() and p.name.lower() == table
                       and parquet_parts(p)]
    except OSError as exc:
        raise InputError(str(folder), f"cannot be listed ({exc.__class__.__name__}: "
                         f"{_printable(exc.strerror or exc)}); ",
                         expected="a folder you may read (check its permissions)") from None
    matches = sorted(p for p in candidates if p.suffix.lower() in SUFFIXES or p.is_dir())
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise InputError(str(folder), f"two files for the table '{table}' ({names}); ",
                         expected="exactly one")
    if not matches:
        unreadable = sorted(p for p in candidates if p.suffix.lower() in UNSUPPORTED_SUFFIXES)
        if unreadable:
            raise InputError(unreadable[0].name, "this format is not read; ",
                             expected=f"{table}.csv, {table}.xlsx or {table}.parquet")
    return matches[0] if matches else None


def load_table(path: str | Path, table: str) -> pd.DataFrame:
    """Read and validate one table file into its canonical frame."""
    spec = TABLES[table]
    return parse_table(read_raw(Path(path), spec), spec)


#: Reads a folder through its ``sources.yaml``: (folder, currency) -> data.
SourcesReader = Callable[[Path, str | None], AuditData]
#: The raw-export reader that :func:`load_folder` hands a ``sources.yaml`` folder to. It is
#: :func:`cac_toolkit.data.sources.load_sources`, which reads the raw files through this
#: module: it plugs itself in (:func:`use_sources_reader`) when :mod:`cac_toolkit.data` is
#: imported, so that this module does not import the one that imports it.
_SOURCES_READERS: list[SourcesReader] = []


def use_sources_reader(reader: SourcesReader) -> None:
    """Make ``reader`` the one :func:`load_folder` uses for a folder with a ``sources.yaml``."""
    _SOURCES_READERS[:] = [reader]


def load_folder(folder: str | Path, currency: str | None = None,
                progress: Callable[[str, int], None] | None = None) -> AuditData:
    """Read every table of an audit folder, check it, and harmonise channel names.

    With a ``sources.yaml`` at its root, the folder's raw exports are read through it
    (:mod:`cac_toolkit.data.sources`); without one, each table is the file named after it.
    The inputs must name at most one currency (``currency`` columns and marks such as ``€``
    or ``USD`` in amounts); ``currency``, when given, must be that one. ``AuditData.currency``
    is the currency found (or ``currency``), None when the files name none. Warnings about
    inputs that could give wrong figures are in ``AuditData.warnings``.
    ``progress``, when given, is called with each file's name and its number of rows once
    it is checked.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(str(root), "", expected="a folder holding spend and deals files")
    if (root / "sources.yaml").is_file():
        return _SOURCES_READERS[0](root, currency)
    with arrow_text.system_memory(), collector_paused():
        return _load_tables(root, currency, progress)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused meanwhile (restored after, if it was on).

    Reading a large table makes thousands of short-lived Arrow and numpy wrappers per chunk,
    and each few hundred of them start a collection; a full one walks every object the
    imports made (pandas, pyarrow: hundreds of thousands), on the thread that holds the GIL
    which the parsing threads wait for. The tables read hold no reference cycles, so nothing
    is kept longer but the rare cycle made meanwhile, collected once the collector resumes.
    The setting is the process's, as :func:`arrow_text.system_memory`'s.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _load_tables(root: Path, currency: str | None,
                 progress: Callable[[str, int], None] | None) -> AuditData:
    """:func:`load_folder` of a folder without ``sources.yaml``."""
    frames: dict[str, pd.DataFrame | None] = {}
    files: dict[str, FileInfo] = {}
    raws: dict[str, RawTable] = {}
    for name, spec in TABLES.items():
        path = find_table_file(root, name)
        if path is None:
            if spec.required_table:
                raise InputError(str(root), f"missing table '{name}'; ",
                                 expected=f"a file {name}.csv, {name}.xlsx or {name}.parquet")
            frames[name] = None
            continue
        streamed = _stream_text_table(path, spec) if ARROW_FAST_PATH else None
        if streamed is None:
            data, digest = read_input(path)
            raw = read_raw(path, spec, data=data)
            frames[name] = parse_table(raw, spec)
            del data
        else:
            frames[name], raw, digest = streamed
        raws[name] = raw
        files[name] = FileInfo(name, path, digest, len(frames[name]))
        if progress is not None:
            progress(path.name, len(frames[name]))  # file name, rows read and checked
    warnings_ = raw_warnings(raws, filtered=set())
    warnings_ += stray_files(root, [info.path for info in files.values()])
    return assemble(frames, raws, files, currency, warnings_)


def raw_warnings(raws: dict[str, RawTable], filtered: set[str]) -> list[DataWarning]:
    """Warnings read from the raw cells: a deals stage column holding other values than won
    (unless its table was filtered), money headers or title lines in thousands."""
    out: list[DataWarning] = []
    for name, raw in raws.items():
        if name == "deals" and name not in filtered:
            found = stage_warning(raw.frame, raw.label, raw.rows)
            if found is not None:
                out.append(found)
        money = [c for c, s in TABLES[name].columns.items() if s.kind == "number"]
        present = set(raw.frame.columns) | set(raw.parsed)
        for column in money:
            header = raw.headers.get(column, "")
            if column in present and says_thousands(header):
                out.append(thousands_warning(raw.label, column, header))
        for line in raw.preamble:
            if says_thousands(line) and any(c in present for c in money):
                out.append(thousands_warning(raw.label, money[0], line.strip()[:60]))
                break
    return out


def assemble(frames: dict[str, pd.DataFrame | None], raws: dict[str, RawTable | list[RawTable]],
             files: dict[str, FileInfo], currency: str | None,
             warnings_: list[DataWarning]) -> AuditData:
    """The :class:`AuditData` of parsed tables: one currency, channel spellings merged,
    pooled spend named ``shared``."""
    seen: list[_CurrencySeen] = []
    for name, raw in raws.items():
        for one in raw if isinstance(raw, list) else [raw]:
            seen += _currency_codes(one)
        if not isinstance(raw, list):  # several sources: each checked before they are joined
            refuse_reserved_channel(frames[name], name, raw)
    found = _single_currency(seen, currency)
    present = [name for name in frames if frames[name] is not None]
    harmonised = harmonise_channels([frames[name] for name in present])
    for name, frame in zip(present, harmonised, strict=True):
        frames[name] = frame
    spend = frames["spend"]
    spend["channel"] = spend["channel"].fillna("shared")
    spend.loc[_folds_to(spend["channel"], "shared"), "channel"] = "shared"
    revenue = frames["revenue"]
    if revenue is not None:  # a date stands for its calendar month: kept as the month's 1st
        revenue["month"] = month_starts(revenue["month"])
    return AuditData(spend=spend, deals=frames["deals"], leads=frames["leads"],
                     touchpoints=frames["touchpoints"], revenue=revenue, files=files,
                     currency=found, warnings=warnings_)


def month_starts(values: pd.Series) -> pd.Series:
    """The first day of each date's calendar month, as
    ``values.dt.to_period("M").dt.to_timestamp()`` gives it (same dtype, NaT kept), computed
    by numpy's cast to months for a plain ``datetime64`` column (pandas' periods take about
    a tenth of a second per million rows)."""
    kind = values.dtype
    if not (isinstance(kind, np.dtype) and kind.kind == "M"):
        return values.dt.to_period("M").dt.to_timestamp()
    target = values.iloc[:0].dt.to_period("M").dt.to_timestamp().dtype
    months = _month_starts_of(values.to_numpy(), np.dtype(target))
    return pd.Series(months, index=values.index, name=values.name, copy=False)


def _month_starts_of(stamps: np.ndarray, target: np.dtype) -> np.ndarray:
    """``stamps.astype("datetime64[M]").astype(target)`` (NaT kept). numpy's cast to months
    goes through the calendar for each value (about 50 ms per million); the days a column
    spans are usually few (a revenue table's months: some hundreds of days for millions of
    rows), so each day of the span is cast once and the values look theirs up (floor
    division to days, then a gather)."""
    unit, count = np.datetime_data(stamps.dtype)
    missing = np.isnat(stamps)
    present = stamps[~missing].view(np.int64) if missing.any() else stamps.view(np.int64)
    if unit not in ("s", "ms", "us", "ns") or count != 1 or not len(present):
        return stamps.astype("datetime64[M]").astype(target)
    per_day = int(np.timedelta64(1, "D") // np.timedelta64(1, unit))
    low, high = int(present.min()) // per_day, int(present.max()) // per_day
    if high - low >= len(stamps):  # days spread wider than the rows: the cast itself
        return stamps.astype("datetime64[M]").astype(target)
    table = np.arange(low, high + 1).astype("datetime64[D]").astype("datetime64[M]").astype(
        target)
    days = np.floor_divide(stamps.view(np.int64), per_day)
    days -= low
    if missing.any():
        days[missing] = 0
        months = table[days]
        months[missing] = np.datetime64("NaT")
        return months
    return table[days]


def _folds_to(values: pd.Series, word: str) -> np.ndarray:
    """Per cell: True when its case-folded text is ``word`` (False for a missing or
    non-text cell), as ``(values.str.casefold() == word).fillna(False)``; each distinct
    cell is case-folded once, not each row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hits = np.array([isinstance(u, str) and u.casefold() == word for u in uniques] + [False],
                    dtype=bool)
    return hits[codes]  # the sentinel -1 picks the last entry: False


def refuse_reserved_channel(frame: pd.DataFrame, table: str, raw: RawTable) -> None:
    """``shared`` names pooled costs; an acquiring channel cannot be called that."""
    if table != "deals":
        return
    bad = _first(_folds_to(frame["channel"], "shared"))
    if bad is not None:
        raise _fail(raw, "channel", bad, "the channel that brought the deal ('shared' is "
                    "reserved for pooled costs in spend)", raw.frame["channel"].iloc[bad])


def _spelling_counts(columns: list[pd.Series]) -> pd.Series:
    """How many times each channel spelling appears in ``columns`` (missing values left
    out), counted by Arrow on Arrow strings (two columns at a time: Arrow's kernel releases
    the GIL) and by pandas on other columns."""
    arrow = [i for i, column in enumerate(columns)
             if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cac-toolkit-count") as pool:
        found = dict(zip(arrow, pool.map(lambda i: pc.value_counts(
            columns[i].array.__arrow_array__()), arrow), strict=True))
    counts: dict[str, int] = {}
    for i, column in enumerate(columns):
        if i in found:
            pairs = zip(found[i].field("values").to_pylist(),
                        found[i].field("counts").to_pylist(), strict=True)
        else:
            pairs = column.dropna().astype(object).value_counts().items()
        for spelling, n in pairs:
            if spelling is not None:
                counts[spelling] = counts.get(spelling, 0) + int(n)
    return pd.Series(counts, dtype="int64")


def channel_key(name: str) -> str:
    """The key under which channel spellings merge: case-folded cleaned text."""
    return name.casefold()


def harmonise_channels(frames: Iterable[pd.DataFrame]) -> list[pd.DataFrame]:
    """Merge channel spellings that differ only by case, across all tables.

    Names arrive cleaned (spaces collapsed and trimmed, Unicode NFC, invisible characters
    dropped), so ``SEO``, ``seo `` and ``Seo`` differ only by case and become one channel.
    The display name is the most frequent spelling (ties: the first in sorted order).
    ``Événements`` and ``Evenements`` stay two channels: an accent may carry meaning.
    """
    frames = [f.copy(deep=False) for f in frames]
    mapping = channel_mapping(_spelling_counts([f["channel"] for f in frames
                                                if "channel" in f]))
    if mapping is None:
        return frames  # nothing to merge
    for frame in frames:
        if "channel" in frame:
            frame["channel"] = frame["channel"].map(mapping).astype("string")
    return frames


def channel_mapping(counts: pd.Series) -> dict[str, str] | None:
    """Each channel spelling's display name, from ``counts`` (rows per spelling, every table
    together), as :func:`harmonise_channels` merges them; None when nothing merges."""
    if counts.empty:
        return None
    table = pd.DataFrame({"spelling": [str(s) for s in counts.index], "n": counts.to_numpy()})
    table["key"] = table["spelling"].map(channel_key)
    table = table.sort_values(["key", "n", "spelling"], ascending=[True, False, True])
    display = table.drop_duplicates("key").set_index("key")["spelling"]
    mapping = dict(zip(table["spelling"], table["key"].map(display), strict=True))
    if all(spelling == name for spelling, name in mapping.items()):
        return None
    return mapping
