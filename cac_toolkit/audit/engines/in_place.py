"""A Parquet table read in place by Spark: listed, checked against the contract and cleaned
where it lives (a bucket, HDFS, a shared folder); nothing of it is copied to this machine.

``sources.yaml`` names such a table by its location (``touchpoints: s3a://bucket/touch/``,
:func:`cac_toolkit.data.sources.config.is_location`). :func:`read_in_place` lists its parts
through Hadoop's file system, has Spark read exactly those parts, and applies there the
rules the strict loader applies to a Parquet input (:mod:`cac_toolkit.data.loading`):

- column names matched as the loader matches them (:func:`~cac_toolkit.data.loading.
  normalise_name`), a required column missing or a column named twice refused;
- each column of the contract read from the Parquet types that hold its kind natively
  (:data:`NATIVE_TYPES`); another type is refused in one line naming the engine that reads
  it;
- text cleaned as :func:`~cac_toolkit.data.loading.clean_text` cleans it: the few distinct
  cells that need more than a plain scan (its own pattern) come to this machine, are cleaned
  by that function, and go back as a small join; choices mapped by the loader's own function;
- dates within the loader's plausible years, and no empty cell in a required column.

An error is the loader's one-line message, pinned to the part's path and its record
(``_metadata.row_index``, from 1). Each row's position ``__row`` is its place in the parts
taken in the loader's order (sorted paths), so that Spark's selection sees the rows in the
order the pandas engine reads them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import unquote

import numpy as np
import pandas as pd

from cac_toolkit.audit.engines.spark_engine import ROW, spark_session
from cac_toolkit.core.errors import InputError
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES, ColumnSpec
from cac_toolkit.data.located import Part, listing_sha256, order_key

#: The Parquet (Spark) types each kind of column is read from in place. Other types (text
#: holding dates or numbers, floats as ids) are read by the strict loader: a location in a
#: local folder with ``-p engine duckdb``.
NATIVE_TYPES = {
    "text": ("string", "tinyint", "smallint", "int", "bigint"),
    "timestamp": ("timestamp", "timestamp_ntz", "date"),
    "date": ("timestamp", "timestamp_ntz", "date"),
    "choice": ("string",),
}
#: The loader's pattern of a text cell that :func:`~cac_toolkit.data.loading.clean_text`
#: may change (a Java regular expression too).
UNUSUAL_TEXT = loading._UNUSUAL_TEXT
FILE, INDEX = "__file", "__index"


@dataclass
class InPlaceTable:
    """A table read and checked in place: its Spark frame (the contract's columns, cleaned,
    with ``__row``), its listing and the spelling counts of its channels."""

    name: str
    location: str
    frame: object  # pyspark.sql.DataFrame
    parts: list[Part]
    rows: int
    channels: pd.Series

    @property
    def sha256(self) -> str:
        """:func:`listing_sha256` of the parts."""
        return listing_sha256(self.parts)


def list_parts(spark, location: str) -> tuple[list[Part], bool]:  # noqa: ANN001 - a session
    """The Parquet files at ``location`` (a file, or a folder searched recursively, Hive
    partitions included), as the loader chooses them: ``.parquet`` files whose name starts
    with neither ``.`` nor ``_``, in the loader's order; and whether ``location`` is a
    folder."""
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    try:
        system = path.getFileSystem(spark._jsc.hadoopConfiguration())
        found = system.exists(path)
        statuses = []
        folder = found and not system.getFileStatus(path).isFile()
        if found and not folder:
            statuses = [system.getFileStatus(path)]
        elif folder:
            listing = system.listFiles(path, True)
            while listing.hasNext():
                statuses.append(listing.next())
    except Exception as exc:  # noqa: BLE001 - any Hadoop failure is one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(location, f"cannot be listed ({first[:200]}); ",
                         expected="a location Spark can read (its connector and "
                         "credentials configured, docs/scale.md)") from None
    parts = [Part(s.getPath().toUri().toString(), int(s.getLen()), int(s.getModificationTime()))
             for s in statuses]
    parts = [p for p in parts if p.path.lower().endswith(".parquet")
             and not order_key(p.path)[-1].startswith((".", "_"))]
    if not parts:
        raise InputError(location, "", expected="a Parquet file or a folder of Parquet "
                         "files (part-*.parquet)")
    return sorted(parts, key=lambda p: order_key(p.path)), folder


#: Time zones that name UTC: a time of such a column is the time as Spark (UTC) reads it.
UTC_ZONES = (None, "UTC", "Etc/UTC", "+00:00", "Z")


def time_zones(spark, parts: list[Part]) -> dict[str, str | None]:  # noqa: ANN001 - a session
    """The time zone of each timestamp column, from the Arrow schema in the parts' footers
    (``ARROW:schema``, written by pandas and pyarrow; None for UTC, for a footer without it
    and for times without a zone). The loader keeps the wall-clock time of that zone; Spark
    reads the instant: :func:`read_in_place` turns it into that wall-clock time. Only the
    footers are read, not the data."""
    import pyarrow as pa

    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader
    zones: dict[str, set[str | None]] = {}
    for part in parts:
        footer = reader.readFooter(conf, jvm.org.apache.hadoop.fs.Path(part.path))
        encoded = footer.getFileMetaData().getKeyValueMetaData().get("ARROW:schema")
        if encoded is None:
            continue
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded)))
        for field in schema:
            if pa.types.is_timestamp(field.type):
                zone = field.type.tz if field.type.tz not in UTC_ZONES else None
                zones.setdefault(loading.normalise_name(field.name), set()).add(zone)
    for column, found in zones.items():
        if len(found) > 1:
            raise InputError(parts[0].path, "the parts hold times of several time zones "
                             f"({', '.join(sorted(str(z) for z in found))}); ", column=column,
                             expected="one time zone in every part")
    return {column: found.pop() for column, found in zones.items()}


def _fail(label: str, column: str, row: int, expected: str, got: object) -> InputError:
    """The loader's one-line error for one cell (its own wording, empty cells included)."""
    raw = loading.RawTable(label, pd.DataFrame(), np.array([row]), 0, ".")
    return loading._fail(raw, column, 0, expected, got)


def _columns(frame, name: str, location: str) -> dict[str, str]:  # noqa: ANN001
    """The contract's columns present in ``frame``: contract name -> the Parquet name."""
    found: dict[str, str] = {}
    for column in frame.columns:
        normal = loading.normalise_name(column)
        if normal in found:
            raise InputError(location, "the column appears twice; ", column=normal,
                             expected="each column once")
        if normal:
            found[normal] = column
    spec = TABLES[name]
    missing = [c for c in spec.required if c not in found]
    if missing:
        shown = ", ".join(loading.normalise_name(c) for c in frame.columns) or "none"
        raise InputError(location, "missing column; ", column=missing[0],
                         expected=f"a header with {', '.join(spec.required)} (found: {shown})")
    return {c: found[c] for c in spec.columns if c in found}


def _mapping_frame(spark, pairs: dict[object, object]):  # noqa: ANN001, ANN202
    """A two-column Spark frame ``(raw, value)`` of ``pairs`` (a broadcast join's side)."""
    rows = [(str(k), None if pd.isna(v) else str(v)) for k, v in pairs.items()]  # NA, NaN
    return spark.createDataFrame(rows, "raw string, value string")


def _mapped(spark, frame, column: str, pairs: dict[object, object], keep: bool):  # noqa: ANN001, ANN202
    """``frame`` with ``column`` replaced through ``pairs`` (raw -> value); cells not in
    ``pairs`` are kept (``keep``) or become null."""
    from pyspark.sql import functions as F

    if not pairs:
        return frame if keep else frame.withColumn(column, F.lit(None).cast("string"))
    side = F.broadcast(_mapping_frame(spark, pairs)).withColumnRenamed(
        "raw", "__raw").withColumnRenamed("value", "__value")
    joined = frame.join(side, frame[column] == side["__raw"], "left")
    value = F.when(side["__raw"].isNotNull(), side["__value"])
    value = value.otherwise(frame[column]) if keep else value
    return joined.withColumn(column, value).drop("__raw", "__value")


def _cleaned(spark, frame, column: str, spec: ColumnSpec, cells: list[str]  # noqa: ANN001
             ):  # noqa: ANN202 - a DataFrame and a Column
    """The column ``column`` as the loader parses its kind, and the condition of a cell it
    refuses (a Spark column), with what it expected. ``cells``: the distinct cells that the
    loader's own functions decide (:func:`_distinct_cells`)."""
    from pyspark.sql import functions as F

    if spec.kind == "text":
        unusual = cells
        if unusual:
            clean = loading.clean_text(pd.Series(unusual, dtype="string"))
            frame = _mapped(spark, frame, column, dict(zip(unusual, clean, strict=True)), True)
        frame = frame.withColumn(column, F.when(F.col(column) != "", F.col(column)))
        bad = F.col(column).isNull() if spec.required else F.lit(False)
        return frame, bad, spec.expected or "a non-empty text"
    if spec.kind == "choice":
        words = cells
        convert = loading._choice_of(spec)
        pairs = {w: convert(w) for w in words if w is not None}
        frame = frame.withColumn("__was", F.col(column))
        frame = _mapped(spark, frame, column, pairs, False)
        if spec.default is not None:
            frame = frame.withColumn(column, F.when(F.col("__was").isNull(), F.lit(
                spec.default)).otherwise(F.col(column)))
        return frame, F.col(column).isNull(), f"one of {', '.join(spec.choices or ())}"
    if spec.kind in ("date", "timestamp"):
        stamp = F.col(column).cast("timestamp")
        if spec.kind == "date":
            stamp = F.date_trunc("day", stamp)
        frame = frame.withColumn(column, stamp)
        low, high = loading.PLAUSIBLE_YEARS
        implausible = (F.year(column) < low) | (F.year(column) > high)
        return frame, implausible, f"a date between {low} and {high}"
    raise InputError(column, "", expected="a text, choice or date column (the Spark engine "
                     "reads no other kind in place)")  # pragma: no cover - config refuses


def _distinct_cells(frame, kinds: dict[str, str]  # noqa: ANN001 - a DataFrame
                    ) -> tuple[dict[str, int], dict[str, list[str]]]:
    """In one Spark job: the rows of each part (by its path), and the distinct cells that the
    loader's functions decide here: of a text column those that its cleaning may change
    (:data:`UNUSUAL_TEXT`), of a choice column every word."""
    from pyspark.sql import functions as F

    decided = [c for c, kind in kinds.items() if kind in ("text", "choice")]

    def distinct(column: str):  # noqa: ANN202 - a Column
        if kinds[column] == "text":
            return F.collect_set(F.when(F.col(column).rlike(UNUSUAL_TEXT), F.col(column)))
        return F.collect_set(F.col(column))

    rows = frame.groupBy(FILE).agg(F.count(F.lit(1)).alias("__n"), *(
        distinct(c).alias(f"__cells{i}") for i, c in enumerate(decided))).collect()
    counts = {r[FILE]: int(r["__n"]) for r in rows}
    cells = {c: sorted(set().union(*(r[f"__cells{i}"] for r in rows)))
             for i, c in enumerate(decided)}
    return counts, cells


def read_in_place(name: str, location: str, master: str) -> InPlaceTable:
    """Spark's frame of the table ``name`` at ``location``, checked against the contract
    (see the module docstring); its positions ``__row`` follow the loader's order."""
    from pyspark.sql import functions as F

    spark = spark_session(master)
    parts, folder = list_parts(spark, location)
    read = spark.read.option("basePath", location) if folder else spark.read  # Hive partitions
    try:
        source = read.parquet(*(p.path for p in parts))
    except Exception as exc:  # noqa: BLE001 - a Spark failure is one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(location, f"cannot be read as Parquet ({first[:200]}); ",
                         expected="Parquet files with the same columns") from None
    columns = _columns(source, name, location)
    spec = TABLES[name]
    for column, original in columns.items():
        kind = source.schema[original].dataType.simpleString()
        if kind not in NATIVE_TYPES[spec.columns[column].kind]:
            raise InputError(location, f"a Parquet column of type {kind}; ", column=column,
                             expected=f"one of {', '.join(NATIVE_TYPES[spec.columns[column].kind])}"
                             " (the Spark engine reads these in place; the strict loader "
                             "reads the others: copy the table into the folder and run "
                             "-p engine duckdb)")
    frame = source.select(*(F.col(f"`{o}`").alias(c) for c, o in columns.items()),
                          F.col("_metadata.file_path").alias(FILE),
                          F.col("_metadata.row_index").alias(INDEX))
    kinds = {c: spec.columns[c].kind for c in columns}
    for column, kind in kinds.items():
        if kind == "text":  # integers as the loader writes them: str(value)
            frame = frame.withColumn(column, F.col(column).cast("string"))
    counts, cells = _distinct_cells(frame, kinds)
    order = sorted(counts, key=order_key)
    starts = np.concatenate([[0], np.cumsum([counts[p] for p in order])[:-1]]).tolist()
    offsets = spark.createDataFrame(list(zip(order, starts, strict=True)), f"{FILE} string, "
                                    "__start bigint")
    frame = frame.join(F.broadcast(offsets), FILE).withColumn(
        ROW, F.col("__start") + F.col(INDEX)).drop("__start")
    for column, zone in time_zones(spark, parts).items():
        if zone is not None and column in columns and source.schema[
                columns[column]].dataType.simpleString() == "timestamp":
            # The loader keeps the wall-clock time of the column's zone, as written.
            frame = frame.withColumn(column, F.from_utc_timestamp(column, zone))
    checks = []
    for column, column_spec in spec.columns.items():
        if column not in columns:
            continue
        frame, bad, expected = _cleaned(spark, frame, column, column_spec,
                                        cells.get(column, []))
        # The loader shows the cell it refuses, but an empty one (a required text).
        checks.append((column, bad, expected, column_spec.kind != "text"))
        if column_spec.required and column_spec.kind in ("date", "timestamp"):
            checks.append((column, F.col(column).isNull(), loading._DATE_EXPECTED, False))
    frame = frame.cache()
    found = frame.select(*(F.min(F.when(check[1], F.col(ROW))).alias(f"c{i}")
                           for i, check in enumerate(checks))).first()
    for i, (column, _, expected, shown) in enumerate(checks):
        if found is not None and found[f"c{i}"] is not None:
            raise _refusal(source, frame, columns, column, int(found[f"c{i}"]), expected,
                           shown)
    present = [c for c in spec.columns if c in columns]
    frame = frame.select(*present, ROW)
    channels = pd.Series(dtype="int64")
    if "channel" in present:
        spelled = frame.where(F.col("channel").isNotNull()).groupBy("channel").count().collect()
        channels = pd.Series({r[0]: int(r[1]) for r in spelled}, dtype="int64")
    return InPlaceTable(name, location, frame, parts, sum(counts.values()), channels)


def _refusal(source, frame, columns: dict[str, str], column: str, row: int,  # noqa: ANN001
             expected: str, shown: bool) -> InputError:
    """The loader's error for the cell of ``column`` at position ``row``: the part's path
    and the record's number in it (from 1), the cell as written (``shown``) or as empty."""
    from pyspark.sql import functions as F

    where = frame.where(F.col(ROW) == row).select(FILE, INDEX).first()
    if not shown:
        return _fail(unquote(where[FILE]), column, int(where[INDEX]) + 1, expected, None)
    cell = source.select(F.col(f"`{columns[column]}`").alias("cell"),
                         F.col("_metadata.file_path").alias(FILE),
                         F.col("_metadata.row_index").alias(INDEX)).where(
        (F.col(FILE) == where[FILE]) & (F.col(INDEX) == where[INDEX])).first()
    got = None if cell is None else cell["cell"]
    return _fail(unquote(where[FILE]), column, int(where[INDEX]) + 1, expected, got)
