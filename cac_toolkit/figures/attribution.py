"""Attribution: share each new customer's unit of credit among the channels that touched it.

Every model answers the same question: of the period's new customers, how many does each
channel bring? The answer is a credit per channel (a fractional count of customers) that adds
up to the number of new customers, so that ``cac_direct = spend_direct / credit`` keeps its
meaning whatever the model.

Conventions (binding readings of the audit contract, plus the choices it leaves to us)
--------------------------------------------------------------------------------------
* ``deal``: the channel on the acquiring deal gets the account's whole unit.
* Counted touch: a touchpoint of a new customer whose calendar day is on or before the
  acquisition day (the whole acquisition day counts, 23:59 included). Later touches are
  ignored. Touchpoint rows with a missing account, timestamp or channel are ignored too.
* Untouched account: a new customer without any counted touch keeps its deal channel with
  credit 1, in every model, and stays outside the Markov chain and the Shapley game.
* Journey order: by ``timestamp``; equal timestamps keep the order of the rows in the
  ``touchpoints`` table (stable sort), so the earlier row is the earlier touch.
* ``first_touch`` / ``last_touch``: the first / last counted touch gets 1.
* ``linear``: each counted touch gets 1/n; a channel touching twice gets 2/n.
* ``time_decay``: touch weight ``2 ** (-age / half_life_days)``, ``age`` the whole number of
  days between the touch's date and the acquisition date (0 on the acquisition day),
  normalised per account.
* ``position_based`` with weights ``(f, m, l)`` (normalised to sum 1; default 0.4/0.2/0.4):
  1 touch gets everything; 2 touches share in proportion ``f : l`` (50/50 by default; the
  middle weight has no touch to go to); n >= 3 touches give ``f`` to the first, ``l`` to the
  last and ``m / (n - 2)`` to each touch in between. Should a journey's weights all be zero
  (e.g. ``(0, 1, 0)`` on two touches), its touches share equally.
* ``markov``: absorbing Markov chain ``start -> channel states -> conversion | null`` of order
  ``markov_order`` (states are the last k channels; for k > 1 the first states of a path are
  shorter). Converting paths: the journeys (counted touches, in time order) of the touched
  new customers. Non-converting paths: the touches, up to ``period_end`` (whole day; all of
  them when ``period_end`` is None), of the accounts never acquired (in neither
  ``acquired_accounts`` nor ``acquisitions``); a ``touchpoints`` table may carry a column
  ``journeys`` (an integer): the rows of a never-acquired account then stand for that many
  accounts with the same touches (an engine's table of distinct paths, see
  ``cac_toolkit.audit.engines``), and a row with 0 only names its channel. Consecutive
  repeats of a channel are collapsed (``A > A > B`` is ``A > B``): for order 1 this changes
  nothing (a self-loop leaves the distribution of the next different state unchanged), for
  higher orders it makes a state the last k *different* channels. Transition probabilities
  are observed frequencies. ``P(conv)`` is solved exactly from ``(I - Q) x = r`` (``Q`` the
  transient-to-transient matrix, ``r`` the absorption into conversion); removing channel c
  deletes every state containing c (its incoming probability flows to null) and
  ``removal_effect(c) = 1 - P(conv without c) / P(conv)``. Channel credit = removal effect
  normalised over all channels of the chain x number of touched new customers.
* ``shapley``: exact Shapley value of the coalition game ``v(S)`` = number of touched new
  customers whose journey's channel *set* is a subset of S (at most 12 distinct channels).
  As ``v`` is the sum of one unanimity game per journey, the Shapley value is also each
  journey's unit shared equally among its distinct channels; the per-account rows use this
  identity, so they add up to the Shapley values exactly.

``channel_credits`` returns the model's own channel figures: for ``markov`` exactly the
normalised removal effects x the number of touched new customers, for ``shapley`` exactly the
Shapley values, in both cases plus the untouched accounts' deal channels. ``account_credits``
shares, for ``markov`` and ``shapley``, each touched account's 1 among the distinct channels of
its own journey in proportion to global per-channel weights ``w_c``. Shapley: ``w_c = 1`` (the
identity above, exact). Markov: the weights are fitted by iterative proportional fitting so
that the channel totals equal the normalised removal effects x count (to 1e-9 when such a
split exists). When none exists the split goes to its limit: for example a channel whose
Markov credit exceeds the number of accounts it touched gets all of those accounts' units
(shares below 1e-12 are dropped), and a channel that only appears in
non-converting journeys cannot be carried by any account, so the other channels' targets are
scaled up to the total. Channel totals of ``account_credits`` then differ from
``channel_credits``, which keeps the model's own figures.

Performance: everything runs on NumPy arrays sorted once by (account, timestamp, row) (rows
already in that order are used as they are); the only Python loops are over channels, path
positions (Markov order), distinct path tokens (Markov path parsing) or bits (Shapley).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cac_toolkit.core.errors import ParameterError

__all__ = ["MODELS", "account_credits", "channel_credits", "compare_models",
           "markov_removal_effects", "shapley_values"]

MODELS = ("deal", "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov",
          "shapley")

#: Shapley enumerates all 2^k coalitions of the channels of touched customers.
MAX_SHAPLEY_CHANNELS = 12
#: Dense exact solves beyond this many Markov states would take too long and too much memory.
MAX_MARKOV_STATES = 3000

_NS_PER_DAY = 86_400 * 10**9
_IPF_TOLERANCE = 1e-10
_IPF_MAX_ITERATIONS = 5000
_IPF_STALL = 1e-14  # the split no longer moves: infeasible targets, at their limit
_IPF_WEIGHT_FLOOR = 1e-15
_NEGLIGIBLE_SHARE = 1e-12
#: OpenBLAS runs an LU on several threads from 100 x 100 (n * n >= 10,000). On a busy 2-core
#: machine those threads wait for each other: a 187-state solve measured 2 ms idle, up to
#: 0.8 s loaded. Below this size all Markov systems go to LAPACK in one batched call.
_MARKOV_THREADED_STATES = 100
#: From _MARKOV_THREADED_STATES up to this many unknowns, NumPy elimination (never threaded).
_MARKOV_ELIMINATION_STATES = 400
#: Up to this many possible state codes, states are numbered through a table instead of a sort.
_MARKOV_DENSE_CODES = 1 << 22
_TOUCH_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def account_credits(acquisitions: pd.DataFrame, touchpoints: pd.DataFrame | None, model: str, *,
                    acquired_accounts: Iterable[str] | None = None,
                    period_end: pd.Timestamp | None = None, half_life_days: float = 7.0,
                    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
                    markov_order: int = 1) -> pd.DataFrame:
    """One row per (account_id, channel) with column ``credit``; each account's credits sum to 1.

    Columns ``account_id``, ``channel`` (str) and ``credit`` (float64, a fraction of one customer,
    > 0: pairs with no credit are left out). Rows follow the order of ``acquisitions``, then
    channel names. See the module docstring for each model's rule; for ``markov`` and
    ``shapley`` an account's 1 is shared among the distinct channels of its own journey.
    """
    model = _check_model(model)
    options = _Options.of(half_life_days, position_weights, markov_order)
    journeys = _prepare(acquisitions, touchpoints, acquired_accounts, period_end,
                        non_converting=model == "markov", touches=model != "deal")
    return _account_table(journeys, model, options)


def channel_credits(acquisitions: pd.DataFrame, touchpoints: pd.DataFrame | None, model: str, *,
                    acquired_accounts: Iterable[str] | None = None,
                    period_end: pd.Timestamp | None = None, half_life_days: float = 7.0,
                    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
                    markov_order: int = 1) -> pd.Series:
    """Credits per channel (index channel name, float), summing to len(acquisitions).

    The index is every channel named in ``acquisitions`` or ``touchpoints``, sorted, with 0.0
    for a channel that earns nothing. Touch models: sum of the account-level credits. ``markov``:
    normalised removal effects x number of touched new customers; ``shapley``: exact Shapley
    values; both plus the untouched accounts' deal channels (1 each).
    """
    model = _check_model(model)
    options = _Options.of(half_life_days, position_weights, markov_order)
    journeys = _prepare(acquisitions, touchpoints, acquired_accounts, period_end,
                        non_converting=model == "markov", touches=model != "deal")
    return _channel_series(journeys, _channel_totals(journeys, model, options))


def markov_removal_effects(converting_paths: Any, non_converting_paths: Any,
                           order: int = 1) -> pd.Series:
    """Removal effect of each channel in an absorbing Markov chain of order ``order``, exactly.

    Paths are given either as an iterable of paths (each counted once) or as a mapping /
    Series from path to its count; a path is a sequence of channel names or a string
    ``"A > B > C"``. Empty paths are ignored. Pass aggregated paths (distinct path -> count)
    for large inputs: parsing is per distinct path, and two Series over the same paths (the
    conversion and null columns of one table) are parsed once.

    ``removal_effect(c) = 1 - P(conv | chain without c) / P(conv)`` (dimensionless, in [0, 1]).
    Returns a Series indexed by channel (sorted), named ``removal_effect``; ``attrs`` holds
    ``conversion_probability`` = P(conv) of the full chain.
    """
    order = _check_order(order)
    channels, codes, lengths, conversions, nulls = _path_table(converting_paths,
                                                               non_converting_paths)
    p_conv, effects = _markov_removal(codes, lengths, conversions, nulls, len(channels), order)
    present = ~np.isnan(effects)
    out = pd.Series(effects[present], index=pd.Index(channels, dtype="str")[present],
                    name="removal_effect", dtype="float64")
    out.index.name = "channel"
    out.attrs["conversion_probability"] = p_conv
    return out


def compare_models(acquisitions: pd.DataFrame, touchpoints: pd.DataFrame | None, *,
                   acquired_accounts: Iterable[str] | None = None,
                   period_end: pd.Timestamp | None = None, models: Sequence[str] = MODELS,
                   **kw: Any) -> pd.DataFrame:
    """channels x models table of credits (every model side by side, for the audit chart).

    ``kw`` takes ``half_life_days``, ``position_weights`` and ``markov_order``. Each column is
    ``channel_credits`` for that model (journeys are prepared once). A model that cannot run on
    these data (Shapley beyond 12 channels) gets a column of NaN and a ``RuntimeWarning``.
    """
    unknown = set(kw) - {"half_life_days", "position_weights", "markov_order"}
    if unknown:
        raise TypeError(f"compare_models() got unexpected keyword arguments {sorted(unknown)}")
    models = [_check_model(m) for m in models]
    options = _Options.of(kw.get("half_life_days", 7.0), kw.get("position_weights",
                          (0.4, 0.2, 0.4)), kw.get("markov_order", 1))
    journeys = _prepare(acquisitions, touchpoints, acquired_accounts, period_end,
                        non_converting="markov" in models)
    columns: dict[str, np.ndarray] = {}
    for model in models:
        try:
            columns[model] = _channel_totals(journeys, model, options)
        except ValueError as error:
            if model != "shapley":
                raise
            warnings.warn(f"compare_models: {error}", RuntimeWarning, stacklevel=2)
            columns[model] = np.full(len(journeys.channels), np.nan)
    table = pd.DataFrame(columns, index=journeys.channels.copy(), dtype="float64")
    table.index.name = "channel"
    table.columns.name = "model"
    return table


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Options:
    """Validated model parameters."""

    half_life_days: float
    position_weights: tuple[float, float, float]
    markov_order: int

    @classmethod
    def of(cls, half_life_days: float, position_weights: Sequence[float],
           markov_order: int) -> _Options:
        half_life = float(half_life_days)
        if not (math.isfinite(half_life) and half_life > 0):
            raise ParameterError("half_life_days", "a positive number of days", half_life_days)
        try:
            weights = tuple(float(w) for w in position_weights)
        except (TypeError, ValueError):
            weights = ()
        if (len(weights) != 3 or not all(math.isfinite(w) and w >= 0 for w in weights)
                or sum(weights) <= 0):
            raise ParameterError("position_weights",
                                 "three non-negative numbers (first, middle, last) with a "
                                 "positive sum", position_weights)
        total = sum(weights)
        normalised = (weights[0] / total, weights[1] / total, weights[2] / total)
        return cls(half_life, normalised, _check_order(markov_order))


def _check_model(model: str) -> str:
    if model not in MODELS:
        raise ParameterError("attribution_model", "one of " + ", ".join(MODELS), model)
    return model


def _check_order(order: int) -> int:
    if isinstance(order, bool) or not isinstance(order, int | np.integer) or order < 1:
        raise ParameterError("markov_order", "an integer >= 1", order)
    return int(order)


# --------------------------------------------------------------------------------------------
# Journeys: the arrays every model works on
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Journeys:
    """Counted touches of new customers, sorted by (account, timestamp, row), plus context.

    ``acc``: row of ``acquisitions`` of each counted touch; ``ch``: channel code (position in
    ``channels``); ``age``: whole days from the touch's date to the acquisition date;
    ``starts``: index of each journey's first touch; ``journey_acc``: its acquisitions row.
    ``nc_ch`` / ``nc_starts``: the same for the non-converting journeys (Markov only);
    ``nc_counts``: how many accounts each of them stands for (1 unless ``journeys`` says).
    """

    account_ids: pd.Series
    channels: pd.Index
    deal_ch: np.ndarray
    acc: np.ndarray
    ch: np.ndarray
    age: np.ndarray
    starts: np.ndarray
    journey_acc: np.ndarray
    nc_ch: np.ndarray
    nc_starts: np.ndarray
    nc_counts: np.ndarray

    @property
    def n_accounts(self) -> int:
        return len(self.account_ids)

    @property
    def n_touched(self) -> int:
        return len(self.starts)

    @property
    def untouched(self) -> np.ndarray:
        """Rows of ``acquisitions`` without any counted touch."""
        mask = np.ones(self.n_accounts, dtype=bool)
        mask[self.journey_acc] = False
        return np.flatnonzero(mask)

    @property
    def journey_of_touch(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_touched), np.diff(np.r_[self.starts, len(self.ch)]))


def _prepare(acquisitions: pd.DataFrame, touchpoints: pd.DataFrame | None,
             acquired_accounts: Iterable[str] | None, period_end: pd.Timestamp | None, *,
             non_converting: bool, touches: bool = True) -> _Journeys:
    """Validate the tables and build the sorted journey arrays (one sort of all touches).

    ``touches=False`` (the ``deal`` model) only reads the channel names of ``touchpoints``.
    """
    acq = _check_acquisitions(acquisitions)
    tp = _clean_touchpoints(touchpoints)
    account_ids = acq["account_id"].reset_index(drop=True)
    acq_day = _days(acq["acquired_date"])
    # Factorise each column once (hashing), then map the few distinct names to sorted codes.
    deal_codes, deal_names = pd.factorize(acq["channel"].astype("str"))
    tp_ch_codes, tp_ch_names = pd.factorize(tp["channel"].astype("str"))
    channels = pd.Index(deal_names.append(tp_ch_names).unique(), dtype="str").sort_values()
    deal_ch = channels.get_indexer(deal_names).astype(np.int64)[deal_codes]
    empty = np.zeros(0, dtype=np.int64)
    if tp.empty or not touches:
        return _Journeys(account_ids, channels, deal_ch, empty, empty, empty, empty, empty,
                         empty, empty, np.zeros(0))

    tp_codes, tp_uniques = pd.factorize(tp["account_id"].astype("str"))
    row_of_unique = pd.Index(account_ids.astype("str")).get_indexer(tp_uniques)
    ts = _nanoseconds(tp["timestamp"])
    day = np.floor_divide(ts, _NS_PER_DAY)
    ch_all = channels.get_indexer(tp_ch_names).astype(np.int64)[tp_ch_codes]
    # Stable lexicographic sort: account, then timestamp, then original row (ties). Exports
    # often come grouped by account in time order (codes number accounts by first row): then
    # the rows already are in that order and the sort, half of the preparation, is skipped.
    weights = (tp["journeys"].to_numpy(dtype=np.float64) if "journeys" in tp
               else np.ones(len(ts)))
    if not _in_account_time_order(tp_codes, ts):
        order = np.lexsort((np.arange(len(ts)), ts, tp_codes))
        tp_codes, day, ch_all = tp_codes[order], day[order], ch_all[order]
        weights = weights[order]
    acc_all = row_of_unique[tp_codes]

    counted = acc_all >= 0
    counted[counted] = day[counted] <= acq_day[acc_all[counted]]
    acc, ch = acc_all[counted].astype(np.int64), ch_all[counted]
    age = acq_day[acc] - day[counted]
    starts = _group_starts(acc)

    nc_ch, nc_starts, nc_counts = empty, empty, np.zeros(0)
    if non_converting:
        acquired = pd.Index(account_ids.astype("str"))
        if acquired_accounts is not None:
            if not isinstance(acquired_accounts, pd.Series | pd.Index | np.ndarray | list):
                acquired_accounts = list(acquired_accounts)  # sets, generators
            acquired = acquired.append(pd.Index(acquired_accounts, dtype="str"))
        # get_indexer hashes; Index.isin on Arrow strings goes through a Python list.
        never = acquired.unique().get_indexer(tp_uniques) < 0
        keep = never[tp_codes]
        if period_end is not None:
            end_day = _days(pd.Series([pd.Timestamp(period_end)]))[0]
            keep &= day <= end_day
        keep &= weights > 0  # a row standing for no account only names its channel
        nc_ch = ch_all[keep]
        nc_starts = _group_starts(tp_codes[keep])
        nc_counts = weights[keep][nc_starts]
    return _Journeys(account_ids, channels, deal_ch, acc, ch, age, starts, acc[starts], nc_ch,
                     nc_starts, nc_counts)


def _check_acquisitions(acquisitions: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("account_id", "acquired_date", "channel") if c not in acquisitions]
    if missing:
        raise ValueError(f"acquisitions: missing column(s) {missing}")
    for column in ("account_id", "acquired_date", "channel"):
        if acquisitions[column].isna().any():
            raise ValueError(f"acquisitions: column '{column}' has empty values")
    duplicated = acquisitions["account_id"].duplicated()
    if duplicated.any():
        first = acquisitions.loc[duplicated, "account_id"].iloc[0]
        raise ValueError(f"acquisitions: account_id must be unique (one row per acquired "
                         f"account), '{first}' appears more than once")
    return acquisitions


def _clean_touchpoints(touchpoints: pd.DataFrame | None) -> pd.DataFrame:
    """Touchpoints with an account, a timestamp and a channel (other rows cannot be placed)."""
    columns = ["account_id", "timestamp", "channel"]
    if touchpoints is None:
        return pd.DataFrame({"account_id": pd.Series([], dtype="str"),
                             "timestamp": pd.Series([], dtype="datetime64[ns]"),
                             "channel": pd.Series([], dtype="str")})
    missing = [c for c in columns if c not in touchpoints]
    if missing:
        raise ValueError(f"touchpoints: missing column(s) {missing}")
    tp = touchpoints[columns + (["journeys"] if "journeys" in touchpoints else [])]
    complete = tp[columns].notna().all(axis=1)
    return tp if complete.all() else tp[complete]


def _nanoseconds(values: pd.Series) -> np.ndarray:
    """Wall-clock nanoseconds since 1970 (int64), whatever the datetime unit or time zone."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)  # local calendar day is what "date" means
    return values.to_numpy().astype("datetime64[ns]").astype(np.int64)


def _days(values: pd.Series) -> np.ndarray:
    """Calendar day number (int64 days since 1970-01-01) of each timestamp."""
    return np.floor_divide(_nanoseconds(values), _NS_PER_DAY)


def _in_account_time_order(account_codes: np.ndarray, ts: np.ndarray) -> bool:
    """Whether rows are sorted by (account code, timestamp), equal pairs in any order."""
    step = np.diff(account_codes)
    return bool(np.all(step >= 0) and np.all((step > 0) | (ts[1:] >= ts[:-1])))


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Index of the first element of each run of equal keys in a sorted array."""
    if len(sorted_keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Touch-level models
# --------------------------------------------------------------------------------------------
def _touch_weights(j: _Journeys, model: str, options: _Options) -> np.ndarray:
    """Credit of each counted touch (float64); each journey's weights sum to 1."""
    n_touches = len(j.ch)
    journey = j.journey_of_touch
    lengths = np.diff(np.r_[j.starts, n_touches])
    size = lengths[journey]
    position = np.arange(n_touches) - j.starts[journey]
    if model == "first_touch":
        raw = (position == 0).astype(np.float64)
    elif model == "last_touch":
        raw = (position == size - 1).astype(np.float64)
    elif model == "linear":
        raw = 1.0 / size
    elif model == "time_decay":
        # Relative to each journey's youngest touch: same ratios, no underflow to 0/0.
        youngest = np.minimum.reduceat(j.age, j.starts) if n_touches else j.age
        raw = np.exp2(-(j.age - youngest[journey]) / options.half_life_days)
    elif model == "position_based":
        first, middle, last = options.position_weights
        raw = np.where(position == 0, first, 0.0)
        raw = raw + np.where(position == size - 1, last, 0.0)
        inner = (position > 0) & (position < size - 1)
        raw = np.where(inner, middle / np.maximum(size - 2, 1), raw)
        raw = np.where(size == 1, 1.0, raw)
    else:  # pragma: no cover - guarded by _check_model
        raise AssertionError(model)
    total = np.bincount(journey, raw, minlength=j.n_touched)
    # A journey whose weights are all zero (e.g. position weights (0, 1, 0) on two touches)
    # shares equally rather than losing its customer.
    flat = total[journey] <= 0
    raw = np.where(flat, 1.0, raw)
    total = np.where(total > 0, total, lengths)
    return raw / total[journey]


# --------------------------------------------------------------------------------------------
# Channel totals and account tables
# --------------------------------------------------------------------------------------------
def _channel_totals(j: _Journeys, model: str, options: _Options) -> np.ndarray:
    """Credit per channel code (float64), the model's own figures, summing to n_accounts."""
    k = len(j.channels)
    if model == "deal":
        return np.bincount(j.deal_ch, minlength=k).astype(np.float64)
    untouched = np.bincount(j.deal_ch[j.untouched], minlength=k).astype(np.float64)
    if model in _TOUCH_MODELS:
        return untouched + np.bincount(j.ch, _touch_weights(j, model, options), minlength=k)
    if model == "markov":
        return untouched + _markov_targets(j, options.markov_order)
    return untouched + _shapley_totals(j)


def _channel_series(j: _Journeys, totals: np.ndarray) -> pd.Series:
    out = pd.Series(totals, index=j.channels.copy(), name="credit", dtype="float64")
    out.index.name = "channel"
    return out


def _account_table(j: _Journeys, model: str, options: _Options) -> pd.DataFrame:
    """Rows (account, channel, credit) for touched accounts plus untouched ones (deal channel)."""
    k = len(j.channels)
    if model == "deal":
        acc = np.arange(j.n_accounts)
        ch, credit = j.deal_ch, np.ones(j.n_accounts)
    else:
        if model in _TOUCH_MODELS:
            pair_acc, pair_ch, pair_credit = _sum_by_pair(j.acc, j.ch, k,
                                                          _touch_weights(j, model, options))
        else:
            weights = (_markov_channel_weights(j, options.markov_order) if model == "markov"
                       else np.ones(k))
            pair_acc, pair_ch, pair_credit = _share_by_channel_weights(j, weights)
        rest = j.untouched
        acc = np.r_[pair_acc, rest]
        ch = np.r_[pair_ch, j.deal_ch[rest]]
        credit = np.r_[pair_credit, np.ones(len(rest))]
    keep = credit > 0
    acc, ch, credit = acc[keep], ch[keep], credit[keep]
    order = np.lexsort((ch, acc))
    acc, ch, credit = acc[order], ch[order], credit[order]
    return pd.DataFrame({
        "account_id": j.account_ids.array.take(acc),
        "channel": j.channels.array.take(ch),
        "credit": credit.astype(np.float64),
    })


def _sum_by_pair(acc: np.ndarray, ch: np.ndarray, k: int,
                 weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum ``weights`` (or count) per distinct (account, channel) pair."""
    keys = acc.astype(np.int64) * k + ch
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights, minlength=len(unique)).astype(np.float64)
    return unique // k, unique % k, sums


def _share_by_channel_weights(j: _Journeys, weights: np.ndarray,
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each touched account's 1 shared among its distinct channels in proportion to ``weights``."""
    pair_acc, pair_ch, _ = _sum_by_pair(j.acc, j.ch, len(j.channels))
    w = weights[pair_ch]
    # Journeys are sorted by touchpoint account order, not by acquisitions row: look up.
    lookup = np.full(j.n_accounts, -1, dtype=np.int64)
    lookup[j.journey_acc] = np.arange(j.n_touched)
    account = lookup[pair_acc]
    share = w / np.bincount(account, w, minlength=j.n_touched)[account]
    # Infeasible Markov targets leave shares of ~1e-15 (see _fit_proportional_weights): drop.
    share = np.where(share < _NEGLIGIBLE_SHARE, 0.0, share)
    return pair_acc, pair_ch, share / np.bincount(account, share, minlength=j.n_touched)[account]


# --------------------------------------------------------------------------------------------
# Markov chain
# --------------------------------------------------------------------------------------------
def _markov_targets(j: _Journeys, order: int) -> np.ndarray:
    """Normalised removal effects x number of touched new customers, per channel code."""
    k = len(j.channels)
    if j.n_touched == 0:
        return np.zeros(k)
    ch = np.r_[j.ch, j.nc_ch]
    starts = np.r_[j.starts, j.nc_starts + len(j.ch)].astype(np.int64)
    lengths = np.diff(np.r_[starts, len(ch)])
    converted = np.r_[np.ones(j.n_touched), np.zeros(len(j.nc_starts))]
    nulls = np.r_[np.zeros(j.n_touched), j.nc_counts]
    _, effects = _markov_removal(ch, lengths, converted, nulls, k, order)
    effects = np.nan_to_num(effects, nan=0.0)
    return effects / effects.sum() * j.n_touched


def _markov_channel_weights(j: _Journeys, order: int) -> np.ndarray:
    """Global channel weights whose proportional split of each journey meets the Markov totals."""
    k = len(j.channels)
    if j.n_touched == 0:
        return np.ones(k)
    targets = _markov_targets(j, order)
    pair_acc, pair_ch, _ = _sum_by_pair(j.acc, j.ch, k)
    lookup = np.full(j.n_accounts, -1, dtype=np.int64)
    lookup[j.journey_acc] = np.arange(j.n_touched)
    membership = np.zeros((j.n_touched, k), dtype=bool)
    membership[lookup[pair_acc], pair_ch] = True
    # Accounts with the same channel set behave alike: fit on the distinct sets.
    patterns, counts = np.unique(np.packbits(membership, axis=1), axis=0, return_counts=True)
    incidence = np.unpackbits(patterns, axis=1, count=k).astype(np.float64)
    return _fit_proportional_weights(incidence, counts.astype(np.float64), targets)


def _fit_proportional_weights(incidence: np.ndarray, counts: np.ndarray,
                              targets: np.ndarray) -> np.ndarray:
    """Weights w with sum_p counts_p * incidence_pc * w_c / (incidence_p . w) = targets_c.

    Iterative proportional fitting (Sinkhorn scaling of the columns; rows stay normalised by
    construction). Channels that no journey contains cannot receive credit: the reachable
    channels' targets are scaled to the total to be shared first. When no split meets the
    targets (a channel's target exceeds what the accounts it touched can carry), the weights
    drift apart; they are kept within ``_IPF_WEIGHT_FLOOR`` of the largest so that the split
    approaches the feasible limit (such a channel gets all of its accounts) without 0 / 0.
    """
    reachable = incidence.any(axis=0)
    goal = np.where(reachable, targets, 0.0)
    goal = goal * (counts.sum() / goal.sum())
    weights = goal / goal.max()
    previous = np.full_like(goal, np.inf)
    for _ in range(_IPF_MAX_ITERATIONS):
        totals = weights * (incidence.T @ (counts / (incidence @ weights)))
        if (np.max(np.abs(totals - goal)) <= _IPF_TOLERANCE
                or np.max(np.abs(totals - previous)) <= _IPF_STALL):
            break
        previous = totals
        weights = weights * goal / np.where(totals > 0, totals, 1.0)
        weights = np.where(reachable, np.maximum(weights / weights.max(), _IPF_WEIGHT_FLOOR),
                           0.0)
    return weights


def _markov_removal(ch: np.ndarray, lengths: np.ndarray, conversions: np.ndarray,
                    nulls: np.ndarray, n_channels: int, order: int) -> tuple[float, np.ndarray]:
    """P(conversion) and removal effect per channel code (NaN when absent from the chain).

    ``ch``: channel codes of all paths laid end to end; ``lengths``: number of touches of each
    path (all > 0); ``conversions`` / ``nulls``: how many times the path ends in conversion /
    without one (a path may do both; paths with neither are not passed).
    """
    if not np.any(conversions > 0):
        raise ValueError("Markov attribution needs at least one converting path")
    ch = np.asarray(ch, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    # Collapse consecutive repeats within a path (neutral for order 1, see module docstring).
    repeat = ch[1:] == ch[:-1]
    repeat[starts[1:] - 1] = False  # a path's first touch repeats nothing
    if repeat.any():
        keep = np.r_[True, ~repeat]
        ch = ch[keep]
        lengths = np.add.reduceat(keep, starts, dtype=np.int64)
        starts = np.cumsum(lengths) - lengths

    states, node = _markov_states(ch, starts, lengths, n_channels, order)
    n_nodes = len(states) + 1  # node 0 is the start state, states are 1..n_nodes - 1
    # Flat (source, target) pair of each move; a path's first move leaves the start node.
    pair = node.copy()
    pair[1:] += node[:-1] * n_nodes
    pair[starts] = node[starts]
    # One weighted count of the pairs: the transition counts, integers as floats.
    moves = np.bincount(pair, np.repeat(conversions + nulls, lengths),
                        minlength=n_nodes * n_nodes).reshape(n_nodes, n_nodes)
    ends = node[starts + lengths - 1]
    to_conversion = np.bincount(ends, conversions, minlength=n_nodes)
    outflow = moves.sum(axis=1) + to_conversion + np.bincount(ends, nulls, minlength=n_nodes)
    system = np.eye(n_nodes) - moves / outflow[:, None]
    absorb = to_conversion / outflow

    contains = np.zeros((len(states), n_channels), dtype=bool)
    base = n_channels + 1
    for lag in range(order):
        digit = (states // base**lag) % base
        has = digit > 0
        contains[np.flatnonzero(has), digit[has] - 1] = True
    present = np.flatnonzero(contains.any(axis=0))
    removed = np.zeros((len(present), n_nodes), dtype=bool)
    removed[:, 1:] = contains[:, present].T
    p_conv, *p_without = _start_absorption(system, absorb, removed)
    if p_conv <= 0:
        raise ValueError("Markov attribution needs at least one converting path")
    effects = np.full(n_channels, np.nan)
    effects[present] = np.clip(1.0 - np.asarray(p_without) / p_conv, 0.0, 1.0)
    return p_conv, effects


def _start_absorption(system: np.ndarray, absorb: np.ndarray,
                      removed: np.ndarray) -> list[float]:
    """P(conversion) from the start node: full chain, then without each row's ``removed`` nodes.

    Solves ``(I - Q) x = r`` exactly (direct elimination, no iteration). Deleting nodes R is
    the same as giving them the equations ``x_R = 0`` (flow into R goes to null): small chains
    solve every variant at full size in one batched LAPACK call. Larger ones solve each
    variant on its kept nodes only (a removal often deletes a third of them or more), by
    NumPy elimination up to ``_MARKOV_ELIMINATION_STATES`` unknowns, by LAPACK beyond.
    """
    n = len(absorb)
    if n < _MARKOV_THREADED_STATES:
        deleted = np.r_[np.zeros((1, n), dtype=bool), removed]
        matrices = np.where(deleted[:, :, None], np.eye(n), system)
        targets = np.where(deleted, 0.0, absorb)[:, :, None]
        return [float(x) for x in np.linalg.solve(matrices, targets)[:, 0, 0]]
    out = []
    for deleted in np.r_[np.zeros((1, n), dtype=bool), removed]:
        kept = np.flatnonzero(~deleted)  # node 0, the start, is always kept
        matrix, target = system[np.ix_(kept, kept)], absorb[kept]
        if len(kept) <= _MARKOV_ELIMINATION_STATES:
            out.append(_eliminate_to_start(matrix, target))
        else:
            out.append(float(np.linalg.solve(matrix, target)[0]))
    return out


def _eliminate_to_start(matrix: np.ndarray, target: np.ndarray) -> float:
    """``x[0]`` of ``matrix @ x = target``: Gaussian elimination of unknowns n-1 .. 1, no pivot.

    ``matrix = I - Q`` of an absorbing chain (every node reaches absorption) is a nonsingular
    M-matrix, weakly diagonally dominant by rows: pivots stay positive and elimination
    without pivoting is stable. Element-wise NumPy only (no BLAS, hence no threads).
    """
    a, b = matrix.copy(), target.copy()
    for j in range(len(b) - 1, 0, -1):
        factor = a[:j, j] / a[j, j]
        a[:j, :j] -= factor[:, None] * a[j, :j]
        b[:j] -= factor * b[j]
    return float(b[0] / a[0, 0])


def _markov_states(ch: np.ndarray, starts: np.ndarray, lengths: np.ndarray, n_channels: int,
                   order: int) -> tuple[np.ndarray, np.ndarray]:
    """Encode each touch's state (its last ``order`` channels) and number the distinct states.

    Code = sum over lag of (channel at t - lag, + 1) x base^lag, 0 for lags before the path's
    start, so a path's first states are shorter tuples. Returns (sorted codes, node of each
    touch), nodes numbered from 1 in code order (0 is left for the start node).
    """
    base = n_channels + 1
    if order * math.log2(base) >= 62:
        raise ValueError(f"markov_order {order} is too high for {n_channels} channels")
    code = ch + 1
    if order > 1:
        position = np.arange(len(ch)) - np.repeat(starts, lengths)
        for lag in range(1, order):
            earlier = np.r_[np.zeros(min(lag, len(ch)), np.int64), ch[:-lag] + 1]
            code = code + np.where(position >= lag, earlier, 0) * base**lag
    if base**order <= _MARKOV_DENSE_CODES:  # number the codes through a table, no sort
        seen = np.zeros(base**order, dtype=bool)
        seen[code] = True
        states = np.flatnonzero(seen)
        node = np.cumsum(seen, dtype=np.int64)[code]
    else:
        states, index = np.unique(code, return_inverse=True)
        node = index.astype(np.int64) + 1
    if len(states) > MAX_MARKOV_STATES:
        raise ValueError(f"Markov chain of order {order} has {len(states)} states (limit "
                         f"{MAX_MARKOV_STATES} for an exact solve); use a lower markov_order")
    return states, node


# --------------------------------------------------------------------------------------------
# Shapley
# --------------------------------------------------------------------------------------------
def _shapley_totals(j: _Journeys) -> np.ndarray:
    """Exact Shapley value per channel code of v(S) = #touched journeys whose set is within S."""
    k = len(j.channels)
    if j.n_touched == 0:
        return np.zeros(k)
    used = np.flatnonzero(np.bincount(j.ch, minlength=k))
    if len(used) > MAX_SHAPLEY_CHANNELS:
        raise ValueError(f"Shapley attribution is exact over all 2^k channel coalitions and "
                         f"supports at most {MAX_SHAPLEY_CHANNELS} distinct channels among "
                         f"touched new customers; got {len(used)}. Use 'markov' or group "
                         f"channels.")
    bit = np.full(k, -1, dtype=np.int64)
    bit[used] = np.arange(len(used))
    masks = np.bitwise_or.reduceat(np.left_shift(1, bit[j.ch]), j.starts)
    values = shapley_values(np.bincount(masks, minlength=1 << len(used)).astype(np.float64))
    totals = np.zeros(k)
    totals[used] = values
    return totals


def shapley_values(journeys_by_set: np.ndarray) -> np.ndarray:
    """Exact Shapley values of v(S) = sum of journeys_by_set[m] over channel sets m within S.

    ``journeys_by_set[m]``: number of journeys whose channel set is the bit mask ``m`` (length
    2^k). ``phi_i = sum_{S not containing i} |S|! (k-|S|-1)! / k! (v(S + i) - v(S))``, in
    customers. Vectorised over the 2^k coalitions; loops only over the k players.
    """
    size = len(journeys_by_set)
    k = size.bit_length() - 1
    if size != 1 << k:
        raise ValueError("journeys_by_set must have length 2^k")
    coalitions = np.arange(size)
    value = journeys_by_set.astype(np.float64).copy()
    for i in range(k):  # subset-sum (zeta) transform: v(S) = sum over masks within S
        with_i = np.flatnonzero(coalitions & (1 << i))
        value[with_i] += value[with_i ^ (1 << i)]
    popcount = np.zeros(size, dtype=np.int64)
    for i in range(k):
        popcount += (coalitions >> i) & 1
    factorial = [math.factorial(n) for n in range(k + 1)]
    weight = np.array([factorial[s] * factorial[k - s - 1] / factorial[k] if s < k else 0.0
                       for s in range(k + 1)])
    phi = np.zeros(k)
    for i in range(k):
        without_i = np.flatnonzero((coalitions & (1 << i)) == 0)
        gain = value[without_i | (1 << i)] - value[without_i]
        phi[i] = float(np.sum(weight[popcount[without_i]] * gain))
    return phi


# --------------------------------------------------------------------------------------------
# Path parsing for markov_removal_effects
# --------------------------------------------------------------------------------------------
def _path_table(converting: Any, non_converting: Any,
                ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sorted channel names, channel codes laid end to end, path lengths, conversions, nulls).

    Only paths with at least one touch and a positive count are kept; a channel named only in
    other paths stays in the list (the chain leaves it out).
    """
    conv_items, conv_counts = _path_items(converting, "converting_paths")
    null_items, null_counts = _path_items(non_converting, "non_converting_paths")
    if (isinstance(converting, pd.Series) and isinstance(non_converting, pd.Series)
            and (converting.index is non_converting.index
                 or converting.index.equals(non_converting.index))):
        parts = [_encode_paths(conv_items)]  # one table, two count columns: parse once
        conversions, nulls = conv_counts, null_counts
    else:
        parts = [_encode_paths(conv_items), _encode_paths(null_items)]
        conversions = np.r_[conv_counts, np.zeros(len(null_counts))]
        nulls = np.r_[np.zeros(len(conv_counts)), null_counts]
    channels = sorted({name for _, _, names in parts for name in names})
    position = {name: code for code, name in enumerate(channels)}
    # Each part's local codes to global ones; local -1 (a dropped token) picks the final -1.
    codes = [np.array([position[name] for name in names] + [-1], dtype=np.int64)[local]
             for local, _, names in parts]
    codes = codes[0] if len(codes) == 1 else np.concatenate(codes)
    lengths = np.concatenate([part_lengths for _, part_lengths, _ in parts])
    if np.any(codes < 0):
        kept = codes >= 0
        path = np.repeat(np.arange(len(lengths)), lengths)
        codes = codes[kept]
        lengths = np.bincount(path[kept], minlength=len(lengths))
    occurs = (lengths > 0) & (conversions + nulls > 0)
    if not occurs.all():
        codes = codes[np.repeat(occurs, lengths)]
        lengths, conversions, nulls = lengths[occurs], conversions[occurs], nulls[occurs]
    return channels, codes, lengths, conversions, nulls


def _path_items(paths: Any, name: str) -> tuple[Any, np.ndarray]:
    """(paths as a list-like, count of each path as float64) of one argument."""
    if isinstance(paths, pd.Series):
        items, weights = paths.index, paths.to_numpy(dtype=np.float64)
        if isinstance(items, pd.MultiIndex):  # tuple keys; ragged ones are padded with NaN
            items = list(items)
    elif isinstance(paths, Mapping):
        items, weights = list(paths.keys()), np.asarray(list(paths.values()), dtype=np.float64)
    elif isinstance(paths, str):
        raise TypeError(f"{name}: expected several paths, got one string")
    else:
        items = list(paths)
        weights = np.ones(len(items))
    if np.any(~np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"{name}: path counts must be finite and >= 0")
    return items, weights


def _encode_paths(items: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(codes of the channel names laid end to end, -1 for a dropped token; path lengths
    counting all tokens; the names the codes point to)."""
    if len(items) and pd.api.types.infer_dtype(items, skipna=False) == "string":
        return _encode_path_strings(items)
    split = [_split_path(path) for path in items]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    codes, names = pd.factorize(np.array([step for path in split for step in path],
                                         dtype=object))
    return codes.astype(np.int64), lengths, [str(step) for step in names]


def _encode_path_strings(paths: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``_encode_paths`` of "A > B > C" strings, in Arrow: split, then one dictionary encoding.

    Names are trimmed and checked on the dictionary (a few distinct tokens), not per token;
    an empty name ("A >> B", a trailing ">") is a dropped token.
    """
    import pyarrow as pa  # a dependency of the package (pandas' string storage)
    import pyarrow.compute as pc

    # pandas' own Arrow strings convert without a copy; lists and numpy arrays also work.
    text = pa.array(pd.array(paths, dtype="str"))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    parts = pc.split_pattern(text.fill_null(""), ">")
    lengths = pc.list_value_length(parts).to_numpy(zero_copy_only=False).astype(np.int64)
    tokens = pc.dictionary_encode(pc.list_flatten(parts))
    trimmed = pc.utf8_trim_whitespace(tokens.dictionary).to_pylist()
    named = np.array([name != "" for name in trimmed], dtype=bool)
    codes = tokens.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if not named.all():
        codes = np.where(named, np.cumsum(named) - 1, -1)[codes]
    return codes, lengths, [name for name in trimmed if name]


def _split_path(path: Any) -> list[str]:
    if isinstance(path, str):
        return [part.strip() for part in path.split(">") if part.strip()]
    return [str(step) for step in path if not pd.isna(step)]
