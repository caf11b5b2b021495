"""Engines: DuckDB chooses the rows, the figures stay those of the pandas engine (Spark: see
test_spark.py).

``kpis.json`` must be the same text, byte for byte, whatever ``engine`` says, on every folder
of data/ and of the hostile corpus that loads (a folder that does not load fails before any
engine runs), with the same one-line errors when the figures refuse the folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from cac_toolkit.audit import engines
from cac_toolkit.audit.engines import staging
from cac_toolkit.audit.kpis import HISTORY_PERIODS, compute_kpis, kpis_to_json, last_data_day
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError, ParameterError
from cac_toolkit.core.resources import data_path
from cac_toolkit.data.loading import AuditData, load_folder, sha256_of

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
# The audit folders of data/ (a spend table); data/capstone_client holds raw exports before
# preparation, and data/exercise_company is the sample's generator with another seed (no new
# case).
DATA = sorted(p.name for p in data_path("sample_company").parent.iterdir()
              if p.is_dir() and p.name != "exercise_company"
              and any((p / f"spend.{ext}").exists() for ext in ("csv", "xlsx", "parquet")))
SAMPLE = {"period_start": "2025-01-01", "period_end": "2025-12-31", "gross_margin": "0.75",
          "lifetime_months": "36"}
SEED_QUARTER = {"period_start": "2026-01-01", "period_end": "2026-03-31",
                "gross_margin": "0.7", "lifetime_months": "30"}


def kpi_text(data: AuditData, values: dict[str, object]) -> str:
    """The KPI file's text, or the one-line error, for ``values``."""
    try:
        return kpis_to_json(compute_kpis(data, AuditParameters.from_mapping(values)))
    except CacToolkitError as exc:
        return f"error: {exc}"


def corpus_data(name: str) -> AuditData | None:
    try:
        return load_folder(CORPUS / name)
    except CacToolkitError:
        return None  # refused by the loader, before any engine


@pytest.fixture(scope="module")
def sample() -> AuditData:
    return load_folder(data_path("sample_company"))


def test_engine_is_a_checked_parameter_left_out_of_the_kpi_file() -> None:
    params = AuditParameters.from_mapping({"engine": "duckdb", "spark_master": "local[2]"})
    assert params.engine == "duckdb" and params.spark_master == "local[2]"
    assert "engine" not in params.as_dict() and "spark_master" not in params.as_dict()
    assert params.all_values()["engine"] == "duckdb"
    with pytest.raises(ParameterError, match="engine.*pandas, duckdb, spark"):
        AuditParameters.from_mapping({"engine": "polars"})
    with pytest.raises(ParameterError, match="spark_master"):
        AuditParameters(spark_master=" ")


def test_duckdb_keeps_only_the_rows_the_figures_read(sample: AuditData) -> None:
    quarter = {"period_start": "2025-10-01", "period_end": "2025-12-31"}
    params = AuditParameters.from_mapping({**quarter, "engine": "duckdb"})
    kept = engines.select_rows(sample, params)
    for name in ("spend", "deals", "leads", "touchpoints"):
        full, part = getattr(sample, name), getattr(kept, name)
        assert 0 < len(part) < len(full), name
        assert part.index.is_monotonic_increasing, f"{name}: rows keep their order"
        assert part.dtypes.equals(full.dtypes), name
        assert part.equals(full.loc[part.index]), f"{name}: rows are the loader's, unchanged"
    # A longer trend reads more of the past.
    longer = engines.select_rows(sample, params, history=4)
    assert len(longer.spend) > len(kept.spend)
    assert engines.select_rows(sample, AuditParameters.from_mapping(SAMPLE)) is sample


def test_large_folders_go_to_duckdb_by_default(sample: AuditData,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    params = AuditParameters.from_mapping(SAMPLE)
    assert engines.chosen_engine(sample, params) == "pandas"
    monkeypatch.setattr(engines, "AUTO_DUCKDB_ROWS", engines.total_rows(sample) - 1)
    assert engines.chosen_engine(sample, params) == "duckdb"
    assert engines.chosen_engine(sample, AuditParameters(engine="spark")) == "spark"


def _has_touchpoints(folder: str) -> bool:
    return any(data_path(folder).glob("touchpoints.*"))


#: Every model on folders with touchpoints; without them every model but ``deal`` reads the
#: same rows as ``markov``, so those two stand for the rest (no case is generated to skip).
DATA_MODELS = [(folder, model) for folder in DATA
               for model in ("deal", "linear", "time_decay", "markov", "shapley")
               if _has_touchpoints(folder) or model in ("deal", "markov")]


@pytest.mark.parametrize(("folder", "model"), DATA_MODELS)
def test_duckdb_kpi_file_is_byte_identical_on_data(folder: str, model: str) -> None:
    data = load_folder(data_path(folder))
    assert (data.touchpoints is not None) == _has_touchpoints(folder), folder
    values = {"attribution_model": model, "gross_margin": "0.7", "lifetime_months": "30"}
    reference = kpi_text(data, values)
    assert kpi_text(data, {**values, "engine": "duckdb"}) == reference


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_duckdb_kpi_file_is_byte_identical_on_the_corpus(name: str) -> None:
    data = corpus_data(name)
    if data is None:
        return
    params = EXPECTED[name]["params"]
    for model in ("deal", "markov") if data.touchpoints is not None else ("deal",):
        values = {**params, "attribution_model": model}
        assert kpi_text(data, {**values, "engine": "duckdb"}) == kpi_text(data, values), model


def test_duckdb_gives_the_same_one_line_errors() -> None:
    data = load_folder(data_path("saas_quarter"))
    for values in ({"period_start": "2030-01-01", "period_end": "2030-03-31"},
                   {"allocation_key": "pipeline"}):
        reference = kpi_text(data, values)
        assert reference.startswith("error: ") and "\n" not in reference
        assert kpi_text(data, {**values, "engine": "duckdb"}) == reference


@pytest.mark.parametrize("values", [
    {"period": "2025-Q4", "compare_to": "year_ago"},
    {"period": "2025-Q3", "compare_to": "previous_calendar", "attribution_model": "markov"},
    {"period": "2025-H2", "allocation_key": "pipeline"},
    {"period": "2025-11", "attribution_model": "time_decay"},
])
def test_duckdb_follows_the_period_and_comparison_parameters(sample: AuditData,
                                                            values: dict[str, object]) -> None:
    reference = kpi_text(sample, values)
    assert not reference.startswith("error")
    assert kpi_text(sample, {**values, "engine": "duckdb"}) == reference


# ------------------------------------------------------------------ out of core (read_folder)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 64 KiB, so that the sample company's tables are read in several parts."""
    monkeypatch.setattr(staging, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(staging, "FIRST_PART_BYTES", 64 << 10)


def staged_text(folder: Path, values: dict[str, object]) -> str:
    """The KPI file (or the one-line error) through the out-of-core path."""
    params = AuditParameters.from_mapping({**values, "engine": "duckdb"})
    try:
        return kpis_to_json(compute_kpis(engines.read_folder(folder, params,
                                                             HISTORY_PERIODS), params))
    except CacToolkitError as exc:
        return f"error: {exc}"


def reference_text(folder: Path, values: dict[str, object]) -> str:
    try:
        return kpi_text(load_folder(folder), values)
    except CacToolkitError as exc:
        return f"error: {exc}"


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("folder", DATA)
def test_out_of_core_kpi_file_is_byte_identical_on_data(folder: str) -> None:
    values = {"attribution_model": "markov", "gross_margin": "0.7", "lifetime_months": "30"}
    assert staged_text(data_path(folder), values) == reference_text(data_path(folder), values)


def test_out_of_core_reads_only_the_rows_of_the_kpi_file(small_parts: None) -> None:
    params = AuditParameters.from_mapping({**SAMPLE, "engine": "duckdb"})
    full = load_folder(data_path("sample_company"))
    kept = engines.read_folder(data_path("sample_company"), params, HISTORY_PERIODS)
    assert kept.inputs() == full.inputs() and kept.warnings == full.warnings
    for name in ("spend", "deals", "leads", "touchpoints"):
        part = getattr(kept, name).drop(columns=["journeys", "lead_count"], errors="ignore")
        assert 0 < len(part) <= len(getattr(full, name)), name
        assert part.dtypes.equals(getattr(full, name).dtypes), name
        unread = list(engines.UNREAD.get(name, ()))
        assert part[unread].isna().all().all(), f"{name}: no figure reads {unread}"
        where = engines.READ_WHERE.get(name, {})
        for column, other in where.items():  # read on the rows where ``other`` is set only
            whole = getattr(full, name).loc[part.index, column]
            assert part[column].equals(whole.where(part[other].notna())), column
            assert part[column].notna().any() and whole[part[other].isna()].notna().any()
        read = part.drop(columns=unread + list(where))
        assert read.equals(getattr(full, name).loc[part.index, read.columns]), name
    # The never-acquired accounts' touches come as distinct paths standing for many accounts.
    assert len(kept.touchpoints) < len(full.touchpoints) / 3
    assert kept.touchpoints["journeys"].max() > 1
    # The leads without an opportunity or a win come as one row per creation day, channel,
    # segment and stages reached, standing for them all; the others stand for themselves.
    counts = kept.leads["lead_count"]
    assert counts.max() > 1 and len(kept.leads) < len(full.leads)
    alone = kept.leads["opportunity_date"].notna() | kept.leads["won_date"].notna()
    assert (counts[alone] == 1).all()
    period = params.audited_period(last_data_day(full))
    cohort = period.contains(kept.leads["created_date"])
    assert counts[cohort].sum() == period.contains(full.leads["created_date"]).sum()
    assert engines.select_rows(kept, params, HISTORY_PERIODS) is kept  # selected once


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_out_of_core_kpi_file_is_byte_identical_on_the_corpus(name: str) -> None:
    values = {**EXPECTED[name]["params"], "attribution_model": "markov"}
    assert staged_text(CORPUS / name, values) == reference_text(CORPUS / name, values)


def hostile_folder(root: Path, spend_rows: list[str], deals_extra: str = "") -> Path:
    """A French export (``;``, decimal commas, day-first dates, a title line, quoted
    cells, CRLF) larger than one part."""
    root.mkdir()
    deals = ["Export CRM au 31/03/2026", "deal_id;account_id;won_date;channel;mrr"]
    deals += [f'D{i};"A{i};x";{1 + i % 28:02d}/0{1 + i % 3}/2026;SEO;{i % 97},5'
              for i in range(9000)]
    (root / "deals.csv").write_bytes(("\r\n".join(deals) + deals_extra + "\r\n").encode())
    (root / "spend.csv").write_text("\n".join(["date;amount;category;channel", *spend_rows])
                                    + "\n", encoding="utf-8")
    return root


def test_out_of_core_parts_give_the_loaders_tables_and_errors(tmp_path: Path,
                                                              small_parts: None) -> None:
    spend = [f"{1 + i % 28:02d}/01/2026;{1 + i % 900} {i % 1000:03d},{i % 100:02d};"
             "marketing;seo" for i in range(4000)]
    good = hostile_folder(tmp_path / "good", spend)
    staged = staging.stage_folder(good, tmp_path / "work")
    assert staged.tables["deals"].parts > 1 and staged.tables["spend"].parts > 1
    full, copy = load_folder(good), engines.selected_data(staged, {})
    assert copy.inputs() == full.inputs() and copy.currency == full.currency
    for name in ("spend", "deals"):
        assert getattr(copy, name).equals(getattr(full, name)), name
    # A bad row far into the last part, a decimal mark that changes in a later part, an id
    # seen in two parts: the loader's own one-line errors.
    for case, rows, extra in (
            ("late", spend[:-1] + ["31/02/2026;1,00;marketing;seo"], ""),
            ("marks", spend + ["02/01/2026;1.5;marketing;seo"], ""),
            ("twice", spend, "\r\nD5;A5;01/01/2026;SEO;1")):
        folder = hostile_folder(tmp_path / case, rows, extra)
        reference = reference_text(folder, SEED_QUARTER)
        assert reference.startswith("error: "), case
        assert staged_text(folder, SEED_QUARTER) == reference, case


def test_a_table_may_be_a_folder_of_parquet_files(tmp_path: Path, small_parts: None) -> None:
    """``touchpoints/batch=N/part-0.parquet`` (Hive partitions): the same KPI file with
    every engine as the CSV file (out of core: read batch by batch), and a hash that
    follows every part."""
    folder = tmp_path / "client"
    shutil.copytree(data_path("sample_company"), folder)
    touches = pcsv.read_csv(folder / "touchpoints.csv")
    (folder / "touchpoints.csv").unlink()
    step = -(-touches.num_rows // 3)
    for batch in range(3):
        part = folder / "touchpoints" / f"batch={batch}" / "part-0.parquet"
        part.parent.mkdir(parents=True)
        pq.write_table(touches.slice(batch * step, step), part)
    values = {**SAMPLE, "attribution_model": "markov"}
    reference = reference_text(data_path("sample_company"), values)
    assert reference_text(folder, values) == reference.replace(
        '"file": "touchpoints.csv"', '"file": "touchpoints"').replace(
        load_folder(data_path("sample_company")).files["touchpoints"].sha256,
        sha256_of(folder / "touchpoints"))
    assert staged_text(folder, values) == reference_text(folder, values)
    assert kpi_text(load_folder(folder), {**values, "engine": "duckdb"}) == reference_text(
        folder, values)
    before = sha256_of(folder / "touchpoints")
    (folder / "touchpoints" / "batch=2" / "part-0.parquet").rename(
        folder / "touchpoints" / "batch=2" / "part-1.parquet")
    assert sha256_of(folder / "touchpoints") != before  # a renamed part is another table


def test_duckdb_out_of_memory_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from cac_toolkit.audit.engines import duckdb_engine

    monkeypatch.setattr(duckdb_engine, "MEMORY_LIMIT", "2MB")
    text = staged_text(data_path("sample_company"), SAMPLE)
    assert text.startswith("error: the DuckDB engine ran out of its memory (2MB)")
    assert "\n" not in text


def test_rows_cut_for_one_kpi_file_are_refused_for_another(small_parts: None) -> None:
    """Out of core, the rows kept are those of one KPI file: asked for another period (whose
    rows were left out), the figures are refused rather than computed on missing rows; asked
    again for the same parameters, through the audit's checked tables, they are the same."""
    folder = data_path("sample_company")
    values = {**SAMPLE, "engine": "duckdb"}
    data = engines.read_folder(folder, AuditParameters.from_mapping(values), HISTORY_PERIODS)
    assert len(data.touchpoints) < len(load_folder(folder).touchpoints)  # rows left out
    other = {**values, "period_start": "2024-01-01", "period_end": "2024-03-31"}
    with pytest.raises(engines.SelectionMismatch, match="other parameters"):
        compute_kpis(data, AuditParameters.from_mapping(other))
    assert kpi_text(data, values) == reference_text(folder, SAMPLE)
