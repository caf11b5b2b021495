"""The ``fec`` preset: spend from a French ledger (Fichier des Écritures Comptables).

Each line of an acquisition account is a spend line of amount ``Debit - Credit``, dated
``EcritureDate`` (``AAAAMMJJ``). The account decides the category: the ``accounts`` map of
``sources.yaml`` over the shipped default (:data:`.presets.DEFAULT_ACCOUNTS`), keys being
account-number prefixes of which the longest wins (``62310000`` matches ``6231``); a line whose
account matches no prefix is not an acquisition cost. The channel is the account entry's own
``channel``, else the first ``channel_rules`` entry whose pattern matches the line's
``EcritureLib`` or the entry's third party (``CompAuxLib`` of the 401/411 line with the same
``JournalCode`` and ``EcritureNum``), else none (a pooled cost). A credit note (a credit line)
reduces the spend of its month, category and channel; a month whose credits exceed its
charges is an error naming the entries.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import InputError
from cac_toolkit.data.sources.engine import Work, as_text, parse_dates
from cac_toolkit.data.sources.presets import DEFAULT_ACCOUNTS, REVIEW_ACCOUNTS, THIRD_PARTY_ACCOUNTS


def account_map(options: dict) -> dict[str, dict[str, str]]:
    """The account prefixes in force: the default map (unless ``default_accounts: false``)
    with the ``accounts`` of ``sources.yaml`` over it."""
    accounts = dict(DEFAULT_ACCOUNTS) if options.get("default_accounts", True) else {}
    accounts.update(options.get("accounts") or {})
    return accounts


def match_account(number: str, accounts: dict[str, dict[str, str]]) -> str | None:
    """The longest prefix of ``accounts`` that ``number`` starts with."""
    best = None
    if not number:
        return None
    for prefix in accounts:
        if number.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


def _per_unique(values: pd.Series, function) -> pd.Series:  # noqa: ANN001
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    mapped = np.array([function(u) for u in uniques] + [function(None)], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def apply(work: Work) -> bool:
    """Turn the ledger's lines into spend lines (see the module docstring)."""
    options = work.source.options
    accounts = account_map(options)
    number = as_text(work.cells("CompteNum")).fillna("")
    prefix = _per_unique(number, lambda n: match_account(n, accounts) if n else None)
    category = prefix.map(lambda p: accounts[p]["category"] if p else None)
    net = (work.number("Debit").fillna(0.0) - work.number("Credit").fillna(0.0)).round(6)
    _review(work, number, prefix, net)
    journal = as_text(work.cells("JournalCode")).fillna("")
    entry = as_text(work.cells("EcritureNum")).fillna("")
    keys = journal + "\x1f" + entry
    third = as_text(work.cells("CompAuxLib"))
    is_third = number.str.startswith(THIRD_PARTY_ACCOUNTS).to_numpy() & third.notna().to_numpy()
    supplier_of = dict(zip(keys[is_third], third[is_third], strict=True)) if is_third.any() else {}
    reasons = pd.Series("account not mapped (not an acquisition cost)", index=number.index)
    reasons[category == "skip"] = "account mapped to skip"
    acquisition = category.isin(("marketing", "sales")).to_numpy()
    work.keep(acquisition, reasons)
    amount = net[acquisition].reset_index(drop=True)
    if not len(work.frame):
        work.out.update({c: pd.Series([], dtype=object) for c in
                         ("date", "amount", "category", "channel", "item")})
        return False
    number = as_text(work.cells("CompteNum"))
    prefix = _per_unique(number, lambda n: match_account(n, accounts))
    category = prefix.map(lambda p: accounts[p]["category"])
    own = prefix.map(lambda p: accounts[p].get("channel"))
    label = as_text(work.cells("EcritureLib"))
    keys = (as_text(work.cells("JournalCode")).fillna("") + "\x1f"
            + as_text(work.cells("EcritureNum")).fillna(""))
    supplier = keys.map(supplier_of).astype(object)
    supplier = supplier.where(supplier.notna(), as_text(work.cells("CompAuxLib")))
    channel = own.copy()
    for rule in options.get("channel_rules", ()):
        field = label if rule["field"] == "EcritureLib" else supplier
        hit = _per_unique(field, lambda v, r=rule: bool(v) and bool(r["match"].search(v)))
        fill = hit.astype(bool).to_numpy() & channel.isna().to_numpy()
        channel[fill] = rule["channel"]
    dates = parse_dates(work, "EcritureDate", work.source.date_format or "%Y%m%d")
    if dates.isna().any():
        position = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise work.fail("EcritureDate", position, "a date such as 20260131", None)
    item = (number.fillna("") + " " + as_text(work.cells("PieceRef")).fillna("") + " "
            + label.fillna("")).str.strip()
    lines = pd.DataFrame({"date": dates, "amount": amount, "category": category,
                          "channel": channel, "item": item, "entry": keys.str.replace(
                              "\x1f", " ", regex=False)})
    zero = (lines["amount"] == 0).to_numpy()
    work.keep(~zero, "debit equals credit")
    lines = lines[~zero].reset_index(drop=True)
    lines = _net_credit_notes(lines, work)
    keep = (lines["amount"] > 0).to_numpy()
    work.keep(keep, "credit note netted into its month")
    lines = lines[keep].reset_index(drop=True)
    work.report.details["accounts"] = _account_summary(lines, prefix[~zero].reset_index(
        drop=True)[keep])
    for column in ("date", "amount", "category", "channel", "item"):
        work.out[column] = lines[column].astype(object) if column != "amount" else lines[column]
    work.out["date"] = lines["date"]
    return False


def _net_credit_notes(lines: pd.DataFrame, work: Work) -> pd.DataFrame:
    """Credit lines reduce the largest charges of their month, category and channel; the
    netted credit lines become 0 (dropped by the caller)."""
    negative = lines["amount"] < 0
    if not negative.any():
        return lines
    lines = lines.copy()
    month = lines["date"].dt.strftime("%Y-%m")
    group = [month, lines["category"], lines["channel"].fillna("\x00shared")]
    for key, members in lines.groupby(group, sort=True).groups.items():
        part = lines.loc[members]
        credits = part[part["amount"] < 0]
        if credits.empty:
            continue
        total = math.fsum(part["amount"])
        if total < -0.005:
            first = int(credits.index[0])
            entries = ", ".join(sorted(set(credits["entry"])))[:120]
            channel = "pooled" if key[2] == "\x00shared" else key[2]
            raise InputError(work.raw.label, f"the credit notes of {key[0]} ({key[1]}, "
                             f"{channel}) exceed its charges by {-total:,.2f} (entries "
                             f"{entries}); ", row=int(work.raw.rows[first]),
                             expected="a net spend >= 0 per month and channel (book the "
                             "charge the credit note cancels, or map its account)")
        left = -math.fsum(credits["amount"])
        for index in part[part["amount"] > 0].sort_values("amount", ascending=False,
                                                           kind="mergesort").index:
            if left <= 0:
                break
            taken = min(left, float(lines.at[index, "amount"]))
            lines.at[index, "amount"] = round(float(lines.at[index, "amount"]) - taken, 6)
            lines.at[index, "item"] = f"{lines.at[index, 'item']} (net of credit notes)"
            left = round(left - taken, 6)
        lines.loc[credits.index, "amount"] = 0.0
    return lines


def _review(work: Work, number: pd.Series, prefix: pd.Series, debit: pd.Series) -> None:
    """Accounts that often hold acquisition costs but are not mapped: listed for review."""
    label = as_text(work.cells("CompteLib"))
    unmapped = prefix.isna().to_numpy()
    review: dict[str, dict[str, object]] = {}
    for start, why in REVIEW_ACCOUNTS.items():
        hit = unmapped & number.str.startswith(start).to_numpy()
        for account in sorted(set(number[hit])):
            rows = hit & (number == account).to_numpy()
            review[account] = {"label": label[rows].dropna().iloc[0] if label[rows].notna().any()
                               else "", "rows": int(rows.sum()),
                               "amount": round(math.fsum(debit[rows]), 2), "why": why}
    work.report.details["accounts_for_review"] = review


def _account_summary(lines: pd.DataFrame, prefix: pd.Series) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    frame = lines.assign(prefix=prefix.to_numpy())
    for key, part in frame.groupby("prefix", sort=True):
        out[str(key)] = {"category": str(part["category"].iloc[0]), "rows": len(part),
                         "amount": round(math.fsum(part["amount"]), 2)}
    return out
