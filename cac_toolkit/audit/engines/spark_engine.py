"""The Spark engine: the row selection and the table of paths as Spark SQL, locally or on a
cluster.

:meth:`SparkSession.over_parquet` reads the Parquet parts of a folder checked out of core
(:mod:`cac_toolkit.audit.engines.staging`) where they are; :class:`SparkSession` itself
writes tables held in memory once as Parquet into a temporary folder. Either way the
queries of :mod:`cac_toolkit.audit.engines.plan` run in Spark and only positions (and the
``journeys`` of the table of paths) come back. ``spark_master`` is ``local[*]`` (every core
of this machine) or a cluster's URL such as ``spark://host:7077``; a cluster's executors
must see those folders (shared storage: ``TMPDIR``, see docs/scale.md).

Spark's times are microseconds: the checked tables' nanosecond times are read as integers
and turned into times in a view, exactly, and a time finer than a microsecond (which Spark
would round, and could reorder) is refused with a one-line error naming the engine to use.

The session is started once per process and kept (starting the JVM takes seconds); its time
zone is UTC so that dates compare as written.
"""

from __future__ import annotations

import glob
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cac_toolkit.audit.engines.duckdb_engine import EngineError
from cac_toolkit.audit.engines.sql import sorted_positions

_SESSIONS: dict[str, object] = {}
ROW = "__row"
#: How a Spark error raised by ``raise_error`` begins.
RAISED = "[USER_RAISED_EXCEPTION]"


def spark_session(master: str):  # noqa: ANN201 - pyspark.sql.SparkSession
    """The process's Spark session for ``master`` (started on first use)."""
    if master not in _SESSIONS:
        from pyspark.sql import SparkSession as _Builder

        builder = (
            _Builder.builder.master(master).appName("cac-toolkit")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            # Nanosecond Parquet times (the staged parts') as integers, made times in a view.
            .config("spark.sql.legacy.parquet.nanosAsLong", "true"))
        if master.startswith("local"):
            # One machine: few shuffle partitions (each costs a task per stage); a cluster
            # keeps its own setting (spark-defaults.conf, adaptive execution).
            builder = builder.config("spark.sql.shuffle.partitions", "4")
        _SESSIONS[master] = builder.getOrCreate()
        _SESSIONS[master].sparkContext.setLogLevel("ERROR")
    return _SESSIONS[master]


def _microseconds(table: pa.Table, name: str) -> pa.Table:
    """The timestamps of the table ``name`` cast to microseconds (Spark's unit); a finer time
    is an :class:`EngineError` (the cast is exact or refused)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            try:
                column = table.column(i).cast(pa.timestamp("us"))
            except pa.ArrowInvalid:
                raise EngineError(_finer_than_spark(field.name, f" of {name}")) from None
            table = table.set_column(i, field.name, column)
    return table


def _finer_than_spark(column: str, where: str = "") -> str:
    return (f"the Spark engine reads times to the microsecond, and the column {column}"
            f"{where} holds a finer time; run it with -p engine duckdb")


def _microsecond_time(column: str, table: str) -> str:
    """The Spark time of ``column`` (integers of nanoseconds), or the query fails."""
    refused = _finer_than_spark(column, f" of {table}")
    return (f"CASE WHEN `{column}` % 1000 = 0 THEN timestamp_micros(`{column}` div 1000) "
            f"WHEN `{column}` IS NOT NULL THEN raise_error('{refused}') END AS `{column}`")


def nanosecond_columns(parts: list[Path]) -> list[str]:
    """The columns of the Parquet ``parts`` that hold nanosecond times (the same in every
    part: the parts of one checked table have one schema)."""
    schemas = {pq.read_schema(part).remove_metadata() for part in parts}
    if len(schemas) > 1:
        raise EngineError(f"the Parquet parts of {parts[0].parent} do not share one schema")
    return [f.name for f in schemas.pop()
            if pa.types.is_timestamp(f.type) and f.type.unit == "ns"] if schemas else []


class SparkSession:
    """The tables as Spark temporary views: ``tables`` (Arrow, in memory) written as Parquet
    into a temporary folder, or Parquet parts read where they are
    (:meth:`over_parquet`)."""

    def __init__(self, tables: dict[str, pa.Table], master: str) -> None:
        self.spark = spark_session(master)
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix="cac-toolkit-spark-"))
        self.views: list[str] = []
        try:
            for name, table in tables.items():
                path = self.folder / f"{name}.parquet"
                pq.write_table(_microseconds(table, name), path)
                self._view(name, str(path), [])
        except BaseException:
            self.close()
            raise

    @classmethod
    def over_parquet(cls, parquet: dict[str, str], master: str) -> SparkSession:
        """A session whose view ``name`` reads the Parquet files of the glob pattern
        ``parquet[name]`` (nanosecond times made Spark times, exactly; a finer time is an
        :class:`EngineError`)."""
        self = cls.__new__(cls)
        self.spark, self.folder, self.views = spark_session(master), None, []
        try:
            for name, pattern in parquet.items():
                parts = sorted(Path(p) for p in glob.glob(pattern))
                self._view(name, pattern, nanosecond_columns(parts))
        except BaseException:
            self.close()
            raise
        return self

    def add_view(self, name: str, frame) -> None:  # noqa: ANN001 - a pyspark DataFrame
        """``frame`` (read elsewhere, say in place: :mod:`.in_place`) as the view ``name``."""
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def _view(self, name: str, path: str, nanos: list[str]) -> None:
        """The view ``name`` over the Parquet files of ``path`` (a file or a glob pattern);
        the ``nanos`` columns (integers of nanoseconds) become microsecond times, exactly:
        a finer time fails the query that reads it (the loader reads times to the
        microsecond, so a checked table holds none)."""
        frame = self._run(lambda: self.spark.read.parquet(path))
        frame = frame.selectExpr(*(_microsecond_time(c, name) if c in nanos else f"`{c}`"
                                   for c in frame.columns))
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def _run(self, action):  # noqa: ANN001, ANN202 - a PySpark call and its result
        """``action()``; a failure of Spark is a one-line :class:`EngineError`."""
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        try:
            with warnings.catch_warnings():  # PySpark warns about pandas 3; plain columns
                warnings.simplefilter("ignore")
                return action()
        except (PySparkException, Py4JError) as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else exc.__class__.__name__
            if first.startswith(RAISED):  # raise_error: our own message
                raise EngineError(first[len(RAISED):].split(" SQLSTATE:")[0].strip()
                                  ) from None
            raise EngineError(f"the Spark engine failed while selecting the rows of the KPI "
                              f"file: {first}") from None

    def positions(self, sql: str) -> np.ndarray:
        rows = self._run(lambda: self.spark.sql(sql).toPandas())
        return sorted_positions(rows[ROW].to_numpy())

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        """The result of ``sql`` as NumPy arrays by column name (only the result travels
        back from the cluster)."""
        frame = self._run(lambda: self.spark.sql(sql).toPandas())
        return {name: frame[name].to_numpy() for name in frame.columns}

    def scalar(self, sql: str) -> object:
        row = self._run(lambda: self.spark.sql(sql).first())
        return None if row is None else row[0]

    def close(self) -> None:
        for name in self.views:
            self.spark.catalog.dropTempView(name)
        self.views = []
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
