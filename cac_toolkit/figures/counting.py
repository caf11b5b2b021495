"""Counting rules: who is a new customer, when, and through which channel.

An account is acquired on the date of its first deal with ``type == "new"`` and ``paid``
true. It counts once, in the period containing that date, whatever the number of deals,
users or licences. Renewals, reactivations, upsells and cross-sells never count; unpaid
sign-ups (freemium, free POC) never count, but their costs stay in the numerator.
"""

from __future__ import annotations

import pandas as pd

from cac_toolkit.core.periods import Period

#: An optional column of the leads table: how many leads the row stands for (1 without it).
#: An out-of-core read (:func:`cac_toolkit.audit.engines.plan.lead_rows_sql`) merges the leads
#: that no figure tells apart; a row with an opportunity or a win always stands for itself,
#: so the figures that read those rows' values (delays, opportunity values, allocation keys)
#: read them one by one, and only the counts of leads and stages weigh the rows.
LEAD_COUNT = "lead_count"
ACQUISITION_COLUMNS = ["account_id", "deal_id", "acquired_date", "channel", "segment", "mrr",
                       "amount"]


def acquiring_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Deals that may acquire a customer: ``type == "new"`` and ``paid`` true."""
    return deals[(deals["type"] == "new") & deals["paid"].astype(bool)]


def acquisitions(deals: pd.DataFrame) -> pd.DataFrame:
    """One row per acquired account: its first paid ``new`` deal (ties broken by ``deal_id``).

    Columns: ``account_id``, ``deal_id``, ``acquired_date``, ``channel``, ``segment``, ``mrr``,
    ``amount``. The channel, segment and MRR are those of the acquiring deal.
    """
    candidates = acquiring_deals(deals)
    first = (candidates.sort_values(["won_date", "deal_id"], kind="mergesort")
             .drop_duplicates("account_id", keep="first"))
    out = first.rename(columns={"won_date": "acquired_date"})
    for column in ("segment", "mrr", "amount"):
        if column not in out:
            out[column] = pd.NA
    return out[ACQUISITION_COLUMNS].sort_values(["acquired_date", "account_id"]).reset_index(
        drop=True)


def acquisitions_in(acquired: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The acquisitions whose ``acquired_date`` falls in ``period``."""
    return acquired[period.contains(acquired["acquired_date"])].reset_index(drop=True)


def new_customers_by_channel(acquired: pd.DataFrame) -> pd.Series:
    """Number of new customers per acquiring-deal channel."""
    return acquired.groupby("channel").size().astype("float64")


def lead_counts(leads: pd.DataFrame) -> pd.Series:
    """How many leads each row of ``leads`` stands for (:data:`LEAD_COUNT`), as int64 on
    the rows' index: 1 each without that column."""
    if LEAD_COUNT not in leads:
        return pd.Series(1, index=leads.index, dtype="int64")
    return leads[LEAD_COUNT].astype("int64")
