"""The course's lessons in reading order, each with its objectives, prerequisites, time and key
points, and the bilingual glossary.

``scripts/make_lessons.py`` writes, in each lesson notebook, an "About this lesson" cell after
the title (objectives, prerequisites, time), the self-check questions of
:mod:`cac_toolkit.course.selfcheck` before the closing section, and a "Key points" cell at the
end, all tagged ``lesson-structure`` so that a rerun replaces them; a test checks that the
notebooks match. The course website (``make site``) reads the same order and the glossary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook: ``stem`` is its file name without ``.ipynb``."""

    stem: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]
    key_points: tuple[str, ...]
    selfchecks: tuple[str, ...]
    exercise: str | None = None


LESSONS: tuple[Lesson, ...] = (
    Lesson("01_what_cac_is", "What CAC is, and what it is not", 15,
           ("compute the global, marketing and sales CAC of a period",
            "list the costs that go into the numerator, pooled costs included",
            "apply the counting rules: one account, once, on its first paid new deal"),
           ("none: this is the first lesson; basic pandas helps",),
           ("CAC = (marketing + sales spend) / new paying customers, over one period.",
            "A CPA stops at the lead; a CAC goes to the signed, paying customer.",
            "Renewals, upsells and free sign-ups never count as new customers."),
           ("01.1", "01.2"), "ex01_cac_basics"),
    Lesson("02_saas_quarter_step_by_step", "A SaaS quarter, step by step", 30,
           ("rebuild the article's worked quarter from a raw export",
            "compute direct and fully loaded CAC per channel, and say why they differ",
            "read LTV, LTV/CAC and payback, and size the article's budget move"),
           ("lesson 01",),
           ("Global CAC 1,500 €; SEO's direct CAC 428.57 € (429 rounded), Ads 1,500 €.",
            "Pooled costs, split by a key, turn direct CACs into fully loaded ones.",
            "LTV/CAC 2.8 is below 3: raise the LTV and move budget from Ads to SEO."),
           ("02.1", "02.2"), "ex02_channels_and_allocation"),
    Lesson("03_inbound_vs_outbound", "Inbound vs outbound: cheap customers or valuable ones?", 20,
           ("compare two channels on CAC, cost per won opportunity and margin",
            "find the basket at which outbound matches inbound",
            "price SEO leads against LinkedIn Ads leads (about 3 times cheaper)"),
           ("lessons 01 and 02",),
           ("A low CAC is not a good channel by itself: compare the value it buys.",
            "SEO leads cost about a third of LinkedIn Ads leads, once the content is paid.",
            "Measure at the won opportunity, with the margin over the lifetime."),
           ("03.1", "03.2")),
    Lesson("04_ltv_and_payback", "LTV and payback", 25,
           ("compute the LTV with the three formulas of the articles",
            "read LTV/CAC and payback against the articles' landmarks",
            "tell the lifetime margin multiple from the first-year reading"),
           ("lesson 01",),
           ("LTV 3,780 €, LTV/CAC 3.15, payback 11.4 months in the article's example.",
            "Below 2 fragile, 2 to 3 below target, 3 and more good, above 5 very favourable.",
            "Payback within 12 months is healthy in B2B SaaS."),
           ("04.1", "04.2"), "ex03_ltv_payback"),
    Lesson("05_enterprise_pivot", "The enterprise pivot: when a high CAC is fine", 25,
           ("turn a retention rate into a lifetime and an LTV range",
            "name the three cases where a high CAC is acceptable",
            "place a company in the three phases of CAC (launch, ramp-up, maturity)"),
           ("lesson 04",),
           ("A doubled CAC is fine when LTV/CAC stays high: the pivot keeps it above 5.",
            "Three cases justify a high CAC for a while: conquering a strategic segment, building "
            "scale, testing a market or pivoting.",
            "CAC is high at launch, stabilises in the ramp-up and falls at maturity."),
           ("05.1", "05.2")),
    Lesson("06_pitfalls_and_cohorts", "Pitfalls: periods, lags, cohorts, free sign-ups, sectors",
           30,
           ("choose a period long enough to read a CAC",
            "follow monthly cohorts at 30, 60 and 90 days",
            "name the drivers of CAC: sales cycle, deal size, digital maturity"),
           ("lessons 01 and 02",),
           ("One company shows three CACs over a month, a quarter and a year.",
            "Leads convert months later: read cohorts, not a month's division.",
            "Sector ranges are landmarks; compare a company with itself over time."),
           ("06.1", "06.2"), "ex04_pitfalls_cohorts"),
    Lesson("07_funnel_kpis", "The ten funnel KPIs of B2B acquisition", 30,
           ("compute the ten KPIs of the article and read four of them against targets",
            "use the right denominators (qualified leads contacted for meetings)",
            "split the funnel by channel, rep and segment, and publish CAC by ICP"),
           ("lessons 01 and 06",),
           ("Lead to meeting = meetings / qualified leads contacted.",
            "A young cohort's conversions are biased low: wait before judging.",
            "Show CAC global, by channel and by ICP side by side."),
           ("07.1", "07.2"), "ex05_funnel_kpis"),
    Lesson("08_dashboard_and_levers", "The dashboard, the warning signals and the levers", 40,
           ("build the article's minimal dashboard and read the three warning signals",
            "size the levers: mix, referral, lead quality, automation, retention",
            "answer the FAQ on an Ads CAC that is too high"),
           ("lessons 02, 04 and 07",),
           ("Warning signals compare trends; LTV/CAC says whether customers pay back.",
            "Remixes compare like with like: fully loaded CACs with fully loaded budgets.",
            "Retaining a customer costs 5 to 7 times less than acquiring one."),
           ("08.1", "08.2"), "ex06_dashboard"),
    Lesson("09_your_own_data", "Your own data: from a CRM and a ledger to an audit", 30,
           ("turn a CRM export and a ledger into an audit folder",
            "check the folder and read the loader's messages",
            "run the full audit and read its report"),
           ("lessons 01, 02 and 07",),
           ("The loader reads French ledgers: decimal commas, day-first dates.",
            "Keep renewals and upsells, typed; the audit counts new deals only.",
            "Never edit the client's files: the audit writes in its own folder."),
           ("09.1", "09.2")),
    Lesson("10_retention_and_measured_ltv", "Retention and a measured LTV", 45,
           ("read the MRR movements of a revenue table (new, reactivation, expansion, "
            "contraction, churn) and check that they rebuild each month's MRR",
            "compute logo churn, revenue churn, NRR and GRR over a period",
            "explain why a constant churn understates the lifetime, and fit the sBG model "
            "(reproducing the published fits of Fader and Hardie, 2007)",
            "read a measured LTV, its basis and its 90 % interval in the audit's KPI file"),
           ("lessons 04 and 06",),
           ("MRR movements rebuild each month's MRR exactly: check the identity before reading "
            "any rate.",
            "Logo churn counts customers, revenue churn counts money; NRR above 100 % means "
            "expansion beats churn, GRR is capped at 100 %.",
            "Customers differ: churn falls with tenure, so a constant churn understates the "
            "lifetime and the LTV; the sBG model captures it with two parameters.",
            "A measured LTV comes with its basis and a 90 % interval: a ratio without its "
            "interval hides how few customers it rests on."),
           ("10.1", "10.2"), "ex07_retention"),
    Lesson("11_attribution", "Attribution: which channel gets the credit?", 35,
           ("credit new customers by deal channel, first and last touch, linear, time decay and "
            "position-based 40/20/40, by hand on a small journey table",
            "compute data-driven credits (Markov removal effects, Shapley) and say when the "
            "data volume makes them credible",
            "read attribution with 30/60/90-day cohorts"),
           ("lessons 02 and 06",),
           ("The same customers, credited by seven models, give seven channel CACs.",
            "Last click alone is to be avoided: it hides the channels that open journeys.",
            "Data-driven models need hundreds of conversions per channel to be stable."),
           ("11.1", "11.2"), "ex08_attribution"),
)

LESSON_BY_STEM = {lesson.stem: lesson for lesson in LESSONS}


@dataclass(frozen=True)
class Term:
    """A glossary entry: English and French terms, a one-line definition, the lesson."""

    en: str
    fr: str
    definition: str
    lesson: str


GLOSSARY: tuple[Term, ...] = (
    Term("Customer acquisition cost (CAC)", "Coût d'acquisition client", "Marketing and sales "
         "spend of a period divided by the new paying customers of that period.",
         "01_what_cac_is"),
    Term("Marketing CAC", "CAC marketing", "Marketing spend alone over the new customers.",
         "01_what_cac_is"),
    Term("Sales CAC", "CAC commercial", "Sales spend (salaries, commissions, tools) over the new "
         "customers.", "01_what_cac_is"),
    Term("Cost per acquisition (CPA)", "Coût par acquisition", "A channel's spend per lead or "
         "action; it stops before the signed customer.", "01_what_cac_is"),
    Term("Direct CAC", "CAC direct", "A channel's own spend over the customers it acquired.",
         "02_saas_quarter_step_by_step"),
    Term("Pooled costs", "Coûts mutualisés", "Costs shared by every channel (sales team, CRM, "
         "management), split by an allocation key.", "02_saas_quarter_step_by_step"),
    Term("Fully loaded CAC", "CAC complet", "Direct CAC plus the channel's share of the pooled "
         "costs.", "02_saas_quarter_step_by_step"),
    Term("Allocation key", "Clé de répartition", "The measure by which pooled costs are split: "
         "new customers, opportunities or pipeline.", "02_saas_quarter_step_by_step"),
    Term("Inbound", "Inbound", "Customers who come to the company: content, SEO, website.",
         "03_inbound_vs_outbound"),
    Term("Outbound", "Outbound", "Customers the company goes to: phone prospecting, sequences.",
         "03_inbound_vs_outbound"),
    Term("Lifetime value (LTV, CLV)", "Valeur vie client", "The gross margin a customer brings "
         "over its whole relationship with the company.", "04_ltv_and_payback"),
    Term("LTV/CAC", "Ratio LTV/CAC", "Customer value created per euro of acquisition; 3 or more "
         "is the usual landmark.", "04_ltv_and_payback"),
    Term("Payback", "Délai de récupération du CAC", "Months of gross margin needed to earn back "
         "the CAC; 12 or fewer is healthy in B2B SaaS.", "04_ltv_and_payback"),
    Term("Churn", "Attrition (churn)", "The share of customers lost per month.",
         "04_ltv_and_payback"),
    Term("Retention rate", "Taux de rétention", "The share of customers kept over a year.",
         "05_enterprise_pivot"),
    Term("Cohort", "Cohorte", "The leads created in one month, followed at 30, 60 and 90 days.",
         "06_pitfalls_and_cohorts"),
    Term("Freemium, proof of concept", "Freemium, POC", "Free users or trials: their cost "
         "counts, they are not customers.", "06_pitfalls_and_cohorts"),
    Term("Qualified lead (MQL, SQL)", "Lead qualifié", "A lead that marketing, then sales, "
         "judged worth contacting.", "07_funnel_kpis"),
    Term("Lead to meeting rate", "Taux de conversion lead to meeting", "Meetings obtained over "
         "the qualified leads contacted.", "07_funnel_kpis"),
    Term("Opportunity to win rate", "Taux de conversion opportunité-client", "Won deals over "
         "opportunities; 20 to 30 % is the article's target.", "07_funnel_kpis"),
    Term("Quote conversion", "Taux de transformation des devis", "Accepted quotes over quotes "
         "issued.", "07_funnel_kpis"),
    Term("Sales cycle", "Durée du cycle de vente", "Days from opportunity to signature.",
         "07_funnel_kpis"),
    Term("Ideal customer profile (ICP)", "Profil client idéal", "The segment a company targets; "
         "CAC is published per ICP beside global and channel CAC.", "07_funnel_kpis"),
    Term("ARPA", "Panier moyen (revenu moyen par compte)", "Average monthly recurring revenue "
         "of the new customers.", "08_dashboard_and_levers"),
    Term("Warning signal", "Signal d'alerte", "A trend that erodes acquisition: CAC outgrowing "
         "the basket, a longer conversion delay, dependence on one channel.",
         "08_dashboard_and_levers"),
    Term("Referral programme", "Programme ambassadeur (parrainage)", "Customers who recommend "
         "the offer; the article's case: within six months, 15 % of new customers by word of "
         "mouth (bouche-à-oreille), five times cheaper than its digital (Ads) campaigns.",
         "08_dashboard_and_levers"),
    Term("Ledger", "Grand livre", "The accounting export of cost lines.", "09_your_own_data"),
    Term("MRR movements", "Mouvements de MRR", "A month's new, reactivation, expansion, "
         "contraction and churn MRR; they rebuild the month's MRR from the month before.",
         "10_retention_and_measured_ltv"),
    Term("Net revenue retention (NRR)", "Rétention nette du revenu", "This month's MRR of the "
         "accounts that paid twelve months earlier, over their MRR then; new customers left "
         "out.", "10_retention_and_measured_ltv"),
    Term("Gross revenue retention (GRR)", "Rétention brute du revenu", "NRR with each account "
         "capped at its MRR of twelve months earlier: expansion left out, at most 100 %.",
         "10_retention_and_measured_ltv"),
    Term("Shifted-beta-geometric model (sBG)", "Modèle bêta-géométrique décalé", "A retention "
         "model in which each customer churns with its own probability, spread as a Beta "
         "distribution across customers.", "10_retention_and_measured_ltv"),
    Term("Attribution model", "Modèle d'attribution", "The rule that shares a customer among "
         "the channels of its journey.", "11_attribution"),
    Term("Position-based (40/20/40)", "Attribution en U (40/20/40)", "40 % to the first touch, "
         "40 % to the last, 20 % shared by those in between.", "11_attribution"),
    Term("Data-driven attribution", "Attribution algorithmique", "Credits estimated from all "
         "journeys: Markov removal effects or Shapley values.", "11_attribution"),
    Term("Removal effect", "Effet de retrait", "The share of conversions lost when a channel is "
         "removed from every journey.", "11_attribution"),
)


def glossary_markdown() -> str:
    """The glossary as one Markdown table, sorted by English term."""
    titles = {lesson.stem: lesson.title for lesson in LESSONS}
    lines = ["# Glossary (*glossaire*)", "",
             "Each term in English and French, a one-line definition and the lesson that "
             "teaches it.", "",
             "| English | Français | Definition | Lesson |", "|---|---|---|---|"]
    for term in sorted(GLOSSARY, key=lambda t: t.en.lower()):
        number = term.lesson.split("_", 1)[0]
        lines.append(f"| {term.en} | {term.fr} | {term.definition} | {number} · "
                     f"{titles[term.lesson]} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the capstone (exercise 9)


@dataclass(frozen=True)
class Capstone:
    """The course's closing exercise: a client's raw exports audited end to end.

    ``stem`` is the exercise notebook's name (``exercises/`` and ``solutions/``); the site
    lists it after the lessons and the exercises, as the last step of the reading order.
    """

    stem: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]


CAPSTONE = Capstone(
    "ex09_capstone", "Capstone: audit a client's raw exports", 90,
    ("inspect a messy client folder and name its traps before computing anything",
     "write the sources.yaml that maps it to the audit, and read check and the mapping report",
     "compute the quarter's KPIs, read their verdicts and write a one-paragraph "
     "recommendation"),
    ("lessons 01, 02, 04, 07 and 09", "exercises 1 to 3"))
