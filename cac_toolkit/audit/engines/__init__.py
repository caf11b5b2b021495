"""Engines: where the row selection of an audit's large tables runs.

The KPI file reads a small part of a large folder (see :mod:`.plan`). With ``engine`` set to
``duckdb`` or ``spark`` (parameter ``-p engine NAME``), that selection runs as SQL in DuckDB
(in process, out of core, on every core) or on Apache Spark (``spark_master``, ``local[*]``
by default, or a cluster), and only the chosen rows' positions come back; the figures are
then made by the same Python code as with ``pandas``, so ``kpis.json`` is identical, byte for
byte, whatever the engine.

With the default ``pandas`` engine, a folder of more than :data:`AUTO_DUCKDB_ROWS` rows in
all is handed to DuckDB when it is installed: the figures do not change, only the time.
"""

from __future__ import annotations

import dataclasses
import importlib.util

import pandas as pd

from cac_toolkit.audit.engines.plan import COLUMNS, kpi_window, profile_sql, selection_sql
from cac_toolkit.audit.engines.sql import SqlSession, arrow_tables
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.data.loading import AuditData

#: Above this many rows in all (every table of the folder), ``pandas`` hands over to DuckDB.
AUTO_DUCKDB_ROWS = 1_000_000


def total_rows(data: AuditData) -> int:
    """Rows of every table of ``data``."""
    return sum(len(t) for t in (data.spend, data.deals, data.leads, data.touchpoints)
               if t is not None)


def chosen_engine(data: AuditData, params: AuditParameters) -> str:
    """The engine that runs: ``params.engine``, or ``duckdb`` for a large folder."""
    if params.engine != "pandas":
        return params.engine
    if total_rows(data) > AUTO_DUCKDB_ROWS and importlib.util.find_spec("duckdb"):
        return "duckdb"
    return "pandas"


def open_session(engine: str, data: AuditData, params: AuditParameters) -> SqlSession:
    """A SQL session of ``engine`` holding the columns that the selection reads."""
    tables = arrow_tables(data, COLUMNS)
    if engine == "duckdb":
        from cac_toolkit.audit.engines.duckdb_engine import DuckDbSession

        return DuckDbSession(tables)
    from cac_toolkit.audit.engines.spark_engine import SparkSession

    return SparkSession(tables, params.spark_master)


def last_data_day(session: SqlSession) -> pd.Timestamp | None:
    """The latest spend or deal date (as :func:`cac_toolkit.audit.kpis.last_data_day`)."""
    days = [session.scalar(profile_sql("spend", ("date",))),
            session.scalar(profile_sql("deals", ("won_date",)))]
    days = [pd.Timestamp(d) for d in days if d is not None]
    return max(days) if days else None


def select_rows(data: AuditData, params: AuditParameters, history: int = 1) -> AuditData:
    """``data`` with only the rows that the KPI file of ``params`` reads, chosen by the engine.

    ``history`` is the number of periods of the KPI file's trend. The ``pandas`` engine
    (below the size threshold) returns ``data`` itself. Otherwise the rows kept are exactly
    those of ``data``, in their order, with their index and types.
    """
    engine = chosen_engine(data, params)
    if engine == "pandas":
        return data
    session = open_session(engine, data, params)
    try:
        period = params.audited_period(last_data_day(session))
        window = kpi_window(period, params.comparison(period), history, params.compare_to)
        kept: dict[str, pd.DataFrame | None] = {}
        for name in ("spend", "deals", "leads", "touchpoints"):
            frame = getattr(data, name)
            if frame is None:
                kept[name] = None
                continue
            columns = tuple(c for c in COLUMNS[name] if c in frame)
            kept[name] = frame.iloc[session.positions(selection_sql(name, window, columns))]
    finally:
        session.close()
    return dataclasses.replace(data, **kept)
