"""The DuckDB engine: the row selection as SQL in an in-process DuckDB database.

DuckDB reads the Arrow tables in place (no copy), runs the window functions and joins of
:mod:`cac_toolkit.audit.engines.plan` on every core, and spills to disk when a join does not
fit in memory.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from cac_toolkit.audit.engines.sql import sorted_positions


class DuckDbSession:
    """An in-memory DuckDB connection with the tables registered under their names."""

    def __init__(self, tables: dict[str, pa.Table]) -> None:
        self.connection = duckdb.connect(":memory:")
        for name, table in tables.items():
            self.connection.register(name, table)

    def positions(self, sql: str) -> np.ndarray:
        return sorted_positions(self.connection.execute(sql).fetchnumpy()["__row"])

    def scalar(self, sql: str) -> object:
        row = self.connection.execute(sql).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.connection.close()
