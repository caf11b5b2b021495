"""The hostile-input corpus: every broken folder gives its exact figures or its exact error.

``tests/corpus/build_corpus.py`` writes the folders and ``tests/corpus/expected.json``; each
case is run through ``load_folder`` + ``compute_kpis`` (and the ``cli`` ones through the
command line too). Whatever happens, the input files keep their bytes, no file appears in
the folder, and an error is one line naming the file, column and row.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cac_toolkit.audit.kpis import compute_kpis, kpis_to_json
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError, InputError
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES
from cac_toolkit.data.loading import load_folder, read_raw

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
CLI_CASES = sorted(name for name, case in EXPECTED.items() if case["cli"])


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def assert_subset(expected: object, actual: object, where: str = "") -> None:
    """Every key of ``expected`` has the same value in ``actual`` (floats exactly: both are
    rounded to the cent or to 4 decimals by the KPI file)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing (have {sorted(actual)})"
            assert_subset(value, actual[key], f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


def run_case(name: str) -> dict:
    folder = CORPUS / name
    case = EXPECTED[name]
    return compute_kpis(load_folder(folder), AuditParameters.from_mapping(case["params"]))


def test_corpus_is_large_and_described() -> None:
    assert len(EXPECTED) >= 40
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(EXPECTED)
    errors = [n for n, c in EXPECTED.items() if "error" in c]
    assert len(errors) >= 20 and len(EXPECTED) - len(errors) >= 20
    for name, case in EXPECTED.items():
        assert sorted(p.name for p in (CORPUS / name).iterdir()) == case["files"], name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case(name: str) -> None:
    folder = CORPUS / name
    case = EXPECTED[name]
    before = digests(folder)
    if "error" in case:
        with pytest.raises(CacToolkitError) as info:
            run_case(name)
        message = str(info.value)
        assert message == case["error"].replace("{dir}", str(folder))
        assert "\n" not in message and "\r" not in message
    else:
        kpis = run_case(name)
        assert_subset(case["kpis"], kpis, name)
        assert sorted(kpis["channels"]) == sorted(case["channel_names"])
        text = kpis_to_json(kpis)  # no NaN or infinity anywhere in the file
        assert json.loads(text)["inputs"]["spend"]["sha256"] == before[
            kpis["inputs"]["spend"]["file"]]
    assert digests(folder) == before  # inputs are only ever read, nothing is written


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cac_toolkit.cli", *args], capture_output=True,
                          text=True, encoding="utf-8")


@pytest.mark.parametrize("name", CLI_CASES)
def test_case_through_the_command_line(name: str) -> None:
    folder = CORPUS / name
    case = EXPECTED[name]
    before = digests(folder)
    args = ["kpis", str(folder)]
    for key, value in case["params"].items():
        args += ["-p", key, value]
    result = cli(*args)
    if "error" in case:
        assert result.returncode == 2
        assert result.stdout == ""
        expected = case["error"].replace("{dir}", str(folder))
        assert result.stderr == f"cac-toolkit: error: {expected}\n"
        assert "Traceback" not in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        kpis = json.loads(result.stdout)
        assert_subset(case["kpis"], kpis, name)
        assert sorted(kpis["channels"]) == sorted(case["channel_names"])
    assert digests(folder) == before


def test_hostile_channel_names_stay_inert_text_in_the_kpi_file() -> None:
    kpis = run_case("html_and_formula_channel_names")
    text = kpis_to_json(kpis)
    # JSON strings: the names are data, quoted and escaped, never markup or a formula cell.
    assert '"<script>alert(1)</script>": {' in text
    assert '"=HYPERLINK(\\"http://evil\\",\\"x\\")": {' in text
    assert json.loads(text)["channels"]["<b>Ads</b>"]["cac_direct"] == 2500.5


def test_the_build_script_reproduces_the_committed_corpus(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(CORPUS / "build_corpus.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*")
                       if p.is_file() and p.name != "build_corpus.py" and "__pycache__" not in
                       p.parts)
    rebuilt = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert rebuilt == committed
    for relative in committed:
        if relative.suffix == ".parquet" and not relative.parent.name.endswith("_corrupt"):
            # pyarrow stamps its version in the file: compare the tables, not the bytes
            assert pq.read_table(tmp_path / relative).equals(pq.read_table(CORPUS / relative))
        else:
            assert (tmp_path / relative).read_bytes() == (CORPUS / relative).read_bytes(), (
                relative)


def test_a_formula_written_by_openpyxl_is_refused_naming_its_cell(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dépenses"
    sheet.append(["date", "amount", "category"])
    sheet.append(["2026-01-15", 4000, "marketing"])
    sheet.append(["2026-02-15", "=B2/2", "marketing"])
    book.save(tmp_path / "spend.xlsx")
    (tmp_path / "deals.csv").write_bytes((CORPUS / "plain_comma_iso" / "deals.csv").read_bytes())
    with pytest.raises(InputError) as info:
        load_folder(tmp_path)
    assert str(info.value) == (
        "spend.xlsx (sheet 'Dépenses'), column 'amount', row 3: expected a number >= 0 such as "
        "1500.50 or 1 500,50, got the formula =B2/2 in cell B3, which has no saved result "
        "(open the file in Excel or LibreOffice and save it, or paste values)")


def test_a_text_cell_starting_with_equals_is_text_not_a_formula(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["deal_id", "account_id", "won_date", "channel"])
    sheet.append(["D1", "A1", "2026-01-20", "x"])
    sheet["D2"].value = '=HYPERLINK("http://evil","x")'
    sheet["D2"].data_type = "s"  # typed as text, as Excel stores '=... entered with a quote
    book.save(tmp_path / "deals.xlsx")
    frame = loading.load_table(tmp_path / "deals.xlsx", "deals")
    assert frame["channel"].tolist() == ['=HYPERLINK("http://evil","x")']


TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


@pytest.mark.parametrize("name", sorted(n for n, c in EXPECTED.items()
                                        if any(f.endswith(TEXT_SUFFIXES) for f in c["files"])))
def test_fast_and_careful_csv_readers_agree(name: str) -> None:
    """The C parser (fast path) and the csv module (used when a row is irregular) read the
    same cells with the same row numbers."""
    for path in sorted(p for p in (CORPUS / name).iterdir() if p.suffix in TEXT_SUFFIXES
                       and p.stem in TABLES):  # raw exports named in sources.yaml: their own
        spec = TABLES[path.stem]
        try:
            fast = read_raw(path, spec)
        except InputError as error:
            with pytest.raises(InputError) as again:
                loading._read_csv(path, spec, fast=False)
            if "cells" not in str(error):  # the fast path may stop earlier on a bad row
                assert str(again.value) == str(error)
            continue
        careful = loading._read_csv(path, spec, fast=False)
        assert careful.frame.columns.tolist() == fast.frame.columns.tolist()
        assert careful.rows.tolist() == fast.rows.tolist()
        for column in fast.frame.columns:
            assert careful.frame[column].tolist() == fast.frame[column].tolist(), (path, column)


MUTATION_TOKENS = [b";", b",", b'"', b"\n", b"\r\n", b"\x00", b"\xff", b"\xc3", b"=", b"-", b"(",
                   b"\t", b" ", b"1,5", b"31/02/2026", b"2026-13-01", "é".encode(), b"\xe9",
                   b"NaN", b"1e308", b"\xef\xbb\xbf", b"shared", b"new", b"true", b"\x1b[2J"]
mutation = st.tuples(st.floats(0, 1), st.sampled_from(["insert", "delete", "truncate", "flip"]),
                     st.sampled_from(MUTATION_TOKENS), st.integers(0, 255))


def mutate(data: bytes, edits: list[tuple[float, str, bytes, int]]) -> bytes:
    out = bytearray(data)
    for where, kind, token, byte in edits:
        pos = int(where * len(out))
        if kind == "insert":
            out[pos:pos] = token
        elif kind == "delete":
            del out[pos:pos + 1 + byte % 5]
        elif kind == "truncate":
            del out[pos:]
        elif out:
            out[min(pos, len(out) - 1)] = byte
    return bytes(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(EXPECTED)), st.lists(mutation, min_size=1, max_size=4),
       st.booleans())
def test_damaged_files_give_figures_or_one_line_never_a_traceback(
        name: str, edits: list, both: bool) -> None:
    """Random damage to a corpus file (inserted separators, quotes, NUL or invalid bytes,
    truncation, flipped bytes): the audit still ends in figures or in one line."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, path in enumerate(sorted((CORPUS / name).iterdir())):
            data = path.read_bytes()
            (folder / path.name).write_bytes(mutate(data, edits) if i == 0 or both else data)
        before = digests(folder)
        try:
            kpis = compute_kpis(load_folder(folder), AuditParameters.from_mapping(
                EXPECTED[name]["params"]))
        except CacToolkitError as error:
            assert "\n" not in str(error) and "\r" not in str(error)
        else:
            kpis_to_json(kpis)
        assert digests(folder) == before
