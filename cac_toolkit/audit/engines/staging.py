"""Out of core: a large folder checked in parts into Parquet, whose rows an engine selects.

The strict loader holds a whole table in memory while it checks it. For a folder larger than
memory, :func:`stage_folder` reads each text file in parts of about :data:`CHUNK_BYTES`
(cut at a line end outside quotes), checks each part with the loader's own functions
(:func:`~cac_toolkit.data.loading.read_raw` on the header and the part's lines, then
:func:`~cac_toolkit.data.loading.parse_table`, with the rows numbered as in the whole file),
and writes the checked rows as Parquet files ``<table>/part-NNNNN.parquet`` with their
position ``__row`` in the table. Only one part is in memory at a time. Excel and Parquet
files, and small text files, are read whole, as by the loader.

What spans the parts is checked across them, so that the tables are those the loader would
give: one decimal mark per number column, the column totals, ids that appear once, one
currency, the channel spellings merged over every table (:func:`~cac_toolkit.data.loading.
channel_mapping` on the counts of all parts). A file that cannot be read in parts exactly as
it is read whole (not UTF-8, a stage column in ``deals``, a header that is not the same in
every part, parts that disagree on a decimal mark) is read whole. Whenever the folder is
refused, it is read again by :func:`~cac_toolkit.data.loading.load_folder`, whose one-line
error is raised: the same message as with the pandas engine, at the price of the loader's
memory on that path only.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from cac_toolkit.core.errors import InputError
from cac_toolkit.data.contract import MAX_TOTAL, TABLES, TableSpec
from cac_toolkit.data.loading import (
    HEADER_SEARCH_ROWS,
    FileInfo,
    RawTable,
    channel_mapping,
    currency_cells,
    find_table_file,
    load_folder,
    parquet_parts,
    parquet_raw,
    parse_table,
    raw_warnings,
    read_input,
    read_raw,
    refuse_reserved_channel,
    sha256_of,
    single_currency,
)
from cac_toolkit.data.signals import STAGE_COLUMNS, DataWarning, stray_files

#: Bytes of text read and checked at a time (the memory of a part is a few times this).
CHUNK_BYTES = 32 << 20
#: The first part holds at least this many bytes, so that the header is searched in the
#: same first lines as in the whole file.
FIRST_PART_BYTES = 1 << 18
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
#: DuckDB's memory for the check that ids appear once (it spills to disk beyond it).
CHECK_MEMORY = "512MB"
ROW = "__row"


class _Whole(Exception):  # noqa: N818 - a signal, not an error
    """The file cannot be read in parts exactly as the loader reads it whole."""


@dataclass
class StagedTable:
    """One table checked into Parquet parts, and what spans its parts."""

    name: str
    path: Path  # the input file
    folder: Path  # its Parquet parts
    rows: int = 0
    parts: int = 0
    sha256: str = ""
    channels: dict[str, int] = field(default_factory=dict)  # rows per channel spelling
    currencies: list[object] = field(default_factory=list)
    marks: dict[str, list[str]] = field(default_factory=dict)  # decimal mark per part
    totals: dict[str, float] = field(default_factory=dict)  # sum of |amounts| per column
    warnings: list[DataWarning] = field(default_factory=list)

    def add(self, raw: RawTable, frame: pd.DataFrame) -> None:
        """Keep one checked part: write its rows, gather what spans the parts."""
        refuse_reserved_channel(frame, self.name, raw)
        if "channel" in frame:
            for spelling, count in frame["channel"].dropna().astype(object).value_counts(
                    ).items():
                self.channels[str(spelling)] = self.channels.get(str(spelling), 0) + int(count)
        self.currencies += currency_cells(raw)
        for column, mark in raw.decimal_marks.items():
            self.marks.setdefault(column, []).append(mark)
        for column, spec in TABLES[self.name].columns.items():
            if spec.kind == "number" and spec.maximum is not None:
                total = float(np.nansum(np.abs(frame[column].to_numpy(dtype="float64"))))
                self.totals[column] = self.totals.get(column, 0.0) + total
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.append_column(ROW, pa.array(
            np.arange(self.rows, self.rows + len(frame), dtype=np.int64)))
        pq.write_table(table, self.folder / f"part-{self.parts:05d}.parquet")
        self.rows += len(frame)
        self.parts += 1

    def glob(self) -> str:
        """The parts, as a pattern DuckDB reads."""
        return str(self.folder / "part-*.parquet")


@dataclass
class StagedFolder:
    """A folder's tables checked into Parquet parts under ``root``, and the rest of its
    :class:`~cac_toolkit.data.loading.AuditData` (files, currency, warnings)."""

    root: Path
    tables: dict[str, StagedTable]
    files: dict[str, FileInfo]
    currency: str | None
    warnings: list[DataWarning]
    channels: dict[str, str] | None  # spelling -> channel, None when nothing merges

    def close(self) -> None:
        """Remove the Parquet parts."""
        shutil.rmtree(self.root, ignore_errors=True)


def _cut(data: bytes, first: bool) -> int | None:
    """Where a part of ``data`` may end: after its last line end outside quotes (a quote
    count that is even before it); the first part holds the header search's lines."""
    end = data.rfind(b"\n")
    quotes = data.count(b'"')
    while end >= 0:
        if not quotes or (quotes - data.count(b'"', end)) % 2 == 0:
            if first and data.count(b"\n", 0, end + 1) <= HEADER_SEARCH_ROWS:
                return None
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return None


def _blocks(path: Path, size: int, digest: hashlib._Hash) -> Iterator[bytes]:
    """The file's bytes in parts of about ``size`` bytes (see :func:`_cut`), hashed."""
    with path.open("rb") as handle:
        carry, first = b"", True
        while True:
            block = handle.read(max(size, FIRST_PART_BYTES) if first else size)
            digest.update(block)
            if not block:
                if carry:
                    yield carry
                return
            data = carry + block
            cut = _cut(data, first)
            if cut is None:
                carry = data
                continue
            yield data[:cut]
            carry, first = data[cut:], False


def _header_bytes(block: bytes, header_row: int) -> bytes:
    """The bytes of the lines up to the header (title lines included), put before each part."""
    end = -1
    for _ in range(header_row):
        end = block.find(b"\n", end + 1)
        if end < 0:
            raise _Whole
    prefix = block[:end + 1]
    if b'"' in prefix or prefix.count(b"\r") != prefix.count(b"\r\n"):
        raise _Whole  # a quoted title or header, or old Mac line ends: read it whole
    return prefix


def _same_header(raw: RawTable, first: RawTable) -> bool:
    return (raw.header_row, raw.headers, raw.decimal_hint, list(raw.frame.columns)) == (
        first.header_row, first.headers, first.decimal_hint, list(first.frame.columns))


def _stage_in_parts(table: StagedTable, spec: TableSpec, chunk_bytes: int) -> None:
    """Read and check a text file part by part (raises :class:`_Whole` when that would not
    give the loader's table)."""
    digest = hashlib.sha256()
    prefix, first, offset = b"", None, 0
    for block in _blocks(table.path, chunk_bytes, digest):
        if b"\x00" in block or block.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise _Whole
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            raise _Whole from None  # another encoding: decided over the whole file
        raw = read_raw(table.path, spec, data=prefix + block)
        if first is None:
            if table.name == "deals" and any(str(c).strip().lower() in STAGE_COLUMNS
                                             for c in raw.frame.columns):
                raise _Whole  # the stage warning counts the whole column
            prefix, first = _header_bytes(block, raw.header_row), raw
            table.warnings = raw_warnings({table.name: raw}, filtered=set())
        else:
            if not _same_header(raw, first):
                raise _Whole
            raw.rows = raw.rows + offset
        offset += raw.records
        table.add(raw, parse_table(raw, spec))
    _check_across_parts(table, spec, first.decimal_hint if first else ",")
    table.sha256 = digest.hexdigest()


def _stage_parquet_in_parts(table: StagedTable, spec: TableSpec, chunk_bytes: int) -> None:
    """Read and check a Parquet file or folder batch by batch (records numbered on)."""
    dataset = pads.dataset(table.path, format="parquet", partitioning="hive",
                           ignore_prefixes=[".", "_"])
    rows = max(1, dataset.count_rows())
    size = sum(p.stat().st_size for p in ([table.path] if table.path.is_file()
                                          else parquet_parts(table.path)))
    batch = max(1024, int(rows * chunk_bytes / max(size, 1)))
    first = None
    for part in dataset.to_batches(batch_size=batch):
        raw = parquet_raw(part.to_pandas(), table.path.name, table.rows + 1)
        if first is None:
            first = raw
        elif list(raw.frame.columns) != list(first.frame.columns):
            raise _Whole
        table.add(raw, parse_table(raw, spec))
    _check_across_parts(table, spec, first.decimal_hint if first else ".")
    table.sha256 = sha256_of(table.path)


def _check_across_parts(table: StagedTable, spec: TableSpec, hint: str) -> None:
    """What the whole table decides, checked over the parts (raises :class:`_Whole`)."""
    for marks in table.marks.values():
        shown = [m for m in marks if m]
        if any(m != shown[0] for m in shown) or (shown and "" in marks and shown[0] != hint):
            raise _Whole  # the whole column decides (or refuses) its decimal mark
    if any(total > MAX_TOTAL for total in table.totals.values()):
        raise _Whole
    if table.parts > 1:
        for column in spec.unique:
            if _has_duplicates(table, column):
                raise _Whole  # the loader names the first repeated id


def _has_duplicates(table: StagedTable, column: str) -> bool:
    """Whether a value of ``column`` appears twice in the parts of ``table``. DuckDB's
    hash of the ids (tens of millions of strings at 1000x the sample company) is held to
    :data:`CHECK_MEMORY` and spills into a folder beside the parts beyond it."""
    spill = table.folder.with_name(table.folder.name + ".spill")
    release_memory()  # what the last part used, before DuckDB takes its share
    try:
        with duckdb.connect(":memory:") as connection:
            connection.execute("SET enable_progress_bar = false")  # stdout holds JSON
            connection.execute(f"SET memory_limit = {_quoted(CHECK_MEMORY)}")
            connection.execute(f"SET temp_directory = {_quoted(str(spill))}")
            duplicates = connection.execute(
                f"SELECT count(*) - count(DISTINCT {column}) FROM "
                f"read_parquet({_quoted(table.glob())})").fetchone()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    release_memory()  # DuckDB's hash table, before the next table's parts
    return bool(duplicates and duplicates[0])


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_table(path: Path, name: str, folder: Path, chunk_bytes: int | None = None
                ) -> StagedTable:
    """The table ``name`` of the file ``path`` checked into Parquet parts in ``folder``, in
    parts of ``chunk_bytes`` (:data:`CHUNK_BYTES` by default)."""
    spec = TABLES[name]
    chunk_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    parquet = path.is_dir() or path.suffix.lower() == ".parquet"
    size = (sum(p.stat().st_size for p in parquet_parts(path)) if path.is_dir()
            else path.stat().st_size)
    if (parquet or path.suffix.lower() in TEXT_SUFFIXES) and size > chunk_bytes:
        table = StagedTable(name, path, folder)
        folder.mkdir(parents=True)
        try:
            (_stage_parquet_in_parts if parquet else _stage_in_parts)(table, spec, chunk_bytes)
            return table
        except _Whole:
            shutil.rmtree(folder)
    table = StagedTable(name, path, folder)
    folder.mkdir(parents=True)
    data, table.sha256 = read_input(path)
    raw = read_raw(path, spec, data=data)
    del data
    table.add(raw, parse_table(raw, spec))
    table.warnings = raw_warnings({name: raw}, filtered=set())
    return table


def stage_folder(folder: str | Path, work: Path, currency: str | None = None,
                 progress: Callable[[str, int], None] | None = None,
                 chunk_bytes: int | None = None) -> StagedFolder:
    """Every table of ``folder`` (one without ``sources.yaml``) checked into ``work``.

    Same checks, rows, warnings, currency and one-line errors as
    :func:`~cac_toolkit.data.loading.load_folder` (``progress`` is called in the same way);
    only the tables stay on disk, as Parquet parts.
    """
    root = Path(folder)
    tables: dict[str, StagedTable] = {}
    try:
        if not root.is_dir() or (root / "sources.yaml").is_file():
            raise ValueError(f"{root} is not a folder of table files")
        for name, spec in TABLES.items():
            path = find_table_file(root, name)
            if path is None:
                if spec.required_table:
                    load_folder(root, currency)  # raises the loader's message
                continue
            tables[name] = stage_table(path, name, work / name, chunk_bytes)
            if progress is not None:
                progress(path.name, tables[name].rows)
        found = single_currency([c for t in tables.values() for c in t.currencies], currency)
    except InputError as exc:
        shutil.rmtree(work, ignore_errors=True)
        load_folder(root, currency)  # the loader's own error, on the whole folder
        raise exc from None  # pragma: no cover - the loader refuses what a part refused
    counts: dict[str, int] = {}
    for table in tables.values():
        for spelling, count in table.channels.items():
            counts[spelling] = counts.get(spelling, 0) + count
    warnings = [w for t in tables.values() for w in t.warnings]
    warnings += stray_files(root, [t.path for t in tables.values()])
    files = {name: FileInfo(name, t.path, t.sha256, t.rows) for name, t in tables.items()}
    return StagedFolder(work, tables, files, found, warnings,
                        channel_mapping(pd.Series(counts, dtype="int64")))


def release_memory() -> None:
    """Hand the memory freed by the parts back to the system (glibc keeps freed heap memory
    for reuse; a no-op elsewhere), so that the figures start from a small process."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _read_where(chunk: pa.Table, where: dict[str, str]) -> pa.Table:
    """``chunk`` with each column of ``where`` emptied on the rows where the column it names
    is not set (see :data:`cac_toolkit.audit.engines.plan.READ_WHERE`)."""
    for column, other in where.items():
        if column in chunk.column_names and other in chunk.column_names:
            kept = pc.if_else(pc.is_valid(chunk[other]), chunk[column],
                              pa.scalar(None, chunk.schema.field(column).type))
            chunk = chunk.set_column(chunk.column_names.index(column), column, kept)
    return chunk


def fetch_rows(table: StagedTable, positions: np.ndarray | None,
               unread: tuple[str, ...] = (), where: dict[str, str] | None = None
               ) -> pd.DataFrame:
    """The rows of ``table`` at ``positions`` (sorted; None: every row) as the loader's
    frame, indexed by their position, one part at a time; the ``unread`` columns are left
    empty (typed as the loader types them), so that they take no memory, and so are the
    columns of ``where`` on the rows where the column each names is not set."""
    parts = sorted(table.folder.glob("part-*.parquet"))
    empty = pq.read_schema(parts[0]).empty_table().to_pandas()
    columns = [c for c in empty.columns if c not in unread]
    pieces, start = [], 0
    for part in parts:
        chunk = pq.read_table(part, columns=columns)
        stop = start + chunk.num_rows
        if positions is None:
            pieces.append(chunk)
        else:
            lo, hi = np.searchsorted(positions, [start, stop])
            if hi > lo:
                pieces.append(_read_where(chunk.take(pa.array(positions[lo:hi] - start)),
                                          where or {}))
        start = stop
        del chunk
    joined = pa.concat_tables(pieces) if pieces else pq.read_schema(parts[0]).empty_table(
        ).select(columns)
    del pieces
    frame = joined.to_pandas(self_destruct=True, split_blocks=True)
    del joined
    release_memory()
    index = frame.pop(ROW).to_numpy(dtype=np.int64)
    frame.index = pd.RangeIndex(len(frame)) if positions is None else pd.Index(index)
    for column in unread:
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype=empty[column].dtype)
    return frame[[c for c in empty.columns if c != ROW]]
