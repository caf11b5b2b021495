"""Write the hostile-input corpus: one small audit folder per case, plus ``expected.json``.

Run ``python tests/corpus/build_corpus.py`` (or ``--out DIR`` to write elsewhere) after
changing a case; ``tests/test_corpus.py`` checks that the committed folders are what this
script writes, then runs every case through ``load_folder`` + ``compute_kpis`` (and some
through the command line).

Every case is the same small company written in a different (often broken) way. Its figures
were worked out by hand from the audit contract, for the first quarter of 2026 with
``gross_margin`` 0.8 and ``lifetime_months`` 24:

* spend in Q1: SEO 4,000.00, Ads 2,500.50, Événements 1,500.50 (marketing, direct), a CRM
  licence 1,200.00 (marketing, pooled) and the sales team 9,000.00 (sales, pooled);
  marketing 9,201.00, sales 9,000.00, pooled 10,200.00, total 18,201.00. One more SEO line
  of 3,000.00 on 2025-12-20 falls in the previous period (2025-10-03 to 2025-12-31).
* deals: four accounts acquired in Q1 (A1, A2 by SEO, A3 by Ads, A4 by Événements, MRR 300,
  500, 400, 800); an upsell, a renewal and an unpaid sign-up that never count; A6 acquired
  on 2025-11-15 (previous period).
* so: CAC 18,201 / 4 = 4,550.25 (marketing 2,300.25, sales 2,250.00); pooled costs split
  by new customers 5,100 / 2,550 / 2,550; ARPA 500, LTV 500 x 0.8 x 24 = 9,600, LTV/CAC
  2.1098, payback 4,550.25 / 400 = 11.3756 months; previous period: 1 customer, CAC 3,000.

Expected errors are the exact one-line messages; ``{dir}`` stands for the case folder.
Outputs are deterministic: Excel files are written by hand (stored, not compressed, fixed
metadata) rather than by openpyxl, whose files carry the time they were saved.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
QUARTER = {"period_start": "2026-01-01", "period_end": "2026-03-31", "gross_margin": "0.8",
           "lifetime_months": "24"}

# --------------------------------------------------------------------------- the company

SPEND_HEADER = ["date", "amount", "category", "channel", "item"]
# (date, amount, category, channel, item)
SPEND = [
    (dt.date(2026, 1, 15), 4000.00, "marketing", "SEO", "Agence SEO"),
    (dt.date(2026, 2, 15), 2500.50, "marketing", "Ads", "Google Ads"),
    (dt.date(2026, 2, 20), 1500.50, "marketing", "Événements", "Salon professionnel"),
    (dt.date(2026, 3, 1), 1200.00, "marketing", "", "Logiciel CRM"),
    (dt.date(2026, 3, 31), 9000.00, "sales", "shared", "Salaires équipe commerciale"),
    (dt.date(2025, 12, 20), 3000.00, "marketing", "SEO", "Agence SEO"),
]
DEALS_HEADER = ["deal_id", "account_id", "won_date", "channel", "type", "paid", "mrr"]
DEALS = [
    ("D1", "A1", dt.date(2026, 1, 20), "SEO", "new", "true", 300),
    ("D2", "A2", dt.date(2026, 2, 10), "SEO", "new", "true", 500),
    ("D3", "A3", dt.date(2026, 2, 25), "Ads", "new", "true", 400),
    ("D4", "A4", dt.date(2026, 3, 5), "Événements", "new", "true", 800),
    ("D5", "A1", dt.date(2026, 3, 10), "SEO", "upsell", "true", 100),
    ("D6", "A5", dt.date(2026, 3, 12), "Ads", "new", "false", 0),
    ("D7", "A6", dt.date(2025, 11, 15), "SEO", "new", "true", 200),
    ("D8", "A6", dt.date(2026, 2, 1), "SEO", "renewal", "true", 200),
]


def channels(seo: str = "SEO", ads: str = "Ads", events: str = "Événements") -> dict:
    return {
        seo: {"spend_direct": 4000.0, "new_customers": 2, "cac_direct": 2000.0,
              "shared_allocated": 5100.0, "cac_fully_loaded": 4550.0},
        ads: {"spend_direct": 2500.5, "new_customers": 1, "cac_direct": 2500.5,
              "shared_allocated": 2550.0, "cac_fully_loaded": 5050.5},
        events: {"spend_direct": 1500.5, "new_customers": 1, "cac_direct": 1500.5,
                 "shared_allocated": 2550.0, "cac_fully_loaded": 4050.5},
    }


PREVIOUS = {"new_customers": 1, "spend": {"total": 3000.0, "marketing": 3000.0},
            "cac": {"global": 3000.0}}
BASE = {
    "period": {"start": "2026-01-01", "end": "2026-03-31"},
    "currency": "EUR",
    "spend": {"marketing": 9201.0, "sales": 9000.0, "shared": 10200.0, "total": 18201.0},
    "new_customers": 4,
    "cac": {"global": 4550.25, "marketing": 2300.25, "sales": 2250.0},
    "channels": channels(),
    "arpa_mrr": 500.0, "ltv": 9600.0, "ltv_cac": 2.1098, "payback_months": 11.3756,
    "previous": PREVIOUS,
}
BASE_CHANNELS = ["Ads", "SEO", "Événements"]


def merged(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` applied recursively (a copy)."""
    out = json.loads(json.dumps(base))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------- writers


def fmt_amount(value: float, style: str) -> str:
    """An amount as an export would write it: ``plain`` 4000.00, ``fr`` 4 000,00, ``fr_nbsp``
    4 000,00 (no-break space), ``de`` 4.000,00, ``en`` 4,000.00."""
    units, cents = divmod(round(value * 100), 100)
    if style == "plain":
        return f"{units}.{cents:02d}"
    group = {"fr": " ", "fr_nbsp": "\u00a0", "fr_narrow": "\u202f", "de": ".", "en": ","}[style]
    decimal = "." if style == "en" else ","
    return f"{units:,}".replace(",", group) + f"{decimal}{cents:02d}"


def fmt_date(day: dt.date, style: str) -> str:
    return day.isoformat() if style == "iso" else day.strftime("%d/%m/%Y")


def table_text(header: list[str], rows: list[list[str]], sep: str, eol: str = "\n") -> str:
    return eol.join(sep.join(cells) for cells in [header, *rows]) + eol


def spend_rows(amount: str = "plain", date: str = "iso", rows: list | None = None
               ) -> list[list[str]]:
    return [[fmt_date(d, date), fmt_amount(a, amount), c, ch, it]
            for d, a, c, ch, it in (rows if rows is not None else SPEND)]


def deal_rows(date: str = "iso", rows: list | None = None) -> list[list[str]]:
    return [[i, acc, fmt_date(d, date), ch, t, p, str(m)]
            for i, acc, d, ch, t, p, m in (rows if rows is not None else DEALS)]


def spend_csv(**kw: object) -> str:
    sep = kw.pop("sep", ",")
    return table_text(SPEND_HEADER, spend_rows(**kw), sep)


def deals_csv(sep: str = ",", **kw: object) -> str:
    return table_text(DEALS_HEADER, deal_rows(**kw), sep)


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


# Minimal hand-written SpreadsheetML: inline strings, numbers, dates (style 1), booleans,
# formulas with or without a saved result, error values and merged ranges.


@dataclass(frozen=True)
class Formula:
    text: str  # without the leading "="
    cached: object = None  # the saved result; None: never computed (as openpyxl writes it)


@dataclass(frozen=True)
class XlError:
    code: str  # "#DIV/0!", "#N/A"...


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]
    merges: list[str] = field(default_factory=list)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _cell_xml(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        f = f"<f>{escape(value.text)}</f>"
        if value.cached is None:
            return f'<c r="{ref}">{f}</c>'
        if isinstance(value.cached, XlError):
            return f'<c r="{ref}" t="e">{f}<v>{escape(value.cached.code)}</v></c>'
        if isinstance(value.cached, str):
            return f'<c r="{ref}" t="str">{f}<v>{escape(value.cached)}</v></c>'
        return f'<c r="{ref}">{f}<v>{value.cached!r}</v></c>'
    if isinstance(value, XlError):
        return f'<c r="{ref}" t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="1"><v>{_serial(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(sheet: Sheet, extra_cells: dict[str, object] | None = None) -> str:
    lines = []
    for r, cells in enumerate(sheet.rows, start=1):
        xml = "".join(_cell_xml(f"{_column_letter(c)}{r}", v) for c, v in enumerate(cells))
        lines.append(f'<row r="{r}">{xml}</row>')
    for ref, value in (extra_cells or {}).items():  # far away cells, each on its own row
        row = "".join(ch for ch in ref if ch.isdigit())
        lines.append(f'<row r="{row}">{_cell_xml(ref, value)}</row>')
    merges = ""
    if sheet.merges:
        refs = "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merges)
        merges = f'<mergeCells count="{len(sheet.merges)}">{refs}</mergeCells>'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(lines)}</sheetData>{merges}</worksheet>')


def xlsx_bytes(sheets: list[Sheet], active: int = 0,
               extra_cells: dict[str, object] | None = None) -> bytes:
    """An .xlsx file holding ``sheets`` (the first one first), deterministic to the byte."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    files = {
        "[Content_Types].xml": head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats'
            '-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles'
            f'+xml"/>{overrides}</Types>'),
        "_rels/.rels": head + (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument"'
            ' Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": head + (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><bookViews><workbookView '
            f'activeTab="{active}"/></bookViews><sheets>'
            + "".join(f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, start=1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": head + (
            f'<Relationships xmlns="{pkg}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{rel}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" '
            'Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": head + (
            f'<styleSheet xmlns="{main}"><fonts count="1"><font><sz val="11"/><name '
            'val="Calibri"/></font></fonts><fills count="1"><fill><patternFill '
            'patternType="none"/></fill></fills><borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" '
            'xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle '
            'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
    }
    for i, sheet in enumerate(sheets, start=1):
        files[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet, extra_cells if i == 1 else None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def spend_sheet_rows(rows: list | None = None) -> list[list[object]]:
    return [list(SPEND_HEADER)] + [[d, a, c, ch or None, it]
                                   for d, a, c, ch, it in (rows if rows is not None else SPEND)]


def deals_sheet_rows() -> list[list[object]]:
    return [list(DEALS_HEADER)] + [[int(i[1:]), acc, d, ch, t, p == "true", m]
                                   for i, acc, d, ch, t, p, m in DEALS]


def parquet_bytes(table: str) -> bytes:
    import pandas as pd

    if table == "spend":
        frame = pd.DataFrame(SPEND, columns=SPEND_HEADER)
        frame["date"] = pd.to_datetime(frame["date"])
        frame["channel"] = frame["channel"].replace("", None)
    else:
        frame = pd.DataFrame(DEALS, columns=DEALS_HEADER)
        frame["won_date"] = pd.to_datetime(frame["won_date"])
        frame["paid"] = frame["paid"] == "true"
        frame["mrr"] = frame["mrr"].astype("float64")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    description: str
    files: dict[str, bytes]
    expect_kpis: dict | None = None
    expect_error: str | None = None
    params: dict[str, str] = field(default_factory=lambda: dict(QUARTER))
    channel_names: list[str] | None = None
    cli: bool = False

    def entry(self) -> dict:
        entry: dict[str, object] = {"description": self.description, "params": self.params,
                                    "files": sorted(self.files), "cli": self.cli}
        if self.expect_error is not None:
            entry["error"] = self.expect_error
        else:
            entry["kpis"] = self.expect_kpis
            entry["channel_names"] = self.channel_names or BASE_CHANNELS
        return entry


def base_case(name: str, description: str, spend: bytes, deals: bytes, **kw: object) -> Case:
    names = kw.pop("names", ("spend.csv", "deals.csv"))
    return Case(name, description, {names[0]: spend, names[1]: deals},
                expect_kpis=kw.pop("expect_kpis", BASE), **kw)


def error_case(name: str, description: str, error: str, spend: bytes | None = None,
               deals: bytes | None = None, **kw: object) -> Case:
    files: dict[str, bytes] = dict(kw.pop("files", {}))
    if spend is not None:
        files["spend.csv"] = spend
    if deals is not None:
        files["deals.csv"] = deals
    return Case(name, description, files, expect_error=error, **kw)


def _spend_with(index: int, column: int, value: str, **kw: object) -> str:
    """The spend table (ISO, plain amounts, comma) with one cell replaced."""
    sep = kw.pop("sep", ",")
    rows = spend_rows(**kw)
    rows[index][column] = value
    return table_text(SPEND_HEADER, rows, sep)


def _deals_with(index: int, column: int, value: str, sep: str = ",") -> str:
    rows = deal_rows()
    rows[index][column] = value
    return table_text(DEALS_HEADER, rows, sep)


MONEY = "a number >= 0 such as 1500.50 or 1 500,50"
DATE = "a date such as 2026-07-01 or 01/07/2026"
PLAIN_SPEND = utf8(spend_csv())
PLAIN_DEALS = utf8(deals_csv())
FR_SPEND = spend_csv(sep=";", amount="fr", date="fr")
FR_DEALS = deals_csv(sep=";", date="fr")


def cases() -> list[Case]:
    out: list[Case] = []
    add = out.append

    # ---- encodings and separators: the same figures whatever the export
    add(base_case("plain_comma_iso", "UTF-8, comma, ISO dates, decimal point: the reference.",
                  PLAIN_SPEND, PLAIN_DEALS, cli=True))
    add(base_case("utf8_bom_semicolon", "UTF-8 with BOM, semicolons, 4 000,00, 15/01/2026.",
                  b"\xef\xbb\xbf" + utf8(FR_SPEND), b"\xef\xbb\xbf" + utf8(FR_DEALS)))
    add(base_case("latin1_semicolon", "Latin-1 bytes (É = 0xC9), French Excel export.",
                  FR_SPEND.encode("latin-1"), FR_DEALS.encode("latin-1")))
    cp1252 = table_text(SPEND_HEADER, [
        [d, a + " €", c, ch, it.replace("Salon professionnel", "Salon professionnel – Lyon’s")]
        for d, a, c, ch, it in spend_rows(amount="fr", date="fr")], ";")
    add(base_case("cp1252_euro_marks", "Windows-1252 bytes with €, en dash and curly "
                  "apostrophe; amounts such as '4 000,00 €'.", cp1252.encode("cp1252"),
                  FR_DEALS.encode("cp1252")))
    add(base_case("utf16_tab", "UTF-16 LE with BOM, tab separated, .txt (Excel 'Unicode "
                  "text').", b"\xff\xfe" + spend_csv(sep="\t", amount="fr").encode("utf-16-le"),
                  b"\xff\xfe" + deals_csv(sep="\t").encode("utf-16-le"),
                  names=("spend.txt", "deals.txt")))
    add(base_case("excel_sep_hint_line", "A first line 'sep=;' (Excel's separator hint) "
                  "above the header.", utf8("sep=;\n" + FR_SPEND), utf8("sep=;\n" + FR_DEALS)))
    nbsp = table_text(SPEND_HEADER, [
        [fmt_date(d, "fr"), fmt_amount(a, "fr_nbsp" if i % 2 else "fr_narrow"), c, ch, it]
        for i, (d, a, c, ch, it) in enumerate(SPEND)], ";")
    add(base_case("thousands_no_break_spaces", "Thousands separated by no-break and narrow "
                  "no-break spaces (French Excel): 4\u00a0000,00, 4\u202f000,00.",
                  utf8(nbsp), utf8(FR_DEALS)))
    add(base_case("thousands_dot_decimal_comma", "4.000,00 (dot thousands, decimal comma).",
                  utf8(spend_csv(sep=";", amount="de")), PLAIN_DEALS))
    quoted = table_text(SPEND_HEADER, [[d, f'"{a}"', c, ch, it]
                                       for d, a, c, ch, it in spend_rows(amount="en")], ",")
    add(base_case("thousands_comma_quoted", 'Comma file with quoted "4,000.00" amounts.',
                  utf8(quoted), PLAIN_DEALS))
    add(base_case("thousands_comma_in_semicolon_file", "Semicolon file with 4,000.00 "
                  "(the last mark is the decimal one).", utf8(spend_csv(sep=";", amount="en")),
                  utf8(FR_DEALS)))
    fr_rows = spend_rows(amount="fr", date="fr")
    messy = ("date;amount;category;channel;item;\r\n\r\n"
             + "".join(";".join(r) + ";\r\n" + ("  \r\n" if i == 1 else ";;;;;\r\n" if i == 3
                                                 else "") for i, r in enumerate(fr_rows))
             + "\r\n;;;;\r\n")
    add(base_case("blank_lines_trailing_separators", "CRLF, blank lines, lines of separators "
                  "only, a trailing separator on every line (header included).",
                  utf8(messy), utf8(FR_DEALS)))
    titled = ("Export comptable;;;;\nPériode : T1 2026;;;;\n\n" + FR_SPEND)
    add(base_case("title_rows_above_header", "Two title rows and a blank line above the "
                  "header; the deals file has one title row.", utf8(titled),
                  utf8("Deals signés\n" + FR_DEALS)))
    shuffled = table_text([" Item ", "CATEGORY", "Notes", "Amount ", " DATE", "Channel"], [
        [it, c.upper(), "n/a", a, d, {"shared": "SHARED", "": ""}.get(ch, ch)]
        for d, a, c, ch, it in spend_rows()], ",")
    add(base_case("header_case_order_extra_columns", "Column names in any case with spaces, "
                  "in another order, an extra column; SHARED in capitals.", utf8(shuffled),
                  PLAIN_DEALS))
    mixed_spend = spend_rows()
    mixed_spend[1][0] = "15/02/2026"
    mixed_spend[2][0] = "2026-02-20T10:30:00"
    mixed_spend[4][0] = "2026-03-31 18:45"
    mixed_deals = deal_rows()
    mixed_deals[0][2] = "20/01/2026"
    mixed_deals[2][2] = "2026-02-25T09:00:00+01:00"
    mixed_deals[3][2] = "05/03/2026 14:00"
    mixed_deals[6][2] = "2025-11-15T23:30:00Z"
    add(base_case("dates_three_formats", "ISO, French day-first and ISO with a time (and an "
                  "offset) mixed in one column.", utf8(table_text(SPEND_HEADER, mixed_spend, ",")),
                  utf8(table_text(DEALS_HEADER, mixed_deals, ","))))

    # ---- channel names
    case_spend = spend_rows()
    case_spend[5][3] = "seo"
    case_deals = deal_rows()
    case_deals[0][3] = "Seo"
    case_deals[4][3] = "seo "
    case_deals[1][3] = "  SEO"
    add(base_case("channel_case_and_spaces", "SEO, 'seo ', Seo and '  SEO' are one channel "
                  "(shown as its most frequent spelling).",
                  utf8(table_text(SPEND_HEADER, case_spend, ",")),
                  utf8(table_text(DEALS_HEADER, case_deals, ","))))
    nfd_spend = spend_rows()
    nfd_spend[1][3] = "Ads\u200b"
    nfd_deals = deal_rows()
    nfd_deals[3][3] = "E\u0301ve\u0301nements"
    nfd_deals[2][3] = "Ads\u2028"
    add(base_case("channel_unicode_forms", "Événements typed as decomposed accents, a "
                  "zero-width space and a line separator after Ads: still one channel each.",
                  utf8(table_text(SPEND_HEADER, nfd_spend, ",")),
                  utf8(table_text(DEALS_HEADER, nfd_deals, ","))))
    hyperlink = '=HYPERLINK("http://evil","x")'
    html = {"SEO": hyperlink, "Ads": "<b>Ads</b>", "Événements": "<script>alert(1)</script>"}

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"') else cell

    hostile_spend = [[quote(html.get(c, c)) if i == 3 else c for i, c in enumerate(r)]
                     for r in spend_rows()]
    hostile_spend[0][4] = "+cmd|' /C calc'!A0"
    hostile_spend[1][4] = "@SUM(1+1)"
    hostile_deals = [[quote(html.get(c, c)) if i == 3 else c for i, c in enumerate(r)]
                     for r in deal_rows()]
    add(base_case("html_and_formula_channel_names", "Channel names <b>Ads</b>, "
                  "<script>alert(1)</script> and =HYPERLINK(...): kept as inert text.",
                  utf8(table_text(SPEND_HEADER, hostile_spend, ",")),
                  utf8(table_text(DEALS_HEADER, hostile_deals, ",")),
                  expect_kpis=BASE | {"channels": channels(hyperlink, "<b>Ads</b>",
                                                           "<script>alert(1)</script>")},
                  channel_names=sorted(html.values()), cli=True))
    add(error_case("deal_channel_shared", "'shared' is reserved for pooled costs.",
                   "deals.csv, column 'channel', row 4: expected the channel that brought the "
                   "deal ('shared' is reserved for pooled costs in spend), got 'Shared'",
                   PLAIN_SPEND, utf8(_deals_with(2, 3, "Shared"))))

    # ---- Excel and Parquet
    add(base_case("xlsx_native_cells", "Both tables as .xlsx with native numbers, dates and "
                  "booleans; deal ids typed as numbers.",
                  xlsx_bytes([Sheet("Dépenses", spend_sheet_rows())]),
                  xlsx_bytes([Sheet("Deals", deals_sheet_rows())]),
                  names=("spend.xlsx", "deals.xlsx")))
    draft = Sheet("Brouillon", [["date", "amount", "category"], ["hier", "beaucoup", "???"]])
    noted = spend_sheet_rows()
    noted[0].append("note")
    noted[2].append(XlError("#N/A"))
    add(base_case("xlsx_several_sheets", "Only the first sheet is read, even when another "
                  "is active; an Excel error in an extra column is ignored.",
                  xlsx_bytes([Sheet("Dépenses", noted), draft], active=1), PLAIN_DEALS,
                  names=("spend.xlsx", "deals.csv")))
    labels = [["Dépenses du premier trimestre", None, None, None, None]] + spend_sheet_rows()
    for row in labels[3:6]:
        row[2] = None  # the merged range C3:C6 shows "marketing" once
    labels = labels[:7] + [[None] * 5 for _ in range(4)] + labels[7:]  # S6 moves to row 12
    add(base_case("xlsx_merged_labels", "A merged title row above the header, a category "
                  "merged over four rows (its value applies to each) and an item merged down "
                  "over empty rows (they stay empty rows).",
                  xlsx_bytes([Sheet("Feuil1", labels, merges=["A1:E1", "C3:C6", "E7:E10"])]),
                  PLAIN_DEALS, names=("spend.xlsx", "deals.csv")))
    stray = Sheet("Feuil1", spend_sheet_rows())
    add(error_case("xlsx_stray_far_cell", "A forgotten value in the last cell of the sheet "
                   "(XFD1048576): read without building the empty grid, and refused.",
                   "spend.xlsx (sheet 'Feuil1'), row 1: column XFD has no name in the header but "
                   "holds values (the first in row 1048576); expected a name in every header "
                   "cell above values", deals=PLAIN_DEALS,
                   files={"spend.xlsx": xlsx_bytes([stray], extra_cells={"XFD1048576": "x"})}))
    formulas = spend_sheet_rows()
    formulas[1][1] = Formula("2000*2", 4000)
    formulas[2][1] = Formula("2500+0.5", 2500.5)
    formulas[3][2] = Formula('LOWER("MARKETING")', "marketing")
    add(base_case("xlsx_formulas_with_saved_values", "Formulas whose results Excel saved: "
                  "the saved values are read.", xlsx_bytes([Sheet("Feuil1", formulas)]),
                  PLAIN_DEALS, names=("spend.xlsx", "deals.csv")))
    as_text = [list(SPEND_HEADER)] + spend_rows(amount="fr", date="fr")
    add(base_case("xlsx_numbers_as_text", "Amounts and dates stored as text cells "
                  "('4 000,00', '15/01/2026').", xlsx_bytes([Sheet("Feuil1", as_text)]),
                  PLAIN_DEALS, names=("spend.xlsx", "deals.csv")))
    add(base_case("parquet_typed", "Both tables as Parquet with typed columns.",
                  parquet_bytes("spend"), parquet_bytes("deals"),
                  names=("spend.parquet", "deals.parquet")))
    add(base_case("formats_mixed", "spend.xlsx with deals.parquet.",
                  xlsx_bytes([Sheet("Feuil1", spend_sheet_rows())]), parquet_bytes("deals"),
                  names=("spend.xlsx", "deals.parquet")))
    no_cache = spend_sheet_rows()
    no_cache[2][1] = Formula("B2/2")
    add(error_case("xlsx_formula_without_saved_value", "A formula written by a program "
                   "(openpyxl) has no saved result: refused, naming the cell.",
                   "spend.xlsx (sheet 'Feuil1'), column 'amount', row 3: expected " + MONEY
                   + ", got the formula =B2/2 in cell B3, which has no saved result (open the "
                   "file in Excel or LibreOffice and save it, or paste values)",
                   deals=PLAIN_DEALS,
                   files={"spend.xlsx": xlsx_bytes([Sheet("Feuil1", no_cache)])}))
    div0 = spend_sheet_rows()
    div0[3][1] = Formula("1/0", XlError("#DIV/0!"))
    add(error_case("xlsx_error_value", "A formula whose saved result is #DIV/0!.",
                   "spend.xlsx (sheet 'Feuil1'), column 'amount', row 4: expected " + MONEY
                   + ", got the Excel error #DIV/0! in cell B4", deals=PLAIN_DEALS,
                   files={"spend.xlsx": xlsx_bytes([Sheet("Feuil1", div0)])}))
    merged_amount = spend_sheet_rows()
    merged_amount[3][1] = None
    add(error_case("xlsx_merged_amount", "An amount merged over two rows would be counted "
                   "twice: refused.",
                   "spend.xlsx (sheet 'Feuil1'), column 'amount', row 4: cell B4 belongs to "
                   "the merged range B3:B4; expected one amount per row (unmerge the cells)",
                   deals=PLAIN_DEALS, files={"spend.xlsx": xlsx_bytes(
                       [Sheet("Feuil1", merged_amount, merges=["B3:B4"])])}))
    add(error_case("xlsx_first_sheet_empty", "The first sheet is empty and the data is on the "
                   "second: only the first sheet is read.",
                   "spend.xlsx (sheet 'Vide'): the sheet is empty; expected a header row with "
                   "the columns date, amount, category", deals=PLAIN_DEALS,
                   files={"spend.xlsx": xlsx_bytes([Sheet("Vide", []),
                                                    Sheet("Dépenses", spend_sheet_rows())])}))
    add(error_case("csv_named_xlsx", "A CSV file saved with the .xlsx extension.",
                   "spend.xlsx: cannot be opened as an Excel workbook (BadZipFile); "
                   "expected an .xlsx file", deals=PLAIN_DEALS,
                   files={"spend.xlsx": PLAIN_SPEND}))
    add(error_case("xlsx_named_csv", "An Excel workbook saved with the .csv extension.",
                   "spend.csv, row 1: the file holds a NUL byte, so it is not a text table; "
                   "expected a CSV file (for Excel, keep the .xlsx extension)",
                   spend=xlsx_bytes([Sheet("Feuil1", spend_sheet_rows())]), deals=PLAIN_DEALS))
    add(error_case("parquet_corrupt", "A truncated Parquet file.",
                   "spend.parquet: cannot be read as Parquet (ArrowInvalid); expected a Parquet "
                   "file", deals=PLAIN_DEALS,
                   files={"spend.parquet": parquet_bytes("spend")[:200]}))

    # ---- amounts
    add(error_case("amount_text", "A word in an amount, below a title row and blank lines: "
                   "the row is the one a spreadsheet shows.",
                   "spend.csv, column 'amount', row 8: expected " + MONEY + ", got 'douze'",
                   utf8("Dépenses T1\n\n" + _spend_with(3, 1, "douze", sep=";", amount="fr")
                        .replace("\n", "\n\n", 1)), PLAIN_DEALS, cli=True))
    add(error_case("amount_negative", "A negative amount.",
                   "spend.csv, column 'amount', row 3: expected " + MONEY + ", got '-2500.50'",
                   utf8(_spend_with(1, 1, "-2500.50")), PLAIN_DEALS))
    add(error_case("amount_accounting_negative", "An amount in accounting parentheses.",
                   "spend.csv, column 'amount', row 4: expected " + MONEY
                   + ", got '(1 500,50)'", utf8(_spend_with(2, 1, "(1 500,50)", sep=";",
                                                            amount="fr")), PLAIN_DEALS))
    add(error_case("amount_empty", "An empty amount.",
                   "spend.csv, column 'amount', row 5: expected " + MONEY
                   + ", got an empty cell", utf8(_spend_with(3, 1, "")), PLAIN_DEALS))
    add(error_case("amount_nan", "NaN is not an amount.",
                   "spend.csv, column 'amount', row 2: expected " + MONEY + ", got 'NaN'",
                   utf8(_spend_with(0, 1, "NaN")), PLAIN_DEALS))
    add(error_case("amount_huge", "An amount beyond one trillion (a typing or export error).",
                   "spend.csv, column 'amount', row 3: expected at most 1,000,000,000,000 on "
                   "one line, got '2.5E+15'", utf8(_spend_with(1, 1, "2.5E+15")), PLAIN_DEALS))
    add(error_case("amount_two_decimal_marks", "One column mixing 1 500,50 and 2,500.50.",
                   "spend.csv, column 'amount', row 3: expected one decimal mark in the whole "
                   "column (',' as in row 2), got '2,500.50'",
                   utf8(_spend_with(1, 1, "2,500.50", sep=";", amount="fr")), PLAIN_DEALS))
    evidence = table_text(SPEND_HEADER, [[fmt_date(d, "fr"), amount, c, ch, it] for (
        d, _, c, ch, it), amount in zip(SPEND, ["4,000", "2500,5", "1500,5", "1200", "9000",
                                                "3000"], strict=True)], ";")
    add(base_case("decimal_comma_three_decimals", "In a column where 2500,5 shows the comma "
                  "is decimal, 4,000 is four (not four thousand).", utf8(evidence),
                  utf8(FR_DEALS), expect_kpis=merged(BASE, {
                      "spend": {"marketing": 5205.0, "total": 14205.0},
                      "cac": {"global": 3551.25, "marketing": 1301.25},
                      "channels": {"SEO": {"spend_direct": 4.0, "cac_direct": 2.0,
                                           "cac_fully_loaded": 2552.0}},
                      "ltv_cac": 2.7033, "payback_months": 8.8781})))
    euro_dollar = _spend_with(2, 1, "1 500,50 $", sep=";", amount="fr")
    euro_dollar = euro_dollar.replace("4 000,00", "4 000,00 €")
    add(error_case("currency_marks_mixed", "'4 000,00 €' and '1 500,50 $' in one audit.",
                   "spend.csv, column 'amount', row 4: expected amounts in a single currency "
                   "(EUR as in spend.csv, row 2), got '1 500,50 $'", utf8(euro_dollar),
                   PLAIN_DEALS))
    with_currency = table_text(SPEND_HEADER + ["currency"],
                               [r + ["EUR"] for r in spend_rows()], ",")
    usd_deals = table_text(DEALS_HEADER + ["currency"],
                           [r + ["USD" if i == 5 else "EUR"] for i, r in enumerate(deal_rows())],
                           ",")
    add(error_case("currency_column_mixed", "A currency column with EUR and USD.",
                   "deals.csv, column 'currency', row 7: expected amounts in a single currency "
                   "(EUR as in deals.csv, row 2), got 'USD'", utf8(with_currency),
                   utf8(usd_deals)))
    usd = {"spend.csv": utf8(table_text(SPEND_HEADER + ["currency"],
                                        [r + ["usd"] for r in spend_rows()], ",")),
           "deals.csv": utf8(table_text(DEALS_HEADER + ["currency"],
                                        [r + ["USD"] for r in deal_rows()], ","))}
    add(Case("currency_usd_with_usd_parameter", "Every amount in USD and currency USD: the "
             "figures are in USD.", usd, expect_kpis=merged(BASE, {"currency": "USD"}),
             params=QUARTER | {"currency": "USD"}))
    add(Case("currency_usd_with_default_parameter", "Every amount in USD but the audit is in "
             "EUR (the default): refused.", usd,
             expect_error="parameter currency: expected the inputs' currency (USD), got 'EUR'",
             cli=True))

    # ---- dates
    add(error_case("date_impossible", "31/02/2026 does not exist.",
                   "spend.csv, column 'date', row 4: expected " + DATE + ", got '31/02/2026'",
                   utf8(_spend_with(2, 0, "31/02/2026", sep=";", amount="fr", date="fr")),
                   PLAIN_DEALS))
    add(error_case("date_impossible_iso", "2026-02-30 does not exist either.",
                   "deals.csv, column 'won_date', row 3: expected " + DATE
                   + ", got '2026-02-30'", PLAIN_SPEND, utf8(_deals_with(1, 2, "2026-02-30"))))
    add(error_case("date_two_digit_year", "15/01/26 could be 1926 or 2026: refused.",
                   "spend.csv, column 'date', row 2: expected " + DATE + ", got '15/01/26'",
                   utf8(_spend_with(0, 0, "15/01/26")), PLAIN_DEALS))
    add(error_case("date_month_first", "A US month-first date that cannot be day-first.",
                   "spend.csv, column 'date', row 3: expected " + DATE + " (15 is not a month: "
                   "the column is month-first, as US exports write it; set date_format: mdy "
                   "for this source in sources.yaml, or write ISO dates), got '02/15/2026'",
                   utf8(_spend_with(1, 0, "02/15/2026")), PLAIN_DEALS))
    add(error_case("date_excel_serial", "An Excel day number in a CSV.",
                   "spend.csv, column 'date', row 2: expected " + DATE + ", got '46037'",
                   utf8(_spend_with(0, 0, "46037")), PLAIN_DEALS))
    add(error_case("date_implausible_year", "A year outside 1990-2100 (a typing error).",
                   "spend.csv, column 'date', row 6: expected a date between 1990 and 2100, "
                   "got '2206-03-31'", utf8(_spend_with(4, 0, "2206-03-31")), PLAIN_DEALS))
    future_spend = SPEND + [(dt.date(2026, 6, 15), 5000.0, "marketing", "SEO", "Agence SEO"),
                            (dt.date(2027, 1, 10), 7000.0, "sales", "", "Salaires")]
    future_deals = deal_rows() + [["D9", "A9", "2026-04-02", "SEO", "new", "true", "900"],
                                  ["D10", "A10", "2099-12-31", "Ads", "new", "true", "100"]]
    add(base_case("future_rows", "Rows dated after the period (even far in the future) are "
                  "simply outside it.", utf8(table_text(SPEND_HEADER, spend_rows(
                      rows=future_spend), ",")), utf8(table_text(DEALS_HEADER, future_deals,
                                                                 ","))))
    add(base_case("deals_before_any_spend", "Customers acquired before the first spend line: "
                  "the previous period has a customer and no spend data (it starts before "
                  "the first spend month), so its CAC is null, never 0.00.",
                  utf8(spend_csv(rows=SPEND[:5])), PLAIN_DEALS,
                  expect_kpis=merged(BASE, {"previous": {"spend": {"total": 0.0,
                                                                   "marketing": 0.0},
                                                         "cac": {"global": None}}})))
    add(error_case("period_without_data", "A period with no spend and no deal.",
                   "spend, deals: no spend line and no deal from 2030-01-01 to 2030-03-31; "
                   "expected rows dated in the period (check period_start and period_end)",
                   PLAIN_SPEND, PLAIN_DEALS,
                   params={"period_start": "2030-01-01", "period_end": "2030-03-31"}))
    quiet_deals = [r for r in DEALS if r[4] != "new" or r[5] == "false" or r[0] == "D7"] + [
        ("D9", "A7", dt.date(2026, 2, 14), "Ads", "reactivation", "true", 250),
        ("D10", "A8", dt.date(2026, 3, 15), "Événements", "cross_sell", "true", 150)]
    add(base_case("no_new_customer_in_period", "Only renewals, upsells, cross-sells, "
                  "reactivations and unpaid sign-ups in the period: no CAC, with reasons.",
                  PLAIN_SPEND, utf8(table_text(DEALS_HEADER, deal_rows(rows=quiet_deals), ",")),
                  expect_kpis=merged(BASE, {
                      "new_customers": 0,
                      "cac": {"global": None, "marketing": None, "sales": None},
                      "channels": {ch: {"new_customers": 0, "cac_direct": None,
                                        "shared_allocated": None, "cac_fully_loaded": None}
                                   for ch in BASE_CHANNELS},
                      "arpa_mrr": None, "ltv": None, "ltv_cac": None,
                      "payback_months": None})))

    # ---- counting rules, booleans, synonyms
    more = DEALS + [("D9", "A2", dt.date(2026, 3, 20), "SEO", "new", "true", 999),
                    ("D10", "A3", dt.date(2026, 3, 21), "Ads", "cross_sell", "true", 50),
                    ("D11", "A7", dt.date(2026, 3, 22), "SEO", "reactivation", "true", 70),
                    ("D12", "A8", dt.date(2026, 3, 25), "Événements", "new", "false", 0)]
    add(base_case("counting_rules", "A second new deal of an account, a cross-sell, a "
                  "reactivation and an unpaid proof of concept change nothing.", PLAIN_SPEND,
                  utf8(table_text(DEALS_HEADER, deal_rows(rows=more), ","))))
    words = deal_rows()
    for row, paid in zip(words, ["oui", "Yes", "VRAI", "1", "x", "non", "", "O"], strict=True):
        row[5] = paid
    add(base_case("paid_words", "paid written oui, Yes, VRAI, 1, x, non, empty (true by "
                  "default), O.", PLAIN_SPEND, utf8(table_text(DEALS_HEADER, words, ","))))
    synonyms_spend = spend_rows()
    synonyms_spend[0][2] = "Marketing"
    synonyms_spend[4][2] = "Ventes"
    synonyms_deals = deal_rows()
    for row, kind in zip(synonyms_deals, ["New", "NOUVEAU", " new ", "Nouveau", "Up-sell",
                                          "new", "new", "Renouvellement"], strict=True):
        row[4] = kind
    add(base_case("category_and_type_synonyms", "Marketing, Ventes, NOUVEAU, Up-sell, "
                  "Renouvellement: case and French synonyms.", utf8(table_text(
                      SPEND_HEADER, synonyms_spend, ",")), utf8(table_text(
                          DEALS_HEADER, synonyms_deals, ","))))
    add(error_case("category_unknown", "A category that is neither marketing nor sales.",
                   "spend.csv, column 'category', row 3: expected one of marketing, sales, "
                   "got 'advertising'", utf8(_spend_with(1, 2, "advertising")), PLAIN_DEALS))
    add(error_case("type_unknown", "A deal type outside the contract.",
                   "deals.csv, column 'type', row 5: expected one of new, renewal, "
                   "reactivation, upsell, cross_sell, got 'trial'", PLAIN_SPEND,
                   utf8(_deals_with(3, 4, "trial"))))
    add(error_case("paid_unknown", "paid neither true nor false.",
                   "deals.csv, column 'paid', row 3: expected true or false (also yes/no, "
                   "oui/non, vrai/faux, 1/0), got 'peut-être'", PLAIN_SPEND,
                   utf8(_deals_with(1, 5, "peut-être"))))
    add(error_case("deal_without_channel", "A deal with an empty channel.",
                   "deals.csv, column 'channel', row 6: expected a channel name, got an empty "
                   "cell", PLAIN_SPEND, utf8(_deals_with(4, 3, "  "))))
    add(error_case("deal_id_duplicated", "The same deal_id twice.",
                   "deals.csv, column 'deal_id', row 7: duplicate id (first seen at row 4); "
                   "expected a value that appears once (it is an id), got 'D3'", PLAIN_SPEND,
                   utf8(_deals_with(5, 0, "D3")), cli=True))
    leads = ("lead_id;created_date;channel;mql_date\nL1;05/01/2026;SEO;06/01/2026\n"
             "L2;06/01/2026;Ads;\nL1;07/01/2026;SEO;08/01/2026\n")
    add(error_case("lead_id_duplicated", "The same lead_id twice.",
                   "leads.csv, column 'lead_id', row 4: duplicate id (first seen at row 2); "
                   "expected a value that appears once (it is an id), got 'L1'", PLAIN_SPEND,
                   PLAIN_DEALS, files={"leads.csv": utf8(leads)}))

    # ---- files and structure
    add(error_case("file_empty", "spend.csv of 0 bytes.",
                   "spend.csv: the file is empty; expected a header row with the columns date, "
                   "amount, category", b"", PLAIN_DEALS))
    add(error_case("file_blank", "spend.csv holding only blank lines.",
                   "spend.csv: the file is empty; expected a header row with the columns date, "
                   "amount, category", b"\r\n  \r\n\r\n", PLAIN_DEALS))
    add(base_case("spend_header_only", "spend.csv with a header and no row: no spend data, "
                  "so every CAC is null (never 0.00).", utf8("date,amount,category,channel,item\n"),
                  PLAIN_DEALS,
                  expect_kpis=merged(BASE, {
                      "spend": {"marketing": 0.0, "sales": 0.0, "shared": 0.0, "total": 0.0},
                      "cac": {"global": None, "marketing": None, "sales": None},
                      "channels": {ch: {"spend_direct": 0.0, "cac_direct": None,
                                        "shared_allocated": 0.0, "cac_fully_loaded": None}
                                   for ch in BASE_CHANNELS},
                      "ltv_cac": None, "payback_months": None,
                      "previous": {"spend": {"total": 0.0, "marketing": 0.0},
                                   "cac": {"global": None}}})))
    add(base_case("deals_header_only", "deals.csv with a header and no row: no customer.",
                  PLAIN_SPEND, utf8(",".join(DEALS_HEADER) + "\n"), expect_kpis=merged(BASE, {
                      "new_customers": 0,
                      "cac": {"global": None, "marketing": None, "sales": None},
                      "channels": {ch: {"new_customers": 0, "cac_direct": None,
                                        "shared_allocated": None, "cac_fully_loaded": None}
                                   for ch in BASE_CHANNELS},
                      "arpa_mrr": None, "ltv": None, "ltv_cac": None, "payback_months": None,
                      "previous": {"new_customers": 0, "cac": {"global": None}}})))
    add(error_case("column_missing", "spend.csv without its category column.",
                   "spend.csv, column 'category', row 1: missing column; expected a header with "
                   "date, amount, category (found: date, amount, channel, item)",
                   utf8(table_text(["date", "amount", "channel", "item"],
                                   [[r[0], r[1], r[3], r[4]] for r in spend_rows()], ",")),
                   PLAIN_DEALS))
    add(error_case("column_names_in_french", "French column names are not the contract's.",
                   "spend.csv, column 'amount', row 1: missing column; expected a header with "
                   "date, amount, category (found: date, montant, catégorie, canal)",
                   utf8("Date;Montant;Catégorie;Canal\n15/01/2026;4 000,00;marketing;SEO\n"),
                   PLAIN_DEALS))
    add(error_case("no_header_row", "A file of data rows without a header.",
                   "spend.csv, row 1: no header row found in the first 15 rows; expected "
                   "columns named date, amount, category",
                   utf8(spend_csv().split("\n", 1)[1]), PLAIN_DEALS))
    add(error_case("column_twice", "Two amount columns.",
                   "spend.csv, column 'amount', row 1: the column appears twice; expected each "
                   "column once", utf8(spend_csv().replace("item", "Amount", 1)), PLAIN_DEALS))
    add(error_case("column_without_name", "Values under an empty header cell.",
                   "spend.csv, row 1: column 5 has no name in the header but holds values (the "
                   "first in row 2); expected a name in every header cell above values",
                   utf8(spend_csv().replace("item", "", 1)), PLAIN_DEALS))
    add(error_case("table_missing", "No deals file.",
                   "{dir}: missing table 'deals'; expected a file deals.csv, deals.xlsx or "
                   "deals.parquet", PLAIN_SPEND, cli=True))
    add(error_case("table_twice", "spend.csv and spend.xlsx side by side.",
                   "{dir}: two files for the table 'spend' (spend.csv, spend.xlsx); expected "
                   "exactly one", PLAIN_SPEND, PLAIN_DEALS,
                   files={"spend.xlsx": xlsx_bytes([Sheet("Feuil1", spend_sheet_rows())])}))
    add(error_case("table_old_excel_format", "spend.xls (Excel 97) is not read.",
                   "spend.xls: this format is not read; expected spend.csv, spend.xlsx or "
                   "spend.parquet", deals=PLAIN_DEALS,
                   files={"spend.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)}))
    add(error_case("row_too_many_cells", "An unquoted 2,500.50 in a comma file splits the "
                   "row.", "spend.csv, row 3: the row has 6 cells but the header has 5; "
                   "expected one value per header column (quote values that contain the "
                   "separator ',')", utf8(_spend_with(1, 1, "2,500.50")), PLAIN_DEALS))
    add(error_case("quote_never_closed", "A quote opened in the last row and never closed.",
                   "spend.csv, row 7: the row cannot be split into cells (unexpected end of "
                   "data); expected quotes that open at the start of a cell and close at its end",
                   utf8(_spend_with(5, 4, '"Agence SEO')), PLAIN_DEALS))
    add(error_case("quote_swallows_rows", "A stray quote that would merge rows 3 to 5.",
                   "spend.csv, row 3: a quote opened in this row runs over the next lines, "
                   "which would merge several rows into one; expected a closing quote at the "
                   "end of the cell",
                   utf8(_spend_with(3, 4, 'CRM"', rows=None).replace("Google Ads", '"Google Ads')
                        ), PLAIN_DEALS))
    multiline = spend_rows()
    multiline[0][4] = '"Agence SEO\n(contrat annuel)"'
    multiline[2][1] = "mille"
    add(error_case("multiline_cell_then_error", "A quoted cell over two lines is one row: the "
                   "error below it names the spreadsheet row, not the text line.",
                   "spend.csv, column 'amount', row 4: expected " + MONEY + ", got 'mille'",
                   utf8(table_text(SPEND_HEADER, multiline, ",")), PLAIN_DEALS))
    long_item = spend_rows()
    long_item[0][4] = "x" * 140_000
    add(base_case("very_long_cell", "A 140,000-character cell (beyond the csv module's "
                  "default limit).",
                  utf8(table_text(SPEND_HEADER, long_item, ",")), PLAIN_DEALS))
    add(error_case("nul_byte", "A NUL byte inside a text file.",
                   "spend.csv, row 3: the file holds a NUL byte, so it is not a text table; "
                   "expected a CSV file (for Excel, keep the .xlsx extension)",
                   utf8(_spend_with(1, 4, "Google\x00Ads")), PLAIN_DEALS))
    add(error_case("encodings_mixed", "UTF-8 with one Windows-1252 'é' pasted in row 4.",
                   "spend.csv, row 4: the file mixes UTF-8 with another encoding; expected one "
                   "encoding for the whole file (save it again as UTF-8)",
                   utf8(spend_csv()).replace(b"Salon professionnel",
                                             "Salon professionnel é".encode("cp1252")),
                   PLAIN_DEALS))
    add(error_case("control_characters_in_value", "An amount holding a terminal escape "
                   "sequence is shown escaped, on one line.",
                   "spend.csv, column 'amount', row 2: expected " + MONEY
                   + ", got '\\x1b[2J\\u2028'", utf8(_spend_with(0, 1, "\x1b[2J\u2028")),
                   PLAIN_DEALS, cli=True))

    # ---- leads and touchpoints
    leads_text = (
        "lead_id;created_date;channel;mql_date;meeting_date;opportunity_date;quote_date;"
        "won_date;lost_date;opportunity_value\n"
        "L1;03/01/2026;SEO;05/01/2026;08/01/2026;10/01/2026;12/01/2026;20/01/2026;;3 600,00\n"
        "L2;10/01/2026;Ads;2026-01-12;15/01/2026;20/01/2026;;;01/03/2026;2 000,00\n"
        "L3;15/02/2026;Événements;;18/02/2026 10:00;20/02/2026;22/02/2026;25/02/2026;;4 800\n"
        "L4;20/03/2026;seo;21/03/2026;;;;;;\n"
        "L5;20/12/2025;Ads;22/12/2025;;;;;;\n")
    touch_text = (
        "account_id,timestamp,channel\n"
        "A1,2026-01-05T10:00:00+01:00,Ads\nA1,2026-01-18,SEO\n"
        "A3,12/02/2026 09:30,événements\n"
        "A4,2026-03-05T23:59:00Z,Ads\nA4,2026-03-06 08:00,SEO\n")
    add(Case("leads_and_touchpoints_first_touch", "Leads with stage dates in three formats "
             "(a meeting without an MQL counts among meetings only) and touchpoints with "
             "offsets, attributed by first touch.",
             {"spend.csv": PLAIN_SPEND, "deals.csv": PLAIN_DEALS,
              "leads.csv": utf8(leads_text), "touchpoints.csv": utf8(touch_text)},
             expect_kpis=merged(BASE, {
                 "channels": {"SEO": {"new_customers": 1, "cac_direct": 4000.0,
                                      "shared_allocated": 2550.0, "cac_fully_loaded": 6550.0},
                              "Ads": {"new_customers": 2, "cac_direct": 1250.25,
                                      "shared_allocated": 5100.0, "cac_fully_loaded": 3800.25}},
                 "funnel": {"leads": 4, "qualified_leads": 3, "meetings": 3,
                            "opportunities": 3, "quotes": 2, "won": 2,
                            "lead_to_meeting": 1.0, "meeting_to_opportunity": 1.0,
                            "opportunity_to_win": 0.6667, "quote_conversion": 1.0,
                            "avg_opportunity_value": 3466.67,
                            "sales_cycle_days": {"mean": 7.5, "median": 7.5}}}),
             params=QUARTER | {"attribution_model": "first_touch"}))
    out += sources_cases()
    return out


# --------------------------------------------------------------------------- sources.yaml

FEC_HEADER = ("JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
              "CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|"
              "ValidDate|Montantdevise|Idevise")


def fec_text(columns: int = 18) -> str:
    """A small FEC: the company's SEO, Ads and events invoices, each with its 401 line."""
    rows = [FEC_HEADER.split("|")]
    for number, (day, amount, _, channel, item) in enumerate(SPEND[:3], start=1):
        account = "62330000" if channel == "Événements" else "62310000"
        date = f"{day:%Y%m%d}"
        money = f"{amount:.2f}".replace(".", ",")
        base = ["AC", "Achats", str(number), date]
        rows.append(base + [account, "Publicité", "", "", f"F{number}", date, item, money,
                            "0,00", "", "", date, "", ""])
        rows.append(base + ["40100000", "Fournisseurs", "F1", channel, f"F{number}", date,
                            item, "0,00", money, "", "", date, "", ""])
    return "".join("|".join(r[:columns]) + "\r\n" for r in rows)


HUBSPOT_HEADER = ["Record ID", "Deal Name", "Deal Stage", "Close Date", "Amount",
                  "Original Source Type", "Associated Company IDs"]


def hubspot_text(stage: bool = True) -> str:
    rows = [HUBSPOT_HEADER]
    for deal, account, day, channel, kind, paid, mrr in DEALS:
        if kind == "new" and paid == "true":
            rows.append([deal, f"Deal {deal}", "Closed Won", f"{day:%Y-%m-%d} 10:00",
                         str(mrr), channel, account])
    rows.append(["D99", "Lost", "Closed Lost", "2026-02-02 10:00", "900", "SEO", "A9"])
    if not stage:
        rows = [r[:2] + r[3:] for r in rows]
    return "".join(",".join(f'"{c}"' for c in r) + "\n" for r in rows)


SOURCES_FEC = "spend:\n  file: \"*FEC*.txt\"\n  preset: fec\ndeals: deals.csv\n"
SOURCES_HUBSPOT = ("deals:\n  file: hubspot-crm-exports-all-deals-*.csv\n  preset: "
                   "hubspot_deals\n  amount_is: mrr\n")


def sources_cases() -> list[Case]:
    """Raw exports read through sources.yaml, each broken in one way: a one-line error."""
    out: list[Case] = []
    out.append(error_case(
        "sources_fec_17_columns", "A FEC ledger with 17 of its 18 columns (Idevise missing).",
        "123456789FEC20260331.txt, column 'Idevise', row 1: missing column; expected a header "
        "with Idevise (the fec preset; name another column with columns: {Idevise: ...} in "
        "sources.yaml) (found: " + ", ".join(FEC_HEADER.split("|")[:17]) + ")",
        deals=PLAIN_DEALS, cli=True,
        files={"sources.yaml": utf8(SOURCES_FEC),
               "123456789FEC20260331.txt": utf8(fec_text(17))}))
    out.append(error_case(
        "sources_hubspot_no_stage", "A HubSpot deals export without its Deal Stage column: "
        "lost deals could not be told from won ones.",
        "hubspot-crm-exports-all-deals-2026-04-02.csv, column 'Deal Stage', row 1: missing "
        "column; expected a header with Deal Stage (the hubspot_deals preset; name another "
        "column with columns: {stage: ...} in sources.yaml) (found: Record ID, Deal Name, "
        "Close Date, Amount, Original Source Type, Associated Company IDs)",
        spend=PLAIN_SPEND, cli=True,
        files={"sources.yaml": utf8(SOURCES_HUBSPOT),
               "hubspot-crm-exports-all-deals-2026-04-02.csv": utf8(hubspot_text(False))}))
    out.append(error_case(
        "sources_glob_matching_two_files", "A glob that matches two exports (two days).",
        "sources.yaml, line 2: deals.file: 'hubspot-crm-exports-all-deals-*.csv' matches 2 "
        "files (hubspot-crm-exports-all-deals-2026-04-01.csv, "
        "hubspot-crm-exports-all-deals-2026-04-02.csv); expected exactly one (make the glob "
        "narrower, or list one source per file)",
        spend=PLAIN_SPEND, cli=True,
        files={"sources.yaml": utf8(SOURCES_HUBSPOT),
               "hubspot-crm-exports-all-deals-2026-04-01.csv": utf8(hubspot_text()),
               "hubspot-crm-exports-all-deals-2026-04-02.csv": utf8(hubspot_text())}))
    out.append(error_case(
        "sources_not_yaml", "A sources.yaml with a bracket never closed.",
        "sources.yaml, line 3: not valid YAML (expected ',' or ']', but got '<stream end>'); "
        "expected YAML such as 'deals: {file: deals.csv, preset: hubspot_deals}'",
        spend=PLAIN_SPEND, deals=PLAIN_DEALS, cli=True,
        files={"sources.yaml": utf8("deals:\n  file: [deals.csv\n")}))
    out.append(error_case(
        "sources_unknown_preset", "A preset name with a typo.",
        "sources.yaml, line 3: deals.preset: unknown preset; expected one of hubspot_deals, "
        "hubspot_contacts, salesforce_opportunities, pipedrive_deals, fec, google_ads, "
        "linkedin_ads, invoices, got 'hubspot_deal'",
        spend=PLAIN_SPEND, cli=True,
        files={"sources.yaml": utf8(SOURCES_HUBSPOT.replace("hubspot_deals", "hubspot_deal")),
               "hubspot-crm-exports-all-deals-2026-04-02.csv": utf8(hubspot_text())}))
    out.append(error_case(
        "sources_unknown_column", "columns: names a header the export does not have.",
        "sources.yaml, line 5: deals.columns.channel names 'Lead Source', a column "
        "hubspot-crm-exports-all-deals-2026-04-02.csv does not have; expected one of its "
        "headers (Record ID, Deal Name, Deal Stage, Close Date, Amount, Original Source Type, "
        "Associated Company IDs)",
        spend=PLAIN_SPEND, cli=True,
        files={"sources.yaml": utf8(SOURCES_HUBSPOT + "  columns: {channel: Lead Source}\n"),
               "hubspot-crm-exports-all-deals-2026-04-02.csv": utf8(hubspot_text())}))
    out.append(Case(
        "sources_hubspot_deals", "The company's deals as a HubSpot export (a lost deal "
        "dropped by stage) read through sources.yaml; spend stays a contract file: the figures "
        "of the contract folder.",
        {"sources.yaml": utf8("deals:\n  file: hubspot-crm-exports-all-deals-*.csv\n  preset: "
                              "hubspot_deals\n  amount_is: mrr\n"),
         "hubspot-crm-exports-all-deals-2026-04-02.csv": utf8(hubspot_text()),
         "spend.csv": PLAIN_SPEND},
        expect_kpis=BASE, cli=True))
    return out


def build(root: Path) -> list[Path]:
    """Write every case folder and ``expected.json`` under ``root``; return the paths."""
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    expected: dict[str, dict] = {}
    for case in cases():
        assert case.name not in expected, case.name
        folder = root / case.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for name, data in sorted(case.files.items()):
            (folder / name).write_bytes(data)
            written.append(folder / name)
        expected[case.name] = case.entry()
    target = root / "expected.json"
    target.write_text(json.dumps(expected, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                      encoding="utf-8")
    written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args()
    paths = build(args.out)
    print(f"{len(cases())} cases, {len(paths)} files written under {args.out}")


if __name__ == "__main__":
    main()
