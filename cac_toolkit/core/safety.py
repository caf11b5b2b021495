"""Client text in our outputs must stay text: no formula injection, no markup injection.

Channel names, items, segments, lead ids and file names come from the client's files. Written
as they are, ``=HYPERLINK("http://x","click")`` becomes a live link in Excel, ``+1+1`` a sum,
``<script>`` a script in the HTML report. Every writer routes such text through one of:

* :func:`excel_text` / :func:`write_excel_text` for workbook cells (openpyxl),
* :func:`csv_text` for CSV exports,
* :func:`html_text` for HTML.

The rule for spreadsheets and CSV (OWASP "CSV injection"): a value whose first character is
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote ``'``.

Why both a visible quote *and* a string cell in workbooks: openpyxl decides a cell is a formula
when its value is a string starting with ``=`` (``data_type "f"``), whatever the quote, so
:func:`write_excel_text` also forces ``data_type = "s"`` (a shared string, which Excel and
LibreOffice never evaluate). Inside an ``.xlsx`` file the quote is an ordinary character, so
the reader sees ``'=HYPERLINK(...)``: that is deliberate. It shows the name was altered, and it
keeps the value safe if someone saves the sheet as CSV and opens that file again (a string
cell alone would be written back as ``=HYPERLINK(...)`` and evaluated on reopening).
"""

from __future__ import annotations

import html
import math

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: First characters that make a spreadsheet evaluate a cell (OWASP list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The neutralising prefix.
QUOTE = "'"
#: The most characters an Excel cell holds.
EXCEL_MAX_CHARS = 32767


def _as_text(value: object) -> str:
    """``None``, NaN and pandas' missing values become ``""``; anything else ``str(value)``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def neutralise(text: str) -> str:
    """Prefix ``'`` when ``text`` starts with a formula trigger (see :data:`FORMULA_TRIGGERS`)."""
    return QUOTE + text if text.startswith(FORMULA_TRIGGERS) else text


def excel_text(value: object) -> str:
    """Client text made safe for a workbook cell.

    Neutralised as :func:`neutralise` says; control characters that XML cannot hold (which
    make openpyxl raise ``IllegalCharacterError``) become ``U+FFFD``; the text is cut to
    Excel's 32,767 characters. Write it with :func:`write_excel_text`, which also forces the
    cell to be a string.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", _as_text(value))
    return neutralise(text)[:EXCEL_MAX_CHARS]


def write_excel_text(cell, value: object):  # noqa: ANN001, ANN201 - openpyxl cell, duck-typed
    """Store client text in an openpyxl ``cell`` as a string that can never become a formula.

    Returns the cell, so styles can be chained by the caller.
    """
    cell.value = excel_text(value)
    cell.data_type = "s"  # openpyxl would otherwise mark "=..." as a formula
    return cell


def csv_text(value: object) -> str:
    """Client text made safe for a CSV field (OWASP rule: a leading ``'`` before a trigger).

    Quoting of separators and quotes is the ``csv`` writer's job, not this function's.
    """
    return neutralise(_as_text(value))


def html_text(value: object) -> str:
    """Client text escaped for HTML (``<``, ``>``, ``&``, ``"`` and ``'``)."""
    return html.escape(_as_text(value), quote=True)
