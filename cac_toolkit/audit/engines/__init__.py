"""Engines: where the row selection of an audit's large tables runs.

The KPI file reads a small part of a large folder (see :mod:`.plan`). With ``engine`` set to
``duckdb`` or ``spark`` (parameter ``-p engine NAME``), that selection runs as SQL in DuckDB
(in process, out of core, on every core) or on Apache Spark (``spark_master``, ``local[*]``
by default, or a cluster), and only the chosen rows' positions come back; the figures are
then made by the same Python code as with ``pandas``, so ``kpis.json`` is identical, byte for
byte, whatever the engine.

:func:`read_folder` goes further for a folder larger than memory: its tables are checked in
parts into Parquet (:mod:`.staging`), the engine selects on those files, and only the rows
the KPI file reads are loaded into pandas. :func:`select_rows` does the same selection on
tables already in memory.

With the default ``pandas`` engine, a folder of more than :data:`AUTO_DUCKDB_ROWS` rows in
all, or whose table files hold more than :data:`AUTO_DUCKDB_BYTES`, is handed to DuckDB when
it is installed: the figures do not change, only the time and the memory.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from cac_toolkit.audit.engines.plan import (
    COLUMNS,
    READ_WHERE,
    UNREAD,
    Window,
    journeys_sql,
    kpi_window,
    lead_rows_sql,
    profile_sql,
    selection_sql,
)
from cac_toolkit.audit.engines.sql import SqlSession, arrow_tables
from cac_toolkit.audit.engines.staging import (
    StagedFolder,
    fetch_rows,
    release_memory,
    stage_folder,
)
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError
from cac_toolkit.data.contract import TABLES
from cac_toolkit.data.loading import (
    AuditData,
    assemble,
    find_table_file,
    load_folder,
    parquet_parts,
)
from cac_toolkit.data.located import LocatedFileInfo, listing_sha256
from cac_toolkit.data.sources import folder as sources_folder
from cac_toolkit.data.sources.config import is_location, read_sources
from cac_toolkit.figures.counting import LEAD_COUNT

#: Above this many rows in all (every table of the folder), ``pandas`` hands over to DuckDB.
AUTO_DUCKDB_ROWS = 1_000_000
#: Above this many bytes of table files, :func:`read_folder` checks the folder out of core.
AUTO_DUCKDB_BYTES = 64 << 20


def selection_key(params: AuditParameters, history: int) -> str:
    """What decides the rows one KPI file reads: its figure parameters and trend length.

    Data cut to those rows (:attr:`AuditData.selected_for`) serve that KPI file only: the
    rows of another period, say, were left out, so its figures would be wrong.
    """
    return json.dumps({"parameters": params.as_dict(), "history": history}, sort_keys=True,
                      default=str)


class SelectionMismatch(CacToolkitError):
    """Data cut to the rows of one KPI file were asked for another one."""


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


def folder_bytes(folder: Path) -> int:
    """Bytes of the table files of ``folder`` (0 when it cannot be listed)."""
    try:
        paths = [find_table_file(folder, name) for name in TABLES]
    except CacToolkitError:
        return 0
    return sum(sum(part.stat().st_size for part in (parquet_parts(p) if p.is_dir() else [p]))
               for p in paths if p is not None)


def folder_engine(folder: Path, params: AuditParameters) -> str:
    """The engine that reads ``folder``: ``params.engine``, or ``duckdb`` for a large one."""
    if params.engine != "pandas":
        return params.engine
    if folder_bytes(folder) > AUTO_DUCKDB_BYTES and importlib.util.find_spec("duckdb"):
        return "duckdb"
    return "pandas"


def read_folder(folder: str | Path, params: AuditParameters, history: int = 1, *,
                currency: str | None = None,
                progress: Callable[[str, int], None] | None = None) -> AuditData:
    """The data that :func:`cac_toolkit.audit.kpis.compute_kpis` needs for ``params``.

    With the ``pandas`` engine on a small folder, or a folder read through ``sources.yaml``:
    :func:`~cac_toolkit.data.loading.load_folder`. Otherwise the folder is checked out of
    core (:func:`.staging.stage_folder`: the same checks, warnings and one-line errors), the
    engine selects on its Parquet parts the rows of the KPI file of ``params`` (``history``:
    the trend's periods), and only those rows are read into pandas: the KPI file is the
    same, byte for byte, while the memory is that of the selected rows.
    """
    root = Path(folder)
    engine = folder_engine(root, params) if root.is_dir() else "pandas"
    if engine == "spark" and (root / "sources.yaml").is_file():
        located = in_place_sources(root)
        if located:
            return read_in_place_folder(root, located, params, history, currency, progress)
    if engine not in ("duckdb", "spark") or (root / "sources.yaml").is_file():
        return load_folder(root, currency=currency, progress=progress)
    work = Path(tempfile.mkdtemp(prefix="cac-toolkit-staged-"))
    try:
        staged = stage_folder(root, work / "tables", currency, progress)
        release_memory()  # what checking the parts used, before DuckDB takes its share
        session = open_staged_session(staged, work, engine, params.spark_master)
        try:
            window = kpi_window_of(session, params, history)
            positions = {name: session.positions(selection_sql(name, window, COLUMNS[name]))
                         for name in ("spend", "deals") if name in staged.tables}
            # The leads no figure tells apart come as one row standing for them all.
            leads = (session.columns(lead_rows_sql(window, COLUMNS["leads"]))
                     if "leads" in staged.tables else None)
            journeys = (session.columns(journeys_sql(window, engine)) if "touchpoints" in
                        staged.tables else None)
        finally:
            session.close()
        counts = {"leads": (leads, LEAD_COUNT), "touchpoints": (journeys, "journeys")}
        for name, (rows, _) in counts.items():
            if rows is not None:
                positions[name] = rows["__row"].astype(np.int64)
        release_memory()  # what the selection used
        data = selected_data(staged, positions)
        for name, (rows, column) in counts.items():
            if rows is not None:
                getattr(data, name)[column] = rows[column].astype(np.int64)
        del leads, journeys, positions, counts
        release_memory()  # the Arrow buffers of the rows, before the figures start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dataclasses.replace(data, selected_for=selection_key(params, history))


def in_place_sources(root: Path) -> dict[str, str]:
    """The tables that ``root/sources.yaml`` locates outside the folder: table -> location
    (:func:`cac_toolkit.data.sources.config.is_location`)."""
    return {s.table: s.file for s in read_sources(root).sources if is_location(s.file)}


#: The query of the kept touchpoints with their ``journeys`` and their columns, on a table
#: read in place (whose rows come back only through this query).
IN_PLACE_TOUCHES = ("SELECT j.__row, j.journeys, t.account_id, t.timestamp, t.channel FROM "
                    "({journeys}) AS j JOIN touchpoints AS t ON j.__row = t.__row "
                    "ORDER BY j.__row")


def read_in_place_folder(root: Path, located: dict[str, str], params: AuditParameters,
                         history: int, currency: str | None,
                         progress: Callable[[str, int], None] | None) -> AuditData:
    """:func:`read_folder` of a folder whose ``sources.yaml`` locates the touchpoints
    elsewhere (``located``), with the Spark engine: Spark lists, reads and checks them in
    place (:func:`.in_place.read_in_place`); the folder's own tables are read by the
    sources reader, their channel spellings merged with the located table's; Spark then
    selects the rows of the KPI file of ``params`` and the table of paths, and only the kept
    touches (with their ``journeys``) come back to this machine."""
    from pyspark.sql import functions as F

    from cac_toolkit.audit.engines.in_place import read_in_place
    from cac_toolkit.audit.engines.spark_engine import SparkSession

    tables = {name: read_in_place(name, location, params.spark_master)
              for name, location in located.items()}
    touches = tables["touchpoints"]
    if progress is not None:
        progress(touches.location, touches.rows)
    loaded = sources_folder.read_folder(root, currency, {n: t.channels for n, t in
                                                         tables.items()})
    data = loaded.data
    frame = touches.frame
    if loaded.channels is not None:
        spark = frame.sparkSession
        side = F.broadcast(spark.createDataFrame(list(loaded.channels.items()),
                                                 "__spelling string, __name string"))
        frame = frame.join(side, frame["channel"] == side["__spelling"], "left").withColumn(
            "channel", F.coalesce(F.col("__name"), F.col("channel"))).drop("__spelling",
                                                                           "__name")
    session = SparkSession(arrow_tables(data, {n: COLUMNS[n] for n in ("spend", "deals",
                                                                       "leads")}),
                           params.spark_master)
    try:
        session.add_view("touchpoints", frame.select(*COLUMNS["touchpoints"], "__row"))
        present = {name: tuple(c for c in COLUMNS[name] if c in getattr(data, name))
                   for name in ("spend", "deals", "leads") if getattr(data, name) is not None}
        window = kpi_window_of(session, params, history)
        positions = {name: session.positions(selection_sql(name, window, columns))
                     for name, columns in present.items()}
        kept = session.columns(IN_PLACE_TOUCHES.format(journeys=journeys_sql(window, "spark")))
    finally:
        session.close()
        touches.frame.unpersist()
    touchpoints = pd.DataFrame({
        "account_id": pd.array(kept["account_id"], dtype="string"),
        "timestamp": pd.to_datetime(kept["timestamp"]).astype("datetime64[ns]"),
        "channel": pd.array(kept["channel"], dtype="string"),
        "journeys": np.asarray(kept["journeys"], dtype=np.int64)})
    files = dict(data.files)
    # The listing itself goes with the data: the audit notebook lists a local location
    # again without Spark (cac_toolkit.data.located.relisted_sha256).
    files["touchpoints"] = LocatedFileInfo("touchpoints", Path(touches.location),
                                           touches.sha256, touches.rows,
                                           location=touches.location,
                                           parts=tuple(touches.parts))
    rows = {name: getattr(data, name).iloc[positions[name]] for name in positions}
    return dataclasses.replace(data, **rows, touchpoints=touchpoints, files=files,
                               selected_for=selection_key(params, history))


def listed_again(info: LocatedFileInfo, spark_master: str) -> str | None:
    """:func:`~cac_toolkit.data.located.listing_sha256` of ``info``'s location listed again
    by Hadoop's file system, through Spark on ``spark_master``, as :func:`read_folder` listed
    it (None when it can no longer be listed, or holds no Parquet part): the audit compares
    it with ``info.sha256`` once its notebook has run, for a location the notebook cannot
    list (a bucket, HDFS)."""
    from cac_toolkit.audit.engines.in_place import list_parts
    from cac_toolkit.audit.engines.spark_engine import spark_session

    try:
        parts, _ = list_parts(spark_session(spark_master), info.location)
    except CacToolkitError:
        return None
    return listing_sha256(parts)


def selected_data(staged: StagedFolder, positions: dict[str, np.ndarray]) -> AuditData:
    """The :class:`AuditData` of the rows at ``positions`` of each staged table (every row of
    the tables without positions), channels merged as over the whole folder. With positions,
    the columns that no figure reads (:data:`.plan.UNREAD`) are left empty, and so are those
    read on some rows only (:data:`.plan.READ_WHERE`) on the other rows."""
    frames: dict[str, pd.DataFrame | None] = dict.fromkeys(TABLES)
    for name, table in staged.tables.items():
        frame = fetch_rows(table, positions.get(name), UNREAD.get(name, ()) if positions
                           else (), READ_WHERE.get(name) if positions else None)
        if staged.channels is not None and "channel" in frame:
            frame["channel"] = frame["channel"].map(staged.channels).astype("string")
        frames[name] = frame
    # The spellings are merged already: assemble names pooled spend and revenue months.
    return assemble(frames, {}, staged.files, staged.currency, staged.warnings)


def open_staged_session(staged: StagedFolder, temp: Path, engine: str = "duckdb",
                        spark_master: str = "local[*]") -> SqlSession:
    """A session of ``engine`` over the Parquet parts of ``staged``: DuckDB (spilling into
    ``temp``) or Spark on ``spark_master`` (whose executors read the parts)."""
    parquet = {n: t.glob() for n, t in staged.tables.items() if n in COLUMNS}
    if engine == "spark":
        from cac_toolkit.audit.engines.spark_engine import SparkSession

        return SparkSession.over_parquet(parquet, spark_master)
    from cac_toolkit.audit.engines.duckdb_engine import DuckDbSession

    return DuckDbSession(parquet=parquet, temp=temp)


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


def kpi_window_of(session: SqlSession, params: AuditParameters, history: int) -> Window:
    """The day ranges that the KPI file of ``params`` reads in the session's tables."""
    period = params.audited_period(last_data_day(session))
    return kpi_window(period, params.comparison(period), history, params.compare_to)


def kept_positions(session: SqlSession, params: AuditParameters, history: int,
                   columns: dict[str, tuple[str, ...]]) -> dict[str, np.ndarray]:
    """The positions of the rows of each table (``columns``: those of :data:`COLUMNS` it
    has) that the KPI file of ``params`` reads."""
    window = kpi_window_of(session, params, history)
    return {name: session.positions(selection_sql(name, window, present))
            for name, present in columns.items()}


def select_rows(data: AuditData, params: AuditParameters, history: int = 1) -> AuditData:
    """``data`` with only the rows that the KPI file of ``params`` reads, chosen by the engine.

    ``history`` is the number of periods of the KPI file's trend. The ``pandas`` engine
    (below the size threshold) returns ``data`` itself, and so does data that
    :func:`read_folder` already selected for the same parameters (for other parameters,
    :class:`SelectionMismatch`: rows they read were left out). Otherwise the rows kept are
    exactly those of ``data``, in their order, with their index and types.
    """
    if data.selected_for is not None:
        if data.selected_for != selection_key(params, history):
            raise SelectionMismatch(
                "these tables hold only the rows that the KPI file of other parameters reads "
                "(read out of core); read the folder again for these parameters")
        return data
    engine = chosen_engine(data, params)
    if engine == "pandas":
        return data
    session = open_session(engine, data, params)
    try:
        present = {name: tuple(c for c in COLUMNS[name] if c in getattr(data, name))
                   for name in COLUMNS if getattr(data, name) is not None}
        positions = kept_positions(session, params, history, present)
    finally:
        session.close()
    kept = {name: getattr(data, name).iloc[positions[name]] if name in positions else None
            for name in COLUMNS}
    return dataclasses.replace(data, **kept)
