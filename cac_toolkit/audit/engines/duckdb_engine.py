"""The DuckDB engine: the row selection as SQL in an in-process DuckDB database.

DuckDB reads the Arrow tables in place (no copy), or the Parquet parts of a folder checked
out of core (:mod:`cac_toolkit.audit.engines.staging`) straight from disk, runs the window
functions and joins of :mod:`cac_toolkit.audit.engines.plan` on every core, and spills to
disk (``temp``) when a join does not fit in :data:`MEMORY_LIMIT`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from cac_toolkit.audit.engines.sql import sorted_positions
from cac_toolkit.core.errors import CacToolkitError

#: DuckDB's memory for the selection; beyond it, its joins and sorts spill to disk (the
#: lists of the table of paths do not: at 1000x the sample company they need more than 1 GB).
MEMORY_LIMIT = "2GB"


class EngineError(CacToolkitError):
    """The SQL engine could not run the selection (out of memory, a disk full...)."""


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDbSession:
    """An in-memory DuckDB connection with the tables registered under their names:
    ``tables`` as Arrow tables, ``parquet`` as views over Parquet files (a glob pattern)."""

    def __init__(self, tables: dict[str, pa.Table] | None = None,
                 parquet: dict[str, str] | None = None, temp: Path | None = None) -> None:
        self.connection = duckdb.connect(":memory:")
        # No progress bar: it would write into a KPI file printed on stdout.
        self.connection.execute("SET enable_progress_bar = false")
        self.connection.execute("SET preserve_insertion_order = false")  # positions are sorted
        self.connection.execute(f"SET memory_limit = {_quoted(MEMORY_LIMIT)}")
        if temp is not None:
            self.connection.execute(f"SET temp_directory = {_quoted(str(temp))}")
        for name, table in (tables or {}).items():
            self.connection.register(name, table)
        for name, pattern in (parquet or {}).items():
            self.connection.execute(f"CREATE VIEW {name} AS SELECT * FROM "
                                    f"read_parquet({_quoted(pattern)})")

    def _run(self, sql: str) -> duckdb.DuckDBPyConnection:
        """``sql`` executed; a failure of DuckDB is a one-line :class:`EngineError`."""
        try:
            return self.connection.execute(sql)
        except duckdb.OutOfMemoryException:
            raise EngineError(f"the DuckDB engine ran out of its memory ({MEMORY_LIMIT}) while "
                              "selecting the rows of the KPI file; free memory or give DuckDB "
                              "more (cac_toolkit.audit.engines.duckdb_engine.MEMORY_LIMIT)"
                              ) from None
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            raise EngineError(f"the DuckDB engine failed while selecting the rows of the KPI "
                              f"file: {first}") from None

    def positions(self, sql: str) -> np.ndarray:
        return sorted_positions(self._run(sql).fetchnumpy()["__row"])

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        """The result of ``sql`` as NumPy arrays by column name."""
        return self._run(sql).fetchnumpy()

    def scalar(self, sql: str) -> object:
        row = self._run(sql).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.connection.close()
