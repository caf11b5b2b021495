"""Billing presets: a billing system's invoice export becomes the ``revenue`` table.

Each invoice row gives an account (``Customer``), the start of the period it bills, the end
of that period when the export has it, an amount excluding tax (``Subtotal``), its currency
and its status. Only the statuses in ``statuses`` (default ``paid`` and ``open``: an unpaid
invoice of the last month is still revenue) are kept; drafts, voided and uncollectible
invoices are dropped and counted in the mapping report.

An invoice billing several months (a yearly plan: period start 2026-01-01, end 2027-01-01)
is MRR for each month it covers, not revenue of its first month: its amount is spread over
``n = max(1, round(days / 30.4375))`` calendar months from the month of its start, in whole
cents (the remainder goes to its last month, so the months add up to the invoice to the
cent). Months after the month of the export's last invoice are not kept: they are billed but
not yet observed, and keeping them would make every other account look churned after that
month (their dropped share is counted in the mapping report). The rows of an account and
month then add up (the ``revenue`` table's rule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cac_toolkit.data import loading
from cac_toolkit.data.sources.engine import Work, as_text, parse_dates

#: Average days in a month: 365.25 / 12 (a billing period of 28 to 31 days is one month).
DAYS_PER_MONTH = 30.4375


def apply(work: Work) -> bool:
    """Fill the revenue columns of an invoice export; True when rows were kept by status."""
    kept = _keep_statuses(work)
    order = work.source.date_format or "ymd"
    start = parse_dates(work, "month", order)
    months = np.ones(len(start), dtype="int64")
    if work.has("period_end"):
        end = parse_dates(work, "period_end", order)
        days = (end - start).dt.days.to_numpy(dtype="float64")
        known = np.isfinite(days)
        months[known] = np.maximum(1, np.rint(days[known] / DAYS_PER_MONTH)).astype("int64")
        work.report.details["invoices_spread"] = int((months > 1).sum())
    cents = np.rint(work.money("amount").to_numpy(dtype="float64") * 100)
    _spread(work, start, months, cents)
    return kept


def _keep_statuses(work: Work) -> bool:
    if not work.has("status"):
        return False
    allowed = {str(s).casefold() for s in work.source.options.get("statuses", ())}
    status = work.text("status").map(lambda v: v or "")
    work.keep(status.map(str.casefold).isin(allowed).to_numpy(),
              status.map(lambda v: f"status '{v}'" if v else "status empty"))
    return True


def _spread(work: Work, start: pd.Series, months: np.ndarray, cents: np.ndarray) -> None:
    """One row per invoice and month it covers: account, month start and MRR in cents."""
    account = work.cells("account_id")
    currency = as_text(work.cells("currency")) if work.has("currency") else None
    repeat = np.repeat(np.arange(len(months)), months)
    offset = np.arange(len(repeat)) - np.repeat(np.cumsum(months) - months, months)
    count = months[repeat]
    total = cents[repeat]
    share = np.floor_divide(total, count)
    last = offset == count - 1
    share[last] += total[last] - share[last] * count[last]  # the remainder on the last month
    first = pd.PeriodIndex(start.dt.to_period("M"), freq="M")
    month = first[repeat] + offset
    observed = (month <= first.max()) if len(first) else np.ones(0, dtype=bool)
    observed = np.asarray(observed, dtype=bool)
    if not observed.all():
        work.report.details["months_after_the_last_invoice"] = int((~observed).sum())
        work.report.details["amount_after_the_last_invoice"] = float(
            share[~observed].sum() / 100)
    repeat, month, share = repeat[observed], month[observed], share[observed]
    raw = work.raw
    work.raw = loading.RawTable(raw.label, raw.frame.iloc[repeat].reset_index(drop=True),
                                raw.rows[repeat], raw.header_row, raw.decimal_hint,
                                preamble=raw.preamble, headers=raw.headers,
                                marks=raw.marks)
    work.out = {key: value.iloc[repeat].reset_index(drop=True) for key, value in work.out.items()}
    work.out["account_id"] = account.iloc[repeat].reset_index(drop=True)
    work.taken["account_id"] = "account_id"
    work.out["month"] = pd.Series(month.to_timestamp(), dtype="datetime64[ns]")
    work.out["mrr"] = pd.Series(share / 100, dtype="float64")
    if currency is not None:
        work.out["currency"] = currency.iloc[repeat].reset_index(drop=True)
