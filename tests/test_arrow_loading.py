"""The Arrow fast path of the loader against the reference code, on generated text files.

``load_folder`` reads UTF-8 text tables with ``pyarrow.csv`` and parses plain columns with
Arrow and numpy (:mod:`cac_toolkit.data.arrow_text`); anything else goes to the reference
code, which also words every error. With ``loading.ARROW_FAST_PATH = False`` the reference
runs alone. On random valid folders (separators, decimal marks, date writings, accents,
quotes, blank lines, line ends, BOM) both must give the same frames, provenance and
warnings; on random invalid ones, the same one-line error. The files are also read in
chunks of a few bytes, so that every line end is a chunk boundary somewhere.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cac_toolkit.core.errors import CacToolkitError
from cac_toolkit.data import loading
from cac_toolkit.data.contract import TABLES

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

days = st.integers(0, 400).map(lambda n: dt.date(2025, 6, 1) + dt.timedelta(days=n))
texts = st.sampled_from(["SEO", "Ads", "Événements", "Salon  pro ", " Partenaires", "seo",
                         "Agence, SEO", 'Dit "oui"', "A\u00a0B", "x"])
amounts = st.integers(0, 10**9)


def _date(day: dt.date, style: str, seconds: int | None = None) -> str:
    if style == "iso":
        text = day.isoformat()
    elif style == "french":
        text = day.strftime("%d/%m/%Y")
    else:  # loose French: no leading zero, dots
        text = f"{day.day}.{day.month}.{day.year}"
    if seconds is not None:
        clock = dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        text += " " + clock.strftime("%H:%M:%S")
    return text


def _amount(cents: int, style: str) -> str:
    units, rest = divmod(cents, 100)
    if style == "point":
        return f"{units}.{rest:02d}"
    if style == "comma":
        return f"{units},{rest:02d}"
    if style == "integer":
        return str(units)
    if style == "spaces":  # 1 500,50
        return f"{units:,}".replace(",", " ") + f",{rest:02d}"
    if style == "mixed":  # "1,500" shows no decimal mark, "1,500.50" does
        return f"{units:,}" if cents % 3 else f"{units:,}.{rest:02d}"
    return f"{units:,}.{rest:02d}"  # 1,500.50


def _cell(value: str, sep: str, quote_all: bool) -> str:
    if quote_all or sep in value or '"' in value:
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def folders(draw: st.DrawFn) -> dict[str, bytes]:
    """A valid folder's files: spend, deals and, sometimes, touchpoints."""
    sep = draw(st.sampled_from([",", ";", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    quote_all = draw(st.booleans())
    date_style = draw(st.sampled_from(["iso", "french", "loose"]))
    money = draw(st.sampled_from(["point", "integer", "spaces", "comma", "grouped", "mixed"]))
    if money in ("comma", "mixed") and sep == ",":
        quote_all = True
    if money == "grouped" and sep == ";":
        money = "point"  # "1,500.50" in a ;-file is fine, but keep the grid small
    blank_lines = draw(st.booleans())

    def table(header: list[str], rows: list[list[str]]) -> bytes:
        lines = [sep.join(header)]
        for row in rows:
            lines.append(sep.join(_cell(v, sep, quote_all) for v in row))
            if blank_lines and len(lines) % 3 == 0:
                lines.append("")
        text = end.join(lines) + (end if draw(st.booleans()) else "")
        data = text.encode("utf-8")
        return (b"\xef\xbb\xbf" + data) if draw(st.booleans()) else data

    spend_rows = draw(st.lists(st.tuples(days, amounts, st.sampled_from(
        ["marketing", "Sales", " ventes", "commercial"]), texts | st.just("")),
        min_size=1, max_size=12))
    spend = table(["date", "amount", "category", "channel"],
                  [[_date(d, date_style), _amount(a, money), c, ch]
                   for d, a, c, ch in spend_rows])
    count = draw(st.integers(1, 12))
    deal_rows = [[f"D{i}", f"A{draw(st.integers(0, 5))}", _date(draw(days), date_style),
                  draw(texts), draw(st.sampled_from(["new", "New", "", "upsell", "cross-sell"])),
                  draw(st.sampled_from(["true", "", "non", "Oui", "0"])),
                  _amount(draw(st.integers(0, 10**6)), money)] for i in range(count)]
    deals = table(["deal_id", "account_id", "won_date", "channel", "type", "paid", "mrr"],
                  deal_rows)
    files = {"spend.csv": spend, "deals.csv": deals}
    if draw(st.booleans()):
        touches = draw(st.lists(st.tuples(st.integers(0, 5), days, st.integers(0, 86399),
                                          texts), min_size=1, max_size=10))
        files["touchpoints.csv"] = table(
            ["account_id", "timestamp", "channel"],
            [[f"A{a}", _date(d, "iso", s), ch] for a, d, s, ch in touches])
    return files


BAD_CELLS = {
    "amount": ["douze", "1 50", "-5", "1,50,000", "", "1e999", "NaN", "1500-"],
    "date": ["31/02/2026", "2026-13-01", "15/01/26", "46037", "", "1 juillet 2026", "2206-01-01"],
    "category": ["autre", ""],
    "won_date": ["2026-02-30", ""],
    "paid": ["peut-être", "2"],
    "deal_id": ["", "D0"],
    "channel": ["shared", ""],
}


@st.composite
def broken_folders(draw: st.DrawFn) -> dict[str, bytes]:
    """A valid folder with one thing broken: a bad cell, an extra cell, a quote left open,
    a NUL byte or bytes that are not UTF-8."""
    files = draw(folders())
    how = draw(st.sampled_from(["cell", "cell", "cell", "extra", "quote", "nul", "latin"]))
    name = draw(st.sampled_from(["spend.csv", "deals.csv"]))
    data = files[name]
    text = data.decode("utf-8-sig")
    end = "\r\n" if "\r\n" in text else "\n"
    sep = ";" if text.split(end)[0].count(";") else "\t" if "\t" in text.split(end)[0] else ","
    lines = text.split(end)
    body = [i for i, line in enumerate(lines) if line and i > 0]
    where = draw(st.sampled_from(body))
    if how == "cell":
        header = lines[0].split(sep)
        choices = [c for c in BAD_CELLS if c in header]
        column = draw(st.sampled_from(choices))
        cells = _split(lines[where], sep)
        cells[header.index(column)] = _cell(draw(st.sampled_from(BAD_CELLS[column])), sep,
                                            False)
        lines[where] = sep.join(cells)
    elif how == "extra":
        lines[where] += sep + "surplus"
    elif how == "quote":
        lines[where] += sep + '"open'
    elif how == "nul":
        lines[where] += "\x00"
    else:
        lines[where] = lines[where] + sep + "Soci\udce9t\udce9"  # cp1252 bytes in UTF-8
    raw = end.join(lines).encode("utf-8", errors="surrogateescape")
    files[name] = (b"\xef\xbb\xbf" + raw) if data.startswith(b"\xef\xbb\xbf") else raw
    return files


def _split(line: str, sep: str) -> list[str]:
    import csv

    return next(csv.reader([line], delimiter=sep))


def _load(folder: Path, fast: bool) -> object:
    loading.ARROW_FAST_PATH = fast
    try:
        return loading.load_folder(folder)
    except CacToolkitError as exc:
        return f"error: {exc}"
    finally:
        loading.ARROW_FAST_PATH = True


def _same(fast: object, reference: object) -> None:
    if isinstance(reference, str) or isinstance(fast, str):
        assert fast == reference
        return
    for table in TABLES:
        left, right = getattr(fast, table), getattr(reference, table)
        assert (left is None) == (right is None), table
        if left is not None:
            pd.testing.assert_frame_equal(left, right, check_exact=True)
    assert fast.inputs() == reference.inputs()
    assert fast.currency == reference.currency
    assert [w.message for w in fast.warnings] == [w.message for w in reference.warnings]


def _check(files: dict[str, bytes], chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for file, data in files.items():
            (folder / file).write_bytes(data)
        reference = _load(folder, fast=False)
        _same(_load(folder, fast=True), reference)
        monkeypatch.setattr(loading, "_CHUNK_BYTES", chunk)
        _same(_load(folder, fast=True), reference)
        for file in files:  # the whole-file Arrow reader of read_raw (check, sources)
            spec = TABLES[Path(file).stem]
            _same_raw(folder / file, spec)


def _same_raw(path: Path, spec: object) -> None:
    def read(fast: bool) -> object:
        loading.ARROW_FAST_PATH = fast
        try:
            raw = loading.read_raw(path, spec)
            return (raw.frame, list(raw.rows), raw.header_row, raw.decimal_hint, raw.preamble,
                    raw.headers)
        except CacToolkitError as exc:
            return f"error: {exc}"
        finally:
            loading.ARROW_FAST_PATH = True

    fast, reference = read(True), read(False)
    if isinstance(fast, str) or isinstance(reference, str):
        assert fast == reference
        return
    pd.testing.assert_frame_equal(fast[0], reference[0], check_exact=True)
    assert fast[1:] == reference[1:]


@SETTINGS
@given(files=folders(), chunk=st.sampled_from([16, 64, 1 << 22]))
def test_fast_path_reads_valid_folders_as_the_reference(files: dict[str, bytes], chunk: int,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    _check(files, chunk, monkeypatch)


@SETTINGS
@given(files=broken_folders(), chunk=st.sampled_from([16, 1 << 22]))
def test_fast_path_words_errors_as_the_reference(files: dict[str, bytes], chunk: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _check(files, chunk, monkeypatch)


def test_plain_sample_company_takes_the_fast_path(tmp_path: Path) -> None:
    """The generated company (plain cells) is read without the reference parsers."""
    from cac_toolkit.data.generator import generate_company, write_company

    write_company(generate_company(scale=0.05), tmp_path, "csv")
    calls: list[str] = []
    original = loading._stream_text_table

    def spy(path: Path, spec: object) -> object:
        found = original(path, spec)
        calls.append(f"{path.name}:{'arrow' if found is not None else 'reference'}")
        return found

    loading._stream_text_table = spy
    try:
        fast = loading.load_folder(tmp_path)
    finally:
        loading._stream_text_table = original
    assert calls and all(c.endswith(":arrow") for c in calls), calls
    _same(fast, _load(tmp_path, fast=False))


def test_dates_read_by_arrow_fall_back_to_text_mid_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """ISO date columns are read as dates by Arrow's reader after the header's chunk; a
    chunk with another writing (here French dates, then an impossible day) switches the file
    back to text cells, and the frames and errors stay the reference's."""
    from cac_toolkit.data import arrow_text
    from cac_toolkit.data.generator import generate_company, write_company

    write_company(generate_company(scale=0.05), tmp_path, "csv")
    leads = (tmp_path / "leads.csv").read_text(encoding="utf-8").splitlines()
    middle = len(leads) // 2
    for i in range(middle, len(leads)):  # the second half in French dates
        cells = leads[i].split(",")
        cells[1] = dt.date.fromisoformat(cells[1]).strftime("%d/%m/%Y")
        leads[i] = ",".join(cells)
    (tmp_path / "leads.csv").write_text("\n".join(leads) + "\n", encoding="utf-8")
    monkeypatch.setattr(loading, "_CHUNK_BYTES", 4096)
    monkeypatch.setattr(loading, "_HEAD_BYTES", 4096)  # the header's chunk: the first 4 kB
    typed: list[bool] = []
    original = arrow_text.read_records

    def spy(*args: object, **kwargs: object) -> object:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        typed.append(bool(args[6] if len(args) > 6 else kwargs.get("days")) and found is not None)
        return found

    monkeypatch.setattr(arrow_text, "read_records", spy)
    _same(_load(tmp_path, fast=True), _load(tmp_path, fast=False))
    assert any(typed) and not all(typed)  # dates read by Arrow, then as text
    cells = leads[middle - 5].split(",")
    cells[1] = "2025-02-30"  # an impossible day, in a chunk read as dates
    leads[middle - 5] = ",".join(cells)
    (tmp_path / "leads.csv").write_text("\n".join(leads) + "\n", encoding="utf-8")
    error = _load(tmp_path, fast=True)
    assert isinstance(error, str) and "leads.csv" in error
    assert error == _load(tmp_path, fast=False)


@pytest.mark.parametrize("template", ["2024-02-29", "29/02/2024", "2024-12-31 23:59",
                                      "2023-01-09T08:52:36"])
def test_plain_dates_accept_only_what_the_reference_reads_the_same(template: str) -> None:
    """Every one-byte change of a fixed-width date (digits, separators, other bytes) is
    either read by the fast path as the reference reads it, or left to the reference."""
    from cac_toolkit.data import arrow_text
    from cac_toolkit.data.contract import ColumnSpec

    spec = ColumnSpec("timestamp")
    cells = [template[:i] + c + template[i + 1:] for i in range(len(template))
             for c in "0123456789-/:T .+Za\u00e9"]
    for cell in cells:
        fast = arrow_text.plain_dates(pa.chunked_array([pa.array([cell, ""])]), True)
        if fast is None:
            continue
        raw = loading.RawTable("t.csv", pd.DataFrame({"d": [cell, ""]}), np.arange(2, 4), 1,
                               ".")
        loading.ARROW_FAST_PATH = False
        try:
            reference = loading.parse_date(raw, "d", spec).to_numpy()
        except CacToolkitError:
            reference = None
        finally:
            loading.ARROW_FAST_PATH = True
        if 1990 <= int(fast.astype("datetime64[Y]").astype(int)[0]) + 1970 <= 2100:
            assert reference is not None and (fast[:1] == reference[:1]).all(), cell
