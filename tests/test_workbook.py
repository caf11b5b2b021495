"""The audit workbook: recalculated independently, every KPI equals kpis.json to the cent.

openpyxl stores formulas without results, so the workbook is recalculated by the pure-Python
engine ``formulas`` (always) and by LibreOffice headless (when ``soffice`` is on PATH).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import formulas
import openpyxl
import pandas as pd
import pytest
from formulas.tokens.operand import XlError

from cac_toolkit.audit.kpis import compute_kpis, flatten
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.resources import data_path
from cac_toolkit.core.safety import csv_text, excel_text, html_text, write_excel_text
from cac_toolkit.data.loading import load_folder
from cac_toolkit.render.longtail import for_display
from cac_toolkit.render.workbook import workbook_labels, write_workbook
from tests.conftest import QUARTER

HOSTILE = ['=HYPERLINK("http://x","click")', "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1",
           "<script>alert(1)</script>"]
#: kpis.json fields the workbook must reproduce (top level; funnel ones when leads exist).
TOP_KEYS = ["spend.marketing", "spend.sales", "spend.shared", "spend.direct", "spend.total",
            "new_customers", "cac.global", "cac.marketing", "cac.sales", "arpa_mrr", "ltv",
            "ltv_cac", "payback_months"]
FUNNEL_KEYS = ["funnel.qualified_leads", "funnel.lead_to_meeting",
               "funnel.meeting_to_opportunity", "funnel.opportunity_to_win",
               "funnel.quote_conversion", "funnel.mql_to_sql", "funnel.sql_to_opportunity",
               "funnel.avg_opportunity_value", "funnel.sales_cycle_days.mean",
               "funnel.sales_cycle_days.median", "funnel.conversion_delay_days.mean",
               "funnel.conversion_delay_days.median"]
CHANNEL_FIELDS = ["spend_direct", "new_customers", "cac_direct", "allocation_weight",
                  "shared_allocated", "cac_fully_loaded"]

Lookup = Callable[[str, str], object]


# --------------------------------------------------------------------------- helpers


def build(folder: Path, out: Path, **params: object) -> tuple[Path, dict]:
    data = load_folder(folder)
    audit = AuditParameters.from_mapping(params)
    kpis = compute_kpis(data, audit)
    return write_workbook(out, data, audit, kpis), kpis


def formulas_lookup(path: Path) -> Lookup:
    """Recalculate with ``formulas``; return ``(sheet, "B5") -> value``."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values = {key.upper(): ranges.value[0][0] for key, ranges in solution.items()}

    def lookup(sheet: str, coord: str) -> object:
        key = f"'[{path.name}]{sheet}'!{coord}".upper()
        return values.get(key)  # an empty cell is not in the solution

    return lookup


def cached_lookup(path: Path) -> Lookup:
    """Values cached in a file saved by a spreadsheet application."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return lambda sheet, coord: wb[sheet][coord].value


def name_cells(wb: openpyxl.Workbook, name: str) -> tuple[str, list[str]]:
    """Sheet and cells (``["B6", "B7"]``) of a defined name."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    cells = wb[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return sheet, [cells.coordinate]
    return sheet, [row[0].coordinate for row in cells]


def workbook_kpis(path: Path, lookup: Lookup) -> dict[str, object]:
    """``{kpis.json flat key: recalculated value}`` read through the workbook's own labels."""
    wb = openpyxl.load_workbook(path)
    ws = wb["KPIs"]
    out: dict[str, object] = {}
    for row in range(5, ws.max_row + 1):
        key = ws.cell(row, 3).value
        if isinstance(key, str) and ws.cell(row, 2).data_type == "f":
            out[key] = lookup("KPIs", f"B{row}")
    if "ch_channel" in wb.defined_names:
        sheet, name_col = name_cells(wb, "ch_channel")
        names = [ws[c].value for c in name_col]
        for field in CHANNEL_FIELDS:
            name = {"allocation_weight": "ch_key"}.get(field, f"ch_{field}")
            _, cells = name_cells(wb, name)
            for channel, cell in zip(names, cells, strict=True):
                out[f"channels.{channel}.{field}"] = lookup(sheet, cell)
    for check in ("check_allocation", "check_spend", "check_customers"):
        sheet, (cell,) = name_cells(wb, check)
        out[check] = lookup(sheet, cell)
    return out


def assert_matches_kpis(values: dict[str, object], kpis: dict, lang: str = "en") -> None:
    """Every KPI equals kpis.json to the cent (ratios to 4 decimals); nulls are sentences."""
    flat = flatten(kpis)
    expected_keys = list(TOP_KEYS) + (FUNNEL_KEYS if kpis["funnel"]["leads"] is not None else [])
    for channel in kpis["channels"]:
        expected_keys += [f"channels.{excel_text(channel)}.{f}" for f in CHANNEL_FIELDS]
    na = "n/a" if lang == "en" else "n.d."
    for key in expected_keys:
        assert key in values, f"{key} missing from the workbook"
        got = values[key]
        parts = key.split(".")
        if parts[0] == "channels":  # the workbook shows the neutralised name
            channel = next(c for c in kpis["channels"] if excel_text(c) == ".".join(parts[1:-1]))
            want = kpis["channels"][channel][parts[-1]]
        else:
            want = flat[key]
        assert not isinstance(got, XlError), f"{key}: Excel error {got}"
        if want is None:
            assert isinstance(got, str) and got.startswith(na), f"{key}: {got!r}"
        elif parts[-1] in ("new_customers", "allocation_weight"):
            assert round(float(got), 4) == pytest.approx(want, abs=1e-9), key
        elif float(got) != pytest.approx(want, abs=1e-9):
            # Only allowed difference: kpis.json rounds a float quotient, so at an exact
            # half-cent tie it may lose the cent that exact half-up rounding (the workbook's)
            # gives. Anything else fails.
            tie = half_cent_tie(key, kpis)
            assert tie is not None and float(got) == tie and want == round(tie - 0.01, 2), (
                f"{key}: {got} != {want}")
    for check in ("check_spend", "check_customers"):
        assert values[check] == 0, check
    unallocated = any(c["shared_allocated"] is None for c in kpis["channels"].values())
    # pooled costs that no key can split stay visible as a difference, never hidden
    assert values["check_allocation"] == (-kpis["spend"]["shared"] if unallocated else 0)


def half_cent_tie(key: str, kpis: dict) -> float | None:
    """The exact half-up cent of a CAC whose exact value ends in half a cent, else None."""
    parts = key.split(".")
    if parts[0] == "cac":
        field = {"global": "total"}.get(parts[1], parts[1])
        amount, customers = kpis["spend"][field], kpis["new_customers"]
    elif parts[0] == "channels" and parts[-1] in ("cac_direct", "cac_fully_loaded"):
        channel = next(c for c in kpis["channels"] if excel_text(c) == ".".join(parts[1:-1]))
        row = kpis["channels"][channel]
        amount, customers = row["spend_direct"], row["new_customers"]
        if parts[-1] == "cac_fully_loaded":
            amount += row["shared_allocated"]
    else:
        return None
    if not float(customers).is_integer() or not customers:
        return None
    cents = Fraction(round(amount * 100)) / int(customers)
    if cents.denominator != 2:
        return None
    return float(cents + Fraction(1, 2)) / 100


def write_folder(folder: Path, **tables: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def spend_row(day: str, amount: float, category: str, channel: str = "") -> dict:
    return {"date": day, "amount": amount, "category": category, "channel": channel,
            "item": "cost"}


def deal_row(i: int, day: str, channel: str, mrr: float = 100.0, kind: str = "new") -> dict:
    return {"deal_id": f"D{i}", "account_id": f"A{i}", "won_date": day, "channel": channel,
            "type": kind, "paid": "true", "mrr": mrr}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def saas_workbook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("saas") / "saas_quarter.xlsx"
    return build(data_path("saas_quarter"), out, **QUARTER, gross_margin=0.7,
                 lifetime_months=30)


@pytest.fixture(scope="module")
def sample_workbook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Non-default run: churn instead of lifetime, pooled costs split by opportunities."""
    out = tmp_path_factory.mktemp("sample") / "sample_company.xlsx"
    return build(data_path("sample_company"), out, gross_margin=0.75, monthly_churn=0.05,
                 allocation_key="opportunities")


# --------------------------------------------------------------------------- recalculation


def test_saas_quarter_recalculated_equals_kpis_and_seed_figures(saas_workbook) -> None:
    path, kpis = saas_workbook
    values = workbook_kpis(path, formulas_lookup(path))
    assert_matches_kpis(values, kpis)
    # The seed's worked example, read from the recalculated workbook itself.
    assert values["cac.global"] == 1500
    assert (values["channels.SEO.cac_direct"], values["channels.SEO.cac_fully_loaded"]) == (
        428.57, 1028.57)
    assert (values["channels.Ads.cac_direct"], values["channels.Ads.cac_fully_loaded"]) == (
        1500, 2100)
    assert (values["channels.Outbound.cac_direct"],
            values["channels.Outbound.cac_fully_loaded"]) == (1200, 1800)
    assert (values["ltv"], values["ltv_cac"], values["payback_months"]) == (4200, 2.8, 10.7143)
    assert values["check_allocation"] == 0


def test_sample_company_churn_and_opportunity_key(sample_workbook) -> None:
    path, kpis = sample_workbook
    assert kpis["parameters"]["monthly_churn"] == 0.05
    values = workbook_kpis(path, formulas_lookup(path))
    assert_matches_kpis(values, kpis)
    # lifetime = 1 / 5 % = 20 months, written as a value on the inputs sheet
    wb = openpyxl.load_workbook(path)
    sheet, (cell,) = name_cells(wb, "in_lifetime")
    assert wb[sheet][cell].value == 20
    assert values["ltv"] == pytest.approx(round(kpis["arpa_mrr"] * 0.75 * 20, 0), abs=1)
    # Ads: (26,826.28 + 22,217.62) / 20 = 2,452.195 exactly, a half-cent tie: rounded half
    # up in whole cents, as Excel and LibreOffice do, not 2,452.19 from the double
    # 2,452.1949999999997.
    assert kpis["period"] == {"start": "2025-10-01", "end": "2025-12-31"}
    assert values["channels.Ads.cac_fully_loaded"] == 2452.20


def test_attribution_credits_pipeline_key_in_french(tmp_path: Path) -> None:
    path, kpis = build(data_path("sample_company"), tmp_path / "fr.xlsx", gross_margin=0.8,
                       lifetime_months=24, attribution_model="linear",
                       allocation_key="pipeline", lang="fr")
    credits = [c["new_customers"] for c in kpis["channels"].values()]
    assert any(not float(c).is_integer() for c in credits)  # fractional credits exercised
    values = workbook_kpis(path, formulas_lookup(path))
    assert_matches_kpis(values, kpis, lang="fr")
    wb = openpyxl.load_workbook(path)
    # The sample company has a revenue table: its movements get their own sheet.
    assert wb.sheetnames == ["Saisies", "KPIs", "Rétention", "Provenance"]


def test_rounding_adjustment_makes_the_split_add_back(tmp_path: Path) -> None:
    # 100.00 of pooled costs over three channels of one customer each: 33.33 x 3 = 99.99,
    # so largest remainder moves one cent, to the channel that sorts first.
    folder = write_folder(
        tmp_path / "three",
        spend=[spend_row("2026-01-10", 100, "marketing"), spend_row("2026-01-10", 30, "sales",
                                                                    "A")],
        deals=[deal_row(1, "2026-01-05", "A"), deal_row(2, "2026-01-06", "B"),
               deal_row(3, "2026-01-07", "C")])
    path, kpis = build(folder, tmp_path / "three.xlsx", **QUARTER, gross_margin=0.5,
                       lifetime_months=12)
    lookup = formulas_lookup(path)
    values = workbook_kpis(path, lookup)
    assert_matches_kpis(values, kpis)
    wb = openpyxl.load_workbook(path)
    sheet, prorata = name_cells(wb, "ch_prorata")
    _, adjustment = name_cells(wb, "ch_adjustment")
    assert [lookup(sheet, c) for c in prorata] == [33.33, 33.33, 33.33]
    assert [wb[sheet][c].value for c in adjustment] == [0.01, 0.0, 0.0]
    assert [values[f"channels.{c}.shared_allocated"] for c in "ABC"] == [33.34, 33.33, 33.33]
    assert values["check_allocation"] == 0


def test_a_long_tail_of_channels_is_one_row_that_adds_up(tmp_path: Path) -> None:
    # 32 channels: the 19 with the largest fully loaded spend keep their row, the other 13
    # are one row "other (13 channels)"; kpis.json keeps all 32, and the recalculated
    # workbook equals the report's grouped view to the cent (pooled costs split by customers,
    # sub-cent shares moved by largest remainder), its checks reading 0.
    names = [f"C{i:02d}" for i in range(32)]
    spend = [spend_row("2026-01-10", 100.01, "marketing")]
    spend += [spend_row("2026-01-15", 10 + 7.33 * i, "marketing" if i % 3 else "sales", name)
              for i, name in enumerate(names)]
    deals = [deal_row(i, "2026-02-01", names[i % 29]) for i in range(64)]
    folder = write_folder(tmp_path / "tail", spend=spend, deals=deals)
    path, kpis = build(folder, tmp_path / "tail.xlsx", **QUARTER, gross_margin=0.5,
                       lifetime_months=12)
    assert len(kpis["channels"]) == 32
    view = for_display(kpis)
    assert len(view["channels"]) == 20 and "other (13 channels)" in view["channels"]
    values = workbook_kpis(path, formulas_lookup(path))
    shown = {key.split(".")[1] for key in values if key.startswith("channels.")}
    assert shown == set(view["channels"])
    assert_matches_kpis(values, view)
    assert values["check_allocation"] == 0


def test_zero_new_customers_gives_sentences_not_errors(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "none",
        spend=[spend_row("2026-02-01", 500, "marketing", "Ads"),
               spend_row("2026-02-01", 250, "sales")],
        deals=[deal_row(1, "2026-02-03", "Ads", kind="renewal")])
    path, kpis = build(folder, tmp_path / "none.xlsx", **QUARTER, gross_margin=0.7,
                       lifetime_months=30)
    assert kpis["new_customers"] == 0
    lookup = formulas_lookup(path)
    values = workbook_kpis(path, lookup)
    assert_matches_kpis(values, kpis)
    assert values["cac.global"] == workbook_labels("en")["na_customer"]
    assert values["channels.Ads.cac_direct"] == workbook_labels("en")["na_channel"]
    assert values["channels.Ads.shared_allocated"] == workbook_labels("en")["na_key"]
    assert values["check_allocation"] == -250
    wb = openpyxl.load_workbook(path)
    sheet, (cell,) = name_cells(wb, "check_allocation")
    assert lookup(sheet, "C" + cell[1:]) == workbook_labels("en")["na_key"]
    ws = openpyxl.load_workbook(path)["KPIs"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                value = lookup("KPIs", cell.coordinate)
                assert not isinstance(value, XlError), (cell.coordinate, value)
                assert not str(value).startswith("#"), (cell.coordinate, value)


def test_hostile_client_text_stays_text(tmp_path: Path) -> None:
    names = ['=HYPERLINK("http://x","click")', "+1+1", "-2", "@SUM(A1)"]
    folder = write_folder(
        tmp_path / "hostile",
        spend=[spend_row("2026-01-10", 100 * (i + 1), "marketing", n)
               for i, n in enumerate(names)] + [spend_row("2026-01-10", 99.99, "sales")],
        deals=[deal_row(i, "2026-01-11", n) for i, n in enumerate(names)],
        leads=[{"lead_id": "=1+1", "created_date": "2026-01-02", "channel": names[0],
                "mql_date": "2026-01-03", "opportunity_date": "2026-01-04",
                "won_date": "2026-01-11", "opportunity_value": 1000}])
    path, kpis = build(folder, tmp_path / "hostile.xlsx", **QUARTER, gross_margin=0.7,
                       lifetime_months=30)
    assert set(kpis["channels"]) == set(names)
    wb = openpyxl.load_workbook(path)
    client = [(ws.title, c.value, c.data_type) for ws in wb for row in ws.iter_rows()
              for c in row if isinstance(c.value, str) and c.value.startswith("'")]
    # each channel on the inputs sheet and in the channel table; the lead id once
    assert sorted(client) == sorted(
        [(sheet, "'" + n, "s") for n in names for sheet in ("Inputs", "KPIs")]
        + [("Inputs", "'=1+1", "s")])
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                formulas_xml = " ".join(re.findall(r"<f>(.*?)</f>",
                                                   archive.read(member).decode()))
                assert formulas_xml.startswith(("", "ROUND", "IF")), member
                for marker in ("HYPERLINK", "SUM(A1)", "1+1"):
                    assert marker not in formulas_xml, (member, marker)
    values = workbook_kpis(path, formulas_lookup(path))
    assert_matches_kpis(values, kpis)
    assert values["channels.'-2.spend_direct"] == 300


# --------------------------------------------------------------------------- LibreOffice


IN_CI = os.environ.get("CI") == "true"


# Outside CI a machine without LibreOffice skips this test (the formulas-engine tests still
# recalculate every workbook); in CI, where .ci/run installs it, a missing soffice fails.
@pytest.mark.skipif(shutil.which("soffice") is None and not IN_CI,
                    reason="LibreOffice (soffice) is not on PATH; the formulas-engine tests "
                           "still recalculate every workbook")
def test_libreoffice_recalculation_matches_kpis(saas_workbook, sample_workbook,
                                                 tmp_path: Path) -> None:
    assert shutil.which("soffice"), "CI=true but soffice is missing: .ci/run installs it"
    outdir = tmp_path / "recalculated"
    sources = [saas_workbook[0], sample_workbook[0]]
    subprocess.run(["soffice", "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=120)
    for source, kpis in (saas_workbook, sample_workbook):
        converted = outdir / source.name
        values = workbook_kpis(source, cached_lookup(converted))
        assert_matches_kpis(values, kpis)


# --------------------------------------------------------------------------- structure


def test_workbook_layout_for_a_controller(saas_workbook) -> None:
    path, _ = saas_workbook
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Inputs", "KPIs", "Provenance"]
    inputs, kpis_ws, provenance = wb["Inputs"], wb["KPIs"], wb["Provenance"]
    # inputs hold values only, the KPI rows formulas only
    assert not [c for row in inputs.iter_rows() for c in row if c.data_type == "f"]
    assert all(kpis_ws.cell(r, 2).data_type == "f" for r in range(5, 18))
    assert inputs.freeze_panes == "B6" and kpis_ws.freeze_panes == "B5"
    assert inputs["A5"].font.bold and kpis_ws["B4"].font.bold
    assert inputs.column_dimensions["A"].width >= 40
    sheet, (cell,) = name_cells(wb, "kpi_cac_global")
    assert wb[sheet][cell].number_format == '#,##0.00 "€"'
    sheet, (cell,) = name_cells(wb, "in_gross_margin")
    assert wb[sheet][cell].number_format == "0.0%" and wb[sheet][cell].value == 0.7
    # spend per channel x category, pooled lines on their own row, to the cent
    rows = {inputs.cell(r, 1).value: (inputs.cell(r, 2).value, inputs.cell(r, 3).value)
            for r in range(6, 10)}
    assert rows == {"Ads": (18000, 0), "Outbound": (0, 24000), "SEO": (12000, 0),
                    "Pooled costs (shared)": (6000, 30000)}
    prov = {provenance.cell(r, 1).value: provenance.cell(r, 3).value
            for r in range(1, provenance.max_row + 1)}
    assert len(prov["spend"]) == 64 and len(prov["deals"]) == 64  # SHA-256 in hex


def test_kpis_of_other_parameters_are_refused(tmp_path: Path) -> None:
    data = load_folder(data_path("saas_quarter"))
    kpis = compute_kpis(data, AuditParameters.from_mapping({**QUARTER, "gross_margin": 0.7}))
    other = AuditParameters.from_mapping({**QUARTER, "gross_margin": 0.6})
    with pytest.raises(ValueError, match="other parameters"):
        write_workbook(tmp_path / "x.xlsx", data, other, kpis)


# --------------------------------------------------------------------------- safety helpers


@pytest.mark.parametrize("text", HOSTILE[:6])
def test_formula_triggers_are_neutralised(text: str, tmp_path: Path) -> None:
    assert excel_text(text) == "'" + text
    assert csv_text(text) == "'" + text
    wb = openpyxl.Workbook()
    write_excel_text(wb.active["A1"], text)
    wb.save(tmp_path / "t.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A1"]
    # XML parsers normalise a raw carriage return to a line feed when reading
    assert (cell.value, cell.data_type) == ("'" + text.replace("\r", "\n"), "s")
    # written through csv, read back, the field still starts with the quote
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_text(text), "x"])
    assert next(csv.reader(io.StringIO(buffer.getvalue())))[0] == "'" + text


def test_harmless_text_is_unchanged_and_html_is_escaped() -> None:
    for text in ("SEO", "Événements", "a=b", "2024", "Mid-market", "<script>alert(1)</script>"):
        assert excel_text(text) == text and csv_text(text) == text
    assert html_text(HOSTILE[-1]) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert html_text('"x" & \'y\'') == "&quot;x&quot; &amp; &#x27;y&#x27;"
    assert excel_text(None) == "" and excel_text(float("nan")) == "" and html_text(pd.NA) == ""
    assert excel_text("bad\x01char") == "bad\ufffdchar"  # openpyxl refuses control chars
    assert len(excel_text("=" * 40_000)) == 32_767


@pytest.mark.parametrize(("currency", "money_format"), [("USD", '"$"#,##0.00'),
                                                        ("CHF", '#,##0.00 "CHF"')])
def test_money_format_follows_the_currency(currency: str, money_format: str,
                                           tmp_path: Path) -> None:
    path, _ = build(data_path("saas_quarter"), tmp_path / "c.xlsx", **QUARTER,
                    gross_margin=0.7, lifetime_months=30, currency=currency)
    wb = openpyxl.load_workbook(path)
    for name in ("kpi_cac_global", "kpi_spend_total", "in_mrr_sum"):
        sheet, (cell,) = name_cells(wb, name)
        assert wb[sheet][cell].number_format == money_format, name


# --------------------------------------------------------------------------- print layout


def test_workbook_prints_on_a4_with_repeated_headers_and_styled_inputs(sample_workbook) -> None:
    from cac_toolkit.render.workbook import INPUT_FILL, INPUT_FONT, PAPER_A4

    path, _ = sample_workbook  # it has leads: the long list of won leads on Inputs
    wb = openpyxl.load_workbook(path)
    inputs, kpis_sheet = wb.worksheets[0], wb["KPIs"]
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == PAPER_A4, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0  # as many pages tall as needed, never squeezed
        assert "&P" in ws.oddFooter.center.text
    assert kpis_sheet.print_title_rows == "$4:$4"
    won_header = int(inputs.print_title_rows.split(":")[0].strip("$"))
    assert inputs.cell(row=won_header, column=1).value == workbook_labels("en")["lead"]
    assert won_header - 2 in [b.id for b in inputs.row_breaks.brk]  # the list starts a page
    # The legend of the convention on the first sheet.
    assert inputs["A3"].font.color.rgb.endswith(INPUT_FONT.color.rgb[-6:])
    assert inputs["B3"].value == workbook_labels("en")["legend"]
    # Every number typed on Inputs is styled as an input; every formula stays plain.
    numbers = [c for row in inputs.iter_rows(min_row=4) for c in row
               if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
    assert numbers and all(c.fill.fgColor.rgb.endswith(INPUT_FILL.fgColor.rgb[-6:])
                           and c.font.color.rgb.endswith("0000FF") for c in numbers)
    formula_cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.startswith("=")]
    assert formula_cells and not any(
        c.font.color is not None and str(c.font.color.rgb).endswith("0000FF")
        for c in formula_cells)


def test_workbook_headers_align_with_their_numbers_and_widths_fit(saas_workbook) -> None:
    path, _ = saas_workbook
    wb = openpyxl.load_workbook(path)
    inputs, kpis_sheet = wb.worksheets[0], wb["KPIs"]
    header = {inputs.cell(row=5, column=c).value: inputs.cell(row=5, column=c)
              for c in range(1, 6)}
    assert header[workbook_labels("en")["channel"]].alignment.horizontal == "left"
    assert header[workbook_labels("en")["marketing"]].alignment.horizontal == "right"
    assert kpis_sheet["B4"].alignment.horizontal == "right"  # "Value" over formulas
    for ws in wb.worksheets:
        for letter, dim in ws.column_dimensions.items():
            if dim.width:
                assert 8 <= dim.width <= 56, (ws.title, letter, dim.width)
    # A money column is as wide as its amounts, not a fixed 18-22 characters.
    assert inputs.column_dimensions["B"].width < 18


def test_a_note_beside_a_parameter_does_not_widen_the_money_column(sample_workbook) -> None:
    """The lifetime's note ("from monthly_churn ...", or the measured lifetime's) sits in
    column C, the sales-spend column of the table above: merged over the table's columns, it
    leaves column C as wide as its amounts (LibreOffice's print of the sample showed a
    half-page-wide column)."""
    path, _ = sample_workbook
    inputs = openpyxl.load_workbook(path).worksheets[0]
    notes = [c for c in inputs["C"] if c.value == workbook_labels("en")["lifetime_from_churn"]]
    assert len(notes) == 1 and any(notes[0].coordinate in r for r in inputs.merged_cells.ranges)
    assert inputs.column_dimensions["C"].width < 20
