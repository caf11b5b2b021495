"""The report a board can be handed: nothing in the HTML that is not for the reader, and a PDF
that prints on A4 in a few well-filled pages.

The PDF test audits the sample company as ``make demo`` does (``-f audit.yaml --pdf``) and
prints it with the headless Chromium found on PATH (Debian ``chromium``; ``.ci/run`` installs
it); it is skipped where none is installed. Page fill is read from the PDF itself with pypdf:
the lowest text line or image drawn on each page, above the footer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from cac_toolkit.core.resources import audit_notebook, data_path
from cac_toolkit.runner import REMOVE_TAG, export_html, find_chromium

#: The issue's bar: the sample audit prints in at most this many A4 pages ...
MAX_PAGES = 9
#: ... and no page is filled less than this share of its printable height.
MIN_FILL = 1 / 3
#: Bottom margin of the print CSS (16 mm) in PDF points: the footer is drawn below it.
FOOTER_TOP = 16 / 25.4 * 72
#: Top margin of the print CSS (14 mm) in points.
TOP_MARGIN = 14 / 25.4 * 72
A4_POINTS = (595.92, 841.92)


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cac_toolkit.cli", *args], capture_output=True,
                          text=True, **kw)


def test_cells_tagged_for_tests_never_reach_the_html(tmp_path: Path) -> None:
    nb = new_notebook(cells=[
        new_code_cell("print('for the reader')", outputs=[
            new_output("stream", name="stdout", text="FOR-THE-READER\n")]),
        new_code_cell("print('for nbval')", metadata={"tags": [REMOVE_TAG]}, outputs=[
            new_output("stream", name="stdout", text="KEPT-FOR-NBVAL\n")]),
    ])
    source = tmp_path / "nb.ipynb"
    nbformat.write(nb, source)
    export_html(source, tmp_path / "nb.html")
    html = (tmp_path / "nb.html").read_text(encoding="utf-8")
    assert "FOR-THE-READER" in html
    assert "KEPT-FOR-NBVAL" not in html


def test_the_audit_notebook_headline_is_tagged_and_left_out(tmp_path: Path) -> None:
    nb = nbformat.read(audit_notebook(), as_version=4)
    tagged = [c for c in nb.cells if REMOVE_TAG in c.metadata.get("tags", [])]
    assert tagged and all("NBVAL_CHECK_OUTPUT" in c.source for c in tagged)
    headline = "".join(o.get("text", "") for o in tagged[-1].outputs).strip()
    assert headline  # the committed run printed it (nbval compares it)
    export_html(audit_notebook(), tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert headline.splitlines()[0] not in html
    assert "application/vnd.jupyter.stdout" not in html  # no printed block at all


def test_pdf_flag_values_are_checked(tmp_path: Path) -> None:
    result = cli("audit", str(data_path("sample_company")), "--out", str(tmp_path / "o"),
                 "-p", "pdf", "maybe")
    assert result.returncode == 2
    assert result.stderr.strip() == ("cac-toolkit: error: parameter pdf: expected true or "
                                     "false, got 'maybe'")
    assert not (tmp_path / "o").exists()


def test_pdf_without_chromium_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no browser there
    result = cli("audit", str(data_path("sample_company")), "--out", str(tmp_path / "o"),
                 "--pdf", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--pdf needs a headless Chromium" in lines[0]
    assert not (tmp_path / "o").exists()


def page_fill(page) -> float:  # noqa: ANN001 (pypdf PageObject)
    """Share of the printable height of ``page`` that holds content (text or images).

    The lowest text line or image placement above the footer, measured from the top margin.
    """
    height = float(page.mediabox.height)
    lowest = [height - TOP_MARGIN]

    def on_text(text, cm, tm, _font, _size) -> None:  # noqa: ANN001
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if text.strip() and y > FOOTER_TOP:
            lowest.append(y)

    def on_operator(operator, _args, cm, _tm) -> None:  # noqa: ANN001
        if operator == b"Do":  # an image (or a form) drawn with the current matrix
            lowest.append(max(FOOTER_TOP, min(cm[5], cm[5] + cm[3])))

    page.extract_text(visitor_text=on_text, visitor_operand_before=on_operator)
    return (height - TOP_MARGIN - min(lowest)) / (height - TOP_MARGIN - FOOTER_TOP)


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if find_chromium() is None:
        pytest.skip("no headless Chromium on PATH (Debian: apt-get install chromium)")
    out = tmp_path_factory.mktemp("print") / "sample-audit"
    sample = data_path("sample_company")
    result = cli("audit", str(sample), "--out", str(out), "-f", str(sample / "audit.yaml"),
                 "--pdf", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert str(out / "report.pdf") in result.stdout.splitlines()
    return out / "report.pdf"


def test_sample_report_prints_on_few_well_filled_a4_pages(sample_pdf: Path) -> None:
    from pypdf import PdfReader

    pages = PdfReader(str(sample_pdf)).pages
    assert 1 < len(pages) <= MAX_PAGES
    for number, page in enumerate(pages, 1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1), (number, size)
        fill = page_fill(page)
        assert fill >= MIN_FILL or number == len(pages) and len(pages) == 1, (number, fill)


def test_every_page_has_its_footer_and_no_stray_block(sample_pdf: Path) -> None:
    from pypdf import PdfReader

    pages = PdfReader(str(sample_pdf)).pages
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        assert f"{number} / {len(pages)}" in text, number
        assert "Customer acquisition audit · 2025" in text, number
    whole = "\n".join(page.extract_text() for page in pages)
    assert "file://" not in whole  # Chromium's own header and footer are off


def test_every_chart_of_the_report_has_its_caption_as_alternative_text(tmp_path: Path) -> None:
    import re

    export_html(audit_notebook(), tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) >= 8
    alts = [re.search(r'alt="([^"]*)"', tag) for tag in images]
    assert all(alt and alt.group(1).strip() for alt in alts), images
    assert "No description has been provided" not in html
    assert "CAC by channel: direct vs fully loaded" in {a.group(1) for a in alts}


def test_caption_is_the_charts_title() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from cac_toolkit.render import plots

    fig = plots.payback_curve(1200.0, 150.0, 0.7)
    data, metadata = plots.png_with_alt(fig)
    assert data.startswith(b"\x89PNG")
    assert metadata == {"alt": "CAC payback: cumulative gross margin of one customer"}
