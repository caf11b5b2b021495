"""Delimited text read and checked with Arrow: the fast path of the strict loader.

:mod:`cac_toolkit.data.loading` reads a text table in two ways that give the same cells and the
same figures. The reference decodes the file into Python strings, splits it with pandas' C
parser (or Python's ``csv`` module) and parses each column with the general rules of
``docs/data-format.md``. This module splits the file's UTF-8 bytes into cells with
``pyarrow.csv`` (no Python string is made) and reads the cells of the common plain shapes
(``1500.50``, ``1500,50``; ``2026-07-01``, ``01/07/2026``, ``2026-07-01 10:30:00``; printable
ASCII text without stray spaces) with numpy and Arrow's C++ kernels on Arrow's buffers:
fixed-width dates checked by their separators and read by Arrow's ISO 8601 parser (ISO date
columns of a large file by its CSV reader itself), amounts checked on their bytes and read by
Arrow's cast, text by its bytes, ids compared as fixed-width bytes.

Every function here answers ``None`` (or False) when it cannot vouch for the reference's
answer: a row Arrow would split differently (a quote left open, a row longer or shorter
than the header), a cell spanning lines, bytes that are not UTF-8, a cell of another shape,
an impossible day. The loader then runs the reference code, which either reads the value or
words the row-precise error, so each message stays the same byte for byte.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

#: Bytes of text Arrow splits into cells per block (blocks of a chunk go to its threads).
BLOCK_BYTES = 1 << 20
#: Whether Arrow splits the blocks of a chunk on several threads.
USE_THREADS = True

# Money cells read directly: digits, at most one mark followed by one or two decimals (a
# mark followed by three digits may group thousands: the reference decides), no sign.
_NUMBER_DIGITS = 13  # digits before the mark, at most
_NUMBER_DECIMALS = 2  # digits after it, at most


class Numbers(NamedTuple):
    """The numbers of a column of plain money cells."""

    values: np.ndarray  # float64, NaN for an empty cell
    filled: int  # cells holding a number
    marked: bool  # whether a cell shows the decimal mark
    low: float  # the smallest and largest number (NaN when no cell holds one)
    high: float
    total: float  # their sum (0 when none)


def _layout(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(offsets, data)`` of a string array: ``data[offsets[i] - offsets[0]:offsets[i + 1] -
    offsets[0]]`` is cell ``i`` (no copy)."""
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=kind)[array.offset:array.offset + len(array) + 1]
    if buffers[2] is None or len(offsets) == 0:
        return offsets, np.zeros(0, dtype=np.uint8)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return offsets, data


def _nulls_where_empty(array: pa.Array, offsets: np.ndarray) -> pa.Array:
    """The array with its empty cells made missing (no copy of the text)."""
    filled = np.diff(offsets) != 0
    if filled.all():
        return array
    if array.offset:  # the bitmap counts from the start of the buffers
        filled = np.concatenate([np.ones(array.offset, dtype=bool), filled])
    validity = pa.py_buffer(np.packbits(filled, bitorder="little"))
    buffers = array.buffers()
    return pa.Array.from_buffers(array.type, len(array), [validity, buffers[1], buffers[2]],
                                 offset=array.offset)


def _plain_text_chunk(array: pa.Array) -> pa.Array | None:
    offsets, _ = _layout(array)
    return _nulls_where_empty(array, offsets) if _is_plain_chunk(array) else None


def _is_plain_chunk(array: pa.Array) -> bool:
    """True when every cell is printable ASCII without a leading, trailing or doubled
    space (text the reference's cleaning leaves as it is)."""
    offsets, data = _layout(array)
    if len(data) and (data.min() < 0x20 or data.max() > 0x7E):
        return False
    spaces = data == 0x20
    if spaces.any():
        if (spaces[1:] & spaces[:-1]).any():
            return False
        lengths = np.diff(offsets)
        starts = offsets[:-1][lengths != 0] - offsets[0]
        ends = offsets[1:][lengths != 0] - offsets[0] - 1
        if spaces[starts].any() or spaces[ends].any():
            return False
    return True


# Fixed-width date shapes: (width, separators {position: allowed bytes}, and the byte order
# that rewrites the shape as ISO 8601, None when Arrow's ISO parser reads it as written).
_DATE_SHAPES: dict[str, tuple[int, dict[int, bytes], list[int] | None]] = {
    "iso": (10, {4: b"-", 7: b"-"}, None),
    "french": (10, {2: b"/", 5: b"/"}, [6, 7, 8, 9, 2, 3, 4, 5, 0, 1]),
    "iso_minutes": (16, {4: b"-", 7: b"-", 10: b" T", 13: b":"}, None),
    "iso_seconds": (19, {4: b"-", 7: b"-", 10: b" T", 13: b":", 16: b":"}, None),
}
_NANOSECONDS = 10**9
_NAT = np.iinfo(np.int64).min  # NaT's integer


@functools.lru_cache(maxsize=8)
def _second_bounds(years: tuple[int, int]) -> tuple[int, int]:
    """Seconds from 1970-01-01 to the first of January of ``years`` and to the first of
    January after the last (within the years nanoseconds count)."""
    def start(year: int) -> int:
        return int(np.datetime64(f"{year:04d}-01-01", "s").astype(np.int64))

    return start(max(years[0], 1678)), start(min(years[1], 2261) + 1)


def _separated(cells: np.ndarray, separators: dict[int, bytes]) -> bool:
    """True when every fixed-width cell has one of the allowed bytes at each position."""
    for position, allowed in separators.items():
        column = cells[:, position]
        found = column == allowed[0]
        for other in allowed[1:]:
            found |= column == other
        if not found.all():
            return False
    return True


def _iso_strings(cells: np.ndarray, order: list[int]) -> pa.Array:
    """Fixed-width cells rewritten as ISO dates (``order``: the bytes of year, month and day
    of each cell; the separators become ``-``), as one Arrow string array."""
    iso = np.ascontiguousarray(cells[:, order])  # advanced indexing may give F order
    iso[:, 4] = iso[:, 7] = ord("-")
    width = iso.shape[1]
    offsets = np.arange(0, width * len(iso) + 1, width, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), len(iso),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(iso)])


def _int64_values(array: pa.Array) -> np.ndarray:
    """The 64-bit values of a primitive array (no copy; a missing value's slot is unset)."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:
                                                             array.offset + len(array)]


def _plain_dates_chunk(array: pa.Array, with_time: bool, bounds: tuple[int, int],
                       required: bool, out: np.ndarray) -> bool:
    """Write the nanoseconds (NaT for an empty cell) of one chunk of fixed-width date cells
    into ``out`` (int64, one slot per cell); False when a cell has another shape, is not a
    real day and time, is empty though ``required``, or falls outside ``bounds`` (seconds
    since 1970, the upper one excluded).

    The shape's separators are checked here; Arrow's ISO 8601 parser (a C++ cast to
    seconds) then checks the digits, the day of the month and the clock.
    """
    offsets, data = _layout(array)
    lengths = np.diff(offsets)
    filled = lengths != 0
    count = int(np.count_nonzero(filled))
    if count < len(array) and required:
        return False
    if count == 0:
        out[:] = _NAT
        return True
    width = int(lengths[int(np.argmax(filled))])
    if count < len(array):
        if not ((lengths == width) | ~filled).all():
            return False
    elif not (lengths == width).all():
        return False
    cells = data.reshape(-1, width)
    names = ["iso", "french"] + (["iso_minutes", "iso_seconds"] if with_time else [])
    for name in names:
        shape_width, separators, order = _DATE_SHAPES[name]
        if shape_width == width and _separated(cells, separators):
            break
    else:
        return False  # another shape
    # ISO cells are cast where they are (empty ones as missing); others are rewritten first
    strings = (_nulls_where_empty(array, offsets) if order is None
               else _iso_strings(cells, order))
    try:
        seconds = pc.cast(strings, pa.timestamp("s"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False  # a digit that is not one, an impossible day or time
    low, high = pc.min_max(seconds).values()
    if low.value < bounds[0] or high.value >= bounds[1]:
        return False
    values = _int64_values(seconds)
    if order is None:
        np.multiply(values, _NANOSECONDS, out=out)
        if count < len(array):
            np.putmask(out, ~filled, _NAT)
    elif count < len(array):
        out[:] = _NAT
        out[filled] = values * _NANOSECONDS
    else:
        np.multiply(values, _NANOSECONDS, out=out)
    return True


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, None on other C libraries."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def trim_heap() -> None:
    """Give the heap's free memory back to the system (glibc; nothing elsewhere).

    Parsing a chunk frees most of what it allocates, in pieces the C library keeps (in the
    heap of each thread). The streamed reader keeps none of a chunk's arrays, so that those
    pieces serve the next chunk, and trims the heaps after each file and every few chunks:
    not after every chunk, as the pages given back are faulted in again by the next one
    (trimming after every chunk cost about a second of CPU at 100 times the sample company).
    """
    if _TRIM is not None:
        _TRIM(0)


@contextlib.contextmanager
def system_memory() -> Iterator[None]:
    """Arrow's arrays made meanwhile come from the system allocator (restored after).

    Reading a large table allocates and frees many batches of cells; Arrow's default pool
    (mimalloc) keeps freed memory for itself, where numpy and the next tables cannot use it,
    and the peak memory of loading a large folder was about a sixth higher with it. The
    setting is the process's: the loader is not meant to run beside other Arrow work in
    other threads.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def read_records(data: bytes | bytearray, start: int, sep: str, width: int,
                 large: set[int] | None = None, end: int | None = None,
                 days: frozenset[int] = frozenset()) -> pa.Table | None:
    """The records of ``data[start:end]`` (UTF-8 text, the header record first) as strings,
    one column ``f0``, ``f1``... per header cell; ``None`` when Arrow could read them
    differently from the reference reader.

    ``days``: positions read as ISO dates (``date32``, empty cells missing) by Arrow's CSV
    reader itself, on its threads, instead of as text; a chunk holding another writing of a
    date (or a header) there is refused (``None``), and the caller reads it as text.

    Blank lines stay records of empty cells, as in the reference, so that a record's index is
    its row number. Refused (``None``): bytes that are not UTF-8, a record with more or fewer
    cells than ``width``, a cell holding a line break (a quoted cell spanning lines, or a
    quote left open), and a last line with an odd number of quotes (a quote opened at the end
    of the file, which Arrow would close silently).
    """
    end = len(data) if end is None else end
    body = pa.py_buffer(data)[start:end]  # no copy
    quoted = data.find(b'"', start, end) >= 0
    if quoted and odd_last_line(bytes(data[max(start, end - 4096):end])):
        return None
    read, parse, convert = _options(sep, width, quoted,
                                    set(range(width)) if large is None else large, days)
    try:
        table = pcsv.read_csv(pa.BufferReader(body), read_options=read,
                              parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    if quoted:
        for column in table.columns:
            if is_text(column) and pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
                return None
    return table


def is_text(column: pa.ChunkedArray | pa.Array) -> bool:
    """True for a column of text cells (not one Arrow's reader already read as dates)."""
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def _options(sep: str, width: int, newlines: bool, large: set[int] | None = None,
             days: frozenset[int] = frozenset()
             ) -> tuple[pcsv.ReadOptions, pcsv.ParseOptions, pcsv.ConvertOptions]:
    """Arrow's options: every cell a string (``large``: the positions read as
    ``large_string``, the type of pandas' Arrow strings, so that they need no copy), but
    the ``days`` positions, read as ISO dates (an empty cell missing; Arrow's date parser
    takes exactly ``YYYY-MM-DD`` with a real day, spaces and tabs around it trimmed)."""
    names = [f"f{i}" for i in range(width)]
    types = {n: pa.date32() if i in days else pa.large_string() if i in (large or ())
             else pa.string() for i, n in enumerate(names)}
    return (pcsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES, use_threads=USE_THREADS),
            pcsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                              escape_char=False, newlines_in_values=newlines,
                              ignore_empty_lines=False),
            pcsv.ConvertOptions(column_types=types,
                                strings_can_be_null=False, quoted_strings_can_be_null=False,
                                null_values=[""] if days else []))


def spans_lines(batch: pa.Table) -> bool:
    """True when a cell holds a line break (a quoted cell spanning lines, or a quote left
    open, which the reference reader refuses)."""
    return any(pc.any(pc.match_substring_regex(c, "[\r\n]")).as_py() for c in batch.columns)


def odd_last_line(tail: bytes) -> bool:
    """True when the file's last line (``tail``: its last bytes) holds an odd number of
    quotes: a quote opened at the end of the file, which Arrow would close silently."""
    last = tail.replace(b"\r", b"\n").rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return last.count(b'"') % 2 == 1


def all_blank(column: pa.Array | pa.ChunkedArray) -> bool:
    """True when every cell is empty or white space."""
    return bool(_blank_cells(column).all())


def blank_records(table: pa.Table | pa.RecordBatch) -> np.ndarray:
    """Per record: True when every cell is empty or white space (a skipped line)."""
    length = table.num_rows
    if not table.num_columns:
        return np.zeros(length, dtype=bool)
    first = table.column(0)
    blank = _blank_cells(first)
    candidates = np.flatnonzero(blank)
    if len(candidates) and table.num_columns > 1:
        rest = table.take(pa.array(candidates))
        keep = np.ones(len(candidates), dtype=bool)
        for column in rest.columns[1:]:
            keep &= _blank_cells(column)
        blank[:] = False
        blank[candidates[keep]] = True
    return blank


def _blank_cells(column: pa.ChunkedArray) -> np.ndarray:
    """Cells that are empty once white space is trimmed (as the reference trims them); in a
    column read as dates, the missing ones."""
    if not is_text(column):
        return np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    return np.concatenate([_blank_chunk(c) for c in column.chunks]) if column.num_chunks \
        else np.zeros(0, dtype=bool)


def _blank_chunk(array: pa.Array) -> np.ndarray:
    """:func:`_blank_cells` of one chunk. Only cells that are empty or start with a byte
    other than printable ASCII (white space, or a character that may be) are trimmed and
    measured by Arrow: a cell starting with a visible ASCII character is not blank."""
    offsets, data = _layout(array)
    lengths = np.diff(offsets)
    blank = lengths == 0
    starts = offsets[:-1][~blank] - offsets[0]
    first = data[starts] - np.uint8(0x21)  # wraps below "!": visible ASCII is 0 to 0x5d
    doubtful = np.flatnonzero(~blank)[first > 0x5D]
    if len(doubtful):
        trimmed = pc.utf8_trim_whitespace(array.take(pa.array(doubtful)))
        blank[doubtful[np.asarray(pc.equal(pc.binary_length(trimmed), 0))]] = True
    return blank


def holds_nulls(column: pa.ChunkedArray) -> bool:
    """True when the array has missing values (not a column of read text cells)."""
    return column.null_count > 0


def is_plain_text(column: pa.ChunkedArray) -> bool:
    """True when no cell is missing or needs the reference's text cleaning (printable
    ASCII, no leading, trailing or doubled space)."""
    return not holds_nulls(column) and all(_is_plain_chunk(c) for c in column.chunks)


def plain_text(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The cells as the reference's text cleaning leaves them, empty cells as nulls, when no
    cell needs cleaning (printable ASCII, no leading, trailing or doubled space); else None."""
    if holds_nulls(column):
        return None
    chunks = []
    for chunk in column.chunks:
        plain = _plain_text_chunk(chunk)
        if plain is None:
            return None
        chunks.append(plain)
    return pa.chunked_array(chunks, column.type)


def _plain_number_marks(offsets: np.ndarray, data: np.ndarray, lengths: np.ndarray,
                        mark: int) -> np.ndarray | None:
    """Positions (in ``data``) of the decimal marks of a chunk of money cells, when every
    cell is digits with at most one ``mark`` followed by one or two digits; else None.

    Every byte must be a digit or the mark; a cell's mark can then only be its third-last
    byte (``d.dd``, at least 4 bytes) or its second-last (``d.d``, at least 3), so that the
    marks found there must be all the marks of the chunk, one per cell at most. Digits
    before the mark (or in a cell without one): at most :data:`_NUMBER_DIGITS`.
    """
    marks = data == mark
    total = int(np.count_nonzero(marks))
    digits = int(np.count_nonzero((data - np.uint8(0x30)) < 10))  # wraps above 9 unless a digit
    if digits + total != len(data):
        return None
    if total == 0:
        return np.zeros(0, dtype=np.int64) if (lengths <= _NUMBER_DIGITS).all() else None
    ends = offsets[1:] - offsets[0]
    two = marks[np.maximum(ends - 3, 0)] & (lengths >= 4)  # two decimals
    one = marks[np.maximum(ends - 2, 0)] & (lengths >= 3)  # one decimal
    if (two & one).any() or int(np.count_nonzero(two)) + int(np.count_nonzero(one)) != total:
        return None
    before = lengths - 3 * two - 2 * one  # digits before the mark, or of an unmarked cell
    if (before > _NUMBER_DIGITS).any():
        return None
    return np.flatnonzero(marks)


def _with_point(array: pa.Array, offsets: np.ndarray, data: np.ndarray,
                positions: np.ndarray) -> pa.Array:
    """The cells of ``array`` with the bytes at ``positions`` (decimal commas) made points."""
    text = data.copy()
    text[positions] = ord(".")
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    rebased = (offsets - offsets[0]).astype(kind, copy=False)
    return pa.Array.from_buffers(array.type, len(array),
                                 [None, pa.py_buffer(rebased), pa.py_buffer(text)])


def plain_numbers(column: pa.ChunkedArray, mark: str, out: np.ndarray | None = None
                  ) -> Numbers | None:
    """The numbers of a column whose non-empty cells are all digits with at most one decimal
    ``mark`` followed by one or two digits (``1500``, ``1500.5``, ``0.00``), NaN for empty
    cells; None when a cell has another shape. ``out``, when given, receives the numbers.

    The shape is checked on the bytes with numpy; Arrow's C++ cast reads the numbers.
    """
    if holds_nulls(column):
        return None
    if out is None:
        out = np.empty(len(column), dtype="float64")
    filled, marked, low, high, total = 0, False, np.nan, np.nan, 0.0
    start = 0
    for chunk in column.chunks:
        end = start + len(chunk)
        offsets, data = _layout(chunk)
        lengths = np.diff(offsets)
        positions = _plain_number_marks(offsets, data, lengths, ord(mark))
        if positions is None:
            return None
        part = out[start:end]
        start = end
        empty = lengths == 0
        count = len(chunk) - int(np.count_nonzero(empty))
        if count == 0:
            part[:] = np.nan
            continue
        text = chunk if mark == "." or not len(positions) else _with_point(
            chunk, offsets, data, positions)
        if count < len(chunk):  # empty cells read as missing, then NaN
            text = _nulls_where_empty(text, _layout(text)[0])
        numbers = pc.cast(text, pa.float64())
        part[:] = np.frombuffer(numbers.buffers()[1], dtype=np.float64)[
            numbers.offset:numbers.offset + len(numbers)]
        if count < len(chunk):
            np.putmask(part, empty, np.nan)
        low = np.fmin(low, np.fmin.reduce(part))  # fmin and fmax pass over NaN (empty cells)
        high = np.fmax(high, np.fmax.reduce(part))
        total += pc.sum(numbers).as_py()
        filled += count
        marked = marked or bool(len(positions))
    return Numbers(out, filled, marked, float(low), float(high), total)


def plain_dates(column: pa.ChunkedArray, with_time: bool, years: tuple[int, int] = (1678, 2261),
                required: bool = False, out: np.ndarray | None = None) -> np.ndarray | None:
    """The dates (``datetime64[ns]``, NaT for empty cells) of a column whose non-empty cells
    all have one shape per chunk: ``2026-07-01``, ``01/07/2026`` or, when ``with_time``, also
    ``2026-07-01 10:30`` and ``2026-07-01 10:30:00``; None when a cell has another shape, is
    not a real day, is empty though ``required``, or its year is outside ``years`` (first and
    last, within the years nanoseconds count). ``out``, when given, receives the dates (one
    slot per cell) and is returned.
    """
    if holds_nulls(column):
        return None
    if out is None:
        out = np.empty(len(column), dtype="datetime64[ns]")
    bounds = _second_bounds(years)
    slots = out.view(np.int64)
    start = 0
    for chunk in column.chunks:
        end = start + len(chunk)
        if not _plain_dates_chunk(chunk, with_time, bounds, required, slots[start:end]):
            return None  # another shape, or an impossible day: the reference names it
        start = end
    return out


_NANOSECONDS_PER_DAY = 86_400 * _NANOSECONDS


@functools.lru_cache(maxsize=8)
def _day_bounds(years: tuple[int, int]) -> tuple[int, int]:
    """Days from 1970-01-01 to the first day of ``years`` and to the day after the last."""
    return (int(np.datetime64(f"{max(years[0], 1678):04d}-01-01", "D").astype(np.int64)),
            int(np.datetime64(f"{min(years[1], 2261) + 1:04d}-01-01", "D").astype(np.int64)))


def days_into(column: pa.ChunkedArray, years: tuple[int, int], required: bool,
              out: np.ndarray) -> bool:
    """Write the ``date32`` days of ``column`` (as Arrow's reader read them, a missing day
    for an empty cell) into ``out`` as ``datetime64[ns]`` (NaT for a missing day); False
    when a day is missing though ``required`` or its year is outside ``years`` (first and
    last, within the years nanoseconds count)."""
    if required and column.null_count:
        return False
    first, after = _day_bounds(years)
    slots = out.view(np.int64)
    start = 0
    for chunk in column.chunks:
        end = start + len(chunk)
        if len(chunk) and not _days_chunk(chunk, first, after, slots[start:end]):
            return False
        start = end
    return True


#: Days from 1970 whose nanoseconds fit in 64 bits (either way).
_SAFE_DAYS = np.iinfo(np.int64).max // _NANOSECONDS_PER_DAY


def _days_chunk(chunk: pa.Array, first: int, after: int, out: np.ndarray) -> bool:
    """:func:`days_into` of one non-empty chunk (``out``: int64 nanoseconds, NaT for a
    missing day), False when a day present is outside ``[first, after)`` (days since 1970).

    The bounds are checked with numpy on the days as stored, missing ones included (whose
    slots Arrow leaves unset): when every stored value lies within the bounds, so do the days
    present. Otherwise, when no stored value overflows 64-bit nanoseconds, on the
    nanoseconds written (a missing day's NaT below every bound: exactly the missing days must
    fall below the first); else with Arrow's minimum and maximum of the days present.
    """
    nulls = chunk.null_count
    if nulls == len(chunk):
        out[:] = _NAT
        return True
    days = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:
                                                             chunk.offset + len(chunk)]
    low, high = int(days.min()), int(days.max())
    within = first <= low and high < after
    if not within and not -_SAFE_DAYS <= low <= high <= _SAFE_DAYS:
        low, high = (int(v.value) for v in pc.min_max(chunk).values())
        if low < first or high >= after:
            return False
        within = True
    np.multiply(days, np.int64(_NANOSECONDS_PER_DAY), out=out)
    if nulls:  # the bitmap's bytes inverted (an eighth of the cells), then unpacked
        missing = np.unpackbits(np.invert(np.frombuffer(chunk.buffers()[0], dtype=np.uint8)),
                                count=chunk.offset + len(chunk), bitorder="little")
        np.putmask(out, missing[chunk.offset:].view(np.bool_), _NAT)
    if within:
        return True
    return (int(out.max()) < after * _NANOSECONDS_PER_DAY
            and int(np.count_nonzero(out < first * _NANOSECONDS_PER_DAY)) == nulls)


def distinct_cells(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """``(words, codes)``: the distinct cells of an array without missing values and, per
    cell, the index of its word."""
    if not column.num_chunks:
        return [], np.zeros(0, dtype="int64")
    encoded = column.combine_chunks().dictionary_encode()
    words = encoded.dictionary.to_pylist()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype="int64")
    return words, codes


def text_bytes(column: pa.ChunkedArray) -> int:
    """Bytes of text the cells of a string column hold (0 for another type)."""
    if not is_text(column):
        return 0
    return sum(int(offsets[-1] - offsets[0]) for offsets, _ in map(_layout, column.chunks)
               if len(offsets))


class TextBuilder:
    """Text cells appended chunk after chunk into one contiguous ``large_string`` array.

    A large file's cells arrive as many small arrays from Arrow's reader. Keeping those
    would leave long-lived buffers scattered among the reader's short-lived ones: a heap the
    C library can neither reuse nor give back without trimming it after every chunk, which
    costs more than the parse. Copying each chunk's bytes into one buffer sized for the
    whole file (``rows`` cells, ``size`` bytes; enlarged if the estimate was short) leaves
    the reader's memory free for the next chunk.
    """

    def __init__(self, rows: int, size: int) -> None:
        self.offsets = empty(rows + 1, np.int64)
        self.offsets[0] = 0
        self.data = empty(max(size, 1), np.uint8)
        self.filled = empty(max(rows, 1), np.bool_)  # per cell: not empty
        self.rows = 0
        self.size = 0

    def append(self, array: pa.Array) -> None:
        """Add the cells of one chunk (text without missing values)."""
        offsets, data = _layout(array)
        count = len(array)
        self._reserve(count, len(data))
        rows, size = self.rows, self.size
        np.subtract(offsets[1:], np.int64(int(offsets[0]) - size),
                    out=self.offsets[rows + 1:rows + 1 + count])
        self.data[size:size + len(data)] = data
        np.not_equal(offsets[1:], offsets[:-1], out=self.filled[rows:rows + count])
        self.rows, self.size = rows + count, size + len(data)

    def _reserve(self, rows: int, size: int) -> None:
        """Room for ``rows`` more cells of ``size`` more bytes (half as much again)."""
        if self.rows + rows >= len(self.filled):
            cells = max(self.rows + rows, len(self.filled) * 3 // 2) + 1
            self.offsets = grown(self.offsets, self.rows + 1, cells + 1)
            self.filled = grown(self.filled, self.rows, cells)
        if self.size + size > len(self.data):
            self.data = grown(self.data, self.size,
                               max(self.size + size, len(self.data) * 3 // 2))

    def finish(self) -> tuple[pa.Array, pa.Array]:
        """``(cells, cells with the empty ones missing)``: two arrays over the same buffers
        (the builder's, cut to what they hold; the builder is spent)."""
        rows = self.rows
        filled = self.filled[:rows]
        offsets = shrunk(self.offsets, rows + 1)  # cut where it is: no copy
        data = shrunk(self.data, max(self.size, 1))
        del self.offsets, self.data
        buffers = [pa.py_buffer(offsets), pa.py_buffer(data)]
        cells = pa.Array.from_buffers(pa.large_string(), rows, [None, *buffers])
        if filled.all():
            return cells, cells
        validity = pa.py_buffer(np.packbits(filled, bitorder="little"))
        return cells, pa.Array.from_buffers(pa.large_string(), rows, [validity, *buffers])


def empty(count: int, dtype: np.dtype | type | str) -> np.ndarray:
    """An array of ``count`` unset values in memory from the system allocator, through
    Arrow (its buffer is the array's base, so that :func:`shrunk` can cut it in place).

    numpy asks the kernel for huge pages on large arrays (``MADV_HUGEPAGE``); where they are
    granted on demand (the common ``madvise`` setting) the first write to each page may wait
    for memory to be compacted, and loading 100 times the sample company took about a
    seventh longer with the column buffers allocated by numpy.
    """
    kind = np.dtype(dtype)
    buffer = pa.allocate_buffer(max(count, 1) * kind.itemsize, resizable=True,
                                memory_pool=pa.system_memory_pool())
    return np.frombuffer(buffer, dtype=kind, count=count)


def shrunk(values: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` values of an array of :func:`empty` (or one numpy owns), its
    memory cut in place (``realloc``): no copy. ``values`` must have no other view."""
    base = values.base
    if isinstance(base, pa.ResizableBuffer) and values.nbytes == base.size:
        base.resize(max(count, 1) * values.itemsize)
        return np.frombuffer(base, dtype=values.dtype, count=count)
    if values.base is None:
        values.resize(count, refcheck=False)
        return values
    return values[:count].copy()


def grown(values: np.ndarray, used: int, size: int) -> np.ndarray:
    """A larger array holding the first ``used`` values of ``values``."""
    out = empty(size, values.dtype)
    out[:used] = values[:used]
    return out


#: Longest cell :func:`all_distinct` sorts as fixed-width bytes (longer: Arrow's hash table).
_SORTED_WIDTH = 64


def all_distinct(column: pa.ChunkedArray) -> bool:
    """True when no value is missing and none appears twice.

    The cells are compared as bytes, sorted as fixed-width, zero-padded records (a cell
    holds no NUL byte): a fraction of the memory of a hash table of millions of strings.
    """
    if column.null_count:
        return False
    chunks = [c for c in column.chunks if len(c)]
    widths = [int(np.diff(_layout(c)[0]).max()) for c in chunks]
    width = max(widths, default=0)
    if width > _SORTED_WIDTH:
        return pc.count_distinct(column).as_py() == len(column)
    if width == 0:
        return len(column) <= 1
    if len(chunks) == 1 and widths[0] == width and _fixed_width(chunks[0], width):
        records = _layout(chunks[0])[1].reshape(-1, width)  # the cells where they are
    else:
        records = np.ascontiguousarray(np.concatenate([_padded(c, width) for c in chunks]))
    if _increasing(records):
        return True  # already in strictly increasing order (ids as exported): no sort
    keys = records.view(f"S{width}").ravel().copy()  # a copy: the cells may be Arrow's
    keys.sort()
    return not bool((keys[1:] == keys[:-1]).any())


def _fixed_width(array: pa.Array, width: int) -> bool:
    """True when every cell of the array holds ``width`` bytes."""
    offsets, _ = _layout(array)
    return int(offsets[-1] - offsets[0]) == width * len(array) and bool(
        (np.diff(offsets) == width).all())


def _increasing(records: np.ndarray) -> bool:
    """True when the rows of a C-ordered ``(count, width)`` array of bytes are in strictly
    increasing byte order. Rows of 8 to 16 bytes are compared as two big-endian 64-bit
    words, bytes ``[0, 8)`` then ``[width - 8, width)`` (where the first words are equal,
    the second ones differ exactly where bytes ``[8, width)`` do): integer comparisons,
    several times faster than numpy's comparison of fixed-width strings."""
    count, width = records.shape
    if count < 2:
        return True
    if 8 <= width <= 16:  # each word made native once (a comparison would swap each time)
        first, second = (np.ndarray((count,), dtype=">u8", buffer=records, offset=at,
                                    strides=(width,)).astype(np.uint64)
                         for at in (0, width - 8))
        later, earlier = first[1:], first[:-1]
        rising = later > earlier
        if rising.all():
            return True
        return bool((rising | ((later == earlier) & (second[1:] > second[:-1]))).all())
    keys = records.view(f"S{width}").ravel()
    return bool((keys[1:] > keys[:-1]).all())


def _padded(array: pa.Array, width: int) -> np.ndarray:
    """The cells as rows of ``width`` bytes, zero-padded."""
    offsets, data = _layout(array)
    lengths = np.diff(offsets)
    if (lengths == width).all():
        return data.reshape(-1, width).copy()
    out = np.zeros((len(array), width), dtype=np.uint8)
    starts = offsets[:-1] - offsets[0]
    for column in range(width):  # byte by byte: no index array as long as the text
        has = lengths > column
        out[has, column] = data[starts[has] + column]
    return out
