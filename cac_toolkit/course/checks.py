"""Automatic feedback for the course exercises (``exercises/`` and ``solutions/``).

Each ``check_<name>(answer)`` compares a learner's answer with the figure the package computes
from the same data, prints what is right, what is off and a hint, and returns a
:class:`Feedback`. A blank answer (``None``) prints a friendly "Not done yet" and never raises,
so a blank exercise notebook runs from top to bottom.

Typical mistakes are recognised by recomputing them: dividing the sales spend only, counting
renewals or free sign-ups as customers, dividing by the wrong funnel stage, averaging monthly
CACs... When an answer matches one of them, the feedback names it with the figures involved.

The exercises use the sample company (``data/sample_company``) over other quarters than the
course, and made-up unit economics, so that answers must be computed rather than copied.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from cac_toolkit.audit.kpis import compute_kpis
from cac_toolkit.audit.params import AuditParameters
from cac_toolkit.core.money import allocate
from cac_toolkit.core.notes import Notes as _Notes
from cac_toolkit.core.periods import Period
from cac_toolkit.core.resources import data_path
from cac_toolkit.course.levers import blended_cac
from cac_toolkit.data.loading import AuditData, load_folder
from cac_toolkit.figures import formulas, targets
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
#: Exercise 6: the referral programme and the 30/50/20 mix of the CAC article.
EX6 = {"referral_share": 0.15, "cost_ratio": 5.0,
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


def _emit(feedback: Feedback) -> Feedback:
    print(feedback.text)
    return feedback


def _not_done(question: str, task: str, hint: str) -> Feedback:
    task = task[0].upper() + task[1:]
    return _emit(Feedback(question, "not_done", [f"{task} Then run this cell again.",
                                                 f"{HINT} {hint}"]))


def _invalid(question: str, message: str, hint: str) -> Feedback:
    return _emit(Feedback(question, "invalid", [f"{OFF} {message}", f"{HINT} {hint}"]))


# ----------------------------------------------------------------------------- formatting


def money(value: float) -> str:
    """``1,906.94``: an amount to the cent with thousands separators (no currency sign)."""
    return f"{value:,.2f}"


def share(value: float) -> str:
    """``48.21 % (0.4821)``: a ratio as a percentage and as the share it is."""
    return f"{value:.2%} ({value:.4f})".replace("%", " %")


def days(value: float) -> str:
    return f"{value:,.1f} days"


def months(value: float) -> str:
    return f"{value:,.2f} months"


def count(value: float) -> str:
    return f"{value:,.0f}"


def plain(value: float) -> str:
    return f"{value:,.4f}"


#: How close counts as exact, per kind: money to the cent, shares to 4 decimals.
_EXACT = {money: 0.0051, share: 0.00006, days: 0.051, months: 0.0051, count: 0.01,
          plain: 0.00006}
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


@dataclass(frozen=True)
class Mistake:
    """A wrong figure we know how to explain: ``value`` is what that mistake gives."""

    value: float
    why: str


def _number(question: str, name: str, answer: object, expected: float,
            fmt: Callable[[float], str], right: str, mistakes: list[Mistake], hint: str,
            what: str) -> Feedback:
    """Feedback on a single number."""
    value = _as_number(answer)
    if value is None:
        return _invalid(question, f"`{name}` should be a single number ({what}); it is "
                        f"{_kind_of(answer)}.", hint)
    if math.isnan(value):
        return _invalid(question, f"`{name}` is NaN: a division by zero or an empty "
                        "selection upstream?", hint)
    if _same(value, expected, fmt):
        return _emit(Feedback(question, "correct", [f"{RIGHT} {fmt(expected)}: {right}"]))
    for mistake in mistakes:
        if not _same(mistake.value, expected, fmt) and _same(value, mistake.value, fmt):
            return _emit(Feedback(question, "wrong", [
                f"{OFF} your {what} is {fmt(value)}: {mistake.why}", f"{HINT} {hint}"]))
    if fmt is share and 1 < abs(value) <= 100 and _same(value / 100, expected, fmt):
        return _emit(Feedback(question, "close", [
            f"{OFF} {fmt(expected)} is right but you gave {value:g}: give a share between "
            "0 and 1 (0.25 for 25 %), not a percentage.", f"{HINT} {hint}"]))
    if _near(value, expected):
        return _emit(Feedback(question, "close", [
            f"{OFF} your {what} is {fmt(value)}, very close to the expected {fmt(expected)}: "
            "a rounding, or a row or two selected differently?", f"{HINT} {hint}"]))
    return _emit(Feedback(question, "wrong", [
        f"{OFF} your {what} is {fmt(value)}; it does not match the expected figure nor a "
        "mistake I know.", f"{HINT} {hint}"]))


def _as_mapping(answer: object) -> dict[str, object] | None:
    if isinstance(answer, pd.Series):
        return {str(k): v for k, v in answer.items()}
    if isinstance(answer, Mapping):
        return {str(k): v for k, v in answer.items()}
    return None


def _mapping(question: str, name: str, answer: object, expected: Mapping[str, float],
             fmt: Callable[[float], str], right: str, mistakes: list[tuple[dict[str, float], str]],
             hint: str, what: str, notes: Callable[[dict[str, float]], list[str]] | None = None
             ) -> Feedback:
    """Feedback on one number per key (per channel, per category).

    ``notes`` may add lines about a wrong answer as a whole (its values by key).
    """
    given = _as_mapping(answer)
    keys = list(expected)
    if given is None:
        total = _as_number(answer)
        extra = ""
        if total is not None and _same(total, float(sum(expected.values())), fmt):
            extra = " (it equals the total of the expected values: keep them apart)"
        return _invalid(question, f"`{name}` should give one number per key ({', '.join(keys)})"
                        f"; it is {_kind_of(answer)}{extra}.", hint)
    missing = [k for k in keys if k not in given]
    if missing:
        return _invalid(question, f"`{name}` has no value for {', '.join(missing)}; expected "
                        f"keys: {', '.join(keys)}.", hint)
    values = {k: _as_number(given[k]) for k in keys}
    bad_type = [k for k, v in values.items() if v is None]
    if bad_type:
        return _invalid(question, f"the value for {bad_type[0]} is {_kind_of(given[bad_type[0]])}"
                        ", not a number.", hint)
    wrong = [k for k in keys if not _same(values[k], expected[k], fmt)]  # type: ignore[arg-type]
    if not wrong:
        return _emit(Feedback(question, "correct", [f"{RIGHT} {right}"]))
    for values_of_mistake, why in mistakes:
        if all(_same(values[k], values_of_mistake[k], fmt) for k in keys) and any(
                not _same(values_of_mistake[k], expected[k], fmt) for k in keys):
            return _emit(Feedback(question, "wrong", [f"{OFF} {why}", f"{HINT} {hint}"]))
    lines = [f"{RIGHT} {k}: {fmt(expected[k])}" for k in keys if k not in wrong]
    status = "close" if all(_near(values[k], expected[k]) for k in wrong) else "wrong"
    for k in wrong:
        lines.append(f"{OFF} {k}: you have {fmt(values[k])}, expected {fmt(expected[k])}"  # type: ignore[arg-type]
                     if status == "close" else f"{OFF} {k}: {fmt(values[k])} is off")  # type: ignore[arg-type]
    if notes is not None:
        lines += [f"{OFF} {line}" for line in notes(values)]  # type: ignore[arg-type]
    lines.append(f"{HINT} {hint}")
    return _emit(Feedback(question, status, lines))


def _choice(question: str, name: str, answer: object, expected: object, right: str,
            mistakes: Mapping[object, str], hint: str, normalise: Callable[[object], object]
            ) -> Feedback:
    """Feedback on a name, a set of names or a yes/no."""
    try:
        value = normalise(answer)
    except (TypeError, ValueError) as error:
        return _invalid(question, f"`{name}`: {error}", hint)
    if value == expected:
        return _emit(Feedback(question, "correct", [f"{RIGHT} {right}"]))
    if value in mistakes:
        return _emit(Feedback(question, "wrong", [f"{OFF} {mistakes[value]}", f"{HINT} {hint}"]))
    return _emit(Feedback(question, "wrong", [f"{OFF} {value!r} is not the answer.",
                                              f"{HINT} {hint}"]))


def _name(answer: object) -> str:
    if not isinstance(answer, str):
        raise TypeError(f"expected a name (text), got {_kind_of(answer)}")
    return answer.strip()


def _names(answer: object) -> frozenset[str]:
    if isinstance(answer, str):
        return frozenset([answer.strip()])
    if isinstance(answer, pd.Index | pd.Series | list | tuple | set | frozenset):
        return frozenset(str(v).strip() for v in answer)
    raise TypeError(f"expected a set of names, got {_kind_of(answer)}")


def _bool(answer: object) -> bool:
    if isinstance(answer, bool | np.bool_):
        return bool(answer)
    raise TypeError(f"expected True or False, got {_kind_of(answer)}")


# ------------------------------------------------------------------------------- the data


@cache
def sample_data() -> AuditData:
    """The sample company, loaded once per session."""
    return load_folder(data_path("sample_company"))


def _period(bounds: tuple[str, str]) -> Period:
    return Period(pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]))


@cache
def _kpis(bounds: tuple[str, str], gross_margin: float | None = None,
          lifetime_months: float | None = None) -> dict:
    params = AuditParameters(period_start=bounds[0], period_end=bounds[1],
                             gross_margin=gross_margin, lifetime_months=lifetime_months)
    return compute_kpis(sample_data(), params)


def _spend_in(bounds: tuple[str, str]) -> pd.DataFrame:
    spend = sample_data().spend
    return spend[_period(bounds).contains(spend["date"])]


def _deals_in(bounds: tuple[str, str]) -> pd.DataFrame:
    deals = sample_data().deals
    return deals[_period(bounds).contains(deals["won_date"])]


def _acquired(bounds: tuple[str, str]) -> pd.DataFrame:
    return acquisitions_in(acquisitions(sample_data().deals), _period(bounds))


def _cohort(bounds: tuple[str, str]) -> pd.DataFrame:
    leads = sample_data().leads
    return leads[_period(bounds).contains(leads["created_date"])]


def _funnel(bounds: tuple[str, str]) -> dict:
    return funnel_kpis(sample_data().leads, _period(bounds), _Notes())


def _safe(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


# ======================================================================= exercise 1: CAC basics


def check_spend(answer: object) -> Feedback:
    """1.1 Marketing and sales spend booked in Q3 2025 (dict ``{"marketing", "sales"}``)."""
    question = "Question 1.1, spend of the quarter"
    hint = ("keep the spend lines whose date is in `quarter` (quarter.contains(spend['date'])), "
            "then sum `amount` by `category`; pooled (shared) lines count too.")
    if answer is None:
        return _not_done(question, "set `answer_spend` to a dict {'marketing': ..., 'sales': ...}"
                         " of the spend booked from July to September 2025.", hint)
    lines = _spend_in(Q3_2025)
    expected = lines.groupby("category")["amount"].sum().to_dict()
    pooled = float(lines.loc[lines["channel"] == "shared", "amount"].sum())
    everything = sample_data().spend.groupby("category")["amount"].sum().to_dict()
    direct = lines[lines["channel"] != "shared"].groupby("category")["amount"].sum().to_dict()
    swapped = {"marketing": expected["sales"], "sales": expected["marketing"]}
    mistakes = [
        (everything, "these are the totals of the whole two years: keep only the quarter's "
         f"lines (marketing {money(expected['marketing'])}, sales {money(expected['sales'])})."),
        (direct, "you left out the pooled lines (channel 'shared': salaries of account "
         f"executives, CRM, management...), {money(pooled)} in all; they are acquisition "
         "costs too."),
        (swapped, "marketing and sales are swapped."),
    ]
    return _mapping(question, "answer_spend", answer,
                    {"marketing": expected["marketing"], "sales": expected["sales"]}, money,
                    f"marketing {money(expected['marketing'])} and sales "
                    f"{money(expected['sales'])}, pooled costs included.", mistakes, hint,
                    "spend")


def check_new_customers(answer: object) -> Feedback:
    """1.2 New customers of Q3 2025 under the counting rules (an integer)."""
    question = "Question 1.2, new customers"
    hint = ("keep deals with type == 'new' and paid true, take each account's FIRST such deal "
            "(sort by won_date, drop_duplicates on account_id), then count those dated in the "
            "quarter.")
    if answer is None:
        return _not_done(question, "set `answer_new_customers` to the number of accounts "
                         "acquired from July to September 2025.", hint)
    deals = _deals_in(Q3_2025)
    expected = len(_acquired(Q3_2025))
    new = deals[deals["type"] == "new"]
    paid_new = new[new["paid"]]
    mistakes = [
        Mistake(len(deals), "that is every deal of the quarter: renewals, upsells, "
                "cross-sells and reactivations never acquire a customer."),
        Mistake(len(new), "that counts every 'new' deal, free sign-ups included: only "
                "paying accounts count (freemium and unpaid POC costs stay, customers do not)."),
        Mistake(new["account_id"].nunique(), "those are the accounts with a 'new' deal, paid "
                "or not: drop the unpaid sign-ups (paid == False)."),
        Mistake(len(paid_new), "that counts paid 'new' deals, but "
                f"{len(paid_new) - expected} of them belong to accounts acquired before the "
                "quarter: an account is acquired once, on its first paid 'new' deal."),
    ]
    return _number(question, "answer_new_customers", answer, expected, count,
                   "accounts whose first paid 'new' deal is in the quarter.", mistakes, hint,
                   "count")


def check_cac(answer: object) -> Feedback:
    """1.3 Global CAC of Q3 2025 (currency per customer)."""
    question = "Question 1.3, global CAC"
    hint = ("global CAC = (marketing + sales spend) / new customers: "
            "formulas.cac_global(marketing, sales, new_customers).")
    if answer is None:
        return _not_done(question, "set `answer_cac` to the global CAC of July-September 2025.",
                         hint)
    lines = _spend_in(Q3_2025)
    marketing = float(lines.loc[lines["category"] == "marketing", "amount"].sum())
    sales = float(lines.loc[lines["category"] == "sales", "amount"].sum())
    n = len(_acquired(Q3_2025))
    deals = _deals_in(Q3_2025)
    new = deals[deals["type"] == "new"]
    shared = float(lines.loc[lines["channel"] == "shared", "amount"].sum())
    expected = formulas.cac_global(marketing, sales, n)
    mistakes = [
        Mistake(sales / n, f"you divided the sales spend only; the global CAC adds the "
                f"marketing spend ({money(marketing)})."),
        Mistake(marketing / n, f"you divided the marketing spend only; the global CAC adds the "
                f"sales spend ({money(sales)}): salaries, commissions, tools."),
        Mistake((marketing + sales) / len(deals), f"you divided by all {len(deals)} deals of the"
                f" quarter; only the {n} new paying accounts count."),
        Mistake((marketing + sales) / len(new), f"you divided by {len(new)} 'new' deals, free "
                f"sign-ups included; only the {n} paying accounts count, which raises the CAC."),
        Mistake((marketing + sales) / len(new[new["paid"]]), "you divided by the paid 'new' "
                "deals; some accounts had been acquired before the quarter."),
        Mistake((marketing + sales - shared) / n, f"you left out the pooled costs "
                f"({money(shared)}): account executives, CRM and management are acquisition "
                "costs."),
    ]
    return _number(question, "answer_cac", answer, expected, money,
                   f"({money(marketing)} + {money(sales)}) / {n} new customers.", mistakes, hint,
                   "CAC")


def check_cac_split(answer: object) -> Feedback:
    """1.4 Marketing CAC and sales CAC of Q3 2025 (dict)."""
    question = "Question 1.4, marketing and sales CAC"
    hint = ("each budget over the same new customers: formulas.cac_marketing(marketing, n) and "
            "formulas.cac_sales(sales, n); the two add up to the global CAC.")
    if answer is None:
        return _not_done(question, "set `answer_cac_split` to {'marketing': ..., 'sales': ...}.",
                         hint)
    kpis = _kpis(Q3_2025)
    expected = {"marketing": kpis["cac"]["marketing"], "sales": kpis["cac"]["sales"]}
    total = kpis["spend"]["total"]
    shares = {"marketing": kpis["spend"]["marketing"] / total,
              "sales": kpis["spend"]["sales"] / total}
    mistakes = [(shares, "these are each budget's share of the spend, not CACs: divide each "
                 "budget by the number of new customers.")]
    return _mapping(question, "answer_cac_split", answer, expected, money,
                    f"marketing CAC {money(expected['marketing'])} + sales CAC "
                    f"{money(expected['sales'])} = global CAC {money(kpis['cac']['global'])}: "
                    "the sales side weighs most, as the article warns.", mistakes, hint, "CAC")


def check_cpa_ads(answer: object) -> Feedback:
    """1.5 Cost per lead of the Ads channel in Q3 2025 (Ads spend / Ads leads created)."""
    question = "Question 1.5, CPA of Ads"
    hint = ("CPA = the channel's own (direct) spend / the leads it brought: filter spend on "
            "channel == 'Ads', leads on channel == 'Ads' created in the quarter "
            "(formulas.cpa(spend, leads)).")
    if answer is None:
        return _not_done(question, "set `answer_cpa_ads` to the cost per lead of Ads.", hint)
    lines = _spend_in(Q3_2025)
    ads = float(lines.loc[lines["channel"] == "Ads", "amount"].sum())
    cohort = _cohort(Q3_2025)
    ads_leads = cohort[cohort["channel"] == "Ads"]
    customers = int((_acquired(Q3_2025)["channel"] == "Ads").sum())
    expected = formulas.cpa(ads, len(ads_leads))
    mistakes = [
        Mistake(ads / customers, f"you divided by Ads' {customers} new customers: that is the "
                "direct CAC of Ads; a CPA stops at the action (the lead)."),
        Mistake(ads / int(ads_leads["mql_date"].notna().sum()), "you divided by the qualified "
                "leads (with an MQL date); the CPA counts every lead the media brought."),
        Mistake(float(lines["amount"].sum()) / len(ads_leads), "you divided the whole "
                "acquisition spend by Ads' leads; the CPA uses the channel's media spend only."),
    ]
    return _number(question, "answer_cpa_ads", answer, expected, money,
                   f"{money(ads)} of Ads spend / {len(ads_leads)} Ads leads. The same channel's "
                   f"direct CAC is {money(ads / customers)}: a CPA is always far below the CAC.",
                   mistakes, hint, "CPA")


# ============================================================ exercise 2: channels and allocation


def _channel_inputs() -> tuple[pd.Series, pd.Series, float]:
    lines = _spend_in(Q2_2025)
    direct = lines[lines["channel"] != "shared"].groupby("channel")["amount"].sum()
    customers = _acquired(Q2_2025).groupby("channel").size().astype("float64")
    shared = float(lines.loc[lines["channel"] == "shared", "amount"].sum())
    return direct, customers, shared


def check_direct_cac(answer: object) -> Feedback:
    """2.1 Direct CAC per channel in Q2 2025 (Series or dict by channel)."""
    question = "Question 2.1, direct CAC per channel"
    hint = ("direct spend per channel (spend lines whose channel is not 'shared') divided by the "
            "channel's new customers (channel of the acquiring deal).")
    if answer is None:
        return _not_done(question, "set `answer_direct_cac` to a Series indexed by channel.",
                         hint)
    direct, customers, shared = _channel_inputs()
    table = channel_cac(direct, customers, shared)
    expected = table["cac_direct"].to_dict()
    equal = {c: (direct[c] + shared / len(direct)) / customers[c] for c in expected}
    all_new = _deals_in(Q2_2025)
    all_new = all_new[all_new["type"] == "new"].groupby("channel").size()
    with_free = {c: direct[c] / all_new[c] for c in expected}
    mistakes = [
        (equal, "you added an equal part of the pooled costs to each channel: the direct CAC "
         "uses each channel's own spend only (pooled costs come in question 2.3)."),
        (with_free, "you divided by every 'new' deal, free sign-ups included: only paying "
         "accounts count."),
    ]
    best = min(expected, key=expected.get)
    return _mapping(question, "answer_direct_cac", answer, expected, money,
                    f"the cheapest channel on direct costs is {best} "
                    f"({money(expected[best])} per customer).", mistakes, hint, "CAC")


def check_shared_allocation(answer: object) -> Feedback:
    """2.2 Pooled costs of Q2 2025 allocated by each channel's share of new customers."""
    question = "Question 2.2, pooled costs allocated"
    hint = ("money.allocate(shared_total, new_customers_per_channel) splits the pooled costs in "
            "proportion to the key, to the cent, and the parts add back to the total.")
    if answer is None:
        return _not_done(question, "set `answer_shared` to the pooled costs allocated to each "
                         "channel (a Series by channel).", hint)
    direct, customers, shared = _channel_inputs()
    expected = allocate(shared, customers).to_dict()
    equal = {c: shared / len(customers) for c in customers.index}
    by_spend = allocate(shared, direct.reindex(customers.index)).to_dict()
    mistakes = [
        (equal, f"you split the pooled {money(shared)} equally; the key is each channel's "
         "share of new customers."),
        (by_spend, "you split by direct spend; the audit's default key is the share of new "
         "customers (opportunities or pipeline are the other stable keys)."),
    ]

    def adds_back(values: dict[str, float]) -> list[str]:
        total = sum(values.values())
        return [] if _same(total, shared, money) else [
            f"your parts add up to {money(total)}, not to the pooled {money(shared)}."]

    return _mapping(question, "answer_shared", answer, expected, money,
                    f"the pooled {money(shared)} split by new customers, adding back to the "
                    "cent.", mistakes, hint, "allocation", notes=adds_back)


def check_fully_loaded(answer: object) -> Feedback:
    """2.3 Fully loaded CAC per channel in Q2 2025."""
    question = "Question 2.3, fully loaded CAC per channel"
    hint = ("(direct spend + allocated pooled costs) / new customers, per channel; "
            "formulas.channel_cac(direct, customers, shared) does it all.")
    if answer is None:
        return _not_done(question, "set `answer_fully_loaded` to a Series by channel.", hint)
    direct, customers, shared = _channel_inputs()
    table = channel_cac(direct, customers, shared)
    expected = table["cac_fully_loaded"].to_dict()
    no_direct = {c: table.loc[c, "shared_allocated"] / customers[c] for c in expected}
    mistakes = [(table["cac_direct"].to_dict(), "these are the direct CACs: add each channel's "
                 "share of the pooled costs."),
                (no_direct, "you divided the allocated pooled costs only: add the channel's "
                 "direct spend.")]
    return _mapping(question, "answer_fully_loaded", answer, expected, money,
                    "with the new-customer key every channel carries the same pooled cost per "
                    f"customer ({money(shared / customers.sum())}).", mistakes, hint, "CAC")


def check_channel_ranking(answer: object) -> Feedback:
    """2.4 The channel with the highest fully loaded CAC in Q2 2025 (a name)."""
    question = "Question 2.4, the most expensive channel"
    hint = "sort the fully loaded CACs of question 2.3 (idxmax)."
    if answer is None:
        return _not_done(question, "set `answer_most_expensive` to a channel name.", hint)
    direct, customers, shared = _channel_inputs()
    table = channel_cac(direct, customers, shared)
    expected = str(table["cac_fully_loaded"].idxmax())
    mistakes = {str(table["cac_fully_loaded"].idxmin()): "that is the cheapest channel.",
                str(direct.idxmax()): "that channel spends the most, but it also signs more "
                "customers: compare costs per customer."}
    mistakes.pop(expected, None)
    return _choice(question, "answer_most_expensive", answer, expected,
                   f"{expected} at {money(table.loc[expected, 'cac_fully_loaded'])} per "
                   "customer, fully loaded.", mistakes, hint, _name)


# ============================================================== exercise 3: LTV and payback


def check_ltv(answer: object) -> Feedback:
    """3.1 LTV = 180 a month x 40 months x 75 % margin."""
    question = "Question 3.1, lifetime value"
    hint = ("LTV = revenue per period x number of periods x gross margin "
            "(formulas.ltv_from_revenue).")
    if answer is None:
        return _not_done(question, "set `answer_ltv` to the lifetime value of one customer.",
                         hint)
    mrr, margin, life = EX3["mrr"], EX3["gross_margin"], EX3["lifetime_months"]
    expected = ltv_from_revenue(mrr, life, margin)
    mistakes = [
        Mistake(mrr * life, "that is revenue, not value: multiply by the gross margin (75 %)."),
        Mistake(mrr * 12 * life * margin, "you multiplied a yearly revenue by a number of "
                "months: keep both monthly."),
        Mistake(mrr * life * margin * 100, "the margin is a share (0.75), not 75."),
    ]
    return _number(question, "answer_ltv", answer, expected, money,
                   f"{money(mrr)} x {life:g} months x {margin:.0%}.", mistakes, hint, "LTV")


def check_ltv_cac(answer: object) -> Feedback:
    """3.2 LTV/CAC with a CAC of 1,650."""
    question = "Question 3.2, LTV/CAC"
    hint = "LTV / CAC (formulas.ltv_cac_ratio): value created per euro spent on acquisition."
    if answer is None:
        return _not_done(question, "set `answer_ltv_cac` to the LTV/CAC ratio.", hint)
    ltv = ltv_from_revenue(EX3["mrr"], EX3["lifetime_months"], EX3["gross_margin"])
    cac = EX3["cac"]
    expected = formulas.ltv_cac_ratio(ltv, cac)
    mistakes = [
        Mistake(cac / ltv, "that is CAC / LTV, the inverse."),
        Mistake(EX3["mrr"] * EX3["lifetime_months"] / cac, "that uses revenue instead of the "
                "LTV: apply the gross margin first."),
    ]
    return _number(question, "answer_ltv_cac", answer, expected, plain,
                   f"{money(ltv)} / {money(cac)}; above 3, the usual target.", mistakes, hint,
                   "ratio")


def check_payback(answer: object) -> Feedback:
    """3.3 Payback in months = CAC / (monthly revenue x margin)."""
    question = "Question 3.3, payback"
    hint = "payback (months) = CAC / monthly gross margin per customer (formulas.payback_months)."
    if answer is None:
        return _not_done(question, "set `answer_payback` to the payback in months.", hint)
    mrr, margin, cac = EX3["mrr"], EX3["gross_margin"], EX3["cac"]
    expected = formulas.payback_months(cac, mrr, margin)
    mistakes = [
        Mistake(cac / mrr, "you divided by the revenue; the CAC is paid back by gross margin, "
                f"{money(mrr * margin)} a month."),
        Mistake(expected / 12, "that is in years; give months."),
        Mistake(cac / (mrr * margin * 12), "you divided by a yearly margin: that gives years."),
    ]
    return _number(question, "answer_payback", answer, expected, months,
                   f"{money(cac)} / ({money(mrr)} x {margin:.0%}).", mistakes, hint, "payback")


def check_verdicts(answer: object) -> Feedback:
    """3.4 Verdicts on LTV/CAC and payback (dict of statuses)."""
    question = "Question 3.4, verdicts"
    hint = ("targets.assess_ltv_cac(ratio).status and targets.assess_payback(months).status; "
            "read each reason too.")
    if answer is None:
        return _not_done(question, "set `answer_verdicts` to {'ltv_cac': status, 'payback': "
                         "status}, each 'good', 'watch' or 'bad'.", hint)
    ltv = ltv_from_revenue(EX3["mrr"], EX3["lifetime_months"], EX3["gross_margin"])
    ratio = targets.assess_ltv_cac(formulas.ltv_cac_ratio(ltv, EX3["cac"]))
    payback = targets.assess_payback(formulas.payback_months(EX3["cac"], EX3["mrr"],
                                                             EX3["gross_margin"]))
    expected = (ratio.status, payback.status)

    def normalise(value: object) -> tuple[str, str]:
        given = _as_mapping(value)
        if given is None or set(given) != {"ltv_cac", "payback"}:
            raise TypeError("expected a dict with the keys 'ltv_cac' and 'payback', got "
                            f"{_kind_of(value)}")
        return (str(given["ltv_cac"]).strip().lower(), str(given["payback"]).strip().lower())

    mistakes = {(ratio.status, "good"): f"the payback is '{payback.status}': "
                f"{payback.reason_en}. The healthy limit is 12 months, and a ratio above 3 can "
                "come with a slow payback.",
                ("watch", payback.status): f"{ratio.reason_en}: above 3 is 'good'."}
    mistakes.pop(expected, None)
    return _choice(question, "answer_verdicts", answer, expected,
                   f"LTV/CAC {ratio.status} ({ratio.reason_en}); payback {payback.status} "
                   f"({payback.reason_en}).", mistakes, hint, normalise)


def _arpa_q3() -> tuple[float, pd.DataFrame]:
    acquired = _acquired(Q3_2025)
    return float(acquired["mrr"].mean()), acquired


def check_ltv_churn(answer: object) -> Feedback:
    """3.5 SaaS LTV from churn on the sample company's Q3 2025 new customers."""
    question = "Question 3.5, LTV from churn"
    hint = ("ARPA = mean MRR of the acquiring deals of the quarter's new customers; "
            "LTV = ARPA x margin / monthly churn (formulas.ltv_from_churn).")
    if answer is None:
        return _not_done(question, "set `answer_ltv_churn` with a 78 % margin and a 2.5 % "
                         "monthly churn.", hint)
    arpa, _ = _arpa_q3()
    margin, churn = EX3["churn_margin"], EX3["monthly_churn"]
    expected = ltv_from_churn(arpa, margin, churn)
    deals = _deals_in(Q3_2025)
    all_mrr = float(deals["mrr"].mean())
    new = deals[deals["type"] == "new"]
    mistakes = [
        Mistake(arpa * margin / (churn * 100), "the churn is a share (0.025), not 2.5."),
        Mistake(arpa * margin * churn, "multiply by the lifetime, 1 / churn: divide by the "
                "churn."),
        Mistake(arpa / churn, "that is lifetime revenue: apply the 78 % gross margin."),
        Mistake(all_mrr * margin / churn, "your ARPA averages every deal of the quarter "
                "(renewals, upsells...); use the acquiring deals of the new customers only."),
        Mistake(float(new["mrr"].mean()) * margin / churn, "your ARPA includes the free "
                "sign-ups at 0 MRR; use the paying new customers."),
    ]
    return _number(question, "answer_ltv_churn", answer, expected, money,
                   f"ARPA {money(arpa)} x {margin:.0%} / {churn:.1%} "
                   f"(a lifetime of {1 / churn:g} months).", mistakes, hint, "LTV")


def check_min_mrr(answer: object) -> Feedback:
    """3.6 The lowest monthly subscription giving LTV/CAC = 3 (CAC 1,650, 75 %, 40 months)."""
    question = "Question 3.6, break-even subscription"
    hint = ("solve mrr x lifetime x margin / CAC = 3 for mrr: "
            "mrr = 3 x CAC / (lifetime x margin).")
    if answer is None:
        return _not_done(question, "set `answer_min_mrr` to the monthly price at which LTV/CAC "
                         "reaches 3.", hint)
    cac, life, margin, target = (EX3["cac"], EX3["lifetime_months"], EX3["gross_margin"],
                                 EX3["target_ratio"])
    expected = formulas.required_monthly_revenue(target, cac, life, margin)
    mistakes = [
        Mistake(target * cac / life, "without the margin: the ratio is computed on gross "
                "margin, so the price must be higher."),
        Mistake(cac / (life * margin), "that gives LTV/CAC = 1 (break-even), not 3."),
    ]
    return _number(question, "answer_min_mrr", answer, expected, money,
                   f"3 x {money(cac)} / ({life:g} x {margin:.0%}) per month.", mistakes, hint,
                   "price")


# ================================================================ exercise 4: pitfalls, cohorts


def check_monthly_cac(answer: object) -> Feedback:
    """4.1 The CAC of each month of H1 2025 (Series indexed by month)."""
    question = "Question 4.1, monthly CAC"
    hint = ("each month's spend over that month's new customers: "
            "cohorts.monthly_cac(spend, acquisitions(deals), half_year)['cac'].")
    if answer is None:
        return _not_done(question, "set `answer_monthly_cac` to a Series of six monthly CACs.",
                         hint)
    table = monthly_cac(sample_data().spend, acquisitions(sample_data().deals),
                        _period(H1_2025))
    expected = {str(m): float(v) for m, v in table["cac"].items()}
    given = _as_mapping(answer)
    if given is not None and len(given) == len(expected):
        # Months may be keyed as Periods, Timestamps or text: compare in order.
        answer = dict(zip(expected, given.values(), strict=True))
    elif isinstance(answer, list | tuple | np.ndarray) and len(answer) == len(expected):
        answer = dict(zip(expected, answer, strict=True))  # six values, January first
    spread = max(expected.values()) / min(expected.values())
    return _mapping(question, "answer_monthly_cac", answer, expected, money,
                    f"from {money(min(expected.values()))} to {money(max(expected.values()))}: "
                    f"a factor of {spread:.2f} between months of the same company.", [], hint,
                    "CAC")


def check_half_year_cac(answer: object) -> Feedback:
    """4.2 The CAC of H1 2025 as one period."""
    question = "Question 4.2, CAC of the half-year"
    hint = "all the half-year's spend / all its new customers (one division, not an average)."
    if answer is None:
        return _not_done(question, "set `answer_half_year_cac`.", hint)
    table = monthly_cac(sample_data().spend, acquisitions(sample_data().deals),
                        _period(H1_2025))
    expected = float(formulas.cac(table["spend"].sum(), table["new_customers"].sum()))
    mistakes = [Mistake(float(table["cac"].mean()), "that is the average of the six monthly "
                        "CACs; months with few customers weigh as much as busy ones. Divide "
                        "the half-year's spend by its customers."),
                Mistake(float(table["cac"].median()), "that is the median monthly CAC; divide "
                        "the half-year's spend by its customers.")]
    return _number(question, "answer_half_year_cac", answer, expected, money,
                   f"{money(table['spend'].sum())} / {int(table['new_customers'].sum())} new "
                   "customers.", mistakes, hint, "CAC")


def check_freemium(answer: object) -> Feedback:
    """4.3 CAC of Q2 2025 counting free sign-ups (wrong) and counting payers only (right)."""
    question = "Question 4.3, freemium and POC"
    hint = ("'with_free': accounts with a 'new' deal in the quarter, paid or not; 'paying_only':"
            " the counting rules of exercise 1. The spend is the same in both.")
    if answer is None:
        return _not_done(question, "set `answer_freemium` to {'with_free': ..., 'paying_only':"
                         " ...}.", hint)
    total = float(_spend_in(Q2_2025)["amount"].sum())
    deals = _deals_in(Q2_2025)
    with_free = total / deals.loc[deals["type"] == "new", "account_id"].nunique()
    paying = formulas.cac(total, len(_acquired(Q2_2025)))
    expected = {"with_free": with_free, "paying_only": paying}
    swapped = {"with_free": paying, "paying_only": with_free}
    return _mapping(question, "answer_freemium", answer, expected, money,
                    f"counting free sign-ups shows {money(with_free)} instead of {money(paying)}"
                    f": the CAC looks {1 - with_free / paying:.0%} lower than it is.",
                    [(swapped, "the two figures are swapped: more 'customers' means a lower "
                      "(flattering) CAC.")], hint, "CAC")


def check_cohort_conversion(answer: object) -> Feedback:
    """4.4 Share of the leads created in March 2025 won within 90 days."""
    question = "Question 4.4, 90-day conversion of the March cohort"
    hint = ("leads created in March 2025; won within 90 days means won_date - created_date <= "
            "90 days; divide by all the cohort's leads (cohorts.lead_cohorts does it).")
    if answer is None:
        return _not_done(question, "set `answer_conversion_90` to a share between 0 and 1.",
                         hint)
    table = lead_cohorts(sample_data().leads, _period(MARCH_2025))
    row = table.iloc[0]
    expected = float(row["conversion_90"])
    cohort = _cohort(MARCH_2025)
    delay = (cohort["won_date"] - cohort["created_date"]).dt.days
    mistakes = [
        Mistake(float(row["conversion_30"]), "that is the 30-day conversion."),
        Mistake(float(row["conversion_60"]), "that is the 60-day conversion."),
        Mistake(_safe(cohort["won_date"].notna().sum(), len(cohort)), "that counts every win, "
                "however late; stop at 90 days after the lead's creation."),
        Mistake(_safe((delay <= 90).sum(), cohort["mql_date"].notna().sum()), "you divided by "
                "the qualified leads; the cohort is every lead created in March."),
        Mistake(_safe((delay < 90).sum(), len(cohort)), "a lead won on day 90 counts (<= 90)."),
    ]
    return _number(question, "answer_conversion_90", answer, expected, share,
                   f"{int(row['won_90'])} of {int(row['leads'])} leads won within 90 days.",
                   mistakes, hint, "conversion")


def check_sectors(answer: object) -> Feedback:
    """4.5 The sectors whose indicative range holds the CAC of H1 2025."""
    question = "Question 4.5, sector ranges"
    hint = ("targets.SECTOR_CAC_RANGES maps each sector to (low, high); None means no upper "
            "bound.")
    if answer is None:
        return _not_done(question, "set `answer_sectors` to a set of sector keys.", hint)
    table = monthly_cac(sample_data().spend, acquisitions(sample_data().deals),
                        _period(H1_2025))
    cac = float(formulas.cac(table["spend"].sum(), table["new_customers"].sum()))
    inside = frozenset(s for s, (low, high) in targets.SECTOR_CAC_RANGES.items()
                       if (low is None or cac >= low) and (high is None or cac <= high))
    closed = frozenset(s for s in inside if targets.SECTOR_CAC_RANGES[s][1] is not None)
    mistakes = {closed: "an open range counts too: industry is 'above 2,000' with no upper "
                "bound."} if closed != inside else {}
    return _choice(question, "answer_sectors", answer, inside,
                   f"{money(cac)} sits in {', '.join(sorted(inside))}; a landmark, not a norm: "
                   "compare a company with itself over time.", mistakes, hint, _names)


# ================================================================= exercise 5: funnel KPIs


def _funnel_mistakes(funnel: dict, key: str) -> list[Mistake]:
    f = funnel
    pairs = {
        "meeting_to_opportunity": [
            (_safe(f["opportunities"], f["qualified_leads"]), "you divided by the qualified "
             "leads; this rate divides opportunities by meetings."),
            (_safe(f["opportunities"], f["leads"]), "you divided by all leads; divide the "
             "opportunities by the meetings."),
            (_safe(f["meetings"], f["qualified_leads"]), "that is the lead-to-meeting rate "
             "(meetings / qualified leads)."),
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
    return [Mistake(v, why) for v, why in pairs[key]]


def _check_rate(key: str, number: str, name: str, answer: object, hint: str) -> Feedback:
    kpi = targets.KPI_BY_KEY[key]
    question = f"Question {number}, {kpi.name_en.lower()} ({kpi.name_fr})"
    if answer is None:
        return _not_done(question, f"set `{name}` to the rate of the leads created in Q1 2025, "
                         "as a share between 0 and 1.", hint)
    funnel = _funnel(Q1_2025)
    expected = float(funnel[key])
    verdict = targets.assess_kpi(key, expected)
    return _number(question, name, answer, expected, share,
                   f"{verdict.reason_en}.", _funnel_mistakes(funnel, key), hint, "rate")


def check_meeting_to_opportunity(answer: object) -> Feedback:
    """5.1 Meeting to opportunity rate of the Q1 2025 lead cohort."""
    return _check_rate("meeting_to_opportunity", "5.1", "answer_meeting_to_opportunity", answer,
                       "count the cohort's leads with a meeting_date and those with an "
                       "opportunity_date; divide the second by the first.")


def check_opportunity_to_win(answer: object) -> Feedback:
    """5.2 Opportunity to win rate of the Q1 2025 lead cohort."""
    return _check_rate("opportunity_to_win", "5.2", "answer_opportunity_to_win", answer,
                       "leads with a won_date / leads with an opportunity_date, in the cohort.")


def check_quote_conversion(answer: object) -> Feedback:
    """5.3 Quote conversion of the Q1 2025 lead cohort."""
    return _check_rate("quote_conversion", "5.3", "answer_quote_conversion", answer,
                       "among the leads with a quote_date, the share that also have a "
                       "won_date.")


def check_sales_cycle(answer: object) -> Feedback:
    """5.4 Median sales cycle (days from opportunity to won) of the Q1 2025 cohort."""
    question = "Question 5.4, median sales cycle (durée du cycle de vente)"
    hint = ("over the cohort's won leads: (won_date - opportunity_date).dt.days, then "
            ".median().")
    if answer is None:
        return _not_done(question, "set `answer_cycle_days` to the median in days.", hint)
    funnel = _funnel(Q1_2025)
    expected = float(funnel["sales_cycle_days"]["median"])
    mistakes = [
        Mistake(float(funnel["sales_cycle_days"]["mean"]), "that is the mean; long deals pull "
                "it up, the question asks for the median."),
        Mistake(float(funnel["conversion_delay_days"]["median"]), "you counted from the lead's "
                "creation; the sales cycle starts at the opportunity."),
        Mistake(float(funnel["conversion_delay_days"]["mean"]), "that is the mean delay from "
                "the lead's creation; the cycle runs from opportunity to signature."),
    ]
    return _number(question, "answer_cycle_days", answer, expected, days,
                   "from opportunity to signature; the mean is "
                   f"{days(funnel['sales_cycle_days']['mean'])}, pulled up by long deals.",
                   mistakes, hint, "cycle")


def check_owners_below_target(answer: object) -> Feedback:
    """5.5 Sales reps whose meeting to opportunity rate is below the 40 % target (Q1 2025)."""
    question = "Question 5.5, reps below the meeting-to-opportunity target"
    hint = ("funnel.funnel_by(leads, quarter, 'owner') gives each rep's rates; keep those below "
            "targets.KPI_BY_KEY['meeting_to_opportunity'].target_min (drop the 'All' row).")
    if answer is None:
        return _not_done(question, "set `answer_below_target` to a set of owner names.", hint)
    table = funnel_by(sample_data().leads, _period(Q1_2025), "owner", total=False)
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
    return _choice(question, "answer_below_target", answer, expected,
                   f"{shown}: candidates for coaching or better-qualified meetings.", mistakes,
                   hint, _names)


def check_margin_multiple(answer: object) -> Feedback:
    """5.6 How many times the Q1 2025 CAC fits in the gross margin per new customer."""
    question = "Question 5.6, CAC against the gross margin per customer"
    hint = ("gross margin per new customer over its life = ARPA x margin x lifetime (the LTV); "
            "divide it by the global CAC (compute_kpis gives both).")
    if answer is None:
        return _not_done(question, "set `answer_margin_multiple` with a 78 % margin and 36 "
                         "months.", hint)
    kpis = _kpis(Q1_2025, EX5["gross_margin"], EX5["lifetime_months"])
    expected = formulas.ltv_cac_ratio(kpis["ltv"], kpis["cac"]["global"])
    arpa = kpis["arpa_mrr"]
    mistakes = [
        Mistake(kpis["cac"]["global"] / kpis["ltv"], "that is CAC / margin, the inverse."),
        Mistake(arpa * EX5["gross_margin"] / kpis["cac"]["global"], "you used one month of "
                "margin; take the margin over the customer's lifetime (36 months)."),
        Mistake(arpa * EX5["lifetime_months"] / kpis["cac"]["global"], "that uses revenue; "
                "apply the 78 % gross margin."),
    ]
    verdict = targets.assess_cac_vs_margin(kpis["cac"]["global"], kpis["ltv"])
    return _number(question, "answer_margin_multiple", answer, expected, plain,
                   f"{verdict.reason_en}.", mistakes, hint, "multiple")


# ================================================================ exercise 6: dashboard, levers


def check_cac_trend(answer: object) -> Feedback:
    """6.1 Relative change of the global CAC from Q2 to Q3 2025."""
    question = "Question 6.1, CAC trend (T vs T-1)"
    hint = "change = CAC of Q3 / CAC of Q2 - 1 (a share: 0.05 for +5 %)."
    if answer is None:
        return _not_done(question, "set `answer_cac_change` to the relative change.", hint)
    now, before = _kpis(Q3_2025)["cac"]["global"], _kpis(Q2_2025)["cac"]["global"]
    expected = formulas.relative_change(before, now)
    mistakes = [
        Mistake(before / now - 1, "you divided Q2 by Q3; the change goes from the earlier "
                "quarter (T-1) to the later one (T)."),
        Mistake(now - before, f"that is the change in euros ({money(now - before)}); give it "
                "relative to Q2."),
    ]
    return _number(question, "answer_cac_change", answer, expected, share,
                   f"{money(before)} in Q2 -> {money(now)} in Q3.", mistakes, hint, "change")


def check_top_channel_share(answer: object) -> Feedback:
    """6.2 Share of the Q3 2025 leads brought by the top channel."""
    question = "Question 6.2, dependence on the top channel"
    hint = "count the leads created in Q3 2025 per channel; the largest count / all the leads."
    if answer is None:
        return _not_done(question, "set `answer_top_share` to a share between 0 and 1.", hint)
    kpis = _kpis(Q3_2025)
    expected = float(kpis["dependence"]["leads_share"])
    acquired = _acquired(Q3_2025)
    by_customers = acquired.groupby("channel").size()
    mistakes = [
        Mistake(float(kpis["dependence"]["revenue_share"]), "that is the top channel's share "
                "of new revenue; the question asks for its share of leads."),
        Mistake(float(by_customers.max() / by_customers.sum()), "that is the top channel's "
                "share of new customers; the question asks for leads."),
    ]
    return _number(question, "answer_top_share", answer, expected, share,
                   f"{kpis['dependence']['top_channel_leads']} brings {expected:.1%} of the "
                   "leads.", mistakes, hint, "share")


def check_warning_cac_vs_arpa(answer: object) -> Feedback:
    """6.3 Did the CAC grow faster than the ARPA from Q2 to Q3 2025? (True/False)."""
    question = "Question 6.3, warning signal: CAC vs basket"
    hint = ("compare CAC(Q3)/CAC(Q2) with ARPA(Q3)/ARPA(Q2), ARPA being the mean MRR of the "
            "new customers (compute_kpis(...)['arpa_mrr']).")
    if answer is None:
        return _not_done(question, "set `answer_warning` to True or False.", hint)
    now, before = _kpis(Q3_2025), _kpis(Q2_2025)
    cac_growth = formulas.relative_change(before["cac"]["global"], now["cac"]["global"])
    arpa_growth = formulas.relative_change(before["arpa_mrr"], now["arpa_mrr"])
    expected = bool(cac_growth > arpa_growth)
    return _choice(question, "answer_warning", answer, expected,
                   f"CAC {cac_growth:+.1%} against ARPA {arpa_growth:+.1%}: "
                   + ("the CAC outgrows the basket, a warning signal." if expected else
                      "the basket grows at least as fast as the CAC."),
                   {not expected: f"the CAC moved {cac_growth:+.1%} and the ARPA "
                    f"{arpa_growth:+.1%}; compare the two growth rates."}, hint, _bool)


def check_referral(answer: object) -> Feedback:
    """6.4 Blended CAC of Q3 2025 if 15 % of new customers came by referral at a 5x lower CAC."""
    question = "Question 6.4, referral programme"
    hint = ("customer-weighted mean: 85 % of the customers at today's CAC, 15 % at a fifth of "
            "it: (1 - 0.15) x CAC + 0.15 x CAC / 5.")
    if answer is None:
        return _not_done(question, "set `answer_referral_cac`.", hint)
    cac = _kpis(Q3_2025)["cac"]["global"]
    s, ratio = EX6["referral_share"], EX6["cost_ratio"]
    expected = (1 - s) * cac + s * cac / ratio
    mistakes = [
        Mistake(s * cac / ratio, "that is only the referred customers' part; add the 85 % who "
                "keep today's CAC."),
        Mistake(cac / ratio, "that would be every customer at the referral cost; only 15 % "
                "come by referral."),
        Mistake((1 - s) * cac, "you dropped the referred customers' cost: they are cheaper, not "
                "free."),
    ]
    return _number(question, "answer_referral_cac", answer, expected, money,
                   f"{1 - expected / cac:.0%} below today's {money(cac)}.", mistakes, hint,
                   "CAC")


def check_mix(answer: object) -> Feedback:
    """6.5 Blended CAC of a 30/50/20 SEO / Ads / Outbound budget at Q3 2025's fully loaded CACs."""
    question = "Question 6.5, the 30/50/20 mix"
    hint = ("customers bought = sum(budget share / channel CAC); blended CAC = 1 / that sum "
            "(levers.blended_cac). It is not the weighted average of the CACs.")
    if answer is None:
        return _not_done(question, "set `answer_mix_cac`.", hint)
    channels = _kpis(Q3_2025)["channels"]
    cacs = {c: channels[c]["cac_fully_loaded"] for c in EX6["mix"]}
    expected = blended_cac(EX6["mix"], cacs)
    weighted = sum(EX6["mix"][c] * cacs[c] for c in cacs)
    direct = {c: channels[c]["cac_direct"] for c in EX6["mix"]}
    mistakes = [
        Mistake(weighted, "that is the budget-weighted average of the CACs; a euro in a cheap "
                "channel buys more customers, so divide the budget by the customers it buys."),
        Mistake(blended_cac(EX6["mix"], direct), "you used the direct CACs; the question uses "
                "the fully loaded ones (pooled costs included)."),
    ]
    return _number(question, "answer_mix_cac", answer, expected, money,
                   "the budget over the customers it buys with "
                   + ", ".join(f"{EX6['mix'][c]:.0%} on {c} at {money(cacs[c])}" for c in cacs)
                   + ".", mistakes, hint, "CAC")


#: Every check, by exercise notebook (used by the tests and the course index).
CHECKS: dict[str, tuple[Callable[[object], Feedback], ...]] = {
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
}
