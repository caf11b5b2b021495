"""Analysis periods: inclusive day ranges, with the previous and next period of equal length."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar days ``[start, end]``."""

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())
        object.__setattr__(self, "end", pd.Timestamp(self.end).normalize())
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end.date()}) before it starts "
                             f"({self.start.date()})")

    @property
    def days(self) -> int:
        """Length in days, both ends included."""
        return int((self.end - self.start).days) + 1

    def previous(self) -> Period:
        """The period of the same number of days that ends the day before this one starts."""
        end = self.start - pd.Timedelta(days=1)
        return Period(end - pd.Timedelta(days=self.days - 1), end)

    def next(self) -> Period:
        """The period of the same number of days that starts the day after this one ends."""
        start = self.end + pd.Timedelta(days=1)
        return Period(start, start + pd.Timedelta(days=self.days - 1))

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask: which ``dates`` fall on a day of the period (time of day ignored)."""
        days = pd.to_datetime(dates).dt.normalize()
        return (days >= self.start) & (days <= self.end)

    def label(self) -> str:
        return f"{self.start.date()} to {self.end.date()}"

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.date().isoformat(), "end": self.end.date().isoformat()}


def calendar_unit(period: Period) -> str | None:
    """``"Q"``, ``"M"`` or ``"Y"`` when ``period`` is exactly one calendar quarter, month or
    year (checked in that order), else ``None``."""
    for freq in ("Q", "M", "Y"):
        unit = period.start.to_period(freq)
        if period.start == unit.start_time and period.end == unit.end_time.normalize():
            return freq
    return None


def history_periods(period: Period, count: int) -> list[Period]:
    """``period`` and the ``count - 1`` periods before it, oldest first.

    A calendar quarter (month, year) steps back by calendar quarters (months, years), so the
    trend reads Q1, Q2, Q3, Q4 even though quarters differ by a day or two; any other period
    steps back by its own length in days (:meth:`Period.previous`).
    """
    if count < 1:
        raise ValueError("quarters must be at least 1")
    freq = calendar_unit(period)
    out = [period]
    for _ in range(count - 1):
        if freq is None:
            out.insert(0, out[0].previous())
        else:
            before = (out[0].start - pd.Timedelta(days=1)).to_period(freq)
            out.insert(0, Period(before.start_time, before.end_time.normalize()))
    return out


def previous_periods(period: Period, count: int, compare_to: str = "previous") -> list[Period]:
    """``period`` and the ``count - 1`` periods before it, oldest first, each the comparison
    period (:func:`comparison_period`, ``compare_to``) of the one after it.

    So the row just before the audited period is always the KPI file's ``previous`` period:
    with ``previous`` (the contract's default), 2025 is compared with 2024-01-02 to
    2024-12-31 (365 days: 2024 is a leap year); with ``previous_calendar``, with 2024.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    out = [period]
    for _ in range(count - 1):
        out.insert(0, comparison_period(out[0], compare_to))
    return out


def on_calendar_boundaries(period: Period) -> bool:
    """Whether ``period`` is a whole calendar month, quarter or year (or a run of them)."""
    start, end = period.start, period.end
    return start.day == 1 and (end + pd.Timedelta(days=1)).day == 1


def quarter_of(day: pd.Timestamp) -> Period:
    """The calendar quarter containing ``day``."""
    q = pd.Timestamp(day).to_period("Q")
    return Period(q.start_time, q.end_time.normalize())


def last_complete_quarter(last_day: pd.Timestamp) -> Period:
    """The last calendar quarter that ends on or before ``last_day``."""
    q = quarter_of(last_day)
    if q.end <= pd.Timestamp(last_day).normalize():
        return q
    return quarter_of(q.start - pd.Timedelta(days=1))


def monthly_periods(period: Period) -> list[Period]:
    """The calendar months overlapping ``period``, clipped to it."""
    months = pd.period_range(period.start, period.end, freq="M")
    return [Period(max(m.start_time, period.start), min(m.end_time.normalize(), period.end))
            for m in months]


_CALENDAR = re.compile(r"^\s*([0-9]{4})(?:-(Q[1-4]|H[12]|[0-9]{1,2}))?\s*$", re.IGNORECASE)
COMPARISONS = ("previous", "previous_calendar", "year_ago")


def calendar_period(label: str) -> Period:
    """The period a calendar label names: ``2026-Q1``, ``2026-03``, ``2026-H1`` or ``2026``.

    Raises ``ValueError`` for any other text.
    """
    match = _CALENDAR.match(str(label))
    if not match:
        raise ValueError(f"not a calendar period: {label!r}")
    year, part = int(match[1]), (match[2] or "").upper()
    if not part:
        return Period(pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31))
    if part.startswith("Q"):
        q = pd.Period(f"{year}Q{part[1]}", freq="Q")
        return Period(q.start_time, q.end_time.normalize())
    if part.startswith("H"):
        first = 1 if part == "H1" else 7
        return Period(pd.Timestamp(year, first, 1),
                      pd.Timestamp(year, first + 5, 1) + pd.offsets.MonthEnd(0))
    month = int(part)
    if not 1 <= month <= 12:
        raise ValueError(f"not a calendar period: {label!r}")
    m = pd.Period(f"{year}-{month:02d}", freq="M")
    return Period(m.start_time, m.end_time.normalize())


def calendar_kind(period: Period) -> str | None:
    """``year``, ``half``, ``quarter`` or ``month`` when the period is exactly one, else None."""
    start, end = period.start, period.end
    if start.day != 1 or end != (end + pd.offsets.MonthEnd(0)).normalize():
        return None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    kinds = {12: ("year", 1), 6: ("half", 6), 3: ("quarter", 3), 1: ("month", 1)}
    if months in kinds and (start.month - 1) % kinds[months][1] == 0:
        return kinds[months][0]
    return None


def year_ago(period: Period) -> Period:
    """The same dates one year earlier (29 February becomes 28 February)."""
    def back(day: pd.Timestamp) -> pd.Timestamp:
        return day - pd.DateOffset(years=1)

    return Period(back(period.start), back(period.end))


def previous_calendar(period: Period) -> Period:
    """The calendar period of the same kind just before (Q4 2025 for Q1 2026, 2025 for 2026,
    H2 2025 for H1 2026, February for March). Raises ``ValueError`` when ``period`` is not a
    calendar month, quarter, half-year or year."""
    kind = calendar_kind(period)
    if kind is None:
        raise ValueError("not a calendar month, quarter, half-year or year")
    months = {"year": 12, "half": 6, "quarter": 3, "month": 1}[kind]
    start = period.start - pd.DateOffset(months=months)
    return Period(start, period.start - pd.Timedelta(days=1))


def comparison_period(period: Period, compare_to: str) -> Period:
    """The period ``previous`` figures are computed for: ``previous`` (equal length, just
    before), ``previous_calendar`` or ``year_ago``."""
    if compare_to == "previous":
        return period.previous()
    if compare_to == "previous_calendar":
        return previous_calendar(period)
    if compare_to == "year_ago":
        return year_ago(period)
    raise ValueError(f"compare_to must be one of {', '.join(COMPARISONS)}")
