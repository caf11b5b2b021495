"""What an engine offers the row selection: tables by name, a query giving positions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
import pyarrow as pa

from cac_toolkit.data.loading import AuditData


class SqlSession(Protocol):
    """A SQL engine holding the tables ``spend``, ``deals``, ``leads``, ``touchpoints``."""

    def positions(self, sql: str) -> np.ndarray:
        """The sorted distinct ``__row`` values that ``sql`` returns (int64)."""
        ...

    def scalar(self, sql: str) -> object:
        """The single value of a one-row, one-column query."""
        ...

    def close(self) -> None:
        """Free the session's resources."""
        ...


def arrow_tables(data: AuditData, columns: Mapping[str, tuple[str, ...]]
                 ) -> dict[str, pa.Table]:
    """The columns each query reads, as Arrow tables with ``__row`` (the row's position)."""
    tables: dict[str, pa.Table] = {}
    for name, wanted in columns.items():
        frame = getattr(data, name)
        if frame is None:
            continue
        present = [c for c in wanted if c in frame]
        table = pa.Table.from_pandas(frame[present], preserve_index=False)
        tables[name] = table.append_column("__row", pa.array(np.arange(len(frame),
                                                                       dtype=np.int64)))
    return tables


def sorted_positions(values: np.ndarray) -> np.ndarray:
    """Distinct positions in increasing order, so the rows keep their order."""
    return np.unique(np.asarray(values, dtype=np.int64))
