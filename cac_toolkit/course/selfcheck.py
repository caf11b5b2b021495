"""Self-check questions inside the lessons, answered in the notebook and checked here.

Each lesson asks two or three short multiple-choice questions. The question and its options
are written in the lesson (a Markdown cell); the learner types a letter in the code cell below
it, ``selfcheck.answer("04.1", "b")``, and this module says whether it is right and why, or
why the chosen option is wrong, without naming the right letter. ``None`` (the committed
state) prints how to answer. :data:`QUESTIONS` holds, per question, the options' texts (a test
checks that the lesson shows each of them), the right letter and one explanation per option.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    """One self-check question: its stem, its options (letter -> text) and the feedback.

    ``why`` gives, for every letter, the sentence printed when that option is chosen: for the
    right one, why it is right; for a wrong one, what it confuses.
    """

    key: str
    stem: str
    options: dict[str, str]
    right: str
    why: dict[str, str]


def _q(key: str, stem: str, options: list[str], right: str, why: list[str]) -> Question:
    letters = "abcd"[: len(options)]
    return Question(key, stem, dict(zip(letters, options, strict=True)), right,
                    dict(zip(letters, why, strict=True)))


QUESTIONS: dict[str, Question] = {q.key: q for q in [
    _q("01.1", "A company spends 30,000 € on marketing and 45,000 € on sales in a quarter and "
       "signs 50 new paying customers. What is its global CAC?",
       ["600 €", "900 €", "1,500 €"], "c",
       ["600 € is the marketing CAC alone: the global CAC adds the sales spend.",
        "900 € is the sales CAC alone: the global CAC adds the marketing spend.",
        "(30,000 + 45,000) / 50 = 1,500 €: every acquisition cost over the new paying "
        "customers."]),
    _q("01.2", "Which deal counts as a new customer in the denominator?",
       ["a renewal of last year's contract", "the first paid contract of a new account",
        "a free trial sign-up"], "b",
       ["A renewal keeps a customer; it acquires nobody.",
        "Right: one account, counted once, on its first paid 'new' deal.",
        "A free sign-up pays nothing: its cost stays in the numerator, it stays out of the "
        "denominator."]),
    _q("02.1", "In the article's quarter, SEO costs 12,000 € for 28 customers and Ads 18,000 € "
       "for 12. Which channel has the lower direct CAC?",
       ["SEO", "Ads", "they are equal"], "a",
       ["12,000 / 28 = 428.57 € against 18,000 / 12 = 1,500 € for Ads.",
        "Ads spends more per customer: 1,500 € against about 429 € for SEO.",
        "Divide each channel's spend by its own customers: the two differ by a factor of 3.5."]),
    _q("02.2", "Why does the fully loaded CAC of each channel exceed its direct CAC?",
       ["because it counts free sign-ups", "because it adds a share of the pooled costs",
        "because it uses a longer period"], "b",
       ["Free sign-ups never count as customers, in either CAC.",
        "Right: salaries, CRM and management, split by a key, are added to each channel.",
        "Both CACs read the same period."]),
    _q("03.1", "Inbound costs 400 € per customer, outbound 2,000 €. What can make outbound the "
       "better channel?",
       ["nothing: the cheaper CAC always wins", "a larger basket and a longer lifetime",
        "a shorter reporting period"], "b",
       ["A CAC alone says nothing of what the customer brings: compare LTV/CAC.",
        "Right: value per customer, not cost alone, decides; outbound can stay more "
        "profitable.",
        "The period changes the measure, not the economics."]),
    _q("03.2", "SEO brings leads at about a third of the cost of LinkedIn Ads. If a LinkedIn "
       "lead costs 120 €, about how much does an SEO lead cost?",
       ["40 €", "120 €", "360 €"], "a",
       ["Right: three times cheaper, 120 / 3 = 40 €.",
        "That is the LinkedIn Ads price itself.",
        "That is three times dearer, not cheaper."]),
    _q("04.1", "150 €/month, 70 % gross margin, 36 months, CAC 1,200 €: what is the LTV/CAC?",
       ["3.15", "4.5", "0.32"], "a",
       ["150 x 36 x 0.70 = 3,780 €; 3,780 / 1,200 = 3.15.",
        "That uses revenue (5,400 €) instead of gross margin.",
        "That is CAC / LTV, the inverse."]),
    _q("04.2", "A payback of 14 months in B2B SaaS is read as:",
       ["healthy", "beyond the 12-month landmark", "impossible to read without churn"], "b",
       ["The article's healthy landmark is 12 months or less.",
        "Right: beyond 12 months it often signals inefficient selling or pricing.",
        "Payback needs the CAC and the monthly margin only."]),
    _q("05.1", "The CAC doubles from 1,500 € to 3,000 € to win enterprise customers. When is "
       "that acceptable?",
       ["never: a rising CAC is always a warning",
        "when LTV/CAC stays well above 3 and the payback is acceptable",
        "when the sales team grows"], "b",
       ["A high CAC is acceptable when the value it buys is higher still.",
        "Right: the article's pivot keeps LTV/CAC above 5 despite the doubled CAC.",
        "More salespeople raise the CAC; they do not justify it."]),
    _q("05.2", "In which phase of a company's life does the CAC tend to fall by itself?",
       ["launch", "ramp-up", "maturity"], "c",
       ["At launch the CAC is high: no brand, few references, channels being tested.",
        "During the ramp-up the CAC stabilises (optimised channels, automation, recurring "
        "sales); it does not yet fall by itself.",
        "Right: notoriety, referrals and retention lower it at maturity."]),
    _q("06.1", "Why is the CAC of a single month often misleading in B2B?",
       ["months have different numbers of days",
        "leads convert months after the money is spent", "the spend is booked yearly"], "b",
       ["The length of the month is not the issue.",
        "Right: a month's spend and a month's customers do not match; read cohorts at 30, 60 "
        "and 90 days.",
        "Monthly spend lines exist; the lag is on the customers' side."]),
    _q("06.2", "Counting free sign-ups as customers makes the CAC look:",
       ["lower than it is", "higher than it is", "unchanged"], "a",
       ["Right: a larger denominator flatters the CAC.",
        "More 'customers' for the same spend lowers the figure, it does not raise it.",
        "The denominator changes, so the CAC changes."]),
    _q("07.1", "The lead-to-meeting rate divides the meetings obtained by:",
       ["all the leads", "the qualified leads contacted", "the opportunities"], "b",
       ["Unqualified leads are never called: they do not belong in the rate.",
        "Right: the KPI article's denominator is the qualified leads contacted.",
        "Opportunities come after the meetings."]),
    _q("07.2", "Why read the funnel of the last quarter with care?",
       ["its cohort is too young: slow deals have not closed yet",
        "its leads are of lower quality", "its spend is not final"], "a",
       ["Right: the conversions of a young cohort are biased low.",
        "Nothing says the leads are worse; they have simply had less time.",
        "The spend is known; the outcomes are not."]),
    _q("08.1", "The CAC grows faster than the basket while LTV/CAC is 5. What does the signal "
       "say?",
       ["each customer now costs more than it brings",
        "acquisition profitability is eroding, though customers still pay back",
        "nothing: LTV/CAC is above 3"], "b",
       ["LTV/CAC 5 means a customer brings five times its cost: the signal measures a trend.",
        "Right: two growth rates compared, an early warning before the ratio falls.",
        "A good level today does not cancel a worsening trend."]),
    _q("08.2", "Keeping a customer costs 5 to 7 times less than acquiring one. With a CAC of "
       "2,100 €, what does retaining a customer cost, roughly?",
       ["300 to 420 €", "2,100 €", "10,500 to 14,700 €"], "a",
       ["Right: 2,100 / 7 = 300 € and 2,100 / 5 = 420 €.",
        "That is the cost of acquiring, not of keeping.",
        "That multiplies instead of dividing."]),
    _q("09.1", "A ledger exported from French accounting software usually has:",
       ["decimal commas and day-first dates", "amounts in cents",
        "one column per channel"], "a",
       ["Right: 1 234,56 and 31/01/2025; the loader reads both.",
        "Amounts are in euros with a decimal comma.",
        "Channels come from a column (or from the item's label), not one column each."]),
    _q("09.2", "The CRM export lists renewals and upsells among the deals. What do you do?",
       ["delete them from the file", "keep them, typed, so the audit counts only new deals",
        "count them as new customers"], "b",
       ["Never change the client's files: the audit filters by type.",
        "Right: the type column tells new from renewal; only the first paid 'new' deal counts.",
        "They acquire nobody."]),
    _q("10.1", "An account paid 100 € in May, nothing in June and 80 € in July. In July's MRR "
       "movements, its 80 € are:",
       ["new MRR", "reactivation MRR", "expansion MRR"], "b",
       ["New MRR is an account's first month with MRR in the whole table; this account paid in "
        "May already.",
        "Right: back from a month at 0 without being new, so it is a reactivation.",
        "Expansion is an increase while paying in both months; in June it paid nothing."]),
    _q("10.2", "Why does a constant churn, measured on the first year, understate how long "
       "customers stay?",
       ["because churn rises with tenure",
        "because the fickle customers leave first, so the survivors churn less and less",
        "because NRR is above 100 %"], "b",
       ["Observed churn falls with tenure, it does not rise: that is why the constant rate "
        "errs.",
        "Right: heterogeneity; the sBG model lets each customer have its own churn.",
        "NRR counts money, expansion included; it says nothing about how long accounts stay."]),
    _q("11.1", "Two customers: A reached by Ads then SEO then Outbound, B by SEO alone. Under "
       "last touch, how many customers does SEO get?",
       ["0", "1", "1.5"], "b",
       ["B's only touch is SEO, so SEO gets B.",
        "Right: A goes to Outbound (its last touch), B to SEO.",
        "Last touch gives each customer to one channel, whole."]),
    _q("11.2", "Why is last-click attribution alone to be avoided?",
       ["it is hard to compute", "it ignores the channels that opened the journey",
        "it needs too much data"], "b",
       ["It is the easiest model to compute.",
        "Right: content and SEO that start journeys get no credit, so their CAC looks too "
        "high.",
        "It needs less data than data-driven models, not more."]),
]}


@dataclass(frozen=True)
class Answer:
    """The verdict on one self-check answer (``ok``) and the lines printed."""

    key: str
    ok: bool
    text: str

    def _ipython_display_(self) -> None:
        """Already printed: show nothing more."""


def answer(key: str, choice: str | None) -> Answer:
    """Check the letter ``choice`` for the self-check question ``key`` and print why.

    A wrong letter gets the reason it is wrong, never the right letter; ``None`` gets how to
    answer. An unknown letter is said so.
    """
    question = QUESTIONS[key]
    letters = ", ".join(question.options)
    if choice is None:
        text = (f"Self-check {key}: not answered yet. Replace None by the letter of your choice "
                f"({letters}) and run the cell.")
        ok = False
    else:
        letter = str(choice).strip().lower().rstrip(")")
        if letter not in question.options:
            text = f"Self-check {key}: {choice!r} is not one of the options ({letters})."
            ok = False
        elif letter == question.right:
            text = f"Self-check {key}: right. {question.why[letter]}"
            ok = True
        else:
            text = f"Self-check {key}: not this one. {question.why[letter]} Try another option."
            ok = False
    print(text)
    return Answer(key, ok, text)


def markdown(key: str) -> str:
    """The Markdown of a question as the lessons show it: stem, then one line per option."""
    question = QUESTIONS[key]
    lines = [f"**Self-check {key}.** {question.stem}", ""]
    lines += [f"- ({letter}) {text}" for letter, text in question.options.items()]
    return "\n".join(lines)
