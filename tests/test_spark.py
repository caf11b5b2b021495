"""The Spark engine: the selection and the table of paths run in Spark SQL, the figures stay
those of the pandas engine.

Out of core (:func:`cac_toolkit.audit.engines.read_folder`), Spark reads the Parquet parts
of the checked folder and hands back the positions and the table of distinct paths; on
tables in memory (:func:`cac_toolkit.audit.engines.select_rows`) it hands back positions.
Either way ``kpis.json`` is the pandas engine's, byte for byte. Every test of this module
shares one Spark session (started once per process, on ``local[2]``), and few folders: a
Spark query costs seconds whatever the size of the data.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from cac_toolkit import runner
from cac_toolkit.audit import engines
from cac_toolkit.audit.engines import in_place, plan, spark_engine, staging
from cac_toolkit.audit.engines.duckdb_engine import EngineError
from cac_toolkit.audit.engines.sql import arrow_tables
from cac_toolkit.audit.kpis import HISTORY_PERIODS, compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError, InputError
from cac_toolkit.core.resources import data_path
from cac_toolkit.data import checked, loading, located
from cac_toolkit.data.contract import TABLES, ColumnSpec
from cac_toolkit.data.loading import AuditData, load_folder
from cac_toolkit.runner import run_audit

SAMPLE = {"period_start": "2025-01-01", "period_end": "2025-12-31", "gross_margin": "0.75",
          "lifetime_months": "36"}
SEED_QUARTER = {"period_start": "2026-01-01", "period_end": "2026-03-31",
                "gross_margin": "0.7", "lifetime_months": "30"}
SPARK = {"engine": "spark", "spark_master": "local[2]"}


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'cac-toolkit[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on this machine (Spark needs Java 17)"
    return None


needs_spark = pytest.mark.skipif(_spark_missing() is not None, reason=str(_spark_missing()))


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 64 KiB, so that the sample company's tables are read in several parts."""
    monkeypatch.setattr(staging, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(staging, "FIRST_PART_BYTES", 64 << 10)


def kpi_text(data: AuditData, params: AuditParameters) -> str:
    """The KPI file's text, or the one-line error."""
    try:
        return kpis_to_json(compute_kpis(data, params))
    except CacToolkitError as exc:
        return f"error: {exc}"


def reference_text(folder: Path, values: dict[str, object]) -> str:
    """The pandas engine's KPI file of ``folder``."""
    return kpi_text(load_folder(folder), AuditParameters.from_mapping(values))


def read(folder: Path, values: dict[str, object]) -> tuple[AuditData, AuditParameters]:
    """The rows that the out-of-core path of ``values``' engine reads, and the parameters."""
    params = AuditParameters.from_mapping(values)
    return engines.read_folder(folder, params, HISTORY_PERIODS), params


@needs_spark
def test_spark_selects_on_the_parquet_parts_as_duckdb_does(small_parts: None) -> None:
    """Out of core, Spark's positions and table of paths are DuckDB's, row for row, and
    ``kpis.json`` is the pandas engine's."""
    folder, values = data_path("sample_company"), {**SAMPLE, "attribution_model": "markov"}
    on_spark, params = read(folder, {**values, **SPARK})
    on_duckdb, _ = read(folder, {**values, "engine": "duckdb"})
    for name in ("spend", "deals", "leads", "touchpoints"):
        assert getattr(on_spark, name).equals(getattr(on_duckdb, name)), name
    # The never-acquired accounts' touches came back as distinct paths.
    assert on_spark.touchpoints["journeys"].max() > 1
    assert len(on_spark.touchpoints) < on_spark.touchpoints["journeys"].sum()
    assert kpi_text(on_spark, params) == reference_text(folder, values)
    assert engines.select_rows(on_spark, params, HISTORY_PERIODS) is on_spark  # selected once


@needs_spark
def test_spark_out_of_core_kpi_file_is_byte_identical_on_the_seed_quarter() -> None:
    folder = data_path("saas_quarter")
    reference = reference_text(folder, SEED_QUARTER)
    assert not reference.startswith("error")
    data, params = read(folder, {**SEED_QUARTER, **SPARK})
    assert kpi_text(data, params) == reference


@needs_spark
def test_spark_on_tables_in_memory_is_byte_identical() -> None:
    """``select_rows``: Spark on the loader's tables (what a caller holding them uses)."""
    data = load_folder(data_path("sample_company"))
    values = {**SAMPLE, "attribution_model": "time_decay", "allocation_key": "pipeline"}
    reference = kpi_text(data, AuditParameters.from_mapping(values))
    assert not reference.startswith("error")
    assert kpi_text(data, AuditParameters.from_mapping({**values, **SPARK})) == reference


def test_the_loader_reads_times_to_the_microsecond(tmp_path: Path) -> None:
    """What lets Spark (microseconds) read the checked tables exactly: a nanosecond time of
    a Parquet input is read to the microsecond, whatever the engine."""
    folder = tmp_path / "client"
    shutil.copytree(data_path("sample_company"), folder)
    touches = pcsv.read_csv(folder / "touchpoints.csv")
    (folder / "touchpoints.csv").unlink()
    stamps = touches.column("timestamp").cast(pa.timestamp("ns")).to_numpy().copy()
    stamps[7] += np.timedelta64(1_001, "ns")
    pq.write_table(touches.set_column(touches.schema.get_field_index("timestamp"),
                                      "timestamp", pa.array(stamps)),
                   folder / "touchpoints.parquet")
    loaded = load_folder(folder).touchpoints["timestamp"]
    assert loaded.iloc[7] == pd.Timestamp(stamps[7]).floor("us") != pd.Timestamp(stamps[7])
    assert (loaded.to_numpy().astype(np.int64) % 1000 == 0).all()


def test_a_table_in_memory_with_a_finer_time_is_refused() -> None:
    fine = pa.table({"timestamp": pa.array(np.array([1_000, 2_001], dtype="datetime64[ns]"))})
    with pytest.raises(EngineError, match="^the Spark engine reads times to the microsecond, "
                       "and the column timestamp of touchpoints holds a finer time; run it "
                       "with -p engine duckdb$"):
        spark_engine._microseconds(fine, "touchpoints")
    exact = spark_engine._microseconds(fine.slice(0, 1), "touchpoints")
    assert exact.column(0).type == pa.timestamp("us") and exact.column(0)[0].value == 1


@needs_spark
def test_nanosecond_parquet_times_are_read_exactly_or_refused(tmp_path: Path) -> None:
    """The staged parts' nanosecond times become Spark times exactly; a finer time fails
    the query that reads it, in one line."""
    stamps = np.array(["2025-03-31T23:59:59.999999", "NaT", "1969-12-31T23:59:59.000001"],
                      dtype="datetime64[ns]")
    pq.write_table(pa.table({"timestamp": stamps, "__row": [0, 1, 2]}),
                   tmp_path / "part-00000.parquet")
    finer = tmp_path / "finer"
    finer.mkdir()
    pq.write_table(pa.table({"timestamp": stamps + np.timedelta64(1, "ns"), "__row": [0, 1, 2]}),
                   finer / "part-00000.parquet")
    session = spark_engine.SparkSession.over_parquet(
        {"touchpoints": str(tmp_path / "part-*.parquet"), "spend": str(finer / "part-*")},
        SPARK["spark_master"])
    try:
        assert session.scalar("SELECT CAST(max(timestamp) AS STRING) FROM touchpoints") == (
            "2025-03-31 23:59:59.999999")
        assert session.positions("SELECT __row FROM touchpoints WHERE timestamp < "
                                 "TIMESTAMP '1970-01-01 00:00:00'").tolist() == [2]
        assert session.scalar("SELECT count(*) FROM spend") == 3  # the times are not read
        with pytest.raises(EngineError) as refused:
            session.scalar("SELECT max(timestamp) FROM spend")
    finally:
        session.close()
    assert str(refused.value) == (
        "the Spark engine reads times to the microsecond, and the column timestamp of spend "
        "holds a finer time; run it with -p engine duckdb")


def located_folder(root: Path, parts: int = 3) -> tuple[Path, Path, Path]:
    """The sample company with its touchpoints as ``parts`` Parquet files outside the folder,
    named by a ``file://`` URL in ``sources.yaml``; the same data as a contract folder (the
    Parquet folder inside it, for the pandas engine); and the outside folder."""
    folder, reference, lake = root / "client", root / "reference", root / "lake" / "touchpoints"
    shutil.copytree(data_path("sample_company"), folder)
    (folder / "touchpoints.csv").unlink()
    touches = pcsv.read_csv(data_path("sample_company") / "touchpoints.csv")
    lake.mkdir(parents=True)
    cuts = np.linspace(0, len(touches), parts + 1).astype(int)
    for number, (start, stop) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        pq.write_table(touches.slice(start, stop - start), lake / f"part-{number:05d}.parquet")
    shutil.copytree(folder, reference)
    shutil.copytree(lake, reference / "touchpoints")
    (folder / "sources.yaml").write_text(f"touchpoints: {lake.as_uri()}/\n", encoding="utf-8")
    return folder, reference, lake


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet of a workbook as its rows of cell values (formulas as written)."""
    book = openpyxl.load_workbook(path)
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()]
            for sheet in book.worksheets}


def _without_files(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The Provenance sheet's rows without its input files block (up to the parameters)."""
    start = next(i for i, r in enumerate(rows) if r[0] == "Input files")
    stop = next(i for i, r in enumerate(rows) if r[0] == "Parameters")
    return rows[:start] + rows[stop:]


def _without_inputs(page: str) -> str:
    """The report's HTML without the table of its input files (up to the parameters)."""
    start, stop = page.index("<h4>Input files</h4>"), page.index("<h4>Parameters</h4>")
    return page[:start] + page[stop:]


@needs_spark
def test_the_audit_reads_a_located_table_in_place_as_the_pandas_audit_reads_it_local(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cac-toolkit audit -p engine spark`` on touchpoints located in ``sources.yaml``: Spark
    lists, reads and checks them where they are (neither the strict loader nor the staging
    reads them), the notebook gets the kept touches with their ``journeys`` and the listing,
    and ``kpis.json`` is the pandas audit's on the same data copied into the folder, byte for
    byte but for its ``inputs``; the report and the workbook show the same figures."""
    folder, reference_folder, lake = located_folder(tmp_path)
    values = {**SAMPLE, "attribution_model": "markov"}
    run_audit(reference_folder, tmp_path / "pandas", AuditParameters.from_mapping(values),
              progress=False, run_date="2026-01-15")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the located table was read on this machine")

    monkeypatch.setattr(loading, "_read_parquet_folder", refuse)
    monkeypatch.setattr(loading, "_read_parquet", refuse)
    monkeypatch.setattr(engines, "stage_folder", refuse)
    handed: list[AuditData] = []

    def keep(data: AuditData, where: Path) -> Path:
        handed.append(data)
        return checked.write_checked(data, where)

    monkeypatch.setattr(runner, "write_checked", keep)
    run_audit(folder, tmp_path / "spark", AuditParameters.from_mapping({**values, **SPARK}),
              progress=False, run_date="2026-01-15")
    (data,) = handed
    assert data.touchpoints["journeys"].max() > 1  # the never-acquired paths came as a table
    parts, is_folder = in_place.list_parts(spark_engine.spark_session(SPARK["spark_master"]),
                                           f"{lake.as_uri()}/")
    assert is_folder and len(parts) == 3
    reference = json.loads((tmp_path / "pandas" / "kpis.json").read_text(encoding="utf-8"))
    expected = dict(reference)
    expected["inputs"] = dict(sorted({
        **reference["inputs"], "sources.yaml": data.inputs()["sources.yaml"],
        "touchpoints": {"file": f"{lake.as_uri()}/", "sha256": in_place.listing_sha256(parts),
                        "rows": 23212, "sha256_of": "listing"}}.items()))
    assert (tmp_path / "spark" / "kpis.json").read_text(encoding="utf-8") == kpis_to_json(
        expected)
    # The notebook listed the parts again on this machine, without Spark, as Hadoop lists them.
    info = data.files["touchpoints"]
    assert located.relisted_sha256(info) == info.sha256 == in_place.listing_sha256(parts)
    pages = {name: (tmp_path / name / "report.html").read_text(encoding="utf-8")
             for name in ("pandas", "spark")}
    assert _without_inputs(pages["spark"]) == _without_inputs(pages["pandas"])
    assert info.sha256 in pages["spark"] and "touchpoints: read in place by Spark" in pages[
        "spark"] and "read in place" not in pages["pandas"]
    books = {name: _cells(tmp_path / name / "workbook.xlsx") for name in ("pandas", "spark")}
    assert books["spark"].keys() == books["pandas"].keys()
    for sheet, rows in books["pandas"].items():
        if sheet == "Provenance":
            assert _without_files(books["spark"][sheet]) == _without_files(rows)
        else:
            assert books["spark"][sheet] == rows, sheet
    assert any(info.sha256 in row for row in books["spark"]["Provenance"])
    # A part rewritten after the read: the notebook's own check refuses it in one line.
    checked.write_checked(data, tmp_path / "handed")
    stamp = (lake / "part-00001.parquet").stat().st_mtime
    os.utime(lake / "part-00001.parquet", (stamp + 10, stamp + 10))
    changed, _ = in_place.list_parts(spark_engine.spark_session(SPARK["spark_master"]),
                                     f"{lake.as_uri()}/")
    assert in_place.listing_sha256(changed) != in_place.listing_sha256(parts)
    with pytest.raises(InputError) as refused:
        checked.read_checked(tmp_path / "handed")
    assert str(refused.value) == (
        f"{lake.as_uri()}/: its Parquet parts changed while the audit ran (a part added, "
        "removed, resized or rewritten); expected the parts as they were read (run the audit "
        "again)")


@needs_spark
def test_a_located_part_changed_before_the_notebook_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part rewritten between the audit's read and its notebook: the audit stops in one
    line and writes nothing."""
    folder, _, lake = located_folder(tmp_path, parts=2)

    def rewrite(stage: str) -> None:
        if stage == "inputs":
            stamp = (lake / "part-00000.parquet").stat().st_mtime
            os.utime(lake / "part-00000.parquet", (stamp + 10, stamp + 10))

    monkeypatch.setattr(runner, "_stage", rewrite)
    with pytest.raises(CacToolkitError) as refused:
        run_audit(folder, tmp_path / "out", AuditParameters.from_mapping({**SAMPLE, **SPARK}),
                  progress=False)
    assert str(refused.value) == (
        f"{lake.as_uri()}/ changed while the audit was running; run the audit again once "
        "the file is complete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["client", "lake", "reference"]


def _located_part(tmp_path: Path, column: str, position: int, value: object) -> Path:
    """A located folder of two parts whose second part holds ``value`` in ``column`` at
    ``position``; the path of that part."""
    touches = pcsv.read_csv(data_path("sample_company") / "touchpoints.csv").slice(0, 40)
    lake = tmp_path / "lake"
    lake.mkdir()
    pq.write_table(touches.slice(0, 20), lake / "part-00000.parquet")
    second = touches.slice(20, 20)
    cells = second.column(column).to_pylist()
    cells[position] = value
    pq.write_table(second.set_column(second.schema.get_field_index(column), column,
                                     pa.array(cells, pa.string())),
                   lake / "part-00001.parquet")
    return lake


@needs_spark
def test_a_located_part_with_an_empty_required_cell_is_refused_in_one_line(
        tmp_path: Path) -> None:
    lake = _located_part(tmp_path, "account_id", 5, "  \u200b ")  # blank once cleaned
    with pytest.raises(InputError) as refused:
        in_place.read_in_place("touchpoints", lake.as_uri(), SPARK["spark_master"])
    assert str(refused.value) == (
        f"file:{lake / 'part-00001.parquet'}, column 'account_id', row 6: expected a "
        "non-empty text, got an empty cell")


@needs_spark
def test_a_located_part_with_a_wrong_choice_is_refused_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks are the contract's: a choice column declared in it is checked in place,
    with the loader's synonyms."""
    spec = TABLES["touchpoints"]
    kind = ColumnSpec("choice", choices=("inbound", "outbound"), default="inbound",
                      synonyms={"entrant": "inbound"})
    monkeypatch.setitem(in_place.TABLES, "touchpoints", dataclasses.replace(
        spec, columns={**spec.columns, "motion": kind}))
    touches = pcsv.read_csv(data_path("sample_company") / "touchpoints.csv").slice(0, 40)
    motion = ["Entrant", None, "outbound", "inbound"] * 10
    motion[27] = "sideways"
    touches = touches.append_column("motion", pa.array(motion))
    lake = tmp_path / "lake"
    lake.mkdir()
    pq.write_table(touches.slice(0, 20), lake / "part-00000.parquet")
    pq.write_table(touches.slice(20, 20), lake / "part-00001.parquet")
    with pytest.raises(InputError) as refused:
        in_place.read_in_place("touchpoints", lake.as_uri(), SPARK["spark_master"])
    assert str(refused.value) == (
        f"file:{lake / 'part-00001.parquet'}, column 'motion', row 8: expected one of "
        "inbound, outbound, got 'sideways'")


def test_a_located_table_is_refused_in_one_line_by_the_duckdb_engine(tmp_path: Path) -> None:
    lake = tmp_path / "lake" / "touchpoints"
    lake.mkdir(parents=True)
    folder = tmp_path / "client"
    shutil.copytree(data_path("sample_company"), folder)
    (folder / "touchpoints.csv").unlink()
    (folder / "sources.yaml").write_text(f"touchpoints:\n  file: {lake.as_uri()}/\n",
                                         encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read(folder, {**SAMPLE, "engine": "duckdb"})
    assert str(refused.value) == (
        f"sources.yaml, line 2: touchpoints.file: '{lake.as_uri()}/' is read in place by "
        "the Spark engine only; expected -p engine spark (or a local path to the Parquet "
        "files)")


def test_a_located_local_path_is_read_by_the_strict_loader_with_other_engines(
        tmp_path: Path) -> None:
    """An absolute path is a Parquet folder of this machine: the loader reads it (pandas and
    DuckDB engines) as it reads the folder's own."""
    folder, reference, lake = located_folder(tmp_path, parts=2)
    (folder / "sources.yaml").write_text(f"touchpoints: {lake}\n", encoding="utf-8")
    assert load_folder(folder).touchpoints.equals(load_folder(reference).touchpoints)


@needs_spark
def test_located_times_with_a_zone_are_read_as_the_loader_reads_them(tmp_path: Path) -> None:
    """The loader keeps the wall-clock time of a zoned Parquet time; Spark, reading the
    instant, is given the zone from the parts' footers and gives the same times."""
    touches = pcsv.read_csv(data_path("sample_company") / "touchpoints.csv").slice(0, 30)
    zoned = touches.column("timestamp").cast(pa.timestamp("us")).cast(
        pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz="Europe/Paris"))
    touches = touches.set_column(touches.schema.get_field_index("timestamp"), "timestamp",
                                 zoned)
    lake = tmp_path / "touchpoints"
    lake.mkdir()
    pq.write_table(touches.slice(0, 15), lake / "part-00000.parquet")
    pq.write_table(touches.slice(15), lake / "part-00001.parquet")
    expected = loading.load_table(lake, "touchpoints")["timestamp"]
    read_back = in_place.read_in_place("touchpoints", lake.as_uri(), SPARK["spark_master"])
    got = read_back.frame.orderBy("__row").select("timestamp").toPandas()["timestamp"]
    assert (got.to_numpy() == expected.to_numpy()).all()
    assert (expected.dt.hour != touches.column("timestamp").to_pandas().dt.tz_convert(
        "UTC").dt.hour).any()  # the zone moved the times: the test can fail


def test_the_audit_refuses_a_located_url_in_one_line_without_spark(tmp_path: Path) -> None:
    """A URL in ``sources.yaml`` is read in place by Spark only: the pandas audit refuses it
    before any work, and writes nothing."""
    folder, _, lake = located_folder(tmp_path, parts=1)
    with pytest.raises(InputError) as refused:
        run_audit(folder, tmp_path / "out", AuditParameters.from_mapping(SAMPLE),
                  progress=False)
    assert str(refused.value) == (
        f"sources.yaml, line 1: touchpoints.file: '{lake.as_uri()}/' is read in place by "
        "the Spark engine only; expected -p engine spark (or a local path to the Parquet "
        "files)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["client", "lake", "reference"]


def test_a_listing_elsewhere_is_left_to_the_audit_and_a_local_one_is_made_again(
        tmp_path: Path) -> None:
    """Without Spark, the notebook lists again only parts that are local files; the parts
    of a bucket are listed again by the command line (through Spark) after the notebook."""
    remote = located.LocatedFileInfo(
        "touchpoints", Path("s3a://lake/t/"), "0" * 64, 3, location="s3a://lake/t/",
        parts=(located.Part("s3a://lake/t/part-0.parquet", 10, 1),))
    assert located.local_root(remote) is None and located.relisted_sha256(remote) is None
    checked.verify(remote)  # not refused: not listable here
    lake = tmp_path / "lake"
    lake.mkdir()
    pq.write_table(pa.table({"a": [1]}), lake / "part-0.parquet")
    status = (lake / "part-0.parquet").stat()
    part = located.Part(f"file:{lake}/part-0.parquet", status.st_size,
                        status.st_mtime_ns // 1_000_000)
    local = located.LocatedFileInfo("touchpoints", Path(lake.as_uri()),
                                    located.listing_sha256([part]), 1,
                                    location=lake.as_uri(), parts=(part,))
    assert located.relisted_sha256(local) == local.sha256
    checked.verify(local)
    # An absolute path that Spark resolved on the local file system is listed here too.
    absolute = dataclasses.replace(local, path=lake, location=str(lake))
    assert located.local_root(absolute) == lake
    assert located.relisted_sha256(absolute) == local.sha256
    pq.write_table(pa.table({"a": [1]}), lake / "part-1.parquet")  # a part added
    with pytest.raises(InputError, match="its Parquet parts changed while the audit ran"):
        checked.verify(local)


@needs_spark
def test_no_query_of_the_selection_runs_a_scalar_subquery() -> None:
    """Spark runs scalar subqueries on a pool of 16 threads: the leads' selection once held
    dozens (the earliest and latest value of each date column), which could fill the pool
    with subqueries waiting for one another, a query that never returned. Every query of the
    selection and of the table of paths finds its bounds by top-1 queries instead."""
    data = load_folder(data_path("sample_company"))
    params = AuditParameters.from_mapping({**SAMPLE, **SPARK})
    columns = {**plan.COLUMNS, "leads": (*plan.COLUMNS["leads"], "channel", "segment")}
    session = spark_engine.SparkSession(arrow_tables(data, columns), params.spark_master)
    try:
        window = engines.kpi_window_of(session, params, HISTORY_PERIODS)
        queries = {name: plan.selection_sql(name, window, plan.COLUMNS[name])
                   for name in ("spend", "deals", "leads", "touchpoints")}
        queries["lead rows"] = plan.lead_rows_sql(window, plan.COLUMNS["leads"])
        queries["paths"] = plan.journeys_sql(window, "spark")
        for name, sql in queries.items():
            executed = session.spark.sql(sql)._jdf.queryExecution().executedPlan().toString()
            assert "Subquery subquery" not in executed, name
        # The test can fail: the older form of the bounds shows in the plan.
        older = session.spark.sql("SELECT min(__row) FROM leads WHERE created_date = "
                                  "(SELECT max(created_date) FROM leads)")
        assert "Subquery subquery" in older._jdf.queryExecution().executedPlan().toString()
    finally:
        session.close()
