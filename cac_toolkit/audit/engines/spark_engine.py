"""The Spark engine: the row selection as Spark SQL, locally or on a cluster.

The selected columns are written once as Parquet (timestamps in microseconds, Spark's unit)
into a temporary folder that the Spark session reads; the queries of
:mod:`cac_toolkit.audit.engines.plan` run there and only the kept rows' positions come back.
``spark_master`` is ``local[*]`` (every core of this machine) or a cluster's URL such as
``spark://host:7077``; a cluster must see the temporary folder (shared storage), or the
tables are read where they live, see docs/scale.md.

The session is started once per process and kept (starting the JVM takes seconds); its time
zone is UTC so that dates compare as written.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cac_toolkit.audit.engines.sql import sorted_positions

_SESSIONS: dict[str, object] = {}


def spark_session(master: str):  # noqa: ANN201 - pyspark.sql.SparkSession
    """The process's Spark session for ``master`` (started on first use)."""
    if master not in _SESSIONS:
        from pyspark.sql import SparkSession as _Builder

        _SESSIONS[master] = (
            _Builder.builder.master(master).appName("cac-toolkit")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate())
        _SESSIONS[master].sparkContext.setLogLevel("ERROR")
    return _SESSIONS[master]


def _microseconds(table: pa.Table) -> pa.Table:
    """Timestamps cast to microseconds (Spark reads no nanosecond Parquet timestamps)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(
                pa.timestamp("us"), safe=False))
    return table


class SparkSession:
    """The tables as Spark temporary views over Parquet files in a temporary folder."""

    def __init__(self, tables: dict[str, pa.Table], master: str) -> None:
        self.spark = spark_session(master)
        self.folder = Path(tempfile.mkdtemp(prefix="cac-toolkit-spark-"))
        for name, table in tables.items():
            path = self.folder / f"{name}.parquet"
            pq.write_table(_microseconds(table), path)
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def positions(self, sql: str) -> np.ndarray:
        with warnings.catch_warnings():  # PySpark warns about pandas 3; one int column is safe
            warnings.simplefilter("ignore")
            rows = self.spark.sql(sql).toPandas()["__row"].to_numpy()
        return sorted_positions(rows)

    def scalar(self, sql: str) -> object:
        row = self.spark.sql(sql).first()
        return None if row is None else row[0]

    def close(self) -> None:
        for name in ("spend", "deals", "leads", "touchpoints"):
            self.spark.catalog.dropTempView(name)
        shutil.rmtree(self.folder, ignore_errors=True)
