"""The loader cell by cell: numbers, dates, booleans, text, encodings, headers, channels.

The corpus (``test_corpus.py``) runs whole folders; these tests pin each parsing rule of
``docs/data-format.md`` on single cells, so that a change of rule shows up by name.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import InputError
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES, ColumnSpec
from cac_toolkit.data.loading import (
    AuditData,
    FileInfo,
    RawTable,
    decode_text,
    harmonise_channels,
    load_folder,
    load_table,
    parse_table,
    read_raw,
)

SPEND = "date,amount,category,channel,item\n2026-01-15,100,marketing,SEO,x\n"
DEALS = "deal_id,account_id,won_date,channel\nD1,A1,2026-01-20,SEO\n"


def raw_of(cells: list[object], hint: str = ".") -> RawTable:
    """One column ``x`` as a CSV (all text) or a spreadsheet (native values) would give it."""
    if all(isinstance(c, str) for c in cells):
        column = pd.Series(cells, dtype="str")
    else:
        column = pd.Series(cells, dtype=object)
    return RawTable("t.csv", pd.DataFrame({"x": column}), np.arange(2, len(cells) + 2), 1, hint)


def numbers(cells: list[object], hint: str = ".") -> list[float]:
    return loading.parse_number(raw_of(cells, hint), "x", ColumnSpec("number")).tolist()


def number_error(cells: list[object], hint: str = ".", **spec: object) -> str:
    with pytest.raises(InputError) as info:
        loading.parse_number(raw_of(cells, hint), "x", ColumnSpec("number", **spec))
    return str(info.value)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("cell", "hint", "value"), [
    ("1500.50", ".", 1500.5),
    ("1500,50", ".", 1500.5),
    ("1 500,50", ",", 1500.5),
    ("1\u00a0500,50", ",", 1500.5),
    ("1\u202f500,50", ",", 1500.5),
    ("1.500,50", ".", 1500.5),
    ("1,500.50", ",", 1500.5),
    ("1'500.50", ".", 1500.5),
    ("12,345,678.9", ".", 12345678.9),
    ("1.500.000", ".", 1500000.0),
    ("0,500", ".", 0.5),
    ("1,5E+03", ",", 1500.0),
    ("+1500", ".", 1500.0),
    ("- 12", ".", -12.0),
    ("(1 500,50)", ",", -1500.5),
    ("€ 1 500,50", ",", 1500.5),
    ("1 500,50 €", ",", 1500.5),
    ("EUR 1,500.50", ".", 1500.5),
    (" 12 ", ".", 12.0),
])
def test_numbers_in_either_convention(cell: str, hint: str, value: float) -> None:
    assert numbers([cell], hint) == [value]


@pytest.mark.parametrize(("cell", "hint", "value"), [
    ("1,500", ".", 1500.0),  # comma-separated file: a comma followed by 3 digits groups
    ("1,500", ",", 1.5),  # semicolon file (French export): the comma is decimal
    ("1.500", ".", 1.5),
    ("1.500", ",", 1500.0),
])
def test_an_ambiguous_column_follows_the_file_convention(cell: str, hint: str,
                                                         value: float) -> None:
    assert numbers([cell], hint) == [value]


def test_one_cell_that_shows_the_decimal_mark_decides_the_column() -> None:
    assert numbers(["1,500", "12,5"], ".") == [1.5, 12.5]
    assert numbers(["1.500", "1.500,5"], ".") == [1500.0, 1500.5]


def test_a_column_with_two_decimal_marks_is_refused_at_the_first_disagreement() -> None:
    assert number_error(["1 500,50", "7", "2,500.50"], ",") == (
        "t.csv, column 'x', row 4: expected one decimal mark in the whole column (',' as in "
        "row 2), got '2,500.50'")


@pytest.mark.parametrize("cell", ["douze", "1500-", "1 50", "1,50,000", "12 %", "NaN", "inf",
                                  "1e400", "--5", "1.2.3,4,5", "€", "0x10", "١٢"])
def test_what_is_not_a_number(cell: str) -> None:
    assert number_error(["1", cell]) == f"t.csv, column 'x', row 3: expected a number, got '{cell}'"


def test_native_spreadsheet_numbers_and_refused_natives() -> None:
    assert numbers([1500, 12.5, None, np.float64(3)]) == pytest.approx([1500, 12.5, np.nan, 3],
                                                                       nan_ok=True)
    assert number_error([True]) == "t.csv, column 'x', row 2: expected a number, got 'True'"
    assert number_error([dt.datetime(2026, 1, 2)]) == (
        "t.csv, column 'x', row 2: expected a number, got '2026-01-02'")


def test_range_limits_name_the_row() -> None:
    assert number_error(["5", "-1"], minimum=0.0, expected="a number >= 0") == (
        "t.csv, column 'x', row 3: expected a number >= 0, got '-1'")
    assert number_error(["2e12"], maximum=1e12) == (
        "t.csv, column 'x', row 2: expected at most 1,000,000,000,000 on one line, got '2e12'")
    cells = ["9e11"] * 1200
    assert number_error(cells, maximum=1e12).startswith(
        "t.csv, column 'x', row 1113: expected a column total of at most "
        "1,000,000,000,000,000 (the running total passes it here)")


def test_currency_marks_are_recorded_per_column() -> None:
    raw = raw_of(["$ 12", "13", "14 USD", "(€ 5)"])
    assert loading.parse_number(raw, "x", ColumnSpec("number")).tolist() == [12, 13, 14, -5]
    assert raw.marks["x"].to_dict() == {0: "USD", 2: "USD", 3: "EUR"}


# --------------------------------------------------------------------------- dates


def dates(cells: list[object], kind: str = "date") -> list[str]:
    parsed = loading.parse_date(raw_of(cells), "x", ColumnSpec(kind))
    return [str(v) for v in parsed]


@pytest.mark.parametrize(("cell", "day"), [
    ("2026-07-01", "2026-07-01 00:00:00"),
    ("2026-7-1", "2026-07-01 00:00:00"),
    ("01/07/2026", "2026-07-01 00:00:00"),
    ("1/7/2026", "2026-07-01 00:00:00"),
    ("01.07.2026", "2026-07-01 00:00:00"),
    ("01-07-2026", "2026-07-01 00:00:00"),
    ("2026/07/01", "2026-07-01 00:00:00"),
    ("2026-07-01T10:30:00", "2026-07-01 10:30:00"),
    ("2026-07-01 10:30", "2026-07-01 10:30:00"),
    ("01/07/2026 10:30:15", "2026-07-01 10:30:15"),
    ("2026-07-01T23:30:00-05:00", "2026-07-01 23:30:00"),  # the time as written
    ("2026-07-01T10:30:00,5Z", "2026-07-01 10:30:00.500000"),
    ("29/02/2028", "2028-02-29 00:00:00"),
])
def test_dates_in_the_accepted_formats(cell: str, day: str) -> None:
    assert dates([cell], "timestamp") == [day]
    assert dates([cell]) == [day[:10] + " 00:00:00"]  # date columns keep the day only


@pytest.mark.parametrize("cell", ["29/02/2027", "31/02/2026", "2026-02-30", "15/01/26",
                                  "46037", "1 juillet 2026", "20260701", "2026-07",
                                  "2026-07-01T25:00", "demain"])
def test_what_is_not_a_date(cell: str) -> None:
    with pytest.raises(InputError) as info:
        dates(["2026-01-01", cell])
    assert str(info.value) == ("t.csv, column 'x', row 3: expected a date such as 2026-07-01 or "
                               f"01/07/2026, got '{cell}'")


@pytest.mark.parametrize("cell", ["02/15/2026", "2/13/2026", "12/31/2025 10:00"])
def test_a_month_first_date_is_refused_naming_its_row_and_the_fix(cell: str) -> None:
    """Wrong-number case 2: US month-first dates are never read day-first silently."""
    with pytest.raises(InputError) as info:
        dates(["01/02/2026", cell])
    day = cell.split("/")[1]
    assert str(info.value) == (
        "t.csv, column 'x', row 3: expected a date such as 2026-07-01 or 01/07/2026 "
        f"({day} is not a month: the column is month-first, as US exports write it; set "
        f"date_format: mdy for this source in sources.yaml, or write ISO dates), got '{cell}'")


def test_native_dates_and_implausible_years() -> None:
    assert dates([dt.datetime(2026, 7, 1, 10, 30), dt.date(2026, 7, 2),
                  pd.Timestamp("2026-07-03 23:30", tz="Europe/Paris"), None]) == [
        "2026-07-01 00:00:00", "2026-07-02 00:00:00", "2026-07-03 00:00:00", "NaT"]
    with pytest.raises(InputError, match="row 2: expected a date such as .*, got '10:30:00'"):
        dates([dt.time(10, 30)])
    with pytest.raises(InputError, match="row 3: expected a date between 1990 and 2100, got "
                                         "'9999-12-31'"):
        dates([dt.datetime(2026, 1, 1), dt.datetime(9999, 12, 31)])
    with pytest.raises(InputError, match="expected a date between 1990 and 2100, got "
                                         "'1899-12-31'"):
        dates(["1899-12-31"])


# --------------------------------------------------------------------------- words and text


def test_booleans_and_their_default() -> None:
    parsed = loading.parse_bool(raw_of(["oui", "NON", "Vrai", "faux", "yes", "n", "1", "0",
                                        "x", "", "  "]), "x", ColumnSpec("bool", default=True))
    assert parsed.tolist() == [True, False, True, False, True, False, True, False, True, True,
                               True]
    natives = loading.parse_bool(raw_of([True, False, 1, 0.0, None]), "x",
                                 ColumnSpec("bool", default=False))
    assert natives.tolist() == [True, False, True, False, False]
    with pytest.raises(InputError, match="row 2: expected true or false .*, got '2'"):
        loading.parse_bool(raw_of([2]), "x", ColumnSpec("bool"))


def test_choices_are_case_and_space_insensitive_with_synonyms() -> None:
    spec = TABLES["deals"].columns["type"]
    parsed = loading.parse_choice(raw_of([" New ", "NOUVEAU", "Cross-Sell", "up-sell", "",
                                          "Réactivation", "RENOUVELLEMENT"]), "x", spec)
    assert parsed.tolist() == ["new", "new", "cross_sell", "upsell", "new", "reactivation",
                               "renewal"]
    with pytest.raises(InputError) as info:
        loading.parse_choice(raw_of(["new", "trial"]), "x", spec)
    assert str(info.value) == ("t.csv, column 'x', row 3: expected one of new, renewal, "
                               "reactivation, upsell, cross_sell, got 'trial'")


def test_text_is_cleaned_but_never_interpreted() -> None:
    cells = ["  Google\u00a0\u00a0Ads ", "E\u0301ve\u0301nements", "SEO\u200b", "A\tB\r\nC",
             "<b>x</b>", '=HYPERLINK("http://evil","x")', "\x1b[31mred", "   ", "-", "@1"]
    parsed = loading.parse_text(raw_of(cells), "x", ColumnSpec("text"))
    assert parsed.tolist() == ["Google Ads", "Événements", "SEO", "A B C", "<b>x</b>",
                               '=HYPERLINK("http://evil","x")', "[31mred", pd.NA, "-", "@1"]
    assert loading.parse_text(raw_of([1001.0, 12.5, True, dt.date(2026, 1, 2)]), "x",
                              ColumnSpec("text")).tolist() == ["1001", "12.5", "TRUE",
                                                               "2026-01-02"]


def test_required_text_names_the_empty_cell() -> None:
    with pytest.raises(InputError) as info:
        loading.parse_text(raw_of(["A1", " \u200b "]), "x", ColumnSpec("text", required=True))
    assert str(info.value) == ("t.csv, column 'x', row 3: expected a non-empty text, got an "
                               "empty cell")


def test_values_in_errors_are_escaped_onto_one_line() -> None:
    assert loading._printable("a\nb\x1b[2J\u2028c\x85") == "a\\nb\\x1b[2J\\u2028c\\x85"


# --------------------------------------------------------------------------- files


def test_decoding_rules() -> None:
    text = "date;Événements – 1 500 €\n"
    assert decode_text(b"\xef\xbb\xbf" + text.encode(), "f") == text
    assert decode_text(b"\xff\xfe" + text.encode("utf-16-le"), "f") == text
    assert decode_text(b"\xfe\xff" + text.encode("utf-16-be"), "f") == text
    assert decode_text(text.encode("cp1252"), "f") == text
    assert decode_text("café\x81".encode("latin-1"), "f") == "café\x81"  # 0x81: not cp1252
    with pytest.raises(InputError) as info:
        decode_text("a\nÉ\n".encode() + "é\n".encode("cp1252"), "f.csv")
    assert str(info.value) == ("f.csv, row 3: the file mixes UTF-8 with another encoding; "
                               "expected one encoding for the whole file (save it again as UTF-8)")
    with pytest.raises(InputError, match="f.csv, row 2: the file holds a NUL byte"):
        decode_text(b"a\nb\x00", "f.csv")


def test_header_is_found_below_titles_and_rows_count_from_the_top(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_text("Titre\n\nsous-titre;x\n" + SPEND.replace(",", ";").replace("100", "1 000,5")
                    + "\n\n2026-01-16;2;sales;;y\n", encoding="utf-8")
    raw = read_raw(path, TABLES["spend"])
    assert raw.header_row == 4 and raw.rows.tolist() == [5, 8]
    assert parse_table(raw, TABLES["spend"])["amount"].tolist() == [1000.5, 2.0]


def test_no_header_in_the_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_text("titre\n" * 15 + SPEND, encoding="utf-8")
    with pytest.raises(InputError, match="spend.csv, row 1: no header row found in the first 15"):
        read_raw(path, TABLES["spend"])


def test_tables_have_the_internal_dtypes(tmp_path: Path) -> None:
    (tmp_path / "spend.csv").write_text(SPEND + "2026-01-16,5,sales,,y\n", encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    data = load_folder(tmp_path)
    assert isinstance(data, AuditData) and data.currency is None
    assert str(data.spend["date"].dtype) == "datetime64[ns]"
    assert str(data.deals["won_date"].dtype) == "datetime64[ns]"
    assert data.spend["amount"].dtype == "float64" and data.deals["mrr"].isna().all()
    assert data.spend["channel"].tolist() == ["SEO", "shared"]
    assert data.deals["type"].tolist() == ["new"] and data.deals["paid"].tolist() == [True]
    info = data.files["spend"]
    assert isinstance(info, FileInfo) and info.rows == 2
    assert data.inputs()["deals"] == {"file": "deals.csv", "rows": 1,
                                      "sha256": loading.sha256_of(tmp_path / "deals.csv")}


def test_parquet_keeps_types_and_wall_clock_times(tmp_path: Path) -> None:
    pd.DataFrame({"account_id": pd.Categorical(["A1", "A2"]),
                  "timestamp": pd.to_datetime(["2026-01-05 23:30", "2026-01-06 08:00"]
                                              ).tz_localize("America/New_York"),
                  "channel": ["Ads", None]}).to_parquet(tmp_path / "touchpoints.parquet")
    with pytest.raises(InputError) as info:
        load_table(tmp_path / "touchpoints.parquet", "touchpoints")
    # Parquet has no header row: records are numbered from 1.
    assert str(info.value) == ("touchpoints.parquet, column 'channel', row 2: expected a channel "
                               "name, got an empty cell")
    pd.DataFrame({"account_id": pd.Categorical(["A1"]),
                  "timestamp": pd.to_datetime(["2026-01-05 23:30"]).tz_localize(
                      "America/New_York"), "channel": ["Ads"]}).to_parquet(
        tmp_path / "touchpoints.parquet")
    frame = load_table(tmp_path / "touchpoints.parquet", "touchpoints")
    assert frame["timestamp"].tolist() == [pd.Timestamp("2026-01-05 23:30")]
    assert frame["account_id"].tolist() == ["A1"]


def test_load_folder_refuses_a_currency_other_than_the_one_asked(tmp_path: Path) -> None:
    (tmp_path / "spend.csv").write_text(SPEND.replace(",100,", ",100 USD,"), encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    assert load_folder(tmp_path).currency == "USD"
    with pytest.raises(InputError) as info:
        load_folder(tmp_path, currency="eur")
    assert str(info.value) == ("spend.csv, column 'amount', row 2: expected amounts in a single "
                               "currency (EUR), got '100 USD'")


def test_not_a_folder() -> None:
    with pytest.raises(InputError, match="expected a folder holding spend and deals files"):
        load_folder(Path(__file__))


def test_the_collector_is_paused_while_a_folder_is_read_and_restored_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "spend.csv").write_text(SPEND, encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    seen: list[bool] = []
    parse = loading.parse_table

    def spying(raw: RawTable, spec: object) -> pd.DataFrame:
        seen.append(gc.isenabled())
        return parse(raw, spec)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "ARROW_FAST_PATH", False)  # every table through parse_table
    monkeypatch.setattr(loading, "parse_table", spying)
    assert gc.isenabled()
    assert len(load_folder(tmp_path).spend) == 1
    assert seen == [False, False] and gc.isenabled()
    (tmp_path / "deals.csv").write_text(DEALS.replace("2026-01-20", "soon"), encoding="utf-8")
    with pytest.raises(InputError, match="won_date"):
        load_folder(tmp_path)
    assert gc.isenabled()  # restored after a refusal too
    gc.disable()
    try:
        (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
        load_folder(tmp_path)
        assert not gc.isenabled()  # a caller's paused collector stays paused
    finally:
        gc.enable()


# --------------------------------------------------------------------------- channels


def test_channel_spellings_merge_across_tables_under_the_most_frequent() -> None:
    spend = pd.DataFrame({"channel": pd.Series(["seo", "SEO", "Ads", None], dtype="string")})
    deals = pd.DataFrame({"channel": pd.Series(["SEO", "Seo", "ads", "Evenements",
                                                "Événements"], dtype="string")})
    out_spend, out_deals = harmonise_channels([spend, deals])
    assert out_spend["channel"].tolist() == ["SEO", "SEO", "Ads", pd.NA]
    # tie between "Ads" and "ads": the first in sorted order; accents keep channels apart
    assert out_deals["channel"].tolist() == ["SEO", "SEO", "Ads", "Evenements", "Événements"]
    assert spend["channel"].tolist()[0] == "seo"  # the inputs are not modified


# --------------------------------------------------------------------------- size


def test_a_million_rows_load_exactly(tmp_path: Path) -> None:
    """A French export of 1,000,000 spend lines (written here, not committed) with 100,000
    deals: every line is read, sums to the cent, and an error in the last row names it."""
    n, block = 1_000_000, 10_000  # a block of random lines, repeated: quick to write
    rng = np.random.default_rng(7)
    cents = rng.integers(0, 10_000_000, block)
    days = rng.integers(1, 29, block)
    channels = np.array(["SEO", "Ads", "Événements", "", "shared"])[rng.integers(0, 5, block)]
    def french(c: int) -> str:  # 1234567 cents -> "12 345,67" (no-break space)
        return f"{c // 100:,}".replace(",", "\u00a0") + f",{c % 100:02d}"

    lines = "".join(f"{d:02d}/02/2026;{french(c)};{'marketing' if c % 2 else 'sales'};{ch};ligne\n"
                    for d, c, ch in zip(days, cents, channels, strict=True))
    (tmp_path / "spend.csv").write_text("date;amount;category;channel;item\n"
                                        + lines * (n // block), encoding="utf-8")
    deal_channels = [ch if ch not in ("", "shared") else "Web" for ch in channels]
    deals = "".join(f"D{i},A{i % 40_000},2026-02-{days[i % block]:02d},"
                    f"{deal_channels[i % block]},100\n" for i in range(100_000))
    (tmp_path / "deals.csv").write_text("deal_id,account_id,won_date,channel,mrr\n" + deals,
                                        encoding="utf-8")
    start = time.perf_counter()
    data = load_folder(tmp_path)
    seconds = time.perf_counter() - start
    print(f"\n1,000,000 spend lines + 100,000 deals loaded in {seconds:.1f} s")
    assert len(data.spend) == n and len(data.deals) == 100_000
    repeat = n // block
    assert int(np.round(data.spend["amount"].to_numpy() * 100).astype("int64").sum()) == int(
        cents.sum()) * repeat
    assert data.spend["date"].dt.day.tolist()[block:block + 5] == days[:5].tolist()
    pooled = int(np.isin(channels, ["", "shared"]).sum()) * repeat
    assert (data.spend["channel"] == "shared").sum() == pooled
    kpis = compute_kpis(data, AuditParameters.from_mapping(
        {"period_start": "2026-02-01", "period_end": "2026-02-28"}))
    assert kpis["new_customers"] == 40_000
    assert round(kpis["spend"]["total"] * 100) == int(cents.sum()) * repeat
    with open(tmp_path / "spend.csv", "a", encoding="utf-8") as handle:
        handle.write("29/02/2026;12,00;marketing;SEO;ligne\n")
    raw = read_raw(tmp_path / "spend.csv", TABLES["spend"])
    assert raw.rows[-1] == n + 2
    with pytest.raises(InputError) as info:
        loading.parse_date(raw, "date", TABLES["spend"].columns["date"])
    assert str(info.value) == (f"spend.csv, column 'date', row {n + 2:d}: expected a date such "
                               "as 2026-07-01 or 01/07/2026, got '29/02/2026'")
