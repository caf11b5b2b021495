"""Ad-platform presets: Google Ads and LinkedIn Ads campaign reports.

Title lines and ``Total: ...`` rows are dropped by the engine; LinkedIn writes dates month
first (``date_format`` defaults to ``mdy``); Google Ads' UTF-16 tab-separated download is read
like its CSV. Each campaign's cost becomes a marketing spend line whose channel is the first
``campaign_rules`` entry matching the campaign name (case-insensitive), else the preset's
``channel`` option (``Google Ads``, ``LinkedIn Ads``); the top-level ``channels`` map then
applies. With ``reconcile: true`` the source is not spend: :func:`reconcile` compares it with
the spend of the other sources per channel and month.
"""

from __future__ import annotations

import math

import pandas as pd

from cac_toolkit.core.money import to_cents
from cac_toolkit.data.sources.engine import Work, as_text


def apply(work: Work) -> bool:
    """Fill the spend columns of an ad-platform source."""
    options = work.source.options
    campaign = work.text("campaign")
    channel = pd.Series([options.get("channel")] * len(campaign), dtype=object)
    decided = pd.Series(False, index=campaign.index)
    for rule in options.get("campaign_rules", ()):
        hit = campaign.map(lambda v, r=rule: bool(v) and bool(r["match"].search(v))) & ~decided
        channel[hit] = rule["channel"]
        decided |= hit
    work.out["channel"] = channel
    work.out["item"] = campaign
    work.out["amount"] = work.money("amount")
    work.take("date")
    if work.has("currency"):
        work.out["currency"] = as_text(work.cells("currency"))
    return False


def reconcile(platform: pd.DataFrame, ledger: pd.DataFrame, label: str) -> list[dict]:
    """Per channel and month of the platform's spend: platform, ledger and the gap (platform
    minus ledger), in money rounded to the cent.

    The gap is the difference of the two rounded figures, taken in integer cents, so that the
    three columns add up as printed and an exact match is ``0.00``, never ``-0.00``.
    """
    def monthly(frame: pd.DataFrame) -> pd.Series:
        if frame.empty:
            return pd.Series(dtype="float64")
        month = frame["date"].dt.strftime("%Y-%m")
        return frame.groupby([frame["channel"].fillna("shared"), month])["amount"].agg(
            math.fsum)

    ours = monthly(platform)
    theirs = monthly(ledger)
    rows = []
    for (channel, month), amount in ours.sort_index().items():
        platform_cents = to_cents(float(amount))
        ledger_cents = to_cents(float(theirs.get((channel, month), 0.0)))
        rows.append({"source": label, "channel": str(channel), "month": str(month),
                     "platform": platform_cents / 100, "ledger": ledger_cents / 100,
                     "gap": (platform_cents - ledger_cents) / 100})
    return rows
