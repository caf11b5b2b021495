"""The audit's input tables: their columns, types and rules (the data contract).

Column parsing lives in :mod:`cac_toolkit.data.loading` (it also enforces each cell's kind, the
allowed words with their synonyms and the ranges declared here); the rule that spans rows,
ids that appear once, is checked here with pandera, and its failure cases are turned into the
same one-line :class:`InputError`. ``docs/data-format.md`` describes the contract for users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from cac_toolkit.core.errors import InputError

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


@dataclass(frozen=True)
class TableSpec:
    """A table of the contract: its columns, which must be unique, and whether it is required."""

    name: str
    columns: dict[str, ColumnSpec]
    required_table: bool
    unique: tuple[str, ...] = ()

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
        "date": ColumnSpec("date", required=True),
        "amount": ColumnSpec("number", required=True, minimum=0.0, maximum=MAX_AMOUNT,
                             expected=_MONEY),
        "category": ColumnSpec("choice", required=True, choices=CATEGORIES,
                               synonyms={"commercial": "sales", "ventes": "sales",
                                         "vente": "sales", "sale": "sales"}),
        "channel": ColumnSpec("text"),
        "item": ColumnSpec("text"),
    }, required_table=True),
    "deals": TableSpec("deals", {
        "deal_id": ColumnSpec("text", required=True),
        "account_id": ColumnSpec("text", required=True),
        "won_date": ColumnSpec("date", required=True),
        "channel": ColumnSpec("text", required=True, expected="a channel name"),
        "type": ColumnSpec("choice", choices=DEAL_TYPES, default="new",
                           synonyms={"cross-sell": "cross_sell", "cross sell": "cross_sell",
                                     "crosssell": "cross_sell", "up-sell": "upsell",
                                     "nouveau": "new", "renouvellement": "renewal",
                                     "réactivation": "reactivation"}),
        "paid": ColumnSpec("bool", default=True),
        "mrr": ColumnSpec("number", minimum=0.0, maximum=MAX_AMOUNT, expected=_MONEY),
        "amount": ColumnSpec("number", minimum=0.0, maximum=MAX_AMOUNT, expected=_MONEY),
        "segment": ColumnSpec("text"),
    }, required_table=True, unique=("deal_id",)),
    "leads": TableSpec("leads", {
        "lead_id": ColumnSpec("text", required=True),
        "created_date": ColumnSpec("date", required=True),
        "channel": ColumnSpec("text", required=True, expected="a channel name"),
        "segment": ColumnSpec("text"),
        "owner": ColumnSpec("text"),
        **{stage: ColumnSpec("date") for stage in STAGE_DATES},
        "opportunity_value": ColumnSpec("number", minimum=0.0, maximum=MAX_AMOUNT,
                                        expected=_MONEY),
        "account_id": ColumnSpec("text"),
    }, required_table=False, unique=("lead_id",)),
    "touchpoints": TableSpec("touchpoints", {
        "account_id": ColumnSpec("text", required=True),
        "timestamp": ColumnSpec("timestamp", required=True),
        "channel": ColumnSpec("text", required=True, expected="a channel name"),
    }, required_table=False),
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
