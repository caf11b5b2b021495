"""Seeded generator of a realistic B2B SaaS company: the four audit tables.

The fictitious company, *Atelier Nova SAS*, sells a scheduling SaaS for field-service teams
to French SMEs, mid-market firms and a few large accounts. It acquires customers through five
channels (``SEO``, ``Ads``, ``Outbound``, ``Partners``, ``Events``) and pools the rest of its
costs (account executives, tools, management, brand). :func:`generate_company` returns the
contract tables ``spend``, ``deals``, ``leads``, ``touchpoints`` and ``revenue`` (column names of
``docs/data-format.md``), :func:`write_company` writes them as CSV (byte-stable), Excel or
Parquet and :func:`generate_touchpoints` builds large synthetic journeys for attribution
benchmarks.

Everything is vectorised with numpy (no Python loop per lead, deal or account) and driven by
one seed: the same :class:`CompanyConfig` always gives the same CSV bytes. ``scale`` multiplies
volumes (leads, accounts, touchpoints) and spend (variable costs and head counts) so that the
unit economics (CAC, ARPA, conversion rates) stay about the same at 1x, 10x or 100x.

Money is in euros, rounded to the cent; lags and durations are in days.

Command line::

    python -m cac_toolkit.data.generator OUT_DIR [--scale S] [--seed N] [--format csv|xlsx|parquet]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cac_toolkit.data.contract import TABLES as CONTRACT

__all__ = [
    "CHANNELS",
    "COLUMNS",
    "SEGMENTS",
    "TABLES",
    "CompanyConfig",
    "generate_company",
    "generate_touchpoints",
    "main",
    "write_company",
]

TABLES = ("spend", "deals", "leads", "touchpoints", "revenue")
CHANNELS = ("SEO", "Ads", "Outbound", "Partners", "Events")
SEGMENTS = ("SMB", "Mid-market", "Enterprise")
OWNERS = (  # (name, role, skill): skill multiplies meeting->opportunity and quote->won odds
    ("Camille Laurent", "AE", 1.18),
    ("Hugo Bernard", "AE", 1.00),
    ("Sarah Petit", "AE", 0.82),
    ("Lucas Moreau", "SDR", 1.06),
    ("Ines Girard", "SDR", 0.90),
    ("Nadia Roux", "Partner manager", 1.04),
)

#: Column order of each written table: the contract's declaration order (data/contract.py).
COLUMNS: dict[str, list[str]] = {name: list(spec.columns) for name, spec in CONTRACT.items()}

_STAGES = ("mql_date", "sql_date", "meeting_date", "opportunity_date", "quote_date")
_EXCEL_MAX_ROWS = 1_048_575  # one header line
_NS_PER_DAY = 86_400 * 10**9

# --- channel profiles, aligned with CHANNELS -------------------------------------------------
# Leads per month at scale 1 (Events come in bursts around the shows, see _EVENT_MONTHS).
_LEADS_PER_MONTH = np.array([285.0, 245.0, 165.0, 85.0, 0.0])
_LEAD_GROWTH = np.array([0.010, 0.0, 0.0, 0.008, 0.0])  # compound, per month
_EVENT_LEADS = 170.0  # badge scans imported per show
_EVENT_MONTHS = (3, 6, 9, 11)  # calendar months of the four trade shows of each year
# Segment mix of the leads of each channel (SMB, Mid-market, Enterprise).
_SEGMENT_MIX = np.array([
    [0.70, 0.25, 0.05],
    [0.64, 0.29, 0.07],
    [0.34, 0.46, 0.20],
    [0.45, 0.40, 0.15],
    [0.30, 0.45, 0.25],
])
_P_MQL = np.array([0.72, 0.64, 0.46, 0.80, 0.56])
# Leads that skip MQL/SQL and go straight to a meeting (cold call, booth demo, partner intro).
_P_DIRECT_MEETING = np.array([0.01, 0.01, 0.14, 0.07, 0.10])
_CHANNEL_WIN = np.array([1.00, 0.90, 0.92, 1.15, 1.02])
# Owner probabilities per channel (rows) over OWNERS (columns).
_OWNER_MIX = np.array([
    [0.31, 0.31, 0.30, 0.04, 0.04, 0.00],
    [0.30, 0.31, 0.31, 0.04, 0.04, 0.00],
    [0.08, 0.06, 0.06, 0.40, 0.40, 0.00],
    [0.10, 0.10, 0.10, 0.00, 0.00, 0.70],
    [0.30, 0.25, 0.25, 0.10, 0.10, 0.00],
])
# Channel mixes of the extra touches of a journey: buyers see more shows and partners.
_TOUCH_MIX_BUYER = np.array([0.28, 0.22, 0.16, 0.16, 0.18])
_TOUCH_MIX_PROSPECT = np.array([0.36, 0.36, 0.18, 0.04, 0.06])

# --- funnel ------------------------------------------------------------------------------------
_P_SQL = 0.68  # MQL -> SQL
_P_MEETING = 0.74  # SQL -> meeting
_P_OPPORTUNITY = 0.46  # meeting -> opportunity, before skill and segment
_P_QUOTE = 0.88  # opportunity -> quote
_P_WIN = 0.34  # quote -> won, before skill, segment, channel and drift
_SEG_OPP = np.array([1.05, 1.00, 0.88])
_SEG_WIN = np.array([1.06, 0.95, 0.82])
_SEG_LAG = np.array([1.0, 1.7, 3.0])  # lags grow with the size of the account
# Mean lags in days (SMB): created->mql, mql->sql, sql->meeting, created->meeting (direct),
# meeting->opportunity, opportunity->quote, quote->won/lost, last stage->lost (dropped early).
_LAGS = np.array([2.0, 4.0, 6.0, 9.0, 7.0, 9.0, 16.0, 20.0])
_LAG_SHAPE = 2.0  # gamma shape: right-skewed, rarely zero
_WARMUP = 6  # months of lead flow simulated before the period

# --- money ------------------------------------------------------------------------------------
_MRR_MEDIAN = np.array([190.0, 560.0, 1300.0])  # EUR per month
_MRR_SIGMA = np.array([0.35, 0.30, 0.22])
_MRR_CLIP = np.array([[100.0, 400.0], [350.0, 1000.0], [900.0, 2000.0]])
_ONBOARDING = np.array([[0.0, 0.0], [400.0, 1500.0], [2000.0, 8000.0]])  # one-off fee range
_P_ONBOARDING = np.array([0.0, 0.45, 0.90])


@dataclass(frozen=True)
class CompanyConfig:
    """Parameters of the generated company.

    ``start`` and ``months`` define the period (default 2024-01-01 to 2025-12-31). ``scale``
    multiplies lead volumes, accounts, touchpoints and spend. ``win_drift`` is the relative
    fall of the quote->won odds over the period and ``cycle_drift`` the relative lengthening
    of the opportunity->won lags (both make the CAC rise and the sales cycle lengthen).
    ``free_only_share`` is the number of never-paying freemium/POC accounts per paying one,
    ``prospect_share`` the share of non-won leads that leave a touchpoint journey.
    """

    seed: int = 2024
    start: str = "2024-01-01"
    months: int = 24
    scale: float = 1.0
    company: str = "Atelier Nova SAS"
    win_drift: float = 0.25
    cycle_drift: float = 0.50
    ads_inflation: float = 0.05  # Ads cost per quarter, compound
    free_only_share: float = 0.6
    prospect_share: float = 0.30
    renewal_rate: float = 0.86

    @property
    def start_date(self) -> np.datetime64:
        """First day of the period."""
        return np.datetime64(self.start, "D")

    @property
    def end_date(self) -> np.datetime64:
        """Last day of the period (inclusive)."""
        first = np.datetime64(self.start, "M")
        return (first + self.months).astype("datetime64[D]") - 1


# --- small helpers -----------------------------------------------------------------------------


def _holidays(cfg: CompanyConfig) -> np.ndarray:
    """Fixed-date French public holidays from the year before the period to its end."""
    fixed = ("01-01", "05-01", "05-08", "07-14", "08-15", "11-01", "11-11", "12-25")
    years = range(int(str(cfg.start_date)[:4]) - 1, int(str(cfg.end_date)[:4]) + 1)
    return np.array([f"{y}-{md}" for y in years for md in fixed], dtype="datetime64[D]")


def _roll(days: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Move day numbers (int64, days since 1970) forward to the next business day."""
    rolled = np.busday_offset(days.astype("datetime64[D]"), 0, roll="forward", holidays=holidays)
    return rolled.astype(np.int64)


def _day(value: np.datetime64) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return int(value.astype("datetime64[D]").astype(np.int64))


def _dates(days: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Day numbers to datetime64[ns] (midnight), NaT where ``present`` is false."""
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    if present is not None:
        out[~present] = np.datetime64("NaT")
    return out


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded text ids such as ``L-000042`` (object array, vectorised)."""
    width = max(width, len(str(int(numbers.max())))) if numbers.size else width
    return (prefix + pd.Series(numbers, dtype=np.int64).astype(str).str.zfill(width)).to_numpy(
        dtype=object
    )


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix -> indices in [0, k)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _lags(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Whole-day lags (int64 >= 0) from a gamma law with the given means (days)."""
    return np.floor(rng.gamma(_LAG_SHAPE, 1.0, size=np.shape(mean)) * mean / _LAG_SHAPE).astype(
        np.int64
    )


def _uniform_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform whole day in [lo, hi] (inclusive, int64 day numbers) per row."""
    span = np.maximum(hi - lo, 0) + 1
    return lo + np.floor(rng.random(len(lo)) * span).astype(np.int64)


def _seconds_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Times of day in seconds: mostly office hours (8:00-19:00), some at any hour."""
    office = 8 * 3600 + np.floor(rng.random(n) * 11 * 3600)
    anytime = np.floor(rng.random(n) * 86_400)
    return np.where(rng.random(n) < 0.9, office, anytime).astype(np.int64)


def _mrr(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """List MRR in EUR per segment index (log-normal, clipped to the segment's band)."""
    raw = _MRR_MEDIAN[segment] * np.exp(_MRR_SIGMA[segment] * rng.standard_normal(len(segment)))
    return np.clip(raw, _MRR_CLIP[segment, 0], _MRR_CLIP[segment, 1])


def _cents(values: np.ndarray) -> np.ndarray:
    """Round money to the cent (float64)."""
    return np.round(np.asarray(values, dtype=np.float64), 2)


def _months_index(
    cfg: CompanyConfig, before: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month starts and ends (day numbers) and calendar months (1-12) of the period.

    ``before`` prepends that many months (the warm-up of the lead flow).
    """
    first = np.datetime64(cfg.start, "M") + np.arange(-before, cfg.months)
    starts = first.astype("datetime64[D]").astype(np.int64)
    ends = (first + 1).astype("datetime64[D]").astype(np.int64) - 1
    calendar = (first.astype(np.int64) % 12) + 1
    return starts, ends, calendar


def _month_of(days: np.ndarray, month_starts: np.ndarray) -> np.ndarray:
    """Index of the period month containing each day number."""
    return np.searchsorted(month_starts, days, side="right") - 1


# Seasonality of lead flow by calendar month: French summer and Christmas slow-downs.
_SEASON = np.array([1.10, 1.00, 1.05, 1.00, 0.95, 1.00, 0.85, 0.55, 1.15, 1.10, 1.05, 0.75])


# --- leads -------------------------------------------------------------------------------------


def _event_days(cfg: CompanyConfig, holidays: np.ndarray, before: int = 0) -> np.ndarray:
    """Day numbers of the trade shows (third week of each show month)."""
    starts, _, calendar = _months_index(cfg, before)
    chosen = starts[np.isin(calendar, _EVENT_MONTHS)] + 14
    return _roll(chosen, holidays)


def _lead_arrivals(
    rng: np.random.Generator, cfg: CompanyConfig, holidays: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Channel index and created day of every lead, in no particular order.

    The flow starts ``_WARMUP`` months before the period so that the pipeline is already full
    on its first day (those early leads are not exported, but their deals are).
    """
    starts, ends, calendar = _months_index(cfg, _WARMUP)
    m = np.arange(-_WARMUP, cfg.months)
    # SDR hire in the 16th month lifts outbound volumes by half.
    outbound_boost = np.where(m >= 15, 1.5, 1.0)
    rate = _LEADS_PER_MONTH[None, :] * (1.0 + _LEAD_GROWTH[None, :]) ** m[:, None]
    rate = rate * _SEASON[calendar - 1][:, None] * cfg.scale
    rate[:, 2] *= outbound_boost
    counts = rng.poisson(rate)  # (months, channels)
    month_idx = np.repeat(np.repeat(m + _WARMUP, len(CHANNELS)), counts.ravel())
    channel = np.repeat(np.tile(np.arange(len(CHANNELS)), len(m)), counts.ravel())
    lo, hi = starts[month_idx], ends[month_idx]
    created = _roll(_uniform_days(rng, lo, hi), holidays)

    # Trade shows: badge scans imported during the ten days after the show.
    shows = _event_days(cfg, holidays, _WARMUP)
    per_show = rng.poisson(_EVENT_LEADS * cfg.scale * (1.0 + 0.05 * np.arange(len(shows))))
    show_day = np.repeat(shows, per_show)
    ev_created = _roll(show_day + np.floor(rng.random(len(show_day)) * 10).astype(np.int64),
                       holidays)
    channel = np.concatenate([channel, np.full(len(show_day), CHANNELS.index("Events"))])
    created = np.concatenate([created, ev_created])
    keep = created <= _day(cfg.end_date)  # a roll past the last day leaves the period
    return channel[keep], created[keep]


def _generate_leads(rng: np.random.Generator, cfg: CompanyConfig) -> dict[str, np.ndarray]:
    """Simulate the funnel of every lead; returns column arrays plus internal fields.

    Leads of the warm-up months are simulated too (their deals fall in the period). Internal
    fields (prefixed ``_``, one value per lead): ``_in`` (created in the period), ``_channel``
    and ``_segment`` indices, ``_created`` and ``_won_day`` (day numbers), ``_won`` (signed
    inside the period), ``_mrr`` (EUR/month of the signed deal) and ``_last`` (day of the last
    stage reached, for prospect journeys).
    """
    start, end = _day(cfg.start_date), _day(cfg.end_date)
    holidays = _holidays(cfg)
    channel, created = _lead_arrivals(rng, cfg, holidays)
    # Stable order: by day then channel then a random key, so ids follow creation time.
    order = np.lexsort((rng.random(len(created)), channel, created))
    channel, created = channel[order], created[order]
    n = len(created)
    t = np.clip((created - start) / max(end - start, 1), 0, 1)  # 0 at the start, 1 at the end

    segment = _choice_rows(rng, _SEGMENT_MIX[channel])
    owner = _choice_rows(rng, _OWNER_MIX[channel])
    skill = np.array([o[2] for o in OWNERS])[owner]

    u = rng.random((n, 8))
    p_mql = _P_MQL[channel] * np.where(channel == CHANNELS.index("Ads"), 1 - 0.12 * t, 1.0)
    mql = u[:, 0] < p_mql
    direct = ~mql & (u[:, 1] < _P_DIRECT_MEETING[channel])
    sql = mql & (u[:, 2] < _P_SQL)
    meeting = (sql & (u[:, 3] < _P_MEETING)) | direct
    p_opp = np.clip(_P_OPPORTUNITY * skill * _SEG_OPP[segment], 0, 0.95)
    opp = meeting & (u[:, 4] < p_opp)
    quote = opp & (u[:, 5] < _P_QUOTE)
    p_win = _P_WIN * skill * _SEG_WIN[segment] * _CHANNEL_WIN[channel] * (1 - cfg.win_drift * t)
    won = quote & (u[:, 6] < np.clip(p_win, 0, 0.95))

    means = _LAGS[None, :] * _SEG_LAG[segment][:, None]
    means[:, 5:7] *= (1.0 + cfg.cycle_drift * t)[:, None]  # the cycle lengthens over time
    lag = _lags(rng, means)
    d_mql = created + lag[:, 0]
    d_sql = d_mql + lag[:, 1]
    d_meeting = np.where(direct, created + lag[:, 3], d_sql + lag[:, 2])
    d_opp = d_meeting + lag[:, 4]
    d_quote = d_opp + lag[:, 5]
    d_close = d_quote + lag[:, 6]
    days = {
        "mql_date": d_mql, "sql_date": d_sql, "meeting_date": d_meeting,
        "opportunity_date": d_opp, "quote_date": d_quote, "won_date": d_close,
    }
    # Business days only; rolling forward keeps the stage order.
    days = {k: _roll(v, holidays) for k, v in days.items()}
    reached = {
        "mql_date": mql, "sql_date": sql, "meeting_date": meeting,
        "opportunity_date": opp, "quote_date": quote, "won_date": won,
    }
    # Dates after the end of the period have not happened yet: the lead is still in progress.
    present = {k: reached[k] & (days[k] <= end) for k in days}

    last = created.copy()
    for key in _STAGES:
        last = np.where(present[key], days[key], last)
    # Lost: most stalled opportunities are closed-lost, early drop-outs less often.
    late = opp & ~won
    p_lost = np.where(late, 0.88, np.where(mql | meeting, 0.40, 0.20))
    lost_lag = np.where(late, lag[:, 6], lag[:, 7])
    base = np.where(quote, days["quote_date"], last)
    d_lost = _roll(base + lost_lag, holidays)
    is_lost = ~won & (u[:, 7] < p_lost) & (d_lost <= end)
    # A lost lead whose latest stage falls after the period end is just in progress.
    stage_done = np.ones(n, dtype=bool)
    for key in _STAGES:
        stage_done &= ~reached[key] | present[key]
    is_lost &= stage_done

    list_mrr = _mrr(rng, segment)
    opp_value = np.round(12 * list_mrr, -1)  # annual contract value, to 10 EUR
    discount = 0.85 + 0.15 * rng.random(n)
    deal_mrr = _cents(np.clip(list_mrr * discount, 100.0, 2000.0))

    out: dict[str, np.ndarray] = {"created_date": _dates(created)}
    out["channel"] = np.asarray(CHANNELS, dtype=object)[channel]
    out["segment"] = np.asarray(SEGMENTS, dtype=object)[segment]
    out["owner"] = np.asarray([o[0] for o in OWNERS], dtype=object)[owner]
    for key in days:
        out[key] = _dates(days[key], present[key])
    out["lost_date"] = _dates(d_lost, is_lost)
    out["opportunity_value"] = np.where(present["opportunity_date"], opp_value, np.nan)
    out.update(
        _in=created >= start, _channel=channel, _segment=segment, _created=created,
        _won=present["won_date"] & (days["won_date"] >= start),
        _won_day=days["won_date"], _mrr=deal_mrr, _last=last,
    )
    return out


# --- deals -------------------------------------------------------------------------------------


def _account_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random permutation of 1..n so that ids do not reveal an account's status."""
    return rng.permutation(n) + 1


def _generate_deals(
    rng: np.random.Generator, cfg: CompanyConfig, leads: dict[str, np.ndarray],
    n_prospects: int,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Deals of the won leads (new accounts), free sign-ups, renewals and expansions.

    Returns the deals table (deal ids in date order) and the account registry: ``won_acc``
    ids and ``won_num`` numbers of the won leads' accounts (lead order), ``free_num``,
    ``free_day`` and ``free_channel`` of the never-paying sign-ups, ``prospect_num`` of the
    pure prospects and ``id_of`` (id by account number - 1).
    """
    start, end = _day(cfg.start_date), _day(cfg.end_date)
    holidays = _holidays(cfg)
    won = leads["_won"]
    w_day, w_channel = leads["_won_day"][won], leads["_channel"][won]
    w_segment, w_mrr = leads["_segment"][won], leads["_mrr"][won]
    n_won = int(won.sum())
    n_free = int(round(cfg.free_only_share * n_won))
    numbers = _account_numbers(rng, n_won + n_free + n_prospects)
    width = max(5, len(str(len(numbers))))
    acc = _ids("ACC-", numbers, width)
    won_acc, free_acc, _ = np.split(acc, [n_won, n_won + n_free])
    won_num, free_num, prospect_num = np.split(numbers, [n_won, n_won + n_free])
    id_of = np.empty(len(numbers), dtype=object)
    id_of[numbers - 1] = acc

    parts: list[dict[str, np.ndarray]] = []

    def add(account: np.ndarray, day: np.ndarray, channel: np.ndarray, segment: np.ndarray,
            kind: str, paid: bool, mrr: np.ndarray, amount: np.ndarray) -> None:
        """Queue a block of deals (day numbers, channel/segment indices, EUR)."""
        n = len(account)
        parts.append({
            "account_id": np.asarray(account, dtype=object), "day": np.asarray(day),
            "channel": np.asarray(channel), "segment": np.asarray(segment),
            "type": np.full(n, kind, dtype=object), "paid": np.full(n, paid),
            "mrr": _cents(mrr), "amount": _cents(amount),
        })

    onboarding = np.where(
        rng.random(n_won) < _P_ONBOARDING[w_segment],
        _ONBOARDING[w_segment, 0]
        + rng.random(n_won) * (_ONBOARDING[w_segment, 1] - _ONBOARDING[w_segment, 0]),
        0.0,
    )
    add(won_acc, w_day, w_channel, w_segment, "new", True, w_mrr, np.round(onboarding, -1))

    # Free trial / freemium before the paid plan (self-serve SMB and mid-market accounts).
    digital = np.isin(w_channel, [CHANNELS.index("SEO"), CHANNELS.index("Ads")])
    trial = digital & (w_segment < 2) & (rng.random(n_won) < 0.30)
    trial_day = _roll(w_day - 7 - np.floor(rng.random(n_won) * 38).astype(np.int64), holidays)
    trial &= trial_day >= start
    zeros = np.zeros(int(trial.sum()))
    add(won_acc[trial], trial_day[trial], w_channel[trial], w_segment[trial], "new", False,
        zeros, zeros)
    # Unpaid proof of concept before an enterprise contract.
    poc = (w_segment == 2) & (rng.random(n_won) < 0.40)
    poc_day = _roll(w_day - 20 - np.floor(rng.random(n_won) * 40).astype(np.int64), holidays)
    poc &= poc_day >= start
    zeros = np.zeros(int(poc.sum()))
    add(won_acc[poc], poc_day[poc], w_channel[poc], w_segment[poc], "new", False, zeros, zeros)

    # Never-paying sign-ups: freemium accounts and POCs that did not convert.
    free_channel = _choice_rows(rng, np.tile([0.50, 0.33, 0.0, 0.10, 0.07], (n_free, 1)))
    free_segment = _choice_rows(rng, np.tile([0.85, 0.12, 0.03], (n_free, 1)))
    free_day = _roll(_uniform_days(rng, np.full(n_free, start), np.full(n_free, end)), holidays)
    free_day = np.minimum(free_day, end)
    zeros = np.zeros(n_free)
    add(free_acc, free_day, free_channel, free_segment, "new", False, zeros, zeros)

    # Annual contracts: renewal at the anniversary, or churn (then maybe a reactivation).
    anniversary = _day_add_months(w_day, 12)
    due = anniversary <= end
    renews = due & (rng.random(n_won) < cfg.renewal_rate)
    price_index = 1.0 + 0.05 * rng.random(n_won)
    add(won_acc[renews], _roll(anniversary[renews], holidays), w_channel[renews],
        w_segment[renews], "renewal", True, w_mrr[renews] * price_index[renews],
        np.zeros(int(renews.sum())))
    churned = due & ~renews
    react_day = _roll(anniversary + 60 + np.floor(rng.random(n_won) * 180).astype(np.int64),
                      holidays)
    react = churned & (rng.random(n_won) < 0.20) & (react_day <= end)
    add(won_acc[react], react_day[react], w_channel[react], w_segment[react], "reactivation",
        True, w_mrr[react] * (0.8 + 0.3 * rng.random(int(react.sum()))),
        np.zeros(int(react.sum())))
    # Expansion happens only while the account is a customer.
    alive_until = np.where(churned, anniversary - 1, end)
    up_day = _roll(w_day + 60 + np.floor(rng.random(n_won) * 360).astype(np.int64), holidays)
    up = (rng.random(n_won) < 0.22) & (up_day <= alive_until)
    add(won_acc[up], up_day[up], w_channel[up], w_segment[up], "upsell", True,
        w_mrr[up] * (0.15 + 0.35 * rng.random(int(up.sum()))), np.zeros(int(up.sum())))
    cross_day = _roll(w_day + 90 + np.floor(rng.random(n_won) * 360).astype(np.int64), holidays)
    cross = (rng.random(n_won) < 0.10) & (cross_day <= alive_until)
    k = int(cross.sum())
    recurring = rng.random(k) < 0.5  # an add-on module, or one-off training/integration
    add(won_acc[cross], cross_day[cross], w_channel[cross], w_segment[cross], "cross_sell", True,
        np.where(recurring, 50 + 250 * rng.random(k), 0.0),
        np.where(recurring, 0.0, np.round(800 + 3200 * rng.random(k), -1)))
    # A subsidiary signing its own contract: a second `new` deal that must not count again.
    second_day = _roll(w_day + 120 + np.floor(rng.random(n_won) * 360).astype(np.int64),
                       holidays)
    second = (w_segment >= 1) & (rng.random(n_won) < 0.04) & (second_day <= alive_until)
    add(won_acc[second], second_day[second], w_channel[second], w_segment[second], "new", True,
        _mrr(rng, w_segment[second]), np.zeros(int(second.sum())))

    cols = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((cols["type"].astype(str), cols["account_id"].astype(str), cols["day"]))
    cols = {key: value[order] for key, value in cols.items()}
    n = len(order)
    deals = pd.DataFrame({
        "deal_id": _ids("D-", np.arange(1, n + 1), 6),
        "account_id": cols["account_id"],
        "won_date": _dates(cols["day"]),
        "channel": np.asarray(CHANNELS, dtype=object)[cols["channel"]],
        "type": cols["type"],
        "paid": cols["paid"].astype(bool),
        "mrr": cols["mrr"],
        "amount": cols["amount"],
        "segment": np.asarray(SEGMENTS, dtype=object)[cols["segment"]],
    })
    registry = {
        "won_acc": won_acc, "won_num": won_num, "free_num": free_num, "free_day": free_day,
        "free_channel": free_channel, "prospect_num": prospect_num, "id_of": id_of,
    }
    return deals, registry


def _day_add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Add calendar months to day numbers (day of month clipped to the month's length)."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    offset = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]").astype(np.int64) + np.minimum(offset, length - 1)


# --- spend -------------------------------------------------------------------------------------

# (item, category, channel or "" for pooled, head count, loaded monthly cost EUR, first month)
_PAYROLL = (
    ("salary SDR", "sales", "Outbound", 2, 4150.0, 0),
    ("salary SDR", "sales", "Outbound", 1, 4150.0, 15),  # hired in the 16th month
    ("salary AE", "sales", "", 3, 5400.0, 0),
    ("salary partner manager", "sales", "Partners", 1, 5000.0, 0),
    ("salary content marketer", "marketing", "SEO", 1, 4300.0, 0),
    ("salary marketing manager", "marketing", "shared", 1, 5400.0, 0),
    ("management - head of sales (time share)", "sales", "", 1, 2800.0, 0),
)
# Monthly subscriptions and retainers: (item, category, channel, EUR per month, day of month).
_MONTHLY = (
    ("CRM subscription", "sales", "shared", 1380.0, 1),
    ("marketing automation subscription", "marketing", "", 720.0, 1),
    ("website hosting and CMS", "marketing", "shared", 240.0, 3),
    ("sales prospecting tool", "sales", "Outbound", 310.0, 2),
    ("data enrichment credits", "sales", "Outbound", 180.0, 12),
    ("SEO agency retainer", "marketing", "SEO", 2400.0, 5),
    ("SEO freelance content", "marketing", "SEO", 900.0, 20),
)


def _spend_part(
    day: np.ndarray, amount: np.ndarray, category: str, channel: str, item: str
) -> pd.DataFrame:
    """A block of ledger lines sharing category, channel and item."""
    n = len(day)
    return pd.DataFrame({
        "date": _dates(day),
        "amount": _cents(amount),
        "category": np.full(n, category, dtype=object),
        "channel": np.full(n, channel if channel else None, dtype=object),
        "item": np.full(n, item, dtype=object),
    })


def _generate_spend(
    rng: np.random.Generator, cfg: CompanyConfig, deals: pd.DataFrame
) -> pd.DataFrame:
    """The cost ledger: payroll, subscriptions, Ads, events, commissions, brand, recruiting."""
    starts, ends, calendar = _months_index(cfg)
    m = np.arange(cfg.months)
    year = m // 12
    raise_ = 1.03**year  # yearly salary and price review every January
    parts: list[pd.DataFrame] = []

    for item, category, channel, heads, cost, first in _PAYROLL:
        # Head counts scale with the company; one ledger line per person and month.
        people = max(1, int(round(heads * cfg.scale)))
        per_head = cost * heads * cfg.scale / people
        months = m[m >= first]
        mm = np.repeat(months, people)
        noise = 1.0 + 0.015 * rng.standard_normal(len(mm))  # leave, bonuses, overtime
        parts.append(_spend_part(ends[mm], per_head * raise_[mm] * noise, category, channel,
                                 item))

    for item, category, channel, cost, dom in _MONTHLY:
        noise = np.where("credits" in item or "freelance" in item,
                         0.7 + 0.6 * rng.random(cfg.months), 1.0)
        parts.append(_spend_part(starts + dom - 1, cost * cfg.scale * raise_ * noise, category,
                                 channel, item))

    # Ads: bidding gets dearer every quarter; spend follows lead seasonality.
    quarter = m // 3
    for item, base in (("Google Ads", 3600.0), ("LinkedIn Ads", 2900.0)):
        amount = (base * cfg.scale * (1 + cfg.ads_inflation) ** quarter
                  * _SEASON[calendar - 1] * (0.9 + 0.2 * rng.random(cfg.months)))
        parts.append(_spend_part(ends, amount, "marketing", "Ads", item))

    holidays = _holidays(cfg)
    shows = _event_days(cfg, holidays)
    k = len(shows)
    grow = 1.0 + 0.06 * np.arange(k)
    for item, category, lo, hi, before in (
        ("event booth", "marketing", 5000.0, 11000.0, 0),
        ("event goodies and print", "marketing", 600.0, 1500.0, 7),
        ("event travel and hotel", "sales", 1200.0, 2600.0, -3),
    ):
        amount = (lo + (hi - lo) * rng.random(k)) * grow * cfg.scale
        parts.append(_spend_part(np.maximum(shows - before, starts[0]), amount, category,
                                 "Events", item))

    # Brand and design agency, quarterly (pooled).
    qm = m[calendar % 3 == 2]
    parts.append(_spend_part(starts[qm] + 14, (3500 + 1000 * rng.random(len(qm))) * cfg.scale,
                             "marketing", "shared", "brand and design agency"))
    # One-off recruiting fee for the extra SDR.
    if cfg.months > 14:
        parts.append(_spend_part(starts[14:15] + 9, np.array([7500.0 * cfg.scale]), "sales", "",
                                 "recruiting fee SDR"))

    # Commissions at each quarter end, on the first-year value of the paid new deals.
    new_paid = deals[(deals["type"] == "new") & deals["paid"]]
    won_day = new_paid["won_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    q_of_deal = _month_of(won_day, starts) // 3
    acv = 12 * new_paid["mrr"].to_numpy()
    n_q = (cfg.months + 2) // 3
    q_end = ends[np.minimum(np.arange(n_q) * 3 + 2, cfg.months - 1)]
    sales_comm = np.bincount(q_of_deal, weights=0.04 * acv, minlength=n_q)
    partner = (new_paid["channel"] == "Partners").to_numpy()
    partner_comm = np.bincount(q_of_deal[partner], weights=0.12 * acv[partner], minlength=n_q)
    parts.append(_spend_part(q_end, sales_comm, "sales", "", "sales commissions"))
    parts.append(_spend_part(q_end, partner_comm, "sales", "Partners", "partner commissions"))

    spend = pd.concat(parts, ignore_index=True)
    spend = spend[spend["amount"] > 0]
    spend = spend.sort_values(["date", "category", "item", "amount"], kind="stable")
    return spend.reset_index(drop=True)


# --- touchpoints -------------------------------------------------------------------------------


def _journeys(
    rng: np.random.Generator, n_touches: np.ndarray, first_day: np.ndarray,
    first_channel: np.ndarray, lo: np.ndarray, hi: np.ndarray, mix: np.ndarray,
    p_same: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Touches of many journeys at once.

    Journey i has ``n_touches[i]`` touches (0 allowed): the first on ``first_day[i]`` through
    ``first_channel[i]``, the others on uniform days in [lo[i], hi[i]] through the same channel
    with probability ``p_same``, else through a channel drawn from ``mix``. Returns the owner
    index (journey) of each touch, its timestamp in seconds since 1970 and its channel index.
    """
    owner = np.repeat(np.arange(len(n_touches)), n_touches)
    starts = np.cumsum(n_touches) - n_touches
    is_first = np.arange(len(owner)) - starts[owner] == 0
    day = np.where(is_first, first_day[owner], _uniform_days(rng, lo[owner], hi[owner]))
    other = _choice_rows(rng, np.broadcast_to(mix, (len(owner), len(mix))))
    same = is_first | (rng.random(len(owner)) < p_same)
    channel = np.where(same, first_channel[owner], other)
    seconds = day * 86_400 + _seconds_of_day(rng, len(owner))
    return owner, seconds, channel


def _generate_company_touchpoints(
    rng: np.random.Generator, cfg: CompanyConfig, leads: dict[str, np.ndarray],
    registry: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Journeys of acquired accounts, never-paying sign-ups and prospects (1 to 8 touches)."""
    start, end = _day(cfg.start_date), _day(cfg.end_date)
    won = leads["_won"]
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # Customers: journeys from ~40 days before the lead up to the signature; 8 % untracked.
    created, w_day = leads["_created"][won], leads["_won_day"][won]
    n = len(created)
    n_pre = np.clip(1 + rng.poisson(2.6, n), 1, 8) * (rng.random(n) >= 0.08)
    lo = np.maximum(created - 40, start)
    first_day = np.maximum(created, start)  # leads of the warm-up are older than the period
    o, s, c = _journeys(rng, n_pre, first_day, leads["_channel"][won], lo, w_day,
                        _TOUCH_MIX_BUYER, 0.40)
    pieces.append((registry["won_num"][o], s, c))
    # A few touches after the acquisition (webinars, retargeting) must not earn credit.
    n_post = np.where((rng.random(n) < 0.15) & (w_day < end) & (n_pre > 0),
                      1 + (rng.random(n) < 0.4), 0)
    post_lo = w_day + 1
    post_hi = np.minimum(w_day + 120, end)
    o, s, c = _journeys(rng, n_post, _uniform_days(rng, post_lo, post_hi),
                        _choice_rows(rng, np.tile(_TOUCH_MIX_BUYER, (n, 1))), post_lo, post_hi,
                        _TOUCH_MIX_BUYER, 0.0)
    pieces.append((registry["won_num"][o], s, c))

    # Never-paying sign-ups: short journeys around the sign-up.
    f_day, f_channel = registry["free_day"], registry["free_channel"]
    nf = len(f_day)
    n_free = np.clip(1 + rng.poisson(1.5, nf), 1, 8)
    o, s, c = _journeys(rng, n_free, f_day, f_channel, np.maximum(f_day - 40, start),
                        np.minimum(f_day + 30, end), _TOUCH_MIX_PROSPECT, 0.45)
    pieces.append((registry["free_num"][o], s, c))

    # Prospects: a sample of the leads that did not sign (lost or still in progress).
    prospects = _prospect_rows(leads, cfg)
    p_created, p_last = leads["_created"][prospects], leads["_last"][prospects]
    n_p = len(p_created)
    n_touch = np.clip(1 + rng.poisson(1.8, n_p), 1, 8)
    o, s, c = _journeys(rng, n_touch, p_created, leads["_channel"][prospects],
                        np.maximum(p_created - 40, start), np.minimum(p_last + 20, end),
                        _TOUCH_MIX_PROSPECT, 0.45)
    pieces.append((registry["prospect_num"][o], s, c))

    account = np.concatenate([p[0] for p in pieces])
    seconds = np.concatenate([p[1] for p in pieces])
    channel = np.concatenate([p[2] for p in pieces])
    # Ids are zero-padded numbers: sorting by number is sorting by id.
    order = np.lexsort((channel, seconds, account))
    return pd.DataFrame({
        "account_id": registry["id_of"][account[order] - 1],
        "timestamp": seconds[order].astype("datetime64[s]").astype("datetime64[ns]"),
        "channel": np.asarray(CHANNELS, dtype=object)[channel[order]],
    })


def _prospect_rows(leads: dict[str, np.ndarray], cfg: CompanyConfig) -> np.ndarray:
    """Indices of the non-won leads that get a prospect account and a journey.

    Every k-th non-won lead (k = 1 / prospect_share), without drawing: the number of prospect
    accounts must be known before the deals stream numbers the accounts.
    """
    not_won = np.flatnonzero(~leads["_won"] & leads["_in"])
    step = max(1, int(round(1 / cfg.prospect_share))) if cfg.prospect_share > 0 else 0
    return not_won[::step] if step else not_won[:0]


# --- revenue ----------------------------------------------------------------------------------
# Customers who will not renew differ in how fast they leave: each one's monthly chance of
# cancelling its plan is Beta(_LEAVE_A, _LEAVE_B) distributed (the heterogeneity the sBG
# model captures); a contract not cancelled earlier ends at its anniversary.
_LEAVE_A, _LEAVE_B = 0.6, 1.6
_P_DOWNGRADE = 0.12  # accounts that remove seats once (a contraction, no deal)


def _month_number(days: np.ndarray, first: np.datetime64) -> np.ndarray:
    """Month number of day numbers, counted from the month of ``first`` (0)."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return (months - first.astype("datetime64[M]")).astype(np.int64)


def _generate_revenue(rng: np.random.Generator, cfg: CompanyConfig, deals: pd.DataFrame
                      ) -> pd.DataFrame:
    """Monthly MRR per paying account, consistent with the deals table.

    An account pays from the month of its first paid ``new`` deal, at that deal's MRR; a
    ``renewal`` sets the MRR from its month on, ``upsell``, recurring ``cross_sell`` and a
    subsidiary's second ``new`` deal add theirs. An account with no renewal at an anniversary
    inside the period, and a share ``1 - renewal_rate`` of those whose anniversary lies beyond
    it, leave: each after a number of months drawn with its own monthly cancellation chance
    (heterogeneous), at the latest at the anniversary, never before its last deal. A
    ``reactivation`` deal brings the account back at its MRR. Some accounts remove seats once
    (a contraction of 10 to 30 %, from a month while they pay). One row per account and month
    with MRR > 0, months written as their first day.
    """
    first = cfg.start_date
    n_months = int(_month_number(np.array([_day(cfg.end_date)]), first)[0]) + 1
    paid = deals[deals["paid"] & (deals["mrr"].fillna(0) > 0)]
    day = (paid["won_date"].to_numpy().astype("datetime64[D]")).astype(np.int64)
    month = _month_number(day, first)
    acquiring = (paid["type"] == "new").to_numpy()
    accounts = paid["account_id"].to_numpy(dtype=object)
    # The acquiring deal: each account's first paid new deal (deals are in date order).
    firsts = pd.Series(np.arange(len(paid)))[acquiring].groupby(accounts[acquiring]).min()
    ids = firsts.index.to_numpy(dtype=object)
    n = len(ids)
    row_of = pd.Series(np.arange(n), index=ids)
    start = month[firsts.to_numpy()]
    cents = np.rint(paid["mrr"].to_numpy(dtype=np.float64) * 100).astype(np.int64)
    col = np.arange(n_months)[None, :]
    base = np.where(col >= start[:, None], cents[firsts.to_numpy()][:, None], 0)
    extra = np.zeros((n, n_months), dtype=np.int64)
    react_month = np.full(n, n_months)
    react_cents = np.zeros(n, dtype=np.int64)
    renewed = np.zeros(n, dtype=bool)
    last_deal = start.copy()
    kinds = paid["type"].to_numpy(dtype=object)
    other = np.ones(len(paid), dtype=bool)
    other[firsts.to_numpy()] = False
    for i in np.flatnonzero(other):  # deals after acquisition: a handful per account
        r, m = int(row_of[accounts[i]]), int(month[i])
        if kinds[i] == "renewal":
            base[r, m:] = cents[i]
            renewed[r] = True
        elif kinds[i] == "reactivation":
            react_month[r], react_cents[r] = m, cents[i]
        else:  # upsell, recurring cross-sell, a subsidiary's own contract
            extra[r, m:] += cents[i]
        if kinds[i] != "reactivation":
            last_deal[r] = max(last_deal[r], m)
    anniversary = start + 12
    due = anniversary < n_months
    leaves = (due & ~renewed) | (~due & (rng.random(n) >= cfg.renewal_rate))
    chance = rng.beta(_LEAVE_A, _LEAVE_B, n)
    tenure = np.minimum(rng.geometric(np.clip(chance, 1e-6, 1.0)), 12)
    gone = np.where(leaves, np.maximum(start + tenure, last_deal + 1), n_months)
    active = ((col >= start[:, None]) & (col < gone[:, None])) | (col >= react_month[:, None])
    downgrade = rng.random(n) < _P_DOWNGRADE
    cut_month = start + 2 + np.floor(rng.random(n) * 20).astype(np.int64)
    cut = 0.70 + 0.20 * rng.random(n)
    factor = np.where(downgrade[:, None] & (col >= cut_month[:, None])
                      & (col < np.minimum(gone, react_month)[:, None]), cut[:, None], 1.0)
    mrr = np.where(col >= react_month[:, None], react_cents[:, None],
                   np.rint((base + extra) * factor).astype(np.int64))
    mrr = np.where(active, mrr, 0)
    rows, cols = np.nonzero(mrr > 0)
    months = (first.astype("datetime64[M]") + cols).astype("datetime64[D]").astype(
        "datetime64[ns]")
    return pd.DataFrame({"account_id": ids[rows], "month": months,
                         "mrr": mrr[rows, cols] / 100}).sort_values(
        ["account_id", "month"], kind="mergesort").reset_index(drop=True)


# --- public API --------------------------------------------------------------------------------


def generate_company(config: CompanyConfig | None = None, **overrides) -> dict[str, pd.DataFrame]:
    """Generate the four contract tables of the sample company.

    ``overrides`` replace fields of ``config`` (or of the default :class:`CompanyConfig`), e.g.
    ``generate_company(scale=10)``. Returns ``{"spend", "deals", "leads", "touchpoints",
    "revenue"}``
    DataFrames with the contract's column names; dates are datetime64[ns] at midnight,
    touchpoint timestamps carry a time of day, money is in EUR rounded to the cent.
    """
    cfg = replace(config or CompanyConfig(), **overrides)
    if cfg.months < 1 or cfg.scale <= 0:
        raise ValueError("months must be >= 1 and scale > 0")
    # One independent stream per table: changing one part leaves the others unchanged.
    # The fifth stream (revenue) came later: spawning five keeps the first four unchanged.
    rng_leads, rng_deals, rng_spend, rng_touch, rng_revenue = (
        np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(5)
    )
    raw = _generate_leads(rng_leads, cfg)
    prospects = _prospect_rows(raw, cfg)
    deals, registry = _generate_deals(rng_deals, cfg, raw, len(prospects))
    spend = _generate_spend(rng_spend, cfg, deals)
    touchpoints = _generate_company_touchpoints(rng_touch, cfg, raw, registry)

    keep = raw["_in"]  # the export holds the leads created in the period
    lead_acc = np.full(len(keep), None, dtype=object)
    lead_acc[raw["_won"]] = registry["won_acc"]
    n = int(keep.sum())
    leads = pd.DataFrame({"lead_id": _ids("L-", np.arange(1, n + 1), 6)})
    for col in COLUMNS["leads"][1:-1]:
        leads[col] = raw[col][keep]
    leads["account_id"] = lead_acc[keep]
    revenue = _generate_revenue(rng_revenue, cfg, deals)
    tables = {"spend": spend, "deals": deals, "leads": leads, "touchpoints": touchpoints,
              "revenue": revenue}
    return {name: _typed(tables[name][COLUMNS[name]]) for name in TABLES}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Give text columns the pandas string dtype (missing values stay missing)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("str")
    return out


def generate_touchpoints(
    n_accounts: int,
    acquired_share: float = 0.3,
    seed: int = 0,
    touches_per_account: float = 5.0,
    channels: Sequence[str] = CHANNELS,
    start: str = "2024-01-01",
    end: str = "2025-12-31",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic journeys for attribution benchmarks.

    Each of ``n_accounts`` accounts gets ``1 + Poisson(touches_per_account - 1)`` touches,
    spaced by exponential gaps (mean 7 days) from a random start inside [start, end]. The
    ``round(acquired_share * n_accounts)`` accounts with the best journeys (channels differ in
    persuasiveness; longer journeys convert more) are acquired on the day of their last touch
    before acquisition (one in ten keeps one or two touches after it). Returns
    ``(touchpoints[account_id, timestamp, channel], acquisitions[account_id, acquired_date,
    channel])``; the acquisition channel is the last pre-acquisition touch's channel (60 %) or
    the first touch's. About 200,000 accounts give about 1,000,000 touchpoints in ~1 s.
    """
    if n_accounts < 0 or not 0 <= acquired_share <= 1 or touches_per_account < 1:
        raise ValueError("need n_accounts >= 0, 0 <= acquired_share <= 1, touches >= 1")
    rng = np.random.default_rng(seed)
    names = np.asarray(list(channels), dtype=object)
    k = len(names)
    lo_day, hi_day = _day(np.datetime64(start, "D")), _day(np.datetime64(end, "D"))

    n_t = 1 + rng.poisson(touches_per_account - 1.0, n_accounts)
    owner = np.repeat(np.arange(n_accounts), n_t)
    first = np.cumsum(n_t) - n_t
    pos = np.arange(len(owner)) - first[owner]
    weights = 1.0 / np.arange(1, k + 1) ** 0.5  # first channels are the busiest
    channel = rng.choice(k, size=len(owner), p=weights / weights.sum())
    lift = np.log(np.linspace(0.6, 1.8, k))[rng.permutation(k)] if k > 1 else np.zeros(1)

    # Timestamps: a random start, then exponential gaps, clipped to the window.
    span = max(hi_day - lo_day - 30, 1)
    t0 = (lo_day + rng.random(n_accounts) * span) * 86_400
    gaps = np.where(pos == 0, 0.0, rng.exponential(7 * 86_400, len(owner)))
    csum = np.cumsum(gaps)
    within = csum - csum[first][owner]
    seconds = np.minimum(t0[owner] + within, (hi_day + 1) * 86_400 - 1).astype(np.int64)

    score = np.bincount(owner, weights=lift[channel], minlength=n_accounts) / np.maximum(n_t, 1)
    score += 0.25 * np.log(n_t) + 0.5 * rng.standard_normal(n_accounts)
    n_acq = int(round(acquired_share * n_accounts))
    acquired = np.zeros(n_accounts, dtype=bool)
    acquired[np.argsort(-score, kind="stable")[:n_acq]] = True

    # The acquisition touch: the last one, or the one before when touches follow it.
    after = acquired & (n_t >= 2) & (rng.random(n_accounts) < 0.1)
    after_n = np.where(after, 1 + ((n_t >= 3) & (rng.random(n_accounts) < 0.3)), 0)
    acq_pos = n_t - 1 - after_n
    acq_touch = first + acq_pos
    acq_day = seconds[acq_touch] // 86_400
    use_last = rng.random(n_accounts) < 0.6
    acq_channel = np.where(use_last, channel[acq_touch], channel[first])

    ids = _ids("A", np.arange(1, n_accounts + 1), 7)
    touchpoints = pd.DataFrame({
        "account_id": pd.array(ids[owner], dtype="str"),
        "timestamp": seconds.astype("datetime64[s]").astype("datetime64[ns]"),
        "channel": pd.array(names[channel], dtype="str"),
    })
    acq = np.flatnonzero(acquired)
    acquisitions = pd.DataFrame({
        "account_id": pd.array(ids[acq], dtype="str"),
        "acquired_date": _dates(acq_day[acq]),
        "channel": pd.array(names[acq_channel[acq]], dtype="str"),
    })
    return touchpoints, acquisitions


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Booleans as ``true``/``false`` so the CSV reads the same in every tool."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = np.where(out[col].to_numpy(), "true", "false")
    return out


def write_company(
    tables: dict[str, pd.DataFrame], folder: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write each table as ``folder/<name>.<fmt>``; returns the written paths.

    ``csv``: ``,`` separator, ``.`` decimal, UTF-8, ``\\n`` line ends, ISO dates (timestamps
    as ``YYYY-MM-DD HH:MM:SS``), floats with two decimals, so equal tables give equal bytes.
    ``xlsx``: one sheet per file (at most 1,048,575 rows). ``parquet``: via pyarrow.
    """
    if fmt not in ("csv", "xlsx", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use csv, xlsx or parquet")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name in TABLES:
        if name not in tables:
            continue
        df = tables[name]
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            with_time = name == "touchpoints"
            _csv_frame(df).to_csv(
                path, index=False, float_format="%.2f", lineterminator="\n", encoding="utf-8",
                date_format="%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d",
            )
        elif fmt == "xlsx":
            if len(df) > _EXCEL_MAX_ROWS:
                raise ValueError(f"{name}: {len(df)} rows do not fit in one Excel sheet")
            df.to_excel(path, index=False, sheet_name=name, engine="openpyxl")
        else:
            df.to_parquet(path, index=False, engine="pyarrow")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m cac_toolkit.data.generator OUT_DIR [--scale] [--seed]``."""
    parser = argparse.ArgumentParser(
        prog="python -m cac_toolkit.data.generator",
        description="Generate the sample B2B SaaS company (spend, deals, leads, touchpoints).",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the tables to")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1.0)")
    parser.add_argument("--seed", type=int, default=CompanyConfig.seed, help="random seed")
    parser.add_argument("--start", default=CompanyConfig.start, help="first day (ISO)")
    parser.add_argument("--months", type=int, default=CompanyConfig.months, help="length")
    parser.add_argument("--format", dest="fmt", choices=("csv", "xlsx", "parquet"),
                        default="csv")
    args = parser.parse_args(argv)
    tables = generate_company(seed=args.seed, scale=args.scale, start=args.start,
                              months=args.months)
    for path in write_company(tables, args.out_dir, args.fmt):
        table = tables[path.stem]
        print(f"{path}\t{len(table)} rows", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
