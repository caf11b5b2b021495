"""The audit's parameters: one definition shared by the CLI, Python and the audit notebook.

Names are fixed by the data contract (``period_start``, ``period_end``, ``gross_margin``,
``lifetime_months`` or ``monthly_churn``, ``allocation_key``, ``attribution_model``,
``lang``, ``currency``, ``sector``, ``period`` and ``compare_to``, and for measured
retention ``ltv_horizon_months`` and ``discount_rate``); ``half_life_days`` and
``markov_order`` tune two attribution models, and ``bootstrap_samples`` sets the size of the
bootstrap behind the 90 % intervals. ``period`` (``2026-Q1``, ``2026-03``, ``2026-H1``,
``2026``) sets ``period_start`` and ``period_end``; ``compare_to`` says which period the
``previous`` figures cover. ``engine`` and ``spark_master`` say where the row selection of
large tables runs (see :mod:`cac_toolkit.audit.engines`); they are execution settings, not
figure parameters, so :meth:`AuditParameters.as_dict` (the KPI file's ``parameters``) leaves
them out and the KPI file is the same, byte for byte, whatever the engine. Values arrive as
text from ``-p NAME VALUE`` and from papermill, so
:meth:`AuditParameters.from_mapping` parses and checks them, one clear error per mistake.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cac_toolkit.core.errors import ParameterError
from cac_toolkit.core.periods import (
    COMPARISONS,
    Period,
    calendar_period,
    comparison_period,
    last_complete_quarter,
)
from cac_toolkit.figures.targets import SECTOR_CAC_RANGES

ALLOCATION_KEYS = ("new_customers", "opportunities", "pipeline")
ATTRIBUTION_MODELS = ("deal", "first_touch", "last_touch", "linear", "time_decay",
                      "position_based", "markov", "shapley")
LANGS = ("en", "fr")
#: The longest customer lifetime accepted, in months (100 years): beyond it an LTV is no
#: longer a figure anyone can act on, and amounts soon exceed what cents can represent.
MAX_LIFETIME_MONTHS = 1200.0
#: The smallest monthly churn accepted (a lifetime of 1,000 months).
MIN_MONTHLY_CHURN = 0.001
#: Attribution half-lives accepted, in days.
HALF_LIFE_DAYS = (0.01, 3650.0)
#: Years a period may start and end in: the years the loader accepts in the data.
PERIOD_YEARS = (1990, 2100)
ENGINES = ("pandas", "duckdb", "spark")
#: Execution settings: they change where the work runs, never a figure.
EXECUTION_SETTINGS = ("engine", "spark_master")


@dataclass(frozen=True)
class AuditParameters:
    """Parameters of one audit. ``None`` for the period means the last complete quarter."""

    period_start: str | None = None
    period_end: str | None = None
    gross_margin: float | None = None
    lifetime_months: float | None = None
    monthly_churn: float | None = None
    allocation_key: str = "new_customers"
    attribution_model: str = "deal"
    lang: str = "en"
    currency: str = "EUR"
    sector: str = "saas"
    half_life_days: float = 7.0
    markov_order: int = 1
    period: str | None = None  # a calendar period (2026-Q1): sets period_start/end
    compare_to: str = "previous"
    ltv_horizon_months: int = 60
    discount_rate: float | None = None
    bootstrap_samples: int = 1000
    engine: str = "pandas"
    spark_master: str = "local[*]"

    def __post_init__(self) -> None:
        _check_choice("engine", self.engine, ENGINES)
        if not (isinstance(self.spark_master, str) and self.spark_master.strip()):
            raise ParameterError("spark_master", "a Spark master URL such as local[*] or "
                                 "spark://host:7077", self.spark_master)
        _check_choice("allocation_key", self.allocation_key, ALLOCATION_KEYS)
        _check_choice("attribution_model", self.attribution_model, ATTRIBUTION_MODELS)
        _check_choice("lang", self.lang, LANGS)
        _check_choice("sector", self.sector, tuple(SECTOR_CAC_RANGES))
        if not (isinstance(self.currency, str) and self.currency.isalpha()
                and len(self.currency) == 3):
            raise ParameterError("currency", "a three-letter code such as EUR", self.currency)
        if self.gross_margin is not None and not 0 <= self.gross_margin <= 1:
            raise ParameterError("gross_margin", "a share between 0 and 1 (0.7 for 70 %)",
                                 self.gross_margin)
        if self.lifetime_months is not None and self.monthly_churn is not None:
            raise ParameterError("monthly_churn", "either lifetime_months or monthly_churn, "
                                 "not both", self.monthly_churn)
        if self.lifetime_months is not None and not (
                0 < self.lifetime_months <= MAX_LIFETIME_MONTHS):
            raise ParameterError("lifetime_months", "a number of months > 0 and at most "
                                 f"{MAX_LIFETIME_MONTHS:g}", self.lifetime_months)
        if self.monthly_churn is not None and not MIN_MONTHLY_CHURN <= self.monthly_churn <= 1:
            raise ParameterError("monthly_churn", f"a monthly share between {MIN_MONTHLY_CHURN:g}"
                                 " and 1 (0.02 for 2 %)", self.monthly_churn)
        if not HALF_LIFE_DAYS[0] <= self.half_life_days <= HALF_LIFE_DAYS[1]:
            raise ParameterError("half_life_days", f"a number of days between "
                                 f"{HALF_LIFE_DAYS[0]:g} and {HALF_LIFE_DAYS[1]:g}",
                                 self.half_life_days)
        if self.markov_order not in (1, 2, 3):
            raise ParameterError("markov_order", "1, 2 or 3", self.markov_order)
        if not (isinstance(self.ltv_horizon_months, int) and 1 <= self.ltv_horizon_months
                <= 600):
            raise ParameterError("ltv_horizon_months", "a whole number of months from 1 to "
                                 "600", self.ltv_horizon_months)
        if self.discount_rate is not None and not 0 <= self.discount_rate < 1:
            raise ParameterError("discount_rate", "an annual rate between 0 and 1 (0.10 for "
                                 "10 %)", self.discount_rate)
        if not (isinstance(self.bootstrap_samples, int) and (self.bootstrap_samples == 0
                                                             or 100 <= self.bootstrap_samples
                                                             <= 100_000)):
            raise ParameterError("bootstrap_samples", "0 (no intervals) or a whole number "
                                 "from 100 to 100000", self.bootstrap_samples)
        _check_choice("compare_to", self.compare_to, COMPARISONS)
        if self.period is not None:
            self._set_calendar_period()
        if (self.period_start is None) != (self.period_end is None):
            raise ParameterError("period_end" if self.period_end is None else "period_start",
                                 "both period_start and period_end, or neither", None)
        if self.period_start is not None:
            self.audited_period()  # raises on a bad date or an inverted period

    @property
    def lifetime(self) -> float | None:
        """Customer lifetime in months: ``lifetime_months``, or ``1 / monthly_churn``."""
        if self.lifetime_months is not None:
            return float(self.lifetime_months)
        if self.monthly_churn is not None:
            return 1.0 / float(self.monthly_churn)
        return None

    def _set_calendar_period(self) -> None:
        """``period`` (``2026-Q1``, ``2026-03``, ``2026-H1``, ``2026``) sets the dates."""
        try:
            dates = calendar_period(str(self.period))
        except ValueError:
            raise ParameterError("period", "a calendar period such as 2026-Q1, 2026-03, "
                                 "2026-H1 or 2026", self.period) from None
        start, end = dates.start.date().isoformat(), dates.end.date().isoformat()
        for name, value in (("period_start", start), ("period_end", end)):
            given = getattr(self, name)
            if given is not None and _parse_date(name, given).date().isoformat() != value:
                raise ParameterError(name, f"either period ({self.period}: {start} to "
                                     f"{end}) or period_start and period_end", given)
        object.__setattr__(self, "period", str(self.period).strip().upper())
        object.__setattr__(self, "period_start", start)
        object.__setattr__(self, "period_end", end)

    def comparison(self, period: Period) -> Period:
        """The period of the ``previous`` figures, as ``compare_to`` says: ``previous``
        (equal length, just before), ``previous_calendar`` (Q4 2025 for Q1 2026) or
        ``year_ago`` (the same dates a year before)."""
        try:
            return comparison_period(period, self.compare_to)
        except ValueError:
            raise ParameterError("compare_to", "previous or year_ago for a period that is "
                                 "not a calendar month, quarter, half-year or year "
                                 f"({period.label()})", self.compare_to) from None

    def audited_period(self, last_data_day: pd.Timestamp | None = None) -> Period:
        """The audited period; by default the last complete quarter before ``last_data_day``."""
        if self.period_start is None:
            if last_data_day is None:
                raise ParameterError("period_start", "a date (no data to pick a default from)",
                                     None)
            return last_complete_quarter(last_data_day)
        start = _parse_date("period_start", self.period_start)
        end = _parse_date("period_end", self.period_end)
        if end < start:
            raise ParameterError("period_end", f"a date on or after period_start "
                                 f"({start.date()})", self.period_end)
        return Period(start, end)

    def as_dict(self) -> dict[str, object]:
        """The figure parameters (what the KPI file records): every field but the engine's."""
        values = dataclasses.asdict(self)
        for name in EXECUTION_SETTINGS:
            del values[name]
        return values

    def all_values(self) -> dict[str, object]:
        """Every field, execution settings included (what the audit notebook receives)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> AuditParameters:
        """Build from text or typed values (CLI ``-p``, papermill, YAML), checking names."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, object] = {}
        for name, value in values.items():
            if name not in fields:
                raise ParameterError(name, "one of " + ", ".join(fields), value)
            kwargs[name] = _convert(name, value, fields[name].type)
        try:
            return cls(**kwargs)
        except ParameterError as exc:  # quote the value as the user typed it, not as parsed
            if exc.name in values and exc.got is not None:
                raise ParameterError(exc.name, exc.expected, values[exc.name]) from None
            raise


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ParameterError(name, "one of " + ", ".join(choices), value)


def _parse_date(name: str, value: object) -> pd.Timestamp:
    """A period bound: ``2026-01-01`` or ``01/01/2026``, in the years :data:`PERIOD_YEARS`."""
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            stamp = pd.Timestamp(pd.to_datetime(text, format=fmt))
        except (ValueError, TypeError, OverflowError):
            continue
        if not PERIOD_YEARS[0] <= stamp.year <= PERIOD_YEARS[1]:
            raise ParameterError(name, f"a date between {PERIOD_YEARS[0]}-01-01 and "
                                 f"{PERIOD_YEARS[1]}-12-31", value)
        return stamp
    raise ParameterError(name, "a date such as 2026-01-01 or 01/01/2026", value)


def _convert(name: str, value: object, annotation: object) -> object:
    """Turn a parameter's text into its type; empty text and ``none`` mean ``None``."""
    text = str(annotation)
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none",
                                                                               "null")):
        if "None" in text:
            return None
        raise ParameterError(name, "a value", value)
    if "float" in text or "int" in text:
        if isinstance(value, bool):
            raise ParameterError(name, "a number", value)
        try:
            number = float(str(value).strip().replace(",", ".").rstrip("%"))
        except ValueError:
            raise ParameterError(name, "a number", value) from None
        if isinstance(value, str) and value.strip().endswith("%"):
            number /= 100
        if not math.isfinite(number):
            raise ParameterError(name, "a finite number", value)
        if text.startswith("int"):
            if not number.is_integer():
                raise ParameterError(name, "a whole number", value)
            return int(number)
        return number
    if name in ("period_start", "period_end"):
        if hasattr(value, "isoformat"):
            return value.isoformat()[:10]
        return _parse_date(name, value).date().isoformat()
    if name == "currency":
        return str(value).strip().upper()
    return str(value).strip()
