"""CRM presets: HubSpot deals and contacts, Salesforce opportunities, Pipedrive deals.

A deals export holds every deal, won or not: only the stages listed in ``won_stages`` are
kept (every row of the contract's deals table is a signed deal). The deal type words of the
CRM become the contract's (``New Business`` -> ``new``, ``Existing Business`` -> the
``existing_as`` option); the amount goes to ``amount`` (one-off), ``mrr``, or ``mrr`` = ARR /
12 (``amount_is``); several associated company ids keep the first. A won deal with no company
is an error naming its row, unless ``missing_account: deal_id`` counts it as its own account.
A currency column (Pipedrive's ``Deal - Currency``) goes to the contract's ``currency``, so
that deals in a second currency are refused rather than added up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cac_toolkit.data.sources.engine import Work, as_text, first_id
from cac_toolkit.data.sources.presets import DEAL_TYPE_WORDS

_CONTACT_DATES = ("created_date", "mql_date", "sql_date", "opportunity_date", "won_date")


def apply(work: Work) -> bool:
    """Fill the contract columns of a CRM source; True when rows were kept by stage."""
    if work.source.table == "leads":
        _contacts(work)
        return False
    return _deals(work)


def _deals(work: Work) -> bool:
    options = work.source.options
    won = {str(w).casefold() for w in options.get("won_stages", ())}
    stage = work.text("stage").map(lambda v: v or "")
    keep = stage.map(str.casefold).isin(won).to_numpy()
    work.keep(keep, stage.map(lambda v: f"stage '{v}'" if v else "stage empty"))
    work.take("deal_id")
    work.take("won_date")
    work.take("channel")
    account = first_id(work.text("account_id"))
    missing = np.flatnonzero(account.isna().to_numpy())
    if len(missing):
        if options.get("missing_account") == "deal_id":
            ids = work.text("deal_id")
            account = account.where(account.notna(), ids)
            work.report.details["accounts_from_deal_id"] = int(len(missing))
        else:
            raise work.fail("account_id", int(missing[0]), "the company of a won deal (or "
                            "missing_account: deal_id in sources.yaml to count the deal as "
                            "its own account)", None)
    work.out["account_id"] = account
    if work.has("type"):
        existing = str(options.get("existing_as", "renewal"))
        text = work.text("type")

        def deal_type(value: object) -> object:
            if not value:
                return None
            word = DEAL_TYPE_WORDS.get(str(value).casefold())
            if word is None and str(value).casefold().startswith("existing customer"):
                word = "existing"
            return existing if word == "existing" else word or value

        work.out["type"] = text.map(deal_type)
        work.taken["type"] = "type"
    if work.has("amount"):
        amount = work.money("amount")
        kind = options.get("amount_is", "one_off")
        if kind == "one_off":
            work.out["amount"] = amount
        else:
            work.out["mrr"] = amount / 12 if kind == "arr" else amount
            work.out["amount"] = pd.Series([None] * len(amount), dtype=object)  # not one-off
        work.report.details["amount_is"] = kind
    if work.has("currency"):  # the loader refuses a second currency, naming its row
        work.out["currency"] = as_text(work.cells("currency"))
    return True


def _contacts(work: Work) -> None:
    work.take("lead_id")
    work.take("channel")
    for column in _CONTACT_DATES:
        if work.has(column):
            work.take(column)
    if work.has("account_id"):
        work.out["account_id"] = first_id(work.text("account_id"))
