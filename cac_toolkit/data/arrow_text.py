"""Delimited text read and checked with Arrow: the fast path of the strict loader.

:mod:`cac_toolkit.data.loading` reads a text table in two ways that give the same cells and the
same figures. The reference decodes the file into Python strings, splits it with pandas' C
parser (or Python's ``csv`` module) and parses each column with the general rules of
``docs/data-format.md``. This module splits the file's UTF-8 bytes into cells with
``pyarrow.csv`` (no Python string is made) and reads the cells of the common plain shapes
(``1500.50``, ``1500,50``; ``2026-07-01``, ``01/07/2026``, ``2026-07-01 10:30:00``; printable
ASCII text without stray spaces) with numpy on Arrow's buffers: fixed-width dates by their
digits and integer calendar arithmetic, text by its bytes, ids sorted as fixed-width bytes.

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
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

#: Bytes of text Arrow splits into cells per block (blocks of a chunk go to its threads).
BLOCK_BYTES = 1 << 22
#: Whether Arrow splits the blocks of a chunk on several threads.
USE_THREADS = True

# Money cells read directly: digits, at most one mark followed by one or two decimals (a
# mark followed by three digits may group thousands: the reference decides), no sign.
_PLAIN_NUMBER = {".": r"^[0-9]{1,13}(?:\.[0-9]{1,2})?$", ",": r"^[0-9]{1,13}(?:,[0-9]{1,2})?$"}


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
    offsets, data = _layout(array)
    if len(data) and ((data < 0x20) | (data > 0x7E)).any():
        return None
    spaces = data == 0x20
    if spaces.any():
        if (spaces[1:] & spaces[:-1]).any():
            return None
        lengths = np.diff(offsets)
        starts = offsets[:-1][lengths != 0] - offsets[0]
        ends = offsets[1:][lengths != 0] - offsets[0] - 1
        if spaces[starts].any() or spaces[ends].any():
            return None
    return _nulls_where_empty(array, offsets)


def _digits(cells: np.ndarray, positions: list[int]) -> np.ndarray | None:
    """The number written by the digit columns ``positions`` of fixed-width cells, or None
    when one of them is not an ASCII digit."""
    values = cells[:, positions] - np.uint8(0x30)  # wraps above 9 for anything but a digit
    if (values > 9).any():
        return None
    out = np.zeros(len(cells), dtype=np.int64)
    for column in range(len(positions)):
        out = out * 10 + values[:, column]
    return out


# Fixed-width date shapes: (width, separators {position: allowed bytes}, year, month, day
# digit positions, hour, minute, second digit positions or None).
_DATE_SHAPES = {
    "iso": (10, {4: b"-", 7: b"-"}, [0, 1, 2, 3], [5, 6], [8, 9], None),
    "french": (10, {2: b"/", 5: b"/"}, [6, 7, 8, 9], [3, 4], [0, 1], None),
    "iso_minutes": (16, {4: b"-", 7: b"-", 10: b" T", 13: b":"}, [0, 1, 2, 3], [5, 6],
                    [8, 9], ([11, 12], [14, 15], None)),
    "iso_seconds": (19, {4: b"-", 7: b"-", 10: b" T", 13: b":", 16: b":"}, [0, 1, 2, 3],
                    [5, 6], [8, 9], ([11, 12], [14, 15], [17, 18])),
}


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_NANOSECONDS_PER_DAY = 86_400 * 10**9


def _days_since_1970(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days from 1970-01-01 to each (valid) proleptic Gregorian date (H. Hinnant's
    ``days_from_civil``), in integers: no conversion of numpy datetimes."""
    year = year - (month <= 2)
    era = np.floor_divide(year, 400)
    of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + day_of_year
    return era * 146_097 + of_cycle - 719_468


def _fixed_dates(cells: np.ndarray, shape: tuple) -> np.ndarray | None:  # type: ignore[type-arg]
    """``datetime64[ns]`` of fixed-width date cells of ``shape``, None when one is not a
    real day and time in that shape."""
    _, separators, y, m, d, clock = shape
    for position, allowed in separators.items():
        column = cells[:, position]
        found = column == allowed[0]
        for other in allowed[1:]:
            found |= column == other
        if not found.all():
            return None
    year, month, day = _digits(cells, y), _digits(cells, m), _digits(cells, d)
    if year is None or month is None or day is None:
        return None
    if ((month < 1) | (month > 12) | (day < 1) | (year < 1678) | (year > 2261)).any():
        return None  # beyond the years nanoseconds count (the reference refuses them too)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if (day > _DAYS_IN_MONTH[month - 1] + (leap & (month == 2))).any():
        return None
    stamps = _days_since_1970(year, month, day) * _NANOSECONDS_PER_DAY
    if clock is not None:
        hours, minutes = _digits(cells, clock[0]), _digits(cells, clock[1])
        seconds = _digits(cells, clock[2]) if clock[2] else np.zeros(len(cells), dtype=np.int64)
        if hours is None or minutes is None or seconds is None:
            return None
        if ((hours > 23) | (minutes > 59) | (seconds > 59)).any():
            return None
        stamps += ((hours * 60 + minutes) * 60 + seconds) * 10**9
    return stamps.view("datetime64[ns]")


def _plain_dates_chunk(array: pa.Array, with_time: bool) -> np.ndarray | None:
    offsets, data = _layout(array)
    lengths = np.diff(offsets)
    filled = lengths != 0
    out = np.full(len(array), np.datetime64("NaT"), dtype="datetime64[ns]")
    if not filled.any():
        return out
    width = int(lengths[filled][0])
    if not (lengths[filled] == width).all():
        return None
    cells = data.reshape(-1, width)
    names = ["iso", "french"] + (["iso_minutes", "iso_seconds"] if with_time else [])
    for name in names:
        if _DATE_SHAPES[name][0] == width:
            stamps = _fixed_dates(cells, _DATE_SHAPES[name])
            if stamps is not None:
                out[filled] = stamps
                return out
    return None


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, None on other C libraries."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def trim_heap() -> None:
    """Give the heap's free memory back to the system (glibc; nothing elsewhere).

    Parsing a batch frees most of what it allocates, in pieces the C library keeps between
    the parsed columns; trimming before each batch keeps the peak memory of a large folder
    near the size of what it holds (about a seventh lower at 100 times the sample company).
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
                 large: set[int] | None = None, end: int | None = None) -> pa.Table | None:
    """The records of ``data[start:end]`` (UTF-8 text, the header record first) as strings,
    one column ``f0``, ``f1``... per header cell; ``None`` when Arrow could read them
    differently from the reference reader.

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
                                    set(range(width)) if large is None else large)
    try:
        table = pcsv.read_csv(pa.BufferReader(body), read_options=read,
                              parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    if quoted:
        for column in table.columns:
            if pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py():
                return None
    return table


def _options(sep: str, width: int, newlines: bool, large: set[int] | None = None
             ) -> tuple[pcsv.ReadOptions, pcsv.ParseOptions, pcsv.ConvertOptions]:
    """Arrow's options: every cell a string (``large``: the positions read as
    ``large_string``, the type of pandas' Arrow strings, so that they need no copy)."""
    names = [f"f{i}" for i in range(width)]
    types = {n: pa.large_string() if i in (large or ()) else pa.string()
             for i, n in enumerate(names)}
    return (pcsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES, use_threads=USE_THREADS),
            pcsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True,
                              escape_char=False, newlines_in_values=newlines,
                              ignore_empty_lines=False),
            pcsv.ConvertOptions(column_types=types,
                                strings_can_be_null=False, quoted_strings_can_be_null=False,
                                null_values=[]))


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
    """Cells that are empty once white space is trimmed (as the reference trims them)."""
    empty = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(column)), 0)
    return np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)


def holds_nulls(column: pa.ChunkedArray) -> bool:
    """True when the array has missing values (not a column of read text cells)."""
    return column.null_count > 0


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


def plain_numbers(column: pa.ChunkedArray, mark: str) -> np.ndarray | None:
    """The numbers of a column whose non-empty cells are all digits with at most one decimal
    ``mark`` followed by one or two digits (``1500``, ``1500.5``, ``0.00``), NaN for empty
    cells; None when a cell has another shape."""
    if holds_nulls(column):
        return None
    empty = pc.equal(pc.binary_length(column), 0)
    shaped = pc.match_substring_regex(column, _PLAIN_NUMBER[mark])
    if not pc.all(pc.or_(empty, shaped)).as_py():
        return None
    text = pc.if_else(empty, pa.scalar(None, pa.string()), column)
    if mark == ",":
        text = pc.replace_substring(text, ",", ".")
    return np.asarray(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False),
                      dtype="float64")


def plain_dates(column: pa.ChunkedArray, with_time: bool) -> np.ndarray | None:
    """The dates (``datetime64[ns]``, NaT for empty cells) of a column whose non-empty cells
    all have one shape: ``2026-07-01``, ``01/07/2026`` or, when ``with_time``, also
    ``2026-07-01 10:30:00``; None when a cell has another shape or is not a real day."""
    if holds_nulls(column):
        return None
    parts = []
    for chunk in column.chunks:
        part = _plain_dates_chunk(chunk, with_time)
        if part is None:
            return None  # another shape, or an impossible day: the reference names it
        parts.append(part)
    return np.concatenate(parts) if parts else np.zeros(0, dtype="datetime64[ns]")


def distinct_cells(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """``(words, codes)``: the distinct cells of an array without missing values and, per
    cell, the index of its word."""
    if not column.num_chunks:
        return [], np.zeros(0, dtype="int64")
    encoded = column.combine_chunks().dictionary_encode()
    words = encoded.dictionary.to_pylist()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype="int64")
    return words, codes


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
    keys = np.concatenate([_padded(c, width) for c in chunks]).view(f"S{width}").ravel()
    keys.sort()
    return not bool((keys[1:] == keys[:-1]).any())


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
