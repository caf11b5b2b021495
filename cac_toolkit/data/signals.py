"""Warnings about inputs that would otherwise give a wrong number silently.

A warning is a fact the figures do not show: a deals file still holding lost deals, an amount
column in thousands, a table-like file nobody reads, a channel whose customers have no spend
line. Each is a :class:`DataWarning` (``code`` and one-line ``message``), printed on stderr by
the command line and written to ``kpis.json`` under ``warnings``. A warning is made from an id
of :data:`WARNING_TEXTS` (English templates, translated through the catalogue) and its
parameters (:meth:`DataWarning.make`), so the French report translates it from the same id and
parameters; ``kpis.json`` keeps the English message.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: The message of each warning, in English, by warning id (the id starts with its ``code``).
#: Placeholders are the warning's parameters; ``{x:,.2f}`` and ``{x:.0%}`` format numbers.
WARNING_TEXTS: dict[str, str] = {
    "deals_stage_column": "{file}, column '{column}': {count} rows are not won ({values}) but "
                          "every row of a deals table counts as a signed deal; keep only won "
                          "deals (filter in sources.yaml, or a preset with won_stages)",
    "deals_stage_column.row": "{file}, column '{column}': {count} rows are not won ({values}, "
                              "first in row {row}) but every row of a deals table counts as a "
                              "signed deal; keep only won deals (filter in sources.yaml, or a "
                              "preset with won_stages)",
    "amount_in_thousands": "{file}, column '{column}': the header says amounts are in thousands "
                           "('{text}') but they are read as units; set scale: 1000 in "
                           "sources.yaml (or convert the column)",
    "file_not_read": "{file}: looks like a table but is not read (only files named after a "
                     "table, or named in sources.yaml, are); its rows are in no figure",
    "month_first_dates": "{file}: dates read month first (M/D/YYYY), as the {preset} export "
                         "writes them; set date_format in sources.yaml if this file is "
                         "day-first",
    "reconcile_gap": "{file}: ad-platform spend differs from the spend table in {gaps} of "
                     "{rows} channel-months (largest: {month} {channel}, platform "
                     "{platform:,.2f} vs {ledger:,.2f}, gap {gap:,.2f})",
    "spend_partly_covered.before": "the {name} period ({start} to {end}) reaches beyond the "
                                   "spend table: no spend data before {day}, so its spend and "
                                   "CACs may be incomplete",
    "spend_partly_covered.after": "the {name} period ({start} to {end}) reaches beyond the "
                                  "spend table: no spend data after {day}, so its spend and "
                                  "CACs may be incomplete",
    "channel_without_spend": "channel '{channel}' has {count} new customers but no spend line "
                             "in the whole spend table, so its direct CAC reads 0.00; spend "
                             "channels that look alike: {alike}; map them to one name "
                             "(channels: in sources.yaml)",
    "channel_without_spend.none": "channel '{channel}' has {count} new customers but no spend "
                                  "line in the whole spend table, so its direct CAC reads "
                                  "0.00; no spend channel looks alike ({spent})",
    "ltv_parameter_differs": "the LTV from the typed lifetime ({parameter:,.2f}) differs by "
                             "{gap:.0%} from the LTV measured from the revenue table "
                             "({measured:,.2f}); the typed one is used",
}


class WarningEntry(dict):
    """A warning as ``kpis.json`` writes it, ``{"code", "message"}`` (English), plus the id
    and parameters it was made from (:attr:`id`, :attr:`params`), kept in memory for the
    report's translation and never written to the KPI file."""

    def __init__(self, code: str, message: str, warning_id: str | None = None,
                 params: dict[str, object] | None = None) -> None:
        super().__init__(code=code, message=message)
        self.id = warning_id
        self.params = dict(params or {})


@dataclass(frozen=True)
class DataWarning:
    """One warning: a stable ``code`` and a one-line ``message`` (file, column, row); ``id``
    and ``params`` name its template in :data:`WARNING_TEXTS` (see :meth:`make`)."""

    code: str
    message: str
    file: str | None = None
    column: str | None = None
    row: int | None = None
    id: str | None = None
    params: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def make(cls, warning_id: str, *, file: str | None = None, column: str | None = None,
             row: int | None = None, **params: object) -> DataWarning:
        """The warning ``warning_id`` of :data:`WARNING_TEXTS` filled with ``params`` (which
        include ``file``, ``column`` and ``row`` when given)."""
        values = {**params, **{k: v for k, v in (("file", file), ("column", column),
                                                  ("row", row)) if v is not None}}
        return cls(warning_id.split(".", 1)[0], WARNING_TEXTS[warning_id].format(**values),
                   file, column, row, warning_id, values)

    def as_dict(self) -> dict[str, str]:
        return WarningEntry(self.code, self.message, self.id, self.params)


#: Column names (normalised) that hold a deal's stage or status.
STAGE_COLUMNS = ("stage", "deal stage", "dealstage", "status", "statut", "étape", "etape",
                 "deal - status", "deal - stage", "stage name", "phase")
#: Stage values that mean the deal is won.
WON_WORDS = frozenset({"won", "closed won", "closedwon", "closed-won", "gagné", "gagnée",
                       "gagne", "signé", "signée", "signe", "signed", "win", "clos gagné",
                       "closed - won", "customer", "client"})


def stage_warning(frame: pd.DataFrame, label: str, rows: Iterable[int] | None = None
                  ) -> DataWarning | None:
    """A warning when a deals table has a stage or status column with values other than won.

    Every row of the deals table is counted as a signed deal, so lost and open deals left in
    the file would be counted as customers.
    """
    for column in frame.columns:
        if str(column).strip().lower() not in STAGE_COLUMNS:
            continue
        words = frame[column].map(lambda v: None if v is None or (isinstance(v, float)
                                                                  and v != v)
                                  else str(v).strip().casefold())
        others = words[words.notna() & (words != "") & ~words.isin(WON_WORDS)]
        if others.empty:
            continue
        counts = others.value_counts()
        shown = ", ".join(f"'{v}' ({n})" for v, n in counts.head(4).items())
        row_list = list(rows) if rows is not None else None
        first = int(row_list[int(others.index[0])]) if row_list is not None else None
        return DataWarning.make("deals_stage_column" if first is None
                                else "deals_stage_column.row", file=label, column=str(column),
                                row=first, count=len(others), values=shown)
    return None


_THOUSANDS = re.compile(r"k€|keur|k eur|\(k\)|\[k\]|en milliers|in thousands|thousands|"
                        r"milliers|\bk\$|\bkusd|\(000\)|'000", re.IGNORECASE)


def says_thousands(text: str) -> bool:
    """Whether a header or a title line says that amounts are in thousands (``k€``...)."""
    return bool(_THOUSANDS.search(str(text)))


def thousands_warning(label: str, column: str, text: str) -> DataWarning:
    return DataWarning.make("amount_in_thousands", file=label, column=column, text=text)


#: Suffixes of files that hold a table.
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet", ".ods")


def stray_files(folder: Path, read: Iterable[Path]) -> list[DataWarning]:
    """Files of ``folder`` that look like a table but are not read (``spend_Q4.csv``)."""
    done = {p.resolve() for p in read}
    out = []
    for path in sorted(folder.iterdir()):
        if (path.is_file() and path.suffix.lower() in TABLE_SUFFIXES
                and path.resolve() not in done and not path.name.startswith((".", "~$"))):
            out.append(DataWarning.make("file_not_read", file=path.name))
    return out


#: Channel names that mean the same family of spend (lower-case, accents removed).
CHANNEL_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"paid search", "google ads", "adwords", "google adwords", "sea", "ppc", "sem",
               "bing ads", "microsoft ads", "search ads", "google", "paid"}),
    frozenset({"paid social", "linkedin ads", "linkedin", "facebook ads", "meta ads",
               "facebook", "instagram", "social ads", "twitter ads", "x ads", "paid"}),
    frozenset({"organic search", "seo", "referencement", "referencement naturel",
               "organic", "content", "blog"}),
    frozenset({"events", "evenements", "evenement", "event", "salons", "salon",
               "trade shows", "offline sources", "offline", "conferences"}),
    frozenset({"email marketing", "email", "emailing", "newsletter", "e-mail"}),
    frozenset({"referrals", "referral", "partners", "partenaires", "partenariats",
               "affiliation"}),
    frozenset({"outbound", "sdr", "prospection", "cold email", "sales"}),
)


def _plain(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).strip()


def look_alike(name: str, candidates: Iterable[str]) -> list[str]:
    """Candidates that probably name the same channel as ``name``: same family of spend
    (``Paid Search`` and ``Google Ads``), a shared word, or a close spelling."""
    key = _plain(name)
    words = set(re.findall(r"\w+", key)) - {"ads", "and", "de", "des", "the"}
    out = []
    for candidate in candidates:
        other = _plain(candidate)
        family = any(key in f and other in f for f in CHANNEL_FAMILIES)
        shared = bool(words & (set(re.findall(r"\w+", other)) - {"ads", "and", "de", "des"}))
        close = difflib.SequenceMatcher(None, key, other).ratio() >= 0.75
        if family or shared or close:
            out.append(candidate)
    return out
