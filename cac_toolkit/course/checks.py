"""Automatic feedback for the course exercises (``exercises/`` and ``solutions/``).

Every check is a **declaration** (:class:`Check`): the question, the name of the answer, the task
and the hint, and a function that computes, from the same data as the learner, the
:class:`Expected` answer: its value, how it is formatted, the figures it is built from
(``parts``) and the typical mistakes, each recomputed (:class:`Mistake`: dividing the sales spend
only, counting renewals or free sign-ups as customers, dividing by the wrong funnel stage,
averaging monthly CACs...). One engine (:func:`run`) reads any declaration and prints what is
right, what is off and a hint, and returns a :class:`Feedback`; ``check_<name>(answer)`` is the
declaration made callable. A blank answer (``None``) prints a friendly "Not done yet" and never
raises, so a blank exercise notebook runs from top to bottom.

The feedback teaches without giving the answer away: apart from a correct answer, no message
prints the expected value or the figures it is built from. "Almost" says how close the answer is
and in which direction; a mistake message names the mistake. Common slips are recognised: a
percentage typed for a share (26.5 for 26.5 %), a margin typed as a whole number (78 for 78 %),
a name in the wrong case ('outbound').

The exercises use their own company (``data/exercise_company``: the generator of the sample
company with another seed), over other quarters than the course, and made-up unit economics,
so that answers must be computed rather than copied: no lesson prints an exercise's expected
value (``tests/test_course_leaks.py`` compares them with every lesson's outputs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.errors import CacToolkitError
from cac_toolkit.core.money import allocate
from cac_toolkit.core.notes import Notes as _Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.core.resources import data_path
from cac_toolkit.course import capstone
from cac_toolkit.course.levers import (
    DIGITAL_CHANNEL,
    REFERRAL_SHARE,
    REFERRAL_TIMES_CHEAPER,
    blended_cac,
    referral_blended_cac,
)
from cac_toolkit.data.loading import AuditData, load_folder
from cac_toolkit.figures import attribution, formulas, retention, targets
from cac_toolkit.figures.cohorts import lead_cohorts, monthly_cac
from cac_toolkit.figures.counting import acquisitions, acquisitions_in
from cac_toolkit.figures.formulas import channel_cac, ltv_from_churn, ltv_from_revenue
from cac_toolkit.figures.funnel import funnel_by, funnel_kpis

# ------------------------------------------------------------------------ exercise settings

#: Periods of the exercises (the course itself audits the last quarter of 2025).
Q1_2025 = ("2025-01-01", "2025-03-31")
Q2_2025 = ("2025-04-01", "2025-06-30")
Q3_2025 = ("2025-07-01", "2025-09-30")
H1_2025 = ("2025-01-01", "2025-06-30")
MARCH_2025 = ("2025-03-01", "2025-03-31")

#: Exercise 3: a made-up subscription business (not the course's 200 / 70 % / 30 months).
EX3 = {"mrr": 180.0, "gross_margin": 0.75, "lifetime_months": 40.0, "cac": 1_650.0,
       "churn_margin": 0.78, "monthly_churn": 0.025, "target_ratio": 3.0}
#: Exercise 6: the referral programme of the CAC article (15 % of the new customers after six
#: months, at a CAC five times lower than the digital campaigns') and its 30/50/20 mix.
EX6 = {"referral_share": REFERRAL_SHARE, "cost_ratio": REFERRAL_TIMES_CHEAPER,
       "digital_channel": DIGITAL_CHANNEL,
       "mix": {"SEO": 0.30, "Ads": 0.50, "Outbound": 0.20}}
#: Exercise 5: the parameters used for the margin multiple.
EX5 = {"gross_margin": 0.78, "lifetime_months": 36.0}

STATUSES = ("not_done", "correct", "close", "wrong", "invalid")


# --------------------------------------------------------------------------------- feedback


@dataclass
class Feedback:
    """The verdict on one answer: ``status`` (one of :data:`STATUSES`) and the lines printed.

    ``ok`` is true for a correct answer. The feedback is printed when the check runs, so the
    object shows nothing more in a notebook (displaying it again would repeat the text).
    """

    question: str
    status: str
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    @property
    def text(self) -> str:
        head = {
            "not_done": "Not done yet",
            "correct": "Correct",
            "close": "Almost",
            "wrong": "Not yet right",
            "invalid": "Not the expected kind of answer",
        }[self.status]
        return "\n".join([f"{self.question}: {head}.", *[f"  {line}" for line in self.lines]])

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Feedback(question={self.question!r}, status={self.status!r})"

    def _ipython_display_(self) -> None:
        """Already printed by the check: show nothing more."""


RIGHT, OFF, HINT = "✓", "✗", "Hint:"


# ----------------------------------------------------------------------------- formatting


def money(value: float) -> str:
    """``1,906.94``: an amount to the cent with thousands separators (no currency sign)."""
    return f"{value:,.2f}"


def share(value: float) -> str:
    """``48.21 % (0.4821)``: a ratio as a percentage and as the share it is."""
    return f"{value:.2%} ({value:.4f})".replace("%", " %")


def rate(value: float) -> str:
    """``0.992 % (0.009921)``: a small monthly rate (a churn), to three decimals of a percent."""
    return f"{value:.3%} ({value:.6f})".replace("%", " %")


def days(value: float) -> str:
    """``41.5 days``: a duration in days, to the tenth."""
    return f"{value:,.1f} days"


def months(value: float) -> str:
    """``9.26 months``: a duration in months, to the hundredth."""
    return f"{value:,.2f} months"


def count(value: float) -> str:
    """``76``: a whole number."""
    return f"{value:,.0f}"


def plain(value: float) -> str:
    """``3.2727``: a ratio or multiple, to 4 decimals."""
    return f"{value:,.4f}"


def names(values: object) -> str:
    """``{Alice, Bob}``: a set of names, sorted, as a reader writes it (``{}`` when empty)."""
    if isinstance(values, str):
        return repr(values)
    if isinstance(values, set | frozenset | list | tuple):
        return "{" + ", ".join(sorted(str(v) for v in values)) + "}"
    return repr(values)


#: How close counts as exact, per kind: money to the cent, shares to 4 decimals.
_EXACT = {money: 0.0051, share: 0.00006, rate: 0.0000006, days: 0.051, months: 0.0051,
          count: 0.01, plain: 0.00006}
_CLOSE = 0.005  # relative: within 0.5 % is "almost" (a rounding, a slightly different filter)


def _as_number(answer: object) -> float | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int | float | np.integer | np.floating):
        return float(answer)
    if isinstance(answer, np.ndarray) and answer.size == 1:
        return float(answer.reshape(-1)[0])
    return None


def _kind_of(answer: object) -> str:
    if isinstance(answer, pd.Series):
        return f"a pandas Series of {len(answer)} values"
    if isinstance(answer, pd.DataFrame):
        return f"a DataFrame of {answer.shape[0]} rows"
    if isinstance(answer, Mapping):
        return f"a dict of {len(answer)} keys"
    if isinstance(answer, str):
        return f"the text {answer!r}"
    return f"a {type(answer).__name__}"


def _same(a: float, b: float, fmt: Callable[[float], str]) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= max(
        _EXACT[fmt], 1e-9 * abs(b))


def _near(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= _CLOSE * abs(b)


def how_close(value: float, expected: float) -> str:
    """``0.3 % above``: how far an answer is from the expected figure, and in which direction.

    Relative gap ``|value / expected - 1|`` in percent, to one decimal ("less than 0.1 %" below
    that, so the expected figure cannot be worked back to the cent), followed by ``above`` or
    ``below``. Never prints the expected figure.
    """
    if not expected:
        return "above" if value > expected else "below"
    gap = abs(value / expected - 1)
    size = "less than 0.1 %" if gap < 0.001 else f"{gap:.1%}".replace("%", " %")
    side = "above" if value > expected else "below"
    return f"{size} {side}"


# ---------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Mistake:
    """A wrong figure we know how to explain: ``value`` is what that mistake gives.

    ``value`` is a number, a dict of numbers (one per key) or, for a choice, the wrong choice.
    """

    value: object
    why: str


@dataclass(frozen=True)
class Expected:
    """What a check expects, computed from the data: the answer and what goes wrong.

    ``kind`` is ``"number"``, ``"mapping"`` (one number per key) or ``"choice"`` (a name, a set
    of names, a yes/no, a pair of verdicts). ``right`` is printed only for a correct answer (it
    may show the figures); ``parts`` are the figures the answer is built from, never printed
    otherwise. ``notes`` may add lines on a wrong mapping as a whole; ``align`` may rewrite the
    answer before it is compared (months keyed differently), or raise ``TypeError`` or
    ``ValueError`` naming what is wrong with its shape; ``normalise`` turns a choice into a
    comparable value (raising ``TypeError`` or ``ValueError`` with a message for a wrong kind);
    ``review`` may explain, line by line, a wrong choice that no single mistake covers (the
    capstone's several traps at once).
    """

    kind: str
    value: object
    right: str
    mistakes: tuple[Mistake, ...] = ()
    fmt: Callable[[float], str] = money
    what: str = "answer"
    parts: tuple[float, ...] = ()
    notes: Callable[[dict[str, float]], list[str]] | None = None
    align: Callable[[object], object] | None = None
    normalise: Callable[[object], object] | None = None
    show: Callable[[object], str] = names
    review: Callable[[object], list[str]] | None = None


@dataclass(frozen=True)
class Check:
    """One exercise question, declared: its words, and how its expected answer is computed."""

    key: str
    question: str
    name: str
    task: str
    hint: str
    expect: Callable[[], Expected]
    doc: str = ""

    def __call__(self, answer: object) -> Feedback:
        return run(self, answer)

    @property
    def __name__(self) -> str:  # noqa: PLW3201 - read like a function's name
        return f"check_{self.key}"


def _emit(feedback: Feedback) -> Feedback:
    print(feedback.text)
    return feedback


def _invalid(question: str, message: str, hint: str) -> Feedback:
    return _emit(Feedback(question, "invalid", [f"{OFF} {message}", f"{HINT} {hint}"]))


def run(check: Check, answer: object) -> Feedback:
    """The one engine: read ``answer`` against the declaration ``check`` and print feedback."""
    if answer is None:
        task = check.task[0].upper() + check.task[1:]
        return _emit(Feedback(check.question, "not_done", [f"{task} Then run this cell again.",
                                                           f"{HINT} {check.hint}"]))
    expected = check.expect()
    if expected.align is not None:
        try:
            answer = expected.align(answer)
        except (TypeError, ValueError) as error:  # a shape the check names (its own words)
            return _invalid(check.question, f"`{check.name}`: {error}", check.hint)
    if expected.kind == "number":
        return _emit(_number(check, answer, expected))
    if expected.kind == "mapping":
        return _emit(_mapping(check, answer, expected))
    return _emit(_choice(check, answer, expected))


def _number(check: Check, answer: object, spec: Expected) -> Feedback:
    """Feedback on a single number."""
    question, hint, fmt, what = check.question, check.hint, spec.fmt, spec.what
    expected = float(spec.value)  # type: ignore[arg-type]
    value = _as_number(answer)
    if value is None:
        return Feedback(question, "invalid", [
            f"{OFF} `{check.name}` should be a single number ({what}); it is "
            f"{_kind_of(answer)}.", f"{HINT} {hint}"])
    if math.isnan(value):
        return Feedback(question, "invalid", [
            f"{OFF} `{check.name}` is NaN: a division by zero or an empty selection upstream?",
            f"{HINT} {hint}"])
    if _same(value, expected, fmt):
        return Feedback(question, "correct", [f"{RIGHT} {fmt(expected)}: {spec.right}"])
    for mistake in spec.mistakes:
        known = float(mistake.value)  # type: ignore[arg-type]
        if not _same(known, expected, fmt) and _same(value, known, fmt):
            return Feedback(question, "wrong", [f"{OFF} your {what} is {fmt(value)}: "
                                                f"{mistake.why}", f"{HINT} {hint}"])
    if (fmt is share and 1 < abs(value) <= 100 or fmt is rate) and (
            _same(value / 100, expected, fmt) or _near(value / 100, expected)):
        return Feedback(question, "close", [
            f"{OFF} you gave {value:g}, a percentage: give a share between 0 and 1 "
            "(the percentage divided by 100), not a percentage.", f"{HINT} {hint}"])
    if fmt not in (share, rate) and expected and _near(value / 100, expected):
        return Feedback(question, "wrong", [
            f"{OFF} your {what} is 100 times too large: a percentage typed as a whole number "
            "(78 for a 78 % margin)? Use shares: 0.78.", f"{HINT} {hint}"])
    if _near(value, expected):
        return Feedback(question, "close", [
            f"{OFF} your {what} is {fmt(value)}, {how_close(value, expected)} the expected "
            "figure: a rounding, or a row or two selected differently?", f"{HINT} {hint}"])
    side = "too high" if value > expected else "too low"
    return Feedback(question, "wrong", [
        f"{OFF} your {what} is {fmt(value)}, {side}; it does not match the expected figure nor "
        "a mistake I know.", f"{HINT} {hint}"])


def _as_mapping(answer: object) -> dict[str, object] | None:
    if isinstance(answer, pd.Series):
        return {str(k): v for k, v in answer.items()}
    if isinstance(answer, Mapping):
        return {str(k): v for k, v in answer.items()}
    return None


def _mapping(check: Check, answer: object, spec: Expected) -> Feedback:
    """Feedback on one number per key (per channel, per category)."""
    question, hint, fmt, name = check.question, check.hint, spec.fmt, check.name
    expected: dict[str, float] = {k: float(v) for k, v in spec.value.items()}  # type: ignore[union-attr]
    given = _as_mapping(answer)
    keys = list(expected)
    if given is None:
        total = _as_number(answer)
        extra = ""
        if total is not None and _same(total, float(sum(expected.values())), fmt):
            extra = " (it equals the total of the expected values: keep them apart)"
        return Feedback(question, "invalid", [
            f"{OFF} `{name}` should give one number per key ({', '.join(keys)}); it is "
            f"{_kind_of(answer)}{extra}.", f"{HINT} {hint}"])
    missing = [k for k in keys if k not in given]
    if missing:
        return Feedback(question, "invalid", [
            f"{OFF} `{name}` has no value for {', '.join(missing)}; expected keys: "
            f"{', '.join(keys)}.", f"{HINT} {hint}"])
    values = {k: _as_number(given[k]) for k in keys}
    bad_type = [k for k, v in values.items() if v is None]
    if bad_type:
        return Feedback(question, "invalid", [
            f"{OFF} the value for {bad_type[0]} is {_kind_of(given[bad_type[0]])}, not a "
            "number.", f"{HINT} {hint}"])
    numbers: dict[str, float] = {k: float(v) for k, v in values.items()}  # type: ignore[arg-type]
    wrong = [k for k in keys if not _same(numbers[k], expected[k], fmt)]
    if not wrong:
        return Feedback(question, "correct", [f"{RIGHT} {spec.right}"])
    for mistake in spec.mistakes:
        known: dict[str, float] = mistake.value  # type: ignore[assignment]
        if all(_same(numbers[k], known[k], fmt) for k in keys) and any(
                not _same(known[k], expected[k], fmt) for k in keys):
            return Feedback(question, "wrong", [f"{OFF} {mistake.why}", f"{HINT} {hint}"])
    lines = [f"{RIGHT} {k} is right." for k in keys if k not in wrong]
    status = "close" if all(_near(numbers[k], expected[k]) for k in wrong) else "wrong"
    for k in wrong:
        gap = (how_close(numbers[k], expected[k]) if status == "close" else
               "above" if numbers[k] > expected[k] else "below")
        lines.append(f"{OFF} {k}: your {fmt(numbers[k])} is {gap} the expected figure.")
    if spec.notes is not None:
        lines += [f"{OFF} {line}" for line in spec.notes(numbers)]
    lines.append(f"{HINT} {hint}")
    return Feedback(question, status, lines)


def _choice(check: Check, answer: object, spec: Expected) -> Feedback:
    """Feedback on a name, a set of names or a yes/no."""
    question, hint = check.question, check.hint
    normalise = spec.normalise or (lambda v: v)
    try:
        value = normalise(answer)
    except (TypeError, ValueError) as error:
        return Feedback(question, "invalid", [f"{OFF} `{check.name}`: {error}",
                                              f"{HINT} {hint}"])
    if value == spec.value:
        return Feedback(question, "correct", [f"{RIGHT} {spec.right}"])
    for mistake in spec.mistakes:
        if mistake.value == value and mistake.value != spec.value:
            return Feedback(question, "wrong", [f"{OFF} {mistake.why}", f"{HINT} {hint}"])
    if spec.review is not None:
        return Feedback(question, "wrong", [*(f"{OFF} {line}" for line in spec.review(value)),
                                            f"{HINT} {hint}"])
    return Feedback(question, "wrong", [f"{OFF} {spec.show(value)} is not the answer.",
                                        f"{HINT} {hint}"])


def _name_among(options: list[str]) -> Callable[[object], str]:
    """Read a name, accepting any case and spaces around it ('outbound' for 'Outbound')."""
    canonical = {o.lower(): o for o in options}

    def read(answer: object) -> str:
        if not isinstance(answer, str):
            raise TypeError(f"expected a name (text), got {_kind_of(answer)}")
        text = answer.strip()
        return canonical.get(text.lower(), text)

    return read


def _names_among(options: list[str]) -> Callable[[object], frozenset[str]]:
    """Read a set of names (a set, list, Index or one name), any case."""
    one = _name_among(options)

    def read(answer: object) -> frozenset[str]:
        if isinstance(answer, str):
            return frozenset([one(answer)])
        if isinstance(answer, pd.Index | pd.Series | list | tuple | set | frozenset):
            return frozenset(one(str(v)) for v in answer)
        raise TypeError(f"expected a set of names, got {_kind_of(answer)}")

    return read


def _bool(answer: object) -> bool:
    if isinstance(answer, bool | np.bool_):
        return bool(answer)
    if isinstance(answer, str) and answer.strip().lower() in ("true", "false"):
        raise TypeError(f"expected True or False (without quotes), got {_kind_of(answer)}")
    raise TypeError(f"expected True or False, got {_kind_of(answer)}")


def _yes_no(value: object) -> str:
    return "True" if value else "False"


#: Every declared check, by key (``check_<key>`` is the same object).
DECLARATIONS: dict[str, Check] = {}


def declare(key: str, question: str, name: str, task: str, hint: str, doc: str
            ) -> Callable[[Callable[[], Expected]], Check]:
    """Register the function that computes a check's :class:`Expected` as a :class:`Check`."""

    def register(expect: Callable[[], Expected]) -> Check:
        check = Check(key, question, name, task, hint, cache(expect), doc)
        DECLARATIONS[key] = check
        return check

    return register


# ------------------------------------------------------------------------------- the data


#: The exercises' company: generated like the sample company (``data/sample_company``, the
#: one the lessons audit) but from another seed, so that no lesson prints an exercise's answer.
EXERCISE_COMPANY = "exercise_company"
EXERCISE_SEED = 2032


@cache
def exercise_data() -> AuditData:
    """The exercises' company (``data/exercise_company``), loaded once per session."""
    return load_folder(data_path(EXERCISE_COMPANY))


@cache
def sample_data() -> AuditData:
    """The lessons' sample company (``data/sample_company``), loaded once per session."""
    return load_folder(data_path("sample_company"))


def _period(bounds: tuple[str, str]) -> Period:
    return Period(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))


@cache
def _kpis(bounds: tuple[str, str], gross_margin: float | None = None,
          lifetime_months: float | None = None) -> dict:
    params = AuditParameters(period_start=bounds[0], period_end=bounds[1],
                             gross_margin=gross_margin, lifetime_months=lifetime_months)
    return compute_kpis(exercise_data(), params)


def _spend_in(bounds: tuple[str, str]) -> pd.DataFrame:
    spend = exercise_data().spend
    return spend[_period(bounds).contains(spend["date"])]


def _deals_in(bounds: tuple[str, str]) -> pd.DataFrame:
    deals = exercise_data().deals
    return deals[_period(bounds).contains(deals["won_date"])]


def _acquired(bounds: tuple[str, str]) -> pd.DataFrame:
    return acquisitions_in(acquisitions(exercise_data().deals), _period(bounds))


def _cohort(bounds: tuple[str, str]) -> pd.DataFrame:
    leads = exercise_data().leads
    return leads[_period(bounds).contains(leads["created_date"])]


def _funnel(bounds: tuple[str, str]) -> dict:
    return funnel_kpis(exercise_data().leads, _period(bounds), _Notes())


def _safe(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _mapping_mistakes(*pairs: tuple[dict[str, float], str]) -> tuple[Mistake, ...]:
    return tuple(Mistake(values, why) for values, why in pairs)


# ======================================================================= exercise 1: CAC basics


@declare("spend", "Question 1.1, spend of the quarter", "answer_spend",
         "set `answer_spend` to a dict {'marketing': ..., 'sales': ...} of the spend booked "
         "from July to September 2025.",
         "keep the spend lines whose date is in `quarter` (quarter.contains(spend['date'])), "
         "then sum `amount` by `category`; pooled (shared) lines count too.",
         "1.1 Marketing and sales spend booked in Q3 2025 (dict ``{'marketing', 'sales'}``).")
def check_spend() -> Expected:
    lines = _spend_in(Q3_2025)
    expected = lines.groupby("category")["amount"].sum().to_dict()
    everything = exercise_data().spend.groupby("category")["amount"].sum().to_dict()
    direct = lines[lines["channel"] != "shared"].groupby("category")["amount"].sum().to_dict()
    swapped = {"marketing": expected["sales"], "sales": expected["marketing"]}
    return Expected("mapping", {"marketing": expected["marketing"], "sales": expected["sales"]},
                    f"marketing {money(expected['marketing'])} and sales "
                    f"{money(expected['sales'])}, pooled costs included.", _mapping_mistakes(
        (everything, "these are the totals of the whole two years: keep only the quarter's "
         "lines (July to September 2025)."),
        (direct, "you left out the pooled lines (channel 'shared': salaries of account "
         "executives, CRM, management...); they are acquisition costs too."),
        (swapped, "marketing and sales are swapped."),
    ), money, "spend")


@declare("new_customers", "Question 1.2, new customers", "answer_new_customers",
         "set `answer_new_customers` to the number of accounts acquired from July to September "
         "2025.",
         "keep deals with type == 'new' and paid true, take each account's FIRST such deal "
         "(sort by won_date, drop_duplicates on account_id), then count those dated in the "
         "quarter.",
         "1.2 New customers of Q3 2025 under the counting rules (an integer).")
def check_new_customers() -> Expected:
    deals = _deals_in(Q3_2025)
    expected = len(_acquired(Q3_2025))
    new = deals[deals["type"] == "new"]
    paid_new = new[new["paid"]]
    return Expected("number", expected, "accounts whose first paid 'new' deal is in the "
                    "quarter.", (
        Mistake(len(deals), "that is every deal of the quarter: renewals, upsells, "
                "cross-sells and reactivations never acquire a customer."),
        Mistake(len(new), "that counts every 'new' deal, free sign-ups included: only "
                "paying accounts count (freemium and unpaid POC costs stay, customers do not)."),
        Mistake(new["account_id"].nunique(), "those are the accounts with a 'new' deal, paid "
                "or not: drop the unpaid sign-ups (paid == False)."),
        Mistake(len(paid_new), "that counts paid 'new' deals, but some of them belong to "
                "accounts acquired before the quarter: an account is acquired once, on its "
                "first paid 'new' deal."),
    ), count, "count")


@declare("cac", "Question 1.3, global CAC", "answer_cac",
         "set `answer_cac` to the global CAC of July-September 2025.",
         "global CAC = (marketing + sales spend) / new customers: "
         "formulas.cac_global(marketing, sales, new_customers).",
         "1.3 Global CAC of Q3 2025 (currency per customer).")
def check_cac() -> Expected:
    lines = _spend_in(Q3_2025)
    marketing = float(lines.loc[lines["category"] == "marketing", "amount"].sum())
    sales = float(lines.loc[lines["category"] == "sales", "amount"].sum())
    n = len(_acquired(Q3_2025))
    deals = _deals_in(Q3_2025)
    new = deals[deals["type"] == "new"]
    shared = float(lines.loc[lines["channel"] == "shared", "amount"].sum())
    expected = formulas.cac_global(marketing, sales, n)
    return Expected("number", expected,
                    f"({money(marketing)} + {money(sales)}) / {n} new customers.", (
        Mistake(sales / n, "you divided the sales spend only; the global CAC adds the "
                "marketing spend."),
        Mistake(marketing / n, "you divided the marketing spend only; the global CAC adds the "
                "sales spend: salaries, commissions, tools."),
        Mistake((marketing + sales) / len(deals), "you divided by every deal of the quarter; "
                "only the new paying accounts count (renewals and upsells acquire nobody)."),
        Mistake((marketing + sales) / len(new), "you divided by the 'new' deals, free "
                "sign-ups included; only the paying accounts count, which raises the CAC."),
        Mistake((marketing + sales) / len(new[new["paid"]]), "you divided by the paid 'new' "
                "deals; some accounts had been acquired before the quarter."),
        Mistake((marketing + sales - shared) / n, "you left out the pooled costs: account "
                "executives, CRM and management are acquisition costs."),
    ), money, "CAC", parts=(marketing, sales))


@declare("cac_split", "Question 1.4, marketing and sales CAC", "answer_cac_split",
         "set `answer_cac_split` to {'marketing': ..., 'sales': ...}.",
         "each budget over the same new customers: formulas.cac_marketing(marketing, n) and "
         "formulas.cac_sales(sales, n); the two add up to the global CAC.",
         "1.4 Marketing CAC and sales CAC of Q3 2025 (dict).")
def check_cac_split() -> Expected:
    kpis = _kpis(Q3_2025)
    expected = {"marketing": kpis["cac"]["marketing"], "sales": kpis["cac"]["sales"]}
    total = kpis["spend"]["total"]
    shares = {"marketing": kpis["spend"]["marketing"] / total,
              "sales": kpis["spend"]["sales"] / total}
    return Expected("mapping", expected,
                    f"marketing CAC {money(expected['marketing'])} + sales CAC "
                    f"{money(expected['sales'])} = global CAC {money(kpis['cac']['global'])}: "
                    "the sales side weighs most, as the article warns.", _mapping_mistakes(
        (shares, "these are each budget's share of the spend, not CACs: divide each budget by "
         "the number of new customers."),
    ), money, "CAC", parts=(kpis["cac"]["global"],))


@declare("cpa_ads", "Question 1.5, CPA of Ads", "answer_cpa_ads",
         "set `answer_cpa_ads` to the cost per lead of Ads.",
         "CPA = the channel's own (direct) spend / the leads it brought: filter spend on "
         "channel == 'Ads', leads on channel == 'Ads' created in the quarter "
         "(formulas.cpa(spend, leads)).",
         "1.5 Cost per lead of the Ads channel in Q3 2025 (Ads spend / Ads leads created).")
def check_cpa_ads() -> Expected:
    lines = _spend_in(Q3_2025)
    ads = float(lines.loc[lines["channel"] == "Ads", "amount"].sum())
    cohort = _cohort(Q3_2025)
    ads_leads = cohort[cohort["channel"] == "Ads"]
    customers = int((_acquired(Q3_2025)["channel"] == "Ads").sum())
    expected = formulas.cpa(ads, len(ads_leads))
    return Expected("number", expected,
                    f"{money(ads)} of Ads spend / {len(ads_leads)} Ads leads. The same channel's "
                    f"direct CAC is {money(ads / customers)}: a CPA is always far below the CAC.",
                    (
        Mistake(ads / customers, "you divided by Ads' new customers: that is the direct CAC of "
                "Ads; a CPA stops at the action (the lead)."),
        Mistake(ads / int(ads_leads["mql_date"].notna().sum()), "you divided by the qualified "
                "leads (with an MQL date); the CPA counts every lead the media brought."),
        Mistake(float(lines["amount"].sum()) / len(ads_leads), "you divided the whole "
                "acquisition spend by Ads' leads; the CPA uses the channel's media spend only."),
    ), money, "CPA", parts=(ads,))


# ============================================================ exercise 2: channels and allocation


def _channel_inputs() -> tuple[pd.Series, pd.Series, float]:
    lines = _spend_in(Q2_2025)
    direct = lines[lines["channel"] != "shared"].groupby("channel")["amount"].sum()
    customers = _acquired(Q2_2025).groupby("channel").size().astype("float64")
    shared = float(lines.loc[lines["channel"] == "shared", "amount"].sum())
    return direct, customers, shared


@declare("direct_cac", "Question 2.1, direct CAC per channel", "answer_direct_cac",
         "set `answer_direct_cac` to a Series indexed by channel.",
         "direct spend per channel (spend lines whose channel is not 'shared') divided by the "
         "channel's new customers (channel of the acquiring deal).",
         "2.1 Direct CAC per channel in Q2 2025 (Series or dict by channel).")
def check_direct_cac() -> Expected:
    direct, customers, shared = _channel_inputs()
    table = channel_cac(direct, customers, shared)
    expected = table["cac_direct"].to_dict()
    equal = {c: (direct[c] + shared / len(direct)) / customers[c] for c in expected}
    all_new = _deals_in(Q2_2025)
    all_new = all_new[all_new["type"] == "new"].groupby("channel").size()
    with_free = {c: direct[c] / all_new[c] for c in expected}
    best = min(expected, key=expected.get)
    return Expected("mapping", expected, f"the cheapest channel on direct costs is {best} "
                    f"({money(expected[best])} per customer).", _mapping_mistakes(
        (equal, "you added an equal part of the pooled costs to each channel: the direct CAC "
         "uses each channel's own spend only (pooled costs come in question 2.3)."),
        (with_free, "you divided by every 'new' deal, free sign-ups included: only paying "
         "accounts count."),
    ), money, "CAC")


@declare("shared_allocation", "Question 2.2, pooled costs allocated", "answer_shared",
         "set `answer_shared` to the pooled costs allocated to each channel (a Series by "
         "channel).",
         "money.allocate(shared_total, new_customers_per_channel) splits the pooled costs in "
         "proportion to the key, to the cent, and the parts add back to the total.",
         "2.2 Pooled costs of Q2 2025 allocated by each channel's share of new customers.")
def check_shared_allocation() -> Expected:
    direct, customers, shared = _channel_inputs()
    expected = allocate(shared, customers).to_dict()
    equal = {c: shared / len(customers) for c in customers.index}
    by_spend = allocate(shared, direct.reindex(customers.index)).to_dict()

    def adds_back(values: dict[str, float]) -> list[str]:
        total = sum(values.values())
        if _same(total, shared, money):
            return []
        return [f"your parts add up to {money(total)}, {how_close(total, shared)} the pooled "
                "total: the parts of an allocation add back to it, to the cent."]

    return Expected("mapping", expected, f"the pooled {money(shared)} split by new customers, "
                    "adding back to the cent.", _mapping_mistakes(
        (equal, "you split the pooled costs equally between the channels; the key is each "
         "channel's share of new customers."),
        (by_spend, "you split by direct spend; the audit's default key is the share of new "
         "customers (opportunities or pipeline are the other stable keys)."),
    ), money, "allocation", notes=adds_back)


@declare("fully_loaded", "Question 2.3, fully loaded CAC per channel", "answer_fully_loaded",
         "set `answer_fully_loaded` to a Series by channel.",
         "(direct spend + allocated pooled costs) / new customers, per channel; "
         "formulas.channel_cac(direct, customers, shared) does it all.",
         "2.3 Fully loaded CAC per channel in Q2 2025.")
def check_fully_loaded() -> Expected:
    direct, customers, shared = _channel_inputs()
    table = channel_cac(direct, customers, shared)
    expected = table["cac_fully_loaded"].to_dict()
    no_direct = {c: table.loc[c, "shared_allocated"] / customers[c] for c in expected}
    return Expected("mapping", expected, "with the new-customer key every channel carries the "
                    f"same pooled cost per customer ({money(shared / customers.sum())}).",
                    _mapping_mistakes(
        (table["cac_direct"].to_dict(), "these are the direct CACs: add each channel's share "
         "of the pooled costs."),
        (no_direct, "you divided the allocated pooled costs only: add the channel's direct "
         "spend."),
    ), money, "CAC")


@declare("channel_ranking", "Question 2.4, the most expensive channel", "answer_most_expensive",
         "set `answer_most_expensive` to a channel name.",
         "sort the fully loaded CACs of question 2.3 (idxmax).",
         "2.4 The channel with the highest fully loaded CAC in Q2 2025 (a name).")
def check_channel_ranking() -> Expected:
    direct, customers, shared = _channel_inputs()
    table = channel_cac(direct, customers, shared)
    expected = str(table["cac_fully_loaded"].idxmax())
    mistakes = {str(table["cac_fully_loaded"].idxmin()): "that is the cheapest channel.",
                str(direct.idxmax()): "that channel spends the most, but it also signs more "
                "customers: compare costs per customer."}
    mistakes.pop(expected, None)
    return Expected("choice", expected, f"{expected} at "
                    f"{money(table.loc[expected, 'cac_fully_loaded'])} per customer, fully "
                    "loaded.", tuple(Mistake(k, v) for k, v in mistakes.items()),
                    normalise=_name_among([str(c) for c in table.index]))


# ============================================================== exercise 3: LTV and payback


@declare("ltv", "Question 3.1, lifetime value", "answer_ltv",
         "set `answer_ltv` to the lifetime value of one customer.",
         "LTV = revenue per period x number of periods x gross margin "
         "(formulas.ltv_from_revenue).",
         "3.1 LTV = 180 a month x 40 months x 75 % margin.")
def check_ltv() -> Expected:
    mrr, margin, life = EX3["mrr"], EX3["gross_margin"], EX3["lifetime_months"]
    expected = ltv_from_revenue(mrr, life, margin)
    return Expected("number", expected, f"{money(mrr)} x {life:g} months x {margin:.0%}.", (
        Mistake(mrr * life, "that is revenue, not value: multiply by the gross margin (75 %)."),
        Mistake(mrr * 12 * life * margin, "you multiplied a yearly revenue by a number of "
                "months: keep both monthly."),
        Mistake(mrr * life * margin * 100, "the margin is a share (0.75), not 75."),
        Mistake(mrr * 12 * margin, "that is one year of gross margin; the LTV runs over the "
                "customer's whole lifetime (40 months)."),
    ), money, "LTV")


@declare("ltv_cac", "Question 3.2, LTV/CAC", "answer_ltv_cac",
         "set `answer_ltv_cac` to the LTV/CAC ratio.",
         "LTV / CAC (formulas.ltv_cac_ratio): value created per euro spent on acquisition.",
         "3.2 LTV/CAC with a CAC of 1,650.")
def check_ltv_cac() -> Expected:
    ltv = ltv_from_revenue(EX3["mrr"], EX3["lifetime_months"], EX3["gross_margin"])
    cac = EX3["cac"]
    expected = formulas.ltv_cac_ratio(ltv, cac)
    return Expected("number", expected, f"{money(ltv)} / {money(cac)}; above 3, the usual "
                    "target.", (
        Mistake(cac / ltv, "that is CAC / LTV, the inverse."),
        Mistake(EX3["mrr"] * EX3["lifetime_months"] / cac, "that uses revenue instead of the "
                "LTV: apply the gross margin first."),
        Mistake(EX3["mrr"] * 12 * EX3["gross_margin"] / cac, "that is the first year's margin "
                "over the CAC; the LTV covers the whole lifetime."),
    ), plain, "ratio", parts=(ltv,))


@declare("payback", "Question 3.3, payback", "answer_payback",
         "set `answer_payback` to the payback in months.",
         "payback (months) = CAC / monthly gross margin per customer (formulas.payback_months).",
         "3.3 Payback in months = CAC / (monthly revenue x margin).")
def check_payback() -> Expected:
    mrr, margin, cac = EX3["mrr"], EX3["gross_margin"], EX3["cac"]
    expected = formulas.payback_months(cac, mrr, margin)
    return Expected("number", expected, f"{money(cac)} / ({money(mrr)} x {margin:.0%}).", (
        Mistake(cac / mrr, "you divided by the revenue; the CAC is paid back by gross margin, "
                "the monthly revenue times the margin rate."),
        Mistake(expected / 12, "that is in years (a yearly margin gives years); give "
                "months."),
    ), months, "payback", parts=(mrr * margin,))


@declare("verdicts", "Question 3.4, verdicts", "answer_verdicts",
         "set `answer_verdicts` to {'ltv_cac': status, 'payback': status}, each 'good', "
         "'watch' or 'bad'.",
         "targets.assess_ltv_cac(ratio).status and targets.assess_payback(months).status; "
         "read each reason too.",
         "3.4 Verdicts on LTV/CAC and payback (dict of statuses).")
def check_verdicts() -> Expected:
    ltv = ltv_from_revenue(EX3["mrr"], EX3["lifetime_months"], EX3["gross_margin"])
    ratio = targets.assess_ltv_cac(formulas.ltv_cac_ratio(ltv, EX3["cac"]))
    payback = targets.assess_payback(formulas.payback_months(EX3["cac"], EX3["mrr"],
                                                             EX3["gross_margin"]))
    expected = {"ltv_cac": ratio.status, "payback": payback.status}

    def normalise(value: object) -> dict[str, str]:
        given = _as_mapping(value)
        if given is None or set(given) != {"ltv_cac", "payback"}:
            raise TypeError("expected a dict with the keys 'ltv_cac' and 'payback', got "
                            f"{_kind_of(value)}")
        return {k: str(given[k]).strip().lower() for k in ("ltv_cac", "payback")}

    mistakes = [
        Mistake({"ltv_cac": ratio.status, "payback": "good"}, "the payback verdict is off: "
                "compare the payback of question 3.3 with the article's limit. The healthy "
                "limit is 12 months, and a ratio above 3 can come with a slow payback."),
        Mistake({"ltv_cac": "watch", "payback": payback.status}, "the LTV/CAC verdict is off: "
                "3 and above is 'good' (the article calls 10:1 very favourable)."),
    ]
    return Expected("choice", expected, f"LTV/CAC {ratio.status} ({ratio.reason_en}); payback "
                    f"{payback.status} ({payback.reason_en}).",
                    tuple(m for m in mistakes if m.value != expected), normalise=normalise,
                    show=lambda v: "{" + ", ".join(f"{k!r}: {s!r}" for k, s in
                                                   v.items()) + "}")  # type: ignore[attr-defined]


def _arpa_q3() -> tuple[float, pd.DataFrame]:
    acquired = _acquired(Q3_2025)
    return float(acquired["mrr"].mean()), acquired


@declare("ltv_churn", "Question 3.5, LTV from churn", "answer_ltv_churn",
         "set `answer_ltv_churn` with a 78 % margin and a 2.5 % monthly churn.",
         "ARPA = mean MRR of the acquiring deals of the quarter's new customers; "
         "LTV = ARPA x margin / monthly churn (formulas.ltv_from_churn).",
         "3.5 SaaS LTV from churn on the exercise company's Q3 2025 new customers.")
def check_ltv_churn() -> Expected:
    arpa, _ = _arpa_q3()
    margin, churn = EX3["churn_margin"], EX3["monthly_churn"]
    expected = ltv_from_churn(arpa, margin, churn)
    deals = _deals_in(Q3_2025)
    all_mrr = float(deals["mrr"].mean())
    new = deals[deals["type"] == "new"]
    return Expected("number", expected, f"ARPA {money(arpa)} x {margin:.0%} / {churn:.1%} "
                    f"(a lifetime of {1 / churn:g} months).", (
        Mistake(arpa * margin / (churn * 100), "the churn is a share (0.025), not 2.5."),
        Mistake(arpa * margin * 100 / churn, "the margin is a share (0.78), not 78."),
        Mistake(arpa * margin * churn, "multiply by the lifetime, 1 / churn: divide by the "
                "churn."),
        Mistake(arpa / churn, "that is lifetime revenue: apply the 78 % gross margin."),
        Mistake(all_mrr * margin / churn, "your ARPA averages every deal of the quarter "
                "(renewals, upsells...); use the acquiring deals of the new customers only."),
        Mistake(float(new["mrr"].mean()) * margin / churn, "your ARPA includes the free "
                "sign-ups at 0 MRR; use the paying new customers."),
    ), money, "LTV", parts=(arpa,))


@declare("min_mrr", "Question 3.6, break-even subscription", "answer_min_mrr",
         "set `answer_min_mrr` to the monthly price at which LTV/CAC reaches 3.",
         "solve mrr x lifetime x margin / CAC = 3 for mrr: mrr = 3 x CAC / (lifetime x margin).",
         "3.6 The lowest monthly subscription giving LTV/CAC = 3 (CAC 1,650, 75 %, 40 months).")
def check_min_mrr() -> Expected:
    cac, life, margin, target = (EX3["cac"], EX3["lifetime_months"], EX3["gross_margin"],
                                 EX3["target_ratio"])
    expected = formulas.required_monthly_revenue(target, cac, life, margin)
    return Expected("number", expected, f"3 x {money(cac)} / ({life:g} x {margin:.0%}) per "
                    "month.", (
        Mistake(target * cac / life, "without the margin: the ratio is computed on gross "
                "margin, so the price must be higher."),
        Mistake(cac / (life * margin), "that gives LTV/CAC = 1 (break-even), not 3."),
    ), money, "price")


# ================================================================ exercise 4: pitfalls, cohorts


def _h1_table() -> pd.DataFrame:
    return monthly_cac(exercise_data().spend, acquisitions(exercise_data().deals), _period(H1_2025))


@declare("monthly_cac", "Question 4.1, monthly CAC", "answer_monthly_cac",
         "set `answer_monthly_cac` to a Series of six monthly CACs.",
         "each month's spend over that month's new customers: "
         "cohorts.monthly_cac(spend, acquisitions(deals), half_year)['cac'].",
         "4.1 The CAC of each month of H1 2025 (Series indexed by month).")
def check_monthly_cac() -> Expected:
    table = _h1_table()
    expected = {str(m): float(v) for m, v in table["cac"].items()}

    def align(answer: object) -> object:
        """Months may be keyed as Periods, Timestamps or text: compare in order."""
        given = _as_mapping(answer)
        if given is not None and len(given) == len(expected):
            return dict(zip(expected, given.values(), strict=True))
        if isinstance(answer, list | tuple | np.ndarray) and len(answer) == len(expected):
            return dict(zip(expected, answer, strict=True))  # six values, January first
        return answer

    spread = max(expected.values()) / min(expected.values())
    return Expected("mapping", expected,
                    f"from {money(min(expected.values()))} to {money(max(expected.values()))}: "
                    f"a factor of {spread:.2f} between months of the same company.", (),
                    money, "CAC", align=align)


@declare("half_year_cac", "Question 4.2, CAC of the half-year", "answer_half_year_cac",
         "set `answer_half_year_cac`.",
         "all the half-year's spend / all its new customers (one division, not an average).",
         "4.2 The CAC of H1 2025 as one period.")
def check_half_year_cac() -> Expected:
    table = _h1_table()
    expected = float(formulas.cac(table["spend"].sum(), table["new_customers"].sum()))
    return Expected("number", expected, f"{money(table['spend'].sum())} / "
                    f"{int(table['new_customers'].sum())} new customers.", (
        Mistake(float(table["cac"].mean()), "that is the average of the six monthly CACs; "
                "months with few customers weigh as much as busy ones. Divide the half-year's "
                "spend by its customers."),
        Mistake(float(table["cac"].median()), "that is the median monthly CAC; divide the "
                "half-year's spend by its customers."),
    ), money, "CAC", parts=(float(table["spend"].sum()),))


@declare("freemium", "Question 4.3, freemium and POC", "answer_freemium",
         "set `answer_freemium` to {'with_free': ..., 'paying_only': ...}.",
         "'with_free': accounts with a 'new' deal in the quarter, paid or not; 'paying_only': "
         "the counting rules of exercise 1. The spend is the same in both.",
         "4.3 CAC of Q2 2025 counting free sign-ups (wrong) and counting payers only (right).")
def check_freemium() -> Expected:
    total = float(_spend_in(Q2_2025)["amount"].sum())
    deals = _deals_in(Q2_2025)
    with_free = total / deals.loc[deals["type"] == "new", "account_id"].nunique()
    paying = formulas.cac(total, len(_acquired(Q2_2025)))
    swapped = {"with_free": paying, "paying_only": with_free}
    return Expected("mapping", {"with_free": with_free, "paying_only": paying},
                    f"counting free sign-ups shows {money(with_free)} instead of {money(paying)}"
                    f": the CAC looks {1 - with_free / paying:.0%} lower than it is.",
                    _mapping_mistakes((swapped, "the two figures are swapped: more 'customers' "
                                       "means a lower (flattering) CAC.")), money, "CAC",
                    parts=(total,))


@declare("cohort_conversion", "Question 4.4, 90-day conversion of the March cohort",
         "answer_conversion_90", "set `answer_conversion_90` to a share between 0 and 1.",
         "leads created in March 2025; won within 90 days means won_date - created_date <= "
         "90 days; divide by all the cohort's leads (cohorts.lead_cohorts does it).",
         "4.4 Share of the leads created in March 2025 won within 90 days.")
def check_cohort_conversion() -> Expected:
    table = lead_cohorts(exercise_data().leads, _period(MARCH_2025))
    row = table.iloc[0]
    expected = float(row["conversion_90"])
    cohort = _cohort(MARCH_2025)
    delay = (cohort["won_date"] - cohort["created_date"]).dt.days
    return Expected("number", expected, f"{int(row['won_90'])} of {int(row['leads'])} leads won "
                    "within 90 days.", (
        Mistake(float(row["conversion_30"]), "that is the 30-day conversion."),
        Mistake(float(row["conversion_60"]), "that is the 60-day conversion."),
        Mistake(_safe(cohort["won_date"].notna().sum(), len(cohort)), "that counts every win, "
                "however late; stop at 90 days after the lead's creation."),
        Mistake(_safe((delay <= 90).sum(), cohort["mql_date"].notna().sum()), "you divided by "
                "the qualified leads; the cohort is every lead created in March."),
        Mistake(_safe((delay < 90).sum(), len(cohort)), "a lead won on day 90 counts (<= 90)."),
    ), share, "conversion")


@declare("sectors", "Question 4.5, sector ranges", "answer_sectors",
         "set `answer_sectors` to a set of sector keys.",
         "targets.SECTOR_CAC_RANGES maps each sector to (low, high); None means no upper bound.",
         "4.5 The sectors whose indicative range holds the CAC of H1 2025.")
def check_sectors() -> Expected:
    table = _h1_table()
    cac = float(formulas.cac(table["spend"].sum(), table["new_customers"].sum()))
    inside = frozenset(s for s, (low, high) in targets.SECTOR_CAC_RANGES.items()
                       if (low is None or cac >= low) and (high is None or cac <= high))
    closed = frozenset(s for s in inside if targets.SECTOR_CAC_RANGES[s][1] is not None)
    mistakes = (Mistake(closed, "an open range counts too: industry is 'above 2,000' with no "
                        "upper bound."),) if closed != inside else ()
    return Expected("choice", inside, f"{money(cac)} sits in {', '.join(sorted(inside))}; a "
                    "landmark, not a norm: compare a company with itself over time.", mistakes,
                    normalise=_names_among(list(targets.SECTOR_CAC_RANGES)))


# ================================================================= exercise 5: funnel KPIs


def _funnel_mistakes(funnel: dict, key: str) -> tuple[Mistake, ...]:
    f = funnel
    pairs = {
        "meeting_to_opportunity": [
            (_safe(f["opportunities"], f["qualified_leads"]), "you divided by the qualified "
             "leads; this rate divides opportunities by meetings."),
            (_safe(f["opportunities"], f["leads"]), "you divided by all leads; divide the "
             "opportunities by the meetings."),
            (_safe(f["meetings"], f["qualified_leads"]), "that is the lead-to-meeting rate "
             "(meetings / qualified leads contacted)."),
        ],
        "opportunity_to_win": [
            (_safe(f["won"], f["quotes"]), "you divided by the quotes: that is the quote "
             "conversion; divide by the opportunities."),
            (_safe(f["won"], f["leads"]), "you divided by all leads; divide by the "
             "opportunities."),
            (_safe(f["won"], f["meetings"]), "you divided by the meetings; divide by the "
             "opportunities."),
        ],
        "quote_conversion": [
            (_safe(f["quotes"], f["opportunities"]), "that is quotes / opportunities; the "
             "article's rate is accepted quotes / quotes issued."),
            (_safe(f["won"], f["opportunities"]), "that is the opportunity-to-win rate."),
        ],
    }
    return tuple(Mistake(v, why) for v, why in pairs[key])


def _rate(key: str, number: str, name: str, hint: str) -> Check:
    kpi = targets.KPI_BY_KEY[key]

    def expect() -> Expected:
        funnel = _funnel(Q1_2025)
        expected = float(funnel[key])
        verdict = targets.assess_kpi(key, expected)
        return Expected("number", expected, f"{verdict.reason_en}.",
                        _funnel_mistakes(funnel, key), share, "rate")

    return declare(key, f"Question {number}, {kpi.name_en.lower()} ({kpi.name_fr})", name,
                   f"set `{name}` to the rate of the leads created in Q1 2025, as a share "
                   "between 0 and 1.", hint, f"{number} {kpi.name_en} of the Q1 2025 lead "
                   "cohort.")(expect)


check_meeting_to_opportunity = _rate(
    "meeting_to_opportunity", "5.1", "answer_meeting_to_opportunity",
    "count the cohort's leads with a meeting_date and those with an opportunity_date; divide "
    "the second by the first.")
check_opportunity_to_win = _rate(
    "opportunity_to_win", "5.2", "answer_opportunity_to_win",
    "leads with a won_date / leads with an opportunity_date, in the cohort.")
check_quote_conversion = _rate(
    "quote_conversion", "5.3", "answer_quote_conversion",
    "among the leads with a quote_date, the share that also have a won_date.")


@declare("sales_cycle", "Question 5.4, median sales cycle (durée du cycle de vente)",
         "answer_cycle_days", "set `answer_cycle_days` to the median in days.",
         "over the cohort's won leads: (won_date - opportunity_date).dt.days, then .median().",
         "5.4 Median sales cycle (days from opportunity to won) of the Q1 2025 cohort.")
def check_sales_cycle() -> Expected:
    funnel = _funnel(Q1_2025)
    expected = float(funnel["sales_cycle_days"]["median"])
    return Expected("number", expected, "from opportunity to signature; the mean is "
                    f"{days(funnel['sales_cycle_days']['mean'])}, pulled up by long deals.", (
        Mistake(float(funnel["sales_cycle_days"]["mean"]), "that is the mean; long deals pull "
                "it up, the question asks for the median."),
        Mistake(float(funnel["conversion_delay_days"]["median"]), "you counted from the lead's "
                "creation; the sales cycle starts at the opportunity."),
        Mistake(float(funnel["conversion_delay_days"]["mean"]), "that is the mean delay from "
                "the lead's creation; the cycle runs from opportunity to signature."),
    ), days, "cycle")


@declare("owners_below_target", "Question 5.5, reps below the meeting-to-opportunity target",
         "answer_below_target", "set `answer_below_target` to a set of owner names.",
         "funnel.funnel_by(leads, quarter, 'owner') gives each rep's rates; keep those below "
         "targets.KPI_BY_KEY['meeting_to_opportunity'].target_min (drop the 'All' row).",
         "5.5 Sales reps whose meeting to opportunity rate is below the 40 % target (Q1 2025).")
def check_owners_below_target() -> Expected:
    table = funnel_by(exercise_data().leads, _period(Q1_2025), "owner", total=False)
    floor = targets.KPI_BY_KEY["meeting_to_opportunity"].target_min
    rates = table["meeting_to_opportunity"]
    expected = frozenset(str(o) for o in rates[rates < floor].index)
    above = frozenset(str(o) for o in rates[rates >= floor].index)
    win_low = table["opportunity_to_win"]
    win_low = frozenset(str(o) for o in win_low[win_low < 0.20].index)
    mistakes = {above: "those are the reps who meet the target: the question asks for those "
                "below 40 %.",
                win_low: "you used the opportunity-to-win rate (20 % target); the question is "
                "about meetings turned into opportunities."}
    mistakes.pop(expected, None)
    shown = ", ".join(f"{o} {rates[o]:.1%}" for o in sorted(expected))
    return Expected("choice", expected, f"{shown}: candidates for coaching or better-qualified "
                    "meetings.", tuple(Mistake(k, v) for k, v in mistakes.items()),
                    normalise=_names_among([str(o) for o in rates.index]))


@declare("margin_multiple", "Question 5.6, CAC against the gross margin per customer",
         "answer_margin_multiple", "set `answer_margin_multiple` with a 78 % margin and 36 "
         "months.",
         "gross margin per new customer over its life = ARPA x margin x lifetime (the LTV); "
         "divide it by the global CAC (compute_kpis gives both).",
         "5.6 How many times the Q1 2025 CAC fits in the gross margin per new customer.")
def check_margin_multiple() -> Expected:
    kpis = _kpis(Q1_2025, EX5["gross_margin"], EX5["lifetime_months"])
    cac = kpis["cac"]["global"]
    expected = formulas.ltv_cac_ratio(kpis["ltv"], cac)
    arpa = kpis["arpa_mrr"]
    verdict = targets.assess_cac_vs_margin(cac, kpis["ltv"])
    return Expected("number", expected, f"{verdict.reason_en}.", (
        Mistake(cac / kpis["ltv"], "that is CAC / margin, the inverse."),
        Mistake(arpa * EX5["gross_margin"] / cac, "you used one month of margin; take the "
                "margin over the customer's lifetime (36 months)."),
        Mistake(arpa * EX5["gross_margin"] * 12 / cac, "that is the first year's margin over "
                "the CAC (the stricter reading notebook 04 discusses); KPI 7 takes the margin "
                "over the customer's whole lifetime, 36 months here."),
        Mistake(arpa * EX5["lifetime_months"] / cac, "that uses revenue; apply the 78 % gross "
                "margin."),
    ), plain, "multiple", parts=(kpis["ltv"], cac))


# ================================================================ exercise 6: dashboard, levers


@declare("cac_trend", "Question 6.1, CAC trend (T vs T-1)", "answer_cac_change",
         "set `answer_cac_change` to the relative change.",
         "change = CAC of Q3 / CAC of Q2 - 1 (a share: 0.05 for +5 %).",
         "6.1 Relative change of the global CAC from Q2 to Q3 2025.")
def check_cac_trend() -> Expected:
    now, before = _kpis(Q3_2025)["cac"]["global"], _kpis(Q2_2025)["cac"]["global"]
    expected = formulas.relative_change(before, now)
    return Expected("number", expected, f"{money(before)} in Q2 -> {money(now)} in Q3.", (
        Mistake(before / now - 1, "you divided Q2 by Q3; the change goes from the earlier "
                "quarter (T-1) to the later one (T)."),
        Mistake(now - before, "that is the change in euros; give it relative to Q2."),
    ), share, "change", parts=(now, before))


@declare("top_channel_share", "Question 6.2, dependence on the top channel", "answer_top_share",
         "set `answer_top_share` to a share between 0 and 1.",
         "count the leads created in Q3 2025 per channel; the largest count / all the leads.",
         "6.2 Share of the Q3 2025 leads brought by the top channel.")
def check_top_channel_share() -> Expected:
    kpis = _kpis(Q3_2025)
    expected = float(kpis["dependence"]["leads_share"])
    by_customers = _acquired(Q3_2025).groupby("channel").size()
    return Expected("number", expected, f"{kpis['dependence']['top_channel_leads']} brings "
                    f"{expected:.1%} of the leads.", (
        Mistake(float(kpis["dependence"]["revenue_share"]), "that is the top channel's share "
                "of new revenue; the question asks for its share of leads."),
        Mistake(float(by_customers.max() / by_customers.sum()), "that is the top channel's "
                "share of new customers; the question asks for leads."),
    ), share, "share")


@declare("warning_cac_vs_arpa", "Question 6.3, warning signal: CAC vs basket", "answer_warning",
         "set `answer_warning` to True or False.",
         "compare CAC(Q3)/CAC(Q2) with ARPA(Q3)/ARPA(Q2), ARPA being the mean MRR of the new "
         "customers (compute_kpis(...)['arpa_mrr']).",
         "6.3 Did the CAC grow faster than the ARPA from Q2 to Q3 2025? (True/False).")
def check_warning_cac_vs_arpa() -> Expected:
    now, before = _kpis(Q3_2025), _kpis(Q2_2025)
    cac_growth = formulas.relative_change(before["cac"]["global"], now["cac"]["global"])
    arpa_growth = formulas.relative_change(before["arpa_mrr"], now["arpa_mrr"])
    expected = bool(cac_growth > arpa_growth)
    return Expected("choice", expected, f"CAC {cac_growth:+.1%} against ARPA {arpa_growth:+.1%}"
                    ": " + ("the CAC outgrows the basket, a warning signal: each new customer's "
                            "margin covers its acquisition cost less than before."
                            if expected else "the basket grows at least as fast as the CAC."),
                    (Mistake(not expected, "compute the two growth rates (each Q3 figure over "
                             "its Q2 figure, minus 1) and compare the two growth rates, not "
                             "the levels."),), normalise=_bool, show=_yes_no,
                    parts=(cac_growth, arpa_growth))


@declare("referral", "Question 6.4, referral programme", "answer_referral_cac",
         "set `answer_referral_cac`.",
         "customer-weighted mean: 85 % of the customers at today's global CAC, 15 % at a fifth "
         "of the digital campaigns' (Ads) fully loaded CAC: "
         "0.85 x CAC + 0.15 x CAC_Ads / 5.",
         "6.4 Blended CAC of Q3 2025 once 15 % of new customers come by referral at a CAC five "
         "times lower than the digital campaigns'.")
def check_referral() -> Expected:
    kpis = _kpis(Q3_2025)
    cac = kpis["cac"]["global"]
    ads = kpis["channels"][EX6["digital_channel"]]
    ads_cac, ads_direct = ads["cac_fully_loaded"], ads["cac_direct"]
    s, ratio = EX6["referral_share"], EX6["cost_ratio"]
    expected = referral_blended_cac(cac, ads_cac, s, ratio)
    return Expected("number", expected, f"{1 - expected / cac:.1%} below today's {money(cac)};"
                    f" a referred customer costs {money(ads_cac / ratio)}, a fifth of Ads' "
                    f"{money(ads_cac)}.", (
        Mistake(referral_blended_cac(cac, cac, s, ratio), "you priced the referred customers at "
                "a fifth of the global CAC; the article's referral customers cost five times "
                "less than its digital campaigns (the Ads channel)."),
        Mistake(referral_blended_cac(cac, ads_direct, s, ratio), "you used Ads' direct CAC; "
                "compare like with like: the global CAC is fully loaded, so take Ads' fully "
                "loaded CAC."),
        Mistake(s * ads_cac / ratio, "that is only the referred customers' part; add the 85 % "
                "who keep today's CAC."),
        Mistake(ads_cac / ratio, "that would be every customer at the referral cost; only "
                "15 % come by referral."),
        Mistake(cac / ratio, "that would be every customer at a fifth of today's CAC; only "
                "15 % come by referral, at a fifth of the Ads CAC."),
        Mistake((1 - s) * cac, "you dropped the referred customers' cost: they are cheaper, not "
                "free."),
    ), money, "CAC", parts=(cac, ads_cac))


@declare("mix", "Question 6.5, the 30/50/20 mix", "answer_mix_cac", "set `answer_mix_cac`.",
         "customers bought = sum(budget share / channel CAC); blended CAC = 1 / that sum "
         "(levers.blended_cac). It is not the weighted average of the CACs.",
         "6.5 Blended CAC of a 30/50/20 SEO / Ads / Outbound budget at Q3 2025's fully loaded "
         "CACs.")
def check_mix() -> Expected:
    channels = _kpis(Q3_2025)["channels"]
    cacs = {c: channels[c]["cac_fully_loaded"] for c in EX6["mix"]}
    expected = blended_cac(EX6["mix"], cacs)
    weighted = sum(EX6["mix"][c] * cacs[c] for c in cacs)
    direct = {c: channels[c]["cac_direct"] for c in EX6["mix"]}
    return Expected("number", expected, "the budget over the customers it buys with "
                    + ", ".join(f"{EX6['mix'][c]:.0%} on {c} at {money(cacs[c])}" for c in cacs)
                    + ".", (
        Mistake(weighted, "that is the budget-weighted average of the CACs; a euro in a cheap "
                "channel buys more customers, so divide the budget by the customers it buys."),
        Mistake(blended_cac(EX6["mix"], direct), "you used the direct CACs; the question uses "
                "the fully loaded ones (pooled costs included): compare like with like."),
    ), money, "CAC")


# ====================================================================== exercise 7: retention

#: Exercise 7: the half-year of the churn question, NRR's last month, the lifetime's horizon.
EX7 = {"nrr_month": "2025-06", "horizon_months": 48}
JUNE_2025 = ("2025-06-01", "2025-06-30")


def _distinct(expected: float, fmt: Callable[[float], str], *mistakes: Mistake
              ) -> tuple[Mistake, ...]:
    """The mistakes whose figure differs from the expected one (on these data some coincide)."""
    return tuple(m for m in mistakes if not _same(float(m.value), expected,  # type: ignore[arg-type]
                                                  fmt))


@cache
def _revenue_matrix() -> retention.MrrMatrix:
    return retention.mrr_matrix(exercise_data().revenue)


def _months_of(bounds: tuple[str, str]) -> list[pd.Period]:
    return retention.period_months(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))


@declare("logo_churn", "Question 7.1, monthly logo churn of the half-year", "answer_logo_churn",
         "set `answer_logo_churn` to the monthly logo churn of January to June 2025, as a share.",
         "for each month m: accounts churned in m (MRR > 0 in m - 1, 0 in m) and accounts "
         "paying in m - 1 (retention.mrr_movements gives both: `churned`, `active_before`); "
         "add each column over the six months, then divide.",
         "7.1 Monthly logo churn of H1 2025: churned accounts / accounts paying the month "
         "before, both added over January to June.")
def check_logo_churn() -> Expected:
    matrix = _revenue_matrix()
    rows = retention.mrr_movements(matrix).loc[_months_of(H1_2025)]
    churned, before = int(rows["churned"].sum()), int(rows["active_before"].sum())
    expected = churned / before
    active = (matrix.cents > 0).sum(axis=0)
    after = int(sum(active[matrix.month_index(m)] for m in _months_of(H1_2025)))
    lost = float((rows["churn"] + rows["contraction"]).sum() / rows["opening"].sum())
    return Expected("number", expected, f"{churned} accounts lost over {before:,} "
                    f"account-months at risk: {expected:.2%} of the paying accounts leave each "
                    "month.",
                    _distinct(expected, rate,
        Mistake(churned / after, "you divided by the accounts paying at the end of each month; "
                "the base is the accounts paying the month before (those who could churn)."),
        Mistake(churned / int(rows["active_before"].iloc[0]), "that is the churn of the whole "
                "half-year over the accounts of December; the question asks a monthly rate."),
        Mistake(float((rows["churned"] / rows["active_before"]).mean()), "you averaged the six "
                "monthly rates; add the churned accounts and the accounts at risk over the "
                "months, then divide once."),
        Mistake(lost, "that is the revenue churn (MRR lost to churn and contraction over the "
                "MRR of the month before); logo churn counts accounts."),
    ), rate, "churn", parts=(churned, before))


@declare("new_mrr", "Question 7.2, new MRR of June 2025", "answer_new_mrr",
         "set `answer_new_mrr` to the new MRR of June 2025, in euros.",
         "new MRR is the MRR of the accounts whose first month with MRR > 0 in the whole table "
         "is June 2025 (retention.mrr_movements, column `new`, in cents).",
         "7.2 New MRR of June 2025 (accounts in their first paying month), in euros.")
def check_new_mrr() -> Expected:
    month = _months_of(JUNE_2025)[0]
    row = retention.mrr_movements(_revenue_matrix()).loc[month] / 100
    expected = float(row["new"])
    return Expected("number", expected, "only accounts paying for the first time; an account "
                    "back after a month at zero is a reactivation.", _distinct(expected, money,
        Mistake(float(row["new"] + row["reactivation"]), "you counted the reactivations as "
                "new: an account back after a month at zero is not new (its first month with "
                "MRR is earlier in the table)."),
        Mistake(float(row["new"] + row["reactivation"] + row["expansion"]), "that is all the "
                "MRR gained in the month: new, reactivation and expansion; new MRR is the "
                "accounts' first month only."),
        Mistake(float(row["new"]) * 100, "that is in cents; the question asks euros."),
    ), money, "new MRR")


@declare("nrr", "Question 7.3, NRR June 2025 vs June 2024", "answer_nrr",
         "set `answer_nrr` to the net revenue retention, as a share (1.05 for 105 %).",
         "take the accounts with MRR > 0 in June 2024; NRR = their MRR in June 2025 (0 for "
         "those who left) / their MRR in June 2024. New accounts stay out.",
         "7.3 NRR over twelve months, June 2025 against June 2024.")
def check_nrr() -> Expected:
    matrix = _revenue_matrix()
    last = pd.Period(EX7["nrr_month"], "M")
    base = matrix.cents[:, matrix.month_index(last - 12)].astype("float64")
    now = matrix.cents[:, matrix.month_index(last)].astype("float64")
    cohort = base > 0
    expected = float(now[cohort].sum() / base[cohort].sum())
    grr = float(np.minimum(now[cohort], base[cohort]).sum() / base[cohort].sum())
    stayed = cohort & (now > 0)
    return Expected("number", expected, "above 100 %: the accounts of June 2024 pay more, all "
                    "together, than a year ago, their expansion outweighing churn and "
                    "contraction." if expected > 1 else "below 100 %: churn and contraction "
                    "outweigh the expansion of the accounts of June 2024.",
                    _distinct(expected, share,
        Mistake(float(now.sum() / base.sum()), "that is the growth of the whole MRR: it "
                "includes the new customers' MRR; NRR follows the accounts of June 2024 only."),
        Mistake(grr, "you capped each account at its MRR of June 2024: that is the GRR; NRR "
                "counts expansion too."),
        Mistake(float(now[stayed].sum() / base[stayed].sum()), "you left out the accounts "
                "that churned; they stay in the base, with 0 in June 2025."),
        Mistake(1 / expected, "that is June 2024 over June 2025, the inverse."),
    ), share, "NRR")


@declare("lifetime_48", "Question 7.4, expected lifetime within 48 months (sBG)",
         "answer_lifetime_48", "set `answer_lifetime_48` to the expected months paid within "
         "48 months of acquisition.",
         "lifetimes = retention.lifetimes(matrix); fit = retention.fit_sbg_lifetimes("
         "lifetimes['periods'], lifetimes['churned']); then retention.expected_lifetime("
         "fit.alpha, fit.beta, 48).",
         "7.4 The sBG expected lifetime within 48 months, fitted to every account of the "
         "revenue table.")
def check_lifetime_48() -> Expected:
    table = retention.lifetimes(_revenue_matrix())
    fit = retention.fit_sbg_lifetimes(table["periods"], table["churned"])
    horizon = int(EX7["horizon_months"])
    expected = retention.expected_lifetime(fit.alpha, fit.beta, horizon)
    churn = retention.fit_geometric(table["periods"], table["churned"])
    return Expected("number", expected, f"alpha {fit.alpha:.3f} and beta {fit.beta:.3f}: "
                    "customers differ, and those who stay churn less and less.",
                    _distinct(expected, months,
        Mistake(retention.constant_churn_lifetime(churn, horizon), "that is a constant churn "
                "fitted to the same lifetimes: it treats every customer as the average one and "
                "understates how long the loyal ones stay; fit the sBG."),
        Mistake(retention.expected_lifetime(fit.alpha, fit.beta, 60), "that is over 60 "
                "months, the audit's default horizon; the question asks within 48."),
        Mistake(1 / churn, "that is 1 / churn, a constant churn's lifetime without a horizon; "
                "the question asks the sBG's expected months within 48."),
        Mistake(retention.expected_lifetime(fit.alpha, fit.beta, horizon + 1), "you summed "
                "S(t) for t = 0 to 48, 49 months; the month of acquisition is t = 0, so stop "
                "at t = 47."),
    ), months, "lifetime")
# ============================================================ exercise 9: the capstone (Clairval)
# A messy client folder (cac_toolkit.course.capstone): every figure comes from its facts, each
# typical mistake from the facts read with that trap.


@cache
def _capstone_kpis(trap: str | None = None) -> dict:
    data = capstone.audit_data() if trap is None else capstone.mistaken(trap)
    params = AuditParameters(period_start=capstone.PERIOD[0], period_end=capstone.PERIOD[1],
                             gross_margin=capstone.GROSS_MARGIN,
                             lifetime_months=capstone.LIFETIME_MONTHS)
    return compute_kpis(data, params)


@declare("capstone_new_customers", "Question 9.1, new customers in the raw deals export",
         "answer_new_customers", "set `answer_new_customers` to the number of customers "
         "Clairval acquired in Q1 2026, counted with pandas in the raw HubSpot export.",
         "keep the won stage, the sales pipeline (renewals have their own), the paying plans, "
         "then each account's first such deal; count those closed from January to March 2026.",
         "9.1 New customers of Q1 2026, counted by hand in the raw deals export.")
def check_capstone_new_customers() -> Expected:
    counts = capstone.export_counts()
    expected = _capstone_kpis()["new_customers"]
    return Expected("number", expected, "accounts whose first paying new deal was won in the "
                    "quarter; the export holds many more rows.", (
        Mistake(counts["rows"], "you counted every row closing in the quarter: lost and open "
                "deals (Deal Stage) never signed a customer."),
        Mistake(counts["won"], "you counted every won deal: renewals, upsells and free "
                "sign-ups acquire nobody."),
        Mistake(counts["won_new_or_blank"], "you kept the won deals whose Deal Type is new "
                "or empty, free sign-ups included: the empty ones are renewals (their own "
                "pipeline), and the Free plan pays nothing."),
        Mistake(counts["won_new"], "you counted the won new-business deals, free sign-ups "
                "included: the Free plan pays nothing."),
        Mistake(counts["won_new_or_blank_paid"], "you counted the renewals: their Deal Type "
                "is empty, and they sit in their own pipeline."),
        Mistake(counts["won_new_paid"], "one account can sign more than one paying new deal: "
                "an account is acquired once, on its first."),
    ), count, "count")


def _sources(answer: object) -> frozenset[str]:
    """The traps a sources.yaml avoids (the text is run on a copy of the client folder)."""
    if isinstance(answer, frozenset):
        return answer
    if not isinstance(answer, str):
        raise TypeError(f"expected the text of sources.yaml (a string), got {_kind_of(answer)}")
    try:
        data = capstone.read_with(answer)
    except CacToolkitError as error:
        raise ValueError(f"the client folder does not read with it: {error}") from None
    return capstone.traps_in(data)


def _missed(value: object) -> list[str]:
    found = value if isinstance(value, frozenset) else frozenset()
    return [capstone.TRAPS[t] for t in capstone.TRAPS if t not in found]


@declare("capstone_sources", "Question 9.2, sources.yaml for the client folder",
         "answer_sources_yaml", "set `answer_sources_yaml` to the text of your sources.yaml.",
         "one source per export with its preset (hubspot_deals, hubspot_contacts, fec, "
         "google_ads), then what the client's note tells you: filter, columns and values for "
         "the deals, accounts and channel_rules for the FEC, scale for the k€ file, "
         "reconcile for the ad report, and a top-level channels map to the six channels.",
         "9.2 The sources.yaml that reads Clairval's exports (run on a copy of the folder).")
def check_capstone_sources() -> Expected:
    return Expected("choice", capstone.ALL_RIGHT, "the mapping reads the exports as the facts: "
                    "won deals only, renewals apart, free sign-ups unpaid, payroll in euros, "
                    "Google Ads once, every acquisition account and nothing else, the client's "
                    "six channels.",
                    tuple(Mistake(capstone.ALL_RIGHT - {t}, why)
                          for t, why in capstone.TRAPS.items()),
                    normalise=_sources, show=lambda v: "this mapping", review=_missed)


@declare("capstone_spend", "Question 9.3, acquisition spend of the quarter", "answer_spend",
         "set `answer_spend` to {'marketing': ..., 'sales': ...} for Q1 2026.",
         "compute_kpis(load_folder(work), params)['spend'] gives both once the mapping is "
         "right; pooled costs count too.",
         "9.3 Marketing and sales spend of Clairval in Q1 2026 (dict).")
def check_capstone_spend() -> Expected:
    def split(trap: str | None = None) -> dict[str, float]:
        spend = _capstone_kpis(trap)["spend"]
        return {"marketing": spend["marketing"], "sales": spend["sales"]}

    right = split()
    return Expected("mapping", right, "pooled lines included, the Google credit note "
                    "netted, the payroll in euros.", _mapping_mistakes(
        (split("thousands"), capstone.TRAPS["thousands"]),
        (split("report_once"), capstone.TRAPS["report_once"]),
        ({"marketing": right["sales"], "sales": right["marketing"]}, "marketing and sales "
         "are swapped."),
    ), money, "spend")


@declare("capstone_cac", "Question 9.4, global CAC of the quarter", "answer_cac",
         "set `answer_cac` to Clairval's global CAC of Q1 2026.",
         "(marketing + sales spend) / new customers of the quarter: compute_kpis gives it as "
         "kpis['cac']['global'].",
         "9.4 Global CAC of Clairval in Q1 2026.")
def check_capstone_cac() -> Expected:
    kpis = _capstone_kpis()
    spend, n = kpis["spend"], kpis["new_customers"]
    counts = capstone.export_counts()
    return Expected("number", kpis["cac"]["global"], f"({money(spend['marketing'])} + "
                    f"{money(spend['sales'])}) / {n} new customers.", (
        Mistake(_capstone_kpis("renewals")["cac"]["global"], capstone.TRAPS["renewals"]),
        Mistake(_capstone_kpis("free")["cac"]["global"], capstone.TRAPS["free"]),
        Mistake(_capstone_kpis("thousands")["cac"]["global"], capstone.TRAPS["thousands"]),
        Mistake(_capstone_kpis("report_once")["cac"]["global"], capstone.TRAPS["report_once"]),
        Mistake(spend["total"] / counts["rows"], capstone.TRAPS["won_only"]),
        Mistake(spend["marketing"] / n, "you divided the marketing spend only; the global "
                "CAC adds the sales spend."),
        Mistake(spend["sales"] / n, "you divided the sales spend only; the global CAC adds "
                "the marketing spend."),
    ), money, "CAC", parts=(spend["marketing"], spend["sales"]))


@declare("capstone_channel_cac", "Question 9.5, fully loaded CAC per channel",
         "answer_channel_cac", "set `answer_channel_cac` to {channel: fully loaded CAC} for "
         "the client's six channels.",
         "kpis['channels'][name]['cac_fully_loaded'] for each channel; the keys are the six "
         "names of the client's note (the channels map of sources.yaml makes spend and deals "
         "meet on them).",
         "9.5 Fully loaded CAC of each of Clairval's channels in Q1 2026 (dict).")
def check_capstone_channel_cac() -> Expected:
    def table(trap: str | None, column: str = "cac_fully_loaded") -> dict[str, float]:
        channels = _capstone_kpis(trap)["channels"]
        return {c: float(channels[c][column]) for c in capstone.CHANNELS}

    def crm_names(answer: object) -> object:
        """An answer keyed by the CRM's source names: the channels were not mapped."""
        given = _as_mapping(answer)
        crm = {v.casefold() for v in capstone.CRM_SOURCE.values()}
        if given is not None and any(str(k).casefold() in crm for k in given):
            raise ValueError(capstone.TRAPS["channels"])
        return answer

    return Expected("mapping", table(None), "each channel's direct spend plus its share of the "
                    "pooled costs, over its new customers.", _mapping_mistakes(
        (table(None, "cac_direct"), "these are the direct CACs: add each channel's share of "
         "the pooled costs (cac_fully_loaded)."),
        (table("renewals"), capstone.TRAPS["renewals"]),
        (table("free"), capstone.TRAPS["free"]),
        (table("thousands"), capstone.TRAPS["thousands"]),
    ), money, "CAC", align=crm_names)


@declare("capstone_ltv_cac", "Question 9.6, LTV/CAC of the quarter", "answer_ltv_cac",
         "set `answer_ltv_cac` with the client's gross margin and customer lifetime.",
         "LTV = ARPA x gross margin x lifetime (months), ARPA being the mean MRR of the "
         "quarter's new customers; divide by the global CAC (kpis['ltv_cac'] with the "
         "parameters of the client's note).",
         "9.6 LTV/CAC of Clairval's Q1 2026 new customers (margin and lifetime from the note).")
def check_capstone_ltv_cac() -> Expected:
    kpis = _capstone_kpis()
    cac, ltv, arpa = kpis["cac"]["global"], kpis["ltv"], kpis["arpa_mrr"]
    verdict = targets.assess_ltv_cac(kpis["ltv_cac"])
    margin, life = capstone.GROSS_MARGIN, capstone.LIFETIME_MONTHS
    return Expected("number", kpis["ltv_cac"], f"{verdict.reason_en}.", (
        Mistake(cac / ltv, "that is CAC / LTV, the inverse."),
        Mistake(arpa * life / cac, "that uses revenue: apply the gross margin of the note."),
        Mistake(arpa * margin * 12 / cac, "that is the first year's margin over the CAC; the "
                "LTV runs over the customer's whole lifetime."),
        Mistake(_capstone_kpis("free")["ltv_cac"], capstone.TRAPS["free"]),
        Mistake(_capstone_kpis("thousands")["ltv_cac"], capstone.TRAPS["thousands"]),
    ), plain, "ratio", parts=(ltv, cac))


@declare("capstone_worst_channel", "Question 9.7, the channel to act on",
         "answer_worst_channel", "set `answer_worst_channel` to a channel name.",
         "the channel whose fully loaded CAC (question 9.5) is the highest; name it as the "
         "client does.",
         "9.7 The channel with the highest fully loaded CAC in Q1 2026 (a name).")
def check_capstone_worst_channel() -> Expected:
    channels = _capstone_kpis()["channels"]
    loaded = {c: channels[c]["cac_fully_loaded"] for c in capstone.CHANNELS}
    expected = max(loaded, key=loaded.get)
    spend = {c: channels[c]["spend_direct"] for c in capstone.CHANNELS}
    mistakes = {min(loaded, key=loaded.get): "that is the cheapest channel, the one to grow.",
                max(spend, key=spend.get): "that channel spends the most, but it also signs "
                "customers: compare the cost per customer.",
                capstone.CRM_SOURCE[expected]: "that is the CRM's name for a channel: name it "
                "as the client and the audit do."}
    mistakes.pop(expected, None)
    options = [*capstone.CHANNELS, *capstone.CRM_SOURCE.values()]
    return Expected("choice", expected, f"{expected} at {money(loaded[expected])} per "
                    "customer, fully loaded.", tuple(Mistake(k, v) for k, v in mistakes.items()),
                    normalise=_name_among(options))


#: The key points of the recommendation paragraph, and what is said when one is missing.
RECOMMENDATION_POINTS = {
    "channel": "it does not name the channel to act on (question 9.7).",
    "health": "it gives no reading of the unit economics: say what LTV/CAC or the payback "
              "says about the quarter.",
    "lever": "it names no lever: what would you change (move budget, cut, qualify better, "
             "renegotiate, automate...)?",
    "alternative": "it does not say where the money should go instead: name a channel that "
                   "acquires for less than the global CAC.",
    "paragraph": "write one paragraph of about 40 to 180 words (no blank line).",
}
_LEVER_WORDS = ("move", "shift", "reallocat", "cut", "reduc", "pause", "stop", "qualif",
                "renegotiat", "automat", "referral", "invest", "increase", "lower", "improve",
                "transfer", "focus", "déplac", "réallou", "rédui", "coupe", "arrêt")


def _recommendation(answer: object) -> frozenset[str]:
    """The key points a recommendation paragraph makes (words, not meaning: a first check)."""
    if isinstance(answer, frozenset):
        return answer
    if not isinstance(answer, str):
        raise TypeError(f"expected a paragraph of text, got {_kind_of(answer)}")
    text = " ".join(answer.split()).lower()
    channels = _capstone_kpis()["channels"]
    cac = _capstone_kpis()["cac"]["global"]
    worst = check_capstone_worst_channel.expect().value
    cheaper = [c for c in capstone.CHANNELS if channels[c]["cac_fully_loaded"] < cac]
    found = set()
    if str(worst).lower() in text:
        found.add("channel")
    if re.search(r"ltv\s*(/|:|to|-to-|sur)\s*cac|payback|pay back|récupération", text):
        found.add("health")
    if any(w in text for w in _LEVER_WORDS):
        found.add("lever")
    if any(c.lower() in text for c in cheaper):
        found.add("alternative")
    words = len(text.split())
    if "\n\n" not in answer.strip() and 40 <= words <= 180:
        found.add("paragraph")
    return frozenset(found)


@declare("capstone_recommendation", "Question 9.8, the recommendation", "answer_recommendation",
         "set `answer_recommendation` to one paragraph for Clairval's CFO.",
         "one paragraph: the health of the quarter (LTV/CAC, payback), the channel to act on, "
         "the lever, and where the budget should go instead.",
         "9.8 A one-paragraph recommendation, checked for its key points.")
def check_capstone_recommendation() -> Expected:
    every = frozenset(RECOMMENDATION_POINTS)
    return Expected("choice", every, "the paragraph reads the quarter's health, names the "
                    "channel to act on, a lever and where the money goes instead. Reread it as "
                    "the CFO would: every figure in it should come from your audit.",
                    tuple(Mistake(every - {p}, why) for p, why in
                          RECOMMENDATION_POINTS.items()),
                    normalise=_recommendation, show=lambda v: "this paragraph",
                    review=lambda v: [RECOMMENDATION_POINTS[p] for p in RECOMMENDATION_POINTS
                                      if p not in (v if isinstance(v, frozenset) else ())])


# ==================================================================== exercise 8: attribution


@cache
def _journey_inputs(bounds: tuple[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every acquisition, the period's new customers, and their counted touches in order.

    A counted touch is on or before the acquisition day (the package's rule); touches are in
    time order per account, ties kept in the table's order.
    """
    every = acquisitions(exercise_data().deals)
    acquired = acquisitions_in(every, _period(bounds))
    touches = exercise_data().touchpoints.merge(acquired[["account_id", "acquired_date"]],
                                                on="account_id")
    touches = touches[touches["timestamp"].dt.normalize() <= touches["acquired_date"]]
    return every, acquired, touches.sort_values(["account_id", "timestamp"], kind="stable")


@cache
def _credits(bounds: tuple[str, str]) -> pd.DataFrame:
    """channels x models credits of the period's new customers (attribution.compare_models)."""
    every, acquired, _ = _journey_inputs(bounds)
    return attribution.compare_models(acquired, exercise_data().touchpoints,
                                      acquired_accounts=every["account_id"],
                                      period_end=_period(bounds).end)


def _model(bounds: tuple[str, str], model: str) -> dict[str, float]:
    return {str(k): float(v) for k, v in _credits(bounds)[model].items()}


def _untouched(bounds: tuple[str, str]) -> pd.Series:
    """The deal channels of the new customers without a counted touch."""
    _, acquired, touches = _journey_inputs(bounds)
    return acquired.loc[~acquired["account_id"].isin(touches["account_id"]), "channel"]


def _by_channel(values: pd.Series, channels: list[str]) -> dict[str, float]:
    return {c: float(values.get(c, 0.0)) for c in channels}


def _adds_up(bounds: tuple[str, str]) -> Callable[[dict[str, float]], list[str]]:
    """A note when a credit table does not add up to the period's new customers."""
    total = float(len(_journey_inputs(bounds)[1]))

    def note(values: dict[str, float]) -> list[str]:
        given = sum(values.values())
        if abs(given - total) < 1e-6:
            return []
        return [f"your credits add up to {given:,.4f}: every model shares each new customer's "
                "unit of credit, so a model's credits add up to the quarter's new customers."]

    return note


def _distinct_mappings(expected: dict[str, float], fmt: Callable[[float], str],
                       *mistakes: Mistake) -> tuple[Mistake, ...]:
    """The mapping mistakes that differ from the expected mapping on at least one key."""
    return tuple(m for m in mistakes if any(
        not _same(float(m.value.get(k, 0.0)), v, fmt)  # type: ignore[union-attr]
        for k, v in expected.items()))


@declare("first_touch", "Question 8.1, first-touch credits", "answer_first_touch",
         "set `answer_first_touch` to the customers credited to each channel (a dict or a "
         "Series by channel).",
         "per new customer of Q3 2025, its touches on or before its acquisition day, in time "
         "order; the first one's channel gets the customer. A customer without such a touch "
         "keeps its deal channel. Then count per channel.",
         "8.1 First-touch credits of the new customers of Q3 2025, per channel.")
def check_first_touch() -> Expected:
    channels = list(_credits(Q3_2025).index)
    expected = _model(Q3_2025, "first_touch")
    _, acquired, touches = _journey_inputs(Q3_2025)
    touched_only = touches.groupby("account_id")["channel"].first().value_counts()
    every_touch = exercise_data().touchpoints
    every_touch = every_touch[every_touch["account_id"].isin(acquired["account_id"])]
    first_ever = every_touch.sort_values(["account_id", "timestamp"], kind="stable").groupby(
        "account_id")["channel"].first()
    never = acquired.loc[~acquired["account_id"].isin(first_ever.index), "channel"]
    return Expected("mapping", expected, "each customer to the channel that opened its "
                    "journey: " + ", ".join(f"{c} {expected[c]:.0f}" for c in channels) + ".",
                    _distinct_mappings(expected, plain,
        Mistake(_model(Q3_2025, "last_touch"), "that is last touch: each customer to its last "
                "touch before signing; first touch gives it to the channel that opened the "
                "journey."),
        Mistake(_model(Q3_2025, "deal"), "those are the deal channels, as sales logged them; "
                "first touch reads the touchpoints."),
        Mistake(_by_channel(touched_only, channels), "you left out the new customers without "
                "a touch before signing: they keep their deal channel, one customer each."),
        Mistake(_by_channel(first_ever.value_counts().add(never.value_counts(), fill_value=0),
                            channels), "you counted touches after the acquisition day; only "
                "the touches on or before the day a customer signs count."),
    ), plain, "credit", notes=_adds_up(Q3_2025))


def _position_without_split(bounds: tuple[str, str]) -> dict[str, float]:
    """40/20/40 with a two-touch journey giving 40 % to each end (the 20 % lost): a mistake."""
    _, _, touches = _journey_inputs(bounds)
    rank = touches.groupby("account_id").cumcount()
    n = touches.groupby("account_id")["channel"].transform("size")
    middle = 0.2 / (n - 2).where(n > 2)
    weight = np.where(n == 1, 1.0, np.where((rank == 0) | (rank == n - 1), 0.4, middle))
    credit = pd.Series(weight, index=touches.index).groupby(touches["channel"]).sum()
    credit = credit.add(_untouched(bounds).value_counts(), fill_value=0)
    return _by_channel(credit, list(_credits(bounds).index))


@declare("position_based", "Question 8.2, position-based credits (40/20/40)",
         "answer_position_based", "set `answer_position_based` to the credits per channel.",
         "per customer: 40 % to the first counted touch, 40 % to the last, 20 % shared by the "
         "touches in between; a single touch gets 100 %, two touches 50/50; customers "
         "without a touch keep their deal channel. attribution.channel_credits(..., "
         "'position_based') does it.",
         "8.2 Position-based (U-shaped, 40/20/40) credits of the Q3 2025 new customers.")
def check_position_based() -> Expected:
    expected = _model(Q3_2025, "position_based")
    return Expected("mapping", expected, "between first and last touch, as the article's "
                    "'simple and readable' model should be.", _distinct_mappings(expected, plain,
        Mistake(_model(Q3_2025, "linear"), "that is linear: every touch gets the same share; "
                "position-based weights the first and last touches (40 % each)."),
        Mistake(_model(Q3_2025, "time_decay"), "that is time decay (recent touches weigh "
                "more); position-based weights the first and last touches."),
        Mistake(_position_without_split(Q3_2025), "a two-touch journey splits 50/50: the "
                "middle's 20 % has no touch to go to, and each customer's credit must add up "
                "to 1."),
    ), plain, "credit", notes=_adds_up(Q3_2025))


def _paths(bounds: tuple[str, str]) -> tuple[list[str], list[str]]:
    """Converting journeys of the period's touched new customers and the lost prospects'."""
    every, _, touches = _journey_inputs(bounds)
    converting = touches.groupby("account_id")["channel"].agg(" > ".join).tolist()
    lost = exercise_data().touchpoints
    lost = lost[~lost["account_id"].isin(every["account_id"])
                & (lost["timestamp"].dt.normalize() <= _period(bounds).end)]
    lost = lost.sort_values(["account_id", "timestamp"], kind="stable")
    return converting, lost.groupby("account_id")["channel"].agg(" > ".join).tolist()


@declare("removal_effect", "Question 8.3, Markov removal effect of SEO", "answer_removal_effect",
         "set `answer_removal_effect` to SEO's removal effect, as a share between 0 and 1.",
         "build the journeys as strings 'A > B > C': the counted touches of each Q3 2025 new "
         "customer, and the touches up to 30 September of the accounts never acquired (lost "
         "prospects); attribution.markov_removal_effects(converting, lost)['SEO'].",
         "8.3 SEO's removal effect in the first-order Markov chain of the Q3 2025 journeys.")
def check_removal_effect() -> Expected:
    converting, lost = _paths(Q3_2025)
    effects = attribution.markov_removal_effects(converting, lost)
    expected = float(effects["SEO"])
    return Expected("number", expected, f"without SEO, {expected:.1%} of the conversions would "
                    "be lost; normalised over the channels, the removal effects give the Markov "
                    "credits.", _distinct(expected, share,
        Mistake(expected / float(effects.sum()), "that is SEO's share of the removal effects "
                "(normalised to add up to 1), which gives the Markov credit; the removal effect "
                "is the share of conversions lost without SEO."),
        Mistake(float(attribution.markov_removal_effects(converting, [])["SEO"]), "you left "
                "out the lost prospects' journeys; the chain needs them, or every journey "
                "converts."),
        Mistake(1 - expected, "that is the share of conversions kept without SEO; the removal "
                "effect is the share lost."),
    ), share, "removal effect")


@declare("seo_cac_position", "Question 8.4, SEO's direct CAC under position-based",
         "answer_seo_cac", "set `answer_seo_cac` to SEO's direct CAC of Q3 2025 with the "
         "position-based credits.",
         "SEO's direct spend of the quarter (spend lines with channel 'SEO') / SEO's "
         "position-based credit (question 8.2).",
         "8.4 Direct CAC of SEO in Q3 2025, its customers credited by position-based "
         "attribution.")
def check_seo_cac_position() -> Expected:
    lines = _spend_in(Q3_2025)
    seo = float(lines.loc[lines["channel"] == "SEO", "amount"].sum())
    credit = _model(Q3_2025, "position_based")["SEO"]
    expected = seo / credit
    return Expected("number", expected, f"{money(seo)} over {credit:.2f} customers credited; "
                    "the deal channel and last touch give other CACs for the same spend.",
                    _distinct(expected, money,
        Mistake(seo / _model(Q3_2025, "deal")["SEO"], "that divides by SEO's customers by deal "
                "channel; the question credits them by position-based attribution."),
        Mistake(seo / _model(Q3_2025, "last_touch")["SEO"], "that is SEO's CAC under last "
                "touch; use the position-based credit."),
        Mistake(seo / _model(Q3_2025, "first_touch")["SEO"], "that is SEO's CAC under first "
                "touch; use the position-based credit."),
    ), money, "CAC", parts=(seo, credit))


@declare("journey_opener", "Question 8.5, who loses most under last click?",
         "answer_loses_most", "set `answer_loses_most` to a channel name.",
         "compare each channel's last-touch credit with its first-touch credit (questions "
         "8.1 and attribution.channel_credits(..., 'last_touch')); the largest fall.",
         "8.5 The channel that loses the most credit from first touch to last touch.")
def check_journey_opener() -> Expected:
    credits = _credits(Q3_2025)
    change = credits["last_touch"] - credits["first_touch"]
    expected = str(change.idxmin())
    mistakes = {str(change.idxmax()): "that channel gains the most under last touch: it closes "
                "journeys; the question asks which one loses, the channel that opens them.",
                str(credits["last_touch"].idxmin()): "that channel has the fewest last-touch "
                "customers, but the question asks the largest fall from first to last touch."}
    mistakes.pop(expected, None)
    return Expected("choice", expected, f"{expected} opens journeys that other channels close: "
                    "judged on last click alone, its CAC would look too high and its budget "
                    "cut.", tuple(Mistake(k, v) for k, v in mistakes.items()),
                    normalise=_name_among([str(c) for c in credits.index]))


#: Every check, by exercise notebook (used by the tests and the course index).
CHECKS: dict[str, tuple[Check, ...]] = {
    "ex01_cac_basics": (check_spend, check_new_customers, check_cac, check_cac_split,
                        check_cpa_ads),
    "ex02_channels_and_allocation": (check_direct_cac, check_shared_allocation,
                                     check_fully_loaded, check_channel_ranking),
    "ex03_ltv_payback": (check_ltv, check_ltv_cac, check_payback, check_verdicts,
                         check_ltv_churn, check_min_mrr),
    "ex04_pitfalls_cohorts": (check_monthly_cac, check_half_year_cac, check_freemium,
                              check_cohort_conversion, check_sectors),
    "ex05_funnel_kpis": (check_meeting_to_opportunity, check_opportunity_to_win,
                         check_quote_conversion, check_sales_cycle, check_owners_below_target,
                         check_margin_multiple),
    "ex06_dashboard": (check_cac_trend, check_top_channel_share, check_warning_cac_vs_arpa,
                       check_referral, check_mix),
    "ex07_retention": (check_logo_churn, check_new_mrr, check_nrr, check_lifetime_48),
    "ex08_attribution": (check_first_touch, check_position_based, check_removal_effect,
                         check_seo_cac_position, check_journey_opener),
    "ex09_capstone": (check_capstone_new_customers, check_capstone_sources,
                      check_capstone_spend, check_capstone_cac, check_capstone_channel_cac,
                      check_capstone_ltv_cac, check_capstone_worst_channel,
                      check_capstone_recommendation),
}
