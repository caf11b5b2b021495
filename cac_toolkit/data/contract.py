"""The audit's input tables: their columns, types and rules (the data contract).

Column parsing lives in :mod:`cac_toolkit.data.loading` (it also enforces each cell's kind, the
allowed words with their synonyms and the ranges declared here); the rule that spans rows,
ids that appear once, is checked here with pandera, and its failure cases are turned into the
same one-line :class:`InputError`. ``docs/data-format.md`` describes the contract for users:
its table of tables and its column tables are generated from the declarations below
(``scripts/make_docs.py``; a test fails when they drift).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import InputError

# pandera imports pyspark.pandas when PySpark is installed (the ``spark`` extra), at import and
# at the first validation, which warns that pandas 3 is not fully supported: that part of
# PySpark is never used here, so that one warning is silenced for the process.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                        category=FutureWarning)
import pandera.pandas as pa  # noqa: E402 - after the warning filter

DEAL_TYPES = ("new", "renewal", "reactivation", "upsell", "cross_sell")
CATEGORIES = ("marketing", "sales")
STAGE_DATES = ("mql_date", "sql_date", "meeting_date", "opportunity_date", "quote_date",
               "won_date", "lost_date")


@dataclass(frozen=True)
class ColumnSpec:
    """How one column is read: ``kind`` is text, number, date, timestamp, bool or choice."""

    kind: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    synonyms: dict[str, str] = field(default_factory=dict)
    default: object = None
    expected: str | None = None
    #: What the column means, for the documentation (one phrase).
    notes: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A table of the contract: its columns, which must be unique, and whether it is required."""

    name: str
    columns: dict[str, ColumnSpec]
    required_table: bool
    unique: tuple[str, ...] = ()
    #: What one row is, for the documentation ("cost line: an invoice...").
    row: str = ""

    @property
    def required(self) -> list[str]:
        return [name for name, col in self.columns.items() if col.required]


_MONEY = "a number >= 0 such as 1500.50 or 1 500,50"
#: Largest amount on one line (one trillion), and largest total of a money column (one
#: quadrillion): beyond them a figure is a typing or export error, and totals in integer cents
#: would no longer be exact in 64 bits.
MAX_AMOUNT = 1e12
MAX_TOTAL = 1e15

TABLES: dict[str, TableSpec] = {
    "spend": TableSpec("spend", {
        "date": ColumnSpec("date", required=True, notes="day the cost is booked"),
        "amount": ColumnSpec("number", required=True, minimum=0.0, maximum=MAX_AMOUNT,
                             expected=_MONEY, notes="`>= 0`, in the audit currency"),
        "category": ColumnSpec("choice", required=True, choices=CATEGORIES,
                               synonyms={"commercial": "sales", "ventes": "sales",
                                         "vente": "sales", "sale": "sales"}),
        "channel": ColumnSpec("text", notes="channel the cost belongs to; empty or `shared` "
                              "(any case) = a pooled cost to allocate"),
        "item": ColumnSpec("text", notes="what the cost is"),
    }, required_table=True,
        row="cost line: an invoice, a month of salary, a tool subscription"),
    "deals": TableSpec("deals", {
        "deal_id": ColumnSpec("text", required=True, notes="appears once in the table"),
        "account_id": ColumnSpec("text", required=True, notes="the customer account"),
        "won_date": ColumnSpec("date", required=True, notes="signature day"),
        "channel": ColumnSpec("text", required=True, expected="a channel name",
                              notes="acquisition channel; `shared` is reserved for pooled "
                              "costs and refused here"),
        "type": ColumnSpec("choice", choices=DEAL_TYPES, default="new",
                           synonyms={"cross-sell": "cross_sell", "cross sell": "cross_sell",
                                     "crosssell": "cross_sell", "up-sell": "upsell",
                                     "nouveau": "new", "renouvellement": "renewal",
                                     "réactivation": "reactivation"}),
        "paid": ColumnSpec("bool", default=True, notes="false for a free or unpaid sign-up "
                           "(section 4.3)"),
        "mrr": ColumnSpec("number", minimum=0.0, maximum=MAX_AMOUNT, expected=_MONEY,
                          notes="monthly recurring revenue, `>= 0`"),
        "amount": ColumnSpec("number", minimum=0.0, maximum=MAX_AMOUNT, expected=_MONEY,
                             notes="one-off value, `>= 0`"),
        "segment": ColumnSpec("text", notes="ICP / segment"),
    }, required_table=True, unique=("deal_id",), row="signed deal"),
    "leads": TableSpec("leads", {
        "lead_id": ColumnSpec("text", required=True, notes="appears once in the table"),
        "created_date": ColumnSpec("date", required=True, notes="day the lead was created"),
        "channel": ColumnSpec("text", required=True, expected="a channel name",
                              notes="channel the lead came from"),
        "segment": ColumnSpec("text", notes="ICP / segment"),
        "owner": ColumnSpec("text", notes="sales rep in charge"),
        **{stage: ColumnSpec("date", notes="day the lead reached the stage; empty when it "
                             "never did") for stage in STAGE_DATES},
        "opportunity_value": ColumnSpec("number", minimum=0.0, maximum=MAX_AMOUNT,
                                        expected=_MONEY, notes="pipeline value, `>= 0`"),
        "account_id": ColumnSpec("text", notes="the account, when the lead is tied to one"),
    }, required_table=False, unique=("lead_id",),
        row="lead, with the date it reached each funnel stage"),
    "touchpoints": TableSpec("touchpoints", {
        "account_id": ColumnSpec("text", required=True, notes="the account touched"),
        "timestamp": ColumnSpec("timestamp", required=True, notes="when: the only column that "
                                "keeps the time of day"),
        "channel": ColumnSpec("text", required=True, expected="a channel name",
                              notes="channel of the touch"),
    }, required_table=False, row="marketing or sales touch on an account"),
    # One row per account and month of recurring revenue; rows of the same account and month
    # add up, a month with no row is 0 MRR (cac_toolkit.figures.retention).
    "revenue": TableSpec("revenue", {
        "account_id": ColumnSpec("text", required=True, notes="the customer account, as in "
                                 "`deals`"),
        "month": ColumnSpec("date", required=True, notes="any day of the month: the row counts "
                            "for that calendar month"),
        "mrr": ColumnSpec("number", required=True, minimum=0.0, maximum=MAX_AMOUNT,
                          expected=_MONEY, notes="the account's MRR that month, `>= 0`"),
    }, required_table=False,
        row="account and month of recurring revenue (MRR), for measured retention"),
}


def _schema(spec: TableSpec) -> pa.DataFrameSchema:
    columns = {}
    for name in spec.unique:
        columns[name] = pa.Column(nullable=False, unique=True, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


_EXPECTED = {
    "field_uniqueness": "a value that appears once (it is an id)",
}


def check_table(frame: pd.DataFrame, spec: TableSpec, label: str, rows: np.ndarray) -> None:
    """Check the rules that span rows; raise :class:`InputError` on the first failing row."""
    try:
        _schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        if cases.empty:  # pragma: no cover - pandera always gives rows for these checks
            raise InputError(label, str(exc).splitlines()[0]) from None
        cases = cases.assign(position=cases["index"].astype("int64")).sort_values("position")
        first = cases.iloc[0]
        position = int(first["position"])
        column = first["column"] if isinstance(first["column"], str) else None
        check = str(first["check"])
        if column and column in frame.columns and check == "field_uniqueness":
            got = frame[column].iloc[position]
            duplicates = np.flatnonzero((frame[column] == got).to_numpy())
            position = int(duplicates[1]) if len(duplicates) > 1 else position
            raise InputError(label, f"duplicate id (first seen at row {rows[duplicates[0]]}); ",
                             column=column, row=int(rows[position]),
                             expected=_EXPECTED[check], got=got) from None
        raise InputError(label, "", column=column, row=int(rows[position]),
                         expected=_EXPECTED.get(check, check),
                         got=first["failure_case"]) from None


# ----------------------------------------------------------------------------- documentation

_DOC_KIND = {"text": "text", "date": "date", "timestamp": "date and time", "bool": "boolean",
             "choice": "word"}


def _doc_kind(column: ColumnSpec) -> str:
    if column.kind == "number":
        return "money" if column.expected == _MONEY else "number"
    return _DOC_KIND[column.kind]


def _doc_notes(name: str, column: ColumnSpec, table: TableSpec) -> str:
    parts = [column.notes] if column.notes else []
    if column.choices:
        words = [f"`{c}`" + (" (default)" if c == column.default else "") for c in column.choices]
        parts.append(" or ".join(words) if len(words) == 2 else ", ".join(words))
        if column.synonyms:
            synonyms = ", ".join(f"`{raw}` → `{word}`" for raw, word in column.synonyms.items())
            parts.append(f"synonyms: {synonyms}")
    elif column.default is not None:
        parts.append(f"default {str(column.default).lower()}")
    if name in table.unique and "appears once" not in column.notes:
        parts.append("appears once in the table")
    return "; ".join(parts)


def contract_markdown() -> str:
    """The contract's tables as Markdown: the table of tables, then one column table each.

    ``docs/data-format.md`` embeds this text between ``<!-- contract:begin -->`` and
    ``<!-- contract:end -->``; ``scripts/make_docs.py`` rewrites it from the declarations.
    """
    lines = ["| table | required | one row per |", "|---|---|---|"]
    lines += [f"| `{t.name}` | {'yes' if t.required_table else 'no'} | {t.row} |"
              for t in TABLES.values()]
    for table in TABLES.values():
        lines += ["", f"### {table.name}", "", "| column | kind | required | notes |",
                  "|---|---|---|---|"]
        lines += [f"| `{name}` | {_doc_kind(col)} | {'yes' if col.required else 'no'} | "
                  f"{_doc_notes(name, col, table)} |" for name, col in table.columns.items()]
    return "\n".join(lines) + "\n"
