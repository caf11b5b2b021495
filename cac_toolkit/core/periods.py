"""Analysis periods: inclusive day ranges, with the previous and next period of equal length."""

from __future__ import annotations

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
