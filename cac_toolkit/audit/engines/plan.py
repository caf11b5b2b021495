"""Which rows of each table the KPI file reads, as SQL that DuckDB and Spark both run.

The KPI file of one period reads few of the rows of a large folder: spend and leads dated in
the audited period, the previous period, the trend's earlier periods and the cohort window;
each account's acquiring deal; the touchpoints of the accounts acquired in those periods and
of the accounts never acquired (the Markov chain's non-converting paths) up to the period's
end. :func:`selection_sql` writes the queries that find those rows, by their position in the
checked table (``__row``, 0-based), so an engine hands back positions and the exact same
rows, with the same values and types, go to :func:`cac_toolkit.audit.kpis.compute_kpis`: the
figures, their rounding and their notes stay in the Python code, and the KPI file is the
same, byte for byte, whatever the engine.

Extra rows never change a figure (each figure filters its own rows again), so the queries
may keep a superset: a day of margin at each end of every date range, and *witness* rows that
keep what a figure reads from the whole table: the earliest and latest date of each date
column (default period, data end, spend coverage, whether a funnel stage is tracked at all),
one spend line of each channel (channels without spend) and one touch of each channel (the
attribution's channel list).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cac_toolkit.core.periods import Period, previous_periods
from cac_toolkit.figures.cohorts import HORIZONS, LEAD_DATE_COLUMNS, cohort_window
from cac_toolkit.figures.counting import LEAD_COUNT

#: The columns each engine needs of each table (the others stay where they are).
COLUMNS = {
    "spend": ("date", "channel"),
    "deals": ("deal_id", "account_id", "won_date", "type", "paid"),
    "leads": ("created_date", "opportunity_date") + tuple(
        c for c in LEAD_DATE_COLUMNS if c not in ("created_date", "opportunity_date")),
    "touchpoints": ("account_id", "timestamp", "channel"),
}
#: Columns that neither the KPI file nor the audit's workbook reads (it lists the period's won
#: leads by ``lead_id``): an engine leaves them empty in the rows it selects (the owners and
#: accounts of millions of leads would take more memory than the rest).
UNREAD = {"leads": ("owner", "account_id")}
#: Columns read on some rows only: ``{table: {column: other}}`` keeps ``column`` on the rows
#: where ``other`` is set and leaves it empty elsewhere. The workbook lists the won leads by
#: ``lead_id`` (no figure reads the id of a lead never won): the ids of every selected lead
#: were a third of the out-of-core path's memory at 1000x the sample company.
READ_WHERE = {"leads": {"lead_id": "won_date"}}
MARGIN = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """The day ranges one KPI file reads: ``[start, end]`` for dated rows, and the accounts
    acquired from ``acquired_start`` on, whose touchpoints the attribution reads."""

    start: pd.Timestamp
    end: pd.Timestamp
    acquired_start: pd.Timestamp
    #: The ends of the periods whose attribution the KPI file solves (each cuts the paths).
    ends: tuple[pd.Timestamp, ...] = ()


def kpi_window(period: Period, comparison: Period, history: int,
               compare_to: str = "previous") -> Window:
    """The ranges that :func:`compute_kpis` reads for ``period``.

    The periods it computes: ``period``, its ``comparison`` (``previous`` in the KPI file),
    the ``history`` periods of the trend (:func:`cac_toolkit.core.periods.previous_periods`),
    and the cohort window. Every attribution model is compared on the period's customers, so
    the touchpoints are always read (those of accounts never acquired too, for the Markov
    chain).
    """
    periods = [period, comparison, *previous_periods(period, max(history, 1), compare_to)]
    first = min(p.start for p in periods)
    return Window(start=min(first, cohort_window(period, HORIZONS).start),
                  end=max(p.end for p in periods), acquired_start=first,
                  ends=tuple(sorted({p.end for p in periods})))


def _stamp(value: pd.Timestamp) -> str:
    return f"TIMESTAMP '{pd.Timestamp(value).strftime('%Y-%m-%d %H:%M:%S')}'"


def profile_sql(table: str, columns: tuple[str, ...]) -> str:
    """The latest value of each date column of ``table`` (one row)."""
    return ("SELECT " + ", ".join(f"CAST(max({c}) AS STRING) AS {c}" for c in columns)
            + f" FROM {table}")


def _in_range(column: str, window: Window) -> str:
    lo, hi = _stamp(window.start - MARGIN), _stamp(window.end + 2 * MARGIN)
    return f"({column} >= {lo} AND {column} < {hi})"


def _latest(table: str, column: str) -> str:
    """The first rows holding the earliest and the latest value of ``column`` (the first row
    of all when the column is empty; none for an empty table).

    Each end is a top-1 (``ORDER BY ... LIMIT 1``, the missing values last, so that an empty
    column gives the first row): one row held, not a sort of the table, and never a scalar
    subquery. Spark runs scalar subqueries (and turns one-row aggregates into them) on a pool
    of 16 threads: the leads' dozens could fill it with subqueries waiting for one another,
    a query that never returned."""
    return " UNION ".join(
        f"SELECT __row FROM (SELECT __row FROM {table} ORDER BY {column} {order} NULLS LAST, "
        f"__row ASC LIMIT 1) AS {name}"
        for order, name in (("DESC", "latest"), ("ASC", "earliest")))


def _first_of(table: str, column: str) -> str:
    """The first row of each value of ``column`` (the set of values stays whole; the rows
    without a value are one group)."""
    return f"SELECT min(__row) AS __row FROM {table} GROUP BY {column}"


ACQUIRING = ("SELECT __row, account_id, won_date FROM (SELECT __row, account_id, won_date, "
             "row_number() OVER (PARTITION BY account_id ORDER BY won_date ASC NULLS LAST, "
             "deal_id ASC NULLS LAST) AS rn FROM deals WHERE type = 'new' AND paid) "
             "AS candidates WHERE rn = 1")


def _repeated_touches() -> str:
    """Touches of accounts never acquired whose channel is that of the account's previous
    touch (by time, then row). The Markov chain reads those accounts' paths with repeats
    collapsed (``A > A > B`` is ``A > B``) and cut at a period's end, and a cut path without
    its repeats is the cut of the path without them: leaving them out changes no figure,
    and the table of paths that reaches Python is that of the distinct steps. A touch without
    a channel (which the chain skips) ends a run here: keeping a touch too many changes
    nothing."""
    return ("SELECT __row FROM (SELECT __row, channel, lag(channel) OVER (PARTITION BY "
            "account_id ORDER BY timestamp ASC NULLS LAST, __row) AS before FROM touchpoints "
            "WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT account_id FROM "
            f"({ACQUIRING}) AS acquiring WHERE account_id IS NOT NULL)) AS runs "
            "WHERE channel = before")


def selection_sql(table: str, window: Window, columns: tuple[str, ...]) -> str:
    """The query giving the positions (``__row``) of the rows of ``table`` to keep.

    ``columns`` are the table's columns present among :data:`COLUMNS` (leads may lack
    some).
    """
    if table == "spend":
        return (f"SELECT __row FROM spend WHERE {_in_range('date', window)} "
                f"UNION {_latest('spend', 'date')} UNION {_first_of('spend', 'channel')}")
    if table == "deals":
        return (f"SELECT __row FROM deals WHERE {_in_range('won_date', window)} "
                f"UNION SELECT __row FROM ({ACQUIRING}) AS acquiring "
                f"UNION {_latest('deals', 'won_date')}")
    if table == "leads":
        dated = " OR ".join(_in_range(c, window) for c in ("created_date", "opportunity_date")
                            if c in columns)
        parts = [f"SELECT __row FROM leads WHERE {dated}"] if dated else []
        parts += [_latest("leads", c) for c in columns]
        return " UNION ".join(parts)
    if table == "touchpoints":
        acquired = (f"SELECT account_id FROM ({ACQUIRING}) AS acquiring WHERE "
                    f"won_date >= {_stamp(window.acquired_start - MARGIN)}")
        who = (f"account_id IN ({acquired}) OR account_id IS NULL OR account_id NOT IN "
               f"(SELECT account_id FROM ({ACQUIRING}) AS acquiring WHERE account_id IS NOT NULL)")
        return (f"SELECT __row FROM touchpoints WHERE timestamp < "
                f"{_stamp(window.end + 2 * MARGIN)} AND ({who}) "
                f"EXCEPT ({_repeated_touches()} EXCEPT {_first_of('touchpoints', 'channel')}) "
                f"UNION {_first_of('touchpoints', 'channel')}")
    raise ValueError(f"no selection for the table {table!r}")


#: The leads' columns whose values a merged row of :func:`lead_rows_sql` keeps exactly; of
#: the other date columns (the stages before an opportunity, the loss) the figures read only
#: whether they are set, and their earliest and latest values, which the witness rows keep.
LEAD_KEYS = ("created_date", "channel", "segment")
#: The leads' columns whose values are read on their rows (delays, opportunity values, the
#: allocation keys, the workbook's won leads): a row with one of them set is never merged.
LEAD_SINGLE = ("opportunity_date", "won_date")


def lead_rows_sql(window: Window, columns: tuple[str, ...]) -> str:
    """The leads to keep (:func:`selection_sql`), with :data:`LEAD_COUNT`: how many leads
    each row stands for, ordered by ``__row``.

    Most leads of a large table never reach an opportunity: of those, the figures read the
    creation day, the channel, the segment and which stages they reached (funnel, cohort
    and dependence counts), nothing else. Leads alike in those (:data:`LEAD_KEYS` and each
    stage date set or not) are one row, the first of them, standing for them all; a lead
    with an opportunity or a win (:data:`LEAD_SINGLE`), and the witness rows of each date
    column, stand for themselves (1). The counts are the same integers, so the figures are
    the same. ``columns`` are the leads' date columns present (:data:`COLUMNS`); the leads
    table also has :data:`LEAD_KEYS` (required or filled by the loader).
    """
    # The rows of :func:`selection_sql` are the dated leads and the witness rows: the dated
    # ones are tested in place, not matched against a list of the kept rows (a join over
    # every kept lead took minutes at 1000x the sample company).
    dated = " OR ".join(_in_range(c, window) for c in ("created_date", "opportunity_date")
                        if c in columns) or "FALSE"
    witness = " UNION ".join(_latest("leads", c) for c in columns) or (
        "SELECT __row FROM leads WHERE FALSE")
    single = " OR ".join(f"{c} IS NOT NULL" for c in LEAD_SINGLE if c in columns) or "FALSE"
    flags = [f"({c} IS NULL)" for c in columns if c not in LEAD_KEYS + LEAD_SINGLE]
    keys = ", ".join([*LEAD_KEYS, *flags])
    return (
        f"WITH witness AS ({witness}), "
        f"alone AS (SELECT __row, CAST(1 AS BIGINT) AS {LEAD_COUNT} FROM leads WHERE "
        f"(({dated}) AND ({single})) OR __row IN (SELECT __row FROM witness)), "
        f"merged AS (SELECT min(__row) AS __row, count(*) AS {LEAD_COUNT} FROM leads "
        f"WHERE ({dated}) AND NOT ({single}) AND __row NOT IN (SELECT __row FROM witness) "
        f"GROUP BY {keys}) "
        "SELECT __row, " + LEAD_COUNT + " FROM (SELECT * FROM alone UNION ALL SELECT * FROM "
        "merged) AS leads_kept ORDER BY __row")


#: A never-acquired account's steps as one list, by time (missing times last), then row.
#: Spark has no ordered aggregate: the steps are sorted as (time missing, time, row, step).
PATH_OF_STEPS = {
    "duckdb": "list(step ORDER BY timestamp ASC NULLS LAST, __row)",
    "spark": ("transform(array_sort(collect_list(struct(timestamp IS NULL AS late, timestamp, "
              "__row, step))), s -> s.step)"),
}
#: Whether a touch ``t`` is of an account never acquired. Spark runs no IN subquery in a
#: column, so it joins the acquired accounts (one row each) instead.
NEVER_ACQUIRED = {
    "duckdb": ("t.account_id IS NOT NULL AND t.account_id NOT IN (SELECT account_id FROM "
               "acquired)"),
    "spark": "t.account_id IS NOT NULL AND a.account_id IS NULL",
}
NEVER_ACQUIRED_JOIN = {
    "duckdb": "",
    "spark": "LEFT JOIN acquired AS a ON t.account_id = a.account_id ",
}


def journeys_sql(window: Window, dialect: str = "duckdb") -> str:
    """The touchpoints to keep, with ``journeys``: how many accounts each row stands for.

    The touches of accounts never acquired are the Markov chain's non-converting paths, most
    of a large table. Accounts whose kept touches (:func:`selection_sql`) have the same
    channels in the same order, each touch on the same side of every period end of
    ``window`` (where the chain cuts the paths), give the same path for every period: one
    of them (the first account id) keeps its touches, standing for them all; the others'
    touches are left out, except those kept to name a channel, which stand for no account
    (0). Every other touch stands for itself (1). See the ``journeys`` column in
    :mod:`cac_toolkit.figures.attribution`: the chain's transition counts are the same
    integers, so the figures are the same, bit for bit.

    ``dialect`` is ``duckdb`` or ``spark``: the same query, but for the two places where
    their SQL differs (:data:`PATH_OF_STEPS`, :data:`NEVER_ACQUIRED`).
    """
    if dialect not in PATH_OF_STEPS:
        raise ValueError(f"no SQL dialect {dialect!r}")
    sides = " + ".join(f"CAST(CAST(timestamp AS DATE) > DATE '{end.strftime('%Y-%m-%d')}' "
                       "AS BIGINT)" for end in window.ends) or "0"
    # One integer per touch: its channel's rank, its side of each period end, a missing time
    # (distinct touches give distinct integers), so that a path is a short list of integers.
    step = (f"dense_rank() OVER (ORDER BY channel) * {2 * (len(window.ends) + 1)} "
            f"+ coalesce({sides}, 0) * 2 + CAST(timestamp IS NULL AS BIGINT)")
    return (
        f"WITH kept AS ({selection_sql('touchpoints', window, COLUMNS['touchpoints'])}), "
        "acquired AS (SELECT account_id FROM (" + ACQUIRING + ") AS acquiring "
        "WHERE account_id IS NOT NULL), "
        f"flagged AS (SELECT t.__row, t.account_id, t.timestamp, t.channel, "
        f"{NEVER_ACQUIRED[dialect]} AS never FROM touchpoints AS t "
        f"{NEVER_ACQUIRED_JOIN[dialect]}WHERE t.__row IN (SELECT __row FROM kept)), "
        f"steps AS (SELECT account_id, __row, timestamp, {step} AS step FROM flagged "
        "WHERE never), "
        f"paths AS (SELECT account_id, {PATH_OF_STEPS[dialect]} "
        "AS path FROM steps GROUP BY account_id), "
        "groups AS (SELECT min(account_id) AS account_id, count(*) AS journeys FROM paths "
        "GROUP BY path) "
        "SELECT f.__row, CASE WHEN NOT f.never THEN 1 ELSE coalesce(g.journeys, 0) END "
        "AS journeys FROM flagged AS f LEFT JOIN groups AS g ON f.account_id = g.account_id "
        "WHERE NOT f.never OR g.journeys IS NOT NULL OR f.__row IN "
        f"({_first_of('touchpoints', 'channel')}) ORDER BY f.__row")
